#include "lib/capture/capture.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "lib/channel/channel.h"
#include "lib/channel/url.h"
#include "lib/hash/hash.h"
#include "lib/lockfile/lockfile.h"
#include "lib/prefix/dist_info.h"
#include "lib/spec/platform.h"
#include "lib/util/file.h"

namespace fs = std::filesystem;

namespace envlock::capture {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string get(const std::map<std::string, std::string>& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

// `~` and `$VAR` / `${VAR}` as conda expands them in condarc paths.
std::string expand(const std::string& path, const std::map<std::string, std::string>& env) {
  std::string out;
  if (path == "~" || path.rfind("~/", 0) == 0) {
    out = get(env, "HOME") + path.substr(1);
  } else {
    out = path;
  }
  std::string result;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] != '$') {
      result += out[i];
      continue;
    }
    size_t start = i + 1, end;
    bool braced = start < out.size() && out[start] == '{';
    if (braced) {
      end = out.find('}', start);
      if (end == std::string::npos) return result + out.substr(i);
      result += get(env, out.substr(start + 1, end - start - 1));
      i = end;
    } else {
      end = start;
      while (end < out.size() &&
             (std::isalnum(static_cast<unsigned char>(out[end])) || out[end] == '_'))
        ++end;
      result += get(env, out.substr(start, end - start));
      i = end - 1;
    }
  }
  return result;
}

std::vector<std::string> split_path_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(':', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// `envs_dirs` of one condarc file; nothing when it is absent or not simple YAML.
std::vector<std::string> condarc_envs_dirs(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec)) return {};
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap() || !root["envs_dirs"] || !root["envs_dirs"].IsSequence()) return {};
    std::vector<std::string> out;
    for (const auto& item : root["envs_dirs"])
      if (item.IsScalar()) out.push_back(item.as<std::string>());
    return out;
  } catch (const YAML::Exception&) {
    return {};
  }
}

// Root prefixes (installations) known from the environment, in order.
std::vector<std::string> root_prefixes(const std::map<std::string, std::string>& env) {
  std::vector<std::string> roots;
  if (auto root = get(env, "CONDA_ROOT"); !root.empty()) roots.push_back(root);
  if (auto exe = get(env, "CONDA_EXE"); !exe.empty()) {
    // <root>/bin/conda or <root>/condabin/conda
    roots.push_back(fs::path(exe).parent_path().parent_path().string());
  }
  if (auto root = get(env, "MAMBA_ROOT_PREFIX"); !root.empty()) roots.push_back(root);
  if (auto prefix = get(env, "CONDA_PREFIX"); !prefix.empty()) {
    fs::path p = fs::path(prefix).lexically_normal();
    if (p.has_filename() == false) p = p.parent_path();
    if (p.parent_path().filename() == "envs") {
      roots.push_back(p.parent_path().parent_path().string());
    } else {
      roots.push_back(p.string());
    }
  }
  std::string home = get(env, "HOME");
  if (!home.empty())
    for (const char* dir : {"miniconda3", "miniforge3", "anaconda3", "mambaforge", "micromamba"})
      roots.push_back(home + "/" + dir);
  return roots;
}

// A channel as a lock records it: a credential becomes a ${VAR} template when the environment
// holds it, else it is redacted (Channel::lock_url); conda-meta may hold literal secrets.
lockfile::Channel lock_channel(const std::string& channel) {
  if (channel::without_credentials(channel) == channel) return {channel, {}};
  auto parsed = channel::Channel::parse_one(channel, {});
  std::string url = parsed ? parsed->lock_url() : channel::redact_url(channel);
  return {url, channel::env_references(url)};
}

std::string sha256_of_packages(const std::vector<lockfile::LockedPackage>& packages) {
  std::vector<std::string> lines;
  for (const auto& p : packages) lines.push_back(p.url + "#" + p.sha256 + "#" + p.md5);
  std::sort(lines.begin(), lines.end());
  hash::Hasher h(hash::Algorithm::sha256);
  for (const auto& line : lines) h.update(line + "\n");
  return h.finish_hex();
}

}  // namespace

std::optional<std::string> prefix_platform(const prefix::PrefixState& state) {
  std::map<std::string, size_t> counts;
  for (const auto& r : state.records)
    if (!r.subdir.empty() && r.subdir != "noarch") ++counts[r.subdir];
  std::optional<std::string> best;
  size_t best_count = 0;
  for (const auto& r : state.records) {
    auto it = counts.find(r.subdir);
    if (it != counts.end() && it->second > best_count) {
      best = it->first;
      best_count = it->second;
    }
  }
  return best;
}

