// Fuzz entry point: repodata.json as parse_repodata reads it.

#include <cstdint>
#include <string_view>

#include "lib/spec/package_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)envlock::spec::parse_repodata(text, "repodata.json");
  return 0;
}
