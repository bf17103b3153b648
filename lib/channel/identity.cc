#include "lib/channel/identity.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "lib/spec/platform.h"

namespace envlock::channel {
namespace {

// Hosts that were renamed; a URL on the old name still reaches the same channel (redirect).
constexpr std::array<std::pair<std::string_view, std::string_view>, 2> k_former_hosts = {{
    {"repo.continuum.io", "repo.anaconda.com"},
    {"conda.binstar.org", "conda.anaconda.org"},
}};

constexpr std::string_view k_main_label = "/label/main";

std::string trimmed(std::string_view text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = text.find_last_not_of(" \t\r\n");
  std::string out(text.substr(b, e - b + 1));
  while (out.size() > 1 && out.back() == '/' && !out.ends_with("://")) out.pop_back();
  return out;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string host_of(std::string_view url) {
  auto parts = split_url(url);
  return parts ? lower(parts->host) : std::string();
}

// The key of a resolved, credential-free base URL.
std::string key_of(const std::string& base_url, const ChannelConfig& config) {
  auto parts = split_url(base_url);
  if (!parts) return base_url;
  if (parts->scheme == "file") return base_url;
  std::string host = lower(parts->host);
  for (const auto& [former, now] : k_former_hosts) {
    if (host == former) host = std::string(now);
  }
  std::string path = percent_decode(parts->path);
  const bool on_anaconda_org =
      host == host_of(k_default_channel_alias) || host == host_of(config.channel_alias);
  if (on_anaconda_org && path.size() > k_main_label.size() && path.ends_with(k_main_label)) {
    path.resize(path.size() - k_main_label.size());
  }
  return host + path;
}

bool is_default_member(const std::string& key, const ChannelConfig& config) {
  auto members = Channel::parse("defaults", config);
  if (!members) return false;
  return std::any_of(members->begin(), members->end(), [&](const Channel& c) {
    return key_of(c.base_url(), config) == key;
  });
}

}  // namespace

std::string channel_identity(std::string_view channel, const ChannelConfig& config) {
  std::string spec = trimmed(channel);
  if (spec.empty() || spec == "defaults") return spec;
  // A name may carry a platform folder ("conda-forge/linux-64") as a URL may; parse() drops it
  // only from URLs.
  if (!has_scheme(spec)) {
    size_t slash = spec.rfind('/');
    if (slash != std::string::npos && slash > 0 &&
        spec::is_known_platform(std::string_view(spec).substr(slash + 1))) {
      spec.resize(slash);
    }
  }
  auto parsed = Channel::parse_one(spec, config);
  if (!parsed) return spec;
  return key_of(parsed->base_url(), config);
}

bool same_channel(std::string_view a, std::string_view b, const ChannelConfig& config) {
  std::string ka = channel_identity(a, config), kb = channel_identity(b, config);
  if (ka.empty() || kb.empty() || ka == kb) return true;
  if (ka == "defaults") return is_default_member(kb, config);
  if (kb == "defaults") return is_default_member(ka, config);
  return false;
}

std::optional<PackageUrl> split_package_url(std::string_view url) {
  url = url.substr(0, std::min(url.find('#'), url.find('?')));
  if (!has_scheme(url)) return std::nullopt;
  size_t file_slash = url.rfind('/');
  if (file_slash == std::string_view::npos || file_slash + 1 == url.size()) return std::nullopt;
  size_t subdir_slash = url.rfind('/', file_slash - 1);
  if (subdir_slash == std::string_view::npos) return std::nullopt;
  std::string_view subdir = url.substr(subdir_slash + 1, file_slash - subdir_slash - 1);
  if (!spec::is_known_platform(subdir)) return std::nullopt;
  return PackageUrl{std::string(url.substr(0, subdir_slash)),
                    std::string(subdir),
                    percent_decode(url.substr(file_slash + 1))};
}

bool same_package_url(std::string_view a, std::string_view b, const ChannelConfig& config) {
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  auto bare = [](std::string_view url) {
    return strip_credentials(url.substr(0, std::min(url.find('#'), url.find('?'))));
  };
  if (bare(a) == bare(b)) return true;
  auto pa = split_package_url(a), pb = split_package_url(b);
  if (!pa || !pb || pa->subdir != pb->subdir || pa->filename != pb->filename) return false;
  return channel_identity(pa->channel, config) == channel_identity(pb->channel, config);
}

}  // namespace envlock::channel
