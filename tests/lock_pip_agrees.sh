#!/usr/bin/env bash
# Our resolution of a pip: section agrees with pip's own (Debian's pip, `install --dry-run
# --report`, wheels only) against the same test index served on 127.0.0.1, for requirement
# sets with markers, extras, pre-releases, yanked files, Requires-Python, platform tags and
# conflicts: the same names, versions and chosen files, or both refusing. pip resolves for the
# interpreter running it (Debian's python 3.11, linux x86_64, this machine's glibc), so we lock
# linux-64 with python 3.11 and __glibc set to this machine's.
source "$(dirname "$0")/lock_common.sh"
source "$(dirname "$0")/pip_common.sh"

glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')  # "glibc 2.36" -> 2.36
env="$scratch/environment.yml"
lock="$scratch/conda-lock.yml"

# ours REQ...: "name version filename" lines of our lock's pip entries, or "refused".
ours() {
  {
    echo "channels: [$channel_url]"
    echo "dependencies:"
    echo "  - python=3.11"
    echo "  - pip:"
    echo "    - --index-url $index_url"
    local r
    for r in "$@"; do echo "    - \"$r\""; done
  } >"$env"
  rm -f "$lock"
  run "$LOCK" -f "$env" -p linux-64 -o "$lock" --cache-dir "$scratch/cache" \
    --virtual-package "__glibc=$glibc"
  if [ "$rc" = 3 ]; then echo refused; return; fi
  [ "$rc" = 0 ] || { echo "FAIL: lock exited $rc: $(cat "$scratch/err")" >&2; exit 1; }
  python3 - "$lock" <<'PY'
import sys
name = version = manager = None
out = []
for line in open(sys.argv[1]):
    if line.startswith("- name: "):
        name, manager = line[8:].strip(), None
    elif line.startswith("  version: "):
        version = line.split(": ", 1)[1].strip().strip("'")
    elif line.startswith("  manager: "):
        manager = line.split(": ", 1)[1].strip()
    elif line.startswith("  url: ") and manager == "pip":
        out.append("%s %s %s" % (name, version, line.strip().rsplit("/", 1)[1]))
print("\n".join(sorted(out)))
PY
}

# theirs [--pre] REQ...: the same from pip's report, or "refused".
theirs() {
  rm -f "$scratch/report.json"
  set +e
  /usr/bin/python3 -m pip --isolated install --dry-run --quiet --ignore-installed \
    --break-system-packages --no-cache-dir --only-binary :all: --report "$scratch/report.json" \
    --index-url "$index_url" "$@" >"$scratch/pip.out" 2>&1
  local prc=$?
  set -e
  if [ "$prc" != 0 ]; then echo refused; return; fi
  python3 - "$scratch/report.json" <<'PY'
import json, re, sys
out = []
for item in json.load(open(sys.argv[1]))["install"]:
    name = re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower()
    out.append("%s %s %s" % (name, item["metadata"]["version"],
                             item["download_info"]["url"].rsplit("/", 1)[1]))
print("\n".join(sorted(out)))
PY
}

cases=0
agree() {  # agree [--pre] REQ...: ours and pip's answers are the same
  local pre=() reqs=()
  if [ "$1" = --pre ]; then pre=(--pre); shift; fi
  reqs=("$@")
  local a b
  if [ ${#pre[@]} -gt 0 ]; then a=$(ours --pre "${reqs[@]}"); else a=$(ours "${reqs[@]}"); fi
  b=$(theirs "${pre[@]}" "${reqs[@]}")
  if [ "$a" != "$b" ]; then
    echo "FAIL: for ${pre[*]} ${reqs[*]}" >&2
    echo "--- ours"; echo "$a"; echo "--- pip"; echo "$b"; cat "$scratch/pip.out"
    exit 1
  fi
  [ "$a" = refused ] || [ -n "$a" ] || { echo "FAIL: empty answer for ${reqs[*]}" >&2; exit 1; }
  # Both refusing must be the resolution's refusal, not a broken run.
  if [ "$a" = refused ]; then
    grep -qE "No matching distribution|ResolutionImpossible|conflicting dependencies" \
      "$scratch/pip.out" || { echo "FAIL: pip refused oddly:"; cat "$scratch/pip.out"; exit 1; }
  fi
  cases=$((cases + 1))
}

agree requests                                   # Debian's requests: no base dependencies
agree jsonschema                                 # a chain: attrs, pyrsistent
agree "Demo_Markers"                             # markers: python_version, os_name, win32-only
agree "Demo_Markers[cli,secure]"                 # extras with markers
agree demo-versions                              # yanked 1.2.x, 1.3.0 needs 3.12, 2.0.0rc1
agree "demo-versions==1.2.0"                     # an exact pin takes a yanked file
agree "demo-versions>=1.2,<2"                    # only yanked or python-excluded: refused
agree "demo-versions>=2.0.0rc1"                  # a pre-release named by the specifier
agree --pre demo-versions                        # --pre
agree demo-native                                # the best platform tag for this machine
agree "demo-native; sys_platform == 'win32'" idna  # a root marker that is false here
agree demo-conflict-a demo-conflict-b            # a conflict: both refuse
agree demo-sdist-only                            # no wheel: both refuse
agree "urllib3<1.27" requests jsonschema "six>=1.10" "idna>=3"
[ "$cases" -ge 12 ]
echo "PASS: $cases requirement sets agree"
