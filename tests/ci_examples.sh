#!/usr/bin/env bash
# The documented GitHub Actions job (docs/ci/github-actions.yml) and multi-stage Dockerfile
# (docs/docker/Dockerfile): each parses (YAML with python3-yaml; the Dockerfile's instructions),
# and their envlock commands run here, outside Actions and Docker, against the demo channel:
# the job's `run:` steps in order (the envlock build step and `uses:` steps left out), the
# Dockerfile's RUN lines with its paths moved into the scratch folder, then its ENTRYPOINT+CMD.
source "$(dirname "$0")/ci_common.sh"

# GitHub Actions: every run: step after "Install envlock", in a shell like the runner's.
/usr/bin/python3 - "$runfiles/docs/ci/github-actions.yml" "$scratch/steps" <<'PY'
import os, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))["jobs"]["envlock"]
assert job["runs-on"].startswith("ubuntu")
os.makedirs(sys.argv[2])
n = 0
for step in job["steps"]:
    if "run" not in step or step.get("name") == "Install envlock":
        continue
    assert "envlock " in step["run"], step
    n += 1
    open(os.path.join(sys.argv[2], "%02d.sh" % n), "w").write(step["run"] + "\n")
assert n >= 4, n
PY
export RUNNER_TEMP="$short_tmp/runner" GITHUB_PATH="$scratch/github_path"
mkdir -p "$RUNNER_TEMP"
for step in "$scratch"/steps/*.sh; do
  (cd "$project" && bash -eo pipefail "$step") >"$scratch/step.out" 2>&1 || {
    echo "FAIL: GitHub Actions step $(cat "$step")" >&2
    cat "$scratch/step.out" >&2
    exit 1
  }
done
[ -x "$RUNNER_TEMP/env/bin/demo-tool" ]
grep -q '"bomFormat": "CycloneDX"' "$project/sbom.cdx.json"

# Dockerfile: two stages, RUN lines (with \ continuations), the last build step verifies hashes.
/usr/bin/python3 - "$runfiles/docs/docker/Dockerfile" "$scratch/docker" "$short_tmp/docker" <<'PY'
import json, os, re, sys
text = open(sys.argv[1]).read()
out, root = sys.argv[2], sys.argv[3]
lines, cur = [], ""
for raw in text.splitlines():
    if raw.lstrip().startswith("#") and not cur:
        continue
    if raw.endswith("\\"):
        cur += raw[:-1] + " "
        continue
    cur += raw
    if cur.strip():
        lines.append(cur.strip())
    cur = ""
instructions = [(l.split(None, 1)[0].upper(), l.split(None, 1)[1] if " " in l else "") for l in lines]
stages = [a for i, a in instructions if i == "FROM"]
assert len(stages) == 2 and " AS " in stages[0].upper(), stages
runs = [a for i, a in instructions if i == "RUN"]
assert "verify" in runs[-1] and "--level hashes" in runs[-1], runs[-1]
last_stage_runs = [a for i, a in instructions[[i for i, _ in instructions].index("FROM", 1):] if i == "RUN"]
assert last_stage_runs and last_stage_runs[-1] == runs[-1]
entry = json.loads([a for i, a in instructions if i == "ENTRYPOINT"][0])
cmd = json.loads([a for i, a in instructions if i == "CMD"][0])
# The image's paths, moved under the scratch folder.
def moved(s):
    return re.sub(r"(?<![\w.])/(opt|work|root)/", root + r"/\1/", s)
os.makedirs(out)
for n, r in enumerate(runs):
    open(os.path.join(out, "%02d.sh" % n), "w").write(moved(r) + "\n")
open(os.path.join(out, "entrypoint"), "w").write("\0".join(moved(a) for a in entry + cmd))
PY
mkdir -p "$short_tmp/docker/work" "$short_tmp/docker/opt"
cp "$project/environment.yml" "$project/conda-lock.yml" "$short_tmp/docker/work/"
for step in "$scratch"/docker/*.sh; do
  # The final stage's files are where the COPY lines put them.
  cp "$short_tmp/docker/work/conda-lock.yml" "$short_tmp/docker/opt/conda-lock.yml"
  (cd "$short_tmp/docker/work" && bash -eo pipefail "$step") >"$scratch/step.out" 2>&1 || {
    echo "FAIL: Dockerfile RUN $(cat "$step")" >&2
    cat "$scratch/step.out" >&2
    exit 1
  }
done
grep -q "^ok: " "$scratch/step.out"
mapfile -d '' entry <"$scratch/docker/entrypoint"
run "${entry[@]}"
expect_rc 0
expect_in out "Python 3.12"
echo PASS
