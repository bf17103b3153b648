#!/usr/bin/env bash
# envlock install: the demo environment from a conda-lock v1 lock over HTTP: files, symlinks,
# text and binary placeholders, noarch:python with its entry point, records that verify accepts.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

start_server "$demo_channel"
write_lock v1 "$scratch/conda-lock.yml" linux-64 "$server_url" "$demo_channel" "${demo_env[@]}"
env="$short_tmp/demo"

run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --prefix "$env" --platform linux-64 --json
expect_rc 0
validate_report "$scratch/out"
expect_in out '"name": "demo-py"'
expect_in out '"downloaded": 6'
expect_in out '"up_to_date": false'

# Files, symlinks, placeholders and the entry point.
[ "$(readlink "$env/bin/dt")" = demo-tool ]
[ "$(readlink "$env/bin/python")" = python3.12 ]
[ "$(readlink "$env/lib/libz.so.1")" = libz.so.1.3.1 ]
grep -qx "prefix=$env" "$env/lib/pkgconfig/foo.pc"
if grep -q envlock-demo/build_env "$env/lib/pkgconfig/foo.pc"; then echo "FAIL: install_demo.sh:23: expected to fail: grep -q envlock-demo/build_env \"\$env/lib/pkgconfig/foo.pc\"" >&2; exit 1; fi
grep -q "prefix: $env" "$env/bin/python3.12"
grep -qa "$env/share/libbar/data" "$env/lib/libbar.so.2"
if grep -qa envlock-demo/build_env "$env/lib/libbar.so.2"; then echo "FAIL: install_demo.sh:26: expected to fail: grep -qa envlock-demo/build_env \"\$env/lib/libbar.so.2\"" >&2; exit 1; fi
cached_size=$(stat -c %s "$ENVLOCK_CACHE_DIR/pkgs/libbar-2.1.0-h89abcde_0/lib/libbar.so.2")
[ "$(stat -c %s "$env/lib/libbar.so.2")" = "$cached_size" ]
grep -qa envlock-demo/build_env "$ENVLOCK_CACHE_DIR/pkgs/libbar-2.1.0-h89abcde_0/lib/libbar.so.2"
[ "$(head -1 "$env/bin/demo-py")" = "#!$env/bin/python" ]
[ -x "$env/bin/demo-py" ]
grep -q "from demo_py.cli import main" "$env/bin/demo-py"
[ -f "$env/lib/python3.12/site-packages/demo_py/cli.py" ]
[ ! -e "$env/site-packages" ]
# Plain files are hard links into the cache.
[ "$(stat -c %i "$env/include/zlib.h")" = "$(stat -c %i "$ENVLOCK_CACHE_DIR/pkgs/zlib-1.3.1-h4d5e6f7_0/include/zlib.h")" ]
grep -q "^+.*::demo-py-1.1.0-pyh7654321_0$" "$env/conda-meta/history"
grep -q "^# cmd: envlock install --lock" "$env/conda-meta/history"
[ "$(check_records "$env")" -ge 14 ]
verify_hashes "$env" "$scratch/conda-lock.yml" --platform linux-64

# The same lock as @EXPLICIT (md5 only) into a second prefix: served from the cache.
write_lock explicit-md5 "$scratch/explicit.txt" linux-64 "$server_url" "$demo_channel" "${demo_env[@]}"
run "$ENVLOCK" install --lock "$scratch/explicit.txt" --prefix "$short_tmp/demo2" --platform linux-64
expect_rc 0
expect_in out "6 added, 0 removed, 0 replaced (0 downloaded, 6 from the cache)"
verify_hashes "$short_tmp/demo2" "$scratch/explicit.txt" --platform linux-64

# The platform must be in the lock.
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --prefix "$short_tmp/demo3" --platform win-64
expect_rc 2
expect_in err "envlock install: error:"
expect_in err "platform win-64 is not in the lock (it has: linux-64)"
[ ! -e "$short_tmp/demo3" ]
echo PASS
