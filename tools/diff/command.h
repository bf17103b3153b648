#pragma once
// `envlock diff` command line, shared by tools/diff and the envlock front.

#include <string>
#include <vector>

namespace envlock::tools {

/// Parses `args` (without the program name): `OLD NEW` compares two locks and prints the
/// report (exit 0 same, 1 different); `--textconv FILE` prints one lock as canonical text for
/// git (exit 0). Bad usage or an unreadable/malformed lock exits 2. Never throws.
int diff_command(const std::string& tool, std::vector<std::string> args);

}  // namespace envlock::tools
