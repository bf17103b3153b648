// Fuzz entry point: an extracted package's info/ files. The input is split at NUL bytes into
// info/index.json, info/paths.json and info/link.json (missing parts are absent files).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/scratch.h"
#include "lib/package/package.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = fuzz::as_text(data, size);
  static const std::string k_dir = [] {
    std::string d = fuzz::scratch_dir() + "/pkg";
    std::filesystem::create_directories(d + "/info");
    return d;
  }();
  static const char* const k_names[] = {"index.json", "paths.json", "link.json"};
  for (const char* name : k_names) {
    std::string path = k_dir + "/info/" + name;
    if (bytes.data() == nullptr) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      continue;
    }
    size_t end = bytes.find('\0');
    fuzz::write_file(path, bytes.substr(0, end));
    bytes = end == std::string_view::npos ? std::string_view() : bytes.substr(end + 1);
  }
  (void)package::read_package_info_dir(k_dir);
  return 0;
}
