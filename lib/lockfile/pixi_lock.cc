// pixi.lock (rattler_lock) format versions 4 to 7.

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "lib/lockfile/formats.h"
#include "lib/spec/platform.h"

namespace envlock::lockfile::detail {
namespace {

// One record of the top-level `packages` list, with what locates it.
struct Record {
  LockedPackage package;
  std::string location;  // url / path / conda_source key: what environments refer to
  const YNode* node = nullptr;
};

bool valid_platform_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "name >=1.0 ; extra == 'x'" style requirement -> "name constraint".
std::string pep508_to_spec(const std::string& req) {
  size_t i = 0;
  while (i < req.size() && (std::isalnum(static_cast<unsigned char>(req[i])) || req[i] == '-' ||
                            req[i] == '_' || req[i] == '.')) {
    ++i;
  }
  std::string name = req.substr(0, i);
  size_t rest = req.find_first_not_of(' ', i);
  if (rest == std::string::npos) return name;
  return name + " " + req.substr(rest);
}

std::optional<int64_t> build_number_from_build(const std::string& build) {
  size_t underscore = build.rfind('_');
  std::string_view digits = underscore == std::string::npos
                                ? std::string_view(build)
                                : std::string_view(build).substr(underscore + 1);
  return parse_int(digits);
}

Result<std::vector<std::string>> features_list(const Ctx& ctx, const YNode& map,
                                               std::string_view key) {
  const YNode* node = map.find(key);
  if (node && node->is_scalar()) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : node->text + " ") {
      if (c == ' ' || c == ',') {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
      } else {
        cur.push_back(c);
      }
    }
    return out;
  }
  return opt_string_list(ctx, map, key);
}

Result<Record> read_record(const Ctx& ctx, const YNode& entry, int64_t version) {
  if (!entry.is_map()) {
    return ctx.at(entry, std::string("a package record must be a map, found ") + entry.kind_name());
  }
  Record r;
  r.node = &entry;
  LockedPackage& p = r.package;
  std::string kind;
  if (version <= 5) {
    ENVLOCK_TRY(kind_node, require(ctx, entry, "kind", "a package record"));
    ENVLOCK_TRY(k, scalar(ctx, *kind_node, "kind"));
    kind = k;
    if (kind != "conda" && kind != "pypi") {
      return ctx.at(*kind_node, "unknown package kind '" + kind + "'");
    }
    ENVLOCK_TRY(url, opt_scalar(ctx, entry, "url"));
    ENVLOCK_TRY(path, opt_scalar(ctx, entry, "path"));
    r.location = url.empty() ? path : url;
    if (r.location.empty()) return ctx.at(entry, "package record has neither 'url' nor 'path'");
  } else if (const YNode* c = entry.find("conda")) {
    kind = "conda";
    ENVLOCK_TRY(loc, scalar(ctx, *c, "conda"));
    r.location = loc;
  } else if (const YNode* s = entry.find("conda_source")) {
    kind = "conda";
    ENVLOCK_TRY(loc, scalar(ctx, *s, "conda_source"));
    r.location = loc;
    // "name[hash] @ location"
    size_t bracket = loc.find('[');
    size_t at = loc.find(" @ ");
    if (bracket == std::string::npos || at == std::string::npos) {
      return ctx.at(*s, "malformed conda_source '" + loc + "' (expected 'name[hash] @ path')");
    }
    p.name = loc.substr(0, bracket);
    p.url = loc.substr(at + 3);
  } else if (const YNode* y = entry.find("pypi")) {
    kind = "pypi";
    ENVLOCK_TRY(loc, scalar(ctx, *y, "pypi"));
    r.location = loc;
  } else {
    return ctx.at(entry, "package record has none of 'conda', 'conda_source' or 'pypi'");
  }
  if (r.location.empty()) return ctx.at(entry, "package record with an empty location");
  if (p.url.empty()) p.url = r.location;
  p.manager = kind == "pypi" ? Manager::pip : Manager::conda;

  ENVLOCK_TRY(name, opt_scalar(ctx, entry, "name"));
  if (!name.empty()) p.name = name;
  ENVLOCK_TRY(ver, opt_scalar(ctx, entry, "version"));
  p.version = ver;
  ENVLOCK_TRY(md5, opt_scalar(ctx, entry, "md5"));
  p.md5 = md5;
  ENVLOCK_TRY(sha256, opt_scalar(ctx, entry, "sha256"));
  p.sha256 = sha256;
  if (p.manager == Manager::pip) {
    ENVLOCK_TRY(requires_dist, opt_string_list(ctx, entry, "requires_dist"));
    for (const auto& req : requires_dist) p.depends.push_back(pep508_to_spec(req));
    ENVLOCK_TRY(requires_python, opt_scalar(ctx, entry, "requires_python"));
    p.requires_python = requires_python;
    if (p.name.empty()) return ctx.at(entry, "pypi record '" + r.location + "' has no name");
    return r;
  }
  ENVLOCK_TRY(build, opt_scalar(ctx, entry, "build"));
  p.build = build;
  ENVLOCK_TRY(build_number, opt_int(ctx, entry, "build_number"));
  p.build_number = build_number;
  ENVLOCK_TRY(subdir, opt_scalar(ctx, entry, "subdir"));
  p.subdir = subdir;
  ENVLOCK_TRY(noarch, opt_scalar(ctx, entry, "noarch"));
  p.noarch = noarch;
  ENVLOCK_TRY(channel, opt_scalar(ctx, entry, "channel"));
  p.channel = channel;
  ENVLOCK_TRY(depends, opt_string_list(ctx, entry, "depends"));
  p.depends = std::move(depends);
  ENVLOCK_TRY(constrains, opt_string_list(ctx, entry, "constrains"));
  p.constrains = std::move(constrains);
  ENVLOCK_TRY(license, opt_scalar(ctx, entry, "license"));
  p.license = license;
  ENVLOCK_TRY(size, opt_int(ctx, entry, "size"));
  p.size = size;
  ENVLOCK_TRY(timestamp, opt_int(ctx, entry, "timestamp"));
  p.timestamp = timestamp;
  ENVLOCK_TRY(track_features, features_list(ctx, entry, "track_features"));
  p.track_features = std::move(track_features);
  derive_from_url(p);
  if (!p.build_number && !p.build.empty()) p.build_number = build_number_from_build(p.build);
  if (p.name.empty()) return ctx.at(entry, "conda record '" + r.location + "' has no name");
  return r;
}

