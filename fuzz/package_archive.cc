// Fuzz entry point: a package archive's bytes (.conda when they start like a zip, else
// .tar.bz2) read by read_package_info: member lists, info/ members and their JSON.

#include <cstdint>
#include <string>

#include "fuzz/scratch.h"
#include "lib/package/package.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = fuzz::as_text(data, size);
  bool zip = bytes.substr(0, 2) == "PK";
  std::string path = fuzz::scratch_dir() + (zip ? "/x-1-0.conda" : "/x-1-0.tar.bz2");
  fuzz::write_file(path, bytes);
  (void)package::read_package_info(path);
  return 0;
}
