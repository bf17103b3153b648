// `conda env export` / `micromamba env export` YAML and micromamba's JSON lock.

#include <nlohmann/json.hpp>

#include "lib/lockfile/formats.h"
#include "lib/util/text.h"

namespace envlock::lockfile::detail {
namespace {

// "[channel::]name=version[=build]" (conda also writes "name==version" for pip-style pins).
bool split_pin(std::string_view spec, LockedPackage& p) {
  size_t colons = spec.find("::");
  if (colons != std::string_view::npos) {
    p.channel = std::string(spec.substr(0, colons));
    spec = spec.substr(colons + 2);
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t eq = spec.find('=', start);
    parts.push_back(spec.substr(start, eq == std::string_view::npos ? eq : eq - start));
    if (eq == std::string_view::npos) break;
    start = eq + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) return false;
  for (auto part : parts) {
    if (part.empty() || part.find_first_of(" <>!*,|") != std::string_view::npos) return false;
  }
  p.name = std::string(parts[0]);
  p.version = std::string(parts[1]);
  if (parts.size() == 3) p.build = std::string(parts[2]);
  return true;
}

}  // namespace

Result<Lock> read_env_export(const Ctx& ctx, const YNode& root) {
  Lock lock;
  lock.source_format = SourceFormat::env_export;
  ENVLOCK_TRY(deps, require(ctx, root, "dependencies", "the environment export"));
  if (!deps->is_seq()) return ctx.at(*deps, "'dependencies' must be a list");
  ENVLOCK_TRY(channels, opt_string_list(ctx, root, "channels"));
  for (auto& c : channels) lock.metadata.channels.push_back(Channel{c, {}});
  // An export does not say which platform it came from; its packages sit under "".
  std::vector<LockedPackage>& out = lock.environments[k_default_environment].packages[""];
  lock.environments[k_default_environment].channels = lock.metadata.channels;
  for (const YNode& item : deps->items) {
    if (item.is_map()) {
      const YNode* pip = item.find("pip");
      if (pip == nullptr || !pip->is_seq()) {
        return ctx.at(item, "a map in 'dependencies' must be 'pip: [...]'");
      }
      for (const YNode& spec : pip->items) {
        ENVLOCK_TRY(text, scalar(ctx, spec, "pip"));
        size_t eq = text.find("==");
        if (eq == std::string::npos || eq == 0 || eq + 2 >= text.size()) {
          return ctx.at(spec, "pip entry '" + text + "' is not pinned as name==version");
        }
        LockedPackage p;
        p.manager = Manager::pip;
        p.name = text.substr(0, eq);
        p.version = text.substr(eq + 2);
        out.push_back(std::move(p));
      }
      continue;
    }
    ENVLOCK_TRY(text, scalar(ctx, item, "dependencies"));
    LockedPackage p;
    if (!split_pin(text, p)) {
      return ctx.at(item, "'" + text + "' is not pinned as name=version=build");
    }
    out.push_back(std::move(p));
  }
  return lock;
}

namespace {

int line_of(std::string_view text, size_t byte, int& column) {
  int line = 1;
  size_t last = 0;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      last = i + 1;
    }
  }
  column = static_cast<int>(byte - last);
  if (column < 1) column = 1;
  return line;
}

}  // namespace

