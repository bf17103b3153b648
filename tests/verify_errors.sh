#!/usr/bin/env bash
# `envlock verify` with bad input: exit 2 and one error line naming the culprit; never a crash.
source "$(dirname "$0")/verify_common.sh"

p="$scratch/env"
make_prefix "$p"
run "$ENVLOCK" lock --from-prefix "$p" -o "$scratch/conda-lock.yml"
expect_rc 0

printf 'version: 1\nmetadata: [\n' >"$scratch/bad.yml"
run "$ENVLOCK" verify --prefix "$p" --lock "$scratch/bad.yml"
expect_rc 2
expect_in err "envlock verify: error: $scratch/bad.yml"

run "$ENVLOCK" verify --prefix "$p" --lock "$scratch/absent.yml"
expect_rc 2
expect_in err "absent.yml: no such lock file"

# A folder is named for what it is; a pipe is a lock like any file.
run "$ENVLOCK" verify --prefix "$p" --lock "$scratch"
expect_rc 2
expect_in err "$scratch: is a directory, not a lock file"
run "$ENVLOCK" verify --prefix "$p" --lock <(cat "$scratch/conda-lock.yml")
expect_rc 0

run "$ENVLOCK" verify --prefix "$p" --lock "$scratch/conda-lock.yml" --platform osx-arm64
expect_rc 2
expect_in err "it has: linux-64"

run "$ENVLOCK" verify --prefix "$scratch/nothing" --lock "$scratch/conda-lock.yml"
expect_rc 2

run "$ENVLOCK" verify --prefix "$p"
expect_rc 2

CONDA_ENVS_PATH="$scratch" HOME="$scratch" run "$ENVLOCK" verify --name nope \
  --lock "$scratch/conda-lock.yml"
expect_rc 2
expect_in err "no environment of that name"

corrupt="$(corpus_dir)/conda-meta/negative/json"
run "$ENVLOCK" verify --prefix "$corrupt" --lock "$scratch/conda-lock.yml" --platform linux-64
expect_rc 2
expect_in err "corrupt-1.2.3-hashhash.json"
run "$ENVLOCK" lock --from-prefix "$corrupt" -o "$scratch/x.yml"
expect_rc 2
expect_in err "corrupt-1.2.3-hashhash.json"
[ ! -e "$scratch/x.yml" ]
echo PASS
