#!/usr/bin/env bash
# Where lock writes: -k explicit names its files with conda-lock's --filename-template (default
# conda-{platform}.lock, beside the lock; {platform}, {input-hash}, {dev-dependencies}); bad
# templates and -o or a template into a folder that does not exist are exit 2, nothing created.
source "$(dirname "$0")/lock_common.sh"

channel="file://$(readlink -f "$DEMO_CHANNEL")"
env="$scratch/environment.yml"
printf 'channels:\n  - envlock-demo\ndependencies:\n  - python 3.12.*\n' >"$env"
out="$scratch/locks"
mkdir -p "$out/sub"
lock_it() { run "$LOCK" -f "$env" -c "$channel" -o "$out/conda-lock.yml" "$@"; }

lock_it -p linux-64 -p osx-64 -k explicit --filename-template 'sub/env.{platform}.lock'
expect_rc 0
expect_in out "wrote $out/sub/env.linux-64.lock"
expect_in out "wrote $out/sub/env.osx-64.lock"
grep -qx "# platform: osx-64" "$out/sub/env.osx-64.lock"
[ ! -e "$out/conda-linux-64.lock" ] && [ ! -e "$out/conda-lock.yml" ]

# One platform: any name; {input-hash} is the content hash the lock records.
lock_it -p linux-64 -k lock -k explicit --filename-template 'py-{dev-dependencies}-{input-hash}.txt'
expect_rc 0
hash=$(python3 -c "import sys,re; print(re.search(r'linux-64: ([0-9a-f]{64})', open(sys.argv[1]).read()).group(1))" "$out/conda-lock.yml")
[ -f "$out/py-true-$hash.txt" ]
grep -qx "@EXPLICIT" "$out/py-true-$hash.txt"
# The default.
lock_it -p linux-64 -k explicit
expect_rc 0
expect_in out "wrote $out/conda-linux-64.lock"

# Refusals, before any solve, with nothing written.
rm -rf "$out" && mkdir -p "$out"
lock_it -p linux-64 -p osx-64 -k explicit --filename-template 'env.lock'
expect_rc 2
expect_in err "--filename-template env.lock: must contain {platform} when more than one platform is locked"
lock_it -p linux-64 -k explicit --filename-template 'env-{platform}.yml'
expect_rc 2
expect_in err "must not end in .yml"
lock_it -p linux-64 -k explicit --filename-template 'env-{plattform}.lock'
expect_rc 2
expect_in err "unknown token {plattform}"
lock_it -p linux-64 -k explicit --filename-template 'nodir/env-{platform}.lock'
expect_rc 2
expect_in err "--filename-template nodir/env-{platform}.lock: the folder $out/nodir does not exist"
run "$LOCK" -f "$env" -c "$channel" -p linux-64 -o "$scratch/no/such/dir/conda-lock.yml"
expect_rc 2
expect_in err "envlock lock: error: -o $scratch/no/such/dir/conda-lock.yml: the folder $scratch/no/such/dir does not exist"
[ ! -e "$scratch/no" ]
[ -z "$(ls -A "$out")" ]
# A file where the folder should be is named as such.
: >"$scratch/plain"
run "$LOCK" -f "$DEMO_ENV" -c "file://$(readlink -f "$DEMO_CHANNEL")" -p linux-64 -o "$scratch/plain/conda-lock.yml"
expect_rc 2
expect_in err "envlock lock: error: -o $scratch/plain/conda-lock.yml: $scratch/plain is not a folder"
echo PASS
