#include "lib/diff/canonical.h"

#include <algorithm>

#include "lib/lockfile/lockfile.h"
#include "lib/util/text.h"

namespace envlock::diff {
namespace {

std::string or_dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

}  // namespace

std::string canonical_text(const lockfile::Lock& lock, const Filter& filter) {
  std::vector<std::string> lines;
  for (const auto& [env_name, env] : lock.environments) {
    std::string label = env_name;
    if (filter.environment) {
      if (env_name != *filter.environment && lock.environments.size() != 1) continue;
      label = *filter.environment;
    }
    for (const auto& [platform, packages] : env.packages) {
      if (!filter.platforms.empty() &&
          std::find(filter.platforms.begin(), filter.platforms.end(), platform) ==
              filter.platforms.end()) {
        continue;
      }
      const std::string where = label + "/" + (platform.empty() ? "unknown" : platform) + " ";
      for (const auto& p : packages) {
        const std::string hash = !p.sha256.empty() ? "sha256:" + p.sha256
                                 : !p.md5.empty()  ? "md5:" + p.md5
                                                   : std::string();
        // git shows textconv output on terminals: one line per package, no control bytes.
        lines.push_back(printable(where + lockfile::to_string(p.manager) + " " + p.name + " " +
                                  or_dash(p.version) + " " + or_dash(p.build) + " " +
                                  or_dash(redact_url(p.url)) + " " + or_dash(hash)) +
                        "\n");
      }
    }
  }
  // Byte order of the whole lines, so that `LC_ALL=C sort` agrees; category duplicates of one
  // artifact collapse into one line.
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  std::string out = "# envlock canonical lock: ";
  out += lockfile::to_string(lock.source_format);
  out += "\n";
  for (const std::string& l : lines) out += l;
  return out;
}

Result<std::string> canonical_file(const std::string& path, const Filter& filter) {
  auto lock = lockfile::read_lock(path);
  if (!lock.ok()) return as_input_error(lock.take_error());
  return canonical_text(*lock, filter);
}

}  // namespace envlock::diff
