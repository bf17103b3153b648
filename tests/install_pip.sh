#!/usr/bin/env bash
# `envlock install` of a lock with `manager: pip` wheels (from the real test PyPI index, served
# on 127.0.0.1) after its conda python: the layout pip itself writes for the same wheels
# (files, RECORD lines, entry points' shape, #!python scripts, .data/), INSTALLER, REQUESTED,
# direct_url.json; verify --level hashes is clean, a tampered site-packages file is found
# (exit 1) and the next install repairs it; a second install is a no-op; a new version of one
# wheel replaces its dist-info and files; a wheel dropped from the lock is removed.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/install_pip_lib.sh"

serve_both
lock="$scratch/lock.yml"
write_lock v1 "$lock" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
add_pip "$lock" linux-64 "$server_url/pypi" "$srv/pypi" \
  demo-cli demo-data jsonschema:attrs,pyrsistent attrs pyrsistent
env="$short_tmp/env"
export ENVLOCK_CACHE_DIR="$scratch/cache"
run "$ENVLOCK" install --lock "$lock" --prefix "$env" --platform linux-64
expect_rc 0
expect_in out "+ (pip) demo-cli 1.0"
expect_in out "+ (pip) jsonschema"
expect_in out "+ python 3.11.8 h0a1b2c3_0_cpython"
sp="$env/lib/python3.11/site-packages"
[ -f "$sp/demo_cli/main.py" ]
[ "$(cat "$sp/demo_cli-1.0.dist-info/INSTALLER")" = envlock ]
# REQUESTED: the entries no other pip entry depends on.
[ -e "$sp/jsonschema-"*.dist-info/REQUESTED ]
[ ! -e "$sp/attrs-"*.dist-info/REQUESTED ]
[ -e "$sp/demo_cli-1.0.dist-info/REQUESTED" ]
# .data/: scripts (a #!python one rewritten to the prefix python), headers, data, purelib, platlib.
[ "$(head -1 "$env/bin/demo-data-tool")" = "#!$env/bin/python" ]
[ "$(head -1 "$env/bin/demo-data.sh")" = "#!/bin/sh" ]
[ -x "$env/bin/demo-data-tool" ] && [ -x "$env/bin/demo-cli" ] && [ -x "$env/bin/demo-gui" ]
[ -f "$env/include/python3.11/demo-data/demo_data.h" ]
[ -f "$env/share/demo-data/readme.txt" ]
[ -f "$sp/demo_data_pure.py" ] && [ -f "$sp/demo_data_plat.py" ]
[ "$(head -1 "$env/bin/demo-cli")" = "#!$env/bin/python" ]
# conda-meta knows nothing of pip (as with pip itself).
if grep -rq demo_cli "$env/conda-meta"; then echo "FAIL: install_pip.sh:40: expected to fail: grep -rq demo_cli \"\$env/conda-meta\"" >&2; exit 1; fi

# What pip writes for the same wheels (Debian's pip puts them under local/ and dist-packages;
# mapped back to the conda layout), compared file by file and RECORD line by RECORD line.
/usr/bin/python3 -m pip --isolated install --no-deps --no-index --no-compile \
  --no-warn-script-location --break-system-packages --prefix "$scratch/pipref" \
  "$srv/pypi/files/"demo_cli-1.0-*.whl "$srv/pypi/files/"demo_data-1.0-*.whl \
  >"$scratch/pip.out" 2>&1
python3 - "$env" "$scratch/pipref" <<'PY'
import base64, csv, glob, hashlib, os, sys
env, ref = sys.argv[1:3]
def mapped(path):
    for a, b in (("local/lib/python3.11/dist-packages/", "lib/python3.11/site-packages/"),
                 ("local/bin/", "bin/"), ("local/share/", "share/")):
        if path.startswith(a):
            return b + path[len(a):]
    return path
def records(root, sp, m):
    out = {}
    for rec in glob.glob(os.path.join(root, sp, "demo_*.dist-info/RECORD")):
        for row in csv.reader(open(rec)):
            path = m(os.path.relpath(os.path.normpath(os.path.join(root, sp, row[0])), root))
            out[path] = (row[1], row[2])
    return out
ours = records(env, "lib/python3.11/site-packages", lambda p: p)
pips = records(ref, "local/lib/python3.11/dist-packages", mapped)
assert set(ours) == set(pips), (sorted(set(ours) ^ set(pips)))
# Every RECORD line of ours is the file as it is.
for path, (digest, size) in ours.items():
    if not digest:
        continue
    data = open(os.path.join(env, path), "rb").read()
    assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(), path
    assert int(size) == len(data), path
# Same bytes as pip's, but where the interpreter path or installer differ.
differ = {"bin/demo-cli", "bin/demo-gui", "bin/demo-data-tool"}
generated = ("INSTALLER", "direct_url.json")
for path, (digest, size) in ours.items():
    if path in differ or path.endswith(generated):
        continue
    assert (digest, size) == pips[path], (path, digest, pips[path])
# Installed files outside RECORD: none, on either side (dist-info folders included).
def tree(root, m):
    found = set()
    for d, _, files in os.walk(root):
        for f in files:
            found.add(m(os.path.relpath(os.path.join(d, f), root)))
    return found
