#include "tools/archive/command.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "lib/archive/archive.h"
#include "lib/channel/channel.h"
#include "lib/channel/http.h"
#include "lib/install/cache.h"
#include "lib/util/errors.h"
#include "tools/common/cli.h"

namespace envlock::tools {

int archive_command(const std::string& tool, std::vector<std::string> args) {
  return cli::guarded(tool, [&] {
    CLI::App app{"Archive every package of a lock as a self-contained conda channel.",
                 "envlock archive"};
    archive::Options o;
    bool offline = false;
    double timeout = 30;
    std::vector<std::string> mirrors;
    app.add_option("--lock,-l", o.lock_path, "the lock (conda-lock.yml, pixi.lock, @EXPLICIT, ...)")
        ->required();
    app.add_option("--output,-o", o.out, "a new folder, or OUT.tar / OUT.tar.zst")->required();
    app.add_option("--platform,-p", o.platforms, "only this platform of the lock (repeatable)");
    app.add_option("--environment,-e", o.environment, "only this environment of a pixi lock");
    app.add_option("--pkgs-dir",
                   o.pkgs_dir,
                   "package cache (default: $ENVLOCK_CACHE_DIR/pkgs or ~/.cache/envlock/pkgs)");
    app.add_flag("--offline", offline, "use the package cache only (file:// URLs are still read)");
    app.add_option("--mirror", mirrors, "fetch ORIGINAL from MIRROR: ORIGINAL=MIRROR (repeatable)");
    app.add_option("--jobs,-j", o.jobs, "parallel downloads and copies")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    app.add_option("--timeout",
                   timeout,
                   "seconds to wait for a connection and for each answer (default 30)")
        ->check(CLI::Range(0.001, 86400.0));
    if (auto rc = cli::parse(app, tool, std::move(args))) return *rc;
    o.offline = offline ? archive::Offline::yes : archive::Offline::no;
    if (o.pkgs_dir.empty()) o.pkgs_dir = install::default_pkgs_dir();
    auto config =
        value_or_throw(channel::load_channel_config(std::filesystem::current_path().string()));
    for (const auto& m : mirrors) {
      // The command line wins over .envlockrc.
      config.mirrors.insert(config.mirrors.begin(),
                            value_or_throw(channel::parse_mirror(m, config)));
    }
    o.download.mirrors = config.mirrors;
    o.download.http.connect_timeout = o.download.http.read_timeout =
        std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
    o.download.http =
        value_or_throw(channel::with_environment_limits(o.download.http, channel::process_env()));
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
      char* end = nullptr;
      long long value = std::strtoll(epoch, &end, 10);
      if (*end || value < 0) {
        throw ToolError(Error{ErrorKind::usage,
                              "SOURCE_DATE_EPOCH",
                              "expected seconds since 1970, got '" + std::string(epoch) + "'"});
      }
      o.source_date_epoch = value;
    }
    std::string version = cli::version_line();
    if (version.rfind("envlock ", 0) == 0) version.erase(0, 8);
    o.envlock_version = version;
    auto report = value_or_throw(archive::create(o));
    std::cout << archive::render_text(report);
    return 0;
  });
}

}  // namespace envlock::tools
