#!/usr/bin/env bash
# `envlock verify` after tampering: exit 1, the summary line first, each finding in stdout
# with its reason code, all findings in one run.
source "$(dirname "$0")/verify_common.sh"

p="$scratch/env"
make_prefix "$p"
run "$ENVLOCK" lock --from-prefix "$p" -o "$scratch/conda-lock.yml"
expect_rc 0

printf 'tool data!\n' >"$p/share/tool/data.txt"          # one byte more
printf '#!/bin/sh\necho "prefix: /elsewhere"\n' >"$p/bin/tool"   # prefix-replaced file edited
rm "$p/lib/libz.so.1"
echo stray >"$p/stray.txt"

run "$ENVLOCK" verify --prefix "$p" --lock "$scratch/conda-lock.yml" --untracked --jobs 2
expect_rc 1
head -1 "$scratch/out" | grep -qx "0 packages differ, 1 file missing, 2 files modified, 1 untracked (linux-64, hashes level)"
expect_in out "tool 0.4.0 hfedcba9_0"
expect_in out "file-size-differs  share/tool/data.txt"
expect_in out "content-differs  bin/tool: sha256 differs from the record's sha256_in_prefix"
expect_in out "file-missing  lib/libz.so.1"
expect_in out "untracked  stray.txt"

run "$ENVLOCK" verify --prefix "$p" --lock "$scratch/conda-lock.yml" --json
expect_rc 1
expect_in out '"status": "drift"'
expect_in out '"code": "content-differs"'
expect_not_in out '"code": "untracked"'
python3 - "$runfiles/schemas/verify-report.schema.json" "$scratch/out" <<'PY'
import json, sys, jsonschema
schema, report = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(report)
assert report["summary"]["files_modified"] == 2, report["summary"]
codes = sorted(f["code"] for f in report["findings"])
assert codes == ["content-differs", "file-missing", "file-size-differs"], codes
PY

# Tier 1 only does not read files; a removed record is a missing package.
run "$ENVLOCK" verify --prefix "$p" --lock "$scratch/conda-lock.yml" --level packages
expect_rc 0
rm "$p/conda-meta/tool-0.4.0-hfedcba9_0.json"
run "$ENVLOCK" verify --prefix "$p" --lock "$scratch/conda-lock.yml" --level packages
expect_rc 1
expect_in out "1 package differs, 0 files missing, 0 files modified"
expect_in out "package-missing: in the lock (0.4.0 hfedcba9_0), not installed in the prefix"
echo PASS
