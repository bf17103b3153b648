#!/usr/bin/env bash
# `lock` on a request no build can meet (python=3.6 pytorch torchvision on the real pytorch
# channel and conda's 2018 pkgs/main, which lack cudatoolkit, pillow, ...): exit 3, one
# `error:` line, then the conflict grouped by name and version range in a screenful, naming
# the missing packages; --verbose lists every build. Output is the same on every run.
source "$(dirname "$0")/lock_common.sh"

corpus=$(corpus_dir)/repodata
channels="$scratch/channels"
# The corpus files as channel folders (one repodata.json per subdir), as conda serves them.
python3 - "$corpus" "$channels" <<'PY'
import json, os, sys
corpus, out = sys.argv[1], sys.argv[2]
def write(channel, files):
    by_subdir = {"noarch": {}}
    for f in files:
        data = json.load(open(os.path.join(corpus, f)))
        records = (list(data.get("packages", {}).items()) + list(data.get("packages.conda", {}).items())
                   if "packages" in data else list(data.items()))
        fallback = (data.get("info") or {}).get("subdir")
        for fn, r in records:
            subdir = r.get("subdir") or fallback
            if subdir in ("linux-64", "noarch"):
                by_subdir.setdefault(subdir, {})[fn] = r
    for subdir, records in by_subdir.items():
        os.makedirs(os.path.join(out, channel, subdir), exist_ok=True)
        repo = {"info": {"subdir": subdir}, "packages": {}, "packages.conda": {}}
        for fn, r in records.items():
            repo["packages.conda" if fn.endswith(".conda") else "packages"][fn] = r
        json.dump(repo, open(os.path.join(out, channel, subdir, "repodata.json"), "w"))
write("pytorch", ["rattler__pytorch_linux-64.repodata.json"])
write("main", ["conda__main_noarch.repodata.json", "conda__index4.legacy-dict.json"])
PY
env="$scratch/environment.yml"
printf 'channels: [pytorch]\ndependencies:\n  - python=3.6\n  - pytorch\n  - torchvision\n' >"$env"
mkdir -p "$scratch/lockdir"
lock_it() {
  run "$LOCK" -f "$env" -c "file://$channels/pytorch" -c "file://$channels/main" -p linux-64 \
    -o "$scratch/lockdir/conda-lock.yml" --cache-dir "$scratch/cache" "$@"
}

lock_it
expect_rc 3
[ ! -s "$scratch/out" ]
lines=$(wc -l <"$scratch/err")
[ "$lines" -le 30 ] || { echo "FAIL: $lines lines"; cat "$scratch/err"; exit 1; }
[ "$(grep -c 'error:' "$scratch/err")" = 1 ]
head -n1 "$scratch/err" | grep -qxF "envlock lock: error: linux-64: the specs cannot be satisfied:"
expect_in err "  requested torchvision"
expect_in err "  requested pytorch"
# Grouped: one line per name and missing dependency, with the version range and build count.
expect_in err "  torchvision 0.6.1 to 0.13.1 (185 builds) need cudatoolkit (>=10.1,<10.2 | >=10.2,<10.3 | >=11.0,<11.1 | 5 more), which no channel provides"
expect_in err "  pytorch 1.5.1 to 1.12.1 (165 builds) need cudatoolkit ("
expect_in err "need pillow ("
expect_in err "  pytorch 1.7.0 to 1.11.0 (28 builds) need libuv >=1.40.0,<2.0a0, which no channel provides"
expect_not_in err "needed by torchvision-0.10.0-py36_cpu"
cp "$scratch/err" "$scratch/first"
lock_it
cmp "$scratch/err" "$scratch/first"

# --verbose: every build, as libsolv reports it.
lock_it --verbose
expect_rc 3
[ "$(wc -l <"$scratch/err")" -gt 500 ]
expect_in err "  nothing provides pillow >=5.3.0 needed by torchvision-0.10.0-py36_cpu"
[ ! -e "$scratch/lockdir/conda-lock.yml" ]
echo PASS
