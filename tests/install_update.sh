#!/usr/bin/env bash
# envlock install of lock B over a prefix made from lock A (one package upgraded, one rebuilt,
# one removed, one added): only those change; untouched packages keep their inodes and mtimes.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

start_server "$demo_channel"
write_lock v1 "$scratch/a.yml" linux-64 "$server_url" "$demo_channel" \
  linux-64/python-3.12.1-h0a1b2c3_0_cpython.conda linux-64/zlib-1.3.0-h4d5e6f7_0.conda \
  linux-64/libfoo-1.2.0-h1234567_0.conda linux-64/demo-tool-0.3.0-hfedcba9_0.conda \
  noarch/demo-data-2024.1-h0000000_0.tar.bz2 noarch/demo-py-1.0.0-pyh7654321_0.conda
write_lock v1 "$scratch/b.yml" linux-64 "$server_url" "$demo_channel" \
  linux-64/python-3.12.1-h0a1b2c3_0_cpython.conda linux-64/zlib-1.3.1-h4d5e6f7_0.conda \
  linux-64/libfoo-1.2.0-h1234567_1.conda linux-64/demo-tool-0.3.0-hfedcba9_0.conda \
  linux-64/libbar-2.1.0-h89abcde_0.conda noarch/demo-py-1.0.0-pyh7654321_0.conda
env="$short_tmp/env"
run "$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$env" --platform linux-64
expect_rc 0
verify_hashes "$env" "$scratch/a.yml" --platform linux-64
untouched=(bin/python3.12 bin/python lib/python3.12/os.py bin/demo-tool bin/dt bin/demo-py
           lib/python3.12/site-packages/demo_py/cli.py conda-meta/demo-py-1.0.0-pyh7654321_0.json)
(cd "$env" && stat -c '%n %i %Y %y' "${untouched[@]}") >"$scratch/before"
sleep 1.1

run "$ENVLOCK" install --lock "$scratch/b.yml" --prefix "$env" --platform linux-64 --json
expect_rc 0
validate_report "$scratch/out"
python3 - "$scratch/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
got = [(c["kind"], c["name"], c.get("old", {}).get("build"), c.get("new", {}).get("version"))
       for c in r["changes"]]
assert got == [("remove", "demo-data", "h0000000_0", None),
               ("add", "libbar", None, "2.1.0"),
               ("replace", "libfoo", "h1234567_0", "1.2.0"),
               ("replace", "zlib", "h4d5e6f7_0", "1.3.1")], got
assert r["counts"]["downloaded"] == 3, r["counts"]
PY
(cd "$env" && stat -c '%n %i %Y %y' "${untouched[@]}") >"$scratch/after"
diff "$scratch/before" "$scratch/after"
verify_hashes "$env" "$scratch/b.yml" --platform linux-64
ls "$env/conda-meta" | grep -q '^libfoo-1.2.0-h1234567_1.json$'
if ls "$env/conda-meta" | grep -q 'demo-data\|libfoo-1.2.0-h1234567_0\|zlib-1.3.0'; then echo "FAIL: install_update.sh:43: expected to fail: ls \"\$env/conda-meta\" | grep -q 'demo-data\|libfoo-1.2.0-h1234567_0\|zlib-1.3.0'" >&2; exit 1; fi
[ ! -e "$env/share/demo-data" ]
[ ! -e "$env/lib/libz.so.1.3.0" ]
[ "$(readlink "$env/lib/libz.so")" = libz.so.1.3.1 ]
[ ! -e "$env/conda-meta/.envlock-txn" ]
[ "$(grep -c '^==> ' "$env/conda-meta/history")" = 2 ]
grep -q '^-.*::demo-data-2024.1-h0000000_0$' "$env/conda-meta/history"

# And back to A: the reverse change, verified.
run "$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$env" --platform linux-64
expect_rc 0
expect_in out "1 added, 1 removed, 2 replaced (0 downloaded, 3 from the cache)"
verify_hashes "$env" "$scratch/a.yml" --platform linux-64
echo PASS
