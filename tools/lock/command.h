#pragma once
// `envlock lock` command line, shared by tools/lock and the envlock front.

#include <string>
#include <vector>

namespace envlock::tools {

/// Parses `args` (without the program name), runs the lock job, prints its report and returns
/// the exit code. Never throws.
int lock_command(const std::string& tool, std::vector<std::string> args);

}  // namespace envlock::tools
