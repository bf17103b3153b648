#!/usr/bin/env bash
# SIGTERM or SIGINT while repodata is streaming into its part file: exit 130 and the part file
# is gone from the cache (it was left behind, one per interrupted run).
source "$(dirname "$0")/lock_common.sh"

# Only repodata stalls: the shard index probe before it is answered (404, no shards here).
start_server "$DEMO_CHANNEL" --only=repodata.json.zst --stall=600000
env="$scratch/environment.yml"
printf 'channels:\n  - %s\ndependencies:\n  - libfoo\n' "$server_url" >"$env"
for sig in TERM INT; do
  cache="$scratch/cache-$sig"
  "$LOCK" -f "$env" -p linux-64 -o "$scratch/conda-lock.yml" --cache-dir "$cache" \
    >"$scratch/out" 2>"$scratch/err" &
  pid=$!
  # Wait (no time limit asserted) until the transfer has begun streaming into its part file.
  until compgen -G "$cache/repodata/*.part.*" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: lock ended early: $(cat "$scratch/err")" >&2; exit 1; }
    sleep 0.05
  done
  kill -"$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" = 130 ] || { echo "FAIL: SIG$sig: exit $rc" >&2; exit 1; }
  if compgen -G "$cache/repodata/*.part.*" >/dev/null; then
    echo "FAIL: SIG$sig left $(ls "$cache/repodata")" >&2
    exit 1
  fi
  [ ! -e "$scratch/conda-lock.yml" ]
done
echo PASS
