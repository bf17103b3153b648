#!/usr/bin/env bash
# `diff` across formats: a conda-lock file against its own @EXPLICIT render (md5 only, no
# depends) has no spurious change on linux-64; without --platform the three platforms the
# explicit file lacks are reported as only in old. A pixi.lock environment against itself
# through --environment.
source "$(dirname "$0")/common.sh"
dir="$(corpus_dir)/lockfiles/conda-lock/pangeo-docker-images/HEAD/pangeo-notebook"

run "$ENVLOCK" diff --platform linux-64 "$dir/conda-lock.yml" "$dir/conda-linux-64.lock"
expect_rc 0
expect_in out "(conda-lock-v1, "
expect_in out "(explicit, 809 packages)"
expect_in out "809 unchanged"

run "$ENVLOCK" diff "$dir/conda-lock.yml" "$dir/conda-linux-64.lock"
expect_rc 1
expect_in out "default / osx-arm64: only in old (743 packages)"
expect_in out "0 depends changed, 3 platforms only in old, 809 unchanged"

pixi="$(corpus_dir)/lockfiles/diff-pairs/pixi-lock-maintenance"
run "$ENVLOCK" diff -e docs -p win-64 "$pixi/before/pixi.lock" "$pixi/after/pixi.lock"
expect_rc 1
expect_in out "docs / win-64 (136 → 135 packages)"
expect_not_in out "default / "
run "$ENVLOCK" diff -e nope "$pixi/before/pixi.lock" "$pixi/after/pixi.lock"
expect_rc 2
expect_in err "envlock diff: error: $pixi/before/pixi.lock: no environment 'nope' (it has: backends-release, default,"
echo PASS
