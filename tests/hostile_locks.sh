#!/usr/bin/env bash
# `lock --check` and `install` read locks from pull requests too: a lock nested 100,000 deep,
# an alias bomb and JSON nested 100,000 deep are one-line input errors (exit 2), not a crash or
# gigabytes of memory; install leaves no prefix behind.
source "$(dirname "$0")/common.sh"

python3 - "$scratch" <<'PY'
import sys
out = sys.argv[1]
deep = "[" * 100000 + "]" * 100000
open(out + "/deep.yml", "w").write("version: 1\npackage: " + deep + "\n")
open(out + "/deep.json", "w").write('{"lockVersion": 1, "x": ' + deep + "}")
laughs = "version: 1\nmetadata: {}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
for i in range(1, 10):
    laughs += "a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10))
open(out + "/laughs.yml", "w").write(laughs + "package: *a9\n")
PY
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
