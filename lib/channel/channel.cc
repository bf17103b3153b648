#include "lib/channel/channel.h"

#include "lib/spec/platform.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>

extern char** environ;

namespace envlock::channel {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 3> k_default_names = {"pkgs/main", "pkgs/r", "pkgs/msys2"};

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// True when `url` equals `prefix` or continues it after a '/'.
bool is_url_prefix(std::string_view prefix, std::string_view url) {
  if (!starts_with(url, prefix)) return false;
  return url.size() == prefix.size() || prefix.empty() || prefix.back() == '/' ||
         url[prefix.size()] == '/';
}

std::string trim(std::string_view text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(b, e - b + 1));
}

std::string without_trailing_slash(std::string text) {
  while (text.size() > 1 && text.back() == '/' && !text.ends_with("://")) text.pop_back();
  return text;
}

bool looks_like_path(std::string_view spec) {
  return spec == "." || spec == ".." || starts_with(spec, "/") || starts_with(spec, "./") ||
         starts_with(spec, "../") || starts_with(spec, "~");
}

std::string absolute_path(std::string_view spec, const std::string& base_dir) {
  std::string path(spec);
  if (starts_with(path, "~")) {
    const char* home = std::getenv("HOME");
    path = std::string(home ? home : "") + path.substr(1);
  }
  fs::path p(path);
  if (p.is_relative()) {
    fs::path base = base_dir.empty() ? fs::current_path() : fs::path(base_dir);
    p = base / p;
  }
  return without_trailing_slash(p.lexically_normal().string());
}

// Environment variables whose value is exactly `value`, names with a preferred suffix first.
std::string env_var_holding(const std::string& value, const std::vector<std::string>& suffixes) {
  if (value.empty()) return "";
  std::vector<std::string> names;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view v = entry.substr(eq + 1);
    if (v == value || v == percent_decode(value)) names.emplace_back(entry.substr(0, eq));
  }
  std::sort(names.begin(), names.end());
  for (const auto& suffix : suffixes) {
    for (const auto& n : names) {
      if (n.ends_with(suffix)) return n;
    }
  }
  return names.empty() ? "" : names.front();
}

// A credential as conda-lock stores it: templates stay, literals become ${VAR} or `redacted`.
std::string templated(const std::string& value, const std::vector<std::string>& suffixes,
                      std::string_view redacted) {
  if (value.find('$') != std::string::npos) return value;
  std::string var = env_var_holding(value, suffixes);
  return var.empty() ? std::string(redacted) : "${" + var + "}";
}

Error usage(std::string_view spec, std::string message) {
  return Error{ErrorKind::usage, redact_url(spec), std::move(message)};
}

}  // namespace

Result<std::vector<Channel>> Channel::parse(std::string_view raw_spec,
                                            const ChannelConfig& config) {
  std::string spec = without_trailing_slash(trim(raw_spec));
  if (spec.empty() || spec == "/") return usage(raw_spec, "empty channel name");
  EnvLookup env = process_env();
  if (spec == "defaults") {
    std::vector<Channel> out;
    for (auto name : k_default_names) {
      ENVLOCK_TRY(c, from_name(name, config, env));
      out.push_back(std::move(c));
    }
    return out;
  }
  if (has_scheme(spec)) {
    ENVLOCK_TRY(c, from_url(spec, config, env));
    return std::vector<Channel>{std::move(c)};
  }
  if (looks_like_path(spec)) {
    ENVLOCK_TRY(c, from_url(path_to_file_url(absolute_path(spec, config.base_dir)), config, env));
    return std::vector<Channel>{std::move(c)};
  }
  if (spec.find("://") != std::string::npos || spec.find(' ') != std::string::npos) {
    return usage(spec, "not a channel name or URL");
  }
  ENVLOCK_TRY(c, from_name(spec, config, env));
  return std::vector<Channel>{std::move(c)};
}

Result<Channel> Channel::parse_one(std::string_view spec, const ChannelConfig& config) {
  ENVLOCK_TRY(channels, parse(spec, config));
  if (channels.size() != 1) {
    return usage(spec, "names several channels; give one channel name or URL");
  }
  return std::move(channels.front());
}

