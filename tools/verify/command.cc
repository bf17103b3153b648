#include "tools/verify/command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "lib/archive/archive.h"
#include "lib/util/errors.h"
#include "lib/verify/verify.h"
#include "tools/common/cli.h"

namespace envlock::tools {

namespace {

int verify_archive(const std::string& path, const std::string& lock, const std::string& platform) {
  archive::VerifyOptions o{path, lock, {}};
  if (!platform.empty()) o.platforms.push_back(platform);
  auto report = value_or_throw(archive::verify(o));
  std::cout << archive::render_text(report);
  return report.findings.empty() ? 0 : static_cast<int>(ExitCode::difference);
}

}  // namespace

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
    app.add_option("--lock,-l", o.lock, "the lock: conda-lock.yml, pixi.lock, @EXPLICIT, ...");
    std::string archive;
    app.add_option("--archive",
                   archive,
                   "check an envlock archive against its MANIFEST.json and the lock (default: "
                   "the lock it holds) instead of a prefix");
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
    if (!archive.empty()) return verify_archive(archive, o.lock, o.platform);
    if (o.lock.empty()) throw ToolError(Error{ErrorKind::usage, "--lock", "is required"});
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
