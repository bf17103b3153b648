// Fuzz entry point: a lock of any format, read, then exported in every format (CycloneDX, SPDX,
// environment.yml, @EXPLICIT) for every platform; the JSON documents must parse back.

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "fuzz/scratch.h"
#include "lib/export/export.h"
#include "lib/lockfile/lockfile.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(fuzz::as_text(data, size));
  auto lock = lockfile::parse_lock(bytes, "conda-lock.yml");
  if (!lock.ok()) return 0;
  auto no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  for (const auto& [name, env] : lock->environments) {
    std::vector<std::string> platforms = {""};
    for (const auto& [platform, _] : env.packages) platforms.push_back(platform);
    for (const auto& platform : platforms) {
      for (auto format : {exporter::Format::cyclonedx,
                          exporter::Format::spdx,
                          exporter::Format::environment_yml,
                          exporter::Format::explicit_file}) {
        exporter::Options o;
        o.lock = "conda-lock.yml";
        o.format = format;
        o.environment = name;
        o.platform = platform;
        auto text = exporter::render(*lock, bytes, o, {}, no_env);
        if (text.ok() &&
            (format == exporter::Format::cyclonedx || format == exporter::Format::spdx) &&
            !nlohmann::json::accept(*text))
          std::abort();
      }
    }
  }
  return 0;
}
