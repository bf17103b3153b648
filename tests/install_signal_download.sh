#!/usr/bin/env bash
# SIGTERM or SIGINT while install downloads a package (before staging): exit 130, and the
# download's part file in the package cache is removed on the way out; no prefix is made.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

# libfoo arrives one byte every 50 ms, so the signal lands while its part file is written.
"$SERVE_FOLDER" "$demo_channel" --only=libfoo-1.2.0-h1234567_0.conda --drip=50 \
  >"$scratch/server.url" 2>"$scratch/server.err" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$short_tmp"' EXIT
for _ in $(seq 100); do [ -s "$scratch/server.url" ] && break; sleep 0.1; done
url=$(head -1 "$scratch/server.url")
write_lock v1 "$scratch/lock.yml" linux-64 "$url" "$demo_channel" \
  linux-64/zlib-1.3.1-h4d5e6f7_0.conda linux-64/libfoo-1.2.0-h1234567_0.conda

for signal in TERM INT; do
  "$ENVLOCK" install --lock "$scratch/lock.yml" --prefix "$short_tmp/env" --platform linux-64 \
    >/dev/null 2>"$scratch/err" &
  pid=$!
  # Wait (untimed) for the part file, then signal.
  until compgen -G "$ENVLOCK_CACHE_DIR/pkgs/libfoo-*.part.*" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: install ended before its download" >&2; exit 1; }
    sleep 0.05
  done
  kill -"$signal" "$pid"
  rc=0
  wait "$pid" || rc=$?
  expect_rc 130
  if compgen -G "$ENVLOCK_CACHE_DIR/pkgs/*.part.*"; then
    echo "FAIL: SIG$signal left a part file in the package cache" >&2
    exit 1
  fi
  [ ! -e "$short_tmp/env" ]
done
echo PASS
