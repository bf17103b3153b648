#pragma once
// `envlock archive` command line, shared by tools/archive and the envlock front.

#include <string>
#include <vector>

namespace envlock::tools {

/// Parses `args` (without the program name), writes the archive of the lock, prints a summary
/// (and the sha256 of a tar) and returns the exit code. Never throws.
int archive_command(const std::string& tool, std::vector<std::string> args);

}  // namespace envlock::tools
