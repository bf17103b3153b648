#!/usr/bin/env bash
# `diff` reads pull-request content (as a git textconv too): locks nested 100,000 deep, an alias
# bomb and a lock over the size limit are one-line input errors (exit 2), and names with
# newlines and terminal escapes are printed escaped, one line per package.
source "$(dirname "$0")/common.sh"
good="$(corpus_dir)/lockfiles/mamba/env_lockfiles/envlockfile-check-step-2-lock.yaml"

write_hostile_locks "$scratch"
for bad in deep.yml deep.json laughs.yml; do
  for mode in "" --textconv; do
    if [ -n "$mode" ]; then
      run "$ENVLOCK" diff --textconv "$scratch/$bad"
    else
      run "$ENVLOCK" diff "$good" "$scratch/$bad"
    fi
    expect_rc 2
    expect_in err "envlock diff: error: $scratch/$bad:"
    [ "$(wc -l <"$scratch/err")" = 1 ]
    [ ! -s "$scratch/out" ]
  done
done
expect_in err "aliases expand"

truncate -s 300M "$scratch/huge.yml"  # sparse: no disk space used
run "$ENVLOCK" diff "$good" "$scratch/huge.yml"
expect_rc 2
expect_in err "envlock diff: error: $scratch/huge.yml: larger than 256 MiB, the limit for this file"

# A lock whose package name holds a newline, a forged line and an "erase line" escape.
printf '%s\n' '@EXPLICIT' \
  'https://conda.anaconda.org/conda-forge/linux-64/zlib-1.2.13-h_0.conda#00000000000000000000000000000000' \
  >"$scratch/old.txt"
printf '%s\n' '@EXPLICIT' \
  'https://conda.anaconda.org/conda-forge/linux-64/zlib-1.2.13-h_0.conda#00000000000000000000000000000000' \
  "https://conda.anaconda.org/conda-forge/linux-64/evil%0A-1.0$(printf '\377')-x$(printf '\033')[2K-0.conda#00000000000000000000000000000001" \
  >"$scratch/new.txt"
for format in text markdown json; do
  run "$ENVLOCK" diff --format "$format" "$scratch/old.txt" "$scratch/new.txt"
  expect_rc 1
  if grep -q "$(printf '\033')" "$scratch/out"; then echo "FAIL: raw escape in $format" >&2; exit 1; fi
done
# JSON stays valid UTF-8 (the byte 0xff is replaced) instead of failing with an internal error.
python3 -c 'import json, sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$scratch/out"
run "$ENVLOCK" diff "$scratch/old.txt" "$scratch/new.txt"
expect_in out '\xff'
if LC_ALL=C grep -q "$(printf '\377')" "$scratch/out"; then echo "FAIL: raw 0xff in text" >&2; exit 1; fi
run "$ENVLOCK" diff --textconv "$scratch/new.txt"
expect_rc 0
expect_in out 'x\x1b[2K'
if grep -q "$(printf '\033')" "$scratch/out"; then echo "FAIL: raw escape in textconv" >&2; exit 1; fi
echo PASS
