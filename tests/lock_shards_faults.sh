#!/usr/bin/env bash
# `lock` against a sharded channel (CEP 16) that misbehaves: a shard whose bytes do not match the
# index's sha256, a shard the index lists but the server lacks, an index that is not msgpack, a
# truncated index .zst, a shard cut mid-transfer. Each is one error line and exit 4 naming the
# package or the file; nothing bad reaches the cache; the next good run locks byte-identically.
source "$(dirname "$0")/lock_common.sh"
MAKE_SHARDS="$runfiles/testdata/make_shards.py"

cp "$DEMO_ENV" "$scratch/environment.yml"
copy_channel "$scratch/sharded"
/usr/bin/python3 "$MAKE_SHARDS" "$scratch/sharded" --only-shards
chan="$scratch/sharded"
index="$chan/linux-64/repodata_shards.msgpack.zst"

# The shard file of libfoo (linux-64): the one whose records are libfoo's.
libfoo=""
for f in "$chan"/linux-64/shards/*.msgpack.zst; do
  if zstd -dc "$f" | grep -aq "libfoo-1.2.0"; then libfoo=$f; fi
done
[ -n "$libfoo" ]
libfoo_hex=$(basename "$libfoo" .msgpack.zst)
cp "$libfoo" "$scratch/libfoo.good"
cp "$index" "$scratch/index.good"

start_server "$chan"
url=$server_url
lock() {  # lock NAME [ARGS...]: locks into $scratch/NAME/conda-lock.yml
  local name=$1
  shift
  mkdir -p "$scratch/$name"
  run "$LOCK" -f "$scratch/environment.yml" -c "$url" -p linux-64 \
    -o "$scratch/$name/conda-lock.yml" "$@"
}
expect_one_error() {  # expect_one_error TEXT: exit 4, one error line holding TEXT
  expect_rc 4
  expect_in err "envlock lock: error: $url/"
  expect_in err "$1"
  [ "$(wc -l <"$scratch/err")" = 1 ]
}

lock ref --cache-dir "$scratch/cache_ref"
expect_rc 0
ref="$scratch/ref/conda-lock.yml"

# A shard whose bytes are not what the index says: refused (fetched twice), never cached.
printf 'tampered' >>"$libfoo"
lock bad_hash --cache-dir "$scratch/cache1"
expect_one_error "the shard of 'libfoo' has sha256 "
expect_in err "not the index's $libfoo_hex (refused twice, not cached)"
[ ! -e "$scratch/cache1/shards/by-hash/$libfoo_hex.msgpack.zst" ]
[ ! -e "$scratch/bad_hash/conda-lock.yml" ]
cp "$scratch/libfoo.good" "$libfoo"
lock good1 --cache-dir "$scratch/cache1"
expect_rc 0
cmp "$ref" "$scratch/good1/conda-lock.yml"

# A damaged cached shard is not used: it is fetched again and replaced.
printf 'x' >>"$scratch/cache1/shards/by-hash/$libfoo_hex.msgpack.zst"
lock good2 --cache-dir "$scratch/cache1"
expect_rc 0
cmp "$ref" "$scratch/good2/conda-lock.yml"
cmp "$scratch/libfoo.good" "$scratch/cache1/shards/by-hash/$libfoo_hex.msgpack.zst"

# A shard the index lists but the server lacks: the package is named.
rm "$libfoo"
lock missing --cache-dir "$scratch/cache2"
expect_one_error "HTTP 404 Not Found: the shard index lists 'libfoo' but its shard is missing"
cp "$scratch/libfoo.good" "$libfoo"
lock good3 --cache-dir "$scratch/cache2"
expect_rc 0
cmp "$ref" "$scratch/good3/conda-lock.yml"

# An index that is zstd but not msgpack: a clear error; the cached index is kept and still
# serves --offline; the repaired channel locks again.
printf 'this is not msgpack' | zstd -q >"$index"
lock not_msgpack --cache-dir "$scratch/cache_ref"
expect_one_error "repodata_shards.msgpack.zst: not a valid msgpack shard index"
expect_in err "the cached copy was kept"
lock offline --cache-dir "$scratch/cache_ref" --offline
expect_rc 0
cmp "$ref" "$scratch/offline/conda-lock.yml"
# An index that is not zstd at all.
printf 'plain text' >"$index"
lock not_zstd --cache-dir "$scratch/cache3"
expect_one_error "repodata_shards.msgpack.zst: bad zstd data"
cp "$scratch/index.good" "$index"
lock good4 --cache-dir "$scratch/cache3"
expect_rc 0
cmp "$ref" "$scratch/good4/conda-lock.yml"
stop_server "$server_pid"

# A truncated index .zst (a consistent Content-Length, the frame cut in half).
start_server "$chan" --only=repodata_shards.msgpack.zst --cut
url=$server_url
lock cut --cache-dir "$scratch/cache4"
expect_one_error "truncated zstd stream"
[ -z "$(ls "$scratch/cache4/shards/index/"*.msgpack.zst 2>/dev/null)" ]
stop_server "$server_pid"

# A shard cut mid-transfer (the length announced, half sent) once: retried, and no part file
# or half shard is left in the cache. Always cut: exit 4 naming the package.
start_server "$chan" --only="$libfoo_hex.msgpack.zst" --count=1 --truncate
url=$server_url
lock cut_once --cache-dir "$scratch/cache5"
expect_rc 0
[ -z "$(find "$scratch/cache5" -name '*.part.*')" ]
cmp "$scratch/libfoo.good" "$scratch/cache5/shards/by-hash/$libfoo_hex.msgpack.zst"
stop_server "$server_pid"
start_server "$chan" --only="$libfoo_hex.msgpack.zst" --truncate
url=$server_url
lock cut_always --cache-dir "$scratch/cache6"
expect_one_error "the shard of 'libfoo', after 3 tries"
[ ! -e "$scratch/cache6/shards/by-hash/$libfoo_hex.msgpack.zst" ]
[ -z "$(find "$scratch/cache6" -name '*.part.*')" ]
echo PASS
