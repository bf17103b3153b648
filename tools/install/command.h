#pragma once
// `envlock install` command line, shared by tools/install and the envlock front.

#include <string>
#include <vector>

namespace envlock::tools {

/// Parses `args` (without the program name), installs the lock into the prefix, prints the
/// report and returns the exit code. SIGINT/SIGTERM end the process with 130 at once, except
/// during the commit step, which is finished first. Never throws.
int install_command(const std::string& tool, std::vector<std::string> args);

}  // namespace envlock::tools
