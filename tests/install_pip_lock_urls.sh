#!/usr/bin/env bash
# `envlock install` refuses a pip entry it cannot fetch or check as bad input (exit 2, one line,
# before anything is fetched or written): an ftp:// URL (any case), a URL that names no wheel
# (file:///etc/passwd), an entry with an md5 but no sha256. A wheel URL with credentials whose
# bytes are not the lock's sha256 is refused with the credentials redacted.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/install_pip_lib.sh"

serve_both
export ENVLOCK_CACHE_DIR="$scratch/cache"
good="$scratch/good.yml"
write_lock v1 "$good" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
add_pip "$good" linux-64 "$server_url/pypi" "$srv/pypi" six
wheel_url=$(grep -o "url: $server_url/pypi/files/six-[^ ]*" "$good" | cut -c6-)
sha=$(tail -4 "$good" | grep -o '[0-9a-f]\{64\}')
env="$short_tmp/env"

# refused LOCK TEXT: exit 2 with one error line holding TEXT; no prefix made.
refused() {
  run "$ENVLOCK" install --lock "$1" --prefix "$env" --platform linux-64
  expect_rc 2
  expect_in err "envlock install: error: "
  expect_in err "$2"
  [ "$(wc -l <"$scratch/err")" = 1 ]
  [ ! -e "$env" ]
}
# with_pip_url URL HASH-LINE: the good lock with the pip entry's url and hash lines replaced.
with_pip_url() {
  python3 - "$good" "$scratch/bad.yml" "$1" "$2" <<'PY'
import sys
src, out, url, hash_line = sys.argv[1:5]
text = open(src).read()
i = text.rindex("  url: ")  # the pip entry's: appended last
j = text.index("  category:", i)
open(out, "w").write(text[:i] + "  url: " + url + "\n  hash:\n    " + hash_line + "\n" + text[j:])
PY
}

with_pip_url "ftp://example.org/six-1.16.0-py3-none-any.whl" "sha256: $sha"
refused "$scratch/bad.yml" "$scratch/bad.yml: six (pip): unsupported URL scheme 'ftp'"
with_pip_url "FTP://example.org/six-1.16.0-py3-none-any.whl" "sha256: $sha"
refused "$scratch/bad.yml" "six (pip): unsupported URL scheme 'ftp'"
with_pip_url "file:///etc/passwd" "sha256: $sha"
refused "$scratch/bad.yml" "URL does not name a .whl file"
with_pip_url "$wheel_url" "md5: 0123456789abcdef0123456789abcdef"
refused "$scratch/bad.yml" "the lock records no sha256 for this wheel"
other=$(printf '%s' "$sha" | tr '0-9a-f' '1-9a-f0')
with_pip_url "${wheel_url/http:\/\//http://bob:hunter2@}" "sha256: $other"
refused "$scratch/bad.yml" "sha256 mismatch"
expect_not_in err "hunter2"
[ ! -e "$scratch/cache/pkgs/wheels/six-1.16.0-py3-none-any.whl" ] || 
  if grep -rl hunter2 "$scratch/cache"; then echo "FAIL: install_pip_lock_urls.sh:53: expected to fail: grep -rl hunter2 \"\$scratch/cache\"" >&2; exit 1; fi

# The good lock installs.
run "$ENVLOCK" install --lock "$good" --prefix "$env" --platform linux-64
expect_rc 0
echo PASS
