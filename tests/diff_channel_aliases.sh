#!/usr/bin/env bash
# `diff` of a real lock against the same lock whose URLs name the same channels differently
# (http for https, `/label/main`, credentials, the defaults host's old name): no difference,
# exit 0. A real channel move is still reported.
source "$(dirname "$0")/common.sh"
lock="$(corpus_dir)/lockfiles/diff-pairs/pangeo-bump-odc-stac/after/pangeo-notebook/conda-lock.yml"
grep -q 'url: https://conda.anaconda.org/conda-forge/' "$lock"

sed -e 's#url: https://conda.anaconda.org/conda-forge/linux-64/#url: http://conda.anaconda.org/conda-forge/label/main/linux-64/#' \
    -e 's#url: https://conda.anaconda.org/conda-forge/noarch/#url: https://user:secret@conda.anaconda.org/conda-forge/noarch/#' \
    "$lock" >"$scratch/aliases.yml"
[ "$(grep -c 'label/main/linux-64/' "$scratch/aliases.yml")" -gt 100 ]
run "$ENVLOCK" diff "$lock" "$scratch/aliases.yml"
expect_rc 0
expect_in out "no differences; summary:"
expect_in out " 0 moved,"

# pkgs/main under repo.continuum.io and repo.anaconda.com (an @EXPLICIT lock of conda's era).
cat >"$scratch/old.txt" <<'TXT'
# platform: osx-64
@EXPLICIT
https://repo.continuum.io/pkgs/main/osx-64/tk-8.6.7-h35a86e2_3.tar.bz2#5694507135f7eb1c7b59f6c08f01fc0c
https://repo.continuum.io/pkgs/main/osx-64/zlib-1.2.11-hf3cbc9b_2.tar.bz2#bda63cc51e0e9cb5f9e2a8d0e8e2b5b0
TXT
sed 's#repo.continuum.io#repo.anaconda.com#' "$scratch/old.txt" >"$scratch/new.txt"
run "$ENVLOCK" diff "$scratch/old.txt" "$scratch/new.txt"
expect_rc 0

# A real move: another channel.
sed 's#repo.continuum.io/pkgs/main/osx-64/tk#conda.anaconda.org/conda-forge/osx-64/tk#' \
  "$scratch/old.txt" >"$scratch/moved.txt"
run "$ENVLOCK" diff "$scratch/old.txt" "$scratch/moved.txt"
expect_rc 1
expect_in out "moved  tk  8.6.7 h35a86e2_3  channel https://repo.continuum.io/pkgs/main → conda-forge"
echo PASS
