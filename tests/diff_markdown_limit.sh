#!/usr/bin/env bash
# `diff --format markdown` fits a GitHub comment (under 65,536 characters) on the biggest corpus
# relock (pixi's "lock file maintenance": 10 environments × 5 platforms, 1,336 changes, 105 kB
# of Markdown uncut): the summary table first, long tables folded, the rest cut with a note.
# `--max-lines N` bounds the text output the same way.
source "$(dirname "$0")/common.sh"
pair="$(corpus_dir)/lockfiles/diff-pairs/pixi-lock-maintenance"
old="$pair/before/pixi.lock"
new="$pair/after/pixi.lock"

run "$ENVLOCK" diff --format markdown "$old" "$new"
expect_rc 1
chars=$(python3 -c 'import sys; print(len(open(sys.argv[1], encoding="utf-8").read()))' "$scratch/out")
echo "markdown: $chars characters, $(wc -c <"$scratch/out") bytes"
[ "$(wc -c <"$scratch/out")" -le 60000 ]
[ "$chars" -lt 65536 ]
expect_in out "| environment | platform | packages | added | removed | upgraded | downgraded | rebuilt | depends changed |"
expect_in out "| \`docs\` | linux-64 | 173 → 170 |  | 3 | 63 | 1 | 12 | 1 |"
expect_in out "| **total** | | | **11** | **29** | **945** | **5** | **341** | **5** |"
expect_in out "<details><summary>\`backends-release\` · linux-64: 43 → 42 packages, 1 removed, 9 upgraded, 7 rebuilt</summary>"
expect_in out "more not shown (cut to fit a comment)"
expect_in out "> **Cut to fit a comment** (60000 bytes): "
expect_in out "\`envlock diff\` (text) or \`--format json\` lists everything."
python3 - "$scratch/out" <<'PY'
import sys
md = open(sys.argv[1], encoding="utf-8").read()
# The summary table comes before every per-platform table; <details> blocks are balanced.
assert md.index("| **total** |") < md.index("<details>")
assert md.count("<details>") == md.count("</details>") > 5
# Rows shown plus the changes the note counts are all 1,336 changes.
rows = sum(1 for line in md.splitlines()
           if line.startswith("| ") and line.split(" | ")[0][2:] in (
               "added", "removed", "upgraded", "downgraded", "rebuilt", "depends changed"))
note = md[md.index("**Cut to fit a comment**"):]
left, total = note.split("): ", 1)[1].split(" changes not listed")[0].split(" of ")
assert int(total) == 1336 and rows + int(left) == 1336, (rows, left, total)
PY
cp "$scratch/out" "$scratch/md1"
run "$ENVLOCK" diff --format markdown "$old" "$new"
cmp "$scratch/out" "$scratch/md1"

# A diff that fits is not cut.
small="$(corpus_dir)/lockfiles/diff-pairs/pangeo-bump-odc-stac"
run "$ENVLOCK" diff --format markdown "$small/before/pangeo-notebook/conda-lock.yml" \
  "$small/after/pangeo-notebook/conda-lock.yml"
expect_rc 1
expect_in out "| **total** |"
expect_not_in out "Cut to fit"

# Text: at most N lines, the head, a count of the rest, the summary line.
run "$ENVLOCK" diff --max-lines 12 "$old" "$new"
expect_rc 1
[ "$(wc -l <"$scratch/out")" = 12 ]
sed -n 11p "$scratch/out" | grep -q '^… [0-9]* more lines not shown (--max-lines 12)$'
tail -1 "$scratch/out" | grep -q '^summary: 11 added, 29 removed, 945 upgraded'
run "$ENVLOCK" diff --max-lines 100000 "$old" "$new"
expect_rc 1
expect_not_in out "more lines not shown"
run "$ENVLOCK" diff --max-lines 2 "$old" "$new"
expect_rc 2
run "$ENVLOCK" diff --max-lines 20 --format markdown "$old" "$new"
expect_rc 2
expect_in err "envlock diff: error: --max-lines: applies to --format text"
echo PASS
