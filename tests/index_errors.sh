#!/usr/bin/env bash
# `envlock index` refuses hostile input with one line and exit 2, writing nothing: packages that
# are not packages, a bad info/index.json, a huge info/ member, a symlinked package, an unsafe
# file name, repodata whose keys climb out of the subdir; a missing folder is a usage error.
source "$(dirname "$0")/common.sh"

DEMO="$runfiles/testdata/demo_channel"
good=$(ls "$DEMO"/noarch/*.conda | head -n1)

# expect_one_line_error: exit 2, one line "envlock index: error: ...", no repodata written in DIR.
expect_refused() {
  expect_rc 2
  [ "$(wc -l <"$scratch/err")" = 1 ] || { cat "$scratch/err"; exit 1; }
  expect_in err "envlock index: error: "
  if find "$1" -name 'repodata*' | grep -q .; then echo "FAIL: wrote repodata" >&2; exit 1; fi
}

/usr/bin/python3 - "$scratch" <<'PY'
import io, os, sys, tarfile
out = sys.argv[1]

class Zeros(io.RawIOBase):
    def __init__(self, size): self.left = size
    def readable(self): return True
    def readinto(self, b):
        n = min(len(b), self.left); b[:n] = b"\0" * n; self.left -= n; return n

def package(case, members):
    d = os.path.join(out, case, "linux-64"); os.makedirs(d, exist_ok=True)
    with tarfile.open(os.path.join(d, case + "-1.0-0.tar.bz2"), "w:bz2") as t:
        for name, data in members:
            info = tarfile.TarInfo(name); info.mtime = 1704067200
            if isinstance(data, int):
                info.size = data; t.addfile(info, io.BufferedReader(Zeros(data)))
            else:
                info.size = len(data); t.addfile(info, io.BytesIO(data))

package("badjson", [("info/index.json", b'{"name": "badjson", "version": ')])
package("noname", [("info/index.json", b'{"version": "1.0", "build": "0"}')])
package("huge", [("info/index.json", 65 * 2**20 + 1)])
package("deep", [("info/index.json", b"[" * 100000 + b"]" * 100000)])
PY
for case in badjson noname huge deep; do
  run "$ENVLOCK" index "$scratch/$case" --shards
  expect_refused "$scratch/$case"
  expect_in err "$case-1.0-0.tar.bz2"
done
expect_in err "deeper than"

mkdir -p "$scratch/notzip/noarch"
echo "not a zip" >"$scratch/notzip/noarch/x-1-0.conda"
run "$ENVLOCK" index "$scratch/notzip"
expect_refused "$scratch/notzip"

mkdir -p "$scratch/link/noarch"
ln -s "$good" "$scratch/link/noarch/x-1-0.conda"
run "$ENVLOCK" index "$scratch/link"
expect_refused "$scratch/link"
expect_in err "symbolic link"

mkdir -p "$scratch/ctl/noarch"
cp "$good" "$scratch/ctl/noarch/$(printf 'x\033[2J-1-0.conda')"
run "$ENVLOCK" index "$scratch/ctl"
expect_refused "$scratch/ctl"
if grep -q $'\033' "$scratch/err"; then echo "FAIL: raw escape on stderr" >&2; exit 1; fi

# Repodata whose file name keys leave the subdir, or that is not JSON: file:line:column.
mkdir -p "$scratch/rd"
echo '{"packages": {"../../x-1-0.tar.bz2": {"name": "x"}}}' >"$scratch/rd/up.json"
run "$ENVLOCK" index --from-repodata "$scratch/rd/up.json" --shards -o "$scratch/rd/out"
expect_refused "$scratch/rd"
expect_in err "not a safe .conda or .tar.bz2 file name"
printf '{"packages": {\n  "x-1-0.tar.bz2": [}' >"$scratch/rd/bad.json"
run "$ENVLOCK" index --from-repodata "$scratch/rd/bad.json" -o "$scratch/rd/out"
expect_refused "$scratch/rd"
expect_in err "bad.json:2:"
run "$ENVLOCK" index --from-repodata "$scratch/rd/up.json" --subdir ../x -o "$scratch/rd/out"
expect_refused "$scratch/rd"

# Usage: no folder, a folder that does not exist.
run "$ENVLOCK" index
expect_rc 2
expect_in err "envlock index: error: "
run "$ENVLOCK" index "$scratch/nowhere"
expect_rc 2
expect_in err "not a folder"
echo "PASS"
