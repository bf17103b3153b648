#include "lib/spec/platform.h"

#include <algorithm>

namespace envlock::spec {

const std::vector<std::string>& known_platforms() {
  static const std::vector<std::string> k_platforms = {
      "linux-64", "linux-aarch64",     "linux-ppc64le", "linux-s390x",   "linux-armv7l",
      "linux-32", "linux-armv6l",      "linux-ppc64",   "linux-riscv64", "linux-riscv32",
      "osx-64",   "osx-arm64",         "win-64",        "win-32",        "win-arm64",
      "noarch",   "emscripten-wasm32", "wasi-wasm32",   "zos-z",         "freebsd-64"};
  return k_platforms;
}

bool is_known_platform(std::string_view subdir) {
  const auto& all = known_platforms();
  return std::find(all.begin(), all.end(), subdir) != all.end();
}

std::string host_platform() {
#if defined(__linux__) && defined(__x86_64__)
  return "linux-64";
#elif defined(__linux__) && defined(__aarch64__)
  return "linux-aarch64";
#elif defined(__linux__) && defined(__powerpc64__)
  return "linux-ppc64le";
#elif defined(__linux__) && defined(__s390x__)
  return "linux-s390x";
#elif defined(__linux__) && defined(__arm__)
  return "linux-armv7l";
#elif defined(__linux__) && defined(__i386__)
  return "linux-32";
#elif defined(__APPLE__) && defined(__x86_64__)
  return "osx-64";
#elif defined(__APPLE__) && defined(__aarch64__)
  return "osx-arm64";
#elif defined(_WIN64) && defined(_M_ARM64)
  return "win-arm64";
#elif defined(_WIN64)
  return "win-64";
#elif defined(_WIN32)
  return "win-32";
#else
  return "noarch";
#endif
}

}  // namespace envlock::spec
