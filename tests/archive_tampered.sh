#!/usr/bin/env bash
# A flipped byte in an archive (folder and .tar.zst): verify --archive names the file (exit 1);
# install refuses it (exit 2) and leaves the prefix as it was, a new one and an existing one.
# A missing package: verify names it, install refuses it.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/archive_lib.sh"

start_server "$demo_channel"
write_lock v1 "$scratch/conda-lock.yml" linux-64 "$server_url" "$demo_channel" "${demo_env[@]}"
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/good"
expect_rc 0
# An installed prefix of an older lock (zlib 1.3.0), to be updated from a tampered archive.
write_lock v1 "$scratch/old.yml" linux-64 "$server_url" "$demo_channel" linux-64/zlib-1.3.0-h4d5e6f7_0.conda
run "$ENVLOCK" install --lock "$scratch/old.yml" --prefix "$short_tmp/env" --platform linux-64
expect_rc 0
kill "$server_pid"
before=$(snapshot "$short_tmp/env")

cp -r "$scratch/good" "$scratch/bad"
zlib=$(archived_file "$scratch/bad" zlib-1.3.1-h4d5e6f7_0.tar.bz2)
flip_byte "$scratch/bad/$zlib" 200
run "$ENVLOCK" verify --archive "$scratch/bad"
expect_rc 1
expect_in out "altered: $zlib: sha256 "
expect_in out "lock-differs: $zlib: zlib-1.3.1-h4d5e6f7_0: sha256 "
expect_in out "2 problems"
# The same archive as .tar.zst (its manifest describes the good bytes).
(cd "$scratch/bad" && tar --sort=name -cf - . | zstd -q -o "$scratch/bad.tar.zst")
run "$ENVLOCK" verify --archive "$scratch/bad.tar.zst"
expect_rc 1
expect_in out "altered: $zlib"

export ENVLOCK_CACHE_DIR="$short_tmp/empty-cache"
for archive in "$scratch/bad" "$scratch/bad.tar.zst"; do
  run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$archive" \
    --prefix "$short_tmp/new" --platform linux-64
  expect_rc 2
  expect_in err "envlock install: error: zlib-1.3.1-h4d5e6f7_0: $zlib in the archive"
  expect_in err "is not the locked file (sha256 expected "
  [ ! -e "$short_tmp/new" ]
  run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$archive" \
    --prefix "$short_tmp/env" --platform linux-64
  expect_rc 2
  [ "$(snapshot "$short_tmp/env")" = "$before" ]
done
# Not even a package that is already in the cache makes a tampered archive acceptable.
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$scratch/good" \
  --prefix "$short_tmp/other" --platform linux-64
expect_rc 0
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$scratch/bad" \
  --prefix "$short_tmp/third" --platform linux-64
expect_rc 2
[ ! -e "$short_tmp/third" ]

# A missing package.
cp -r "$scratch/good" "$scratch/short"
libfoo=$(archived_file "$scratch/short" libfoo-1.2.0-h1234567_0.conda)
rm "$scratch/short/$libfoo"
run "$ENVLOCK" verify --archive "$scratch/short"
expect_rc 1
expect_in out "missing: $libfoo: listed in MANIFEST.json"
expect_in out "lock-missing: $libfoo: libfoo-1.2.0-h1234567_0 of the lock is not in the archive"
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --archive "$scratch/short" \
  --prefix "$short_tmp/env" --platform linux-64
expect_rc 2
expect_in err "libfoo-1.2.0-h1234567_0: $libfoo not in the archive"
[ "$(snapshot "$short_tmp/env")" = "$before" ]

# An extra file, and a lock that names a package the archive lacks.
cp -r "$scratch/good" "$scratch/extra"
echo hi >"$scratch/extra/notes.txt"
run "$ENVLOCK" verify --archive "$scratch/extra"
expect_rc 1
expect_in out "extra: notes.txt: not listed in MANIFEST.json"
write_lock v1 "$scratch/other.yml" linux-64 "$server_url" "$demo_channel" linux-64/zlib-1.3.0-h4d5e6f7_0.conda
run "$ENVLOCK" verify --archive "$scratch/good" --lock "$scratch/other.yml"
expect_rc 1
expect_in out "lock-missing: "
expect_in out "zlib-1.3.0-h4d5e6f7_0 of the lock is not in the archive"
# The clean archive still installs.
run "$ENVLOCK" verify --archive "$scratch/good"
expect_rc 0
echo PASS
