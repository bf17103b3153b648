#!/usr/bin/env bash
# envlock install refuses hostile packages, built here by tests/hostile_packages.py and locked
# with their true hashes: names that climb out of conda-meta or disagree with the lock, members
# that are not what paths.json says (a size bomb, a wrong sha256, a total over the cap), paths
# that leave the package, devices, duplicates, overlong names. Each is exit 2 with one line on
# stderr; the installed prefix stays byte for byte as it was, a fresh prefix is never made, and
# nothing appears outside them. A symlink with an empty target is not refused: it is skipped
# with a warning (exit 0), neither created nor recorded.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

chan="$scratch/chan"
python3 "$(dirname "$0")/hostile_packages.py" "$chan"
cp "$demo_channel/linux-64/zlib-1.3.1-h4d5e6f7_0.conda" "$chan/linux-64/"
start_server "$chan"
env="$short_tmp/env"
write_lock v1 "$scratch/base.yml" linux-64 "$server_url" "$chan" linux-64/zlib-1.3.1-h4d5e6f7_0.conda
run "$ENVLOCK" install --lock "$scratch/base.yml" --prefix "$env" --platform linux-64
expect_rc 0
snapshot "$env" >"$scratch/env.before"
# Everything under the scratch folders but the prefix and the package cache.
outside() {
  (cd "$short_tmp" && find . -mindepth 1 -path ./cache -prune -o -path ./env -prune -o -print |
    LC_ALL=C sort)
  ls /tmp | grep -c '^envlock-hostile' || true
}
outside >"$scratch/outside.before"

# refused CASE TEXT [INSTALL ARGS...]: the lock (zlib + CASE) is refused both as an update of
# the installed prefix and as a fresh install, with TEXT in a one-line message.
refused() {
  local case=$1 text=$2
  shift 2
  write_lock v1 "$scratch/$case.yml" linux-64 "$server_url" "$chan" \
    linux-64/zlib-1.3.1-h4d5e6f7_0.conda "linux-64/$case-1.0-0.tar.bz2"
  for prefix in "$env" "$short_tmp/fresh"; do
    run "$ENVLOCK" install --lock "$scratch/$case.yml" --prefix "$prefix" --platform linux-64 "$@"
    expect_rc 2
    expect_in err "envlock install: error: $case-1.0-0: "
    expect_in err "$text"
    [ "$(wc -l <"$scratch/err")" = 1 ] || { echo "FAIL: $case: not one line" >&2; cat "$scratch/err"; exit 1; }
  done
  snapshot "$env" | diff "$scratch/env.before" -
  [ ! -e "$short_tmp/fresh" ]
  outside | diff "$scratch/outside.before" -
}

# 1. Identity: names from index.json are one safe component and what the lock says.
refused name-escape "info/index.json name '../../outside/PWNED' is not a safe file name"
refused version-slash "info/index.json version '1.0/../..' is not a safe file name"
refused other-name "the package says it is zlib-1.0-0, not what the lock names"
# ... and the lock's own names too.
write_lock v1 "$scratch/lock-name.yml" linux-64 "$server_url" "$chan" linux-64/good-1.0-0.tar.bz2
sed -i 's|^- name: good$|- name: ../../outside/PWNED|' "$scratch/lock-name.yml"
grep -q '^- name: ../../outside/PWNED$' "$scratch/lock-name.yml"
run "$ENVLOCK" install --lock "$scratch/lock-name.yml" --prefix "$env" --platform linux-64
expect_rc 2
expect_in err "the lock's name '../../outside/PWNED' is not a safe file name"
snapshot "$env" | diff "$scratch/env.before" -
outside | diff "$scratch/outside.before" -

