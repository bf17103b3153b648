#!/usr/bin/env bash
# `diff` on a real relock (pangeo-notebook "add virtualizarr"): exit 1, the added packages and
# the summary in text; a folded table in Markdown; JSON valid against its schema; every format
# byte-identical from one run to the next; colour on a terminal or when asked, never otherwise.
source "$(dirname "$0")/common.sh"
pair="$(corpus_dir)/lockfiles/diff-pairs/pangeo-add-virtualizarr"
old="$pair/before/pangeo-notebook/conda-lock.yml"
new="$pair/after/pangeo-notebook/conda-lock.yml"
schema="$runfiles/schemas/diff-report.schema.json"

run "$ENVLOCK" diff "$old" "$new"
expect_rc 1
expect_in out "default / linux-64 (801 → 805 packages): 5 added, 1 removed, 86 upgraded, 57 rebuilt"
expect_in out "  added     virtualizarr"
expect_in out "2.2.1 pyhd8ed1ab_0"
expect_in out "summary: 24 added, 4 removed, 341 upgraded, 0 downgraded, 209 rebuilt, 0 hash changed, 0 moved, 0 repackaged, 0 depends changed, 2494 unchanged"
expect_not_in out $'\033['
cp "$scratch/out" "$scratch/text1"
run "$ENVLOCK" diff "$old" "$new"
cmp "$scratch/out" "$scratch/text1"

run "$ENVLOCK" diff --color always "$old" "$new"
expect_rc 1
expect_in out $'\033[32madded'
# On a terminal (script(1) gives the command a pseudo-terminal) colour is the default; NO_COLOR
# and --color never turn it off.
run script -qec "'$ENVLOCK' diff '$old' '$new'" /dev/null
expect_in out $'\033[32madded'
run script -qec "NO_COLOR=1 '$ENVLOCK' diff '$old' '$new'" /dev/null
expect_in out "added"
expect_not_in out $'\033['
run script -qec "'$ENVLOCK' diff --color never '$old' '$new'" /dev/null
expect_not_in out $'\033['

run "$ENVLOCK" diff --format markdown "$old" "$new"
expect_rc 1
expect_in out "| change | package | before | after |"
expect_in out "<details><summary>\`default\` · linux-64: 801 → 805 packages, 5 added, 1 removed, 86 upgraded, 57 rebuilt</summary>"
expect_in out "| added | virtualizarr |  | 2.2.1 \`pyhd8ed1ab_0\` |"
cp "$scratch/out" "$scratch/md1"
run "$ENVLOCK" diff --format markdown "$old" "$new"
cmp "$scratch/out" "$scratch/md1"

run "$ENVLOCK" diff --format json "$old" "$new"
expect_rc 1
cp "$scratch/out" "$scratch/json1"
python3 - "$schema" "$scratch/json1" <<'PY'
import json, sys, jsonschema
schema, report = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(report)
assert report["same"] is False
assert report["summary"]["added"] == 24 and report["summary"]["upgraded"] == 341, report["summary"]
linux = report["environments"][0]["platforms"][0]
assert linux["platform"] == "linux-64"
added = [c["name"] for c in linux["changes"] if c["kind"] == "added"]
assert "virtualizarr" in added and "cf-xarray" in added, added
PY
run "$ENVLOCK" diff --format json "$old" "$new"
cmp "$scratch/out" "$scratch/json1"
echo PASS
