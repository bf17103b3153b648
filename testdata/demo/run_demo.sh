#!/usr/bin/env bash
# The bundled demo, run by setup.sh. Grows with each tool.
set -euo pipefail
cd "$(dirname "$0")/../.."
envlock=bazel-bin/tools/envlock/envlock
echo "== envlock demo =="
"$envlock" --version
