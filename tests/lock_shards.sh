#!/usr/bin/env bash
# `lock` against channels that serve sharded repodata (CEP 16) through a real HTTP server: the
# lock is byte-identical to the one made from repodata.json (demo channel and corpus repodata),
# only the reached names' shards are fetched and cached by hash, a warm run and --offline work
# from the cache, --no-shards reads repodata.json, and a monolithic channel is probed once.
source "$(dirname "$0")/lock_common.sh"
MAKE_SHARDS="$runfiles/testdata/make_shards.py"

cp "$DEMO_ENV" "$scratch/environment.yml"
copy_channel "$scratch/mono"
copy_channel "$scratch/sharded"
/usr/bin/python3 "$MAKE_SHARDS" "$scratch/sharded" --only-shards
[ -e "$scratch/sharded/linux-64/repodata_shards.msgpack.zst" ]
[ ! -e "$scratch/sharded/linux-64/repodata.json" ]

start_server "$scratch/mono"
url_m=$server_url
start_server "$scratch/sharded"
url_s=$server_url
common=(-f "$scratch/environment.yml" -c "$url_m" -p linux-64)

# Monolithic: the reference lock. The shard index was probed (404) and that is remembered.
mkdir -p "$scratch/m"
run "$LOCK" "${common[@]}" -o "$scratch/m/conda-lock.yml" --cache-dir "$scratch/cache_m"
expect_rc 0
expect_in out "linux-64: 6 packages"
grep -q '"absent_checked_at": [1-9]' "$scratch"/cache_m/shards/index/*.info.json
[ ! -d "$scratch/cache_m/shards/by-hash" ]

# Sharded (the same channel URL, fetched from the sharded server as a mirror): byte-identical.
mkdir -p "$scratch/s"
run "$LOCK" "${common[@]}" --mirror "$url_m=$url_s" -o "$scratch/s/conda-lock.yml" \
  --cache-dir "$scratch/cache_s"
expect_rc 0
cmp "$scratch/m/conda-lock.yml" "$scratch/s/conda-lock.yml"
# Only the names the request reached were fetched, one cached file per shard, named by its hash.
reached=$(ls "$scratch/cache_s/shards/by-hash" | wc -l)
all=$(ls "$scratch/sharded/linux-64/shards" "$scratch/sharded/noarch/shards" | grep -c msgpack.zst)
[ "$reached" -gt 0 ] && [ "$reached" -lt "$all" ]
for f in "$scratch"/cache_s/shards/by-hash/*.msgpack.zst; do
  [ "$(sha256sum "$f" | cut -d' ' -f1).msgpack.zst" = "$(basename "$f")" ]
done
[ -z "$(find "$scratch/cache_s" -name '*.part.*')" ]

# Progress (shards read and downloaded, bytes) on a terminal's stderr only; none without one.
expect_not_in err "shards:"
mkdir -p "$scratch/tty"
# stderr is the terminal (script's output); stdout goes to a file.
script -qec "$(printf '%q ' "$LOCK" "${common[@]}" --mirror "$url_m=$url_s" \
  -o "$scratch/tty/conda-lock.yml" --cache-dir "$scratch/cache_tty") >$(printf '%q' "$scratch/tty/out")" \
  /dev/null >"$scratch/tty/terminal"
grep -qE '^shards: [0-9]+ read, [0-9]+ downloaded \([0-9]+ KB\)' "$scratch/tty/terminal"
if grep -q "shards:" "$scratch/tty/out"; then echo "FAIL: progress on stdout" >&2; exit 1; fi
cmp "$scratch/m/conda-lock.yml" "$scratch/tty/conda-lock.yml"

# Warm: the index is revalidated (304), the shards come from the cache; the same bytes.
mkdir -p "$scratch/warm"
run "$LOCK" "${common[@]}" --mirror "$url_m=$url_s" -o "$scratch/warm/conda-lock.yml" \
  --cache-dir "$scratch/cache_s"
expect_rc 0
cmp "$scratch/m/conda-lock.yml" "$scratch/warm/conda-lock.yml"

# --no-shards against the sharded server (which has no repodata.json): repodata is asked for.
run "$LOCK" "${common[@]}" --mirror "$url_m=$url_s" -o "$scratch/warm/no.yml" \
  --cache-dir "$scratch/cache_no" --no-shards
expect_rc 4
expect_in err "repodata.json"

# --offline from the cached index and shards, with the server gone.
stop_server "$server_pid"
mkdir -p "$scratch/offline"
run "$LOCK" "${common[@]}" --mirror "$url_m=$url_s" -o "$scratch/offline/conda-lock.yml" \
  --cache-dir "$scratch/cache_s" --offline
expect_rc 0
cmp "$scratch/m/conda-lock.yml" "$scratch/offline/conda-lock.yml"
# A shard missing from the cache is named when --offline forbids fetching it.
rm "$scratch"/cache_s/shards/by-hash/*
run "$LOCK" "${common[@]}" --mirror "$url_m=$url_s" -o "$scratch/offline/x.yml" \
  --cache-dir "$scratch/cache_s" --offline
expect_rc 4
expect_in err "is not in the cache"
expect_in err "--offline forbids downloading it"

# Corpus repodata (pkgs/r linux-64, pkgs/main noarch and index4's linux-64 records): the
# same lock sharded and monolithic for an R environment of a few hundred packages.
corpus=$(corpus_dir)/repodata
/usr/bin/python3 - "$corpus" "$scratch/cmono" <<'PY'
import json, os, sys
src, dest = sys.argv[1], sys.argv[2]
def write(channel, subdir, packages):
    os.makedirs(os.path.join(dest, channel, subdir), exist_ok=True)
    doc = {"info": {"subdir": subdir}, "packages": dict(sorted(packages.items())),
           "packages.conda": {}, "repodata_version": 1}
    json.dump(doc, open(os.path.join(dest, channel, subdir, "repodata.json"), "w"), sort_keys=True)
r = json.load(open(os.path.join(src, "conda__r_linux-64.repodata.json")))
write("r", "linux-64", r["packages"])
write("r", "noarch", {})
main = json.load(open(os.path.join(src, "conda__main_noarch.repodata.json")))
write("main", "noarch", main["packages"])
index4 = json.load(open(os.path.join(src, "conda__index4.legacy-dict.json")))
write("main", "linux-64", {fn: rec for fn, rec in index4.items()
                           if rec.get("subdir") == "linux-64" and rec.get("channel", "").endswith("main")
                           or rec.get("subdir") == "linux-64" and "channel" not in rec})
PY
cp -r "$scratch/cmono" "$scratch/csharded"
/usr/bin/python3 "$MAKE_SHARDS" "$scratch/csharded/r" --only-shards
/usr/bin/python3 "$MAKE_SHARDS" "$scratch/csharded/main" --only-shards
start_server "$scratch/cmono"
cm=$server_url
start_server "$scratch/csharded"
cs=$server_url
cat >"$scratch/r.yml" <<'EOF'
channels: []
dependencies:
  - r-base
  - r-tidyverse
EOF
rc_common=(-f "$scratch/r.yml" -c "$cm/r" -c "$cm/main" -p linux-64)
mkdir -p "$scratch/cm" "$scratch/cs"
run "$LOCK" "${rc_common[@]}" -o "$scratch/cm/conda-lock.yml" --cache-dir "$scratch/cache_cm"
expect_rc 0
[ "$(grep -c '^- name: ' "$scratch/cm/conda-lock.yml")" -gt 50 ]
run "$LOCK" "${rc_common[@]}" --mirror "$cm=$cs" -o "$scratch/cs/conda-lock.yml" \
  --cache-dir "$scratch/cache_cs"
expect_rc 0
cmp "$scratch/cm/conda-lock.yml" "$scratch/cs/conda-lock.yml"
echo PASS
