#pragma once
// conda platforms (subdirs).

#include <string>
#include <string_view>
#include <vector>

namespace envlock::spec {

/// conda's known subdirs, in conda's order: linux-64, linux-aarch64, linux-ppc64le,
/// linux-s390x, linux-armv7l, linux-32, then the rarer linux-armv6l, linux-ppc64, linux-riscv64,
/// linux-riscv32, then osx-64, osx-arm64, win-64, win-32, win-arm64, noarch, emscripten-wasm32,
/// wasi-wasm32, zos-z, freebsd-64. The one list every module uses.
const std::vector<std::string>& known_platforms();

/// True when `subdir` is one of known_platforms().
bool is_known_platform(std::string_view subdir);

/// The subdir of the machine envlock runs on (compile-time OS and architecture), e.g.
/// "linux-64"; "noarch" when the combination is unknown.
std::string host_platform();

}  // namespace envlock::spec
