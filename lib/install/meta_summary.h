#pragma once
// The no-op check's reader: only the identity fields of each conda-meta record (name, version,
// build, sha256, md5, url), found by skipping over everything else (files, paths_data) without
// building it. A full read (lib/prefix) is several times slower on large prefixes.

#include <string>
#include <vector>

#include "lib/prefix/prefix.h"
#include "lib/util/result.h"

namespace envlock::install {

/// Reads `<prefix_dir>/conda-meta/*.json` (AppleDouble `._*` files skipped) into records
/// holding name, version, build, sha256, md5, url and source_file only. Fails with
/// ErrorKind::input naming a record that is not a JSON object with string name, version and
/// build, ErrorKind::io when conda-meta or a record cannot be read.
Result<std::vector<prefix::PrefixRecord>> read_record_summaries(const std::string& prefix_dir);

}  // namespace envlock::install
