// Fuzz entry point: an archive's untrusted parts. Bytes that start like JSON are a MANIFEST.json
// (parse_manifest); anything else is a tar (plain or compressed) unpacked by OpenedArchive::open
// under small limits, its manifest then read.

#include <cstdint>
#include <string>

#include "fuzz/scratch.h"
#include "lib/archive/layout.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = fuzz::as_text(data, size);
  if (!bytes.empty() && bytes.front() == '{') {
    (void)archive::parse_manifest(bytes, "MANIFEST.json");
    return 0;
  }
  std::string path = fuzz::scratch_dir() + "/input.tar";
  fuzz::write_file(path, bytes);
  archive::UnpackLimits limits;
  limits.max_member_bytes = 1 << 20;
  limits.max_total_bytes = 4 << 20;
  limits.max_members = 1000;
  // The unpacked copy is removed when the result goes out of scope.
  (void)archive::OpenedArchive::open(path, limits, fuzz::scratch_dir());
  return 0;
}
