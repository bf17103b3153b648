// conda-lock unified lock files: version 1 (CEP 37), the older key-sorted layout without
// `version`, and rattler's early `version: 2|3` variant (list dependencies, extra fields).

#include <algorithm>
#include <set>

#include "lib/lockfile/formats.h"
#include "lib/lockfile/lockfile.h"
#include "lib/lockfile/pyyaml_scalar.h"

namespace envlock::lockfile {
namespace detail {
namespace {

Result<std::vector<Channel>> read_channels(const Ctx& ctx, const YNode& node) {
  std::vector<Channel> out;
  if (node.is_null()) return out;
  if (!node.is_seq())
    return ctx.at(node, "'channels' must be a list, found " + std::string(node.kind_name()));
  for (const YNode& item : node.items) {
    Channel channel;
    if (item.is_scalar()) {
      channel.url = item.text;  // 2022-era files list plain channel names
    } else if (item.is_map()) {
      ENVLOCK_TRY(url, require(ctx, item, "url", "a channel"));
      ENVLOCK_TRY(text, scalar(ctx, *url, "url"));
      channel.url = std::move(text);
      ENVLOCK_TRY(vars, opt_string_list(ctx, item, "used_env_vars"));
      channel.used_env_vars = std::move(vars);
    } else {
      return ctx.at(item,
                    std::string("a channel must be a string or a map, found ") + item.kind_name());
    }
    if (channel.url.empty()) return ctx.at(item, "empty channel url");
    out.push_back(std::move(channel));
  }
  return out;
}

Result<std::map<std::string, std::string>> read_string_map(const Ctx& ctx, const YNode& node,
                                                           std::string_view key) {
  std::map<std::string, std::string> out;
  if (node.is_null()) return out;
  if (!node.is_map()) {
    return ctx.at(node, "'" + std::string(key) + "' must be a map, found " + node.kind_name());
  }
  for (const auto& [k, v] : node.entries) {
    if (v.is_null()) {
      out[k] = "";
      continue;
    }
    ENVLOCK_TRY(text, scalar(ctx, v, k));
    out[k] = std::move(text);
  }
  return out;
}

Result<Metadata> read_metadata(const Ctx& ctx, const YNode& root) {
  Metadata meta;
  ENVLOCK_TRY(node, require(ctx, root, "metadata", "the lock file"));
  if (!node->is_map()) {
    return ctx.at(*node, std::string("'metadata' must be a map, found ") + node->kind_name());
  }
  const YNode& m = *node;
  ENVLOCK_TRY(channels_node, require(ctx, m, "channels", "'metadata'"));
  ENVLOCK_TRY(channels, read_channels(ctx, *channels_node));
  meta.channels = std::move(channels);
  ENVLOCK_TRY(platforms_node, require(ctx, m, "platforms", "'metadata'"));
  if (!platforms_node->is_seq()) {
    return ctx.at(*platforms_node,
                  std::string("'platforms' must be a list, found ") + platforms_node->kind_name());
  }
  ENVLOCK_TRY(platforms, opt_string_list(ctx, m, "platforms"));
  for (size_t i = 0; i < platforms.size(); ++i) {
    if (platforms[i].empty()) return ctx.at(platforms_node->items[i], "empty platform name");
    for (size_t j = 0; j < i; ++j) {
      if (platforms[j] == platforms[i]) {
        return ctx.at(platforms_node->items[i], "duplicate platform '" + platforms[i] + "'");
      }
    }
  }
  meta.platforms = std::move(platforms);
  ENVLOCK_TRY(sources_node, require(ctx, m, "sources", "'metadata'"));
  (void)sources_node;
  ENVLOCK_TRY(sources, opt_string_list(ctx, m, "sources"));
  meta.sources = std::move(sources);
  ENVLOCK_TRY(hash_node, require(ctx, m, "content_hash", "'metadata'"));
  ENVLOCK_TRY(hashes, read_string_map(ctx, *hash_node, "content_hash"));
  meta.content_hash = std::move(hashes);

  if (const YNode* t = m.find("time_metadata"); t && !t->is_null()) {
    if (!t->is_map()) return ctx.at(*t, "'time_metadata' must be a map");
    ENVLOCK_TRY(created, opt_scalar(ctx, *t, "created_at"));
    meta.created_at = created;
  }
  if (const YNode* g = m.find("git_metadata"); g && !g->is_null()) {
    if (!g->is_map()) return ctx.at(*g, "'git_metadata' must be a map");
    GitMetadata git;
    ENVLOCK_TRY(name, opt_scalar(ctx, *g, "git_user_name"));
    ENVLOCK_TRY(email, opt_scalar(ctx, *g, "git_user_email"));
    ENVLOCK_TRY(sha, opt_scalar(ctx, *g, "git_sha"));
    git.git_user_name = name;
    git.git_user_email = email;
    git.git_sha = sha;
    meta.git = git;
  }
  if (const YNode* in = m.find("inputs_metadata"); in && !in->is_null()) {
    if (!in->is_map()) return ctx.at(*in, "'inputs_metadata' must be a map");
    for (const auto& [source, hashes_node] : in->entries) {
      if (!hashes_node.is_map()) return ctx.at(hashes_node, "input hashes must be a map");
      InputHashes h;
      ENVLOCK_TRY(md5, opt_scalar(ctx, hashes_node, "md5"));
      ENVLOCK_TRY(sha256, opt_scalar(ctx, hashes_node, "sha256"));
      h.md5 = md5;
      h.sha256 = sha256;
      meta.inputs[source] = h;
    }
  }
  if (const YNode* c = m.find("custom_metadata"); c) {
    ENVLOCK_TRY(custom, read_string_map(ctx, *c, "custom_metadata"));
    meta.custom = std::move(custom);
  }
  return meta;
}

Result<bool> read_bool(const Ctx& ctx, const YNode& node, std::string_view key) {
  if (node.is_scalar() && !node.quoted) {
    const std::string& t = node.text;
    if (t == "true" || t == "True" || t == "TRUE") return true;
    if (t == "false" || t == "False" || t == "FALSE") return false;
  }
  return ctx.at(node, "'" + std::string(key) + "' must be true or false");
}

// A `dependencies` map ({name: constraint}) as "name constraint" specs; rattler's version 2/3
// layout has a list of specs instead.
Result<std::vector<std::string>> spec_list(const Ctx& ctx, const YNode& entry,
                                           std::string_view key) {
  std::vector<std::string> out;
  const YNode* deps = entry.find(key);
  if (deps == nullptr || deps->is_null()) return out;
  if (deps->is_seq()) return opt_string_list(ctx, entry, key);
  if (!deps->is_map()) {
    return ctx.at(*deps, "'" + std::string(key) + "' must be a map, found " + deps->kind_name());
  }
  out.reserve(deps->entries.size());
  for (const auto& [dep, constraint] : deps->entries) {
    std::string spec = dep;
    if (!constraint.is_null()) {
      ENVLOCK_TRY(text, scalar(ctx, constraint, dep));
      if (!text.empty()) spec += " " + text;
    }
    out.push_back(std::move(spec));
  }
  return out;
}

Result<LockedPackage> read_package(const Ctx& ctx, const YNode& entry,
                                   const std::vector<std::string>& platforms) {
  if (!entry.is_map()) {
    return ctx.at(entry, std::string("a package entry must be a map, found ") + entry.kind_name());
  }
  LockedPackage p;
  const std::string what = "a package entry";
  ENVLOCK_TRY(name_node, require(ctx, entry, "name", what));
  ENVLOCK_TRY(name, scalar(ctx, *name_node, "name"));
  if (name.empty()) return ctx.at(*name_node, "empty package name");
  p.name = std::move(name);
  const std::string what_pkg = "package '" + p.name + "'";
  ENVLOCK_TRY(version_node, require(ctx, entry, "version", what_pkg));
  ENVLOCK_TRY(version, scalar(ctx, *version_node, "version"));
  p.version = std::move(version);
  ENVLOCK_TRY(manager_node, require(ctx, entry, "manager", what_pkg));
  ENVLOCK_TRY(manager, scalar(ctx, *manager_node, "manager"));
  if (manager == "conda") {
    p.manager = Manager::conda;
  } else if (manager == "pip") {
    p.manager = Manager::pip;
  } else {
    return ctx.at(*manager_node, "unknown manager '" + manager + "' (expected conda or pip)");
  }
  ENVLOCK_TRY(platform_node, require(ctx, entry, "platform", what_pkg));
  ENVLOCK_TRY(platform, scalar(ctx, *platform_node, "platform"));
  if (std::find(platforms.begin(), platforms.end(), platform) == platforms.end()) {
    return ctx.at(
        *platform_node,
        what_pkg + " has platform '" + platform + "', which metadata.platforms does not list");
  }
  p.platform = std::move(platform);
  ENVLOCK_TRY(url_node, require(ctx, entry, "url", what_pkg));
  ENVLOCK_TRY(url, scalar(ctx, *url_node, "url"));
  // A pip entry captured from a prefix may not know its wheel (lib/capture): url '' is
  // "unknown" there; a conda entry always needs one.
  if (url.empty() && p.manager != Manager::pip)
    return ctx.at(*url_node, what_pkg + " has an empty url");
  p.url = std::move(url);

  ENVLOCK_TRY(hash_node, require(ctx, entry, "hash", what_pkg));
  if (!hash_node->is_map()) {
    return ctx.at(*hash_node, std::string("'hash' must be a map, found ") + hash_node->kind_name());
  }
  ENVLOCK_TRY(md5, opt_scalar(ctx, *hash_node, "md5"));
  ENVLOCK_TRY(sha256, opt_scalar(ctx, *hash_node, "sha256"));
  // Both may be empty: old conda-lock versions wrote the fake virtual packages (`__osx`,
  // file:// URL) with `md5: ''`, and source packages from pixi have no artifact hash.
  p.md5 = std::move(md5);
  p.sha256 = std::move(sha256);

  ENVLOCK_TRY(depends, spec_list(ctx, entry, "dependencies"));
  p.depends = std::move(depends);
  // micromamba's samples write `constrains` as a name -> constraint map like `dependencies`.
  ENVLOCK_TRY(constrains, spec_list(ctx, entry, "constrains"));
  p.constrains = std::move(constrains);
  ENVLOCK_TRY(category, opt_scalar(ctx, entry, "category"));
  p.category = category.empty() ? "main" : category;
  if (const YNode* opt = entry.find("optional"); opt && !opt->is_null()) {
    ENVLOCK_TRY(optional, read_bool(ctx, *opt, "optional"));
    p.optional = optional;
  } else {
    p.optional = p.category != "main";
  }
  if (const YNode* source = entry.find("source"); source && !source->is_null()) {
    if (!source->is_map()) return ctx.at(*source, "'source' must be a map");
    ENVLOCK_TRY(type, opt_scalar(ctx, *source, "type"));
    if (type != "url") return ctx.at(*source, "unknown source type '" + type + "'");
    ENVLOCK_TRY(source_url, opt_scalar(ctx, *source, "url"));
    p.source_url = source_url;
  }
  ENVLOCK_TRY(build, opt_scalar(ctx, entry, "build"));
  p.build = build;
  ENVLOCK_TRY(subdir, opt_scalar(ctx, entry, "subdir"));
  p.subdir = subdir;
  ENVLOCK_TRY(build_number, opt_int(ctx, entry, "build_number"));
  p.build_number = build_number;
  ENVLOCK_TRY(size, opt_int(ctx, entry, "size"));
  p.size = size;
  ENVLOCK_TRY(timestamp, opt_int(ctx, entry, "timestamp"));
  p.timestamp = timestamp;
  ENVLOCK_TRY(noarch, opt_scalar(ctx, entry, "noarch"));
  p.noarch = noarch;
  ENVLOCK_TRY(license, opt_scalar(ctx, entry, "license"));
  p.license = license;
  derive_from_url(p);
  return p;
}

}  // namespace

Result<Lock> read_conda_lock(const Ctx& ctx, const YNode& root) {
  Lock lock;
  ENVLOCK_TRY(version, lock_version(ctx, root));
  lock.source_format =
      version && *version >= 2 ? SourceFormat::rattler_v3 : SourceFormat::conda_lock_v1;
  ENVLOCK_TRY(metadata, read_metadata(ctx, root));
  lock.metadata = std::move(metadata);
  ENVLOCK_TRY(packages_node, require(ctx, root, "package", "the lock file"));
  // `package:` left empty reads as null; micromamba accepts that as "no packages"
  // (its good_no_package-lock.yaml sample), and so do we.
  if (!packages_node->is_seq() && !packages_node->is_null()) {
    return ctx.at(*packages_node,
                  std::string("'package' must be a list, found ") + packages_node->kind_name());
  }
  Environment& env = lock.environments[k_default_environment];
  env.channels = lock.metadata.channels;
  for (const std::string& platform : lock.metadata.platforms) env.packages[platform];
  for (const YNode& entry : packages_node->items) {
    ENVLOCK_TRY(package, read_package(ctx, entry, lock.metadata.platforms));
    env.packages[package.platform].push_back(std::move(package));
  }
  return lock;
}

}  // namespace detail

namespace {

using detail::pyyaml_scalar;

void emit_list(std::string& out, const std::string& indent, const std::vector<std::string>& xs) {
  if (xs.empty()) {
    out.back() = ' ';  // "key:\n" -> "key: []\n"
    out += "[]\n";
    return;
  }
  for (const auto& x : xs) out += indent + "- " + pyyaml_scalar(x) + "\n";
}

// Splits "name constraint" into the key and value conda-lock's `dependencies` map holds.
std::pair<std::string, std::string> split_spec(const std::string& spec) {
  size_t space = spec.find(' ');
  if (space == std::string::npos) return {spec, ""};
  size_t start = spec.find_first_not_of(' ', space);
  return {spec.substr(0, space), start == std::string::npos ? "" : spec.substr(start)};
}

std::vector<std::pair<std::string, std::string>> dependency_map(const LockedPackage& p) {
  std::vector<std::pair<std::string, std::string>> deps;
  for (const std::string& spec : p.depends) {
    auto kv = split_spec(spec);
    auto it =
        std::find_if(deps.begin(), deps.end(), [&](const auto& d) { return d.first == kv.first; });
    if (it == deps.end()) {
      deps.push_back(std::move(kv));
    } else if (!kv.second.empty()) {
      // Two constraints on one name: a map holds one value, so join them (both must hold).
      it->second = it->second.empty() ? kv.second : it->second + "," + kv.second;
    }
  }
  // conda-lock keeps a pip entry's dependencies in its metadata's order (requests: charset-
  // normalizer, idna, urllib3, certifi); conda's come sorted.
  if (p.manager == Manager::conda) std::sort(deps.begin(), deps.end());
  return deps;
}

const Environment* chosen_environment(const Lock& lock, const std::string& name) {
  if (const Environment* env = lock.environment(name)) return env;
  if (lock.environments.size() == 1) return &lock.environments.begin()->second;
  return nullptr;
}

void emit_header(std::string& out, const std::vector<const LockedPackage*>& packages,
                 const Metadata& meta, const std::string& file) {
  out +=
      "# This lock file was generated by conda-lock (https://github.com/conda/conda-lock). DO "
      "NOT EDIT!\n"
      "#\n"
      "# A \"lock file\" contains a concrete list of package versions (with checksums) to be "
      "installed. Unlike\n"
      "# e.g. `conda env create`, the resulting environment will not change as new package "
      "versions become\n"
      "# available, unless you explicitly update the lock file.\n"
      "#\n"
      "# Install this environment as \"YOURENV\" with:\n";
  out += "#     conda-lock install -n YOURENV " + file + "\n";
  std::set<std::string> categories;
  for (const LockedPackage* p : packages) categories.insert(p->category);
  if (categories.count("dev")) {
    out +=
        "# This lock contains optional development dependencies. Include them in the installed "
        "environment with:\n";
    out += "#     conda-lock install --dev-dependencies -n YOURENV " + file + "\n";
  }
  std::vector<std::string> extras;
  for (const auto& c : categories) {
    if (c != "main" && c != "dev") extras.push_back(c);
  }
  if (!extras.empty()) {
    std::string names, flags;
    for (const auto& e : extras) {
      names += (names.empty() ? "" : ", ") + e;
      flags += "-e " + e + " ";
    }
    out += "# This lock contains optional dependency categories " + names +
           ". Include them in the installed environment with:\n";
    out += "#     conda-lock install " + flags + "-n YOURENV " + file + "\n";
  }
  out +=
      "# To update a single package to the latest version compatible with the version "
      "constraints in the source:\n";
  out += "#     conda-lock lock  --lockfile " + file + " --update PACKAGE\n";
  out +=
      "# To re-solve the entire environment, e.g. after changing a version constraint in the "
      "source file:\n";
  out += "#     conda-lock";
  for (const auto& s : meta.sources) out += " -f " + s;
  out += " --lockfile " + file + "\n";
}

}  // namespace

std::string write_conda_lock_v1(const Lock& lock, const WriteOptions& options) {
  const Metadata& meta = lock.metadata;
  std::vector<const LockedPackage*> packages;
  if (const Environment* env = chosen_environment(lock, options.environment)) {
    for (const auto& [platform, list] : env->packages) {
      for (const auto& p : list) {
        // conda-lock never writes the fake virtual packages (`__osx`, ...).
        if (p.name.rfind("__", 0) != 0) packages.push_back(&p);
      }
    }
  }
  std::stable_sort(
      packages.begin(), packages.end(), [](const LockedPackage* a, const LockedPackage* b) {
        return std::tie(a->manager, a->name, a->platform, a->category) <
               std::tie(b->manager, b->name, b->platform, b->category);
      });
  std::string out;
  out.reserve(256 + packages.size() * 480);
  emit_header(out, packages, meta, options.lockfile_name);
  out += "version: 1\nmetadata:\n  content_hash:";
  if (meta.content_hash.empty()) {
    out += " {}\n";
  } else {
    out += "\n";
    for (const auto& [platform, hash] : meta.content_hash) {
      out += "    " + pyyaml_scalar(platform) + ": " + pyyaml_scalar(hash) + "\n";
    }
  }
  out += "  channels:\n";
  if (meta.channels.empty()) {
    out.back() = ' ';
    out += "[]\n";
  }
  for (const Channel& c : meta.channels) {
    out += "  - url: " + pyyaml_scalar(c.url) + "\n    used_env_vars:\n";
    emit_list(out, "    ", c.used_env_vars);
  }
  out += "  platforms:\n";
  emit_list(out, "  ", meta.platforms);
  out += "  sources:\n";
  emit_list(out, "  ", meta.sources);
  if (meta.created_at) {
    out += "  time_metadata:\n    created_at: " + pyyaml_scalar(*meta.created_at) + "\n";
  }
  if (meta.git) {
    out += "  git_metadata:\n";
    const GitMetadata& g = *meta.git;
    if (!g.git_user_name.empty())
      out += "    git_user_name: " + pyyaml_scalar(g.git_user_name) + "\n";
    if (!g.git_user_email.empty()) {
      out += "    git_user_email: " + pyyaml_scalar(g.git_user_email) + "\n";
    }
    if (!g.git_sha.empty()) out += "    git_sha: " + pyyaml_scalar(g.git_sha) + "\n";
    if (g.git_user_name.empty() && g.git_user_email.empty() && g.git_sha.empty()) {
      out.pop_back();
      out += " {}\n";
    }
  }
  if (!meta.inputs.empty()) {
    out += "  inputs_metadata:\n";
    for (const auto& [source, h] : meta.inputs) {
      out += "    " + pyyaml_scalar(source) + ":\n";
      out += "      md5: " + pyyaml_scalar(h.md5) + "\n";
      out += "      sha256: " + pyyaml_scalar(h.sha256) + "\n";
    }
  }
  if (!meta.custom.empty()) {
    out += "  custom_metadata:\n";
    for (const auto& [k, v] : meta.custom) {
      out += "    " + pyyaml_scalar(k) + ": " + pyyaml_scalar(v) + "\n";
    }
  }
  out += "package:";
  if (packages.empty()) out += " []";
  out += "\n";
  for (const LockedPackage* p : packages) {
    out += "- name: " + pyyaml_scalar(p->name) + "\n";
    out += "  version: " + pyyaml_scalar(p->version) + "\n";
    out += std::string("  manager: ") + to_string(p->manager) + "\n";
    out += "  platform: " + pyyaml_scalar(p->platform) + "\n";
    auto deps = dependency_map(*p);
    if (deps.empty()) {
      out += "  dependencies: {}\n";
    } else {
      out += "  dependencies:\n";
      for (const auto& [k, v] : deps) {
        out += "    " + pyyaml_scalar(k) + ": " + pyyaml_scalar(v) + "\n";
      }
    }
    out += "  url: " + pyyaml_scalar(p->url) + "\n";
    out += "  hash:\n";
    if (!p->md5.empty()) out += "    md5: " + pyyaml_scalar(p->md5) + "\n";
    if (!p->sha256.empty()) out += "    sha256: " + pyyaml_scalar(p->sha256) + "\n";
    if (p->md5.empty() && p->sha256.empty()) {
      out.pop_back();
      out += " {}\n";
    }
    if (!p->source_url.empty()) {
      out += "  source:\n    type: url\n    url: " + pyyaml_scalar(p->source_url) + "\n";
    }
    out += "  category: " + pyyaml_scalar(p->category) + "\n";
    out += std::string("  optional: ") + (p->optional ? "true" : "false") + "\n";
  }
  return out;
}

}  // namespace envlock::lockfile
