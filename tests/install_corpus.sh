#!/usr/bin/env bash
# envlock install of real corpus packages over HTTP: zlib as .tar.bz2 (linux-64, and osx-64 with
# binary-mode placeholders; their .conda twins, whose symlinks lost their targets, refused), noarch:python moto and andes next to a locked python;
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

fn=zlib-1.2.11-h7b6447c_3.tar.bz2
write_lock v1 "$scratch/$fn.yml" linux-64 "$server_url" "$chan" "linux-64/$fn"
run "$ENVLOCK" install --lock "$scratch/$fn.yml" --prefix "$short_tmp/$fn" --platform linux-64
expect_rc 0
expect_in out "+ zlib 1.2.11 h7b6447c_3"
grep -qx "prefix=$short_tmp/$fn" "$short_tmp/$fn/lib/pkgconfig/zlib.pc"
verify_hashes "$short_tmp/$fn" "$scratch/$fn.yml" --platform linux-64
# The .conda twins lost their link targets in conversion (symlinks to ""): conda cannot create
# those either; refused, nothing made.
for fn in linux-64/zlib-1.2.11-h7b6447c_3.conda osx-64/zlib-1.2.11-h1de35cc_3.conda; do
  write_lock explicit "$scratch/empty-links.txt" "${fn%%/*}" "$server_url" "$chan" "$fn"
  run "$ENVLOCK" install --lock "$scratch/empty-links.txt" --prefix "$short_tmp/empty-links" --platform "${fn%%/*}"
  expect_rc 2
  expect_in err "symlink with an empty target refused"
  [ "$(wc -l <"$scratch/err")" = 1 ]
  [ ! -e "$short_tmp/empty-links" ]
done

# osx-64: the dylib's binary placeholder becomes the prefix, NUL-padded to the same size.
for fn in zlib-1.2.11-h1de35cc_3.tar.bz2; do
  env="$short_tmp/osx-$fn"
  write_lock explicit "$scratch/$fn.txt" osx-64 "$server_url" "$chan" "osx-64/$fn"
  run "$ENVLOCK" install --lock "$scratch/$fn.txt" --prefix "$env" --platform osx-64 --json
  expect_rc 0
  expect_in out '"relocated": 4'
  dylib="$env/lib/libz.1.2.11.dylib"
  cached="$ENVLOCK_CACHE_DIR/pkgs/zlib-1.2.11-h1de35cc_3/lib/libz.1.2.11.dylib"
  [ "$(stat -c %s "$dylib")" = "$(stat -c %s "$cached")" ]
  grep -qa "_h_env_placehold_placehold" "$cached"
  ! grep -qa "_h_env_placehold_placehold" "$dylib"
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
