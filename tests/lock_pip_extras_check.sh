#!/usr/bin/env bash
# `envlock lock --check` sees extras added to a pip requirement: a lock made for
# `Demo_Markers` no longer satisfies `Demo_Markers[cli]` (its METADATA, in the lock's cache,
# says the cli extra needs demo-cli, which the lock lacks): drift, exit 1, naming the line and
# the missing requirement. Without the cached METADATA it cannot tell offline and says so
# (exit 1); an unchanged section still passes with a cold cache; a relock adds demo-cli.
source "$(dirname "$0")/lock_common.sh"
source "$(dirname "$0")/pip_common.sh"

env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
write_env() {  # write_env PIP-LINE...
  {
    echo "channels:"
    echo "  - $channel_url"
    echo "dependencies:"
    echo "  - python=3.11"
    echo "  - pip:"
    echo "    - --index-url $index_url"
    local l
    for l in "$@"; do echo "    - $l"; done
  } >"$env"
}
lock_it() { run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache" "$@"; }

write_env "Demo_Markers"
lock_it
expect_rc 0
grep -q "name: demo-markers" "$lock"
if grep -q "name: demo-cli" "$lock"; then echo "FAIL: lock_pip_extras_check.sh:30: expected to fail: grep -q \"name: demo-cli\" \"\$lock\"" >&2; exit 1; fi
cp "$lock" "$scratch/locked.yml"

lock_it --check
expect_rc 0
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cold" --check
expect_rc 0

write_env "Demo_Markers[cli]"
lock_it --check
expect_rc 1
expect_in out "$env:7:7: 'Demo_Markers[cli]' needs 'demo-cli; extra == \"cli\"', and the lock has no demo-cli"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cold" --check
expect_rc 1
expect_in out "$env:7:7: 'Demo_Markers[cli]': cannot tell offline what its extras need"
cmp "$lock" "$scratch/locked.yml"

# The relock adds what the extra needs; then --check passes.
lock_it
expect_rc 0
grep -q "name: demo-cli" "$lock"
lock_it --check
expect_rc 0
echo PASS
