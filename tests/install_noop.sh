#!/usr/bin/env bash
# envlock install on a prefix that already matches its lock: exit 0, "already up to date",
# nothing in the prefix touched (contents, inodes and mtimes unchanged).
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

write_lock v1 "$scratch/conda-lock.yml" linux-64 "file://$demo_channel" "$demo_channel" "${demo_env[@]}"
env="$short_tmp/env"
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --prefix "$env" --platform linux-64
expect_rc 0
stamp() { (cd "$env" && find . | LC_ALL=C sort | xargs stat -c '%n %i %Y.%y %s %a'); }
stamp >"$scratch/before"
snapshot "$env" >"$scratch/before.sums"
sleep 1.1  # a rewrite would now show in whole-second mtimes too

run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --prefix "$env" --platform linux-64
expect_rc 0
expect_in out "$env: already up to date"
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --prefix "$env" --platform linux-64 --json --offline --pkgs-dir "$scratch/no-cache"
expect_rc 0
validate_report "$scratch/out"
expect_in out '"up_to_date": true'
expect_in out '"changes": []'
[ ! -e "$scratch/no-cache" ]  # the no-op never looks at the package cache

stamp >"$scratch/after"
snapshot "$env" >"$scratch/after.sums"
diff "$scratch/before" "$scratch/after"
diff "$scratch/before.sums" "$scratch/after.sums"
echo PASS
