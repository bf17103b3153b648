#!/usr/bin/env bash
# `lock` against a hostile sharded channel (CEP 16): a shard whose file name climbs out of the
# subdir ("../../x/<fn>"), and an index whose shards_base_url holds "${VAR}". The first is one
# error line and exit 4 naming the record; the second never sends the variable's value; neither
# poisons the cache: the next good run locks byte-identically.
source "$(dirname "$0")/lock_common.sh"
MAKE_SHARDS="$runfiles/testdata/make_shards.py"

cp "$DEMO_ENV" "$scratch/environment.yml"
copy_channel "$scratch/sharded"
/usr/bin/python3 "$MAKE_SHARDS" "$scratch/sharded" --only-shards
chan="$scratch/sharded"
cp -r "$chan" "$scratch/good"

# hostile SUBDIR PYTHON-EXPR: rewrites libfoo's shard with f(shard) and the index with g(index).
hostile() {
  /usr/bin/python3 - "$chan/linux-64" "$1" "$2" <<'PY'
import hashlib, os, subprocess, sys
import msgpack
sub, shard_fn, index_fn = sys.argv[1], eval(sys.argv[2]), eval(sys.argv[3])
unz = lambda p: subprocess.run(["zstd", "-dc", p], capture_output=True, check=True).stdout
z = lambda b: subprocess.run(["zstd", "-q", "-c", "-3"], input=b, capture_output=True, check=True).stdout
ipath = os.path.join(sub, "repodata_shards.msgpack.zst")
index = msgpack.unpackb(unz(ipath), raw=False)
path = os.path.join(sub, "shards", index["shards"]["libfoo"].hex() + ".msgpack.zst")
data = z(msgpack.packb(shard_fn(msgpack.unpackb(unz(path), raw=False)), use_bin_type=True))
digest = hashlib.sha256(data).hexdigest()
with open(os.path.join(sub, "shards", digest + ".msgpack.zst"), "wb") as f:
    f.write(data)
index["shards"]["libfoo"] = bytes.fromhex(digest)
index = index_fn(index)
with open(ipath, "wb") as f:
    f.write(z(msgpack.packb(index, use_bin_type=True)))
PY
}

start_server "$chan"
url=$server_url
lock() {  # lock NAME [ARGS...]: locks into $scratch/NAME/conda-lock.yml
  local name=$1
  shift
  mkdir -p "$scratch/$name"
  run "$LOCK" -f "$scratch/environment.yml" -c "$url" -p linux-64 \
    -o "$scratch/$name/conda-lock.yml" "$@"
}

lock ref --cache-dir "$scratch/cache_ref"
expect_rc 0
ref="$scratch/ref/conda-lock.yml"

# A file name with a path: refused, one line, exit 4, naming the record.
hostile 'lambda s: {**s, "packages.conda": {"../../x/" + k: v for k, v in s["packages.conda"].items()}}' \
  'lambda i: i'
lock climb --cache-dir "$scratch/cache1"
expect_rc 4
expect_in err "envlock lock: error: $url/linux-64/shards/"
expect_in err "record '../../x/libfoo-"
expect_in err "not a plain package file name ending in .conda or .tar.bz2"
[ "$(wc -l <"$scratch/err")" = 1 ]
[ ! -e "$scratch/climb/conda-lock.yml" ]

# shards_base_url "./s-${ENVLOCK_RED_SECRET}/": taken literally. The shards are served only
# under the expanded name s-hunter2/, so a lock that expanded the variable (sending the secret
# to the server) would succeed; a literal one finds no shard: exit 4, one line.
rm -rf "$chan" && cp -r "$scratch/good" "$chan"
mkdir -p "$chan/linux-64/s-hunter2"
cp "$chan"/linux-64/shards/*.msgpack.zst "$chan/linux-64/s-hunter2/"
hostile 'lambda s: s' 'lambda i: {**i, "info": {**i["info"], "shards_base_url": "./s-${ENVLOCK_RED_SECRET}/"}}'
cp "$chan"/linux-64/shards/*.msgpack.zst "$chan/linux-64/s-hunter2/"
ENVLOCK_RED_SECRET=hunter2 lock literal --cache-dir "$scratch/cache2"
expect_rc 4
expect_in err "envlock lock: error: $url/linux-64/s-\${ENVLOCK_RED_SECRET}/"
expect_in err "but its shard is missing"
[ "$(wc -l <"$scratch/err")" = 1 ]
if grep -q hunter2 "$scratch/err"; then exit 1; fi  # (a bare "!" is exempt from set -e)

# The cache is not poisoned: the good channel locks byte-identically with it.
rm -rf "$chan" && cp -r "$scratch/good" "$chan"
lock good --cache-dir "$scratch/cache1"
expect_rc 0
cmp "$ref" "$scratch/good/conda-lock.yml"
