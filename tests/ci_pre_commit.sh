#!/usr/bin/env bash
# The envlock-check hook of .pre-commit-hooks.yaml, run by Debian's pre-commit in a throwaway
# git repository (pre-commit try-repo of a local clone of the hook list; HOME and
# PRE_COMMIT_HOME in the scratch folder; language: system, so nothing is installed or fetched):
# passes on a lock that satisfies environment.yml, fails once environment.yml asks for more.
source "$(dirname "$0")/ci_common.sh"
export PRE_COMMIT_HOME="$scratch/pre-commit-home"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
export GIT_CONFIG_NOSYSTEM=1

# The hook list as a git repository (what `repo:` points at).
hooks="$scratch/hooks"
mkdir -p "$hooks"
cp "$runfiles/.pre-commit-hooks.yaml" "$hooks/"
git -C "$hooks" init -q
git -C "$hooks" add .pre-commit-hooks.yaml
git -C "$hooks" commit -qm hooks
/usr/bin/python3 -c 'import sys, yaml
hooks = yaml.safe_load(open(sys.argv[1]))
(h,) = [h for h in hooks if h["id"] == "envlock-check"]
assert h["language"] == "system" and h["entry"].startswith("envlock lock --check"), h' \
  "$hooks/.pre-commit-hooks.yaml"

git -C "$project" init -q
git -C "$project" add environment.yml conda-lock.yml
git -C "$project" commit -qm environment
cd "$project"
run pre-commit try-repo "$hooks" envlock-check --all-files
expect_rc 0
expect_in out "envlock lock --check"
expect_in out "Passed"

# environment.yml asks for a package the lock does not have: the hook fails and says why.
printf '  - demo-py\n' >>environment.yml
run pre-commit try-repo "$hooks" envlock-check --all-files
expect_rc 1
expect_in out "Failed"
expect_in out "demo-py"
echo PASS