std::string channel_of(const prefix::PrefixRecord& record) {
  if (!record.url.empty()) {
    std::string url = record.url.substr(0, record.url.find_first_of("?#"));
    size_t file_slash = url.rfind('/');
    if (file_slash != std::string::npos && file_slash > 0) {
      size_t subdir_slash = url.rfind('/', file_slash - 1);
      if (subdir_slash != std::string::npos &&
          spec::is_known_platform(url.substr(subdir_slash + 1, file_slash - subdir_slash - 1)))
        return url.substr(0, subdir_slash);
    }
  }
  std::string channel = record.channel;
  while (!channel.empty() && channel.back() == '/') channel.pop_back();
  if (!record.subdir.empty() && ends_with(channel, "/" + record.subdir))
    channel.resize(channel.size() - record.subdir.size() - 1);
  return channel;
}

Result<lockfile::LockedPackage> locked_package_of(const prefix::PrefixRecord& record,
                                                  const std::string& platform) {
  lockfile::LockedPackage p;
  p.manager = lockfile::Manager::conda;
  p.name = record.name;
  p.version = record.version;
  p.build = record.build;
  p.build_number = record.build_number;
  // Package URLs are stored without credentials, as conda-lock does; the channel keeps them as
  // ${VAR} templates (lock_channel).
  const std::string channel = channel::without_credentials(channel_of(record));
  p.channel = channel;
  p.subdir = record.subdir;
  p.platform = platform;
  p.url = channel::without_credentials(record.url);
  if (p.url.empty() && !channel.empty() && !record.subdir.empty() && !record.fn.empty()) {
    std::string base = channel.find("://") == std::string::npos
                           ? "https://conda.anaconda.org/" + channel
                           : channel;
    p.url = base + "/" + record.subdir + "/" + record.fn;
  }
  if (p.url.empty()) {
    return Error{ErrorKind::input,
                 record.source_file.empty() ? record_file_name(record) : record.source_file,
                 "the record has no url, and none can be made from channel, subdir and fn"};
  }
  p.md5 = hash::normalize_hex(record.md5);
  p.sha256 = hash::normalize_hex(record.sha256);
  if (record.size) p.size = static_cast<int64_t>(*record.size);
  p.depends = record.depends;
  p.constrains = record.constrains;
  p.timestamp = record.timestamp;
  p.noarch = record.noarch;
  p.license = record.license;
  size_t start = 0;
  const std::string& tf = record.track_features;
  while (start < tf.size()) {
    size_t end = tf.find_first_of(" ,", start);
    if (end == std::string::npos) end = tf.size();
    if (end > start) p.track_features.push_back(tf.substr(start, end - start));
    start = end + 1;
  }
  return p;
}

