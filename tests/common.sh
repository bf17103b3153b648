# Sourced by every end-to-end test: strict mode, an ERR trap that names the failing line,
# the built binaries, a scratch folder, and small assertion helpers.
set -euo pipefail
trap 'echo "FAIL: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR

runfiles="${TEST_SRCDIR:-$PWD}/${TEST_WORKSPACE:-envlock}"
ENVLOCK="$runfiles/tools/envlock/envlock"
scratch="${TEST_TMPDIR:-$(mktemp -d)}/scratch"
rm -rf "$scratch" && mkdir -p "$scratch"

# Absolute path of ../shared/corpus (through a runfile symlink back into the source tree).
corpus_dir() {
  if [ -n "${ENVLOCK_CORPUS:-}" ]; then echo "$ENVLOCK_CORPUS"; return; fi
  local anchor
  anchor=$(readlink -f "$runfiles/lib/testing/workspace_anchor.txt")
  (cd "$(dirname "$anchor")/../../../shared/corpus" && pwd)
}

# run CMD...: runs CMD, keeping its exit code in $rc and its output in $scratch/out, err.
# In a sanitizer build (bash test.sh --sanitize) a report on stderr fails the test whatever the
# exit code was, so a test that expects a failure cannot swallow one.
run() {
  set +e
  "$@" >"$scratch/out" 2>"$scratch/err"
  rc=$?
  set -e
  if [ -n "${ENVLOCK_SANITIZER:-}" ] &&
    grep -qE '^(==[0-9]+==ERROR: |SUMMARY: [A-Za-z]+Sanitizer|WARNING: ThreadSanitizer)|: runtime error: ' \
      "$scratch/err"; then
    echo "FAIL: $ENVLOCK_SANITIZER report from: $*" >&2
    cat "$scratch/err" >&2
    exit 1
  fi
}

expect_rc() {
  if [ "$rc" != "$1" ]; then
    echo "FAIL: expected exit $1, got $rc" >&2
    echo "--- stdout"; cat "$scratch/out"; echo "--- stderr"; cat "$scratch/err"
    exit 1
  fi
}

# expect_in FILE TEXT: FILE (out or err) contains TEXT literally.
expect_in() {
  if ! grep -qF -- "$2" "$scratch/$1"; then
    echo "FAIL: $1 lacks: $2" >&2
    echo "--- $1"; cat "$scratch/$1"
    exit 1
  fi
}

expect_not_in() {
  if grep -qF -- "$2" "$scratch/$1"; then
    echo "FAIL: $1 unexpectedly has: $2" >&2
    cat "$scratch/$1"
    exit 1
  fi
}

# write_hostile_locks DIR: deep.yml and deep.json (nested 100,000 deep) and laughs.yml (a YAML
# alias bomb of 10^10 nodes), for the readers' bounds.
write_hostile_locks() {
  python3 - "$1" <<'PY'
import sys
out = sys.argv[1]
deep = "[" * 100000 + "]" * 100000
open(out + "/deep.yml", "w").write("version: 1\npackage: " + deep + "\n")
open(out + "/deep.json", "w").write('{"lockVersion": 1, "x": ' + deep + "}")
laughs = "version: 1\nmetadata: {}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
for i in range(1, 10):
    laughs += "a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10))
open(out + "/laughs.yml", "w").write(laughs + "package: *a9\n")
PY
}
