#!/usr/bin/env bash
# `lock` end to end through a real HTTP server serving the demo channel: a fresh lock, the same
# inputs give the same bytes, --offline works from the cache, a server that is down is exit 4,
# a channel that only has repodata.json.zst, and --mirror ORIGINAL=MIRROR.
source "$(dirname "$0")/lock_common.sh"

cp "$DEMO_ENV" "$scratch/environment.yml"
start_server "$DEMO_CHANNEL"
url_a=$server_url
pid_a=$server_pid
common=(-f "$scratch/environment.yml" -c "$url_a" -p linux-64)

# A fresh lock: what the demo channel's newest compatible builds are, with hashes and real URLs.
mkdir -p "$scratch/a"
run "$LOCK" "${common[@]}" -o "$scratch/a/conda-lock.yml" --cache-dir "$scratch/cache"
expect_rc 0
expect_in out "linux-64: 6 packages"
expect_in out "  + python 3.12.2 h0a1b2c3_0_cpython"
expect_in out "  + libfoo 1.2.0 h1234567_1"
expect_in out "wrote $scratch/a/conda-lock.yml"
lock_a="$scratch/a/conda-lock.yml"
cp "$lock_a" "$scratch/first.yml"
[ "$(grep -c '^- name: ' "$lock_a")" = 6 ]
[ "$(grep -c "^  url: $url_a/linux-64/" "$lock_a")" = 5 ]
expect_in out "  + demo-py 1.1.0 pyh7654321_0"
grep -q "^  url: $url_a/noarch/demo-py-1.1.0-pyh7654321_0.conda$" "$lock_a"
[ "$(grep -cE '^    sha256: [0-9a-f]{64}$' "$lock_a")" = 6 ]
grep -q "^  - url: $url_a$" "$lock_a"

# Same inputs, no lock yet: byte-identical. With the lock in place: kept, still identical.
mkdir -p "$scratch/again"
run "$LOCK" "${common[@]}" -o "$scratch/again/conda-lock.yml" --cache-dir "$scratch/cache"
expect_rc 0
cmp "$lock_a" "$scratch/again/conda-lock.yml"
run "$LOCK" "${common[@]}" -o "$lock_a" --cache-dir "$scratch/cache"
expect_rc 0
expect_in out "linux-64: 6 packages (inputs unchanged, kept)"
expect_not_in out "  + "
cmp "$lock_a" "$scratch/first.yml"

# The server goes down: --offline still locks from the cache, byte-identical; without the cache,
# or without --offline, the failure is a network error (exit 4) naming the URL.
stop_server "$pid_a"
mkdir -p "$scratch/offline"
run "$LOCK" "${common[@]}" -o "$scratch/offline/conda-lock.yml" --cache-dir "$scratch/cache" --offline
expect_rc 0
cmp "$lock_a" "$scratch/offline/conda-lock.yml"

mkdir -p "$scratch/down"
run "$LOCK" "${common[@]}" -o "$scratch/down/conda-lock.yml" --cache-dir "$scratch/cache2"
expect_rc 4
expect_in err "envlock lock: error: $url_a/linux-64/repodata.json"
expect_in err "cannot connect"
[ ! -e "$scratch/down/conda-lock.yml" ]

run "$LOCK" "${common[@]}" -o "$scratch/down/conda-lock.yml" --cache-dir "$scratch/cache2" --offline
expect_rc 4
expect_in err "$url_a/linux-64/repodata.json"
[ ! -e "$scratch/down/conda-lock.yml" ]

# A channel that only serves repodata.json.zst: the same packages are locked.
copy_channel "$scratch/zst_channel"
for subdir in linux-64 noarch osx-64; do
  zstd -q --rm "$scratch/zst_channel/$subdir/repodata.json"
  [ ! -e "$scratch/zst_channel/$subdir/repodata.json" ]
done
start_server "$scratch/zst_channel"
mkdir -p "$scratch/zst"
run "$LOCK" -f "$scratch/environment.yml" -c "$server_url" -p linux-64 \
  -o "$scratch/zst/conda-lock.yml" --cache-dir "$scratch/cache_zst"
expect_rc 0
[ "$(locked "$scratch/zst/conda-lock.yml")" = "$(locked "$lock_a")" ]
grep -q "\"variant\": *\"zst\"" "$scratch"/cache_zst/repodata/*.info.json
stop_server "$server_pid"

# --mirror: ORIGINAL (server A, now down) is fetched from MIRROR (a new server on another port).
# The lock must be the one made against ORIGINAL directly: its URLs, not the mirror's.
start_server "$DEMO_CHANNEL"
url_b=$server_url
[ "$url_b" != "$url_a" ]
mkdir -p "$scratch/b"
run "$LOCK" "${common[@]}" -o "$scratch/b/conda-lock.yml" --cache-dir "$scratch/cache_mirror"
expect_rc 4
run "$LOCK" "${common[@]}" -o "$scratch/b/conda-lock.yml" --cache-dir "$scratch/cache_mirror" \
  --mirror "$url_a=$url_b"
expect_rc 0
cmp "$lock_a" "$scratch/b/conda-lock.yml"
if grep -qF "$url_b" "$scratch/b/conda-lock.yml"; then
  echo "FAIL: the mirror's URL leaked into the lock" >&2
  exit 1
fi
echo PASS