# 2. Members not as paths.json says; the total size cap (option and environment).
refused size-bomb "member 'lib/bomb': holds more than the 3 bytes that info/paths.json declares"
[ -z "$(find "$ENVLOCK_CACHE_DIR" -size +1M)" ]  # the 32 MiB bomb stopped at its 3 bytes
refused sha-lie "member 'lib/x': sha256 $(printf 'evil bytes\n' | sha256sum | cut -c1-64) differs"
refused paths-json-escape "'../../outside/x' is not a relative path inside the package"
refused size-cap "extracts to more than 4194304 bytes" --max-package-size 4M
ENVLOCK_MAX_PACKAGE_SIZE=4194304 refused size-cap "extracts to more than 4194304 bytes"
run "$ENVLOCK" install --lock "$scratch/size-cap.yml" --prefix "$env" --max-package-size 4X
expect_rc 2
expect_in err "--max-package-size"

# 9. A path component over 255 bytes is a malformed package (exit 2), not an I/O error.
refused long-name "longer than 255 bytes"

# A package file in conda-meta/ (another package's record, the history) is refused.
refused conda-meta-record "'conda-meta/zlib-1.3.1-h4d5e6f7_0.json' is inside conda-meta/"
refused conda-meta-legacy "'conda-meta/history' is inside conda-meta/"

# What install already refused.
refused dotdot "path with a '..' component refused"
refused absolute "absolute path refused"
refused symlink-abs "symlink to the absolute path '/etc/passwd' refused"
refused symlink-up "symlink target '../../outside' leaves the package"
refused symlink-through "would be written through the symlink"
refused hardlink-out "member 'lib/h': absolute path refused"
refused device "device files are not allowed"
refused fifo "fifos are not allowed"
refused duplicate "path appears twice in the archive with different contents"

# A symlink with an empty target: skipped with a warning, the rest installed. In the installed
# prefix, zlib's own lib/libz.so.1 (the same path) stays as it was.
write_lock v1 "$scratch/empty-link.yml" linux-64 "$server_url" "$chan" \
  linux-64/zlib-1.3.1-h4d5e6f7_0.conda linux-64/empty-link-1.0-0.tar.bz2
run "$ENVLOCK" install --lock "$scratch/empty-link.yml" --prefix "$env" --platform linux-64
expect_rc 0
expect_in out "+ empty-link 1.0 0"
expect_in out "warning: empty-link-1.0-0: symlink lib/libz.so.1 has an empty target; not created, not recorded"
[ ! -s "$scratch/err" ]
# Outside conda-meta, the prefix is what it was plus share/ok.txt.
ok_line="F ./share/ok.txt 644 $(printf 'fine\n' | sha256sum | cut -c1-64)"
snapshot "$env" | grep -qxF "$ok_line"
diff <(grep -v -e ' ./conda-meta' -e '^D ./share ' "$scratch/env.before") \
     <(snapshot "$env" | grep -v -e ' ./conda-meta' -e '^D ./share ' | grep -vxF "$ok_line")
python3 - "$env/conda-meta/empty-link-1.0-0.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["files"] == ["share/ok.txt"], r["files"]
assert [p["_path"] for p in r["paths_data"]["paths"]] == ["share/ok.txt"], r["paths_data"]
PY
verify_hashes "$env" "$scratch/empty-link.yml" --platform linux-64
# A fresh prefix, alone and in JSON: nothing at the link's path at all.
write_lock v1 "$scratch/empty-link-only.yml" linux-64 "$server_url" "$chan" linux-64/empty-link-1.0-0.tar.bz2
run "$ENVLOCK" install --lock "$scratch/empty-link-only.yml" --prefix "$short_tmp/fresh" --platform linux-64 --json
expect_rc 0
validate_report "$scratch/out"
expect_in out '"package": "empty-link-1.0-0"'
expect_in out '"path": "lib/libz.so.1"'
[ ! -e "$short_tmp/fresh/lib/libz.so.1" ]
[ ! -L "$short_tmp/fresh/lib/libz.so.1" ]
[ "$(cat "$short_tmp/fresh/share/ok.txt")" = fine ]
verify_hashes "$short_tmp/fresh" "$scratch/empty-link-only.yml" --platform linux-64
[ ! -e /tmp/envlock-hostile-absolute ]
echo PASS
