#!/usr/bin/env bash
# envlock install of real corpus packages over HTTP: zlib as .conda and .tar.bz2 (linux-64, and
# osx-64 with binary-mode placeholders; the .conda twins' symlinks to "" skipped with a warning),
# noarch:python moto and andes next to a locked python;
# every file's hash matches its record (envlock verify --level hashes).
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

corpus=$(corpus_dir)/packages
# One channel folder for the server: corpus packages and the demo python side by side.
chan="$scratch/chan"
mkdir -p "$chan/linux-64" "$chan/osx-64" "$chan/noarch"
cp "$corpus"/conda_format_repo/linux-64/zlib-1.2.11-h7b6447c_3.* "$chan/linux-64/"
cp "$corpus"/conda_format_repo/osx-64/zlib-1.2.11-h1de35cc_3.* "$chan/osx-64/"
cp "$corpus/legacy_repodata/noarch/moto-1.3.7-py_0.tar.bz2" "$corpus/rattler/andes-1.8.3-pyhd8ed1ab_0.conda" "$chan/noarch/"
cp "$demo_channel/linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda" "$chan/linux-64/"
start_server "$chan"

# The .conda twins lost their library symlinks' targets in conversion (links to ""), the
# .tar.bz2 files hold empty files there: the links are skipped with a warning, not recorded.
for fn in zlib-1.2.11-h7b6447c_3.conda zlib-1.2.11-h7b6447c_3.tar.bz2; do
  write_lock v1 "$scratch/$fn.yml" linux-64 "$server_url" "$chan" "linux-64/$fn"
  run "$ENVLOCK" install --lock "$scratch/$fn.yml" --prefix "$short_tmp/$fn" --platform linux-64
  expect_rc 0
  expect_in out "+ zlib 1.2.11 h7b6447c_3"
  if [ "${fn##*.}" = conda ]; then
    # A warning line each, with the report on stdout; nothing on stderr.
    for link in lib/libz.so lib/libz.so.1; do
      expect_in out "warning: zlib-1.2.11-h7b6447c_3: symlink $link has an empty target; not created, not recorded"
    done
    [ "$(grep -c '^warning:' "$scratch/out")" = 2 ]
    [ ! -s "$scratch/err" ]
  else
    expect_not_in out "warning:"  # the .tar.bz2's empty files are files: nothing skipped
  fi
  grep -qx "prefix=$short_tmp/$fn" "$short_tmp/$fn/lib/pkgconfig/zlib.pc"
  verify_hashes "$short_tmp/$fn" "$scratch/$fn.yml" --platform linux-64
done
env="$short_tmp/zlib-1.2.11-h7b6447c_3.conda"
record="$env/conda-meta/zlib-1.2.11-h7b6447c_3.json"
for link in lib/libz.so lib/libz.so.1; do
  [ ! -e "$env/$link" ]
  [ ! -L "$env/$link" ]
  [ "$(grep -c "\"$link\"" "$record" || true)" = 0 ]
  [ -f "$short_tmp/zlib-1.2.11-h7b6447c_3.tar.bz2/$link" ]
  [ "$(grep -c "\"$link\"" "$short_tmp/zlib-1.2.11-h7b6447c_3.tar.bz2/conda-meta/zlib-1.2.11-h7b6447c_3.json")" = 2 ]
done
# Both archive formats give the same files but those two empty ones.
diff <(cd "$env" && find . -path ./conda-meta -prune -o -type f -print | LC_ALL=C sort | grep -v zlib.pc | xargs sha256sum) \
     <(cd "$short_tmp/zlib-1.2.11-h7b6447c_3.tar.bz2" && find . -path ./conda-meta -prune -o -type f -print | LC_ALL=C sort | grep -v zlib.pc | grep -vx './lib/libz.so\|./lib/libz.so.1' | xargs sha256sum)

