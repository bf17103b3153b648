#pragma once
// `envlock run` command line, shared by tools/run and the envlock front.

#include <string>
#include <vector>

namespace envlock::tools {

/// Parses `args` (without the program name) and runs the command after `--` inside the
/// activated environment, returning its exit code (128+N for signal N, 127 when it cannot be
/// executed); with --print-env prints what activation sets and returns 0; 2 for a bad option or
/// a folder that is no environment. Never throws.
int run_command(const std::string& tool, std::vector<std::string> args);

}  // namespace envlock::tools
