#pragma once
// A private scratch folder for entry points whose parser reads files, not bytes.

#include <cstdint>
#include <string>
#include <string_view>

namespace envlock::fuzz {

/// A folder made once per process (removed at exit).
const std::string& scratch_dir();

/// Writes `bytes` to `path`, replacing it; aborts when that fails (a broken fuzz harness).
void write_file(const std::string& path, std::string_view bytes);

/// The input as text.
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace envlock::fuzz
