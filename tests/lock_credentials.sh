#!/usr/bin/env bash
# Credentials never reach the disk or a message: a channel with user:password@ or /t/TOKEN/ in
# environment.yml or -c, and conda-meta records captured with --from-prefix. The lock records
# each credential as a ${VAR} template when the environment holds it, else redacted; package
# URLs carry none; the explicit file, the --json report, the repodata cache and every error
# message stay clean. conda-lock's ${VAR} form in an input is kept as it is.
source "$(dirname "$0")/lock_common.sh"

secret=pw-S3cret-77
token=tk-S3cret-42
host_of() { echo "${1#http://}"; }

# no_secret PATH...: neither the password nor the token appears in PATH (files or folders).
no_secret() {
  if grep -rqF -e "$secret" -e "$token" "$@"; then
    echo "FAIL: a secret leaked into: $(grep -rlF -e "$secret" -e "$token" "$@")" >&2
    exit 1
  fi
}

env_with_channel() {
  printf 'channels:\n  - %s\ndependencies:\n  - python 3.12.*\n' "$1" >"$2"
}

# 1. Basic auth from environment.yml, a literal nobody can template: redacted in the lock.
start_server "$DEMO_CHANNEL" --basic-auth="alice:$secret"
host=$(host_of "$server_url")
env_with_channel "http://alice:$secret@$host" "$scratch/basic.yml"
mkdir -p "$scratch/basic"
run "$LOCK" -f "$scratch/basic.yml" -p linux-64 -o "$scratch/basic/conda-lock.yml" \
  -k lock -k explicit --json --cache-dir "$scratch/cache1"
expect_rc 0
grep -qF "  - url: http://***:***@$host" "$scratch/basic/conda-lock.yml"
grep -qF "  url: http://$host/linux-64/python-3.12.2" "$scratch/basic/conda-lock.yml"
grep -qF "http://$host/linux-64/python-3.12.2" "$scratch/basic/conda-linux-64.lock"
no_secret "$scratch/basic" "$scratch/out" "$scratch/err" "$scratch/cache1"
cp "$scratch/basic/conda-lock.yml" "$scratch/basic-first.yml"

# --check and a relock agree with what was written (the content hash holds no secret either).
run "$LOCK" -f "$scratch/basic.yml" -p linux-64 -o "$scratch/basic/conda-lock.yml" --check
expect_rc 0
run "$LOCK" -f "$scratch/basic.yml" -p linux-64 -o "$scratch/basic/conda-lock.yml" \
  --cache-dir "$scratch/cache1"
expect_rc 0
expect_in out "(inputs unchanged, kept)"

# A lock written elsewhere with a secret in a package URL: a relock that keeps the package drops it.
sed -i "s#  url: http://$host/linux-64/python#  url: http://alice:$secret@$host/linux-64/python#" \
  "$scratch/basic/conda-lock.yml"
grep -qF "$secret" "$scratch/basic/conda-lock.yml"
run "$LOCK" -f "$scratch/basic.yml" -p linux-64 -o "$scratch/basic/conda-lock.yml" \
  --cache-dir "$scratch/cache1"
expect_rc 0
no_secret "$scratch/basic"
cmp "$scratch/basic/conda-lock.yml" "$scratch/basic-first.yml"

# --check reporting a lock whose channel holds a literal secret: the report does not repeat it.
sed "s#  - url: http://\*\*\*:\*\*\*@$host#  - url: http://alice:$secret@$host#" \
  "$scratch/basic-first.yml" >"$scratch/basic/foreign.yml"
grep -qF "$secret" "$scratch/basic/foreign.yml"
run "$LOCK" -f "$scratch/basic.yml" -p linux-64 -o "$scratch/basic/foreign.yml" --check --json
expect_rc 1
expect_in out "channels-changed"
no_secret "$scratch/out" "$scratch/err"
rm "$scratch/basic/foreign.yml"

# The same with -c (fetched with the real password, not the redacted one).
mkdir -p "$scratch/dash_c"
run "$LOCK" -f "$DEMO_ENV" -c "http://alice:$secret@$host" -p linux-64 \
  -o "$scratch/dash_c/conda-lock.yml" --cache-dir "$scratch/cache2"
