#include "tools/common/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <iostream>

#include <signal.h>
#include <unistd.h>

#include "lib/util/errors.h"
#include "lib/util/file.h"

namespace envlock::cli {
namespace {

// SIGINT and SIGTERM end every tool alike: unfinished outputs removed, exit 130.
void on_interrupt(int) {
  remove_unfinished_temporaries();
  ::_exit(static_cast<int>(ExitCode::interrupted));
}

}  // namespace

void exit_130_on_interrupt() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

std::string version_line() {
  return "envlock 0.1.0";
}

std::vector<std::string> args_of(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) out.emplace_back(argv[i]);
  return out;
}

std::optional<int> parse(CLI::App& app, const std::string& tool, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments back to front
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return 0;
    std::cerr << format_error(tool, Error{ErrorKind::usage, "", e.what()}) << "\n";
    return static_cast<int>(ExitCode::usage);
  }
  return std::nullopt;
}

int guarded(const std::string& tool, const std::function<int()>& body) {
  exit_130_on_interrupt();
  try {
    return body();
  } catch (const CLI::CallForHelp& e) {
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return 0;
    std::cerr << format_error(tool, Error{ErrorKind::usage, "", e.what()}) << "\n";
    return static_cast<int>(ExitCode::usage);
  } catch (const ToolError& e) {
    std::cerr << format_error(tool, e.error()) << "\n";
    return static_cast<int>(e.exit_code());
  } catch (const std::exception& e) {
    std::cerr << format_error(tool, Error{ErrorKind::internal, "internal error", e.what()}) << "\n";
    return static_cast<int>(ExitCode::usage);
  }
}

}  // namespace envlock::cli
