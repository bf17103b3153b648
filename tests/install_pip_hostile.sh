#!/usr/bin/env bash
# `envlock install` refuses hostile or inconsistent wheels with exit 2 and one error line, and
# leaves the prefix as it was (an existing one byte for byte, a new one absent): a wheel whose
# bytes are not the lock's sha256, a ../ member, an absolute member, a RECORD naming a file
# outside site-packages, a member whose bytes differ from RECORD, a member RECORD does not
# list, a METADATA without Version, a wheel of another name than the lock's.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/install_pip_lib.sh"

install_good_pip_prefix

# refused LOCK TEXT: install into the existing prefix and into a new one fails with exit 2,
# naming TEXT; neither prefix changes.
refused() {
  run "$ENVLOCK" install --lock "$1" --prefix "$env" --platform linux-64
  expect_rc 2
  expect_in err "envlock install: error: "
  expect_in err "$2"
  [ "$(wc -l <"$scratch/err")" = 1 ]
  snapshot "$env" >"$scratch/after"
  diff "$scratch/before" "$scratch/after"
  run "$ENVLOCK" install --lock "$1" --prefix "$short_tmp/fresh" --platform linux-64
  expect_rc 2
  expect_in err "$2"
  [ ! -e "$short_tmp/fresh" ]
  ls "$short_tmp" | grep -v '^env$' | grep -q . && { ls -la "$short_tmp"; exit 1; } || true
}

# The lock's sha256 is another file's: the download is refused before use.
bad_hash="$scratch/bad_hash.yml"
write_lock v1 "$bad_hash" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
add_pip "$bad_hash" linux-64 "$server_url/pypi" "$srv/pypi" demo-data
other=$(sha256sum "$srv/pypi/files/"demo_cli-1.0-*.whl | cut -c1-64)
python3 - "$bad_hash" "$other" <<'PY'
import sys
path, other = sys.argv[1:3]
text = open(path).read()
i = text.rindex("sha256: ")  # the pip entry's: appended last
open(path, "w").write(text[:i] + "sha256: " + other + text[i + 8 + 64:])
PY
grep -q "$other" "$bad_hash"
refused "$bad_hash" "$other"

for kind in dotdot absolute record-outside record-hash unlisted metadata; do
  mkdir -p "$scratch/$kind"
  wheel=$(hostile_wheel "$kind" "$scratch/$kind")
  lock="$scratch/$kind.yml"
  write_lock v1 "$lock" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
  add_pip "$lock" linux-64 "$server_url/pypi" "$srv/pypi" "hostile=$wheel"
  case $kind in
    dotdot | absolute) why="unsafe member path" ;;
    record-outside) why="outside site-packages" ;;
    record-hash) why="differs from the wheel's RECORD" ;;
    unlisted) why="gives no sha256 for hostile/sneaky.py" ;;
    metadata) why="METADATA" ;;
  esac
  refused "$lock" "$why"
  rm -f "$srv/pypi/files/hostile-1.0-py3-none-any.whl"
  rm -rf "$scratch/cache/pkgs/wheels/hostile-1.0-py3-none-any.whl"
done
[ ! -e "$short_tmp/escaped.txt" ] && [ ! -e /tmp/hostile-absolute.txt ]

# The wheel is not what the lock names.
renamed="$scratch/renamed.yml"
write_lock v1 "$renamed" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
add_pip "$renamed" linux-64 "$server_url/pypi" "$srv/pypi" demo-cli
sed -i 's/^- name: demo-cli$/- name: demo-other/' "$renamed"
refused "$renamed" "the wheel is demo-cli, not demo-other"
echo PASS
