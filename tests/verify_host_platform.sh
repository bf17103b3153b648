#!/usr/bin/env bash
# envlock verify --host: an environment for another platform (osx-64 on this linux-64 machine)
# whose packages need no virtual package is still one this machine cannot run: said plainly,
# exit 1 with --host; the JSON report names the need "platform".
source "$(dirname "$0")/verify_common.sh"

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "SKIP: needs a linux-64 machine"; exit 0; }
make_prefix "$scratch/env"
sed -i 's/"subdir": "linux-64"/"subdir": "osx-64"/; s#/linux-64/#/osx-64/#' "$scratch"/env/conda-meta/*.json
run "$ENVLOCK" lock --from-prefix "$scratch/env" -o "$scratch/conda-lock.yml"
expect_rc 0
grep -q "platform: osx-64" "$scratch/conda-lock.yml"

run "$ENVLOCK" verify --prefix "$scratch/env" --lock "$scratch/conda-lock.yml" --host
expect_rc 1
expect_in out "host: this machine cannot run the locked environment: the environment is for osx-64, this machine is linux-64"
# Without --host: the prefix matches its lock (exit 0), the host line says the same.
run "$ENVLOCK" verify --prefix "$scratch/env" --lock "$scratch/conda-lock.yml"
expect_rc 0
expect_in out "the environment is for osx-64, this machine is linux-64"
run "$ENVLOCK" verify --prefix "$scratch/env" --lock "$scratch/conda-lock.yml" --host --json
expect_rc 1
/usr/bin/python3 - "$runfiles/schemas/verify-report.schema.json" "$scratch/out" <<'PY'
import json, sys, jsonschema
schema, report = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft202012Validator(schema).validate(report)
bad = [n for n in report["host"]["needs"] if not n["satisfied"]]
assert [(n["name"], n["spec"]) for n in bad] == [("platform", "osx-64")], bad
assert report["host"]["status"] == "incompatible", report["host"]
PY
echo PASS
