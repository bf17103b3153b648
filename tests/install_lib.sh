# Helpers for the install end-to-end tests (sourced after common.sh).

# The demo channel folder built by //testdata:demo_channel.
demo_channel="$runfiles/testdata/demo_channel"
SERVE_FOLDER="$runfiles/lib/testing/http/serve_folder"

# write_lock FORMAT OUT PLATFORM BASE_URL ROOT FILE...: writes a lock of FORMAT (v1 = conda-lock
# v1 YAML with md5 and sha256, explicit = @EXPLICIT with #sha256:, explicit-md5 = @EXPLICIT
# with #md5) naming each FILE (relative to ROOT, e.g. linux-64/zlib-1.3.1-h4d5e6f7_0.conda) at
# BASE_URL/FILE, with the hashes of the bytes under ROOT.
write_lock() {
  python3 - "$@" <<'PY'
import hashlib, sys
fmt, out, platform, base, root = sys.argv[1:6]
files = sys.argv[6:]
entries = []
for f in files:
    data = open(root + "/" + f, "rb").read()
    fn = f.rsplit("/", 1)[-1]
    stem = fn[:-6] if fn.endswith(".conda") else fn[:-8]
    name, version, build = stem.rsplit("-", 2)
    entries.append(dict(name=name, version=version, build=build, url=base + "/" + f,
                        md5=hashlib.md5(data).hexdigest(),
                        sha256=hashlib.sha256(data).hexdigest()))
with open(out, "w") as o:
    if fmt.startswith("explicit"):
        o.write("# platform: %s\n@EXPLICIT\n" % platform)
        for e in entries:
            o.write("%s#%s\n" % (e["url"], e["md5"] if fmt == "explicit-md5" else "sha256:" + e["sha256"]))
    else:
        o.write("version: 1\nmetadata:\n  content_hash:\n    %s: %s\n  channels:\n"
                "  - url: %s\n    used_env_vars: []\n  platforms:\n  - %s\n  sources:\n"
                "  - environment.yml\npackage:\n" % (platform, "0" * 64, base, platform))
        for e in sorted(entries, key=lambda e: e["name"]):
            o.write("- name: %(name)s\n  version: '%(version)s'\n  manager: conda\n" % e)
            o.write("  platform: %s\n  dependencies: {}\n" % platform)
            o.write("  url: %(url)s\n  hash:\n    md5: %(md5)s\n    sha256: %(sha256)s\n" % e)
            o.write("  category: main\n  optional: false\n  build: %(build)s\n" % e)
PY
}

# start_server FOLDER: serves FOLDER on 127.0.0.1; sets $server_url and $server_pid.
start_server() {
  rm -f "$scratch/server.url"  # a URL left by an earlier server must not be read
  "$SERVE_FOLDER" "$1" >"$scratch/server.url" 2>"$scratch/server.err" &
  server_pid=$!
  for _ in $(seq 100); do
    [ -s "$scratch/server.url" ] && break
    sleep 0.1
  done
  server_url=$(head -1 "$scratch/server.url")
  [ -n "$server_url" ]
  trap 'kill $server_pid 2>/dev/null || true; rm -rf "$short_tmp"' EXIT
}

# snapshot DIR: one line per entry under DIR: type, mode, sha256 (files) or target (symlinks).
snapshot() {
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
    if [ -L "$p" ]; then echo "L $p -> $(readlink "$p")"
    elif [ -d "$p" ]; then echo "D $p $(stat -c %a "$p")"
    else echo "F $p $(stat -c %a "$p") $(sha256sum <"$p" | cut -c1-64)"; fi
  done)
}

# check_records PREFIX: every file a conda-meta record lists exists, and every hashed file's
# sha256 is the record's sha256_in_prefix (or sha256); prints the count of checked files.
check_records() {
  python3 - "$1" <<'PY'
import glob, hashlib, json, os, sys
prefix = sys.argv[1]
checked = 0
for rec in glob.glob(prefix + "/conda-meta/*.json"):
    r = json.load(open(rec))
    assert set(r["files"]) == {p["_path"] for p in r["paths_data"]["paths"]}, rec
    for key in ("url", "md5", "sha256", "size", "channel", "requested_spec", "link", "fn"):
        assert key in r, (rec, key)
    for p in r["paths_data"]["paths"]:
        path = os.path.join(prefix, p["_path"])
        assert os.path.lexists(path), path
        if p["path_type"] == "softlink":
            assert os.path.islink(path), path
            continue
        want = p.get("sha256_in_prefix") or p.get("sha256")
        if want:
            got = hashlib.sha256(open(path, "rb").read()).hexdigest()
            assert got == want, (path, want, got)
            checked += 1
print(checked)
PY
}

# verify_hashes PREFIX LOCK [ARGS...]: envlock verify at the hashes level reports nothing.
verify_hashes() {
  local prefix=$1 lock=$2
  shift 2
  run "$ENVLOCK" verify --prefix "$prefix" --lock "$lock" --level hashes "$@"
  expect_rc 0
  expect_in out "ok:"
}

# validate_report FILE: FILE is an install report valid against its JSON Schema.
validate_report() {
  python3 - "$runfiles/schemas/install-report.schema.json" "$1" <<'PY'
import json, sys, jsonschema
schema, report = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(report)
PY
}

# The demo environment's packages (linux-64), relative to the demo channel.
demo_env=(
  linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda
  linux-64/zlib-1.3.1-h4d5e6f7_0.tar.bz2
  linux-64/libfoo-1.2.0-h1234567_0.conda
  linux-64/libbar-2.1.0-h89abcde_0.conda
  linux-64/demo-tool-0.4.0-hfedcba9_0.conda
  noarch/demo-py-1.1.0-pyh7654321_0.conda
)

# Prefixes live in a short folder: the demo packages' binary placeholder is 108 bytes.
short_tmp=$(mktemp -d /tmp/envlock-e2e-XXXXXX)
trap 'rm -rf "$short_tmp"' EXIT
export ENVLOCK_CACHE_DIR="$short_tmp/cache"
