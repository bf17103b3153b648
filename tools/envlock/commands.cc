#include "tools/envlock/commands.h"

#include "tools/diff/command.h"
#include "tools/index/command.h"
#include "tools/install/command.h"
#include "tools/lock/command.h"
#include "tools/verify/command.h"

namespace envlock::tools {

std::map<std::string, cli::Command> all_commands() {
  std::map<std::string, cli::Command> commands;
  // Each tool registers here.
  commands["lock"] = lock_command;
  commands["install"] = install_command;
  commands["verify"] = verify_command;
  commands["diff"] = diff_command;
  commands["index"] = index_command;
  return commands;
}

}  // namespace envlock::tools
