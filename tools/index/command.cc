#include "tools/index/command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "lib/index/index.h"
#include "lib/util/errors.h"
#include "tools/common/cli.h"

namespace envlock::tools {

int index_command(const std::string& tool, std::vector<std::string> args) {
  return cli::guarded(tool, [&] {
    CLI::App app{
        "Write repodata.json, repodata.json.zst and (--shards) CEP 16 sharded repodata "
        "for a folder of conda packages.",
        "envlock index"};
    index::Options o;
    std::string folder, from_repodata, output;
    bool shards = false;
    auto* dir = app.add_option("DIR", folder, "the channel folder (<subdir>/<package> files)");
    auto* from = app.add_option("--from-repodata",
                                from_repodata,
                                "re-write the records of this repodata.json instead of packages")
                     ->excludes(dir);
    app.add_option("--output,-o", output, "with --from-repodata: the channel folder to write")
        ->needs(from);
    app.add_flag("--shards", shards, "also write repodata_shards.msgpack.zst and shards/ (CEP 16)");
    app.add_option("--subdir",
                   o.subdir,
                   "index only this subdir (with --from-repodata: write the records as this "
                   "subdir)");
    app.add_option(
        "--jobs,-j", o.jobs, "hashing and writing threads (default: the number of cores)");
    if (auto rc = cli::parse(app, tool, std::move(args))) return *rc;
    o.shards = shards ? index::Shards::yes : index::Shards::no;
    if (from_repodata.empty() && folder.empty()) {
      throw ToolError(
          Error{ErrorKind::usage, "", "give a channel folder DIR or --from-repodata FILE -o DIR"});
    }
    if (!from_repodata.empty() && output.empty()) {
      throw ToolError(
          Error{ErrorKind::usage, "--from-repodata", "needs -o DIR, the channel folder to write"});
    }
    index::Report report;
    if (!from_repodata.empty()) {
      report.subdirs.push_back(
          value_or_throw(index::index_repodata_file(from_repodata, output, o)));
    } else {
      report = value_or_throw(index::index_channel(folder, o));
    }
    std::cout << index::render_text(report);
    return 0;
  });
}

}  // namespace envlock::tools
