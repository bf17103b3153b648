#!/usr/bin/env bash
# `diff` refusals exit 2 with "envlock diff: error: <file>:<line>: ...": a malformed lock, a
# missing file, a wrong number of files, an unknown format or platform.
source "$(dirname "$0")/common.sh"
good="$(corpus_dir)/lockfiles/mamba/env_lockfiles/envlockfile-check-step-2-lock.yaml"

printf 'version: 1\nmetadata:\n  platforms: [linux-64]\npackage:\n  - name: [broken\n' >"$scratch/bad.yml"
run "$ENVLOCK" diff "$good" "$scratch/bad.yml"
expect_rc 2
expect_in err "envlock diff: error: $scratch/bad.yml:"
[ "$(wc -l <"$scratch/err")" = 1 ]
[ ! -s "$scratch/out" ]

bad_json="$(corpus_dir)/lockfiles/mamba/data/env_lockfile/bad_package-lock.json"
run "$ENVLOCK" diff "$bad_json" "$good"
expect_rc 2
expect_in err "envlock diff: error: $bad_json:33:7: invalid JSON"

run "$ENVLOCK" diff "$scratch/missing.yml" "$good"
expect_rc 2
expect_in err "envlock diff: error: $scratch/missing.yml: "

run "$ENVLOCK" diff --textconv "$scratch/bad.yml"
expect_rc 2
expect_in err "envlock diff: error: $scratch/bad.yml:"

run "$ENVLOCK" diff "$good"
expect_rc 2
expect_in err "envlock diff: error: expected OLD and NEW locks"
run "$ENVLOCK" diff --format yaml "$good" "$good"
expect_rc 2
run "$ENVLOCK" diff -p linux-ppc64le "$good" "$good"
expect_rc 2
expect_in err "envlock diff: error: --platform linux-ppc64le: neither lock has this platform"
echo PASS