expect_rc 0
grep -qF "  - url: http://***:***@$host" "$scratch/dash_c/conda-lock.yml"
no_secret "$scratch/dash_c" "$scratch/out" "$scratch/err" "$scratch/cache2"

# 2. The password is in an environment variable: the lock names the variable.
mkdir -p "$scratch/templated"
CHAN_PASSWORD=$secret run "$LOCK" -f "$scratch/basic.yml" -p linux-64 \
  -o "$scratch/templated/conda-lock.yml" --cache-dir "$scratch/cache3"
expect_rc 0
grep -qF "  - url: http://***:\${CHAN_PASSWORD}@$host" "$scratch/templated/conda-lock.yml"
grep -qF "    - CHAN_PASSWORD" "$scratch/templated/conda-lock.yml"
no_secret "$scratch/templated"

# 3. conda-lock's form in the input is kept as it is, and fetched with the variables' values.
env_with_channel "http://\${CHAN_USER}:\${CHAN_PASSWORD}@$host" "$scratch/vars.yml"
mkdir -p "$scratch/vars"
CHAN_USER=alice CHAN_PASSWORD=$secret run "$LOCK" -f "$scratch/vars.yml" -p linux-64 \
  -o "$scratch/vars/conda-lock.yml" --cache-dir "$scratch/cache4"
expect_rc 0
grep -qF "  - url: http://\${CHAN_USER}:\${CHAN_PASSWORD}@$host" "$scratch/vars/conda-lock.yml"
no_secret "$scratch/vars"

# 4. A wrong password: exit 4, the message names the redacted URL only.
env_with_channel "http://alice:$secret-wrong@$host" "$scratch/wrong.yml"
mkdir -p "$scratch/wrong"
run "$LOCK" -f "$scratch/wrong.yml" -p linux-64 -o "$scratch/wrong/conda-lock.yml" \
  --cache-dir "$scratch/cache5"
expect_rc 4
expect_in err "http://***:***@$host/linux-64/repodata.json"
expect_in err "401"
no_secret "$scratch/err" "$scratch/cache5"
stop_server "$server_pid"

# 5. An anaconda.org-style token in the path.
start_server "$DEMO_CHANNEL" --token="$token"
host=$(host_of "$server_url")
env_with_channel "http://$host/t/$token" "$scratch/token.yml"
mkdir -p "$scratch/token"
run "$LOCK" -f "$scratch/token.yml" -p linux-64 -o "$scratch/token/conda-lock.yml" \
  -k lock -k explicit --json --cache-dir "$scratch/cache6"
expect_rc 0
grep -qF "  - url: http://$host/t/<TOKEN>" "$scratch/token/conda-lock.yml"
grep -qF "  url: http://$host/linux-64/python-3.12.2" "$scratch/token/conda-lock.yml"
no_secret "$scratch/token" "$scratch/out" "$scratch/err" "$scratch/cache6"
stop_server "$server_pid"

# 6. --from-prefix: conda-meta records whose urls carry both kinds of credential.
corpus=$(corpus_dir)
mkdir -p "$scratch/prefix/conda-meta"
python3 - "$corpus/conda-meta/conda-env_metadata/envpy27osx/conda-meta" "$scratch/prefix/conda-meta" \
  "$secret" "$token" <<'PY'
import glob, json, os, sys
src, dst, secret, token = sys.argv[1:5]
for i, path in enumerate(sorted(glob.glob(src + "/*.json"))):
    record = json.load(open(path))
    url = record["url"]
    if i % 2:
        record["url"] = url.replace("https://", "https://bob:%s@" % secret, 1)
    else:
        scheme, rest = url.split("://", 1)
        h, p = rest.split("/", 1)
        record["url"] = "%s://%s/t/%s/%s" % (scheme, h, token, p)
    record["channel"] = record["url"].rsplit("/", 2)[0]
    json.dump(record, open(os.path.join(dst, os.path.basename(path)), "w"))
PY
run "$LOCK" --from-prefix "$scratch/prefix" -o "$scratch/captured/conda-lock.yml" -k lock -k explicit
expect_rc 0
grep -qF "https://***:***@" "$scratch/captured/conda-lock.yml"
grep -qF "/t/<TOKEN>" "$scratch/captured/conda-lock.yml"
no_secret "$scratch/captured" "$scratch/out" "$scratch/err"
echo PASS
