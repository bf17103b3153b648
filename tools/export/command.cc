#include "tools/export/command.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "lib/export/export.h"
#include "lib/util/errors.h"
#include "lib/util/file.h"
#include "tools/common/cli.h"

namespace envlock::tools {

int export_command(const std::string& tool, std::vector<std::string> args) {
  return cli::guarded(tool, [&] {
    CLI::App app{"Write a lock as a CycloneDX or SPDX SBOM, a pinned environment.yml or @EXPLICIT.",
                 "envlock export"};
    exporter::Options o;
    std::string format = "cyclonedx", output;
    app.add_option("--lock,-l", o.lock, "the lock: conda-lock.yml, pixi.lock, @EXPLICIT, ...")
        ->required();
    app.add_option("--format,-f", format, "cyclonedx, spdx, environment-yml or explicit")
        ->check(CLI::IsMember({"cyclonedx", "spdx", "environment-yml", "explicit"}))
        ->capture_default_str();
    app.add_option("--platform,-p",
                   o.platform,
                   "one platform (default: SBOMs all, the others this machine's or the only one)");
    app.add_option("--environment,-e", o.environment, "environment of a pixi lock");
    app.add_option("--prefix", o.prefix, "an installed prefix whose conda-meta adds licenses");
    app.add_option("--output,-o", output, "write to FILE (atomically) instead of stdout");
    if (auto rc = cli::parse(app, tool, std::move(args))) return *rc;
    o.format = *exporter::parse_format(format);
    auto text = value_or_throw(exporter::run(o, [](const std::string& name) {
      const char* value = std::getenv(name.c_str());
      return value ? std::optional<std::string>(value) : std::nullopt;
    }));
    if (output.empty() || output == "-") {
      std::cout << text;
    } else {
      value_or_throw(write_file_atomic(output, text));
    }
    return 0;
  });
}

}  // namespace envlock::tools
