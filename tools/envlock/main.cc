// envlock: one front that dispatches `envlock <tool> ...` to each tool's command.
#include <iostream>
#include <map>
#include <string>

#include "lib/util/text.h"
#include "tools/common/cli.h"
#include "tools/envlock/commands.h"

namespace {

void print_usage(const std::map<std::string, envlock::cli::Command>& commands) {
  std::cout << "usage: envlock <tool> [options]\n\n"
               "Reproducible, checkable conda environments.\n\ntools:\n";
  for (const auto& [name, _] : commands) std::cout << "  " << name << "\n";
  std::cout << "\nRun `envlock <tool> --help` for a tool's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  auto commands = envlock::tools::all_commands();
  auto args = envlock::cli::args_of(argc, argv);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_usage(commands);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::cout << envlock::cli::version_line() << "\n";
    return 0;
  }
  auto it = commands.find(args[0]);
  if (it == commands.end()) {
    std::cerr << "envlock: error: unknown tool '" << envlock::printable(args[0])
              << "' (run `envlock --help`)\n";
    return 2;
  }
  std::string tool = args[0];
  args.erase(args.begin());
  return it->second(tool, std::move(args));
}
