#include "tools/envlock/commands.h"

#include "tools/lock/command.h"

namespace envlock::tools {

std::map<std::string, cli::Command> all_commands() {
  std::map<std::string, cli::Command> commands;
  // Each tool registers here.
  commands["lock"] = lock_command;
  return commands;
}

}  // namespace envlock::tools
