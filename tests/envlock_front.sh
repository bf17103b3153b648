#!/usr/bin/env bash
# The `envlock` front: --version, --help, unknown tool.
source "$(dirname "$0")/common.sh"

run "$ENVLOCK" --version
expect_rc 0
expect_in out "envlock 0."

run "$ENVLOCK" --help
expect_rc 0
expect_in out "usage: envlock <tool>"

run "$ENVLOCK" frobnicate
expect_rc 2
expect_in err "envlock: error: unknown tool 'frobnicate'"

run "$ENVLOCK"
expect_rc 2
echo PASS
