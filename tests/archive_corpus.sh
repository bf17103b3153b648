#!/usr/bin/env bash
# envlock archive of a multi-platform lock of real corpus packages (zlib for linux-64, osx-64
# and win-64 as .conda and .tar.bz2, noarch:python moto and andes) from two channels, and a pip
# wheel (one file for two platforms): each channel its own folder, every subdir its repodata.json, the wheel under pypi/.
# With the server gone: install linux-64 (conda packages and the wheel) from the archive
# (.tar.zst) with the lock unchanged, verify --level hashes clean; osx-64, which locks the wheel
# without a python, is refused; verify --archive clean, per platform too.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/archive_lib.sh"

corpus=$(corpus_dir)/packages
srv="$scratch/srv"
mkdir -p "$srv/corpus/linux-64" "$srv/corpus/osx-64" "$srv/corpus/win-64" "$srv/corpus/noarch" \
  "$srv/demo/linux-64" "$srv/pypi"
cp "$corpus"/conda_format_repo/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2 "$srv/corpus/linux-64/"
cp "$corpus"/conda_format_repo/osx-64/zlib-1.2.11-h1de35cc_3.conda "$srv/corpus/osx-64/"
cp "$corpus"/conda_format_repo/win-64/zlib-1.2.11-h62dcd97_3.tar.bz2 "$srv/corpus/win-64/"
cp "$corpus/legacy_repodata/noarch/moto-1.3.7-py_0.tar.bz2" \
  "$corpus/rattler/andes-1.8.3-pyhd8ed1ab_0.conda" "$srv/corpus/noarch/"
cp "$demo_channel/linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda" "$srv/demo/linux-64/"
cp /usr/share/python-wheels/wheel-0.38.4-py3-none-any.whl "$srv/pypi/"
start_server "$srv"

python3 - "$scratch/conda-lock.yml" "$server_url" "$srv" <<'PY'
import hashlib, sys
out, base, root = sys.argv[1:4]
entries = {
    "linux-64": ["corpus/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2",
                 "corpus/noarch/moto-1.3.7-py_0.tar.bz2",
                 "corpus/noarch/andes-1.8.3-pyhd8ed1ab_0.conda",
                 "demo/linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda",
                 "pypi/wheel-0.38.4-py3-none-any.whl"],
    "osx-64": ["corpus/osx-64/zlib-1.2.11-h1de35cc_3.conda",
               "pypi/wheel-0.38.4-py3-none-any.whl"],
    "win-64": ["corpus/win-64/zlib-1.2.11-h62dcd97_3.tar.bz2"],
}
o = open(out, "w")
o.write("version: 1\nmetadata:\n  content_hash:\n")
for p in entries:
    o.write("    %s: %s\n" % (p, "0" * 64))
o.write("  channels:\n  - url: %s/corpus\n    used_env_vars: []\n  - url: %s/demo\n"
        "    used_env_vars: []\n  platforms:\n" % (base, base))
for p in entries:
    o.write("  - %s\n" % p)
o.write("  sources:\n  - environment.yml\npackage:\n")
for platform, files in entries.items():
    for f in files:
        data = open(root + "/" + f, "rb").read()
        fn = f.rsplit("/", 1)[-1]
        sha = hashlib.sha256(data).hexdigest()
        if fn.endswith(".whl"):
            name, version = fn.split("-")[:2]
            o.write("- name: %s\n  version: %s\n  manager: pip\n  platform: %s\n"
                    "  dependencies: {}\n  url: %s/%s\n  hash:\n    sha256: %s\n"
                    "  category: main\n  optional: false\n" % (name, version, platform, base, f, sha))
            continue
        stem = fn[:-6] if fn.endswith(".conda") else fn[:-8]
        name, version, build = stem.rsplit("-", 2)
        o.write("- name: %s\n  version: '%s'\n  manager: conda\n  platform: %s\n"
                "  dependencies: {}\n  url: %s/%s\n  hash:\n    md5: %s\n    sha256: %s\n"
                "  category: main\n  optional: false\n  build: %s\n"
                % (name, version, platform, base, f, hashlib.md5(data).hexdigest(), sha, build))
