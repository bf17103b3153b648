#!/usr/bin/env bash
# What the pip: section cannot lock: an sdist-only project and a conflict are unsatisfiable
# (exit 3, naming the project and the requirement chain); lines pip accepts but a lock cannot
# honour (-e, -r, VCS, URLs, paths, unknown options) are input errors at file:line:column
# (exit 2), found before anything is fetched; no lock is written.
source "$(dirname "$0")/lock_common.sh"
source "$(dirname "$0")/pip_common.sh"

env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"
write_env() {  # write_env PIP-LINE...
  {
    echo "channels:"
    echo "  - $channel_url"
    echo "dependencies:"
    echo "  - python=3.11"
    echo "  - pip"
    echo "  - pip:"
    echo "    - --index-url $index_url"
    local l
    for l in "$@"; do echo "    - $l"; done
  } >"$env"
}
lock_it() { run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache"; }

write_env "requests" "demo-sdist-only"
lock_it
expect_rc 3
expect_in err "linux-64: the specs cannot be satisfied"
expect_in err "demo-sdist-only 1.0: only source distributions (demo_sdist_only-1.0.tar.gz); envlock locks wheels only"
expect_in err "$env:9:7 'demo-sdist-only'"
[ ! -e "$lock" ]

write_env "demo-conflict-a" "demo-conflict-b"
lock_it
expect_rc 3
expect_in err "no version of demo-shared fits every requirement on it"
expect_in err "$env:8:7 'demo-conflict-a' -> demo-conflict-a 1.0 requires 'demo-shared>=2'"
expect_in err "$env:9:7 'demo-conflict-b' -> demo-conflict-b 1.0 requires 'demo-shared<2'"
[ ! -e "$lock" ]

write_env "demo-versions>=1.2,<2"  # 1.3.0 needs python 3.12; 1.2.x are yanked
lock_it
expect_rc 3
expect_in err "demo-versions 1.3.0: Requires-Python '>=3.12' excludes python 3.11.8"
expect_in err "demo-versions 1.2.1: yanked"

# Lines a lock cannot honour: exit 2 at the line, before any fetch (the servers are stopped).
stop_server "$channel_pid"
stop_server "$index_pid"
check_line() {  # check_line LINE EXPECTED-WHY
  write_env "requests" "$1"
  lock_it
  expect_rc 2
  expect_in err "envlock lock: error: $env:9:7: pip line '$1': $2"
  [ ! -e "$lock" ]
}
check_line "-e ." "editable installs cannot be locked"
check_line "--editable ./src" "editable installs cannot be locked"
check_line "-r requirements.txt" "requirement and constraint files are not read"
check_line "git+https://github.com/psf/requests.git@v2.31.0" "VCS requirements cannot be locked"
check_line "requests @ git+https://github.com/psf/requests" "VCS requirements are not supported"
check_line "pkg @ https://example.org/pkg-1.0-py3-none-any.whl" "direct URL requirements are not supported"
check_line "https://example.org/pkg-1.0.tar.gz" "URL requirements are not supported"
check_line "./dist/pkg-1.0-py3-none-any.whl" "local paths and archives are not supported"
check_line "--prefer-binary" "pip option not supported in a lock"
check_line "--extra-index-url http://127.0.0.1:9/simple/ --pre" "a URL holds no space (one option per pip: line)"
check_line "requests >>= 2" "not a PEP 508 requirement"
write_env "requests" '""'
lock_it
expect_rc 2
expect_in err "envlock lock: error: $env:9:7: pip line '': an empty requirement"
[ ! -e "$lock" ]
# A credential in a refused line is not echoed.
write_env "git+https://bob:hunter2@example.org/r.git"
lock_it
expect_rc 2
expect_not_in err "hunter2"
# Nor in the parser's own words about a line that is not PEP 508.
write_env "six[x @ http://bob:hunter2@example.org/six-1.0-py3-none-any.whl"
lock_it
expect_rc 2
expect_in err "not a PEP 508 requirement"
expect_not_in err "hunter2"
echo PASS
