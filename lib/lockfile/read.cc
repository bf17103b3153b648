// Format detection from content and the parse_lock / read_lock entry points.

#include "lib/lockfile/formats.h"
#include "lib/lockfile/lockfile.h"
#include "lib/util/file.h"

namespace envlock::lockfile {
namespace {

using detail::Ctx;
using detail::YNode;

std::string_view strip_bom(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

bool looks_like_json(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{';
  }
  return false;
}

bool has_explicit_marker(std::string_view text) {
  size_t pos = 0;
  while ((pos = text.find("@EXPLICIT", pos)) != std::string_view::npos) {
    size_t line_start = text.rfind('\n', pos);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    size_t line_end = text.find('\n', pos);
    std::string_view line = text.substr(
        line_start,
        line_end == std::string_view::npos ? std::string_view::npos : line_end - line_start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line == "@EXPLICIT") return true;
    pos += 9;
  }
  return false;
}

constexpr const char* k_known =
    "expected a conda-lock file, a pixi.lock, an @EXPLICIT file, an environment export or a "
    "micromamba JSON lock";

// Which YAML format a parsed document is; fails for a top level that fits none.
Result<SourceFormat> yaml_format(const Ctx& ctx, const YNode& root) {
  if (!root.is_map()) {
    return ctx.at(root,
                  std::string("not a lock file: the top level is ") + root.kind_name() +
                      ", not a map (" + k_known + ")");
  }
  ENVLOCK_TRY(version, detail::lock_version(ctx, root));
  if (root.find("environments") != nullptr || (version && *version >= 4)) {
    if (!version) return ctx.at(root, "pixi.lock without 'version'");
    if (*version < 4 || *version > 7) {
      return ctx.at(
          *root.find("version"),
          "unsupported pixi.lock version " + std::to_string(*version) + " (known: 4 to 7)");
    }
    return *version == 4   ? SourceFormat::pixi_v4
           : *version == 5 ? SourceFormat::pixi_v5
           : *version == 6 ? SourceFormat::pixi_v6
                           : SourceFormat::pixi_v7;
  }
  if (version && *version < 1) {
    return ctx.at(*root.find("version"),
                  "unsupported lock file version " + std::to_string(*version));
  }
  if (root.find("package") != nullptr || root.find("metadata") != nullptr || version) {
    return version && *version >= 2 ? SourceFormat::rattler_v3 : SourceFormat::conda_lock_v1;
  }
  if (root.find("dependencies") != nullptr) return SourceFormat::env_export;
  return ctx.at(root, std::string("not a lock file: unknown keys (") + k_known + ")");
}

}  // namespace

Result<SourceFormat> detect_format(std::string_view text, const std::string& path) {
  text = strip_bom(text);
  Ctx ctx{path};
  if (looks_like_json(text)) return SourceFormat::micromamba_json;
  if (has_explicit_marker(text)) return SourceFormat::explicit_file;
  ENVLOCK_TRY(root, detail::parse_yaml(text, path));
  return yaml_format(ctx, root);
}

Result<Lock> parse_lock(std::string_view text, const std::string& path, YamlReader reader) {
  text = strip_bom(text);
  Ctx ctx{path};
  if (text.size() > k_max_lock_bytes) {
    return ctx.whole("larger than " + std::to_string(k_max_lock_bytes >> 20) +
                     " MiB, the limit for a lock");
  }
  if (looks_like_json(text)) return detail::read_micromamba_json(ctx, text);
  if (has_explicit_marker(text)) return detail::read_explicit(ctx, text);
  ENVLOCK_TRY(root, detail::parse_yaml(text, path, reader));
  ENVLOCK_TRY(format, yaml_format(ctx, root));
  switch (format) {
    case SourceFormat::pixi_v4:
      return detail::read_pixi_lock(ctx, root, 4);
    case SourceFormat::pixi_v5:
      return detail::read_pixi_lock(ctx, root, 5);
    case SourceFormat::pixi_v6:
      return detail::read_pixi_lock(ctx, root, 6);
    case SourceFormat::pixi_v7:
      return detail::read_pixi_lock(ctx, root, 7);
    case SourceFormat::env_export:
      return detail::read_env_export(ctx, root);
    default:
      return detail::read_conda_lock(ctx, root);
  }
}

Result<Lock> read_lock(const std::string& path) {
  ENVLOCK_TRY(text, read_file(path, k_max_lock_bytes));
  return parse_lock(text, path);
}

Result<Lock> select_environment(const Lock& lock, const std::string& name) {
  const Environment* env = lock.environment(name);
  if (env == nullptr) {
    std::string names;
    for (const auto& [n, e] : lock.environments) names += (names.empty() ? "" : ", ") + n;
    return Error{
        ErrorKind::input, "environment '" + name + "'", "not in the lock (it has: " + names + ")"};
  }
  Lock out;
  out.source_format = lock.source_format;
  out.metadata = lock.metadata;
  out.metadata.channels = env->channels;
  out.metadata.platforms.clear();
  for (const std::string& platform : lock.metadata.platforms) {
    if (env->packages.count(platform)) out.metadata.platforms.push_back(platform);
  }
  out.environments[k_default_environment] = *env;
  return out;
}

}  // namespace envlock::lockfile
