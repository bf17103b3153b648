#!/usr/bin/env bash
# One exit-code table in every tool: a missing or unreadable input file is 2 (lock, install,
# verify, diff alike), and SIGTERM and SIGINT both end every tool with 130, leaving no output.
source "$(dirname "$0")/common.sh"

missing="$scratch/no-such-file.yml"
mkdir -p "$scratch/prefix"
printf 'channels:\n  - conda-forge\ndependencies:\n  - python\n' >"$scratch/environment.yml"
unreadable="$scratch/unreadable.yml"
mkdir "$unreadable"  # a folder where a file is expected: unreadable for every user, root too

for input in "$missing" "$unreadable"; do
  run "$ENVLOCK" lock -f "$input" -p linux-64 -o "$scratch/out.yml"
  expect_rc 2
  expect_in err "envlock lock: error: $input"
  run "$ENVLOCK" lock --check -f "$scratch/environment.yml" -p linux-64 -o "$input"
  expect_rc 2
  expect_in err "envlock lock: error: $input"
  run "$ENVLOCK" install --lock "$input" --prefix "$scratch/prefix/env"
  expect_rc 2
  expect_in err "envlock install: error: $input"
  run "$ENVLOCK" verify --lock "$input" --prefix "$scratch/prefix"
  expect_rc 2
  expect_in err "envlock verify: error: $input"
  run "$ENVLOCK" diff "$input" "$input"
  expect_rc 2
  expect_in err "envlock diff: error: $input"
done
[ ! -e "$scratch/out.yml" ] && [ ! -e "$scratch/prefix/env" ]

# Signals: each tool blocks opening a FIFO for its input until it is signalled.
fifo="$scratch/fifo.yml"
mkfifo "$fifo"
mkdir -p "$scratch/fifo-prefix/conda-meta"
mkfifo "$scratch/fifo-prefix/conda-meta/zlib-1.3.1-h4d5e6f7_0.json"
# signalled SIGNAL TOOL ARGS...: starts the tool, waits until it has opened the FIFO (it then
# blocks there), signals it and checks the exit code and that nothing was written.
signalled() {
  local sig=$1
  shift
  "$ENVLOCK" "$@" >"$scratch/out" 2>"$scratch/err" &
  local pid=$!
  local i
  for i in $(seq 400); do
    # A thread blocked in open() on a FIFO without a writer waits "for its partner".
    if cat /proc/"$pid"/task/*/wchan 2>/dev/null | grep -q wait_for_partner; then break; fi
    sleep 0.05
  done
  kill "-$sig" "$pid"
  set +e
  wait "$pid"
  rc=$?
  set -e
  expect_rc 130
  [ ! -e "$scratch/out.yml" ]
  if ls "$scratch" | grep -q '\.tmp\.'; then echo "FAIL: exit_codes.sh:56: expected to fail: ls \"\$scratch\" | grep -q '\.tmp\.'" >&2; exit 1; fi
}
for sig in TERM INT; do
  signalled "$sig" lock -f "$fifo" -p linux-64 -o "$scratch/out.yml"
  signalled "$sig" verify --lock "$scratch/environment.yml" --prefix "$scratch/fifo-prefix"
  signalled "$sig" diff "$fifo" "$scratch/environment.yml"
  signalled "$sig" install --lock "$fifo" --prefix "$scratch/prefix/env"
done
echo PASS
