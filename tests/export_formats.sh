#!/usr/bin/env bash
# envlock export --format environment-yml|explicit: a pinned environment.yml (name=version=build,
# channels, a pip: list) that envlock reads back as the same packages, and an @EXPLICIT file; a
# conda-lock v1, a pixi.lock and an @EXPLICIT file of one environment give one component set.
source "$(dirname "$0")/common.sh"
lf="$(corpus_dir)/lockfiles"
piplock="$lf/conda-lock/conda-lock-tests/test-install-with-pip-deps/conda-lock.yml"
single="$lf/conda-lockfiles/environments/single_package"
pangeo_dir="$lf/conda-lock/pangeo-docker-images/HEAD/pangeo-notebook"

# name/version pairs of a CycloneDX document on stdout ($scratch/out), sorted.
names_versions() {
  /usr/bin/python3 -c 'import json,sys
for c in sorted(json.load(open(sys.argv[1]))["components"], key=lambda c: c["name"]):
    print(c["name"], c["version"])' "$scratch/out"
}
purls() {
  /usr/bin/python3 -c 'import json,sys
print("\n".join(sorted(c["purl"] for c in json.load(open(sys.argv[1]))["components"])))' "$scratch/out"
}

run "$ENVLOCK" export --lock "$piplock" --format environment-yml -p linux-64 -o "$scratch/environment.yml"
expect_rc 0
head -4 "$scratch/environment.yml" | diff - <(printf 'name: default\nchannels:\n  - conda-forge\ndependencies:\n')
grep -qx '  - python=3.12.0=hab00c5b_0_cpython' "$scratch/environment.yml"
grep -qx '  - pip:' "$scratch/environment.yml"
grep -qx '    - requests==2.31.0' "$scratch/environment.yml"
# Read back (as a `conda env export` file): the same conda packages, name and version.
run "$ENVLOCK" export --lock "$piplock" --format cyclonedx -p linux-64
expect_rc 0
names_versions | grep -v '^certifi \|^charset-normalizer \|^requests \|^urllib3 ' >"$scratch/from_lock"
run "$ENVLOCK" export --lock "$scratch/environment.yml" --format cyclonedx
expect_rc 0
names_versions | grep -v '^certifi \|^charset-normalizer \|^requests \|^urllib3 ' >"$scratch/from_yml"
diff "$scratch/from_lock" "$scratch/from_yml"
[ "$(wc -l <"$scratch/from_lock")" -ge 20 ]

# @EXPLICIT of the pangeo lock for linux-64.
run "$ENVLOCK" export --lock "$pangeo_dir/conda-lock.yml" --format explicit -p linux-64
expect_rc 0
expect_in out "@EXPLICIT"
expect_in out "# platform: linux-64"
[ "$(grep -c '^https://conda.anaconda.org/conda-forge/' "$scratch/out")" -gt 700 ]
# One environment in three formats: conda-lock v1, pixi.lock, and the @EXPLICIT we write.
run "$ENVLOCK" export --lock "$single/conda-lock.yml" --format cyclonedx -p linux-64
purls >"$scratch/a"
run "$ENVLOCK" export --lock "$single/pixi.lock" --format cyclonedx -p linux-64
purls >"$scratch/b"
"$ENVLOCK" export --lock "$single/conda-lock.yml" --format explicit -p linux-64 -o "$scratch/x.lock"
run "$ENVLOCK" export --lock "$scratch/x.lock" --format cyclonedx
purls >"$scratch/c"
[ -s "$scratch/a" ]
diff "$scratch/a" "$scratch/b"
diff "$scratch/a" "$scratch/c"
# And pangeo's conda-lock.yml against conda-lock's own @EXPLICIT render of it.
run "$ENVLOCK" export --lock "$pangeo_dir/conda-lock.yml" --format cyclonedx -p linux-64
purls >"$scratch/a"
run "$ENVLOCK" export --lock "$pangeo_dir/conda-linux-64.lock" --format cyclonedx
purls >"$scratch/b"
[ "$(wc -l <"$scratch/a")" -gt 700 ]
diff "$scratch/a" "$scratch/b"
echo PASS
