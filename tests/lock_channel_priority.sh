#!/usr/bin/env bash
# --channel-priority strict, flexible (conda's default name) and disabled, on two channels cut
# from the demo channel: high has libfoo 1.0.0 only, low has libfoo 1.2.0 too.
#   strict:   libfoo from high only (libfoo >=1.2 is unsatisfiable, exit 3);
#   flexible: high preferred (1.0.0), low taken when high cannot serve (libfoo >=1.2 → 1.2.0);
#   disabled: channels equal, the newest version wins (1.2.0).
source "$(dirname "$0")/lock_common.sh"

cut_channel "$scratch/high" '^(libfoo-1\.0\.0|zlib)'
cut_channel "$scratch/low" '^libfoo-1\.2\.0-h1234567_0'
env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
lock_with() {  # lock_with PRIORITY SPEC
  printf 'channels:\n  - file://%s\n  - file://%s\ndependencies:\n  - %s\n' \
    "$scratch/high" "$scratch/low" "$2" >"$env"
  rm -f "$lock"
  run "$LOCK" -f "$env" -p linux-64 -o "$lock" --channel-priority "$1" --cache-dir "$scratch/cache"
}

lock_with strict libfoo
expect_rc 0
expect_in out "+ libfoo 1.0.0"
lock_with strict "libfoo >=1.2"
expect_rc 3

lock_with flexible libfoo
expect_rc 0
expect_in out "+ libfoo 1.0.0"
grep -qF "url: file://$scratch/high/linux-64/libfoo-1.0.0" "$lock"
lock_with flexible "libfoo >=1.2"
expect_rc 0
expect_in out "+ libfoo 1.2.0"
grep -qF "url: file://$scratch/low/linux-64/libfoo-1.2.0" "$lock"

lock_with disabled libfoo
expect_rc 0
expect_in out "+ libfoo 1.2.0"

lock_with none libfoo
expect_rc 2
expect_in err "--channel-priority"
echo PASS
