#!/usr/bin/env bash
# A file edited through its hard link in one prefix changes the package cache's copy; the next
# install into another prefix notices (size and mtime differ from the extraction's record, the
# sha256 from paths.json), extracts the package afresh and links the package's own bytes. And
# verify does not let a record's sha256_in_prefix vouch for bytes that are not the package's
# unless the file was relocated.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

chan="$scratch/chan"
python3 "$(dirname "$0")/hostile_packages.py" "$chan"
start_server "$chan"
write_lock v1 "$scratch/good.yml" linux-64 "$server_url" "$chan" linux-64/good-1.0-0.tar.bz2
good=$(python3 -c 'import hashlib; print(hashlib.sha256(b"the package'"'"'s bytes\n" * 64).hexdigest())')

a="$short_tmp/a"
run "$ENVLOCK" install --lock "$scratch/good.yml" --prefix "$a" --platform linux-64
expect_rc 0
cached="$ENVLOCK_CACHE_DIR/pkgs/good-1.0-0/lib/libgood.a"
[ "$(stat -c %i "$a/lib/libgood.a")" = "$(stat -c %i "$cached")" ]  # a hard link
echo tampered >>"$a/lib/libgood.a"
[ "$(sha256sum <"$cached" | cut -c1-64)" != "$good" ]  # the cache changed with it

# The next install links the package's bytes, not the edited file.
b="$short_tmp/b"
run "$ENVLOCK" install --lock "$scratch/good.yml" --prefix "$b" --platform linux-64
expect_rc 0
[ "$(sha256sum <"$b/lib/libgood.a" | cut -c1-64)" = "$good" ]
[ "$(stat -c %i "$b/lib/libgood.a")" != "$(stat -c %i "$a/lib/libgood.a")" ]
grep -q "\"sha256_in_prefix\": \"$good\"" "$b/conda-meta/good-1.0-0.json"
verify_hashes "$b" "$scratch/good.yml" --platform linux-64
# A's edit is drift.
run "$ENVLOCK" verify --prefix "$a" --lock "$scratch/good.yml" --platform linux-64 --level hashes
expect_rc 1
expect_in out "lib/libgood.a"

# A cache entry that is intact is used as it is: no second extraction.
c="$short_tmp/c"
stamp=$(stat -c %Y.%i "$ENVLOCK_CACHE_DIR/pkgs/good-1.0-0/info/envlock_extracted.json")
run "$ENVLOCK" install --lock "$scratch/good.yml" --prefix "$c" --platform linux-64 --json
expect_rc 0
expect_in out '"from_cache": 1'
[ "$(stat -c %Y.%i "$ENVLOCK_CACHE_DIR/pkgs/good-1.0-0/info/envlock_extracted.json")" = "$stamp" ]
[ "$(stat -c %i "$c/lib/libgood.a")" = "$(stat -c %i "$cached")" ]
# A record that vouches for changed bytes (sha256_in_prefix rewritten to match them, no
# placeholder): verify still compares the file with the package's sha256.
echo tampered >>"$b/lib/libgood.a"
now=$(sha256sum <"$b/lib/libgood.a" | cut -c1-64)
sed -i "s/\"sha256_in_prefix\": \"$good\"/\"sha256_in_prefix\": \"$now\"/" "$b/conda-meta/good-1.0-0.json"
grep -q "\"sha256_in_prefix\": \"$now\"" "$b/conda-meta/good-1.0-0.json"
run "$ENVLOCK" verify --prefix "$b" --lock "$scratch/good.yml" --platform linux-64 --level hashes
expect_rc 1
expect_in out "lib/libgood.a"
expect_in out "expected $good, found $now"

echo PASS
