#!/usr/bin/env bash
# envlock verify --host: the lock's packages need __glibc >=2.34; with CONDA_OVERRIDE_GLIBC=2.17
# this machine cannot run them (said plainly, exit 1 with --host, a line without it); with a new
# enough glibc it is exit 0. Every report, text and JSON, has the host line.
source "$(dirname "$0")/verify_common.sh"

make_prefix "$scratch/env"
# tool needs a glibc newer than the override below, and (any) x86_64 microarchitecture.
sed -i 's/"depends": \["zlib >=1.3"\]/"depends": ["zlib >=1.3", "__glibc >=2.34", "__unix"]/' \
  "$scratch/env/conda-meta/tool-0.4.0-hfedcba9_0.json"
run "$ENVLOCK" lock --from-prefix "$scratch/env" -o "$scratch/conda-lock.yml"
expect_rc 0
grep -q "__glibc: '>=2.34'" "$scratch/conda-lock.yml"

# Too old: reported, exit 1 with --host.
CONDA_OVERRIDE_GLIBC=2.17 run "$ENVLOCK" verify --prefix "$scratch/env" --lock "$scratch/conda-lock.yml" --host
expect_rc 1
expect_in out "host: this machine cannot run the locked environment: needs glibc >=2.34 (tool), this machine has 2.17"
# Without --host the prefix still matches: exit 0, the same line.
CONDA_OVERRIDE_GLIBC=2.17 run "$ENVLOCK" verify --prefix "$scratch/env" --lock "$scratch/conda-lock.yml"
expect_rc 0
expect_in out "ok: $scratch/env matches"
expect_in out "needs glibc >=2.34 (tool), this machine has 2.17"
# JSON: the host object, valid against the report's schema.
CONDA_OVERRIDE_GLIBC=2.17 run "$ENVLOCK" verify --prefix "$scratch/env" --lock "$scratch/conda-lock.yml" --host --json
expect_rc 1
/usr/bin/python3 - "$runfiles/schemas/verify-report.schema.json" "$scratch/out" <<'PY'
import json, sys, jsonschema
schema, report = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft202012Validator(schema).validate(report)
host = report["host"]
assert host["status"] == "incompatible" and host["enforced"] is True, host
assert host["machine"]["__glibc"]["version"] == "2.17", host
bad = [n for n in host["needs"] if not n["satisfied"]]
assert [(n["name"], n["spec"], n["packages"]) for n in bad] == [("__glibc", ">=2.34", ["tool"])], bad
PY

# New enough (as an override, so that the test does not depend on this machine): exit 0.
CONDA_OVERRIDE_GLIBC=2.39 run "$ENVLOCK" verify --prefix "$scratch/env" --lock "$scratch/conda-lock.yml" --host
expect_rc 0
expect_in out "host: this machine can run it ("
expect_in out "glibc 2.39"
expect_in out "1 need of the lock met)"
# No glibc at all (an empty override removes it, as in conda).
CONDA_OVERRIDE_GLIBC= run "$ENVLOCK" verify --prefix "$scratch/env" --lock "$scratch/conda-lock.yml" --host
expect_rc 1
expect_in out "needs glibc >=2.34 (tool), this machine has none"
# This machine's own glibc, as gnu_get_libc_version() gives it, is what is reported unset.
own=$(getconf GNU_LIBC_VERSION | cut -d' ' -f2)
env -u CONDA_OVERRIDE_GLIBC "$ENVLOCK" verify --prefix "$scratch/env" --lock "$scratch/conda-lock.yml" --json >"$scratch/own.json" || true
/usr/bin/python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["host"]["machine"]["__glibc"]["version"] == sys.argv[2]' "$scratch/own.json" "$own"
echo PASS
