#pragma once
// `envlock export` command line, shared by tools/export and the envlock front.

#include <string>
#include <vector>

namespace envlock::tools {

/// Parses `args` (without the program name), exports the lock as an SBOM, environment.yml or
/// @EXPLICIT to stdout or -o FILE and returns the exit code: 0 written, 2 bad input, 4 I/O.
/// Never throws.
int export_command(const std::string& tool, std::vector<std::string> args);

}  // namespace envlock::tools
