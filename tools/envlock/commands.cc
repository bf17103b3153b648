#include "tools/envlock/commands.h"

namespace envlock::tools {

std::map<std::string, cli::Command> all_commands() {
  std::map<std::string, cli::Command> commands;
  // Each tool registers here: commands["lock"] = lock::command; and so on.
  return commands;
}

}  // namespace envlock::tools
