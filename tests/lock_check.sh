#!/usr/bin/env bash
# `lock --check` against edited inputs, with the server that made the lock stopped: it must
# answer from the lock and the inputs alone (no network, no cache), exit 0 when the lock still
# satisfies them and 1 with one line per finding when it does not.
source "$(dirname "$0")/lock_common.sh"

start_server "$DEMO_CHANNEL"
url=$server_url
env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
cat >"$env" <<YML
name: envlock-demo
channels:
  - $url
dependencies:
  - python 3.12.*
  - libbar >=2
  - demo-tool
  - demo-py
YML
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache"
expect_rc 0
expect_in out "linux-64: 6 packages"
stop_server "$server_pid"
cp "$lock" "$scratch/lock.orig"

# check_with DEPENDENCIES...: rewrites environment.yml with these dependencies (one per line,
# verbatim) and runs --check without a cache; the lock must stay untouched.
check_with() {
  {
    echo "name: envlock-demo"
    echo "channels:"
    echo "  - $url"
    echo "dependencies:"
    local d
    for d in "$@"; do echo "  - $d"; done
  } >"$env"
  run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check --cache-dir "$scratch/nocache" "${extra[@]}"
  cmp "$lock" "$scratch/lock.orig"
  [ ! -e "$scratch/nocache" ]
}
extra=()

# Unchanged.
check_with "python 3.12.*" "libbar >=2" "demo-tool" "demo-py"
expect_rc 0
expect_in out "ok: $lock satisfies the inputs (linux-64)"

# Reordered, with comments: nothing changed.
check_with "demo-py  # the app" "demo-tool" "libbar >=2   # needs 2.x" "python 3.12.*"
expect_rc 0
expect_in out "ok: "
{ echo "# a comment at the top"; cat "$env"; } >"$env.tmp" && mv "$env.tmp" "$env"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check --cache-dir "$scratch/nocache"
expect_rc 0

# Loosened, still satisfied by the lock.
check_with "python >=3.11" "libbar" "demo-tool >=0.3" "demo-py"
expect_rc 0

# A dependency of a requested package may be dropped from the inputs: still needed, still ok.
check_with "python 3.12.*" "demo-tool" "demo-py"
expect_rc 0

# Tightened beyond what the lock has.
check_with "python 3.12.*" "libbar >=2" "demo-tool <0.4" "demo-py"
expect_rc 1
expect_in out "$lock no longer satisfies the inputs: 1 problem"
expect_in out "  linux-64: requested demo-tool <0.4, but the lock has demo-tool 0.4.0 hfedcba9_0"
check_with "python 3.11.*" "libbar >=2" "demo-tool" "demo-py" "zlib 1.3.0"
expect_rc 1
expect_in out "2 problems"
expect_in out "  linux-64: requested python 3.11.*, but the lock has python 3.12.2 h0a1b2c3_0_cpython"
expect_in out "  linux-64: requested zlib 1.3.0, but the lock has zlib 1.3.1 h4d5e6f7_0"

# A package added.
check_with "python 3.12.*" "libbar >=2" "demo-tool" "demo-py" "demo-data"
expect_rc 1
expect_in out "  linux-64: requested demo-data, but the lock has no demo-data"

# A package removed: the lock holds demo-py, which nothing requires any more.
check_with "python 3.12.*" "libbar >=2" "demo-tool"
expect_rc 1
expect_in out "1 problem"
expect_in out "  linux-64: demo-py 1.1.0 pyh7654321_0 is not required by any requested spec"

# A platform added.
extra=(-p osx-64)
check_with "python 3.12.*" "libbar >=2" "demo-tool" "demo-py"
expect_rc 1
expect_in out "  osx-64: platform osx-64 is not in the lock"
extra=()

# A platform replaced: one missing, one extra.
run "$LOCK" -f "$env" -p osx-64 -o "$lock" --check --cache-dir "$scratch/nocache"
expect_rc 1
expect_in out "2 problems"
expect_in out "osx-64: platform osx-64 is not in the lock"
expect_in out "linux-64: the lock has platform linux-64, which the inputs no longer ask for"

# The channel changed (on the command line, or in the file).
run "$LOCK" -f "$env" -c "$url/other" -p linux-64 -o "$lock" --check --cache-dir "$scratch/nocache"
expect_rc 1
expect_in out "  channels are now [$url/other], the lock has [$url]"
sed -i "s|  - $url\$|  - conda-forge|" "$env"
grep -q "^  - conda-forge$" "$env"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check --cache-dir "$scratch/nocache"
expect_rc 1
expect_in out "  channels are now [conda-forge], the lock has [$url]"

# No lock to check is an input error; --json carries the stable finding codes.
run "$LOCK" -f "$env" -p linux-64 -o "$scratch/none.yml" --check
expect_rc 2
expect_in err "no such lock file to check"
check_with "python 3.12.*" "libbar >=2" "demo-tool <0.4"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check --json
expect_rc 1
python3 -m json.tool "$scratch/out" >/dev/null
python3 - "$scratch/out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["outcome"] == "check_failed", report
codes = sorted(f["code"] for f in report["findings"])
assert codes == ["package-unneeded", "spec-unsatisfied"], codes
PY
echo PASS
