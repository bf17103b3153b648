#!/usr/bin/env bash
# `lock` against a misbehaving server (serve_folder's fault modes): every fault is one line on
# stderr and exit 4, in bounded time and memory, and no lock is written. Timeouts are short
# (--timeout, ENVLOCK_DEADLINE) so the script stays fast; nothing here asserts a duration.
source "$(dirname "$0")/lock_common.sh"

cp "$DEMO_ENV" "$scratch/environment.yml"
n=0

# lock_against FAULT... -- LOCK_ARGS...: a fresh server with FAULT flags and a fresh cache; runs
# lock with LOCK_ARGS and keeps the server's URL in $url.
lock_against() {
  local faults=()
  while [ "$1" != "--" ]; do faults+=("$1"); shift; done
  shift
  start_server "$DEMO_CHANNEL" "${faults[@]}"
  url=$server_url
  n=$((n + 1))
  mkdir -p "$scratch/$n"
  run "$LOCK" -f "$scratch/environment.yml" -c "$url" -p linux-64 \
    -o "$scratch/$n/conda-lock.yml" --cache-dir "$scratch/cache$n" "$@"
  stop_server "$server_pid"
}

# expect_network_failure TEXT: exit 4, a single "envlock lock: error:" line holding TEXT, no lock.
expect_network_failure() {
  expect_rc 4
  expect_in err "envlock lock: error: $url/"
  expect_in err "$1"
  [ "$(wc -l <"$scratch/err")" = 1 ]
  expect_not_in err "internal error"
  [ ! -e "$scratch/$n/conda-lock.yml" ]
}

# A redirect to ftp:// (once "internal error", exit 2), or into the local file system.
lock_against --redirect=ftp://127.0.0.1/repodata.json -- 
expect_network_failure "unsupported URL scheme 'ftp'"
lock_against --redirect=file:///etc/passwd --
expect_network_failure "unsupported URL scheme 'file'"

# A redirect loop.
lock_against --redirect=self --
expect_network_failure "too many redirects"

# 500 on every try.
lock_against --status=500 --
expect_network_failure "HTTP 500 Internal Server Error (after 3 tries)"

# A server that accepts and never answers: the read timeout, on every try.
lock_against --stall=600000 -- --timeout 0.3
expect_network_failure "timed out"
expect_in err "(after 3 tries)"

# A server that drips a byte every 50 ms: the minimum speed, on every try.
lock_against --drip=50 -- --timeout 0.5
expect_network_failure "slower than 1024 bytes/s over 500 ms"

# A Content-Length that promises more than is ever sent.
lock_against --wrong-length=600000 -- --timeout 0.3
expect_network_failure "(after 3 tries)"

# The total deadline ends a stalled transfer long before its generous read timeout.
ENVLOCK_DEADLINE=1 lock_against --stall=600000 -- --timeout 600
expect_network_failure "deadline of 1 s"

# A gzip bomb (64 MiB of zeros in 64 KiB) and a zstd bomb (1 GiB of zeros in a few KiB) stop at
# the repodata size limit instead of filling memory.
ENVLOCK_MAX_REPODATA_SIZE=1M lock_against --only=/repodata.json --gzip-bomb=67108864 -- 
expect_network_failure "larger than the limit of 1048576 bytes for repodata"
ENVLOCK_MAX_REPODATA_SIZE=1M lock_against --only=.zst --zst-bomb=1073741824 --
expect_network_failure "larger than the limit of 1048576 bytes for repodata"

# Limits that are not numbers are usage errors.
ENVLOCK_MIN_SPEED=fast lock_against --
expect_rc 2
expect_in err "envlock lock: error: ENVLOCK_MIN_SPEED: expected bytes per second"
run "$LOCK" -f "$scratch/environment.yml" -c "$url" --timeout 0
expect_rc 2
expect_in err "--timeout"

# The same server, well behaved, still locks.
lock_against --
expect_rc 0
expect_in out "linux-64: 6 packages"
echo PASS
