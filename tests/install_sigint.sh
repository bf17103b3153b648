#!/usr/bin/env bash
# Ctrl-C (SIGINT) while install stages its files: exit 130, and the staging folder is removed on
# the way out (`<prefix>.envlock-tmp-*` of a fresh install, `conda-meta/.envlock-txn` of an
# update), so nothing waits for the next run; the prefix is absent or exactly as it was.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

chan="$scratch/chan"
mkdir -p "$chan/linux-64"
cp "$demo_channel/linux-64/zlib-1.3.1-h4d5e6f7_0.conda" "$chan/linux-64/"
# A package with many files, so that staging takes a while.
python3 - "$chan/linux-64" <<'PY'
import hashlib, io, json, sys, tarfile
files = [("share/many/d%02d/f%05d.txt" % (i // 500, i), b"%d\n" % i) for i in range(5000)]
index = {"name": "many", "version": "1.0", "build": "0", "build_number": 0, "depends": [],
         "subdir": "linux-64"}
paths = {"paths_version": 1, "paths": [{"_path": p, "path_type": "hardlink", "sha256":
         hashlib.sha256(d).hexdigest(), "size_in_bytes": len(d)} for p, d in files]}
with tarfile.open(sys.argv[1] + "/many-1.0-0.tar.bz2", "w:bz2", compresslevel=1) as t:
    for name, data in [("info/index.json", json.dumps(index).encode()),
                       ("info/paths.json", json.dumps(paths).encode())] + files:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
start_server "$chan"
write_lock v1 "$scratch/small.yml" linux-64 "$server_url" "$chan" linux-64/zlib-1.3.1-h4d5e6f7_0.conda
write_lock v1 "$scratch/big.yml" linux-64 "$server_url" "$chan" \
  linux-64/zlib-1.3.1-h4d5e6f7_0.conda linux-64/many-1.0-0.tar.bz2
# Warm the cache: the signal is meant for staging, not for downloads.
run "$ENVLOCK" install --lock "$scratch/big.yml" --prefix "$short_tmp/warm" --platform linux-64
expect_rc 0

# int_when PREFIX PATTERN: starts an install of big.yml into PREFIX and sends SIGINT once a path
# matching PATTERN exists; prints "hit RC" when the signal landed while staging, else "missed".
int_when() {
  "$ENVLOCK" install --lock "$scratch/big.yml" --prefix "$1" --platform linux-64 >/dev/null 2>"$scratch/int.err" &
  local pid=$! rc=0 outcome
  outcome=$(python3 - "$pid" "$2" <<'PY'
import glob, os, signal, sys, time
pid, pattern = int(sys.argv[1]), sys.argv[2]
def finished():
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0] == "Z"
while True:
    if glob.glob(pattern):
        os.kill(pid, signal.SIGINT)
        print("hit")
        break
    if finished():
        print("missed")
        break
    time.sleep(0.0005)
PY
)
  wait "$pid" || rc=$?
  echo "$outcome $rc"
}

# 1. A fresh install: no prefix, no staging folder, no lock file left.
hits=0
for try in 1 2 3 4 5; do
  read -r outcome rc < <(int_when "$short_tmp/fresh" "$short_tmp/fresh.envlock-tmp-*")
  echo "fresh install, try $try: $outcome $rc"
  if [ "$outcome" = hit ] && [ "$rc" != 0 ]; then
    [ "$rc" = 130 ]
    cat "$scratch/int.err"
    grep -q "^envlock install: error: .*: interrupted$" "$scratch/int.err"
    [ "$(wc -l <"$scratch/int.err")" = 1 ]
    [ -z "$(ls "$short_tmp" | grep '^fresh')" ]
    hits=$((hits + 1))
    break
  fi
  rm -rf "$short_tmp/fresh"
done
[ "$hits" = 1 ]

# 2. An update: the prefix exactly as before, no .envlock-txn left.
env="$short_tmp/env"
run "$ENVLOCK" install --lock "$scratch/small.yml" --prefix "$env" --platform linux-64
expect_rc 0
snapshot "$env" >"$scratch/before"
hits=0
for try in 1 2 3 4 5; do
  read -r outcome rc < <(int_when "$env" "$env/conda-meta/.envlock-txn/new/share")
  echo "update, try $try: $outcome $rc"
  if [ "$outcome" = hit ] && [ "$rc" != 0 ]; then
    [ "$rc" = 130 ]
    [ ! -e "$env/conda-meta/.envlock-txn" ]
    snapshot "$env" | diff "$scratch/before" -
    hits=1
    break
  fi
  run "$ENVLOCK" install --lock "$scratch/small.yml" --prefix "$env" --platform linux-64
  snapshot "$env" >"$scratch/before"
done
[ "$hits" = 1 ]
run "$ENVLOCK" install --lock "$scratch/big.yml" --prefix "$env" --platform linux-64
expect_rc 0
expect_not_in out "interrupted install"
verify_hashes "$env" "$scratch/big.yml" --platform linux-64
echo PASS