Result<std::vector<lockfile::LockedPackage>> pip_packages_of(const prefix::PrefixState& state,
                                                             const std::string& platform) {
  std::vector<lockfile::LockedPackage> out;
  const std::string site_packages = prefix::site_packages_of(state.records, platform);
  if (site_packages.empty() || state.prefix.empty()) return out;
  ENVLOCK_TRY(found, prefix::read_dist_infos(state.prefix, site_packages));
  for (const auto& d : prefix::pip_managed(std::move(found), state.records)) {
    lockfile::LockedPackage p;
    p.manager = lockfile::Manager::pip;
    p.name = d.name;
    p.version = d.version;
    p.platform = platform;
    // Only an archive (a wheel) with its sha256 is something install can fetch and check.
    const std::string file = lockfile::url_filename(d.url);
    const bool wheel = file.size() > 4 && file.compare(file.size() - 4, 4, ".whl") == 0;
    if (wheel && !d.archive_sha256.empty()) {
      p.url = channel::without_credentials(d.url);
      p.sha256 = d.archive_sha256;
    }
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<lockfile::Lock> lock_of_prefix(const prefix::PrefixState& state,
                                      const std::string& platform_in) {
  std::string platform = platform_in;
  if (platform.empty()) platform = prefix_platform(state).value_or(spec::host_platform());
  lockfile::Lock lock;
  lock.source_format = lockfile::SourceFormat::conda_lock_v1;
  auto& env = lock.environments[lockfile::k_default_environment];
  auto& packages = env.packages[platform];
  std::set<std::string> seen_channels;
  for (const auto& record : state.records) {
    ENVLOCK_TRY(p, locked_package_of(record, platform));
    std::string channel = channel_of(record);
    if (!channel.empty() && seen_channels.insert(channel).second)
      lock.metadata.channels.push_back(lock_channel(channel));
    packages.push_back(std::move(p));
  }
  // pip's side of site-packages: a dist-info conda does not own becomes a `manager: pip` entry.
  // Its wheel's URL and sha256 are known only from a PEP 610 direct_url.json with archive_info
  // (pip writes one for `name @ url` installs, envlock install for every wheel); otherwise the
  // entry keeps an empty url and hash, and custom_metadata says which entries those are.
  std::string unknown;
  ENVLOCK_TRY(pip, pip_packages_of(state, platform));
  for (auto& p : pip) {
    if (p.url.empty()) unknown += (unknown.empty() ? "" : ", ") + p.name + "==" + p.version;
    packages.push_back(std::move(p));
  }
  if (!unknown.empty()) lock.metadata.custom["envlock_pip_url_unknown"] = unknown;
  env.channels = lock.metadata.channels;
  lock.metadata.platforms = {platform};
  lock.metadata.content_hash[platform] = sha256_of_packages(packages);
  lock.metadata.custom["envlock_captured_from"] = "conda-meta";
  return lock;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (const char* key : {"HOME",
                          "CONDARC",
                          "CONDA_ENVS_DIRS",
                          "CONDA_ENVS_PATH",
                          "CONDA_PREFIX",
                          "CONDA_EXE",
                          "CONDA_ROOT",
                          "MAMBA_ROOT_PREFIX"})
    if (const char* value = std::getenv(key)) env[key] = value;
  return env;
}

std::vector<std::string> envs_dirs(const std::map<std::string, std::string>& env) {
  std::vector<std::string> dirs;
  for (const char* key : {"CONDA_ENVS_DIRS", "CONDA_ENVS_PATH"})
    for (const auto& d : split_path_list(get(env, key))) dirs.push_back(expand(d, env));
  std::string home = get(env, "HOME");
  std::vector<std::string> condarcs = {get(env, "CONDARC")};
  if (!home.empty()) {
    condarcs.push_back(home + "/.condarc");
    condarcs.push_back(home + "/.config/conda/condarc");
  }
  for (const auto& file : condarcs)
    for (const auto& d : condarc_envs_dirs(file)) dirs.push_back(expand(d, env));
  for (const auto& root : root_prefixes(env)) dirs.push_back(root + "/envs");
  if (!home.empty()) dirs.push_back(home + "/.conda/envs");
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (auto& d : dirs) {
    std::string normal = fs::path(d).lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
    if (!normal.empty() && seen.insert(normal).second) unique.push_back(normal);
  }
  return unique;
}

Result<std::string> find_named_prefix(const std::string& name,
                                      const std::map<std::string, std::string>& env) {
  if (name.empty() || name.find('/') != std::string::npos)
    return Error{ErrorKind::usage,
                 "--name " + name,
                 "an environment name must be non-empty and without '/' (use --prefix for a path)"};
  std::error_code ec;
  if (name == "base") {
    for (const auto& root : root_prefixes(env))
      if (fs::is_directory(root + "/conda-meta", ec)) return root;
  }
  std::vector<std::string> dirs = envs_dirs(env);
  for (const auto& dir : dirs)
    if (fs::is_directory(dir + "/" + name + "/conda-meta", ec)) return dir + "/" + name;
  std::string searched;
  for (const auto& dir : dirs) searched += (searched.empty() ? "" : ", ") + dir;
  return Error{ErrorKind::usage,
               "--name " + name,
               "no environment of that name in " + (searched.empty() ? "(no folders)" : searched)};
}

Result<Captured> capture_to_files(const Request& request) {
  Captured captured;
  if (!request.prefix.empty()) {
    captured.prefix = request.prefix;
  } else {
    ENVLOCK_TRY(found, find_named_prefix(request.name, process_environment()));
    captured.prefix = found;
  }
  ENVLOCK_TRY(state, prefix::read_conda_meta(captured.prefix));
  ENVLOCK_TRY(lock, lock_of_prefix(state, request.platform));
  captured.platform = lock.metadata.platforms.front();
  captured.packages = lock.package_count();
  for (const auto& [_, env] : lock.environments) {
    for (const auto& [__, packages] : env.packages) {
      for (const auto& p : packages) {
        if (p.manager != lockfile::Manager::pip) continue;
        ++captured.pip_packages;
        if (p.url.empty()) {
          captured.notes.push_back(
              "pip " + p.name + " " + p.version +
              ": the prefix does not record its wheel (no direct_url.json with an archive "
              "hash); locked without url and sha256");
        }
      }
    }
  }
  // Render everything first, then write: a failure leaves no half-written set.
  std::vector<std::pair<std::string, std::string>> files;
  fs::path lockfile =
      request.lockfile.empty() ? fs::path("conda-lock.yml") : fs::path(request.lockfile);
  if (request.write_lock) {
    lockfile::WriteOptions options;
    options.lockfile_name = lockfile.filename().string();
    files.emplace_back(lockfile.string(), lockfile::write_conda_lock_v1(lock, options));
  }
  if (request.write_explicit) {
    fs::path path = lockfile.parent_path() / ("conda-" + captured.platform + ".lock");
    files.emplace_back(
        path.string(),
        lockfile::write_explicit(lock, lockfile::k_default_environment, captured.platform));
  }
  for (const auto& [path, text] : files) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);  // a failure shows when writing
    ENVLOCK_TRY_VOID(write_file_atomic(path, text));
    captured.written.push_back(path);
  }
  return captured;
}

}  // namespace envlock::capture
