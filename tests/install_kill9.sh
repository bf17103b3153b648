#!/usr/bin/env bash
# envlock install SIGKILLed at random moments, N times, alternating lock A and lock B into one
# prefix. After each kill the prefix is exactly A or exactly B as a clean install makes them
# (every file's type, mode and sha256, symlink targets, conda-meta identities), or it holds an
# interrupted commit's journal, which the next run must complete; that next run succeeds, leaves
# exactly its lock's prefix, and `verify --level hashes` is clean.
#
#   ENVLOCK_KILL9_N     number of kills (default 8: about 20 s on an idle 2-core machine)
#   ENVLOCK_KILL9_SEED  seed of the kill moments and cache evictions (default 1)
# A failure prints the seed and the iteration, so the run can be repeated exactly.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

n=${ENVLOCK_KILL9_N:-8}
seed=${ENVLOCK_KILL9_SEED:-1}
echo "kill -9 loop: N=$n seed=$seed"

# The demo packages, plus a package with many files in two versions so that staging and the
# commit last long enough for random kills to land in them.
chan="$scratch/chan"
mkdir -p "$chan/linux-64" "$chan/noarch"
cp "$demo_channel"/linux-64/*.conda "$demo_channel"/linux-64/*.tar.bz2 "$chan/linux-64/"
cp "$demo_channel"/noarch/*.conda "$demo_channel"/noarch/*.tar.bz2 "$chan/noarch/"
python3 - "$chan/linux-64" <<'PY'
import hashlib, io, json, sys, tarfile
out = sys.argv[1]
for version in ("1.0", "2.0"):
    # Files only in one version, files in both with other bytes, and files in both unchanged.
    names = ["share/many/d%02d/f%04d.txt" % (i // 100, i) for i in range(500)]
    names += ["share/many/only-%s/f%03d.txt" % (version, i) for i in range(50)]
    files = [(p, (("%s " % version) if i % 3 else "same ").encode() + p.encode() + b"\n")
             for i, p in enumerate(names)]
    index = {"name": "manyfiles", "version": version, "build": "0", "build_number": 0,
             "depends": [], "subdir": "linux-64", "license": "MIT"}
    paths = {"paths_version": 1, "paths": [
        {"_path": p, "path_type": "hardlink", "sha256": hashlib.sha256(d).hexdigest(),
         "size_in_bytes": len(d)} for p, d in files]}
    with tarfile.open("%s/manyfiles-%s-0.tar.bz2" % (out, version), "w:bz2", compresslevel=1) as t:
        for name, data in [("info/index.json", json.dumps(index).encode()),
                           ("info/paths.json", json.dumps(paths).encode())] + files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
PY

start_server "$chan"
# A and B differ in every way an update can: upgraded, rebuilt, removed, added, a format change
# (.tar.bz2 ↔ .conda), a noarch python package, and 550 files of one package.
write_lock v1 "$scratch/a.yml" linux-64 "$server_url" "$chan" \
  linux-64/python-3.12.1-h0a1b2c3_0_cpython.conda linux-64/zlib-1.3.0-h4d5e6f7_0.conda \
  linux-64/libfoo-1.2.0-h1234567_0.conda linux-64/demo-tool-0.3.0-hfedcba9_0.conda \
  noarch/demo-data-2024.1-h0000000_0.tar.bz2 noarch/demo-py-1.0.0-pyh7654321_0.conda \
  linux-64/manyfiles-1.0-0.tar.bz2
write_lock v1 "$scratch/b.yml" linux-64 "$server_url" "$chan" \
  linux-64/python-3.12.1-h0a1b2c3_0_cpython.conda linux-64/zlib-1.3.1-h4d5e6f7_0.tar.bz2 \
  linux-64/libfoo-1.2.0-h1234567_1.conda linux-64/demo-tool-0.4.0-hfedcba9_0.conda \
  linux-64/libbar-2.1.0-h89abcde_0.conda noarch/demo-py-1.1.0-pyh7654321_0.conda \
  linux-64/manyfiles-2.0-0.tar.bz2
env="$short_tmp/env"

# state PREFIX: one line per entry, sorted: type, mode and sha256 of files, symlink targets,
# folders, and each conda-meta record's identity and file list. conda-meta/history (a log that
# grows with every run) and the transaction folder conda-meta/.envlock-txn are left out.
state() {
  python3 - "$1" <<'PY'
import hashlib, json, os, stat, sys
prefix = sys.argv[1]
lines = []
for root, dirs, files in os.walk(prefix):
    rel_root = os.path.relpath(root, prefix)
    if rel_root == "conda-meta":
        dirs[:] = [d for d in dirs if d != ".envlock-txn"]
    for name in dirs + files:
        path = os.path.join(root, name)
        rel = os.path.normpath(os.path.join(rel_root, name))
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            lines.append("L %s -> %s" % (rel, os.readlink(path)))
        elif stat.S_ISDIR(st.st_mode):
            lines.append("D %s %o" % (rel, stat.S_IMODE(st.st_mode)))
        elif rel == "conda-meta/history":
            continue
        elif rel_root == "conda-meta" and name.endswith(".json"):
            r = json.load(open(path))
            ident = " ".join(str(r.get(k)) for k in ("name", "version", "build", "url", "sha256", "md5"))
            lines.append("M %s %s files=%s" % (rel, ident, hashlib.sha256(
                "\n".join(sorted(r.get("files", []))).encode()).hexdigest()[:16]))
        else:
            digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
            lines.append("F %s %o %s" % (rel, stat.S_IMODE(st.st_mode), digest))
print("\n".join(sorted(lines)))
PY
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# The reference prefixes: clean installs of A and of B, at the path the loop uses (relocated
# files contain the prefix path).
run "$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$env" --platform linux-64
expect_rc 0
state "$env" >"$scratch/ref-a"
# Also measures how long an update takes, for the range of kill moments.
t0=$(now_ms)
run "$ENVLOCK" install --lock "$scratch/b.yml" --prefix "$env" --platform linux-64
expect_rc 0
update_ms=$(( $(now_ms) - t0 ))
state "$env" >"$scratch/updated-b"
rm -rf "$env"
run "$ENVLOCK" install --lock "$scratch/b.yml" --prefix "$env" --platform linux-64
expect_rc 0
state "$env" >"$scratch/ref-b"
# An update ends exactly where a clean install does; A and B are really different.
diff "$scratch/ref-b" "$scratch/updated-b"
if cmp -s "$scratch/ref-a" "$scratch/ref-b"; then echo "FAIL: install_kill9.sh:115: expected to fail: cmp -s \"\$scratch/ref-a\" \"\$scratch/ref-b\"" >&2; exit 1; fi
[ "$(grep -c '^F share/many/' "$scratch/ref-a")" = 550 ]
rm -rf "$env"
run "$ENVLOCK" install --lock "$scratch/a.yml" --prefix "$env" --platform linux-64
expect_rc 0
echo "an update takes ${update_ms} ms; kills land in [0, $(( update_ms * 13 / 10 + 20 ))] ms"

# The plan, from the seed: per iteration a kill moment (ms), whether to evict cached packages
# first (then the kill may land in a download or an extraction), and whether the moment counts
# from the start ("any") or, scaled down 100 times, from the commit's journal ("commit": a
# uniform moment rarely falls inside the short commit).
python3 - "$seed" "$n" "$(( update_ms * 13 / 10 + 20 ))" >"$scratch/plan" <<'PY'
import random, sys
seed, n, top = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
for i in range(n):
    print(r.randint(0, top), r.choice(["keep", "keep", "keep", "evict"]),
          r.choice(["any", "any", "commit"]))
PY

current=a
declare -A outcomes=([old]=0 [new]=0 [journal]=0 [finished]=0)
i=0
while read -r delay cache moment <&3; do
  i=$((i + 1))
  target=$([ "$current" = a ] && echo b || echo a)
  where="iteration $i (seed $seed, $current -> $target, kill at ${delay} ms, $moment, cache $cache)"
  if [ "$cache" = evict ]; then
    rm -rf "$ENVLOCK_CACHE_DIR"/pkgs/manyfiles-* "$ENVLOCK_CACHE_DIR"/pkgs/libfoo-*
  fi
  "$ENVLOCK" install --lock "$scratch/$target.yml" --prefix "$env" --platform linux-64 \
    </dev/null >"$scratch/killed.out" 2>&1 &
  pid=$!
  if [ "$moment" = commit ]; then
    # Wait for the commit's journal, then kill within the next `delay` / 100 ms.
    python3 - "$pid" "$env/conda-meta/.envlock-txn/journal.json" "$delay" <<'PY'
import os, signal, sys, time
pid, path, delay = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) / 100000.0
def running():  # bash may reap the finished install before its `wait`
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
while running() and not os.path.exists(path):
    time.sleep(0.0005)
time.sleep(delay)
try:
    os.kill(pid, signal.SIGKILL)
except ProcessLookupError:
    pass
PY
  else
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
  fi
  status=0
  wait "$pid" 2>/dev/null || status=$?

  if [ "$status" = 0 ]; then
    outcome=finished
  elif [ "$status" != 137 ]; then
    echo "FAIL: $where: install exited $status before the kill" >&2
    cat "$scratch/killed.out" >&2
    exit 1
  elif [ -e "$env/conda-meta/.envlock-txn/journal.json" ]; then
    outcome=journal
  else
    state "$env" >"$scratch/now"
    if cmp -s "$scratch/now" "$scratch/ref-$current"; then
      outcome=old
    elif cmp -s "$scratch/now" "$scratch/ref-$target"; then
      outcome=new
    else
      echo "FAIL: $where: the prefix is neither A nor B, and no journal says why" >&2
      diff "$scratch/ref-$current" "$scratch/now" | head -20 >&2 || true
      exit 1
    fi
  fi
  outcomes[$outcome]=$((outcomes[$outcome] + 1))
  echo "$where: $outcome"

  # The next run completes whatever was left and ends at exactly the target.
  run "$ENVLOCK" install --lock "$scratch/$target.yml" --prefix "$env" --platform linux-64
  if [ "$rc" != 0 ]; then echo "FAIL: $where: the rerun failed" >&2; fi
  expect_rc 0
  if [ "$outcome" = journal ]; then expect_in out "note: an interrupted install was"; fi
  state "$env" >"$scratch/now"
  if ! cmp -s "$scratch/now" "$scratch/ref-$target"; then
    echo "FAIL: $where: after the rerun the prefix is not exactly the target" >&2
    diff "$scratch/ref-$target" "$scratch/now" | head -20 >&2 || true
    exit 1
  fi
  verify_hashes "$env" "$scratch/$target.yml" --platform linux-64
  [ ! -e "$env/conda-meta/.envlock-txn" ]
  [ -z "$(ls -d "$env".envlock-tmp-* 2>/dev/null)" ]
  current=$target
done 3<"$scratch/plan"

[ "$i" = "$n" ]
echo "outcomes: ${outcomes[old]} before the change, ${outcomes[journal]} inside the commit," \
  "${outcomes[new]} after it, ${outcomes[finished]} finished before the kill"
echo PASS
