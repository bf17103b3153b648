#include "tools/run/command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "lib/run/run.h"
#include "lib/util/errors.h"
#include "tools/common/cli.h"

namespace envlock::tools {

int run_command(const std::string& tool, std::vector<std::string> args) {
  return cli::guarded(tool, [&] {
    CLI::App app{"Run a command inside an installed environment, activated as `conda run` does.",
                 "envlock run"};
    run::Options o;
    bool print_env = false;
    std::string format = "shell";
    auto* prefix = app.add_option("--prefix,-p", o.prefix, "the prefix (environment folder)");
    app.add_option("--name,-n", o.name, "a named environment, found the way conda finds it")
        ->excludes(prefix);
    app.add_flag("--print-env", print_env, "print what activation sets, one KEY=VALUE a line");
    app.add_option("--format", format, "--print-env as shell (KEY=VALUE) or dockerfile (ENV)")
        ->check(CLI::IsMember({"shell", "dockerfile"}))
        ->capture_default_str();
    app.add_option("command", o.command, "-- CMD ARGS...");
    if (auto rc = cli::parse(app, tool, std::move(args))) return *rc;
    if (print_env && !o.command.empty())
      throw ToolError(Error{ErrorKind::usage, "--print-env", "takes no command"});
    if (!print_env && o.command.empty())
      throw ToolError(
          Error{ErrorKind::usage, "--", "no command to run (envlock run -p DIR -- CMD)"});
    const auto base = run::process_environment();
    auto activation = value_or_throw(run::activate(o, base));
    if (print_env) {
      auto env = value_or_throw(run::activated_environment(activation));
      std::cout << value_or_throw(run::render_changes(
          base, env, format == "dockerfile" ? run::Style::dockerfile : run::Style::shell));
      return 0;
    }
    std::cout.flush();
    return value_or_throw(run::run_command(activation, o.command));
  });
}

}  // namespace envlock::tools
