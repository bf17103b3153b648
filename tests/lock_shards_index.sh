#!/usr/bin/env bash
# `lock` reads the CEP 16 shards that `envlock index --shards` writes: for the demo packages and
# for corpus repodata (`index --from-repodata`), the lock made from the shards is byte-identical
# to the one made from the same server's repodata.json (--no-shards), and only shards were read.
source "$(dirname "$0")/lock_common.sh"

# lock_both NAME ENV CHANNEL...: locks from the shards and with --no-shards; the two must match.
lock_both() {
  local name=$1 env=$2
  shift 2
  local channels=()
  for c in "$@"; do channels+=(-c "$c"); done
  mkdir -p "$scratch/$name/s" "$scratch/$name/m"
  run "$LOCK" -f "$env" "${channels[@]}" -p linux-64 -o "$scratch/$name/s/conda-lock.yml" \
    --cache-dir "$scratch/$name/cache_s"
  expect_rc 0
  [ -n "$(ls "$scratch/$name/cache_s/shards/by-hash")" ]
  [ ! -d "$scratch/$name/cache_s/repodata" ]  # no repodata.json was fetched
  run "$LOCK" -f "$env" "${channels[@]}" -p linux-64 -o "$scratch/$name/m/conda-lock.yml" \
    --cache-dir "$scratch/$name/cache_m" --no-shards
  expect_rc 0
  [ ! -d "$scratch/$name/cache_m/shards" ]
  cmp "$scratch/$name/s/conda-lock.yml" "$scratch/$name/m/conda-lock.yml"
}

# The demo packages, indexed with shards.
for sub in linux-64 noarch; do
  mkdir -p "$scratch/demo/$sub"
  cp -L "$DEMO_CHANNEL/$sub"/*.conda "$DEMO_CHANNEL/$sub"/*.tar.bz2 "$scratch/demo/$sub/"
done
run "$ENVLOCK" index "$scratch/demo" --shards
expect_rc 0
start_server "$scratch/demo"
lock_both demo "$DEMO_ENV" "$server_url"
[ "$(grep -c '^- name: ' "$scratch/demo/s/conda-lock.yml")" = 6 ]

# Corpus repodata: pkgs/r linux-64 and pkgs/main noarch as one channel.
corpus=$(corpus_dir)/repodata
run "$ENVLOCK" index --from-repodata "$corpus/conda__r_linux-64.repodata.json" \
  -o "$scratch/r" --shards
expect_rc 0
run "$ENVLOCK" index --from-repodata "$corpus/conda__main_noarch.repodata.json" \
  -o "$scratch/r" --shards
expect_rc 0
# pkgs/main's linux-64 records of conda's index4 test index, as a repodata.json.
/usr/bin/python3 - "$corpus/conda__index4.legacy-dict.json" "$scratch/main-linux-64.json" <<'PY'
import json, sys
records = json.load(open(sys.argv[1]))
packages = {fn: r for fn, r in records.items()
            if r.get("subdir") == "linux-64" and r.get("channel", "main").endswith("main")}
json.dump({"info": {"subdir": "linux-64"}, "packages": packages}, open(sys.argv[2], "w"))
PY
run "$ENVLOCK" index --from-repodata "$scratch/main-linux-64.json" -o "$scratch/main" --shards
expect_rc 0
printf '{"info": {"subdir": "noarch"}, "packages": {}}' >"$scratch/empty-noarch.json"
run "$ENVLOCK" index --from-repodata "$scratch/empty-noarch.json" -o "$scratch/main" --shards
expect_rc 0
start_server "$scratch/main"
main_url=$server_url
start_server "$scratch/r"
printf 'dependencies:\n  - r-base\n  - r-essentials\n' >"$scratch/r.yml"
lock_both corpus "$scratch/r.yml" "$server_url" "$main_url"
[ "$(grep -c '^- name: ' "$scratch/corpus/s/conda-lock.yml")" -gt 100 ]
echo PASS
