#!/usr/bin/env bash
# `lock --check` run bare (only -o, or nothing in the lock's folder) checks the sources and
# platforms the lock records, relative to the lock's folder: the real pangeo lock of the corpus
# checks clean; an edit of a recorded source is drift; -f and -p still override.
source "$(dirname "$0")/lock_common.sh"

pangeo="$(corpus_dir)/lockfiles/conda-lock/pangeo-docker-images/HEAD/pangeo-notebook"
if [ -f "$pangeo/conda-lock.yml" ]; then
  cd "$scratch"; run "$LOCK" --check -o "$pangeo/conda-lock.yml"; cd - >/dev/null
  expect_rc 0
  expect_in out "satisfies the inputs (linux-64, linux-aarch64, osx-64, osx-arm64)"
  cd "$pangeo"; run "$LOCK" --check; cd - >/dev/null
  expect_rc 0
  expect_in out "ok: conda-lock.yml satisfies the inputs"
  # One platform named explicitly: the others are extra.
  cd "$pangeo"; run "$LOCK" --check -p linux-64; cd - >/dev/null
  expect_rc 1
  expect_in out "the lock has platform osx-arm64, which the inputs no longer ask for"
fi

# Our own lock with two sources, one in a sibling folder.
mkdir -p "$scratch/proj/app" "$scratch/proj/base"
channel="file://$(readlink -f "$DEMO_CHANNEL")"
printf 'channels:\n  - %s\ndependencies:\n  - python 3.12.*\nplatforms:\n  - linux-64\n  - osx-64\n' \
  "$channel" >"$scratch/proj/base/environment.yml"
printf 'channels:\n  - %s\ndependencies:\n  - libfoo\n' "$channel" >"$scratch/proj/app/environment.yml"
cd "$scratch/proj/app"; run "$LOCK" -f environment.yml -f ../base/environment.yml; cd - >/dev/null
expect_rc 0
lock="$scratch/proj/app/conda-lock.yml"
grep -qF -- "- ../base/environment.yml" "$lock"
run "$LOCK" --check -o "$lock"
expect_rc 0
expect_in out "satisfies the inputs (linux-64, osx-64)"
# An edit of the recorded sibling source is drift.
printf 'channels:\n  - %s\ndependencies:\n  - python 3.11.*\nplatforms:\n  - linux-64\n  - osx-64\n' \
  "$channel" >"$scratch/proj/base/environment.yml"
run "$LOCK" --check -o "$lock"
expect_rc 1
expect_in out "requested python 3.11.*, but the lock has python 3.12"
# -f overrides the recorded sources.
printf 'channels:\n  - %s\ndependencies:\n  - libfoo\n  - python 3.12.*\n' "$channel" >"$scratch/other.yml"
run "$LOCK" --check -o "$lock" -f "$scratch/other.yml"
expect_rc 0
# A recorded source that is gone is an input error naming it.
rm "$scratch/proj/base/environment.yml"
run "$LOCK" --check -o "$lock"
expect_rc 2
expect_in err "proj/base/environment.yml"
# conda-lock's pyproject.toml sources (real corpus locks) and the empty source conda-lockfiles
# writes are refused by name, not read as YAML ("must be a mapping", "illegal map value").
corpus_lock="$(corpus_dir)/lockfiles/conda-lock/conda-lock-tests/test-v2-to-v3-upgrade/conda-lock-v2.5.8.yml"
run "$LOCK" --check -o "$corpus_lock"
expect_rc 2
expect_in err "test-v2-to-v3-upgrade/pyproject.toml: conda-lock's TOML sources are not supported"
run "$LOCK" --check -o "$corpus_lock" -f "$(dirname "$corpus_lock")/pyproject.toml"
expect_rc 2
expect_in err "TOML sources are not supported"
corpus_lock="$(corpus_dir)/lockfiles/conda-lockfiles/environments/single_package/conda-lock.yml"
run "$LOCK" --check -o "$corpus_lock"
expect_rc 2
expect_in err "$corpus_lock: the lock records an empty source"
echo PASS
