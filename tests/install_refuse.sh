#!/usr/bin/env bash
# envlock install refuses bytes that disagree with the lock (a wrong hash in the lock, a
# tampered archive on the server, the corpus's malformed package) and survives a dead server;
# every time the prefix stays byte for byte as it was.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

chan="$scratch/chan"
mkdir -p "$chan/linux-64"
cp "$demo_channel"/linux-64/{zlib-1.3.0-h4d5e6f7_0.conda,zlib-1.3.1-h4d5e6f7_0.conda,libfoo-1.2.0-h1234567_0.conda,libbar-2.1.0-h89abcde_0.conda} "$chan/linux-64/"
start_server "$chan"
env="$short_tmp/env"
write_lock v1 "$scratch/a.yml" linux-64 "$server_url" "$chan" \
  linux-64/zlib-1.3.0-h4d5e6f7_0.conda linux-64/libfoo-1.2.0-h1234567_0.conda
run "$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$env" --platform linux-64
expect_rc 0
snapshot "$env" >"$scratch/before"
unchanged() { snapshot "$env" >"$scratch/after" && diff "$scratch/before" "$scratch/after"; }

# 1. The lock's sha256 is wrong: exit 2, naming the package, the expected and the actual hash.
write_lock v1 "$scratch/b.yml" linux-64 "$server_url" "$chan" \
  linux-64/zlib-1.3.1-h4d5e6f7_0.conda linux-64/libfoo-1.2.0-h1234567_0.conda
actual=$(sha256sum <"$chan/linux-64/zlib-1.3.1-h4d5e6f7_0.conda" | cut -c1-64)
wrong=$(printf 'e%.0s' {1..64})
sed -i "s/$actual/$wrong/" "$scratch/b.yml"
run "$ENVLOCK" install --lock "$scratch/b.yml" --prefix "$env" --platform linux-64
expect_rc 2
expect_in err "envlock install: error: zlib-1.3.1-h4d5e6f7_0:"
expect_in err "sha256 mismatch: expected $wrong, got $actual"
unchanged
[ ! -e "$ENVLOCK_CACHE_DIR/pkgs/zlib-1.3.1-h4d5e6f7_0.conda" ]

# 2. The server's archive was tampered with after locking.
write_lock v1 "$scratch/c.yml" linux-64 "$server_url" "$chan" \
  linux-64/zlib-1.3.0-h4d5e6f7_0.conda linux-64/libfoo-1.2.0-h1234567_0.conda \
  linux-64/libbar-2.1.0-h89abcde_0.conda
printf 'X' | dd of="$chan/linux-64/libbar-2.1.0-h89abcde_0.conda" bs=1 seek=200 conv=notrunc 2>/dev/null
run "$ENVLOCK" install --lock "$scratch/c.yml" --prefix "$env" --platform linux-64
expect_rc 2
expect_in err "libbar-2.1.0-h89abcde_0:"
expect_in err "sha256 mismatch: expected"
unchanged

# 3. The corpus's malformed package, locked with its true hashes: refused as bad input.
malformed=$(corpus_dir)/packages/malformed
write_lock explicit "$scratch/d.txt" linux-64 "file://$malformed" "$malformed" \
  ca-certificates-2024.7.4-hbcca054_0.MALFORMED-nested-dirs.conda
run "$ENVLOCK" install --lock "$scratch/d.txt" --prefix "$env" --platform linux-64
expect_rc 2
expect_in err "envlock install: error: ca-certificates-2024.7.4-hbcca054_0"
unchanged

# 4. The server is gone: a network error, exit 4.
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
write_lock v1 "$scratch/e.yml" linux-64 "$server_url" "$chan" \
  linux-64/zlib-1.3.1-h4d5e6f7_0.conda linux-64/libfoo-1.2.0-h1234567_0.conda
run "$ENVLOCK" install --lock "$scratch/e.yml" --prefix "$env" --platform linux-64
expect_rc 4
expect_in err "envlock install: error:"
unchanged
# Offline, with nothing cached: also exit 4, and nothing changed.
run "$ENVLOCK" install --lock "$scratch/e.yml" --prefix "$env" --platform linux-64 --offline
expect_rc 4
expect_in err "--offline forbids downloading"
unchanged
echo PASS
