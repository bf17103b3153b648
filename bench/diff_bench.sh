#!/usr/bin/env bash
# Whole-process time of `diff` on the two pangeo-notebook locks of the corpus (conda-lock v1,
# 4 platforms, about 3,050 entries and 1.4 MB each): the target is under 100 ms. Not a test:
# prints figures (median and best of N runs, wall clock; and CPU time of one run).
#   bazel build -c opt //tools/diff
#   bench/diff_bench.sh BAZEL_BIN_DIR [RUNS]     (default 20 runs, each format once per run)
set -euo pipefail
bin=${1:?bazel-bin folder of a -c opt build}
runs=${2:-20}
diff="$bin/tools/diff/diff"
here=$(cd "$(dirname "$0")/.." && pwd)
pair=${ENVLOCK_CORPUS:-$here/../shared/corpus}/lockfiles/diff-pairs/pangeo-add-virtualizarr
old="$pair/before/pangeo-notebook/conda-lock.yml"
new="$pair/after/pangeo-notebook/conda-lock.yml"

for format in text markdown json; do
  times=()
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$diff" --format "$format" "$old" "$new" >/dev/null || [ $? = 1 ]
    times+=($(( ($(date +%s%N) - start) / 1000 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  printf 'diff --format %-8s  median %6.1f ms  best %6.1f ms  (%d runs)\n' "$format" \
    "$(echo "${sorted[$((runs / 2))]} / 1000" | bc -l)" "$(echo "${sorted[0]} / 1000" | bc -l)" "$runs"
done
timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
/usr/bin/time -q -o "$timing" -f 'one text run: %e s wall, %U s user, %S s sys, %M KB max RSS' \
  "$diff" "$old" "$new" >/dev/null || true
cat "$timing"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
