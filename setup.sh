#!/usr/bin/env bash
# One command from a fresh Debian bookworm machine to a built envlock and a demo run.
# Idempotent: every step checks before it acts, so a second run is a quick no-op.
#   bash setup.sh            install, fetch libsolv, build, run the demo
#   bash setup.sh --no-demo  the same without the demo (what .ci/run uses)
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
run_demo=yes
[ "${1:-}" = "--no-demo" ] && run_demo=no

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
trap 'die "step failed at line $LINENO (see the output above)"' ERR

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- 1. Debian packages -------------------------------------------------------
packages=(
  bazel-bootstrap bazel-rules-java bazel-platforms
  g++ dpkg-dev ca-certificates
  libyaml-cpp-dev libcpp-httplib-dev nlohmann-json3-dev libxxhash-dev libcli11-dev
  libboost-test-dev libarchive-dev libzstd-dev libssl-dev zlib1g-dev libbz2-dev
  libsimdjson-dev libbrotli-dev
  python3 python3-jsonschema python3-yaml zstd bzip2 zip
  libmsgpack-cxx-dev python3-msgpack  # sharded repodata (CEP 16): msgpack-c, and a second reader for tests
  python3-pip python3-pip-whl pre-commit  # pip: the PyPI reference resolver; pre-commit hook test
  python3-requests python3-urllib3 python3-certifi python3-charset-normalizer python3-idna  # real wheels for the test index
  clang libclang-rt-14-dev  # tools/fuzz.sh: clang 14 with libFuzzer, ASan and UBSan runtimes
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages: all present"
fi

# --- 2. libsolv source (Debian source package; built by Bazel with conda support) ---
libsolv_version=0.7.23
libsolv_sha256=0286155964373c6cc3802d025750786c3ee79608d5cb884598e110e3918bb2fe
src_dir=third_party/libsolv/src
dl_dir=third_party/libsolv/download
orig=$dl_dir/libsolv_${libsolv_version}.orig.tar.gz
if [ ! -f "$src_dir/libsolv-$libsolv_version/src/conda.c" ]; then
  mkdir -p "$dl_dir"
  if [ ! -f "$orig" ]; then
    if [ ! -f /etc/apt/sources.list.d/envlock-src.sources ]; then
      uris=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
      [ -n "$uris" ] || die "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources"
      say "adding deb-src entry for $uris"
      as_root tee /etc/apt/sources.list.d/envlock-src.sources >/dev/null <<SRC
Types: deb-src
URIs: $uris
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
      as_root apt-get update -qq
    fi
    say "downloading the libsolv source package"
    (cd "$dl_dir" && apt-get source --download-only -qq libsolv >/dev/null)
  fi
  echo "$libsolv_sha256  $orig" | sha256sum -c --quiet - || die "libsolv source hash mismatch: $orig"
  rm -rf "$src_dir" && mkdir -p "$src_dir"
  tar -xzf "$orig" -C "$src_dir"
  [ -f "$src_dir/libsolv-$libsolv_version/src/conda.c" ] || die "libsolv source lacks src/conda.c"
  say "libsolv $libsolv_version unpacked into $src_dir"
else
  say "libsolv source: present"
fi

# --- 3. Build ------------------------------------------------------------------
say "building (bazel build //...)"
bazel build //...

# --- 4. Demo ---------------------------------------------------------------------
if [ "$run_demo" = yes ]; then
  bash testdata/demo/run_demo.sh
  say "done. Put the front on PATH with: export PATH=\"$root/bazel-bin/tools/envlock:\$PATH\""
fi
