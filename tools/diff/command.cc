#include "tools/diff/command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "lib/diff/canonical.h"
#include "lib/diff/diff.h"
#include "lib/diff/render.h"
#include "lib/util/errors.h"
#include "tools/common/cli.h"

namespace envlock::tools {

int diff_command(const std::string& tool, std::vector<std::string> args) {
  return cli::guarded(tool, [&] {
    CLI::App app{
        "Semantic diff of two locks (conda-lock, pixi.lock, @EXPLICIT, env export, "
        "micromamba JSON, in any combination).",
        "envlock diff"};
    std::vector<std::string> files;
    std::string format = "text", color = "auto", environment;
    diff::Filter filter;
    bool textconv = false;
    size_t max_lines = 0;
    app.add_option("files", files, "OLD NEW (or FILE with --textconv)");
    app.add_option("--format", format, "text, markdown or json")
        ->check(CLI::IsMember({"text", "markdown", "json"}))
        ->capture_default_str();
    app.add_option("-p,--platform", filter.platforms, "compare only this platform (repeatable)")
        ->allow_extra_args(false);
    app.add_option("-e,--environment",
                   environment,
                   "compare only this environment (a lock with one environment counts as it)");
    app.add_option("--color", color, "auto, always or never (text format)")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    app.add_option("--max-lines",
                   max_lines,
                   "text: at most N lines (the first ones, a count of the rest, the summary)")
        ->check(CLI::Range(size_t{3}, size_t{1} << 30));
    app.add_flag("--textconv",
                 textconv,
                 "print FILE as canonical one-line-per-package text (a git textconv driver)");
    if (auto rc = cli::parse(app, tool, std::move(args))) return *rc;
    if (!environment.empty()) filter.environment = environment;

    if (textconv) {
      if (files.size() != 1)
        throw ToolError(Error{ErrorKind::usage, "", "--textconv takes one FILE"});
      std::cout << value_or_throw(diff::canonical_file(files[0], filter));
      return 0;
    }
    if (files.size() != 2)
      throw ToolError(Error{ErrorKind::usage, "", "expected OLD and NEW locks"});
    if (max_lines != 0 && format != "text")
      throw ToolError(Error{ErrorKind::usage,
                            "--max-lines",
                            "applies to --format text (markdown is cut to fit a comment)"});
    auto report = value_or_throw(diff::diff_files(files[0], files[1], filter));
    if (format == "json") {
      std::cout << diff::render_json(report);
    } else if (format == "markdown") {
      std::cout << diff::render_markdown(report);
    } else {
      const bool tty = ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
      const bool colored = color == "always" || (color == "auto" && tty);
      std::cout << diff::render_text(
          report, colored ? diff::Color::yes : diff::Color::no, max_lines);
    }
    return diff::exit_code(report);
  });
}

}  // namespace envlock::tools
