#!/usr/bin/env bash
# A top-level environment.yml key that no environment file has (`dependncies:`) is a warning on
# stderr with file:line:column (and the key it resembles), in the JSON report too; with
# --strict it is an error, exit 2, and nothing is written. Known keys warn about nothing.
source "$(dirname "$0")/lock_common.sh"

env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
channel="file://$(readlink -f "$DEMO_CHANNEL")"
printf 'name: x\nchannels:\n  - envlock-demo\n\ndependncies:\n  - python\nchanels: [a]\n' >"$env"
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock"
expect_rc 0
expect_in err "envlock lock: warning: $env:5:1: unknown key 'dependncies' is ignored (did you mean 'dependencies'?)"
expect_in err "envlock lock: warning: $env:7:1: unknown key 'chanels' is ignored (did you mean 'channels'?)"
rm -f "$lock"
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock" --json
expect_rc 0
python3 - "$scratch/out" "$env" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["warnings"][0].startswith(sys.argv[2] + ":5:1: unknown key 'dependncies'"), report
PY
rm -f "$lock"
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock" --strict
expect_rc 2
expect_in err "envlock lock: error: $env:5:1: unknown key 'dependncies' (did you mean 'dependencies'?) (an error with --strict)"
[ ! -e "$lock" ]
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock" --check --strict
expect_rc 2

# Every key conda and conda-lock read: no warning, also with --strict.
printf 'name: x\nchannels:\n  - envlock-demo\ndependencies:\n  - python\nvariables: {A: "1"}\nprefix: /tmp/x\nplatforms: [linux-64]\ncategory: main\npip-repositories: []\n' >"$env"
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock" --strict
expect_rc 0
[ ! -s "$scratch/err" ]

# channel-priority: no environment file sets it (conda and conda-lock do not read it), so a
# `disabled` there is said to be ignored, never silently overruled by strict.
printf 'channels:\n  - envlock-demo\nchannel-priority: disabled\ndependencies:\n  - python\n' >"$env"
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock"
expect_rc 0
expect_in err "envlock lock: warning: $env:3:1: key 'channel-priority' is ignored: environment files do not set it; pass --channel-priority"
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock" --strict
expect_rc 2
echo PASS
