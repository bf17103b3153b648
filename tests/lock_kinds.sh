#!/usr/bin/env bash
# --kind explicit writes conda-<platform>.lock @EXPLICIT files beside the lock (one per
# platform), --kind lock --kind explicit writes both, and --json is a parseable report.
source "$(dirname "$0")/lock_common.sh"

channel="file://$(readlink -f "$DEMO_CHANNEL")"
env="$scratch/environment.yml"
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python 3.12.1\n  - zlib\n  - libfoo\n' >"$env"
out="$scratch/locks"
mkdir -p "$out"

run "$LOCK" -f "$env" -c "$channel" -p linux-64 -p osx-64 -o "$out/conda-lock.yml" -k explicit
expect_rc 0
expect_in out "wrote $out/conda-linux-64.lock"
expect_in out "wrote $out/conda-osx-64.lock"
[ ! -e "$out/conda-lock.yml" ]
for platform in linux-64 osx-64; do
  file="$out/conda-$platform.lock"
  head -n4 "$file" | grep -qx "# platform: $platform"
  grep -qx "@EXPLICIT" "$file"
  [ "$(grep -c "^$channel/" "$file")" = 3 ]
  [ "$(grep -cE "^$channel/($platform|noarch)/[^ ]+\.(conda|tar\.bz2)#sha256:[0-9a-f]{64}$" "$file")" = 3 ]
  grep -q "/$platform/python-3.12.1-h0a1b2c3_0_cpython.conda#" "$file"
done
# zlib comes before what depends on it.
grep -n "" "$out/conda-linux-64.lock" | grep -E "/(zlib|libfoo|python)-" >"$scratch/order"
[ "$(head -n1 "$scratch/order" | grep -c '/zlib-')" = 1 ]

run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$out/conda-lock.yml" -k lock -k explicit --json
expect_rc 0
python3 -m json.tool "$scratch/out" >/dev/null
python3 - "$scratch/out" "$out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
out = sys.argv[2]
assert report["outcome"] == "locked", report
assert report["written"] == [out + "/conda-lock.yml", out + "/conda-linux-64.lock"], report
(platform,) = report["platforms"]
assert platform["platform"] == "linux-64" and platform["packages"] == 3, platform
assert sorted(platform["added"]) == ["libfoo 1.2.0 h1234567_1", "python 3.12.1 h0a1b2c3_0_cpython",
                                     "zlib 1.3.1 h4d5e6f7_0"], platform
assert report["findings"] == [] and report["problems"] == {}, report
PY
[ -s "$out/conda-lock.yml" ]

# The check report in JSON.
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$out/conda-lock.yml" --check --json
expect_rc 0
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["outcome"]=="check_ok", r' \
  "$scratch/out"
echo PASS