ours_tree = {p for p in tree(env, lambda p: p) if "demo" in p}
assert ours_tree == set(ours), sorted(ours_tree ^ set(ours))
# Entry points: pip's launcher shape (shebang, then the import and call of the function).
for name, func in (("demo-cli", "main"), ("demo-gui", "gui")):
    mine = open(os.path.join(env, "bin", name)).read().splitlines()
    theirs = open(os.path.join(ref, "local/bin", name)).read().splitlines()
    assert mine[0].startswith("#!") and theirs[0].startswith("#!")
    for line in ("from demo_cli.main import %s" % func, "import sys"):
        assert line in mine and line in theirs, (name, line)
    assert any("sys.exit(%s())" % func in l for l in mine), mine
    assert any("sys.exit(%s())" % func in l for l in theirs), theirs
# The #!python script: pip's and ours differ in the interpreter line only.
mine = open(os.path.join(env, "bin/demo-data-tool")).read().split("\n", 1)
theirs = open(os.path.join(ref, "local/bin/demo-data-tool")).read().split("\n", 1)
assert mine[1] == theirs[1]
PY

# Verify: clean at the hashes level, with the pip distributions counted.
run "$ENVLOCK" verify --prefix "$env" --lock "$lock" --level hashes --untracked
expect_rc 0
expect_in out "5 pip distributions"
# A tampered site-packages file is found...
printf 'def main():\n    return 1\n' >"$sp/demo_cli/main.py"
run "$ENVLOCK" verify --prefix "$env" --lock "$lock" --level hashes
expect_rc 1
expect_in out "(pip) demo-cli 1.0"
expect_in out "lib/python3.11/site-packages/demo_cli/main.py"
run "$ENVLOCK" verify --prefix "$env" --lock "$lock" --level hashes --json
expect_rc 1
python3 - "$runfiles/schemas/verify-report.schema.json" "$scratch/out" <<'PY'
import json, sys, jsonschema
schema, report = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft202012Validator(schema).validate(report)
assert report["summary"]["pip_locked"] == 5 and report["summary"]["pip_present"] == 5
drift = [(f["code"], f["package"], f["manager"], f["path"]) for f in report["findings"]
         if f["severity"] == "drift"]
assert drift == [("file-size-differs", "demo-cli", "pip",
                  "lib/python3.11/site-packages/demo_cli/main.py")], drift
PY
# A pip distribution the lock does not have, installed by pip itself: extra, and kept by install.
/usr/bin/python3 -m pip --isolated install --no-deps --no-index --no-compile --target "$sp" \
  --break-system-packages "$srv/pypi/files/"six-*.whl >"$scratch/pip.out" 2>&1
run "$ENVLOCK" verify --prefix "$env" --lock "$lock" --level packages
expect_rc 1
expect_in out "(pip) six"
expect_in out "package-extra: installed ("
# ... and the next install puts the wheel back.
run "$ENVLOCK" install --lock "$lock" --prefix "$env" --platform linux-64
expect_rc 0
expect_in out "~ (pip) demo-cli 1.0 -> 1.0"
[ -d "$sp/six.py" ] || [ -f "$sp/six.py" ]
rm -rf "$sp/six.py" "$sp"/six-*.dist-info
verify_hashes "$env" "$lock" --untracked

# Twice: nothing to do, nothing touched.
snapshot "$env" >"$scratch/before"
run "$ENVLOCK" install --lock "$lock" --prefix "$env" --platform linux-64
expect_rc 0
expect_in out "already up to date"
snapshot "$env" >"$scratch/after"
diff "$scratch/before" "$scratch/after"

# Another version of one wheel replaces the old dist-info and its files; a wheel left out of
# the lock (envlock installed it) is removed.
lock2="$scratch/lock2.yml"
write_lock v1 "$lock2" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
add_pip "$lock2" linux-64 "$server_url/pypi" "$srv/pypi" demo-data jsonschema:attrs,pyrsistent \
  attrs pyrsistent demo-versions
run "$ENVLOCK" install --lock "$lock2" --prefix "$env" --platform linux-64 --json
expect_rc 0
validate_report "$scratch/out"
python3 - "$scratch/out" <<'PY'
import json, sys
changes = json.load(open(sys.argv[1]))["changes"]
assert {(c["kind"], c["name"], c["manager"]) for c in changes} == {
    ("remove", "demo-cli", "pip"), ("add", "demo-versions", "pip")}, changes
PY
[ ! -e "$sp/demo_cli" ] && [ ! -e "$sp/demo_cli-1.0.dist-info" ] && [ ! -e "$env/bin/demo-cli" ]
[ -f "$sp/demo_versions/__init__.py" ]
verify_hashes "$env" "$lock2" --untracked
lock3="$scratch/lock3.yml"
write_lock v1 "$lock3" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
add_pip "$lock3" linux-64 "$server_url/pypi" "$srv/pypi" demo-data jsonschema:attrs,pyrsistent \
  attrs pyrsistent "demo-versions=$srv/pypi/files/demo_versions-1.1.0-py3-none-any.whl"
run "$ENVLOCK" install --lock "$lock3" --prefix "$env" --platform linux-64
expect_rc 0
expect_in out "~ (pip) demo-versions 1.0.0 -> 1.1.0"
[ ! -e "$sp/demo_versions-1.0.0.dist-info" ] && [ -d "$sp/demo_versions-1.1.0.dist-info" ]
grep -q "1.1.0" "$sp/demo_versions/__init__.py"
verify_hashes "$env" "$lock3" --untracked
echo PASS
