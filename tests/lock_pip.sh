#!/usr/bin/env bash
# The seed environment of issue #19 (python, pip and a `pip:` list) locked against a stand-in
# conda channel and the test PyPI index, both served on 127.0.0.1: manager: pip entries with
# url + sha256, `# pip` lines in @EXPLICIT, a conda package providing a PyPI distribution,
# --check offline (an unchanged pip section passes, a changed requirement is drift), a relock
# keeping the locked pip versions, --update NAME for a pip name, no index credential anywhere.
source "$(dirname "$0")/lock_common.sh"
source "$(dirname "$0")/pip_common.sh"

env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
write_env() {  # write_env PIP-LINE...
  {
    echo "name: ai-research"
    echo "channels:"
    echo "  - $channel_url"
    echo "dependencies:"
    echo "  - python=3.11"
    echo "  - pip"
    echo "  - six"
    echo "  - pip:"
    local l
    for l in "$@"; do echo "    - $l"; done
  } >"$env"
}
# The index URL carries credentials: they are used and never written.
secret_index="${index_url/http:\/\//http://alice:s3cr3t@}"
write_env "--index-url $secret_index" "requests" "jsonschema" "demo-versions" \
  "Demo_Markers[cli]; python_version >= '3.8'" "six>=1.10" "demo-native"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" -k lock -k explicit --cache-dir "$scratch/cache"
expect_rc 0
expect_in out "requests (pip) 2.28.1"
expect_in out "wrote $scratch/conda-linux-64.lock"

# Every pip entry: manager pip, the index's url and sha256, category main (conda-lock's layout).
python3 - "$lock" "$index_dir/MANIFEST.json" "$index_url" <<'PY'
import json, sys
lock_text = open(sys.argv[1]).read()
manifest = json.load(open(sys.argv[2]))
base = sys.argv[3].rsplit("/simple/", 1)[0] + "/files/"
entries, cur = [], None
for line in lock_text.splitlines():
    if line.startswith("- name: "):
        cur = {"name": line[8:]}
        entries.append(cur)
    elif cur is not None and line.startswith("  ") and not line.startswith("    ") and ":" in line:
        k, v = line.strip().split(":", 1)
        cur[k] = v.strip().strip("'")
    elif cur is not None and line.startswith("    sha256: "):
        cur["sha256"] = line.split(": ", 1)[1]
pip = {e["name"]: e for e in entries if e.get("manager") == "pip"}
want = {"requests": "2.28.1", "jsonschema": "4.10.3", "attrs": "22.2.0",
        "pyrsistent": "0.18.1", "demo-versions": "1.1.0", "demo-markers": "1.0",
        "demo-cli": "1.0", "demo-native": "1.0", "idna": "3.3", "urllib3": "1.26.12"}
got = {n: e["version"] for n, e in pip.items()}
assert got == want, got
for name, e in pip.items():
    files = {f["filename"]: f for f in manifest[name]}
    fn = e["url"].rsplit("/", 1)[1]
    assert e["url"] == base + fn, e["url"]
    assert e["sha256"] == files[fn]["sha256"], (name, e["sha256"])
    assert e["category"] == "main" and e["optional"] == "false", e
assert pip["demo-native"]["url"].endswith("cp311-cp311-manylinux_2_28_x86_64.whl"), pip["demo-native"]
# six comes from conda: no pip entry.
assert "six" not in pip
PY
grep -q "^- name: six$" "$lock"
grep -A12 "^- name: jsonschema$" "$lock" >"$scratch/jsonschema.entry"
grep -q "manager: pip" "$scratch/jsonschema.entry"
# conda-lock's dependencies map: lower bound first, '*' for none.
grep -qF "attrs: '>=17.4.0'" "$scratch/jsonschema.entry"
if grep -q "s3cr3t\|alice" "$lock" "$scratch/conda-linux-64.lock" "$scratch/out" "$scratch/err"; then
  echo "FAIL: a credential of the index reached the outputs" >&2
  exit 1
fi
grep -rq "s3cr3t" "$scratch/cache" && { echo "FAIL: credential in the cache" >&2; exit 1; }

# @EXPLICIT: one "# pip NAME @ URL#sha256=HEX" line per pip entry, after the conda URLs.
explicit="$scratch/conda-linux-64.lock"
[ "$(grep -c '^# pip ' "$explicit")" = 10 ]
grep -qE "^# pip requests @ ${index_url%/simple/}/files/requests-2.28.1-py3-none-any.whl#sha256=[0-9a-f]{64}$" "$explicit"

