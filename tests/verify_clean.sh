#!/usr/bin/env bash
# `envlock verify` of a prefix against the lock captured from it: exit 0, "ok:" first; the
# same through --name, --json, an @EXPLICIT lock and every level.
source "$(dirname "$0")/verify_common.sh"

make_prefix "$scratch/envs/paper"
run "$ENVLOCK" lock --from-prefix "$scratch/envs/paper" -o "$scratch/conda-lock.yml" \
  -k lock -k explicit
expect_rc 0
expect_in out "linux-64: 2 packages"
expect_in out "wrote"
[ -f "$scratch/conda-linux-64.lock" ]

for level in packages files hashes; do
  run "$ENVLOCK" verify --prefix "$scratch/envs/paper" --lock "$scratch/conda-lock.yml" \
    --level "$level" --untracked
  expect_rc 0
  expect_in out "ok: $scratch/envs/paper matches"
done
expect_in out "linux-64, hashes level: 2 packages, 4 files, 3 hashed"

run "$ENVLOCK" verify --prefix "$scratch/envs/paper" --lock "$scratch/conda-linux-64.lock" --json
expect_rc 0
expect_in out '"status": "ok"'
expect_in out '"files_missing": 0'

# A named environment, found through CONDA_ENVS_PATH like conda finds it.
CONDA_ENVS_PATH="$scratch/envs" run "$ENVLOCK" verify --name paper --lock "$scratch/conda-lock.yml"
expect_rc 0
expect_in out "ok: $scratch/envs/paper matches"
HOME="$scratch" CONDA_ENVS_PATH="$scratch/envs" run "$ENVLOCK" lock --name paper \
  -o "$scratch/by-name.yml"
expect_rc 0
# The same lock (the help header names the file, so compare from `version:` on).
diff <(sed -n '/^version:/,$p' "$scratch/conda-lock.yml") <(sed -n '/^version:/,$p' "$scratch/by-name.yml")
echo PASS
