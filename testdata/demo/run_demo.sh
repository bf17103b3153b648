#!/usr/bin/env bash
# The bundled demo, run by setup.sh: lock the demo environment against the demo channel (tiny
# real packages built by testdata/make_demo_channel.py), then check the lock offline.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
envlock=$root/bazel-bin/tools/envlock/envlock
channel=$root/bazel-bin/testdata/demo_channel
[ -x "$envlock" ] && [ -d "$channel" ] || { echo "demo: build first (bazel build //...)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/envlock-demo.XXXXXX")
cp testdata/demo/environment.yml "$work/"
cd "$work"
step() { printf '\n$ %s\n' "$*"; "$@"; }

echo "== envlock demo in $work =="
step "$envlock" --version
step "$envlock" lock -f environment.yml -c "file://$channel" -p linux-64 \
  --cache-dir "$work/cache"
step "$envlock" lock -f environment.yml -c "file://$channel" -p linux-64 --check
echo
echo "The lock is $work/conda-lock.yml"
