// Fuzz entry point: every lock reader (conda-lock v1, pixi.lock, @EXPLICIT, env-export YAML,
// micromamba JSON) through format detection, with both YAML readers; a lock that is read
// must also be written.

#include <cstdint>
#include <string_view>

#include "lib/lockfile/lockfile.h"

using namespace envlock::lockfile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (YamlReader reader : {YamlReader::automatic, YamlReader::yaml_cpp}) {
    auto lock = parse_lock(text, "conda-lock.yml", reader);
    if (lock.ok()) (void)write_conda_lock_v1(*lock);
  }
  return 0;
}
