// Fuzz entry point: a prefix's conda-meta/state (JSON with env_vars), read by `envlock run`'s
// activation; a state that is accepted only sets variables with valid names.

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz/scratch.h"
#include "lib/run/run.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string k_prefix = [] {
    std::string p = fuzz::scratch_dir() + "/env";
    std::filesystem::create_directories(p + "/conda-meta");
    return p;
  }();
  fuzz::write_file(k_prefix + "/conda-meta/state", fuzz::as_text(data, size));
  run::Options o;
  o.prefix = k_prefix;
  auto a = run::activate(o, {{"PATH", "/usr/bin"}});
  if (a.ok()) {
    for (const auto& [k, v] : a->environment)
      if (k.empty() || std::isdigit(static_cast<unsigned char>(k[0])) ||
          k.find('=') != std::string::npos)
        std::abort();
  }
  return 0;
}