Result<Channel> Channel::from_name(std::string_view name, const ChannelConfig& config,
                                   const EnvLookup& env) {
  bool is_default =
      std::find(k_default_names.begin(), k_default_names.end(), name) != k_default_names.end();
  std::string base = is_default ? std::string(k_default_channels_host) : config.channel_alias;
  ENVLOCK_TRY(parts, split_url(without_trailing_slash(base)));
  parts.path += "/" + std::string(name);
  Channel c;
  c.m_canonical_name = std::string(name);
  c.m_windows_only = name == "pkgs/msys2";
  c.finish(parts, env);
  return c;
}

Result<Channel> Channel::from_url(std::string_view url, const ChannelConfig& config,
                                  const EnvLookup& env) {
  ENVLOCK_TRY(parts, split_url(url));
  auto last_slash = parts.path.rfind('/');
  if (last_slash != std::string::npos &&
      spec::is_known_platform(parts.path.substr(last_slash + 1))) {
    parts.path.erase(last_slash);
  }
  Channel c;
  if (parts.scheme == "file") {
    if (parts.has_userinfo || (!parts.host.empty() && parts.host != "localhost")) {
      return usage(url, "file URLs must be file:///absolute/path");
    }
    auto path = file_url_to_path("file://" + parts.path);
    c.m_local_path = path && !path->empty() ? *path : "/";
    c.m_base_url = path_to_file_url(c.m_local_path);
    c.m_credential_url = c.m_base_url;
    c.m_canonical_name = c.m_base_url;
    c.m_lock_url = c.m_base_url;
    return c;
  }
  if (parts.scheme != "http" && parts.scheme != "https") {
    return usage(url, "unsupported URL scheme '" + parts.scheme + "' (use http, https or file)");
  }
  if (parts.host.empty()) return usage(url, "URL has no host");
  std::string stripped = parts.stripped();
  std::string alias = without_trailing_slash(strip_credentials(config.channel_alias));
  std::string defaults_host(k_default_channels_host);
  c.m_canonical_name = stripped;
  if (is_url_prefix(alias, stripped) && stripped.size() > alias.size() + 1) {
    c.m_canonical_name = stripped.substr(alias.size() + 1);
  } else if (is_url_prefix(defaults_host, stripped) && stripped.size() > defaults_host.size()) {
    std::string rest = stripped.substr(defaults_host.size() + 1);
    if (std::find(k_default_names.begin(), k_default_names.end(), rest) != k_default_names.end()) {
      c.m_canonical_name = rest;
      c.m_windows_only = rest == "pkgs/msys2";
    }
  }
  c.finish(parts, env);
  return c;
}

void Channel::finish(const UrlParts& parts, const EnvLookup&) {
  m_base_url = parts.stripped();
  m_credential_url = parts.with_credentials();
  if (m_credential_url == m_base_url) {
    m_lock_url = m_canonical_name;
    return;
  }
  UrlParts lock = parts;
  lock.user = templated(parts.user, {"USERNAME", "USER"}, "***");
  if (!parts.password.empty()) {
    lock.password = templated(parts.password, {"PASSWORD", "PASS", "TOKEN", "KEY"}, "***");
  }
  if (!parts.token.empty()) {
    lock.token = templated(parts.token, {"TOKEN", "CRED", "PASSWORD", "PASS", "KEY"}, "<TOKEN>");
  }
  m_lock_url = lock.with_credentials();
  m_used_env_vars = env_references(m_lock_url);
  std::sort(m_used_env_vars.begin(), m_used_env_vars.end());
  m_used_env_vars.erase(std::unique(m_used_env_vars.begin(), m_used_env_vars.end()),
                        m_used_env_vars.end());
}

std::string Channel::subdir_url(std::string_view platform) const {
  return m_base_url + "/" + std::string(platform);
}

std::string Channel::redacted_url() const {
  return redact_url(m_credential_url);
}

