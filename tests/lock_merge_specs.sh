#!/usr/bin/env bash
# Specs of one name merge as conda's MatchSpec.merge merges them: compatible ones combine (in
# one file and across -f files, for lock and --check), incompatible ones exit 2 naming both
# places; selectors that keep them apart per platform are no conflict.
source "$(dirname "$0")/lock_common.sh"

env="$scratch/environment.yml"
more="$scratch/more.yml"
lock="$scratch/conda-lock.yml"
channel="file://$(readlink -f "$DEMO_CHANNEL")"
lock_it() { run "$LOCK" -c "$channel" -p linux-64 -o "$lock" "$@"; }
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python=3.11\n  - zlib\n  - python=3.12\n' >"$env"
lock_it -f "$env"
expect_rc 2
expect_in err "envlock lock: error: $env:6:5: 'python=3.12' conflicts with 'python=3.11' at $env:4"
[ ! -e "$lock" ]

# Across files: the same.
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python=3.11\n' >"$env"
printf 'dependencies:\n  - libfoo\n  - python 3.12.*\n' >"$more"
lock_it -f "$env" -f "$more"
expect_rc 2
expect_in err "$more:3:5: 'python 3.12.*' conflicts with 'python=3.11' at $env:4"
lock_it -f "$env" -f "$more" --check
expect_rc 2

# Compatible: both hold (python 3.12.2 would be the newest; <3.12 keeps 3.11).
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python>=3.11\n  - zlib\n  - python<3.12\n' >"$env"
lock_it -f "$env"
expect_rc 0
expect_in out "+ python 3.11.8"
lock_it -f "$env" --check
expect_rc 0
# The lock of the second spec alone does not satisfy both.
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python>=3.11\n  - zlib\n' >"$env"
rm -f "$lock"
lock_it -f "$env"
expect_rc 0
expect_in out "python 3.12.2"
printf 'dependencies:\n  - python<3.12\n' >"$more"
lock_it -f "$env" -f "$more" --check
expect_rc 1
expect_in out "requested python[version='>=3.11,<3.12'], but the lock has python 3.12.2"
# and a relock moves python, though conda-lock's content hash (the later file's python wins
# there) did not change.
lock_it -f "$env" -f "$more"
expect_rc 0
expect_in out "~ python 3.12.2 h0a1b2c3_0_cpython -> 3.11.8"

# Selectors keep two pins apart: no conflict on either platform.
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python=3.11  # [osx]\n  - python=3.12  # [linux]\n' >"$env"
rm -f "$lock"
lock_it -f "$env"
expect_rc 0
expect_in out "+ python 3.12.2"
echo PASS
