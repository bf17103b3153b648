#!/usr/bin/env bash
# Instruction profiles (valgrind --tool=callgrind: counts instructions, so the figures repeat on
# a noisy machine) of the rows of bench/run that miss their target. Uses bench/run's cached
# data (run bench/run first) and a 1/10-scale generated repodata (same generator, same shape) so
# that the repodata rows finish under valgrind in a minute.
#   bench/profile.sh [BAZEL_BIN] [NAME...]   NAME: load-cold load-cached lock-gen lock-corpus
#                                                  lock-check verify-packages diff install-noop
# Writes bench/out/prof/NAME.callgrind and NAME.txt (the top functions by inclusive count).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bin=${1:-$(cd "$repo" && bazel info -c opt bazel-bin 2>/dev/null)}
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(load-cold load-cached lock-gen lock-corpus lock-check
                                  verify-packages diff install-noop)
envlock="$bin/tools/envlock/envlock"
solve_bench="$bin/bench/solve_bench"
out="$here/out"
prof="$out/prof"
corpus=${ENVLOCK_CORPUS:-$(cd "$repo/../shared/corpus" && pwd)}
mkdir -p "$prof"

small="$out/gen-0.1"
if [ ! -f "$small/specs.txt" ] || [ "$small/specs.txt" -ot "$here/gen_repodata.py" ]; then
  python3 "$here/gen_repodata.py" "$small" --scale 0.1
fi
first_specs() { head -1 "$small/specs.txt" | tr ';' '\n'; }

profile() {  # NAME DIR COMMAND...: callgrind of COMMAND run in DIR (exit codes 0, 1 and 3 ok)
  local name=$1 dir=$2
  shift 2
  echo "== $name: $*" >&2
  (cd "$dir" && valgrind --tool=callgrind --callgrind-out-file="$prof/$name.callgrind" \
    "$@" >/dev/null 2>"$prof/$name.valgrind.log") || case $? in 1|3) ;; *) cat "$prof/$name.valgrind.log" >&2; return 1;; esac
  callgrind_annotate --inclusive=yes "$prof/$name.callgrind" 2>/dev/null |
    sed -E 's/std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >/std::string/g
            s/ \[[^]]*\]$//' | head -70 >"$prof/$name.txt" || true  # head closes the pipe
  grep -m1 "PROGRAM TOTALS" "$prof/$name.txt" >&2 || true
}

scratch=$(mktemp -d "$out/prof-run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
for name in "${names[@]}"; do
  case $name in
    load-cold)
      mapfile -t specs < <(first_specs)
      profile load-cold "$scratch" "$solve_bench" cold "$small/linux-64/repodata.json" -- "${specs[0]}" ;;
    load-cached)
      mapfile -t specs < <(first_specs)
      rm -rf "${TMPDIR:-/tmp}/envlock-solve-bench"
      "$solve_bench" cached "$small/linux-64/repodata.json" -- "${specs[0]}" >/dev/null
      profile load-cached "$scratch" "$solve_bench" cached "$small/linux-64/repodata.json" -- "${specs[0]}" ;;
    lock-gen)
      mapfile -t specs < <(first_specs)
      { echo "channels: [file://$small]"; echo "dependencies:"; printf '  - "%s"\n' "${specs[@]}"; } >"$scratch/gen.yml"
      rm -rf "$scratch/cache"
      profile lock-gen "$scratch" "$envlock" lock -f gen.yml -p linux-64 -o gen-lock.yml --cache-dir "$scratch/cache" ;;
    lock-corpus)
      # solve-corpus/r-base: the R channel of the corpus (bench/run writes it).
      r=$(ls -d "$out"/corpus-channels/c*/pkgs_r | head -1)
      m=$(dirname "$r")/pkgs_main
      printf 'channels: [file://%s, file://%s]\ndependencies: [r-base]\n' "$r" "$m" >"$scratch/r.yml"
      rm -rf "$scratch/cache"
      profile lock-corpus "$scratch" "$envlock" lock -f r.yml -p linux-64 -o r-lock.yml --cache-dir "$scratch/cache" ;;
    lock-check)
      pangeo="$corpus/lockfiles/conda-lock/pangeo-docker-images/HEAD/pangeo-notebook"
      profile lock-check "$pangeo" "$envlock" lock -f ../base-notebook/environment.yml -f environment.yml \
        -p linux-64 -p osx-64 -p linux-aarch64 -p osx-arm64 --check ;;
    verify-packages)
      profile verify-packages "$scratch" "$envlock" verify --prefix "$out/prefix-3000/env" \
        --lock "$out/prefix-3000/conda-lock.yml" --level packages ;;
    diff)
      pair="$corpus/lockfiles/diff-pairs/pangeo-add-virtualizarr"
      profile diff "$scratch" "$envlock" diff "$pair/before/pangeo-notebook/conda-lock.yml" \
        "$pair/after/pangeo-notebook/conda-lock.yml" ;;
    install-noop)
      profile install-noop "$scratch" "$envlock" install --lock "$out/prefix-3000/conda-lock.yml" \
        --prefix "$out/prefix-3000/env" --platform linux-64 ;;
    *) echo "unknown profile $name" >&2; exit 2 ;;
  esac
done
