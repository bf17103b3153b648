#!/usr/bin/env bash
# Tier 3 throughput of `verify` against `sha256sum` over the same files, and tier 1 time on the
# largest corpus conda-meta prefix against its captured lock. Not a test: prints figures.
#   bazel build -c opt //tools/verify:verify //tools/envlock
#   lib/verify/verify_bench.sh BAZEL_BIN_DIR [MB]     (default 256 MB, in /tmp)
set -euo pipefail
bin=${1:?bazel-bin folder of a -c opt build}
mb=${2:-256}
verify="$bin/tools/verify/verify"
envlock=${ENVLOCK:-$bin/tools/envlock/envlock}  # only captures the locks: any build will do
work=$(mktemp -d /tmp/verify-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix="$work/env"

# One package per 16 files: 64 KiB..8 MiB random files, sizes fixed by a seed.
python3 - "$prefix" "$mb" <<'PY'
import hashlib, json, os, random, sys
prefix, total = sys.argv[1], int(sys.argv[2]) << 20
rng = random.Random(7)
os.makedirs(prefix + "/conda-meta")
written, n, pkg, paths = 0, 0, 0, []
def flush():
    global pkg, paths
    if not paths: return
    name = "pkg%04d" % pkg
    rec = {"name": name, "version": "1.0", "build": "0", "build_number": 0, "subdir": "linux-64",
           "channel": "https://conda.anaconda.org/bench", "fn": name + "-1.0-0.conda",
           "url": "https://conda.anaconda.org/bench/linux-64/%s-1.0-0.conda" % name,
           "md5": "0" * 32, "depends": [], "files": [p["_path"] for p in paths],
           "paths_data": {"paths_version": 1, "paths": paths}}
    json.dump(rec, open("%s/conda-meta/%s-1.0-0.json" % (prefix, name), "w"))
    pkg, paths = pkg + 1, []
while written < total:
    size = rng.choice([64 << 10, 256 << 10, 1 << 20, 8 << 20])
    rel = "share/d%03d/f%05d.bin" % (n % 97, n)
    os.makedirs(os.path.dirname(prefix + "/" + rel), exist_ok=True)
    data = rng.randbytes(size)
    open(prefix + "/" + rel, "wb").write(data)
    h = hashlib.sha256(data).hexdigest()
    paths.append({"_path": rel, "path_type": "hardlink", "sha256": h, "sha256_in_prefix": h,
                  "size_in_bytes": size})
    written += size
    n += 1
    if len(paths) == 16: flush()
flush()
print("prefix: %d files, %.0f MB, %d packages" % (n, written / 1e6, pkg))
PY
"$envlock" lock --from-prefix "$prefix" -o "$work/conda-lock.yml" >/dev/null

seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
best() { local b=999 t; for _ in 1 2 3; do t=$(seconds "$@"); b=$(echo "if ($t < $b) $t else $b" | bc); done; echo "$b"; }

(cd "$prefix" && find share -type f | sort >"$work/files")
cat "$prefix"/share/*/* >/dev/null  # warm the page cache for everyone
bytes=$(du -sb "$prefix/share" | cut -f1)
t_sum=$(cd "$prefix" && best xargs -a "$work/files" sha256sum)
t_v1=$(best "$verify" --prefix "$prefix" --lock "$work/conda-lock.yml" --jobs 1)
t_vn=$(best "$verify" --prefix "$prefix" --lock "$work/conda-lock.yml")
mbps() { echo "scale=0; $bytes / $1 / 1000000" | bc; }
echo "tier 3 (hashes), page cache warm, best of 3:"
echo "  sha256sum (1 thread):        ${t_sum}s  $(mbps "$t_sum") MB/s"
echo "  verify --jobs 1:             ${t_v1}s  $(mbps "$t_v1") MB/s  ratio $(echo "scale=2; $t_sum / $t_v1" | bc)x"
echo "  verify (--jobs $(nproc)):             ${t_vn}s  $(mbps "$t_vn") MB/s  ratio $(echo "scale=2; $t_sum / $t_vn" | bc)x"

corpus=${ENVLOCK_CORPUS:-$(cd "$(dirname "$0")/../../../shared/corpus" && pwd)}
largest=""; most=0
for d in "$corpus"/conda-meta/conda-env_metadata/*/; do
  c=$(ls "$d/conda-meta"/*.json | wc -l)
  if [ "$c" -gt "$most" ]; then most=$c; largest=$d; fi
done
"$envlock" lock --from-prefix "$largest" -o "$work/corpus-lock.yml" >/dev/null
t1=$(best "$verify" --prefix "$largest" --lock "$work/corpus-lock.yml" --level packages)
echo "tier 1 (packages), $(basename "$largest") ($most records, $(du -sh "$largest/conda-meta" | cut -f1)), whole process: ${t1}s"
