#!/usr/bin/env bash
# noarch: python packages go where the python record says (CEP 17 python_site_packages_path,
# e.g. a free-threaded lib/python3.13t/site-packages), the field is kept in python's conda-meta
# record, and every link script install did not run is reported (text and --json), including
# a noarch: python package's python-scripts/.NAME-post-link.sh.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

chan="$scratch/chan"
mkdir -p "$chan/linux-64" "$chan/noarch"
python3 - "$chan" <<'PY'
import hashlib, io, json, sys, tarfile
root = sys.argv[1]
def build(path, index, files, link=None):
    paths = {"paths_version": 1, "paths": [
        {"_path": p, "path_type": "hardlink", "sha256": hashlib.sha256(d).hexdigest(),
         "size_in_bytes": len(d)} for p, d in files]}
    info = [("info/index.json", json.dumps(index).encode()),
            ("info/paths.json", json.dumps(paths).encode())]
    if link:
        info.append(("info/link.json", json.dumps(link).encode()))
    with tarfile.open(path, "w:bz2") as t:
        for name, data in info + files:
            m = tarfile.TarInfo(name)
            m.size, m.mode = len(data), 0o755 if name.endswith(".sh") else 0o644
            t.addfile(m, io.BytesIO(data))
build(root + "/linux-64/python-3.13.0-h0_cp313t.tar.bz2",
      {"name": "python", "version": "3.13.0", "build": "h0_cp313t", "build_number": 0,
       "subdir": "linux-64", "depends": [],
       "python_site_packages_path": "lib/python3.13t/site-packages"},
      [("bin/python3.13t", b"#!/bin/sh\n"),
       ("lib/python3.13t/site-packages/README.txt", b"site\n")])
build(root + "/noarch/nopy-1.0-pyh0_0.tar.bz2",
      {"name": "nopy", "version": "1.0", "build": "pyh0_0", "build_number": 0,
       "subdir": "noarch", "noarch": "python", "depends": ["python"]},
      [("site-packages/nopy/__init__.py", b"x = 1\n"),
       ("python-scripts/.nopy-post-link.sh", b"echo linked\n"),
       ("python-scripts/.nopy-pre-unlink.sh", b"echo unlinking\n")],
      link={"noarch": {"type": "python"}, "package_metadata_version": 1})
build(root + "/linux-64/scripted-1.0-0.tar.bz2",
      {"name": "scripted", "version": "1.0", "build": "0", "build_number": 0,
       "subdir": "linux-64", "depends": []},
      [("bin/.scripted-pre-link.sh", b"echo pre\n"),
       ("bin/.scripted-post-link.sh", b"echo post\n"),
       ("Scripts/.scripted-post-link.bat", b"echo post\r\n"),
       ("share/scripted/data.txt", b"data\n")])
PY
start_server "$chan"
write_lock v1 "$scratch/lock.yml" linux-64 "$server_url" "$chan" \
  linux-64/python-3.13.0-h0_cp313t.tar.bz2 noarch/nopy-1.0-pyh0_0.tar.bz2 \
  linux-64/scripted-1.0-0.tar.bz2
env="$short_tmp/env"
run "$ENVLOCK" install --lock "$scratch/lock.yml" --prefix "$env" --platform linux-64
expect_rc 0
# CEP 17: the free-threaded site-packages, not lib/python3.13/.
[ -f "$env/lib/python3.13t/site-packages/nopy/__init__.py" ]
[ ! -e "$env/lib/python3.13" ]
grep -q '"_path": "lib/python3.13t/site-packages/nopy/__init__.py"' "$env/conda-meta/nopy-1.0-pyh0_0.json"
python3 - "$env/conda-meta/python-3.13.0-h0_cp313t.json" <<'PY'
import json, sys
assert json.load(open(sys.argv[1]))["python_site_packages_path"] == "lib/python3.13t/site-packages"
PY
# Every link script, none run.
for s in bin/.nopy-post-link.sh bin/.nopy-pre-unlink.sh bin/.scripted-pre-link.sh \
         bin/.scripted-post-link.sh Scripts/.scripted-post-link.bat; do
  expect_in out "note: link script not run: $s"
done
[ "$(grep -c 'link script not run' "$scratch/out")" = 5 ]
verify_hashes "$env" "$scratch/lock.yml" --platform linux-64

# The same in the JSON report, and a later update (python installed, only nopy new) still
# takes site-packages from the installed python's record.
write_lock v1 "$scratch/py.yml" linux-64 "$server_url" "$chan" linux-64/python-3.13.0-h0_cp313t.tar.bz2
env2="$short_tmp/env2"
run "$ENVLOCK" install --lock "$scratch/py.yml" --prefix "$env2" --platform linux-64
expect_rc 0
write_lock v1 "$scratch/both.yml" linux-64 "$server_url" "$chan" \
  linux-64/python-3.13.0-h0_cp313t.tar.bz2 noarch/nopy-1.0-pyh0_0.tar.bz2
run "$ENVLOCK" install --lock "$scratch/both.yml" --prefix "$env2" --platform linux-64 --json
expect_rc 0
validate_report "$scratch/out"
python3 - "$scratch/out" <<'PY'
import json, sys
assert json.load(open(sys.argv[1]))["link_scripts_not_run"] == [
    "bin/.nopy-post-link.sh", "bin/.nopy-pre-unlink.sh"]
PY
[ -f "$env2/lib/python3.13t/site-packages/nopy/__init__.py" ]
echo PASS
