#!/usr/bin/env bash
# `verify` of a real conda prefix (installed in 2018, partly from repo.continuum.io) against its
# lock rewritten the way a lock names the same channels today (repo.anaconda.com, http for
# https): one channel under two names is no drift, exit 0. A real channel move still is.
source "$(dirname "$0")/verify_common.sh"
prefix="$(corpus_dir)/conda-meta/conda-env_metadata/envpy27osx"

run "$ENVLOCK" lock --from-prefix "$prefix" -o "$scratch/captured.yml"
expect_rc 0
[ "$(grep -c 'url: https://repo.continuum.io/pkgs/main/' "$scratch/captured.yml")" -gt 5 ]
sed -e 's#url: https://repo.continuum.io/#url: https://repo.anaconda.com/#' \
    -e 's#url: https://repo.anaconda.com/pkgs/free/#url: http://repo.anaconda.com/pkgs/free/#' \
    "$scratch/captured.yml" >"$scratch/today.yml"
if grep -q continuum "$scratch/today.yml"; then echo "FAIL: verify_channel_aliases.sh:14: expected to fail: grep -q continuum \"\$scratch/today.yml\"" >&2; exit 1; fi

run "$ENVLOCK" verify --prefix "$prefix" --lock "$scratch/today.yml" --level packages
expect_rc 0
expect_in out "ok: "

sed 's#url: https://repo.anaconda.com/pkgs/main/osx-64/tk-#url: https://conda.anaconda.org/conda-forge/osx-64/tk-#' \
  "$scratch/today.yml" >"$scratch/moved.yml"
run "$ENVLOCK" verify --prefix "$prefix" --lock "$scratch/moved.yml" --level packages --json
expect_rc 1
expect_in out '"code": "channel-differs"'
expect_in out '"package": "tk"'
echo PASS
