#!/usr/bin/env bash
# `lock` against a channel made by `envlock index` from the demo packages and served over real
# HTTP gives the same packages, builds and hashes as the demo channel's own repodata, and works
# from the .zst alone too.
source "$(dirname "$0")/lock_common.sh"

mkdir -p "$scratch/ch"
for sub in linux-64 noarch; do
  mkdir -p "$scratch/ch/$sub"
  cp -L "$DEMO_CHANNEL/$sub"/*.conda "$DEMO_CHANNEL/$sub"/*.tar.bz2 "$scratch/ch/$sub/"
done
run "$ENVLOCK" index "$scratch/ch" --shards
expect_rc 0

cp "$DEMO_ENV" "$scratch/environment.yml"
start_server "$DEMO_CHANNEL"
demo_url=$server_url
start_server "$scratch/ch"
ours_url=$server_url
mkdir -p "$scratch/demo" "$scratch/ours"
run "$LOCK" -f "$scratch/environment.yml" -c "$demo_url" -p linux-64 -o "$scratch/demo/conda-lock.yml" \
  --cache-dir "$scratch/cache"
expect_rc 0
run "$LOCK" -f "$scratch/environment.yml" -c "$ours_url" -p linux-64 -o "$scratch/ours/conda-lock.yml" \
  --cache-dir "$scratch/cache"
expect_rc 0
expect_in out "linux-64: 6 packages"
[ "$(locked "$scratch/ours/conda-lock.yml" | wc -l)" = 6 ]
diff <(locked "$scratch/demo/conda-lock.yml") <(locked "$scratch/ours/conda-lock.yml")
diff <(grep -E '^    (sha256|md5): ' "$scratch/demo/conda-lock.yml") \
  <(grep -E '^    (sha256|md5): ' "$scratch/ours/conda-lock.yml")
# The two locks differ only in the channel URL and the hash of the repodata they came from.
same_but_url() {
  sed "s|$2|URL|g" "$1" | grep -vE '^    linux-64: [0-9a-f]{64}$'
}
diff <(same_but_url "$scratch/demo/conda-lock.yml" "$demo_url") \
  <(same_but_url "$scratch/ours/conda-lock.yml" "$ours_url")

# A server that has only the .zst files: the same lock.
mkdir -p "$scratch/zst"
cp -r "$scratch/ch" "$scratch/zstch"
rm "$scratch/zstch"/*/repodata.json
start_server "$scratch/zstch"
run "$LOCK" -f "$scratch/environment.yml" -c "$server_url" -p linux-64 -o "$scratch/zst/conda-lock.yml" \
  --cache-dir "$scratch/cache2"
expect_rc 0
diff <(locked "$scratch/ours/conda-lock.yml") <(locked "$scratch/zst/conda-lock.yml")
echo "PASS"
