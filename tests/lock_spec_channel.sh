#!/usr/bin/env bash
# A channel-qualified spec (`low::libfoo`) whose channel is not among the channels: as conda
# does, the channel is added after the listed ones and the lock says so on stderr (file:line:
# column); the spec's channel is honoured even under strict priority where a listed channel
# has the name too; a channel that cannot be used is exit 2 naming the spec and its place.
source "$(dirname "$0")/lock_common.sh"

cut_channel "$scratch/high" '^(libfoo-1\.2\.0-h1234567_0|zlib)'
cut_channel "$scratch/low" '^libfoo-1\.0\.0'
env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
lock_it() { rm -f "$lock"; run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache" "$@"; }

printf 'channels:\n  - file://%s\ndependencies:\n  - zlib\n  - file://%s::libfoo\n' \
  "$scratch/high" "$scratch/low" >"$env"
for priority in strict flexible; do
  lock_it --channel-priority "$priority"
  expect_rc 0
  expect_in err "envlock lock: warning: $env:5:5: channel file://$scratch/low of 'file://$scratch/low::libfoo' is not among the channels; added after them, as conda does"
  expect_in out "+ libfoo 1.0.0"
  grep -qF "url: file://$scratch/low/linux-64/libfoo-1.0.0" "$lock"
done
# The lock records the listed channels only (conda-lock's content hash covers those).
grep -qF -- "- url: file://$scratch/high" "$lock"
if grep -qF -- "- url: file://$scratch/low" "$lock"; then echo "FAIL: lock_spec_channel.sh:25: expected to fail: grep -qF -- \"- url: file://\$scratch/low\" \"\$lock\"" >&2; exit 1; fi
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check
expect_rc 0

# Listed, but below a channel that has the name: strict priority still takes the asked one.
printf 'channels:\n  - file://%s\n  - file://%s\ndependencies:\n  - file://%s::libfoo\n' \
  "$scratch/high" "$scratch/low" "$scratch/low" >"$env"
lock_it
expect_rc 0
expect_in out "+ libfoo 1.0.0"
[ ! -s "$scratch/err" ]

# A channel that cannot be used.
printf 'channels:\n  - file://%s\ndependencies:\n  - zlib\n  - ftp://example.org/ch::libfoo\n' \
  "$scratch/high" >"$env"
lock_it
expect_rc 2
expect_in err "envlock lock: error: $env:5:5: 'ftp://example.org/ch::libfoo' names channel ftp://example.org/ch, which is not among the channels and cannot be used"
[ ! -e "$lock" ]

# A spec channel that cannot be fetched: the error names the spec that brought the channel in
# (the warning alone would be lost with the lock that is never written).
printf 'channels:\n  - file://%s\ndependencies:\n  - zlib\n  - conda-forge::libfoo\n' \
  "$scratch/high" >"$env"
lock_it --offline
expect_rc 4
expect_in err "forbids downloading it ($env:5:5: channel conda-forge of 'conda-forge::libfoo' is not among the channels; added after them, as conda does)"
[ ! -e "$lock" ]
echo PASS
