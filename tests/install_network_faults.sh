#!/usr/bin/env bash
# `install` against a misbehaving package server (serve_folder's fault modes): a redirect to
# ftp:// (once `terminate called`, exit 134, from a download thread), a stalled, dripping or
# bombing server are one line on stderr and exit 4, and the prefix is never created.
# Timeouts are short (--timeout) so the script stays fast; nothing here asserts a duration.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

server_pid=""
trap 'if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi; rm -rf "$short_tmp"' EXIT

# serve_with FAULT...: the demo channel on a fresh server with the fault flags; sets $url.
serve_with() {
  if [ -n "$server_pid" ]; then kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; fi
  rm -f "$scratch/server.url"  # else the last server's URL may be read before the new one's
  "$SERVE_FOLDER" "$demo_channel" "$@" >"$scratch/server.url" 2>"$scratch/server.err" &
  server_pid=$!
  for _ in $(seq 100); do
    [ -s "$scratch/server.url" ] && break
    sleep 0.1
  done
  url=$(head -1 "$scratch/server.url")
  [ -n "$url" ]
}

n=0
# install_against FAULT... -- INSTALL_ARGS...: a fresh lock, cache and prefix against a server
# with FAULT flags.
install_against() {
  local faults=()
  while [ "$1" != "--" ]; do faults+=("$1"); shift; done
  shift
  serve_with "${faults[@]}"
  n=$((n + 1))
  write_lock v1 "$scratch/lock$n.yml" linux-64 "$url" "$demo_channel" "${demo_env[@]}"
  prefix="$short_tmp/env$n"
  run "$ENVLOCK" install --lock "$scratch/lock$n.yml" --prefix "$prefix" --platform linux-64 \
    --pkgs-dir "$short_tmp/pkgs$n" "$@"
}

expect_network_failure() {
  expect_rc 4
  expect_in err "envlock install: error: "
  expect_in err "$1"
  [ "$(wc -l <"$scratch/err")" = 1 ]
  expect_not_in err "terminate called"
  expect_not_in err "internal error"
  [ ! -e "$prefix" ]
}

install_against --redirect=ftp://127.0.0.1/pkg.conda --
expect_network_failure "unsupported URL scheme 'ftp'"

install_against --redirect=self --
expect_network_failure "too many redirects"

install_against --stall=600000 -- --timeout 0.3
expect_network_failure "timed out"

install_against --drip=50 -- --timeout 0.5
expect_network_failure "slower than 1024 bytes/s over 500 ms"

# A gzip "bomb" is not unpacked: the archive's own bytes were asked for.
install_against --gzip-bomb=67108864 --
expect_network_failure "Content-Encoding: gzip"

# A Content-Length that promises more than is ever sent.
install_against --wrong-length=600000 -- --timeout 0.3
expect_network_failure "(after 3 tries)"

# SIGTERM or SIGINT while packages stream into their part files: exit 130, no part file left
# in the cache, no prefix.
for sig in TERM INT; do
  serve_with --stall=600000
  n=$((n + 1))
  write_lock v1 "$scratch/lock$n.yml" linux-64 "$url" "$demo_channel" "${demo_env[@]}"
  pkgs="$short_tmp/pkgs$n"
  prefix="$short_tmp/env$n"
  "$ENVLOCK" install --lock "$scratch/lock$n.yml" --prefix "$prefix" --platform linux-64 \
    --pkgs-dir "$pkgs" >"$scratch/out" 2>"$scratch/err" &
  pid=$!
  until compgen -G "$pkgs/*.part.*" >/dev/null; do  # waits for the transfer, asserts no time
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: install ended early: $(cat "$scratch/err")" >&2; exit 1; }
    sleep 0.05
  done
  kill -"$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" = 130 ] || { echo "FAIL: SIG$sig: exit $rc" >&2; exit 1; }
  if compgen -G "$pkgs/*.part.*" >/dev/null; then echo "FAIL: SIG$sig left $(ls "$pkgs")" >&2; exit 1; fi
  [ ! -e "$prefix" ]
done

# The same server, well behaved, installs.
install_against --
expect_rc 0
[ -d "$prefix/conda-meta" ]
echo PASS