Result<Lock> read_micromamba_json(const Ctx& ctx, std::string_view text) {
  using nlohmann::json;
  json doc;
  ENVLOCK_TRY_VOID(check_json_nesting(text, ctx.path));
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    int column = 0;
    int line = line_of(text, e.byte, column);
    std::string what = e.what();
    size_t cut = what.find("syntax error");
    return Error::at(ErrorKind::input,
                     ctx.path,
                     line,
                     column,
                     "invalid JSON: " + (cut == std::string::npos ? what : what.substr(cut)));
  } catch (const json::exception& e) {
    // Not a syntax error: a number too large for a double ("4e6300"; found by fuzz/lock).
    std::string what = e.what();
    size_t cut = what.find("] ");
    return ctx.whole("invalid JSON: " + (cut == std::string::npos ? what : what.substr(cut + 2)));
  }
  if (!doc.is_object()) return ctx.whole("a JSON lock must be an object");
  auto str = [&](const json& obj,
                 const char* key,
                 std::string& out,
                 const std::string& what) -> Result<void> {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) {
      return ctx.whole(what + " has no string '" + std::string(key) + "'");
    }
    out = it->get<std::string>();
    return Ok{};
  };
  std::string lock_version;
  ENVLOCK_TRY_VOID(str(doc, "lockVersion", lock_version, "the JSON lock"));
  if (lock_version.substr(0, 2) != "1.") {
    return ctx.whole("unsupported lockVersion '" + lock_version + "' (expected 1.x)");
  }
  Lock lock;
  lock.source_format = SourceFormat::micromamba_json;
  std::string platform;
  ENVLOCK_TRY_VOID(str(doc, "platform", platform, "the JSON lock"));
  lock.metadata.platforms.push_back(platform);
  std::map<std::string, std::string> channel_url;
  if (auto info = doc.find("channelInfo"); info != doc.end() && info->is_object()) {
    for (auto& [name, mirrors] : info->items()) {
      if (mirrors.is_array() && !mirrors.empty() && mirrors[0].is_object() &&
          mirrors[0].contains("url") && mirrors[0]["url"].is_string()) {
        channel_url[name] = mirrors[0]["url"].get<std::string>();
      }
    }
  }
  if (auto channels = doc.find("channels"); channels != doc.end() && channels->is_array()) {
    for (const auto& c : *channels) {
      if (!c.is_string()) return ctx.whole("'channels' must hold strings");
      std::string name = c.get<std::string>();
      auto url = channel_url.find(name);
      lock.metadata.channels.push_back(Channel{url == channel_url.end() ? name : url->second, {}});
    }
  }
  Environment& env = lock.environments[k_default_environment];
  env.channels = lock.metadata.channels;
  std::vector<LockedPackage>& out = env.packages[platform];
  auto read_hash = [](const json& pkg, LockedPackage& p) {
    if (auto h = pkg.find("hash"); h != pkg.end() && h->is_object()) {
      if (h->contains("md5") && (*h)["md5"].is_string()) p.md5 = (*h)["md5"];
      if (h->contains("sha256") && (*h)["sha256"].is_string()) p.sha256 = (*h)["sha256"];
    }
  };
  if (auto packages = doc.find("packages"); packages != doc.end()) {
    if (!packages->is_object()) return ctx.whole("'packages' must be an object");
    for (auto& [filename, pkg] : packages->items()) {
      if (!pkg.is_object()) return ctx.whole("package '" + filename + "' must be an object");
      LockedPackage p;
      const std::string what = "package '" + filename + "'";
      ENVLOCK_TRY_VOID(str(pkg, "name", p.name, what));
      ENVLOCK_TRY_VOID(str(pkg, "version", p.version, what));
      ENVLOCK_TRY_VOID(str(pkg, "build", p.build, what));
      ENVLOCK_TRY_VOID(str(pkg, "subdir", p.subdir, what));
      std::string channel;
      ENVLOCK_TRY_VOID(str(pkg, "channel", channel, what));
      auto url = channel_url.find(channel);
      p.channel = url == channel_url.end() ? channel : url->second;
      p.url = p.channel + "/" + p.subdir + "/" + filename;
      p.platform = platform;
      read_hash(pkg, p);
      out.push_back(std::move(p));
    }
  }
  if (auto pip = doc.find("pipPackages"); pip != doc.end()) {
    if (!pip->is_object()) return ctx.whole("'pipPackages' must be an object");
    for (auto& [filename, pkg] : pip->items()) {
      if (!pkg.is_object()) return ctx.whole("pip package '" + filename + "' must be an object");
      LockedPackage p;
      p.manager = Manager::pip;
      const std::string what = "pip package '" + filename + "'";
      ENVLOCK_TRY_VOID(str(pkg, "name", p.name, what));
      ENVLOCK_TRY_VOID(str(pkg, "version", p.version, what));
      ENVLOCK_TRY_VOID(str(pkg, "url", p.url, what));
      p.platform = platform;
      read_hash(pkg, p);
      out.push_back(std::move(p));
    }
  }
  return lock;
}

}  // namespace envlock::lockfile::detail
