# Sourced by the tests/lock_*.sh scripts: common.sh, the lock binary, the demo channel, and a
# real HTTP server (serve_folder on 127.0.0.1) that is started in the background and killed on
# exit.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

LOCK="$runfiles/tools/lock/lock"
SERVE="$runfiles/lib/testing/http/serve_folder"
DEMO_CHANNEL="$runfiles/testdata/demo_channel"
DEMO_ENV="$runfiles/testdata/demo/environment.yml"

server_pids=()
stop_all_servers() {
  local pid
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_all_servers EXIT

# start_server FOLDER [FAULT...]: serves FOLDER (with serve_folder's fault flags, e.g.
# --only=.zst --stall=60000); sets $server_url and $server_pid.
start_server() {
  local log="$scratch/server.${#server_pids[@]}"
  "$SERVE" "$@" >"$log" 2>&1 &
  server_pid=$!
  server_pids+=("$server_pid")
  local i
  for i in $(seq 100); do
    server_url=$(head -n1 "$log" 2>/dev/null || true)  # the file may not exist yet
    if [[ "$server_url" == http://127.0.0.1:* ]]; then return 0; fi
    sleep 0.1
  done
  echo "FAIL: serve_folder did not start: $(cat "$log")" >&2
  exit 1
}

# stop_server PID: kills the server and waits until it is gone.
stop_server() {
  kill "$1"
  wait "$1" 2>/dev/null || true
}

# copy_channel DEST: a writable copy of the demo channel.
copy_channel() {
  rm -rf "$1"
  cp -rL "$DEMO_CHANNEL" "$1"
  chmod -R u+w "$1"
}

# locked LOCKFILE: "name version build" of every package in a conda-lock v1 file, sorted.
locked() {
  python3 - "$1" <<'PY'
import sys
name = version = None
for line in open(sys.argv[1]):
    if line.startswith("- name: "):
        name = line.split(": ", 1)[1].strip()
    elif line.startswith("  version: ") and name:
        version = line.split(": ", 1)[1].strip().strip("'")
    elif line.startswith("  url: ") and name:
        fn = line.strip().rsplit("/", 1)[1]
        stem = fn[: -len(".conda")] if fn.endswith(".conda") else fn[: -len(".tar.bz2")]
        print("%s %s %s" % (name, version, stem[len(name) + len(version) + 2:]))
        name = None
PY
}

cut_channel() {  # cut_channel DEST KEEP-REGEX: the demo repodata with only matching files
  python3 - "$DEMO_CHANNEL" "$1" "$2" <<'PY'
import json, os, re, sys
src, dest, keep = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
for subdir in ("linux-64", "noarch"):
    data = json.load(open(os.path.join(src, subdir, "repodata.json")))
    for key in ("packages", "packages.conda"):
        data[key] = {fn: r for fn, r in data.get(key, {}).items() if keep.search(fn)}
    os.makedirs(os.path.join(dest, subdir), exist_ok=True)
    json.dump(data, open(os.path.join(dest, subdir, "repodata.json"), "w"))
PY
}
