#!/usr/bin/env bash
# `envlock install` into an existing prefix never writes or removes through a folder that was
# replaced by a symlink leading out of the prefix: with site-packages/demo_cli -> a folder
# outside, the repair of demo-cli is refused (exit 2, one line naming the symlink) before
# anything changes, and the outside folder stays empty; verify reports the files found through
# it as type-differs even when their bytes match. A symlink that stays inside the prefix is
# followed as before.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"
source "$(dirname "$0")/install_pip_lib.sh"

serve_both
export ENVLOCK_CACHE_DIR="$scratch/cache"
lock="$scratch/lock.yml"
write_lock v1 "$lock" linux-64 "$server_url/conda" "$srv/conda" "$python_file"
add_pip "$lock" linux-64 "$server_url/pypi" "$srv/pypi" demo-cli
env="$short_tmp/env"
run "$ENVLOCK" install --lock "$lock" --prefix "$env" --platform linux-64
expect_rc 0
site=$(cd "$env" && ls -d lib/python3.11/site-packages)
[ -f "$env/$site/demo_cli/__init__.py" ]

outside="$short_tmp/outside"
mkdir -p "$outside"
rm -rf "${env:?}/$site/demo_cli"
ln -s "$outside" "$env/$site/demo_cli"
snapshot "$env" >"$scratch/before"
run "$ENVLOCK" install --lock "$lock" --prefix "$env" --platform linux-64
expect_rc 2
expect_in err "envlock install: error: $env/$site/demo_cli: a symlink out of the prefix"
expect_in err "refusing to write through it"
[ "$(wc -l <"$scratch/err")" = 1 ]
[ -z "$(ls -A "$outside")" ]
snapshot "$env" >"$scratch/after"
diff "$scratch/before" "$scratch/after"

# verify does not take files found through that symlink for the prefix's, even when they match.
python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" \
  "$(ls "$srv"/pypi/files/demo_cli-1.0-*.whl)" "$scratch/unzipped"
cp -r "$scratch/unzipped/demo_cli/." "$outside/"
run "$ENVLOCK" verify --prefix "$env" --lock "$lock" --level hashes
expect_rc 1
expect_in out "type-differs  $site/demo_cli/__init__.py: reached through $site/demo_cli, a symlink out of the prefix (to $outside)"
rm -rf "${outside:?}"/*

# Inside the prefix: followed (the files land in the folder it names).
rm "$env/$site/demo_cli"
mkdir -p "$env/$site/demo_cli_real"
ln -s demo_cli_real "$env/$site/demo_cli"
run "$ENVLOCK" install --lock "$lock" --prefix "$env" --platform linux-64
expect_rc 0
[ -f "$env/$site/demo_cli_real/__init__.py" ]
[ -z "$(ls -A "$outside")" ]
echo PASS
