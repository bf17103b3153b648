# Sourced after lock_common.sh by the tests/lock_pip*.sh scripts: a stand-in conda channel (the
# demo channel plus repodata records for `pip` and `six`, noarch python packages; lock never
# downloads packages) and the test PyPI index of //testdata/pypi:index, both served on
# 127.0.0.1. start_pip_servers sets $channel_url/$channel_pid and $index_url/$index_pid.
index_dir="$runfiles/testdata/pypi/index"
pip_channel="$scratch/pip_channel"
copy_channel "$pip_channel"
python3 - "$pip_channel/noarch/repodata.json" <<'PY'
import json, sys
path = sys.argv[1]
data = json.load(open(path))
for name, version in (("pip", "23.0.1"), ("six", "1.16.0")):
    data["packages.conda"]["%s-%s-pyhd8ed1ab_0.conda" % (name, version)] = {
        "build": "pyhd8ed1ab_0", "build_number": 0, "depends": ["python >=3.7"],
        "license": "MIT", "md5": "0" * 32, "name": name, "noarch": "python",
        "sha256": "1" * 64, "size": 1000, "subdir": "noarch", "timestamp": 1704067200000,
        "version": version}
json.dump(data, open(path, "w"), indent=1, sort_keys=True)
PY

start_pip_servers() {
  start_server "$pip_channel"
  channel_url=$server_url
  channel_pid=$server_pid
  start_server "$index_dir"
  index_url="$server_url/simple/"
  index_pid=$server_pid
}
start_pip_servers
