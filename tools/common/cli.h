#pragma once
// What every tool's command line shares: the version string, the error boundary that turns
// exceptions into "envlock <tool>: error: ..." plus an exit code, and interrupt handling.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace envlock::cli {

/// "envlock 0.1.0 (libsolv 0.7.23 with conda)" style version line.
std::string version_line();

/// A tool's entry: takes its arguments (without the program name) and returns an exit code.
using Command = std::function<int(const std::string& tool, std::vector<std::string> args)>;

/// Runs `body` and is the one place where exceptions become messages on stderr and exit
/// codes: ToolError → its code, anything else → 2 with "internal error". Installs
/// exit_130_on_interrupt() first; a tool that must finish a critical step (install) replaces
/// those handlers with its own, which also exit 130.
int guarded(const std::string& tool, const std::function<int()>& body);

/// SIGINT and SIGTERM end the process with exit code 130 after removing the temporary files of
/// unfinished atomic writes (so no partial output is left behind).
void exit_130_on_interrupt();

/// Parses `args` (in order, without the program name) into `app`. Returns nullopt when the
/// command should run; otherwise the exit code after printing help (stdout, 0) or a usage
/// error ("envlock <tool>: error: ...", stderr, 2).
std::optional<int> parse(CLI::App& app, const std::string& tool, std::vector<std::string> args);

/// argv[1..] as strings.
std::vector<std::string> args_of(int argc, char** argv);

}  // namespace envlock::cli
