#include "tools/lock/command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "lib/channel/http.h"
#include "lib/channel/url.h"
#include "lib/lock/lock.h"
#include "lib/util/errors.h"
#include "lib/util/text.h"
#include "tools/common/cli.h"

namespace envlock::tools {

int lock_command(const std::string& tool, std::vector<std::string> args) {
  return cli::guarded(tool, [&] {
    CLI::App app{"Solve environment.yml into a pinned, hashed conda-lock v1 lock.", "envlock lock"};
    lock::Options o;
    std::vector<std::string> kinds;
    std::string priority = "strict";
    bool offline = false, json = false, verbose = false, no_shards = false;
    double timeout = 30;
    app.add_option("-f,--file",
                   o.files,
                   "environment.yml file(s), merged in order (default: environment.yml)");
    app.add_option("-p,--platform",
                   o.platforms,
                   "platform(s) to lock, e.g. linux-64 osx-arm64 (default: the files' platforms:, "
                   "else this machine's)");
    app.add_option("-c,--channel", o.channels, "channel(s) to use instead of the files' channels");
    app.add_option("--lockfile,-o", o.lockfile, "the lock to write or check")
        ->capture_default_str();
    app.add_option(
           "-k,--kind", kinds, "lock (conda-lock.yml) and/or explicit (conda-<platform>.lock)")
        ->check(CLI::IsMember({"lock", "explicit"}));
    app.add_option("--filename-template",
                   o.filename_template,
                   "names of the -k explicit files, beside the lock: {platform}, {input-hash}, "
                   "{dev-dependencies}")
        ->capture_default_str();
    app.add_flag("--check",
                 o.check,
                 "exit 1 if the lock no longer satisfies the inputs (no network, no solve)");
    app.add_option(
        "--update", o.update, "relock these packages; keep every other package where it is");
    app.add_option(
        "--exclude-newer", o.exclude_newer, "ignore packages published after DATE (YYYY-MM-DD)");
    app.add_option("--virtual-package",
                   o.virtual_packages,
                   "NAME=VERSION[=BUILD], e.g. __glibc=2.17; NAME= removes it");
    app.add_option(
        "--mirror",
        o.mirrors,
        "ORIGINAL=MIRROR: fetch ORIGINAL's packages from MIRROR; the lock keeps ORIGINAL");
    app.add_option("--channel-priority",
                   priority,
                   "strict (default), flexible (conda's default: a lower channel only when "
                   "needed) or disabled (channels are equal)")
        ->check(CLI::IsMember({"strict", "flexible", "disabled"}));
    app.add_option("--cache-dir",
                   o.cache_dir,
                   "repodata cache (default: $ENVLOCK_CACHE_DIR or ~/.cache/envlock)");
    bool strict = false;
    app.add_flag("--strict",
                 strict,
                 "treat input warnings (an unknown environment.yml key) as errors (exit 2)");
    app.add_flag("--offline", offline, "use cached repodata only");
    app.add_flag("--no-shards",
                 no_shards,
                 "read repodata.json(.zst) even where a channel serves sharded repodata (CEP 16)");
    app.add_option("--timeout",
                   timeout,
                   "seconds to wait for a connection and for each answer (default 30)")
        ->check(CLI::Range(0.001, 86400.0));
    app.add_flag("--json", json, "print a JSON report");
    app.add_flag("--verbose", verbose, "explain an unsatisfiable request build by build, in full");
    app.add_option("--from-prefix",
                   o.from_prefix,
                   "lock an existing prefix from its conda-meta records (no solve)");
    app.add_option(
        "--name,-n", o.from_name, "lock the named environment, found like conda does (no solve)");
    if (auto rc = cli::parse(app, tool, std::move(args))) return *rc;
    if (!kinds.empty()) {
      o.kinds.clear();
      for (const auto& k : kinds)
        o.kinds.push_back(k == "lock" ? lock::Kind::lock : lock::Kind::explicit_files);
    }
    o.offline = offline ? lock::Offline::yes : lock::Offline::no;
    o.shards = no_shards ? lock::Shards::no : lock::Shards::yes;
    o.strict = strict ? lock::Strict::yes : lock::Strict::no;
    o.priority = priority == "strict"     ? lock::Priority::strict
                 : priority == "flexible" ? lock::Priority::flexible
                                          : lock::Priority::disabled;
    if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) o.working_dir = wd;  // bazel run
    o.http.connect_timeout = o.http.read_timeout =
        std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
    o.http = value_or_throw(channel::with_environment_limits(o.http, channel::process_env()));

    lock::ProgressSink progress;
    if (::isatty(STDERR_FILENO))
      progress = [](const std::string& line) { std::cerr << printable(line) << "\n"; };
    auto report = value_or_throw(lock::run(o, progress));
    for (const auto& w : report.warnings)
      std::cerr << "envlock " << tool << ": warning: " << printable(w) << "\n";
    auto verbosity = verbose ? lock::Verbosity::full : lock::Verbosity::brief;
    if (!json && report.outcome == lock::Report::Outcome::unsatisfiable)
      std::cerr << "envlock " << tool << ": error: " << lock::render_text(report, verbosity);
    else
      std::cout << (json ? lock::render_json(report) : lock::render_text(report, verbosity));
    return lock::exit_code(report);
  });
}

}  // namespace envlock::tools
