#!/usr/bin/env bash
# Builds one libFuzzer target with clang (-fsanitize=fuzzer,address,undefined) and runs it live
# on one core. Usage: tools/fuzz.sh TARGET SECONDS [extra libFuzzer flags]
#        tools/fuzz.sh --list
# The build uses its own Bazel output base, so the normal (gcc) build stays cached. Seeds are
# generated from ../shared/corpus (read in place, $ENVLOCK_CORPUS overrides) plus the target's
# saved inputs in fuzz/TARGET/. The growing corpus and any crash files stay in
# $ENVLOCK_FUZZ_WORK/TARGET (default /tmp/envlock-fuzz/TARGET); copy a (minimised) crash into
# fuzz/TARGET/ once it is fixed, so that `bash test.sh` replays it (//fuzz:TARGET_replay).
# Exit status: libFuzzer's (0 when the time ran out without a finding).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(spec_strings environment lock repodata repodata_index conda_meta package_archive
         package_json http_headers export run_state simple_page archive shard)
usage() { echo "usage: tools/fuzz.sh TARGET SECONDS [libFuzzer flags]; targets: ${targets[*]}" >&2; exit 2; }
targets+=(pypi_requirement pypi_wheel)
[ "${1:-}" = "--list" ] && { printf '%s\n' "${targets[@]}"; exit 0; }
[ $# -ge 2 ] || usage
target=$1 seconds=$2
shift 2
[[ " ${targets[*]} " == *" $target "* ]] || usage
[[ "$seconds" =~ ^[0-9]+$ ]] || usage

output_base=${ENVLOCK_FUZZ_OUTPUT_BASE:-$HOME/.cache/envlock-fuzz/$(pwd | md5sum | cut -c1-12)}
bazel --output_base="$output_base" --max_idle_secs=600 build --config=fuzz \
  "//fuzz:${target}_fuzzer" 2>&1 | { grep -v 'ld.gold: warning: Cannot export local symbol' || true; } >&2
binary=$(bazel --output_base="$output_base" --max_idle_secs=600 info --config=fuzz \
  bazel-bin 2>/dev/null)/fuzz/${target}_fuzzer

work=${ENVLOCK_FUZZ_WORK:-/tmp/envlock-fuzz}/$target
corpus=${ENVLOCK_CORPUS:-$(cd ../shared/corpus 2>/dev/null && pwd || echo /nonexistent)}
mkdir -p "$work/corpus" "$work/crashes"
rm -rf "$work/seeds"
python3 tools/fuzz_seeds.py "$target" "$corpus" "$work/seeds"
saved=()
[ -d "fuzz/$target" ] && saved=("fuzz/$target")

echo "fuzzing $target for ${seconds}s with $binary" >&2
echo "corpus $work/corpus, crashes in $work/crashes/ (reproduce: $binary CRASH_FILE)" >&2
exec "$binary" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=262144 \
  -print_final_stats=1 -artifact_prefix="$work/crashes/" "$@" \
  "$work/corpus" "$work/seeds" "${saved[@]}"
