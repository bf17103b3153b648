// Fuzz entry point: environment.yml text.

#include <cstdint>
#include <string_view>

#include "lib/spec/environment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)envlock::spec::parse_environment(text, "environment.yml");
  return 0;
}
