#!/usr/bin/env bash
# `diff` finds no difference (exit 0) between a lock and itself, and between a lock and a
# reordered copy of it (conda-lock package blocks reversed, @EXPLICIT URL lines reversed).
source "$(dirname "$0")/common.sh"
dir="$(corpus_dir)/lockfiles/diff-pairs/pangeo-bump-odc-stac/after/pangeo-notebook"

for f in "$dir/conda-lock.yml" "$dir/conda-linux-64.lock" \
         "$(corpus_dir)/lockfiles/diff-pairs/pixi-lock-maintenance/after/pixi.lock"; do
  run "$ENVLOCK" diff "$f" "$f"
  expect_rc 0
  expect_in out "no differences; summary: 0 added, 0 removed"
done

# @EXPLICIT: header first, then the URL lines bottom-up.
grep -v '^http' "$dir/conda-linux-64.lock" >"$scratch/reordered.lock"
grep '^http' "$dir/conda-linux-64.lock" | tac >>"$scratch/reordered.lock"
if cmp -s "$dir/conda-linux-64.lock" "$scratch/reordered.lock"; then echo "FAIL: diff_same.sh:17: expected to fail: cmp -s \"\$dir/conda-linux-64.lock\" \"\$scratch/reordered.lock\"" >&2; exit 1; fi
run "$ENVLOCK" diff "$dir/conda-linux-64.lock" "$scratch/reordered.lock"
expect_rc 0
expect_in out "800 unchanged"

# conda-lock: the `package:` list with its entries in reverse order.
awk '/^package:/ {print; body=1; next}
     !body {print; next}
     /^- / {n++} {block[n] = block[n] $0 "\n"}
     END {for (i = n; i >= 1; i--) printf "%s", block[i]}' "$dir/conda-lock.yml" >"$scratch/reordered.yml"
if cmp -s "$dir/conda-lock.yml" "$scratch/reordered.yml"; then echo "FAIL: diff_same.sh:27: expected to fail: cmp -s \"\$dir/conda-lock.yml\" \"\$scratch/reordered.yml\"" >&2; exit 1; fi
[ "$(grep -c '^- name:' "$scratch/reordered.yml")" = 3060 ]
run "$ENVLOCK" diff --format json "$dir/conda-lock.yml" "$scratch/reordered.yml"
expect_rc 0
expect_in out '"same": true'
expect_in out '"unchanged": 3060'
echo PASS
