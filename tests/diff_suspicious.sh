#!/usr/bin/env bash
# `diff` flags a package whose sha256 changed while name, version, build and file stayed the
# same: "hash changed ... SUSPICIOUS" in text, a warning in Markdown, suspicious in JSON.
source "$(dirname "$0")/common.sh"
lock="$(corpus_dir)/lockfiles/mamba/env_lockfiles/envlockfile-check-step-2-lock.yaml"
# In this file an entry's hash comes before its name.
sha=$(grep -B4 'name: openssl$' "$lock" | sed -n 's/^ *sha256: //p')
[ ${#sha} = 64 ]
sed "s/$sha/$(printf '0%.0s' {1..64})/" "$lock" >"$scratch/tampered.yaml"
[ "$(grep -c 0000000000000000 "$scratch/tampered.yaml")" = 1 ]

run "$ENVLOCK" diff "$lock" "$scratch/tampered.yaml"
expect_rc 1
expect_in out "hash changed  openssl  3.0.5 h166bdaf_1  sha256 ${sha:0:12} → 000000000000  SUSPICIOUS"
expect_in out "0 rebuilt, 1 hash changed, 0 moved"

run "$ENVLOCK" diff --format markdown "$lock" "$scratch/tampered.yaml"
expect_in out "> [!WARNING]"
expect_in out "| **hash changed** ⚠️ | openssl | 3.0.5 \`h166bdaf_1\` |"

run "$ENVLOCK" diff --format json "$lock" "$scratch/tampered.yaml"
expect_in out '"kind": "hash_changed"'
expect_in out '"suspicious": true'
echo PASS
