#!/usr/bin/env bash
# envlock run in an installed demo prefix: the command sees PATH and CONDA_PREFIX, the env_vars of
# conda-meta/state, an activate.d script of a package (built here with the demo channel script's
# own functions) ran first; exit codes and signals come back; stdin and stdout pass through;
# --print-env (KEY=VALUE and Dockerfile ENV lines); a folder that is no environment is exit 2.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/install_lib.sh"

# The demo channel plus demo-activate, a noarch package whose activate.d script exports a variable.
chan="$scratch/channel"
cp -r "$demo_channel" "$chan"
chmod -R u+w "$chan"
/usr/bin/python3 - "$runfiles/testdata" "$chan" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
import make_demo_channel as m
files = lambda version: [
    ("etc/conda/activate.d/demo-activate.sh", "file",
     b'export DEMO_ACTIVATED="yes:$CONDA_PREFIX"\nexport DEMO_ORDER="${DEMO_ORDER}a"\n', 0o644, None),
    ("etc/conda/activate.d/zz-second.sh", "file",
     b'export DEMO_ORDER="${DEMO_ORDER}z"\n', 0o644, None),
]
spec = ("demo-activate", "1.0", "0", 0, ["noarch"], [], files, "generic", None)
stem, index, archives = m.build_package(spec, "noarch")
with open(os.path.join(sys.argv[2], "noarch", stem + ".conda"), "wb") as f:
    f.write(archives[".conda"])
PY
start_server "$chan"
write_lock v1 "$scratch/conda-lock.yml" linux-64 "$server_url" "$chan" "${demo_env[@]}" \
  noarch/demo-activate-1.0-0.conda
env="$short_tmp/demo"
run "$ENVLOCK" install --lock "$scratch/conda-lock.yml" --prefix "$env" --platform linux-64
expect_rc 0
printf '{"env_vars": {"DEMO_STATE_VAR": "from state"}}\n' >"$env/conda-meta/state"

# PATH, CONDA_PREFIX, CONDA_DEFAULT_ENV, the state's variable, the scripts in name order.
run env -u CONDA_SHLVL "$ENVLOCK" run --prefix "$env" -- sh -c \
  'echo "PATH=$PATH"; echo "PREFIX=$CONDA_PREFIX"; echo "DEFAULT=$CONDA_DEFAULT_ENV";
   echo "SHLVL=$CONDA_SHLVL"; echo "STATE=$DEMO_STATE_VAR"; echo "ACT=$DEMO_ACTIVATED";
   echo "ORDER=$DEMO_ORDER"; command -v demo-tool'
expect_rc 0
expect_in out "PATH=$env/bin:"
expect_in out "PREFIX=$env"
expect_in out "DEFAULT=$env"
expect_in out "SHLVL=1"
expect_in out "STATE=from state"
expect_in out "ACT=yes:$env"
expect_in out "ORDER=az"
expect_in out "$env/bin/demo-tool"
# A program of the environment, found on the activated PATH.
run "$ENVLOCK" run --prefix "$env" -- demo-tool
expect_rc 0
expect_in out "demo-tool 0.4.0"

# A named environment, found the way conda finds it: CONDA_DEFAULT_ENV is the name.
CONDA_ENVS_PATH="$short_tmp" run "$ENVLOCK" run -n demo -- sh -c 'echo "DEFAULT=$CONDA_DEFAULT_ENV PREFIX=$CONDA_PREFIX"'
expect_rc 0
expect_in out "DEFAULT=demo PREFIX=$env"

# Exit codes, a signal (128+15), a command that does not exist (127), stdin through.
run "$ENVLOCK" run --prefix "$env" -- sh -c 'exit 42'
expect_rc 42
run "$ENVLOCK" run --prefix "$env" -- sh -c 'kill -TERM $$'
expect_rc 143
run "$ENVLOCK" run --prefix "$env" -- envlock-no-such-command
expect_rc 127
[ "$(echo piped | "$ENVLOCK" run --prefix "$env" -- cat)" = piped ]

# --print-env: only what activation sets, as KEY=VALUE and as Dockerfile ENV lines.
run env HOME=/nowhere "$ENVLOCK" run --prefix "$env" --print-env
expect_rc 0
expect_in out "CONDA_PREFIX=$env"
expect_in out "DEMO_ACTIVATED=yes:$env"
expect_in out "DEMO_STATE_VAR=from state"
expect_not_in out "HOME="
run "$ENVLOCK" run --prefix "$env" --print-env --format dockerfile
expect_rc 0
expect_in out "ENV CONDA_PREFIX=\"$env\""
expect_in out "ENV DEMO_ORDER=\"az\""
# The image's own PATH follows the prefix's bin, not this machine's.
expect_in out "ENV PATH=\"$env/bin:\$PATH\""

# Not an environment, no command: exit 2.
mkdir -p "$scratch/not-an-env"
run "$ENVLOCK" run --prefix "$scratch/not-an-env" -- true
expect_rc 2
expect_in err "envlock run: error: $scratch/not-an-env: not a conda environment"
run "$ENVLOCK" run --prefix "$env"
expect_rc 2
echo PASS
