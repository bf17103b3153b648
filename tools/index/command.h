#pragma once
// `envlock index` command line, shared by tools/index and the envlock front.

#include <string>
#include <vector>

namespace envlock::tools {

/// Parses `args` (without the program name), indexes the channel folder (or re-serializes a
/// repodata.json with --from-repodata), prints one line per subdir written and returns the
/// exit code: 0 written, 2 bad usage or a bad package or repodata, 4 a file system failure.
/// Never throws.
int index_command(const std::string& tool, std::vector<std::string> args);

}  // namespace envlock::tools
