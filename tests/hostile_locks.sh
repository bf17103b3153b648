#!/usr/bin/env bash
# `lock --check` and `install` read locks from pull requests too: a lock nested 100,000 deep,
# an alias bomb and JSON nested 100,000 deep are one-line input errors (exit 2), not a crash or
# gigabytes of memory; install leaves no prefix behind.
source "$(dirname "$0")/common.sh"

write_hostile_locks "$scratch"
printf 'channels:\n  - conda-forge\ndependencies:\n  - python\n' >"$scratch/environment.yml"

for bad in deep.yml deep.json laughs.yml; do
  run "$ENVLOCK" lock -f "$scratch/environment.yml" -p linux-64 -o "$scratch/$bad" --check
  expect_rc 2
  expect_in err "envlock lock: error: $scratch/$bad:"
  [ "$(wc -l <"$scratch/err")" = 1 ]

  run "$ENVLOCK" install --lock "$scratch/$bad" --prefix "$scratch/prefix" --offline
  expect_rc 2
  expect_in err "envlock install: error: $scratch/$bad:"
  [ "$(wc -l <"$scratch/err")" = 1 ]
  [ ! -e "$scratch/prefix" ]
done
echo PASS