PY
lock_sum=$(sha256sum <"$scratch/conda-lock.yml")

run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/all"
expect_rc 0
expect_in out "archived 7 packages (7 downloaded)"
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/all.tar.zst"
expect_rc 0
expect_in out "archived 7 packages (0 downloaded)"
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/again.tar.zst"
cmp "$scratch/all.tar.zst" "$scratch/again.tar.zst"
# One platform only.
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/osx" -p osx-64
expect_rc 0
expect_in out "archived 2 packages"
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/none" -p linux-aarch64
expect_rc 2
expect_in err "platform linux-aarch64 is not in the lock (it has: linux-64, osx-64, win-64)"

# The layout: two channels, each subdir with repodata.json; the wheel under pypi/.
(cd "$scratch/all" && find . -type f | LC_ALL=C sort) >"$scratch/files"
port=${server_url##*:}
chan="channels/127.0.0.1_${port}+corpus"
for f in "$chan/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2" "$chan/linux-64/repodata.json" \
  "$chan/osx-64/zlib-1.2.11-h1de35cc_3.conda" "$chan/win-64/zlib-1.2.11-h62dcd97_3.tar.bz2" \
  "$chan/noarch/moto-1.3.7-py_0.tar.bz2" "$chan/noarch/repodata.json" \
  "channels/127.0.0.1_${port}+demo/linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda" \
  "channels/127.0.0.1_${port}+demo/noarch/repodata.json" \
  "pypi/wheel-0.38.4-py3-none-any.whl" conda-lock.yml MANIFEST.json; do
  grep -qxF "./$f" "$scratch/files" || { echo "FAIL: $f not archived"; cat "$scratch/files"; exit 1; }
done
cmp /usr/share/python-wheels/wheel-0.38.4-py3-none-any.whl "$scratch/all/pypi/wheel-0.38.4-py3-none-any.whl"
python3 - "$scratch/all/$chan/noarch/repodata.json" <<'PY'
import json, sys
rd = json.load(open(sys.argv[1]))
assert set(rd["packages"]) == {"moto-1.3.7-py_0.tar.bz2"}, rd["packages"].keys()
assert set(rd["packages.conda"]) == {"andes-1.8.3-pyhd8ed1ab_0.conda"}, rd["packages.conda"].keys()
assert rd["packages"]["moto-1.3.7-py_0.tar.bz2"]["noarch"] == "python"
PY

# The source channels are gone.
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
export ENVLOCK_CACHE_DIR="$short_tmp/fresh-cache"
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$scratch/all.tar.zst" \
  --prefix "$short_tmp/linux-64" --platform linux-64
expect_rc 0
expect_in out "+ zlib 1.2.11 h"
verify_hashes "$short_tmp/linux-64" "$scratch/conda-lock.yml" --platform linux-64
[ -f "$short_tmp/linux-64/lib/python3.12/site-packages/moto/__init__.py" ]
# The wheel came out of the archive too, installed as pip does.
[ "$(cat "$short_tmp/linux-64/lib/python3.12/site-packages/wheel-0.38.4.dist-info/INSTALLER")" = envlock ]
# osx-64 locks a wheel but no python to install it into: refused, nothing made.
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$scratch/all.tar.zst" \
  --prefix "$short_tmp/osx-64" --platform osx-64
expect_rc 2
expect_in err "pip packages need a python among the conda packages of osx-64"
[ ! -e "$short_tmp/osx-64" ]
[ "$(sha256sum <"$scratch/conda-lock.yml")" = "$lock_sum" ]
for archive in all all.tar.zst; do
  run "$ENVLOCK" verify --archive "$scratch/$archive"
  expect_rc 0
  expect_in out ", 7 packages of conda-lock.yml (in the archive): ok"
done
run "$ENVLOCK" verify --archive "$scratch/osx" --platform osx-64
expect_rc 0
expect_in out ", 2 packages of conda-lock.yml (in the archive): ok"
# The whole lock against the osx-64 archive: every other platform's package is missing.
run "$ENVLOCK" verify --archive "$scratch/osx"
expect_rc 1
expect_in out "lock-missing: $chan/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2"
echo PASS
