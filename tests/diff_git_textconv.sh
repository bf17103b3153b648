#!/usr/bin/env bash
# `diff --textconv` as a git textconv driver, configured as docs/git-integration.md says: in a
# throwaway repository, `git diff` and `git log -p` of a relocked conda-lock.yml show canonical
# one-line-per-package lines instead of YAML.
source "$(dirname "$0")/common.sh"
pair="$(corpus_dir)/lockfiles/diff-pairs/pangeo-bump-odc-stac"
export HOME="$scratch/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
repo="$scratch/repo"
git init -q "$repo"
cd "$repo"
git config user.name test
git config user.email test@example.invalid
# The lines docs/git-integration.md documents.
cat >.gitattributes <<'ATTR'
conda-lock.yml   diff=envlock
*.conda-lock.yml diff=envlock
pixi.lock        diff=envlock
conda-*.lock     diff=envlock
ATTR
git config diff.envlock.textconv "$ENVLOCK diff --textconv"
git config diff.envlock.cachetextconv true

cp "$pair/before/pangeo-notebook/conda-lock.yml" conda-lock.yml
git add .gitattributes conda-lock.yml
git commit -q -m before
cp "$pair/after/pangeo-notebook/conda-lock.yml" conda-lock.yml

run git diff conda-lock.yml
expect_rc 0
expect_in out "-default/linux-64 conda odc-stac "
expect_in out "+default/linux-64 conda odc-stac "
expect_in out "https://conda.anaconda.org/conda-forge/noarch/odc-stac-"
expect_not_in out "  manager: conda"   # no YAML lines
# Every changed line is one canonical package line.
if grep -E '^[-+][^-+]' "$scratch/out" | grep -vE '^[-+][a-z0-9_.-]+/[a-z0-9-]+ (conda|pip) \S+ \S+ \S+ \S+ \S+$'; then
  echo "FAIL: a changed line is not canonical" >&2
  exit 1
fi

git commit -q -am after
run git log -p -1 --format=%s
expect_rc 0
expect_in out "after"
expect_in out "+default/osx-arm64 conda odc-stac "

# The driver's own output: sorted, header first.
run "$ENVLOCK" diff --textconv conda-lock.yml
expect_rc 0
head -1 "$scratch/out" | grep -qx "# envlock canonical lock: conda-lock-v1"
tail -n +2 "$scratch/out" >"$scratch/body"
LC_ALL=C sort -c "$scratch/body"
[ "$(wc -l <"$scratch/body")" = 3060 ]
echo PASS
