#!/usr/bin/env bash
# Ctrl-C (SIGINT) while `envlock archive` fetches (a server that sends one package a byte at a
# time): exit 130, and neither OUT, nor its staging folder `.OUT.envlock-*`, nor a download's
# part file in the package cache is left behind, for a folder, a .tar and a .tar.zst output.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/archive_lib.sh"

"$SERVE_FOLDER" "$demo_channel" --only=zlib-1.3.1-h4d5e6f7_0.conda --drip=10 \
  >"$scratch/server.url" 2>"$scratch/server.err" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$short_tmp"' EXIT
for _ in $(seq 100); do
  [ -s "$scratch/server.url" ] && break
  sleep 0.1
done
server_url=$(head -1 "$scratch/server.url")
[ -n "$server_url" ]
cp "$runfiles/testdata/demo/environment.yml" "$scratch/environment.yml"
run "$ENVLOCK" lock -f "$scratch/environment.yml" -c "$server_url" -p linux-64 \
  -o "$scratch/conda-lock.yml"
expect_rc 0

mkdir "$scratch/outs"
for out in a a.tar a.tar.zst; do
  rm -rf "$scratch/pkgs"
  "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/outs/$out" \
    --pkgs-dir "$scratch/pkgs" >/dev/null 2>"$scratch/int.err" &
  pid=$!
  # Wait for the staging folder and the dripping download's part file, then interrupt.
  until compgen -G "$scratch/outs/.$out.envlock-*" >/dev/null &&
    compgen -G "$scratch/pkgs/*zlib*" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: archive ended before the interrupt"; exit 1; }
    sleep 0.05
  done
  kill -INT "$pid"
  rc=0
  wait "$pid" || rc=$?
  echo "$out: exit $rc"
  [ "$rc" = 130 ]
  left=$(ls -A "$scratch/outs")
  [ -z "$left" ] || { echo "FAIL: left behind in the output folder: $left"; exit 1; }
  if ls -A "$scratch/pkgs" | grep -q zlib; then
    echo "FAIL: a part file is left in the package cache: $(ls -A "$scratch/pkgs")"
    exit 1
  fi
done

# Not interrupted, the same command writes the archive.
run "$ENVLOCK" archive --lock "$scratch/conda-lock.yml" -o "$scratch/outs/a.tar" \
  --pkgs-dir "$scratch/pkgs"
expect_rc 0
[ "$(ls -A "$scratch/outs")" = a.tar ]
echo PASS
