#!/usr/bin/env bash
# `envlock index --from-repodata FILE --shards -o DIR`: the records of an existing repodata.json
# (generated conda-forge-shaped repodata, and the corpus's) re-written as repodata.json, .zst and
# CEP 16 shards, every record kept; the JSON layout is Python's json.dumps(indent=2,
# sort_keys=True), as conda-index writes it.
source "$(dirname "$0")/common.sh"

CHECK="/usr/bin/python3 $runfiles/tests/check_shards.py"

/usr/bin/python3 "$runfiles/bench/gen_repodata.py" "$scratch/gen" --scale 0.005 >/dev/null
for sub in linux-64 noarch; do
  run "$ENVLOCK" index --from-repodata "$scratch/gen/$sub/repodata.json" --shards -o "$scratch/chan"
  expect_rc 0
  expect_in out "$sub: "
done
$CHECK "$scratch/chan/linux-64" "$scratch/chan/noarch" >"$scratch/check"
grep -q "^linux-64: .* all agree" "$scratch/check"

# Same records, same document; the bytes are what Python's json.dumps(indent=2, sort_keys=True)
# makes of it.
/usr/bin/python3 - "$scratch/gen" "$scratch/chan" <<'PY'
import json, sys
for sub in ("linux-64", "noarch"):
    src = json.load(open(f"{sys.argv[1]}/{sub}/repodata.json"))
    raw = open(f"{sys.argv[2]}/{sub}/repodata.json").read()
    assert json.loads(raw) == src, sub
    assert raw == json.dumps(src, indent=2, sort_keys=True), sub
    assert len(src["packages"]) + len(src["packages.conda"]) > 100, sub
PY

# Twice: byte-identical.
run "$ENVLOCK" index --from-repodata "$scratch/gen/linux-64/repodata.json" --shards -o "$scratch/again"
expect_rc 0
diff -r "$scratch/chan/linux-64" "$scratch/again/linux-64"

# Corpus repodata written by other tools (conda-index, mamba's test server, a legacy one).
corpus=$(corpus_dir)/packages
n=0
for f in conda-test-recipes-channel/noarch mamba/test-server-repo/noarch mamba/channel_a/linux-64 \
  legacy_repodata/noarch conda-index/index_hotfix_pkgs/osx-64; do
  [ -f "$corpus/$f/repodata.json" ] || continue
  run "$ENVLOCK" index --from-repodata "$corpus/$f/repodata.json" --shards -o "$scratch/corpus/$n"
  expect_rc 0
  $CHECK "$scratch/corpus/$n"/*/ >>"$scratch/corpus.check"
  n=$((n + 1))
done
[ "$n" -ge 3 ]
[ "$(grep -c 'all agree' "$scratch/corpus.check")" = "$n" ]

# --subdir writes the records as another subdir; -o is required.
run "$ENVLOCK" index --from-repodata "$scratch/gen/noarch/repodata.json" --subdir linux-64 -o "$scratch/re"
expect_rc 0
grep -q '"subdir": "linux-64"' "$scratch/re/linux-64/repodata.json"
run "$ENVLOCK" index --from-repodata "$scratch/gen/noarch/repodata.json"
expect_rc 2
expect_in err "envlock index: error: --from-repodata: needs -o DIR"
echo "PASS"