# osx-64: the dylib's binary placeholder becomes the prefix, NUL-padded to the same size. The
# .tar.bz2's two empty files are "relocated" too (paths.json lists them with a placeholder);
# the .conda skips those links and names them in the JSON report.
for fn in zlib-1.2.11-h1de35cc_3.tar.bz2 zlib-1.2.11-h1de35cc_3.conda; do
  env="$short_tmp/osx-$fn"
  write_lock explicit "$scratch/$fn.txt" osx-64 "$server_url" "$chan" "osx-64/$fn"
  run "$ENVLOCK" install --lock "$scratch/$fn.txt" --prefix "$env" --platform osx-64 --json
  expect_rc 0
  validate_report "$scratch/out"
  if [ "${fn##*.}" = conda ]; then
    expect_in out '"relocated": 2'
    python3 - "$scratch/out" <<'PY'
import json, sys
assert json.load(open(sys.argv[1]))["empty_symlinks_skipped"] == [
    {"package": "zlib-1.2.11-h1de35cc_3", "path": "lib/libz.1.dylib"},
    {"package": "zlib-1.2.11-h1de35cc_3", "path": "lib/libz.dylib"},
], open(sys.argv[1]).read()
PY
    for link in lib/libz.1.dylib lib/libz.dylib; do
      [ ! -e "$env/$link" ]
      [ ! -L "$env/$link" ]
      [ "$(grep -c "\"$link\"" "$env/conda-meta/zlib-1.2.11-h1de35cc_3.json" || true)" = 0 ]
    done
  else
    expect_in out '"relocated": 4'
    expect_in out '"empty_symlinks_skipped": []'
  fi
  dylib="$env/lib/libz.1.2.11.dylib"
  cached="$ENVLOCK_CACHE_DIR/pkgs/zlib-1.2.11-h1de35cc_3/lib/libz.1.2.11.dylib"
  [ "$(stat -c %s "$dylib")" = "$(stat -c %s "$cached")" ]
  grep -qa "_h_env_placehold_placehold" "$cached"
  [ "$(grep -ca "_h_env_placehold_placehold" "$dylib" || true)" = 0 ]
  LC_ALL=C grep -qaP "\Q$env\E/lib[^\x00]*\x00\x00\x00" "$dylib"
  [ "$(stat -c %h "$dylib")" = 1 ]  # a relocated copy, not a link into the cache
  verify_hashes "$env" "$scratch/$fn.txt" --platform osx-64
done

# noarch:python: site-packages of the locked python, entry points in bin/.
write_lock v1 "$scratch/py.yml" linux-64 "$server_url" "$chan" \
  linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda noarch/moto-1.3.7-py_0.tar.bz2 \
  noarch/andes-1.8.3-pyhd8ed1ab_0.conda
env="$short_tmp/py"
run "$ENVLOCK" install --lock "$scratch/py.yml" --prefix "$env" --platform linux-64
expect_rc 0
[ -f "$env/lib/python3.12/site-packages/moto/__init__.py" ]
[ -f "$env/lib/python3.12/site-packages/andes/__init__.py" ]
[ "$(head -1 "$env/bin/moto_server")" = "#!$env/bin/python" ]
grep -q "from moto.server import main" "$env/bin/moto_server"
[ -x "$env/bin/andes" ]
grep -q '"path_type": "unix_python_entry_point"' "$env/conda-meta/moto-1.3.7-py_0.json"
verify_hashes "$env" "$scratch/py.yml" --platform linux-64

# Without a python in the lock there is no site-packages to choose: refused, nothing made.
write_lock v1 "$scratch/nopy.yml" linux-64 "$server_url" "$chan" noarch/moto-1.3.7-py_0.tar.bz2
run "$ENVLOCK" install --lock "$scratch/nopy.yml" --prefix "$short_tmp/nopy" --platform linux-64
expect_rc 2
expect_in err "moto-1.3.7-py_0: noarch: python package, but the lock has no python"
[ ! -e "$short_tmp/nopy" ]
echo PASS
