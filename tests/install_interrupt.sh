#!/usr/bin/env bash
# envlock install killed with SIGKILL mid-way, then run again: the prefix is as before (or
# absent) after the kill, and correct and complete after the next run. Three moments: during a
# (stalled) download of a fresh install, while an update stages its files, and during an
# update's commit.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

chan="$scratch/chan"
mkdir -p "$chan/linux-64"
cp "$demo_channel"/linux-64/{zlib-1.3.1-h4d5e6f7_0.conda,libfoo-1.2.0-h1234567_0.conda} "$chan/linux-64/"

# Two versions of a package with many files, so that staging and committing take a while.
python3 - "$chan/linux-64" <<'PY'
import hashlib, io, json, sys, tarfile
out = sys.argv[1]
for version in ("1.0", "2.0"):
    files = [("share/big/d%03d/f%05d.txt" % (i // 400, i), ("%s %d\n" % (version, i)).encode())
             for i in range(6000)]
    index = {"name": "bigpkg", "version": version, "build": "0", "build_number": 0,
             "depends": [], "subdir": "linux-64", "license": "MIT"}
    paths = {"paths_version": 1, "paths": [
        {"_path": p, "path_type": "hardlink", "sha256": hashlib.sha256(d).hexdigest(),
         "size_in_bytes": len(d)} for p, d in files]}
    with tarfile.open("%s/bigpkg-%s-0.tar.bz2" % (out, version), "w:bz2", compresslevel=1) as t:
        for name, data in [("info/index.json", json.dumps(index).encode()),
                           ("info/paths.json", json.dumps(paths).encode())] + files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
PY

# A server whose first request for one file stalls (the client is killed meanwhile).
python3 - "$chan" >"$scratch/stall.url" <<'PY' &
import http.server, os, sys, threading, time
root = sys.argv[1]
stalled = set()
class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def do_GET(self):
        if self.path.endswith("?stall") or (
                self.path.endswith("libfoo-1.2.0-h1234567_0.conda") and self.path not in stalled):
            stalled.add(self.path)
            time.sleep(60)
            return
        super().do_GET()
    def log_message(self, *a):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
PY
stall_pid=$!
trap 'kill $stall_pid 2>/dev/null || true; rm -rf "$short_tmp"' EXIT
for _ in $(seq 100); do [ -s "$scratch/stall.url" ] && break; sleep 0.1; done
url=$(head -1 "$scratch/stall.url")

# 1. A fresh install killed while a download stalls: no prefix, then a complete one.
write_lock v1 "$scratch/a.yml" linux-64 "$url" "$chan" \
  linux-64/zlib-1.3.1-h4d5e6f7_0.conda linux-64/libfoo-1.2.0-h1234567_0.conda linux-64/bigpkg-1.0-0.tar.bz2
env="$short_tmp/env"
"$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$env" --platform linux-64 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 300); do
  [ -n "$(ls "$ENVLOCK_CACHE_DIR/pkgs" 2>/dev/null | grep bigpkg-1.0-0.tar.bz2$)" ] && break
  sleep 0.05
done
sleep 0.5
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[ ! -e "$env" ]
run "$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$env" --platform linux-64
expect_rc 0
expect_in out "3 added, 0 removed, 0 replaced"
verify_hashes "$env" "$scratch/a.yml" --platform linux-64
[ -z "$(ls "$short_tmp" | grep -v '^env$\|^cache$')" ]  # no staging folder or lock file left

# SIGTERM (like Ctrl-C) while a download stalls: exit 130 at once, no prefix, no leftovers.
sed 's#\(libfoo-1.2.0-h1234567_0.conda\)$#\1?stall#' "$scratch/a.yml" >"$scratch/stall.yml"
grep -q 'conda?stall$' "$scratch/stall.yml"
"$ENVLOCK" install --lock "$scratch/stall.yml" --prefix "$short_tmp/term" --platform linux-64 \
  --pkgs-dir "$scratch/term-pkgs" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ]
# Only the sibling lock file may remain (a signal handler does not know its path); the next
# run takes it and removes it.
[ "$(ls "$short_tmp" | grep '^term')" = term.envlock.lock ]
run "$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$short_tmp/term" --platform linux-64
expect_rc 0
verify_hashes "$short_tmp/term" "$scratch/a.yml" --platform linux-64
[ "$(ls "$short_tmp" | grep '^term')" = term ]

# kill_when PATH LOCK: starts an update to LOCK and SIGKILLs it as soon as PATH exists; prints
# "hit" when the kill landed while PATH existed, "missed" when the install finished first.
kill_when() {
  "$ENVLOCK" install --lock "$2" --prefix "$env" --platform linux-64 >/dev/null 2>&1 &
  local pid=$!
  python3 - "$pid" "$1" <<'PY'
import os, signal, sys, time
pid, path = int(sys.argv[1]), sys.argv[2]
def finished():
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0] == "Z"
while True:
    if os.path.exists(path):
        os.kill(pid, signal.SIGKILL)
        print("hit")
        break
    if finished():
        print("missed")
        break
    time.sleep(0.0005)
PY
  wait "$pid" 2>/dev/null || true
}
write_lock v1 "$scratch/b.yml" linux-64 "$url" "$chan" \
  linux-64/zlib-1.3.1-h4d5e6f7_0.conda linux-64/bigpkg-2.0-0.tar.bz2
# Warm the cache so that the kills land in staging and commit, not in downloads.
run "$ENVLOCK" install --lock "$scratch/b.yml" --prefix "$short_tmp/warm" --platform linux-64
expect_rc 0

# 2. Killed while staging the update: the prefix is still exactly A.
outcome=$(kill_when "$env/conda-meta/.envlock-txn/new" "$scratch/b.yml")
echo "kill during staging: $outcome"
if [ "$outcome" = hit ]; then
  [ ! -e "$env/conda-meta/.envlock-txn/journal.json" ]
  verify_hashes "$env" "$scratch/a.yml" --platform linux-64
fi
run "$ENVLOCK" install --lock "$scratch/b.yml" --prefix "$env" --platform linux-64
expect_rc 0
verify_hashes "$env" "$scratch/b.yml" --platform linux-64

# 3. Back to A, killed during the commit (journal written): the next run completes it.
outcome=$(kill_when "$env/conda-meta/.envlock-txn/journal.json" "$scratch/a.yml")
echo "kill during commit: $outcome"
if [ "$outcome" = hit ]; then
  [ -e "$env/conda-meta/.envlock-txn/journal.json" ]
fi
run "$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$env" --platform linux-64
expect_rc 0
if [ "$outcome" = hit ]; then expect_in out "note: an interrupted install was completed"; fi
verify_hashes "$env" "$scratch/a.yml" --platform linux-64
[ ! -e "$env/conda-meta/.envlock-txn" ]
[ "$(find "$env/share/big" -type f | wc -l)" = 6000 ]
grep -q "^1.0 5999$" "$env/share/big/d014/f05999.txt"
run "$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$env" --platform linux-64
expect_in out "already up to date"
echo PASS
