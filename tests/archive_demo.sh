#!/usr/bin/env bash
# envlock archive of the demo lock (locked over HTTP by our own lock): folder, .tar and .tar.zst,
# byte-identical when made twice; then with the channel server stopped, install from each form
# with the lock unchanged, verify --level hashes clean, verify --archive clean, and the archived
# channel's repodata.json solves the same environment offline.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/archive_lib.sh"

start_server "$demo_channel"
cp "$runfiles/testdata/demo/environment.yml" "$scratch/environment.yml"
run "$ENVLOCK" lock -f "$scratch/environment.yml" -c "$server_url" -p linux-64 \
  -o "$scratch/conda-lock.yml"
expect_rc 0
lock_sum=$(sha256sum <"$scratch/conda-lock.yml")

for out in "$scratch/a" "$scratch/a.tar" "$scratch/a.tar.zst"; do
  run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$out"
  expect_rc 0
  expect_in out "archived 6 packages"
done
# Twice (the second time from the cache): byte-identical, and the sha256 it prints is the file's.
SOURCE_DATE_EPOCH= run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/b.tar.zst"
expect_rc 0
expect_in out "(0 downloaded)"
cmp "$scratch/a.tar.zst" "$scratch/b.tar.zst"
expect_in out "sha256 $(sha256sum <"$scratch/b.tar.zst" | cut -c1-64)"
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/b.tar"
cmp "$scratch/a.tar" "$scratch/b.tar"
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/b"
diff -r "$scratch/a" "$scratch/b"
# An existing output is refused, nothing written over it.
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/b.tar"
expect_rc 2
expect_in err "already exists"

# The layout: the lock byte for byte, a channel per original channel, a manifest of everything.
cmp "$scratch/conda-lock.yml" "$scratch/a/conda-lock.yml"
zlib=$(archived_file "$scratch/a" zlib-1.3.1-h4d5e6f7_0.conda)
chan_dir=$(dirname "$(dirname "$zlib")")
case "$chan_dir" in channels/127.0.0.1*) ;; *) echo "FAIL: channel folder $chan_dir"; exit 1 ;; esac
python3 - "$scratch/a" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
m = json.load(open(root + "/MANIFEST.json"))
assert m["format"] == "envlock-archive" and m["version"] == 1, m
assert m["lock"] == "conda-lock.yml" and m["envlock_version"], m
listed = {f["path"]: f for f in m["files"]}
on_disk = set()
for d, _, files in os.walk(root):
    for f in files:
        on_disk.add(os.path.relpath(os.path.join(d, f), root))
assert on_disk - {"MANIFEST.json"} == set(listed), (on_disk, listed)
for p, f in listed.items():
    data = open(os.path.join(root, p), "rb").read()
    assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["size"], p
# repodata.json lists exactly the archived packages of its subdir, with their digests.
for d, _, files in os.walk(root + "/channels"):
    if "repodata.json" not in files:
        continue
    rd = json.load(open(d + "/repodata.json"))
    recs = {**rd.get("packages", {}), **rd.get("packages.conda", {})}
    pkgs = {f for f in files if f.endswith((".conda", ".tar.bz2"))}
    assert set(recs) == pkgs, (d, set(recs), pkgs)
    for fn, r in recs.items():
        data = open(d + "/" + fn, "rb").read()
        assert r["sha256"] == hashlib.sha256(data).hexdigest() and r["size"] == len(data), fn
        assert r["md5"] == hashlib.md5(data).hexdigest(), fn
PY

# The source channel is gone: nothing may be fetched from it now.
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
for out in a a.tar a.tar.zst; do
  env_dir="$short_tmp/env-$out"
  export ENVLOCK_CACHE_DIR="$short_tmp/cache-$out"  # an empty cache: every package from the archive
  run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$scratch/$out" \
    --prefix "$env_dir" --platform linux-64
  expect_rc 0
  expect_in out "6 added"
  verify_hashes "$env_dir" "$scratch/conda-lock.yml" --platform linux-64
  [ "$(sha256sum <"$scratch/conda-lock.yml")" = "$lock_sum" ]
  run "$ENVLOCK" verify --archive "$scratch/$out"
  expect_rc 0
  expect_in out "11 files checked against MANIFEST.json, 6 packages of conda-lock.yml (in the archive): ok"
  run "$ENVLOCK" verify --archive "$scratch/$out" --lock "$scratch/conda-lock.yml"
  expect_rc 0
done
# The conda-meta records keep the lock's URLs, not the archive's.
grep -q "\"url\": \"$server_url/linux-64/zlib-1.3.1-h4d5e6f7_0.conda\"" \
  "$short_tmp/env-a/conda-meta/zlib-1.3.1-h4d5e6f7_0.json"
# A second install from the archive is a no-op (the archive is still checked).
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$scratch/a" \
  --prefix "$short_tmp/env-a" --platform linux-64
expect_rc 0
expect_in out "already up to date"

# The archived channel is a channel: our solver reads its repodata.json offline and picks the
# same packages.
run "$ENVLOCK" lock -f "$scratch/environment.yml" -c "file://$scratch/a/$chan_dir" -p linux-64 \
  -o "$scratch/relock.yml"
expect_rc 0
python3 - "$scratch/conda-lock.yml" "$scratch/relock.yml" <<'PY'
import re, sys
def names(path):
    return sorted(re.findall(r"url: \S+/([^/\s]+(?:\.conda|\.tar\.bz2))$", open(path).read(), re.M))
a, b = names(sys.argv[1]), names(sys.argv[2])
assert a == b and len(a) == 6, (a, b)
PY

# archive with the channel gone: --offline and an empty cache is exit 4 naming the package;
# --mirror ORIGINAL=file://... (the archive's own channel) makes the same archive again.
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/c" --offline \
  --pkgs-dir "$short_tmp/empty-pkgs"
expect_rc 4
expect_in err "and --offline forbids downloading"
[ ! -e "$scratch/c" ]
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/c" \
  --mirror "$server_url=file://$scratch/a/$chan_dir" --pkgs-dir "$short_tmp/mirror-pkgs"
expect_rc 0
expect_in out "archived 6 packages (6 downloaded)"
diff -r "$scratch/a" "$scratch/c"

# --mirror ORIGINAL=file://... (the archive's channel folder) works without --archive.
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --prefix "$short_tmp/env-mirror" \
  --platform linux-64 --mirror "$server_url=file://$scratch/a/$chan_dir" \
  --pkgs-dir "$short_tmp/cache-mirror"
expect_rc 0
expect_in out "6 added"
verify_hashes "$short_tmp/env-mirror" "$scratch/conda-lock.yml" --platform linux-64
echo PASS
