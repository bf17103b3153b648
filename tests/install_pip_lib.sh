# Helpers for the pip end-to-end tests of install, verify and capture (sourced after
# install_lib.sh): one served folder with the demo conda channel under conda/ and the test PyPI
# index (//testdata/pypi:index) under pypi/, locks with `manager: pip` entries, hostile wheels.

pypi_index="$runfiles/testdata/pypi/index"

# serve_both: copies the demo channel and the PyPI index under $scratch/srv and serves it; sets
# $srv, $server_url (and $server_pid) and $python_file (the linux-64 python 3.11 of the channel).
serve_both() {
  srv="$scratch/srv"
  rm -rf "$srv" && mkdir -p "$srv"
  cp -rL "$demo_channel" "$srv/conda"
  cp -rL "$pypi_index" "$srv/pypi"
  python_file=$(cd "$srv/conda" && ls linux-64/python-3.11.8-*.conda | head -1)
  start_server "$srv"
}

# add_pip LOCK PLATFORM BASE_URL ROOT SPEC...: appends a `manager: pip` entry to the conda-lock
# v1 file LOCK per SPEC, "project[:dep,dep...]" (a project of ROOT/MANIFEST.json, its one
# wheel for PLATFORM: the linux x86_64 or pure one) at BASE_URL/files/<wheel>, with the wheel's
# sha256, and dependencies on the listed pip names. "project=FILE" takes the wheel bytes from
# FILE (copied into ROOT/files), for wheels made by the test.
add_pip() {
  python3 - "$@" <<'PY'
import hashlib, json, os, shutil, sys
lock, platform, base, root = sys.argv[1:5]
manifest = json.load(open(root + "/MANIFEST.json"))
with open(lock, "a") as out:
    for spec in sys.argv[5:]:
        spec, _, deps = spec.partition(":")
        name, _, given = spec.partition("=")
        if given:
            fn = os.path.basename(given)
            if os.path.abspath(given) != os.path.abspath(root + "/files/" + fn):
                shutil.copy(given, root + "/files/" + fn)
            data = open(given, "rb").read()
            version = fn.split("-")[1]
        else:
            files = [f for f in manifest[name] if f["filename"].endswith(".whl")
                     and ("none-any" in f["filename"] or "x86_64" in f["filename"])
                     and "musllinux" not in f["filename"] and "cp310" not in f["filename"]
                     and not f["yanked"]]
            f = files[0]
            fn, version = f["filename"], f["version"]
            data = open(root + "/files/" + fn, "rb").read()
        out.write("- name: %s\n  version: '%s'\n  manager: pip\n  platform: %s\n" %
                  (name, version, platform))
        if deps:
            out.write("  dependencies:\n")
            for d in deps.split(","):
                out.write("    %s: '*'\n" % d)
        else:
            out.write("  dependencies: {}\n")
        out.write("  url: %s/files/%s\n  hash:\n    sha256: %s\n" %
                  (base, fn, hashlib.sha256(data).hexdigest()))
        out.write("  category: main\n  optional: false\n")
PY
}

# hostile_wheel KIND OUT_DIR: writes a wheel `hostile-1.0-py3-none-any.whl` into OUT_DIR, valid
# but for one thing: dotdot (a ../ member), absolute (a /etc member), record-outside (RECORD
# lists ../../../../etc/evil), record-hash (a member whose bytes differ from RECORD),
# unlisted (a member RECORD does not list), metadata (METADATA without Version), clobber-script
# (a .data/scripts/python3.11), clobber-data (a .data/data/lib/python3.11/os.py), clobber-entry
# (a console script named python3.11): the last three land on files of the conda python.
# Prints the path.
hostile_wheel() {
  python3 - "$1" "$2" <<'PY'
import base64, hashlib, os, sys, zipfile
kind, out_dir = sys.argv[1:3]
def h(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
di = "hostile-1.0.dist-info"
members = [("hostile/__init__.py", b"x = 1\n"),
           (di + "/METADATA", b"Metadata-Version: 2.1\nName: hostile\nVersion: 1.0\n"),
           (di + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")]
extra_record = []
if kind == "dotdot":
    members.append(("hostile/../../../../escaped.txt", b"out\n"))
elif kind == "absolute":
    members.append(("/tmp/hostile-absolute.txt", b"out\n"))
elif kind == "record-outside":
    extra_record.append("../../../../etc/evil,%s,4" % h(b"bad\n"))
elif kind == "metadata":
    members[1] = (di + "/METADATA", b"Metadata-Version: 2.1\nName: hostile\n")
elif kind == "clobber-script":
    members.append(("hostile-1.0.data/scripts/python3.11", b"#!/bin/sh\necho pwned\n"))
elif kind == "clobber-data":
    members.append(("hostile-1.0.data/data/lib/python3.11/os.py", b"pwned = 1\n"))
elif kind == "clobber-entry":
    members.append((di + "/entry_points.txt", b"[console_scripts]\npython3.11 = hostile:x\n"))
record = [("%s,%s,%d" % (p, h(d), len(d))) for p, d in members]
if kind == "record-hash":
    members[0] = ("hostile/__init__.py", b"x = 2\n")
if kind == "unlisted":
    members.insert(1, ("hostile/sneaky.py", b"import os\n"))
record += extra_record + [di + "/RECORD,,"]
path = os.path.join(out_dir, "hostile-1.0-py3-none-any.whl")
with zipfile.ZipFile(path, "w") as z:
    for p, d in members:
        info = zipfile.ZipInfo(p, (2020, 1, 1, 0, 0, 0))
        z.writestr(info, d)
    z.writestr(zipfile.ZipInfo(di + "/RECORD", (2020, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")
print(path)
PY
}

# Serves both, then installs the demo python and demo-cli into a new prefix: sets $good (its
# lock) and $env, exports ENVLOCK_CACHE_DIR, and writes the prefix's snapshot to $scratch/before.
install_good_pip_prefix() {
  serve_both
  export ENVLOCK_CACHE_DIR="$scratch/cache"
  good="$scratch/good.yml"
  write_lock v1 "$good" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
  add_pip "$good" linux-64 "$server_url/pypi" "$srv/pypi" demo-cli
  env="$short_tmp/env"
  run "$ENVLOCK" install --lock "$good" --prefix "$env" --platform linux-64
  expect_rc 0
  snapshot "$env" >"$scratch/before"
}
