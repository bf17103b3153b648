#include "lib/diff/canonical.h"

#include <algorithm>
#include <tuple>

#include "lib/lockfile/lockfile.h"

namespace envlock::diff {
namespace {

struct Line {
  std::string env;
  std::string platform;
  lockfile::Manager manager;
  std::string name;
  std::string version;
  std::string build;
  std::string url;
  std::string hash;

  auto key() const { return std::tie(env, platform, manager, name, version, build, url, hash); }
};

std::string or_dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

}  // namespace

std::string canonical_text(const lockfile::Lock& lock, const Filter& filter) {
  std::vector<Line> lines;
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
      for (const auto& p : packages) {
        std::string hash = !p.sha256.empty() ? "sha256:" + p.sha256
                           : !p.md5.empty()  ? "md5:" + p.md5
                                             : std::string();
        lines.push_back(Line{label,
                             platform.empty() ? "unknown" : platform,
                             p.manager,
                             p.name,
                             p.version,
                             p.build,
                             redact_url(p.url),
                             std::move(hash)});
      }
    }
  }
  std::sort(
      lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.key() < b.key(); });
  // Category duplicates of one artifact: keep one line.
  lines.erase(std::unique(lines.begin(),
                          lines.end(),
                          [](const Line& a, const Line& b) { return a.key() == b.key(); }),
              lines.end());
  std::string out = "# envlock canonical lock: ";
  out += lockfile::to_string(lock.source_format);
  out += "\n";
  for (const Line& l : lines) {
    out += l.env + "/" + l.platform + " " + lockfile::to_string(l.manager) + " " + l.name + " " +
           or_dash(l.version) + " " + or_dash(l.build) + " " + or_dash(l.url) + " " +
           or_dash(l.hash) + "\n";
  }
  return out;
}

Result<std::string> canonical_file(const std::string& path, const Filter& filter) {
  auto lock = lockfile::read_lock(path);
  if (!lock.ok()) return as_input_error(lock.take_error());
  return canonical_text(*lock, filter);
}

}  // namespace envlock::diff
