#!/usr/bin/env bash
# Hostile archives are refused by verify --archive and install --archive (exit 2), nothing is
# written outside the temporary folder and the temporary folder is removed: a MANIFEST naming
# ../x or an absolute path, tars with absolute, '..', symlink or hard-link members, a member
# declaring 1 TiB, a folder without a manifest; a symlink out of a folder archive is named.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/archive_lib.sh"

start_server "$demo_channel"
write_lock v1 "$scratch/conda-lock.yml" linux-64 "$server_url" "$demo_channel" "${demo_env[@]}"
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/good"
expect_rc 0
kill "$server_pid"
export TMPDIR="$scratch/tmp"
mkdir -p "$TMPDIR"

# expect_refused ARCHIVE TEXT: verify and install both exit 2 with TEXT, the prefix is not made,
# nothing is left in $TMPDIR.
expect_refused() {
  run "$ENVLOCK" verify --archive "$1"
  expect_rc 2
  expect_in err "envlock verify: error: "
  expect_in err "$2"
  run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$1" \
    --prefix "$short_tmp/env" --platform linux-64
  expect_rc 2
  expect_in err "$2"
  [ ! -e "$short_tmp/env" ]
  [ -z "$(ls -A "$TMPDIR")" ]
}

# Manifests naming paths outside the archive.
for hostile in ../x /etc/passwd channels/../../x; do
  rm -rf "$scratch/m"
  cp -r "$scratch/good" "$scratch/m"
  python3 - "$scratch/m/MANIFEST.json" "$hostile" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["files"][0]["path"] = sys.argv[2]
json.dump(m, open(sys.argv[1], "w"))
PY
  expect_refused "$scratch/m" "is not a path inside the archive"
done
# A folder that is no archive.
mkdir -p "$scratch/empty"
expect_refused "$scratch/empty" "MANIFEST.json: not in the archive; not an envlock archive"

# Tars: the good archive's files plus one hostile member each.
python3 - "$scratch/good" "$scratch" <<'PY'
import io, os, sys, tarfile
good, out = sys.argv[1], sys.argv[2]
def base(tar):
    for d, _, files in sorted(os.walk(good)):
        for f in sorted(files):
            full = os.path.join(d, f)
            tar.add(full, arcname=os.path.relpath(full, good))
def member(name, kind, **kw):
    info = tarfile.TarInfo(name)
    info.type = kind
    for k, v in kw.items():
        setattr(info, k, v)
    return info
cases = {
    "absolute": member("/tmp/envlock-archive-evil", tarfile.REGTYPE, size=0),
    "dotdot": member("channels/../../evil", tarfile.REGTYPE, size=0),
    "symlink": member("channels/link", tarfile.SYMTYPE, linkname="/etc"),
    "hardlink": member("channels/hard", tarfile.LNKTYPE, linkname="MANIFEST.json"),
    "huge": member("channels/huge.conda", tarfile.REGTYPE, size=1 << 40),
}
for name, info in cases.items():
    with tarfile.open(os.path.join(out, name + ".tar"), "w", format=tarfile.PAX_FORMAT) as tar:
        if name == "huge":
            # The header alone: the data never comes, the declared size is enough to refuse.
            base(tar)
            tar.fileobj.write(info.tobuf(tarfile.PAX_FORMAT))
            continue
        tar.addfile(info, io.BytesIO(b"") if info.isreg() else None)
        base(tar)
PY
expect_refused "$scratch/absolute.tar" "not a relative path of safe names"
expect_refused "$scratch/dotdot.tar" "not a relative path of safe names"
expect_refused "$scratch/symlink.tar" "member 'channels/link': a symlink"
expect_refused "$scratch/hardlink.tar" "member 'channels/hard': a hard link"
expect_refused "$scratch/huge.tar" "member 'channels/huge.conda': declares 1099511627776 bytes, over the limit"
[ ! -e /tmp/envlock-archive-evil ] && [ ! -e "$scratch/evil" ]
# Not a tar at all.
echo "not a tar" >"$scratch/junk.tar"
expect_refused "$scratch/junk.tar" "not a tar archive"

# A folder archive whose channel folder is a symlink out of it: verify names it, install
# refuses to follow it.
cp -r "$scratch/good" "$scratch/linked"
zlib=$(archived_file "$scratch/linked" zlib-1.3.1-h4d5e6f7_0.tar.bz2)
chan=$(dirname "$(dirname "$zlib")")
mv "$scratch/linked/$chan" "$scratch/outside"
ln -s "$scratch/outside" "$scratch/linked/$chan"
run "$ENVLOCK" verify --archive "$scratch/linked"
expect_rc 1
expect_in out "not-regular: $chan: a symlink or special file"
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$scratch/linked" \
  --prefix "$short_tmp/env" --platform linux-64
expect_rc 2
expect_in err "is a symlink in the archive; refusing to follow it"
[ ! -e "$short_tmp/env" ]
echo PASS
