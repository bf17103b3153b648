#!/usr/bin/env bash
# Unquoted specs with a bracket (`- libfoo[build=h1234567_0]`) reach the solver and `--check`
# exactly as quoted ones do (YAML and conda read them as one string; only conda-lock's selector
# reading takes the bracket for a platform selector); YAML that makes an entry a list or a map
# is refused at file:line:column; real `# [win]` selectors still select.
source "$(dirname "$0")/lock_common.sh"

env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
channel="file://$(readlink -f "$DEMO_CHANNEL")"
write_env() {
  {
    echo "channels:"
    echo "  - envlock-demo"
    echo "dependencies:"
    echo "  - python 3.12.*"
    local d
    for d in "$@"; do echo "  - $d"; done
  } >"$env"
}
lock_it() { run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock" "$@"; }

# spec, the libfoo it must lock
while IFS='|' read -r spec want; do
  rm -f "$lock"
  write_env "$spec"
  lock_it
  expect_rc 0
  locked "$lock" >"$scratch/locked"
  grep -qx "libfoo $want" "$scratch/locked" || { echo "FAIL: $spec locked: $(cat "$scratch/locked")" >&2; exit 1; }
  lock_it --check
  expect_rc 0
  # Quoted, the same spec gives the same lock.
  cp "$lock" "$scratch/unquoted.yml"
  write_env "'${spec//\'/\'\'}'"
  lock_it --check
  expect_rc 0
done <<'CASES'
libfoo[build=h1234567_0]|1.2.0 h1234567_0
libfoo=1.2[build=h1234567_0]|1.2.0 h1234567_0
libfoo[version='>=1.0,<1.2']|1.0.0 h1234567_0
libfoo[version=">=1.0,<1.2"]|1.0.0 h1234567_0
libfoo *[build=h1234567_0]|1.2.0 h1234567_0
libfoo >=1.2[build=h1234567_0]  # a comment|1.2.0 h1234567_0
libfoo[build_number=0]|1.2.0 h1234567_0
libfoo[build_number=1]|1.2.0 h1234567_1
libfoo[build_number='>=1']|1.2.0 h1234567_1
CASES

# --check sees the bracket spec: a lock without libfoo does not satisfy it.
write_env
rm -f "$lock"
lock_it
expect_rc 0
write_env "libfoo[build=h1234567_0]"
lock_it --check
expect_rc 1
expect_in out "requested libfoo[build=h1234567_0], but the lock has no libfoo"
# ... nor does one with another build of it.
write_env "libfoo[build=h1234567_1]"
lock_it
expect_rc 0
write_env "libfoo[build=h1234567_0]"
lock_it --check
expect_rc 1
expect_in out "but the lock has libfoo 1.2.0 h1234567_1"
# conda-lock v1 records no build_number: --check reads it from the build string's "_N".
write_env "libfoo[build_number=0]"
lock_it --check
expect_rc 1
expect_in out "requested libfoo[build_number=0], but the lock has libfoo 1.2.0 h1234567_1"

# A real selector still selects: `# [win]` keeps libfoo out of a linux lock, `# [linux]` in.
write_env "libfoo  # [win]"
rm -f "$lock"
lock_it
expect_rc 0
expect_not_in out "libfoo"
write_env "libfoo  # [linux]"
lock_it
expect_rc 0
expect_in out "+ libfoo"

# A selector conda-lock does not know drops the line on every platform, as conda-lock does
# (`not`, `and`, spaces inside the bracket), but never silently.
for sel in "not win" "linux and x86_64" " linux "; do
  write_env "libfoo  # [$sel]"
  rm -f "$lock"
  lock_it
  expect_rc 0
  expect_not_in out "libfoo"
  expect_in err "envlock lock: warning: $env:5:5: selector [$sel] of 'libfoo' is none of conda-lock's"
done
write_env "libfoo  # [linux]" "zlib  # [win]" "python  # a comment"
lock_it
expect_rc 0
expect_not_in err "selector"

# What YAML turns into a list or a map is refused where it stands, never dropped.
for entry in "[libfoo, zlib]" "{libfoo: 1}" "libfoo:" "libfoo: 1" "? libfoo"; do
  write_env "$entry"
  rm -f "$lock"
  lock_it
  expect_rc 2
  expect_in err "$env:5:5: a dependency must be a match spec string"
  [ ! -e "$lock" ]
done
echo PASS