Result<std::vector<Channel>> read_env_channels(const Ctx& ctx, const YNode& env) {
  std::vector<Channel> out;
  const YNode* node = env.find("channels");
  if (node == nullptr || node->is_null()) return out;
  if (!node->is_seq()) return ctx.at(*node, "'channels' must be a list");
  for (const YNode& item : node->items) {
    Channel c;
    if (item.is_scalar()) {
      c.url = item.text;
    } else if (item.is_map()) {
      ENVLOCK_TRY(url_node, require(ctx, item, "url", "a channel"));
      ENVLOCK_TRY(url, scalar(ctx, *url_node, "url"));
      c.url = url;
      ENVLOCK_TRY(vars, opt_string_list(ctx, item, "used_env_vars"));
      c.used_env_vars = std::move(vars);
    } else {
      return ctx.at(item, "a channel must be a string or a map");
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Among records at one location, the one a selector names (v6 disambiguation fields).
Result<const Record*> pick(const Ctx& ctx, const YNode& selector, const std::string& location,
                           const std::vector<const Record*>& candidates,
                           const std::string& context) {
  if (candidates.empty()) {
    return ctx.at(selector,
                  context + " refers to '" + location +
                      "', which the top-level 'packages' list does not hold");
  }
  if (candidates.size() == 1) return candidates[0];
  std::vector<const Record*> left = candidates;
  for (const char* field : {"name", "version", "build", "subdir"}) {
    ENVLOCK_TRY(want, opt_scalar(ctx, selector, field));
    if (want.empty()) continue;
    std::vector<const Record*> keep;
    for (const Record* r : left) {
      const LockedPackage& p = r->package;
      std::string_view have = std::string_view(field) == "name"      ? p.name
                              : std::string_view(field) == "version" ? p.version
                              : std::string_view(field) == "build"   ? p.build
                                                                     : p.subdir;
      if (have == want) keep.push_back(r);
    }
    left = std::move(keep);
  }
  if (left.empty()) {
    return ctx.at(selector, context + ": no record at '" + location + "' matches the selector");
  }
  return left[0];
}

}  // namespace

Result<Lock> read_pixi_lock(const Ctx& ctx, const YNode& root, int64_t version) {
  Lock lock;
  lock.source_format = version == 4   ? SourceFormat::pixi_v4
                       : version == 5 ? SourceFormat::pixi_v5
                       : version == 6 ? SourceFormat::pixi_v6
                                      : SourceFormat::pixi_v7;

  // v7: named platforms, each with a subdir.
  std::vector<std::pair<std::string, std::string>> named_platforms;  // name -> subdir
  if (version >= 7) {
    ENVLOCK_TRY(platforms_node, require(ctx, root, "platforms", "a version 7 pixi.lock"));
    if (!platforms_node->is_seq()) return ctx.at(*platforms_node, "'platforms' must be a list");
    for (const YNode& item : platforms_node->items) {
      if (!item.is_map()) return ctx.at(item, "a platform must be a map with 'name'");
      ENVLOCK_TRY(name_node, require(ctx, item, "name", "a platform"));
      ENVLOCK_TRY(name, scalar(ctx, *name_node, "name"));
      if (!valid_platform_name(name)) {
        return ctx.at(*name_node,
                      "invalid platform name '" + name + "' (letters, digits, '-' and '_' only)");
      }
      ENVLOCK_TRY(subdir, opt_scalar(ctx, item, "subdir"));
      if (subdir.empty()) subdir = name;
      if (!spec::is_known_platform(subdir)) {
        return ctx.at(item, "platform '" + name + "' has unknown subdir '" + subdir + "'");
      }
      for (const auto& [n, s] : named_platforms) {
        if (n == name) return ctx.at(*name_node, "platform '" + name + "' is defined twice");
      }
      named_platforms.emplace_back(name, subdir);
      lock.metadata.platforms.push_back(name);
    }
  }

  ENVLOCK_TRY(envs_node, require(ctx, root, "environments", "the pixi.lock"));
  if (!envs_node->is_map()) {
    return ctx.at(*envs_node,
                  std::string("'environments' must be a map, found ") + envs_node->kind_name());
  }
  ENVLOCK_TRY(packages_node, require(ctx, root, "packages", "the pixi.lock"));
  if (!packages_node->is_seq() && !packages_node->is_null()) {
    return ctx.at(*packages_node,
                  std::string("'packages' must be a list, found ") + packages_node->kind_name());
  }

  std::vector<Record> records;
  records.reserve(packages_node->items.size());
  for (const YNode& entry : packages_node->items) {
    ENVLOCK_TRY(record, read_record(ctx, entry, version));
    records.push_back(std::move(record));
  }
  // Records are found by (kind, location); several may share a source path.
  std::unordered_map<std::string, std::vector<const Record*>> by_location;
  by_location.reserve(records.size() * 2);
  for (const Record& r : records) {
    std::string key = (r.package.manager == Manager::pip ? "pypi:" : "conda:") + r.location;
    by_location[key].push_back(&r);
  }

  for (const auto& [env_name, env_node] : envs_node->entries) {
    if (!env_node.is_map()) {
      return ctx.at(env_node, "environment '" + env_name + "' must be a map");
    }
    Environment env;
    ENVLOCK_TRY(channels, read_env_channels(ctx, env_node));
    env.channels = std::move(channels);
    ENVLOCK_TRY(indexes, opt_string_list(ctx, env_node, "indexes"));
    env.pypi_indexes = std::move(indexes);
    const YNode* pk = env_node.find("packages");
    if (pk != nullptr && !pk->is_null()) {
      if (!pk->is_map()) {
        return ctx.at(*pk, "'packages' of environment '" + env_name + "' must be a map");
      }
      for (const auto& [platform, list] : pk->entries) {
        std::string subdir = platform;
        if (version >= 7) {
          auto it =
              std::find_if(named_platforms.begin(),
                           named_platforms.end(),
                           [&platform = platform](const auto& np) { return np.first == platform; });
          if (it == named_platforms.end()) {
            return ctx.at(*pk,
                          "environment '" + env_name + "' uses platform '" + platform +
                              "', which 'platforms' does not define");
          }
          subdir = it->second;
        } else if (std::find(lock.metadata.platforms.begin(),
                             lock.metadata.platforms.end(),
                             platform) == lock.metadata.platforms.end()) {
          lock.metadata.platforms.push_back(platform);
        }
        if (!list.is_seq()) {
          return ctx.at(list, "packages of '" + env_name + "/" + platform + "' must be a list");
        }
        std::vector<LockedPackage>& out = env.packages[platform];
        out.reserve(list.items.size());
        const std::string context = "environment '" + env_name + "' platform '" + platform + "'";
        for (const YNode& sel : list.items) {
          if (!sel.is_map()) return ctx.at(sel, context + ": a package reference must be a map");
          std::string key;
          std::string location;
          if (const YNode* c = sel.find("conda")) {
            ENVLOCK_TRY(loc, scalar(ctx, *c, "conda"));
            location = loc;
            key = "conda:" + loc;
          } else if (const YNode* s = sel.find("conda_source")) {
            ENVLOCK_TRY(loc, scalar(ctx, *s, "conda_source"));
            location = loc;
            key = "conda:" + loc;
          } else if (const YNode* y = sel.find("pypi")) {
            ENVLOCK_TRY(loc, scalar(ctx, *y, "pypi"));
            location = loc;
            key = "pypi:" + loc;
          } else {
            return ctx.at(sel, context + ": a package reference needs 'conda' or 'pypi'");
          }
          auto found = by_location.find(key);
          static const std::vector<const Record*> k_none;
          ENVLOCK_TRY(record,
                      pick(ctx,
                           sel,
                           location,
                           found == by_location.end() ? k_none : found->second,
                           context));
          LockedPackage p = record->package;
          p.platform = platform;
          if (p.manager == Manager::conda && p.subdir.empty()) p.subdir = subdir;
          if (p.manager == Manager::pip) {
            ENVLOCK_TRY(extras, opt_string_list(ctx, sel, "extras"));
            p.pip_extras = std::move(extras);
          }
          out.push_back(std::move(p));
        }
      }
    }
    lock.environments.emplace(env_name, std::move(env));
  }
  const Environment* main_env = lock.environment(k_default_environment);
  if (main_env == nullptr && !lock.environments.empty()) {
    main_env = &lock.environments.begin()->second;
  }
  if (main_env) lock.metadata.channels = main_env->channels;
  return lock;
}

}  // namespace envlock::lockfile::detail
