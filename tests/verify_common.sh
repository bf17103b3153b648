# Sourced by the verify end-to-end tests: make_prefix DIR writes a small real prefix (files,
# a symlink, a prefix-replaced script) with conda-meta records as an installer writes them.
source "$(dirname "$0")/common.sh"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

make_prefix() {
  local p=$1
  mkdir -p "$p/conda-meta" "$p/lib" "$p/bin" "$p/share/tool"
  printf 'zlib demo library\n' >"$p/lib/libz.so.1.3.1"
  ln -s libz.so.1.3.1 "$p/lib/libz.so.1"
  printf '#!/bin/sh\necho "prefix: %s"\n' "$p" >"$p/bin/tool"
  printf 'tool data\n' >"$p/share/tool/data.txt"
  local placeholder=/opt/build_env_placehold_placehold
  local original
  original=$(printf '#!/bin/sh\necho "prefix: %s"\n' "$placeholder" | sha256sum | cut -d' ' -f1)
  cat >"$p/conda-meta/zlib-1.3.1-h4d5e6f7_0.json" <<JSON
{"name": "zlib", "version": "1.3.1", "build": "h4d5e6f7_0", "build_number": 0,
 "channel": "https://conda.anaconda.org/conda-forge", "subdir": "linux-64",
 "fn": "zlib-1.3.1-h4d5e6f7_0.conda",
 "url": "https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3.1-h4d5e6f7_0.conda",
 "md5": "0123456789abcdef0123456789abcdef",
 "sha256": "1111111111111111111111111111111111111111111111111111111111111111", "depends": [],
 "files": ["lib/libz.so.1", "lib/libz.so.1.3.1"],
 "paths_data": {"paths_version": 1, "paths": [
  {"_path": "lib/libz.so.1", "path_type": "softlink",
   "sha256": "$(sha "$p/lib/libz.so.1.3.1")", "size_in_bytes": $(size "$p/lib/libz.so.1.3.1")},
  {"_path": "lib/libz.so.1.3.1", "path_type": "hardlink",
   "sha256": "$(sha "$p/lib/libz.so.1.3.1")",
   "sha256_in_prefix": "$(sha "$p/lib/libz.so.1.3.1")",
   "size_in_bytes": $(size "$p/lib/libz.so.1.3.1")}]}}
JSON
  cat >"$p/conda-meta/tool-0.4.0-hfedcba9_0.json" <<JSON
{"name": "tool", "version": "0.4.0", "build": "hfedcba9_0", "build_number": 0,
 "channel": "https://conda.anaconda.org/conda-forge", "subdir": "linux-64",
 "fn": "tool-0.4.0-hfedcba9_0.conda",
 "url": "https://conda.anaconda.org/conda-forge/linux-64/tool-0.4.0-hfedcba9_0.conda",
 "md5": "fedcba9876543210fedcba9876543210",
 "sha256": "2222222222222222222222222222222222222222222222222222222222222222",
 "depends": ["zlib >=1.3"],
 "files": ["bin/tool", "share/tool/data.txt"],
 "paths_data": {"paths_version": 1, "paths": [
  {"_path": "bin/tool", "path_type": "hardlink", "file_mode": "text",
   "prefix_placeholder": "$placeholder", "sha256": "$original",
   "sha256_in_prefix": "$(sha "$p/bin/tool")", "size_in_bytes": 40},
  {"_path": "share/tool/data.txt", "path_type": "hardlink",
   "sha256": "$(sha "$p/share/tool/data.txt")",
   "sha256_in_prefix": "$(sha "$p/share/tool/data.txt")",
   "size_in_bytes": $(size "$p/share/tool/data.txt")}]}}
JSON
}
