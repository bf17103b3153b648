#include "tools/install/command.h"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "lib/channel/http.h"
#include "lib/channel/url.h"
#include "lib/install/install.h"
#include "lib/util/errors.h"
#include "lib/util/file.h"
#include "lib/util/text.h"
#include "tools/common/cli.h"

namespace envlock::tools {

namespace {

install::InterruptState g_interrupt;

// Before staging nothing in the prefix has changed: leave at once. While staging, the install
// stops at the next file and removes its staging folder; during the commit, it finishes.
void on_signal(int) {
  g_interrupt.requested = true;
  if (!g_interrupt.critical && !g_interrupt.cleanup) {
    remove_unfinished_temporaries();  // the part files of downloads in flight
    ::_exit(static_cast<int>(ExitCode::interrupted));
  }
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

}  // namespace

int install_command(const std::string& tool, std::vector<std::string> args) {
  return cli::guarded(tool, [&] {
    CLI::App app{"Create or update a conda prefix exactly from a lock.", "envlock install"};
    install::Options o;
    bool offline = false, json = false;
    double timeout = 30;
    std::string command_line = "envlock install";
    for (const auto& a : args) command_line += " " + a;
    app.add_option(
           "--lock,-l", o.lock_path, "the lock (conda-lock.yml, pixi.lock, @EXPLICIT, env export)")
        ->required();
    app.add_option("--prefix,-p", o.prefix, "the environment folder to create or update")
        ->required();
    app.add_option(
        "--platform", o.platform, "the lock platform to install (default: this machine's)");
    app.add_option("--environment,-e", o.environment, "environment of a multi-environment lock")
        ->capture_default_str();
    app.add_flag("--offline", offline, "use the package cache only (file:// URLs are still read)");
    app.add_option("--pkgs-dir",
                   o.pkgs_dir,
                   "package cache (default: $ENVLOCK_CACHE_DIR/pkgs or ~/.cache/envlock/pkgs)");
    app.add_option("--archive",
                   o.archive,
                   "take every package from this envlock archive (folder, .tar, .tar.zst): "
                   "checked against the lock, nothing downloaded");
    app.add_option(
        "--mirror", o.mirrors, "fetch ORIGINAL from MIRROR: ORIGINAL=MIRROR (repeatable)");
    app.add_option("--jobs,-j", o.jobs, "parallel downloads and extractions")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    app.add_flag("--json", json, "print a JSON report of what changed");
    std::string max_size;
    if (const char* env = std::getenv("ENVLOCK_MAX_PACKAGE_SIZE"); env && *env) max_size = env;
    app.add_option("--max-package-size",
                   max_size,
                   "the most one package may extract to, e.g. 8G (default: "
                   "$ENVLOCK_MAX_PACKAGE_SIZE, else 8G)");
    app.add_option("--timeout",
                   timeout,
                   "seconds to wait for a connection and for each answer (default 30)")
        ->check(CLI::Range(0.001, 86400.0));
    if (auto rc = cli::parse(app, tool, std::move(args))) return *rc;
    o.offline = offline ? install::Offline::yes : install::Offline::no;
    if (!max_size.empty()) {
      auto bytes = parse_size(max_size);
      if (!bytes || *bytes == 0) {
        throw ToolError(
            Error{ErrorKind::usage,
                  "--max-package-size",
                  "expected a size such as 8G, 512M or a number of bytes, got '" + max_size + "'"});
      }
      o.max_package_bytes = *bytes;
    }
    o.command_line = command_line;
    o.http.connect_timeout = o.http.read_timeout =
        std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
    o.http = value_or_throw(channel::with_environment_limits(o.http, channel::process_env()));
    o.interrupt = &g_interrupt;
    install_signal_handlers();

    install::ProgressSink progress;
    if (::isatty(STDERR_FILENO)) {
      progress = [](const install::ProgressEvent& e) {
        std::cerr << "\r\033[K" << printable(to_string(e)) << std::flush;
      };
    }
    auto result = install::run(o, progress);
    if (!result.ok() && g_interrupt.requested) {
      // Staging stopped and cleaned up after itself: the answer is "interrupted", not a failure.
      if (progress) std::cerr << "\r\033[K" << std::flush;
      std::cerr << format_error(tool, result.error()) << "\n";
      return static_cast<int>(ExitCode::interrupted);
    }
    auto report = value_or_throw(std::move(result));
    if (progress) std::cerr << "\r\033[K" << std::flush;
    std::cout << (json ? install::render_json(report) : install::render_text(report));
    return 0;
  });
}

}  // namespace envlock::tools
