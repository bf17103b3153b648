#!/usr/bin/env bash
# The test PyPI index (//testdata/pypi:index) as Debian's own pip reads it through serve_folder:
# PEP 691 content negotiation, and pip's choices over the index's designed cases (yanked,
# Requires-Python, pre-release, platform tags, markers and extras, a wheel without .metadata,
# an sdist-only project, a conflict). Also: make_index.py gives the same bytes twice.
source "$(dirname "$0")/lock_common.sh"

INDEX="$runfiles/testdata/pypi/index"
MAKE_INDEX="$runfiles/testdata/pypi/make_index.py"
PY=/usr/bin/python3
start_server "$INDEX"
simple="$server_url/simple/"

# Content negotiation: JSON when asked for, HTML otherwise.
negotiate() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Accept": sys.argv[2]})
with urllib.request.urlopen(request) as answer:
    print(answer.headers["Content-Type"])
    print(answer.read().decode()[:1])
PYEOF
}
run negotiate "${simple}demo-versions/" "application/vnd.pypi.simple.v1+json, text/html;q=0.01"
expect_rc 0
expect_in out "application/vnd.pypi.simple.v1+json"
expect_in out "{"
run negotiate "${simple}demo-versions/" "text/html"
expect_rc 0
expect_in out "text/html"
expect_in out "<"

# pip_picks REQUIREMENT...: "normalized-name==version file" lines of what pip would install.
pip_picks() {
  "$PY" -m pip --isolated install --dry-run --ignore-installed --break-system-packages \
    --no-cache-dir --disable-pip-version-check --quiet --report "$scratch/report.json" \
    --index-url "$simple" "$@" || return $?
  "$PY" - "$scratch/report.json" <<'PYEOF'
import json, re, sys
report = json.load(open(sys.argv[1]))
for item in report["install"]:
    name = re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower()
    url = item["download_info"]["url"]
    print("%s==%s %s" % (name, item["metadata"]["version"], url.rsplit("/", 1)[1]))
PYEOF
}

# 1.2.0 and 1.2.1 are yanked, 1.3.0 needs Python 3.12, 2.0.0rc1 is a pre-release.
run pip_picks demo-versions
expect_rc 0
expect_in out "demo-versions==1.1.0 demo_versions-1.1.0-py3-none-any.whl"
[ "$(wc -l <"$scratch/out")" = 1 ]
# Above 1.2: the yanked ones need an exact pin, 1.3.0 needs 3.12, a pre-release needs --pre.
run pip_picks "demo-versions>=1.2"
expect_rc 1
expect_in err "1.3.0 Requires-Python >=3.12"
run pip_picks --pre "demo-versions>=1.2"
expect_rc 0
expect_in out "demo-versions==2.0.0rc1"
run pip_picks "demo-versions==1.2.0"  # PEP 592: a yanked file still answers an exact pin
expect_rc 0
expect_in out "demo-versions==1.2.0"

# Real dependency metadata of the packed Debian distributions.
run pip_picks jsonschema
expect_rc 0
expect_in out "jsonschema==4.10.3"
expect_in out "attrs==22.2.0"
expect_in out "pyrsistent==0.18.1"
[ "$(wc -l <"$scratch/out")" = 3 ]

# Markers and extras: idna and urllib3 by marker, certifi and charset-normalizer by the extra;
# six is for win32 only and demo-never for Python 2.
run pip_picks "Demo.Markers[secure]"
expect_rc 0
for name in demo-markers==1.0 idna==3.3 urllib3==1.26.12 certifi==2022.9.24 \
  charset-normalizer==3.0.1; do
  expect_in out "$name "
done
expect_not_in out "six"
expect_not_in out "demo-never"

# Tags: this machine's CPython 3.11 on glibc x86-64 takes a cp311 manylinux wheel.
run pip_picks demo-native
expect_rc 0
expect_in out "demo-native==1.0 demo_native-1.0-cp311-cp311-manylinux_"
expect_in out "_x86_64"

# pip's own wheel has no .metadata file: pip reads the wheel.
run pip_picks pip
expect_rc 0
expect_in out "pip==23.0.1 pip-23.0.1-py3-none-any.whl"

# Wheels only: the sdist-only project has nothing; the conflict pair cannot be installed together.
run pip_picks --only-binary=:all: demo-sdist-only
expect_rc 1
expect_in err "No matching distribution found for demo-sdist-only"
run pip_picks demo-conflict-a demo-conflict-b
expect_rc 1
expect_in err "ResolutionImpossible"

# The script is deterministic: a second build is byte-identical to the one Bazel made.
run "$PY" "$MAKE_INDEX" --out "$scratch/again"
expect_rc 0
diff -r "$INDEX" "$scratch/again"
echo PASS
