# Helpers for the archive end-to-end tests (sourced after common.sh and install_lib.sh).

# archived_file ARCHIVE_DIR NAME: the one archived package file called NAME.
archived_file() {
  local found
  found=$(cd "$1" && find channels -name "$2" -type f | head -1)
  [ -n "$found" ]
  echo "$found"
}

# flip_byte FILE OFFSET: changes the byte at OFFSET (size unchanged).
flip_byte() {
  python3 - "$1" "$2" <<'PY'
import sys
path, at = sys.argv[1], int(sys.argv[2])
data = bytearray(open(path, "rb").read())
data[at] ^= 0xFF
open(path, "wb").write(bytes(data))
PY
}
