#pragma once
// A fast reader of only the identity fields of each conda-meta record (name, version, build,
// sha256, md5, url, channel, subdir, size), found by skipping over everything else (files,
// paths_data) without building it. A full read (lib/prefix) is several times slower on large
// prefixes.

#include <string>
#include <vector>

#include "lib/prefix/prefix.h"
#include "lib/util/result.h"

namespace envlock::prefix {

/// Reads `<prefix_dir>/conda-meta/*.json` (AppleDouble `._*` files skipped) into records
/// holding name, version, build, sha256, md5, url, channel, subdir, size and source_file only
/// (what install's no-op check and verify's package tier compare), sorted by file name. Fails with
/// ErrorKind::input naming a record that is not a JSON object with string name, version and
/// build, ErrorKind::io when conda-meta or a record cannot be read.
Result<std::vector<PrefixRecord>> read_record_summaries(const std::string& prefix_dir);

}  // namespace envlock::prefix
