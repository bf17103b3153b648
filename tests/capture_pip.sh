#!/usr/bin/env bash
# `envlock lock --from-prefix` with pip distributions in site-packages: each becomes a
# `manager: pip` entry. A wheel envlock installed keeps its url and sha256 (direct_url.json);
# one pip installed from a file without a hash gets an empty url and hash, a warning naming it
# and the lock's custom_metadata envlock_pip_url_unknown, never an invented URL. The captured
# lock reads back, verifies the prefix clean at the hashes level, and install refuses the
# entry without a URL (exit 2) rather than guessing.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/install_pip_lib.sh"

serve_both
export ENVLOCK_CACHE_DIR="$scratch/cache"
lock="$scratch/lock.yml"
write_lock v1 "$lock" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
add_pip "$lock" linux-64 "$server_url/pypi" "$srv/pypi" demo-cli demo-data
env="$short_tmp/env"
run "$ENVLOCK" install --lock "$lock" --prefix "$env" --platform linux-64
expect_rc 0
sp="$env/lib/python3.11/site-packages"
# pip itself adds one more, from a local file: its direct_url.json has no hash.
six=$(ls "$srv/pypi/files/"six-*.whl)
/usr/bin/python3 -m pip --isolated install --no-deps --no-index --no-compile --target "$sp" \
  --break-system-packages "$six" >"$scratch/pip.out" 2>&1
[ "$(cat "$sp"/six-*.dist-info/INSTALLER)" = pip ]

out="$scratch/captured/conda-lock.yml"
run "$ENVLOCK" lock --from-prefix "$env" -o "$out" -k lock -k explicit
expect_rc 0
expect_in err "envlock lock: warning: pip six "
expect_in err "locked without url and sha256"
[ "$(grep -c warning "$scratch/err")" = 1 ]
python3 - "$out" "$lock" "$(sha256sum <"$six" | cut -c1-64)" <<'PY'
import sys, yaml
captured, original, six_sha = sys.argv[1:4]
cap = yaml.safe_load(open(captured))
orig = yaml.safe_load(open(original))
pip = {p["name"]: p for p in cap["package"] if p["manager"] == "pip"}
assert sorted(pip) == ["demo-cli", "demo-data", "six"], sorted(pip)
for p in orig["package"]:
    if p["manager"] != "pip":
        continue
    got = pip[p["name"]]
    assert got["url"] == p["url"] and got["hash"] == p["hash"], (got, p)
    assert got["version"] == p["version"] and got["platform"] == "linux-64"
# Not invented: no URL, no hash; the lock says which entries those are.
assert pip["six"]["url"] == "" and pip["six"]["hash"] == {}, pip["six"]
assert six_sha not in open(captured).read()
assert cap["metadata"]["custom_metadata"]["envlock_pip_url_unknown"].startswith("six==")
PY
explicit="$scratch/captured/conda-linux-64.lock"
grep -q "^# pip demo-cli @ $server_url/pypi/files/demo_cli-1.0-py3-none-any.whl#sha256=" "$explicit"
grep -q "^# pip six==.* (url and sha256 unknown)$" "$explicit"

# The captured lock reads back and the prefix matches it, files and hashes included.
run "$ENVLOCK" verify --prefix "$env" --lock "$out" --level hashes
expect_rc 0
expect_in out "3 pip distributions"
# Installing it elsewhere stops at the entry whose wheel is unknown, before any change.
run "$ENVLOCK" install --lock "$out" --prefix "$short_tmp/copy" --platform linux-64
expect_rc 2
expect_in err "six (pip) has no URL to install from"
[ ! -e "$short_tmp/copy" ]
echo PASS
