#!/usr/bin/env bash
# Channel credentials in a lock's URLs (user:password@ and /t/TOKEN/) reach the server but never
# the disk: conda-meta records (url, channel) and the package cache's markers hold them
# redacted; conda-lock's ${VAR} form is no secret and is kept as it is.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

chan="$scratch/chan"
python3 "$(dirname "$0")/hostile_packages.py" "$chan"
# A server that wants the token segment and basic credentials, and serves the channel below.
python3 - "$chan" >"$scratch/auth.url" <<'PY' &
import base64, http.server, sys
root = sys.argv[1]
class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def do_GET(self):
        want = "Basic " + base64.b64encode(b"alice:s3cret-pw").decode()
        if not self.path.startswith("/t/tk-s3cret/") or self.headers.get("Authorization") != want:
            self.send_error(403)
            return
        self.path = self.path[len("/t/tk-s3cret"):]
        super().do_GET()
    def log_message(self, *a):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
PY
auth_pid=$!
trap 'kill $auth_pid 2>/dev/null || true; rm -rf "$short_tmp"' EXIT
for _ in $(seq 100); do [ -s "$scratch/auth.url" ] && break; sleep 0.1; done
url=$(head -1 "$scratch/auth.url")
secret_url="${url/http:\/\//http://alice:s3cret-pw@}/t/tk-s3cret"

write_lock v1 "$scratch/lock.yml" linux-64 "$secret_url" "$chan" linux-64/good-1.0-0.tar.bz2
env="$short_tmp/env"
run "$ENVLOCK" install --lock "$scratch/lock.yml" --prefix "$env" --platform linux-64
expect_rc 0
expect_in out "+ good 1.0 0"
if grep -rl 's3cret' "$env" "$ENVLOCK_CACHE_DIR" "$scratch/out" "$scratch/err"; then
  echo "FAIL: a credential reached the disk or the output" >&2
  exit 1
fi
grep -q '"url": "http://\*\*\*:\*\*\*@127.0.0.1:[0-9]*/t/<TOKEN>/linux-64/good-1.0-0.tar.bz2"' \
  "$env/conda-meta/good-1.0-0.json"
grep -q '"url": "http://\*\*\*:\*\*\*@127.0.0.1:[0-9]*/t/<TOKEN>/linux-64/good-1.0-0.tar.bz2"' \
  "$ENVLOCK_CACHE_DIR/pkgs/good-1.0-0/info/envlock_extracted.json"
verify_hashes "$env" "$scratch/lock.yml" --platform linux-64
echo PASS
