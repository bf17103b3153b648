#!/usr/bin/env bash
# `envlock index DIR --shards` over the demo channel's and the corpus's packages: repodata.json,
# .zst and the CEP 16 shard set, checked by a second reader (python3-msgpack); the same packages
# give the same bytes twice; re-indexing replaces the files in place.
source "$(dirname "$0")/common.sh"

CHECK="/usr/bin/python3 $runfiles/tests/check_shards.py"
DEMO="$runfiles/testdata/demo_channel"

# packages_of SRC DEST: the package files of SRC's subdir folders (no repodata) under DEST.
packages_of() {
  local sub f
  for sub in "$1"/*/; do
    for f in "$sub"*.conda "$sub"*.tar.bz2; do
      [ -f "$f" ] || continue
      mkdir -p "$2/$(basename "$sub")"
      cp -L "$f" "$2/$(basename "$sub")/"
    done
  done
}

packages_of "$DEMO" "$scratch/a"
run "$ENVLOCK" index "$scratch/a" --shards
expect_rc 0
expect_in out "linux-64: "
expect_in out "noarch: "
expect_in out " shards "
for sub in linux-64 osx-64 noarch; do
  [ -s "$scratch/a/$sub/repodata.json" ]
  [ -s "$scratch/a/$sub/repodata_shards.msgpack.zst" ]
done
$CHECK "$scratch/a/linux-64" "$scratch/a/osx-64" "$scratch/a/noarch" >"$scratch/check"
grep -q "^linux-64: .* all agree" "$scratch/check"

# The demo script's own repodata lists the same files with the same hashes and sizes.
/usr/bin/python3 - "$DEMO" "$scratch/a" <<'PY'
import json, sys
for sub in ("linux-64", "osx-64", "noarch"):
    theirs = json.load(open(f"{sys.argv[1]}/{sub}/repodata.json"))
    ours = json.load(open(f"{sys.argv[2]}/{sub}/repodata.json"))
    for section in ("packages", "packages.conda"):
        assert set(theirs[section]) == set(ours[section]), (sub, section)
        for fn, rec in theirs[section].items():
            for key in ("name", "version", "build", "build_number", "depends", "sha256", "md5", "size"):
                assert ours[section][fn][key] == rec[key], (fn, key)
PY

# Deterministic: another copy of the same packages, one thread, gives the same bytes; indexing
# the first copy again leaves it byte-identical.
packages_of "$DEMO" "$scratch/b"
run "$ENVLOCK" index "$scratch/b" --shards --jobs 1
expect_rc 0
diff -r "$scratch/a" "$scratch/b"
run "$ENVLOCK" index "$scratch/a" --shards
expect_rc 0
diff -r "$scratch/a" "$scratch/b"

# Without --shards: repodata only. --subdir indexes one subdir.
packages_of "$DEMO" "$scratch/c"
run "$ENVLOCK" index "$scratch/c" --subdir linux-64
expect_rc 0
[ -s "$scratch/c/linux-64/repodata.json.zst" ]
[ ! -e "$scratch/c/linux-64/repodata_shards.msgpack.zst" ]
[ ! -e "$scratch/c/osx-64/repodata.json" ]
cmp "$scratch/a/linux-64/repodata.json" "$scratch/c/linux-64/repodata.json"

# The corpus packages (conda-index's test channels, rattler's, mamba's), every subdir checked.
corpus=$(corpus_dir)/packages
n=0
for channel in conda_format_repo conda-test-recipes-channel conda-index/index_data/packages \
  conda-index/index_hotfix_pkgs mamba/test-server-repo; do
  dest="$scratch/corpus/$n"
  packages_of "$corpus/$channel" "$dest"
  run "$ENVLOCK" index "$dest" --shards
  expect_rc 0
  $CHECK "$dest"/*/ >>"$scratch/corpus.check"
  n=$((n + 1))
done
[ "$(grep -c 'all agree' "$scratch/corpus.check")" -ge 10 ]
echo "PASS"
