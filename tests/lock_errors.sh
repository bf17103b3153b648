#!/usr/bin/env bash
# `lock` refusals: malformed environment.yml (exit 2, file:line:column), an editable pip line (exit 2),
# bad options (exit 2), unsatisfiable specs (exit 3, naming the specs). Nothing is written.
source "$(dirname "$0")/lock_common.sh"

env="$scratch/environment.yml"
lock="$scratch/locks/conda-lock.yml"
mkdir -p "$scratch/locks"
channel="file://$(readlink -f "$DEMO_CHANNEL")"
lock_it() { run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock" "$@"; }
nothing_written() { [ ! -e "$lock" ] && [ ! -e "$scratch/locks/conda-linux-64.lock" ]; }

# Malformed YAML: the message points at the line and column.
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python\n   broken: indent\n' >"$env"
lock_it
expect_rc 2
expect_in err "envlock lock: error: $env:5:"
expect_in err "invalid YAML"
nothing_written
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python\n  - [zlib\n' >"$env"
lock_it
expect_rc 2
expect_in err "$env:6:1: invalid YAML"
# Well-formed YAML, wrong shape or a bad spec: still file:line:column.
printf 'channels:\n  - envlock-demo\ndependencies: 5\n' >"$env"
lock_it
expect_rc 2
expect_in err "$env:3:15: 'dependencies' must be a list"
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python\n  - zlib >=>1\n' >"$env"
lock_it
expect_rc 2
expect_in err "$env:5:5: invalid match spec 'zlib >=>1'"
nothing_written

# pip lines a lock cannot honour are refused, not dropped (tests/lock_pip_errors.sh has them all).
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python\n  - pip:\n      - -e .\n' >"$env"
lock_it
expect_rc 2
expect_in err "$env:6:9: pip line '-e .': editable installs cannot be locked"
nothing_written

# Bad options.
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python\n' >"$env"
run "$LOCK" -f "$env" -c "$channel" -p linux-65 -o "$lock"
expect_rc 2
expect_in err "-p linux-65: not a conda platform"
lock_it --exclude-newer 2024-02-30
expect_rc 2
expect_in err "--exclude-newer 2024-02-30: expected a date like 2024-01-31"
lock_it --exclude-newer yesterday
expect_rc 2
lock_it --virtual-package glibc=2.17
expect_rc 2
expect_in err "--virtual-package glibc=2.17"
run "$LOCK" -f "$scratch/no-such.yml" -c "$channel" -p linux-64 -o "$lock"
expect_rc 2
expect_in err "no-such.yml"
nothing_written

# Unsatisfiable: exit 3, each requested spec that cannot be met is named.
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python 3.13.*\n  - nopkg\n  - zlib\n' >"$env"
lock_it
expect_rc 3
expect_in err "envlock lock: error: linux-64: the specs cannot be satisfied:"
expect_in err "  nothing provides requested python 3.13.* (available versions: 3.12.2 3.12.1 3.11.8)"
expect_in err "  nothing provides requested nopkg (no package named 'nopkg' in the channels)"
expect_not_in err "requested zlib"
nothing_written
# A conflict between two specs that each exist.
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python 3.12.2\n  - zlib 1.3.0\n' >"$env"
lock_it -k explicit
expect_rc 3
expect_in err "requested python 3.12.2"
expect_in err "requested zlib 1.3.0"
expect_in err "python 3.12.2 h0a1b2c3_0_cpython needs zlib >=1.3.1"
nothing_written
lock_it --json
expect_rc 3
python3 - "$scratch/out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["outcome"] == "unsatisfiable", report
text = "\n".join(report["problems"]["linux-64"])
assert "requested zlib 1.3.0" in text and "requested python 3.12.2" in text, text
PY
nothing_written
echo PASS