bool Channel::serves(std::string_view platform) const {
  return !m_windows_only || starts_with(platform, "win-");
}

bool Channel::has_credentials() const {
  return m_credential_url != m_base_url;
}

Result<Mirror> parse_mirror(std::string_view pair, const ChannelConfig& config) {
  size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return usage(pair, "expected ORIGINAL=MIRROR");
  std::string original = trim(pair.substr(0, eq));
  std::string mirror = without_trailing_slash(trim(pair.substr(eq + 1)));
  if (original.empty() || mirror.empty()) return usage(pair, "expected ORIGINAL=MIRROR");
  Mirror m;
  if (has_scheme(original)) {
    m.original = without_trailing_slash(strip_credentials(original));
  } else {
    auto channel = Channel::parse_one(original, config);
    if (!channel) return channel.take_error().wrapped("mirror " + redact_url(pair));
    m.original = channel->base_url();
  }
  m.mirror = has_scheme(mirror) ? mirror : path_to_file_url(absolute_path(mirror, config.base_dir));
  return m;
}

FetchLocation apply_mirrors(std::string_view url, const std::vector<Mirror>& mirrors) {
  FetchLocation out{std::string(url), redact_url(url), false};
  auto parts = split_url(url);
  if (!parts) return out;
  std::string stripped = parts->stripped();
  const Mirror* best = nullptr;
  for (const auto& m : mirrors) {
    std::string original = without_trailing_slash(m.original);
    if (is_url_prefix(original, stripped) &&
        (best == nullptr || original.size() > without_trailing_slash(best->original).size())) {
      best = &m;
    }
  }
  if (best == nullptr) return out;
  std::string original = without_trailing_slash(best->original);
  out.url = without_trailing_slash(best->mirror) + stripped.substr(original.size());
  out.redacted_url = redact_url(out.url);
  out.mirrored = true;
  return out;
}

Result<ChannelConfig> load_channel_config(const std::string& working_dir) {
  ChannelConfig config;
  config.base_dir = working_dir;
  std::string path;
  if (const char* env = std::getenv("ENVLOCK_CONFIG"); env != nullptr && *env != '\0') {
    path = env;
  } else {
    path = (fs::path(working_dir.empty() ? "." : working_dir) / ".envlockrc").string();
    std::error_code ec;
    if (!fs::exists(path, ec)) return config;
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Error{ErrorKind::io, path, "cannot read the config file"};
  } catch (const YAML::Exception& e) {
    return Error::at(ErrorKind::input, path, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  if (root.IsNull()) return config;
  auto bad = [&](const YAML::Node& node, std::string message) {
    return Error::at(
        ErrorKind::input, path, node.Mark().line + 1, node.Mark().column + 1, std::move(message));
  };
  if (!root.IsMap()) return bad(root, "expected a mapping at the top level");
  // Relative mirror folders are relative to the config file, not to where envlock runs.
  ChannelConfig mirror_base = config;
  mirror_base.base_dir = fs::absolute(fs::path(path)).parent_path().string();
  if (auto alias = root["channel_alias"]) {
    if (!alias.IsScalar()) return bad(alias, "channel_alias must be a URL");
    std::string value = without_trailing_slash(trim(alias.Scalar()));
    if (!has_scheme(value)) return bad(alias, "channel_alias must be an http(s) URL");
    config.channel_alias = value;
    mirror_base.channel_alias = value;
  }
  if (auto mirrors = root["mirrors"]) {
    if (!mirrors.IsMap()) return bad(mirrors, "mirrors must map ORIGINAL to MIRROR");
    for (const auto& entry : mirrors) {
      if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
        return bad(entry.first, "mirrors must map ORIGINAL to MIRROR");
      }
      auto m = parse_mirror(entry.first.Scalar() + "=" + entry.second.Scalar(), mirror_base);
      if (!m) {
        Error e = m.take_error();
        return bad(entry.first, e.to_string());
      }
      config.mirrors.push_back(std::move(*m));
    }
  }
  return config;
}

}  // namespace envlock::channel
