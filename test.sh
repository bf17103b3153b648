#!/usr/bin/env bash
# Runs the whole test suite (every cc_test and end-to-end sh_test) and prints one line
# "N passed, N failed", counting Boost.Test cases and end-to-end scripts.
#   bash test.sh [--sanitize[=asan|tsan]] [TARGET...]
# --sanitize (= asan) builds and runs everything with ASan + UBSan + LSan, --sanitize=tsan with
# ThreadSanitizer (the `asan` / `tsan` configs of .bazelrc, each in its own output tree).
# Other arguments go to `bazel test` (for example a narrower target pattern).
set -uo pipefail
cd "$(dirname "$0")"
config_args=()
targets=()
for arg in "$@"; do
  case "$arg" in
    --sanitize | --sanitize=asan) config_args=(--config=asan) ;;
    --sanitize=tsan) config_args=(--config=tsan) ;;
    --sanitize=*)
      echo "test.sh: error: ${arg}: expected --sanitize, --sanitize=asan or --sanitize=tsan" >&2
      exit 2
      ;;
    *) targets+=("$arg") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(//...)

env_args=()
if corpus=$(cd ../shared/corpus 2>/dev/null && pwd); then
  env_args+=(--test_env=ENVLOCK_CORPUS="$corpus")
fi
log=$(mktemp)
bazel test "${config_args[@]}" "${env_args[@]}" --test_env=BOOST_TEST_REPORT_LEVEL=short \
  "${targets[@]}" 2>&1 | tee "$log"
bazel_rc=${PIPESTATUS[0]}
# A sanitizer config has its own testlogs folder; ask for that one, not the normal build's.
testlogs=$(bazel info "${config_args[@]}" bazel-testlogs 2>/dev/null)
python3 tests/count_results.py "$log" "$testlogs"
count_rc=$?
rm -f "$log"
# Exit 0 only when Bazel and the count agree that nothing failed.
[ "$bazel_rc" = 0 ] && [ "$count_rc" = 0 ]
