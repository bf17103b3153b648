#!/usr/bin/env bash
# --exclude-newer DATE: records published after DATE are not locked. The demo channel's records
# all carry 2024-01-01; a copy dates the newest builds later.
source "$(dirname "$0")/lock_common.sh"

copy_channel "$scratch/channel"
python3 - "$scratch/channel" <<'PY'
import json, sys
later = {("python", "3.12.2"): 1717200000000,    # 2024-06-01
         ("libbar", "2.1.0"): 1717200000000,
         ("demo-tool", "0.4.0"): 1717200000000,
         ("demo-py", "1.1.0"): 1706749200000}    # 2024-02-01T01:00:00Z
for subdir in ("linux-64", "noarch"):
    path = "%s/%s/repodata.json" % (sys.argv[1], subdir)
    repodata = json.load(open(path))
    for key in ("packages", "packages.conda"):
        for record in repodata[key].values():
            stamp = later.get((record["name"], record["version"]))
            if stamp:
                record["timestamp"] = stamp
    json.dump(repodata, open(path, "w"), indent=1)
PY
start_server "$scratch/channel"
lock_at() {
  rm -f "$scratch/conda-lock.yml"
  run "$LOCK" -f "$DEMO_ENV" -c "$server_url" -p linux-64 -o "$scratch/conda-lock.yml" \
    --cache-dir "$scratch/cache" "$@"
}

lock_at
expect_rc 0
expect_in out "  + python 3.12.2 h0a1b2c3_0_cpython"
expect_in out "  + demo-tool 0.4.0 hfedcba9_0"
newest=$(locked "$scratch/conda-lock.yml")

lock_at --exclude-newer 2024-03-01
expect_rc 0
expect_in out "  + python 3.12.1 h0a1b2c3_0_cpython"
expect_in out "  + libbar 2.0.0 h89abcde_0"
expect_in out "  + demo-tool 0.3.0 hfedcba9_0"
expect_in out "  + demo-py 1.1.0 pyh7654321_0"
[ "$(locked "$scratch/conda-lock.yml")" != "$newest" ]

# A date is midnight UTC; a time is inclusive to the second.
lock_at --exclude-newer 2024-02-01
expect_rc 0
expect_in out "  + demo-py 1.0.0 pyh7654321_0"
lock_at --exclude-newer 2024-02-01T00:59:59Z
expect_rc 0
expect_in out "  + demo-py 1.0.0 pyh7654321_0"
lock_at --exclude-newer 2024-02-01T01:00:00Z
expect_rc 0
expect_in out "  + demo-py 1.1.0 pyh7654321_0"

# A date after every record changes nothing; one before every record leaves nothing to lock.
lock_at --exclude-newer 2030-01-01
expect_rc 0
[ "$(locked "$scratch/conda-lock.yml")" = "$newest" ]
lock_at --exclude-newer 2023-12-31
expect_rc 3
expect_in err "nothing provides requested python 3.12.* (every 'python' record is newer than the exclude-newer date)"
[ ! -e "$scratch/conda-lock.yml" ]
echo PASS
