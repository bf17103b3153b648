#!/usr/bin/env bash
# Relocking changes only what it must: relaxed pins keep the held packages, --update NAME moves
# NAME (and only the packages that must move with it), a new dependency is only added.
source "$(dirname "$0")/lock_common.sh"

env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
channel="file://$(readlink -f "$DEMO_CHANNEL")"
write_env() {
  { echo "channels:"; echo "  - envlock-demo"; echo "dependencies:"
    local d
    for d in "$@"; do echo "  - $d"; done; } >"$env"
}
lock_it() { run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$lock" "$@"; }
# changes: the number of "~" (changed), "+" and "-" lines of the last report.
changes() { grep -cE '^  [~+-] ' "$scratch/out" || true; }

# Pinned: every package is one step behind the newest.
write_env "python 3.11.*" "zlib 1.3.0" "libbar 2.0.*" "demo-tool" "demo-py"
lock_it
expect_rc 0
expect_in out "  + python 3.11.8 h0a1b2c3_0_cpython"
expect_in out "  + zlib 1.3.0 h4d5e6f7_0"
expect_in out "  + libbar 2.0.0 h89abcde_0"
expect_in out "  + demo-tool 0.3.0 hfedcba9_0"
expect_in out "  + libfoo 1.2.0 h1234567_0"
expect_in out "  + demo-py 1.1.0 pyh7654321_0"
pinned=$(locked "$lock")

# Pins relaxed: the inputs changed, so it solves again, and every held package stays.
write_env "python" "zlib" "libbar" "demo-tool" "demo-py"
lock_it
expect_rc 0
expect_not_in out "(inputs unchanged, kept)"
[ "$(changes)" = 0 ]
[ "$(locked "$lock")" = "$pinned" ]
cp "$lock" "$scratch/held.yml"

# update NAME EXPECTED_CHANGES LINES...: --update NAME from the held lock.
update() {
  cp "$scratch/held.yml" "$lock"
  local name=$1 count=$2
  shift 2
  lock_it --update "$name"
  expect_rc 0
  if [ "$(changes)" != "$count" ]; then
    echo "FAIL: --update $name changed $(changes) packages, expected $count" >&2
    cat "$scratch/out"
    exit 1
  fi
  local line
  for line in "$@"; do expect_in out "$line"; done
}
# libbar 2.1.0 fits everything that is held: only libbar moves.
update libbar 1 "  ~ libbar 2.0.0 h89abcde_0 -> 2.1.0 h89abcde_0"
# demo-tool 0.4.0 needs libbar >=2.1: libbar must move with it.
update demo-tool 2 "  ~ demo-tool 0.3.0 hfedcba9_0 -> 0.4.0 hfedcba9_0" \
  "  ~ libbar 2.0.0 h89abcde_0 -> 2.1.0 h89abcde_0"
# python 3.12.2 needs zlib >=1.3.1; libfoo's held build accepts that zlib and stays.
update python 2 "  ~ python 3.11.8 h0a1b2c3_0_cpython -> 3.12.2 h0a1b2c3_0_cpython" \
  "  ~ zlib 1.3.0 h4d5e6f7_0 -> 1.3.1 h4d5e6f7_0"
# The rebuild libfoo 1.2.0_1 (build number 1) needs zlib >=1.3.1.
update libfoo 2 "  ~ libfoo 1.2.0 h1234567_0 -> 1.2.0 h1234567_1" \
  "  ~ zlib 1.3.0 h4d5e6f7_0 -> 1.3.1 h4d5e6f7_0"
update zlib 1 "  ~ zlib 1.3.0 h4d5e6f7_0 -> 1.3.1 h4d5e6f7_0"
# Everything already at its newest: nothing moves.
cp "$scratch/held.yml" "$lock"
lock_it --update demo-py
expect_rc 0
[ "$(changes)" = 0 ]
# Two names at once.
cp "$scratch/held.yml" "$lock"
lock_it --update python --update demo-tool
expect_rc 0
[ "$(changes)" = 4 ]
expect_in out "  ~ demo-tool 0.3.0 hfedcba9_0 -> 0.4.0 hfedcba9_0"

# A name the lock does not have, and --update without a lock, are usage errors.
cp "$scratch/held.yml" "$lock"
lock_it --update demo-data
expect_rc 2
expect_in err "--update demo-data: not in"
cmp "$lock" "$scratch/held.yml"
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$scratch/missing.yml" --update python
expect_rc 2
expect_in err "there is no lock to update yet"

# A new dependency: added, the rest stays where it was.
write_env "python" "zlib" "libbar" "demo-tool" "demo-py" "demo-data"
lock_it
expect_rc 0
[ "$(changes)" = 1 ]
expect_in out "linux-64: 7 packages"
expect_in out "  + demo-data 2024.1 h0000000_0"
[ "$(locked "$lock" | grep -v '^demo-data ')" = "$pinned" ]

# A dependency removed: only it (and what nothing else needs) goes.
write_env "python" "zlib" "libbar" "demo-tool" "demo-data"
lock_it
expect_rc 0
expect_in out "  - demo-py 1.1.0 pyh7654321_0"
expect_not_in out "  ~ "
[ "$(changes)" = 1 ]
echo PASS
