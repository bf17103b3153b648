#pragma once
// The table of tools the `envlock` front knows; each tool issue adds its entry.

#include <map>
#include <string>

#include "tools/common/cli.h"

namespace envlock::tools {

/// Tool name → command entry.
std::map<std::string, cli::Command> all_commands();

}  // namespace envlock::tools
