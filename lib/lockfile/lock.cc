#include "lib/lockfile/lock.h"

#include "lib/spec/platform.h"

#include <algorithm>
#include <charconv>
#include <ostream>

#include "lib/lockfile/formats.h"

namespace envlock::lockfile {

const char* to_string(Manager manager) {
  return manager == Manager::pip ? "pip" : "conda";
}

const char* to_string(SourceFormat format) {
  switch (format) {
    case SourceFormat::conda_lock_v1:
      return "conda-lock-v1";
    case SourceFormat::rattler_v3:
      return "rattler-v3";
    case SourceFormat::pixi_v4:
      return "pixi-v4";
    case SourceFormat::pixi_v5:
      return "pixi-v5";
    case SourceFormat::pixi_v6:
      return "pixi-v6";
    case SourceFormat::pixi_v7:
      return "pixi-v7";
    case SourceFormat::explicit_file:
      return "explicit";
    case SourceFormat::env_export:
      return "env-export";
    case SourceFormat::micromamba_json:
      return "micromamba-json";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, Manager manager) {
  return out << to_string(manager);
}

std::ostream& operator<<(std::ostream& out, SourceFormat format) {
  return out << to_string(format);
}

bool same_dependencies(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  std::vector<std::string> x = a, y = b;
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  return x == y;
}

const Environment* Lock::environment(const std::string& name) const {
  auto it = environments.find(name);
  return it == environments.end() ? nullptr : &it->second;
}

size_t Lock::package_count() const {
  size_t n = 0;
  for (const auto& [name, env] : environments) {
    for (const auto& [platform, packages] : env.packages) n += packages.size();
  }
  return n;
}

std::string url_filename(const std::string& url) {
  std::string_view u = url;
  size_t cut = u.find_first_of("?#");
  if (cut != std::string_view::npos) u = u.substr(0, cut);
  size_t slash = u.find_last_of('/');
  return std::string(slash == std::string_view::npos ? u : u.substr(slash + 1));
}

bool split_conda_filename(const std::string& filename, std::string& name, std::string& version,
                          std::string& build) {
  std::string_view f = filename;
  if (f.size() > 6 && f.substr(f.size() - 6) == ".conda") {
    f.remove_suffix(6);
  } else if (f.size() > 8 && f.substr(f.size() - 8) == ".tar.bz2") {
    f.remove_suffix(8);
  } else {
    return false;
  }
  size_t b = f.rfind('-');
  if (b == std::string_view::npos || b == 0) return false;
  size_t v = f.rfind('-', b - 1);
  if (v == std::string_view::npos || v == 0) return false;
  name.assign(f.substr(0, v));
  version.assign(f.substr(v + 1, b - v - 1));
  build.assign(f.substr(b + 1));
  return !name.empty() && !version.empty() && !build.empty();
}

namespace detail {

void derive_from_url(LockedPackage& p) {
  if (p.manager != Manager::conda || p.url.empty()) return;
  std::string name, version, build;
  if (split_conda_filename(url_filename(p.url), name, version, build)) {
    if (p.name.empty()) p.name = name;
    if (p.version.empty()) p.version = version;
    if (p.build.empty()) p.build = build;
  }
  // ".../<channel>/<subdir>/<file>"
  std::string_view u = p.url;
  size_t cut = u.find_first_of("?#");
  if (cut != std::string_view::npos) u = u.substr(0, cut);
  size_t file_slash = u.rfind('/');
  if (file_slash == std::string_view::npos || file_slash == 0) return;
  size_t subdir_slash = u.rfind('/', file_slash - 1);
  if (subdir_slash == std::string_view::npos) return;
  std::string_view subdir = u.substr(subdir_slash + 1, file_slash - subdir_slash - 1);
  if (!spec::is_known_platform(subdir)) return;
  if (p.subdir.empty()) p.subdir.assign(subdir);
  if (p.channel.empty()) p.channel.assign(u.substr(0, subdir_slash));
}

std::optional<int64_t> parse_int(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t i = text[0] == '+' ? 1 : 0;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<const YNode*> require(const Ctx& ctx, const YNode& map, std::string_view key,
                             const std::string& what) {
  const YNode* node = map.find(key);
  if (node == nullptr) return ctx.at(map, "missing '" + std::string(key) + "' in " + what);
  return node;
}

Result<std::string> scalar(const Ctx& ctx, const YNode& node, std::string_view key) {
  if (!node.is_scalar()) {
    return ctx.at(node, "'" + std::string(key) + "' must be a string, found " + node.kind_name());
  }
  return node.text;
}

Result<std::string> opt_scalar(const Ctx& ctx, const YNode& map, std::string_view key) {
  const YNode* node = map.find(key);
  if (node == nullptr || node->is_null()) return std::string();
  return scalar(ctx, *node, key);
}

Result<std::optional<int64_t>> opt_int(const Ctx& ctx, const YNode& map, std::string_view key) {
  const YNode* node = map.find(key);
  if (node == nullptr || node->is_null()) return std::optional<int64_t>();
  auto value = node->is_scalar() ? parse_int(node->text) : std::nullopt;
  if (!value) {
    return ctx.at(*node,
                  "'" + std::string(key) + "' must be an integer, found " +
                      (node->is_scalar() ? "'" + node->text + "'" : node->kind_name()));
  }
  return std::optional<int64_t>(*value);
}

Result<std::vector<std::string>> opt_string_list(const Ctx& ctx, const YNode& map,
                                                 std::string_view key) {
  std::vector<std::string> out;
  const YNode* node = map.find(key);
  if (node == nullptr || node->is_null()) return out;
  if (!node->is_seq()) {
    return ctx.at(*node, "'" + std::string(key) + "' must be a list, found " + node->kind_name());
  }
  out.reserve(node->items.size());
  for (const YNode& item : node->items) {
    ENVLOCK_TRY(text, scalar(ctx, item, key));
    out.push_back(std::move(text));
  }
  return out;
}

Result<std::optional<int64_t>> lock_version(const Ctx& ctx, const YNode& root) {
  return opt_int(ctx, root, "version");
}

}  // namespace detail
}  // namespace envlock::lockfile