# Deterministic: the same inputs give the same bytes.
cp "$lock" "$scratch/lock.first"
rm "$lock"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache"
expect_rc 0
cmp "$lock" "$scratch/lock.first"

# --check answers offline: both servers stopped, no cache.
stop_server "$channel_pid"
stop_server "$index_pid"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check --cache-dir "$scratch/nocache"
expect_rc 0
expect_in out "ok: $lock satisfies the inputs (linux-64)"
# A changed pip requirement is drift; so is a new one.
write_env "--index-url $secret_index" "requests" "jsonschema" "demo-versions==1.0.0" \
  "Demo_Markers[cli]; python_version >= '3.8'" "six>=1.10" "demo-native"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check --cache-dir "$scratch/nocache"
expect_rc 1
expect_in out "'demo-versions==1.0.0' is not satisfied by the locked demo-versions 1.1.0"
write_env "--index-url $secret_index" "requests" "jsonschema" "demo-versions" \
  "Demo_Markers[cli]; python_version >= '3.8'" "six>=1.10" "demo-native" "certifi"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check --cache-dir "$scratch/nocache"
expect_rc 1
expect_in out "'certifi' has no pip entry in the lock"
# six from conda does not satisfy a pip requirement it is outside of.
write_env "--index-url $secret_index" "requests" "jsonschema" "demo-versions" \
  "Demo_Markers[cli]; python_version >= '3.8'" "six>=2" "demo-native"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --check --cache-dir "$scratch/nocache"
expect_rc 1
expect_in out "'six>=2' is not satisfied by the locked six 1.16.0"
[ ! -e "$scratch/nocache" ]
cmp "$lock" "$scratch/lock.first"

# A relock keeps the locked pip versions while they fit; --update NAME lets one move.
start_pip_servers
secret_index="${index_url/http:\/\//http://alice:s3cr3t@}"
write_env "--index-url $secret_index" "requests" "jsonschema" "demo-versions" \
  "Demo_Markers[cli]; python_version >= '3.8'" "six>=1.10" "demo-native"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache2"
expect_rc 0
python3 - "$lock" "$index_dir/MANIFEST.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
f = {x["filename"]: x for x in json.load(open(sys.argv[2]))["demo-versions"]}
old, new = "demo_versions-1.1.0-py3-none-any.whl", "demo_versions-1.0.0-py3-none-any.whl"
text = text.replace(old, new).replace(f[old]["sha256"], f[new]["sha256"])
text = text.replace("- name: demo-versions\n  version: 1.1.0", "- name: demo-versions\n  version: 1.0.0")
open(sys.argv[1], "w").write(text)
PY
grep -q "demo_versions-1.0.0" "$lock"
# Unchanged inputs keep the lock; an --update of another pip name solves again and still
# prefers the locked demo-versions 1.0.0.
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache2"
expect_rc 0
grep -q "demo_versions-1.0.0" "$lock"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache2" --update requests
expect_rc 0
grep -q "demo_versions-1.0.0" "$lock"
run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache2" --update Demo_Versions
expect_rc 0
expect_in out "~ demo-versions (pip) 1.0.0 -> 1.1.0"
grep -q "demo_versions-1.1.0" "$lock"

# Another platform is locked from here: its markers, python and virtual packages, its wheels.
multi="$scratch/multi.yml"
run "$LOCK" -f "$env" -p linux-64 -p osx-64 -o "$multi" --cache-dir "$scratch/cache2"
expect_rc 0
python3 - "$multi" <<'PY'
import sys
urls = {}
name = platform = None
for line in open(sys.argv[1]):
    if line.startswith("- name: "):
        name = line[8:].strip()
    elif line.startswith("  platform: "):
        platform = line.split(": ", 1)[1].strip()
    elif line.startswith("  url: "):
        urls[(name, platform)] = line.split(": ", 1)[1].strip()
assert urls[("demo-native", "linux-64")].endswith("cp311-cp311-manylinux_2_28_x86_64.whl"), urls
assert urls[("demo-native", "osx-64")].endswith("cp311-cp311-macosx_10_9_x86_64.whl"), urls
assert urls[("urllib3", "osx-64")], urls  # os_name == "posix" holds on macOS too
PY
echo PASS
