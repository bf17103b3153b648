#!/usr/bin/env bash
# Locks envlock writes (from several corpus locks of every format) validate against
# conda-lock-v1.schema.json with a real JSON Schema validator; broken variants do not.
set -euo pipefail
trap 'echo "FAIL: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR

runfiles="${TEST_SRCDIR:-$PWD}/${TEST_WORKSPACE:-envlock}"
tool="$runfiles/lib/lockfile/roundtrip_tool"
schema="$runfiles/schemas/conda-lock-v1.schema.json"
validate="$runfiles/schemas/validate_lock.py"
scratch="${TEST_TMPDIR:-$(mktemp -d)}/schema"
rm -rf "$scratch" && mkdir -p "$scratch"
if [ -n "${ENVLOCK_CORPUS:-}" ]; then
  corpus="$ENVLOCK_CORPUS"
else
  anchor=$(readlink -f "$runfiles/lib/testing/workspace_anchor.txt")
  corpus=$(cd "$(dirname "$anchor")/../../../shared/corpus" && pwd)
fi
locks="$corpus/lockfiles"

inputs=(
  conda-lock/pangeo-docker-images/HEAD/pangeo-notebook/conda-lock.yml
  conda-lock/conda-lock-tests/test-explicit-toposorted/conda-lock.yml
  conda-lock/conda-lock-tests/test-v2-to-v3-upgrade/conda-lock-v3.0.3.yml
  conda-lock/conda-lock-tests/test-lockfile/conda-lock.yml
  conda-lockfiles/environments/single_package/conda-lock.yml
  rattler-lock/conda-lock/v3/robostack-turtlesim-conda-lock.yml
  rattler-lock/conda-lock/v4/pypi-matplotlib-lock.yml
  rattler-lock/conda-lock/v5/flat-index-lock.yml
  pixi/examples/jupyterlab/pixi.lock
  rattler-lock/conda-lock/v7/pypi_custom_index.yml
  mamba/env_lockfiles/test-env-pip-lock-linux-64.json
  conda-lock/pangeo-docker-images/HEAD/pangeo-notebook/conda-linux-64.lock
)
written=()
for i in "${!inputs[@]}"; do
  out="$scratch/lock-$i.yml"
  "$tool" "$locks/${inputs[$i]}" >"$out"
  written+=("$out")
done
python3 "$validate" "$schema" "${written[@]}"

# The validator is real: each broken variant of a valid lock is rejected.
good="${written[1]}"  # 127 packages: small enough for pure-Python YAML
python3 - "$good" "$scratch" <<'PY'
import sys, yaml
src, out = sys.argv[1], sys.argv[2]
def save(name, mutate):
    d = yaml.safe_load(open(src))
    mutate(d)
    yaml.safe_dump(d, open(f"{out}/{name}.yml", "w"))
save("no-hash", lambda d: d["package"][0].pop("hash"))
save("bad-manager", lambda d: d["package"][0].update(manager="cargo"))
save("extra-key", lambda d: d["metadata"].update(colour="blue"))
save("bad-md5", lambda d: d["package"][0]["hash"].update(md5="xyz"))
save("conda-without-hash", lambda d: d["package"][0].update(hash={}))
save("version-2", lambda d: d.update(version=2))
save("unlisted-platform", lambda d: d["package"][0].update(platform="win-64"))
save("duplicate", lambda d: d["package"].append(dict(d["package"][0])))
PY
for broken in no-hash bad-manager extra-key bad-md5 conda-without-hash version-2 unlisted-platform duplicate; do
  if python3 "$validate" "$schema" "$scratch/$broken.yml" >"$scratch/$broken.out"; then
    echo "FAIL: $broken was accepted" >&2
    cat "$scratch/$broken.out" >&2
    exit 1
  fi
  grep -q INVALID "$scratch/$broken.out"
done
echo "${#written[@]} written locks valid, 8 broken variants rejected"
