#!/usr/bin/env bash
# `envlock install` refuses a wheel that would write over a file another package of the
# environment installs (exit 2, one line naming the wheel and the path), where pip would
# silently replace it: a .data/scripts/python3.11, a .data/data/lib/python3.11/os.py and a
# console script named python3.11 all land on files of the conda python. Neither a new prefix
# nor an existing one changes; the wheel's own files are still replaced on a reinstall.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/install_pip_lib.sh"

install_good_pip_prefix

for kind in clobber-script clobber-data clobber-entry; do
  mkdir -p "$scratch/$kind"
  wheel=$(hostile_wheel "$kind" "$scratch/$kind")
  lock="$scratch/$kind.yml"
  cp "$good" "$lock"
  add_pip "$lock" linux-64 "$server_url/pypi" "$srv/pypi" "hostile=$wheel"
  case $kind in
    clobber-data) path=lib/python3.11/os.py ;;
    *) path=bin/python3.11 ;;
  esac
  why="hostile 1.0: $path: the wheel would overwrite a file another package installs"
  # Into the existing prefix: refused, nothing changes.
  run "$ENVLOCK" install --lock "$lock" --prefix "$env" --platform linux-64
  expect_rc 2
  expect_in err "envlock install: error: $why"
  [ "$(wc -l <"$scratch/err")" = 1 ]
  snapshot "$env" >"$scratch/after"
  diff "$scratch/before" "$scratch/after"
  # Into a new prefix: refused, no prefix left behind.
  run "$ENVLOCK" install --lock "$lock" --prefix "$short_tmp/fresh" --platform linux-64
  expect_rc 2
  expect_in err "envlock install: error: $why"
  [ "$(wc -l <"$scratch/err")" = 1 ]
  [ ! -e "$short_tmp/fresh" ]
  rm -f "$srv/pypi/files/hostile-1.0-py3-none-any.whl"
  rm -rf "$scratch/cache/pkgs/wheels/hostile-1.0-py3-none-any.whl"
done
run "$ENVLOCK" verify --prefix "$env" --lock "$good" --level hashes
expect_rc 0

# A damaged wheel file is the wheel's own: reinstalling writes over it and verifies clean.
launcher="$env/bin/demo-cli"
[ -f "$launcher" ]
echo "# damaged" >>"$launcher"
run "$ENVLOCK" install --lock "$good" --prefix "$env" --platform linux-64
expect_rc 0
run "$ENVLOCK" verify --prefix "$env" --lock "$good" --level hashes
expect_rc 0
echo PASS
