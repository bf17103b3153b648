#pragma once
// `envlock verify` command line, shared by tools/verify and the envlock front.

#include <string>
#include <vector>

namespace envlock::tools {

/// Parses `args` (without the program name), verifies the prefix against the lock, prints the
/// report and returns the exit code: 0 clean, 1 drift, 2 bad input. Never throws.
int verify_command(const std::string& tool, std::vector<std::string> args);

}  // namespace envlock::tools
