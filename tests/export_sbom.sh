#!/usr/bin/env bash
# envlock export: CycloneDX and SPDX documents of real locks (the pangeo conda-lock, a pixi.lock
# with PyPI packages) validate against the official JSON Schemas; every component has a purl and
# the lock's sha256; the same lock gives byte-identical documents; -o writes the file.
source "$(dirname "$0")/common.sh"
lf="$(corpus_dir)/lockfiles"
schemas="$(corpus_dir)/../reference/sbom-schemas"
validate="$(dirname "$0")/validate_sbom.py"
pangeo="$lf/conda-lock/pangeo-docker-images/HEAD/pangeo-notebook/conda-lock.yml"
pixi="$lf/pixi/examples/pypi/pixi.lock"
piplock="$lf/conda-lock/conda-lock-tests/test-install-with-pip-deps/conda-lock.yml"

for lock in "$pangeo" "$pixi" "$piplock"; do
  for format in cyclonedx spdx; do
    run "$ENVLOCK" export --lock "$lock" --format "$format" -o "$scratch/sbom.json"
    expect_rc 0
    [ ! -s "$scratch/out" ]
    /usr/bin/python3 -W ignore "$validate" "$schemas" "$format" "$scratch/sbom.json"
    # Every package of the lock is a component with a purl, and the lock's sha256 when it has one.
    /usr/bin/python3 - "$format" "$scratch/sbom.json" <<'PY'
import json, sys
fmt, path = sys.argv[1:3]
doc = json.load(open(path))
items = doc["components"] if fmt == "cyclonedx" else doc["packages"]
assert len(items) > 10, len(items)
for c in items:
    if fmt == "cyclonedx":
        purl = c["purl"]
        sha = [h["content"] for h in c.get("hashes", []) if h["alg"] == "SHA-256"]
    else:
        purl = [r["referenceLocator"] for r in c["externalRefs"] if r["referenceType"] == "purl"][0]
        sha = [h["checksumValue"] for h in c.get("checksums", []) if h["algorithm"] == "SHA256"]
    assert purl.startswith("pkg:conda/") or purl.startswith("pkg:pypi/"), purl
    assert len(sha) == 1 and len(sha[0]) == 64, (purl, sha)
PY
  done
done

# Deterministic: twice the same bytes, on stdout as in -o.
run "$ENVLOCK" export --lock "$pangeo" --format cyclonedx
expect_rc 0
cp "$scratch/out" "$scratch/one.json"
run "$ENVLOCK" export --lock "$pangeo" --format cyclonedx
cmp "$scratch/out" "$scratch/one.json"
expect_in out '"purl": "pkg:conda/xarray@'
expect_in out '"serialNumber": "urn:uuid:'
# SOURCE_DATE_EPOCH sets the timestamp.
SOURCE_DATE_EPOCH=1700000000 run "$ENVLOCK" export --lock "$pangeo" --format spdx
expect_in out '"created": "2023-11-14T22:13:20Z"'

# PyPI packages of a pixi.lock are pkg:pypi components.
run "$ENVLOCK" export --lock "$pixi" --format cyclonedx
expect_in out '"purl": "pkg:pypi/'

# A platform the lock does not have, a format we do not write, a missing lock: exit 2.
run "$ENVLOCK" export --lock "$pangeo" --format spdx -p win-64
expect_rc 2
expect_in err "envlock export: error: --platform win-64: the lock has no packages for this platform"
run "$ENVLOCK" export --lock "$pangeo" --format xml
expect_rc 2
run "$ENVLOCK" export --lock "$scratch/missing.yml"
expect_rc 2
echo PASS
