#!/usr/bin/env bash
# The bundled demo, run by setup.sh, on the demo channel (tiny real packages built by
# testdata/make_demo_channel.py): lock, check, install, verify, tamper, verify again, relock
# after an edit and diff the two locks.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
envlock=$root/bazel-bin/tools/envlock/envlock
channel=$root/bazel-bin/testdata/demo_channel
[ -x "$envlock" ] && [ -d "$channel" ] || { echo "demo: build first (bazel build //...)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/envlock-demo.XXXXXX")
cp testdata/demo/environment.yml "$work/"
cd "$work"
export ENVLOCK_CACHE_DIR="$work/cache"
step() { printf '\n$ %s\n' "$*"; "$@"; }
# A step whose non-zero exit is the point (drift found, difference found).
step_expect() {
  local want=$1
  shift
  printf '\n$ %s\n' "$*"
  set +e
  "$@"
  local rc=$?
  set -e
  echo "(exit $rc)"
  [ "$rc" = "$want" ] || { echo "demo: expected exit $want" >&2; exit 1; }
}

echo "== envlock demo in $work =="
step "$envlock" --version
step "$envlock" lock -f environment.yml -c "file://$channel" -p linux-64
step "$envlock" lock -f environment.yml -c "file://$channel" -p linux-64 --check
step "$envlock" install --lock conda-lock.yml --prefix "$work/env" --platform linux-64
step "$envlock" install --lock conda-lock.yml --prefix "$work/env" --platform linux-64
step "$envlock" verify --prefix "$work/env" --lock conda-lock.yml --level hashes

echo; echo "# tamper with one installed file"
printf 'tampered\n' >> "$work/env/lib/pkgconfig/foo.pc"
step_expect 1 "$envlock" verify --prefix "$work/env" --lock conda-lock.yml --level hashes

echo; echo "# pin an older libbar, relock, and review the change"
cp conda-lock.yml conda-lock.before.yml
sed -i 's/  - libbar >=2/  - libbar 2.0.*/' environment.yml
step_expect 1 "$envlock" lock -f environment.yml -c "file://$channel" -p linux-64 --check
step "$envlock" lock -f environment.yml -c "file://$channel" -p linux-64
step_expect 1 "$envlock" diff conda-lock.before.yml conda-lock.yml
echo
echo "demo: done; files are in $work"
