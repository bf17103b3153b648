# Sourced by the tests of the CI examples: common.sh, `envlock` on PATH, and a project folder
# ($project) with an environment.yml on the demo channel (file://) and its conda-lock.yml.
source "$(dirname "$0")/common.sh"
demo_channel="$runfiles/testdata/demo_channel"
mkdir -p "$scratch/bin"
ln -sf "$ENVLOCK" "$scratch/bin/envlock"
export PATH="$scratch/bin:$PATH"
export HOME="$scratch/home" ENVLOCK_CACHE_DIR="$scratch/cache"
mkdir -p "$HOME"
# Prefixes live in a short folder: the demo packages' binary placeholder is 108 bytes.
short_tmp=$(mktemp -d /tmp/envlock-ci-XXXXXX)
trap 'rm -rf "$short_tmp"' EXIT
project="$scratch/project"
mkdir -p "$project"
cat >"$project/environment.yml" <<YML
name: paper
channels:
  - file://$demo_channel
dependencies:
  - python 3.12.*
  - libbar >=2
  - demo-tool
YML
(cd "$project" && envlock lock -f environment.yml -p linux-64 -o conda-lock.yml >/dev/null)
