#!/usr/bin/env bash
# Runs the whole test suite (every cc_test and end-to-end sh_test) and prints one line
# "N passed, N failed", counting Boost.Test cases and end-to-end scripts.
# Extra arguments go to `bazel test` (for example a narrower target pattern).
set -uo pipefail
cd "$(dirname "$0")"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(//...)

env_args=()
if corpus=$(cd ../shared/corpus 2>/dev/null && pwd); then
  env_args+=(--test_env=ENVLOCK_CORPUS="$corpus")
fi
log=$(mktemp)
bazel test "${env_args[@]}" --test_env=BOOST_TEST_REPORT_LEVEL=short "${targets[@]}" 2>&1 | tee "$log"
bazel_rc=${PIPESTATUS[0]}
python3 tests/count_results.py "$log" "$(bazel info bazel-testlogs 2>/dev/null)"
count_rc=$?
rm -f "$log"
# Exit 0 only when Bazel and the count agree that nothing failed.
[ "$bazel_rc" = 0 ] && [ "$count_rc" = 0 ]
