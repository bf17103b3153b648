#include "tools/verify/command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "lib/util/errors.h"
#include "lib/verify/verify.h"
#include "tools/common/cli.h"

namespace envlock::tools {

int verify_command(const std::string& tool, std::vector<std::string> args) {
  return cli::guarded(tool, [&] {
    CLI::App app{"Check that a prefix is exactly what a lock says: packages, files, hashes.",
                 "envlock verify"};
    verify::Options o;
    std::string level = "hashes";
    bool json = false, untracked = false, host = false;
    auto* prefix = app.add_option("--prefix,-p", o.prefix, "the prefix (environment folder)");
    app.add_option("--name,-n", o.name, "a named environment, found the way conda finds it")
        ->excludes(prefix);
    app.add_option("--lock,-l", o.lock, "the lock: conda-lock.yml, pixi.lock, @EXPLICIT, ...")
        ->required();
    app.add_option("--platform", o.platform, "platform of the lock (default: the prefix's)");
    app.add_option("--environment,-e", o.environment, "environment of a pixi lock");
    app.add_option("--level", level, "packages, files or hashes")
        ->check(CLI::IsMember({"packages", "files", "hashes"}))
        ->capture_default_str();
    app.add_option("--jobs,-j", o.jobs, "hashing threads (default: the number of cores)");
    app.add_flag("--untracked", untracked, "also list files that no package owns");
    app.add_flag(
        "--host", host, "exit 1 when this machine cannot run the lock (glibc, CUDA, CPU level)");
    app.add_flag("--json", json, "print a JSON report (schemas/verify-report.schema.json)");
    if (auto rc = cli::parse(app, tool, std::move(args))) return *rc;
    o.level = level == "packages" ? verify::Level::packages
              : level == "files"  ? verify::Level::files
                                  : verify::Level::hashes;
    o.untracked = untracked ? verify::Untracked::yes : verify::Untracked::no;
    o.host = host ? verify::HostCheck::enforce : verify::HostCheck::report;
    auto report = value_or_throw(verify::run(o));
    std::cout << (json ? verify::render_json(report) : verify::render_text(report));
    return verify::exit_code(report);
  });
}

}  // namespace envlock::tools
