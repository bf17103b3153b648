#!/usr/bin/env bash
# An environment file that can be read only once (a pipe: `-f <(envsubst < environment.yml)`)
# locks and checks like the same file on disk: the tool reads each input once.
source "$(dirname "$0")/lock_common.sh"

env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
printf 'channels:\n  - file://%s\ndependencies:\n  - libfoo 1.0.*\n' "$(readlink -f "$DEMO_CHANNEL")" >"$env"
run "$LOCK" -f <(cat "$env") -p linux-64 -o "$lock"
expect_rc 0
expect_in out "+ libfoo 1.0.0 h1234567_0"
run "$LOCK" -f <(cat "$env") -p linux-64 -o "$lock" --check
expect_rc 0
# The same lock, the same content hash, from the file on disk.
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check
expect_rc 0
# And a pipe with an edit is drift.
run "$LOCK" -f <(sed 's/1\.0\.\*/1.2.*/' "$env") -p linux-64 -o "$lock" --check
expect_rc 1
expect_in out "requested libfoo 1.2.*, but the lock has libfoo 1.0.0"
echo PASS
