#pragma once
// Conda channels: names and URLs resolved the way conda does, credentials kept out of every
// name, cache key and message, and mirrors that change only where bytes are fetched from.

#include <string>
#include <string_view>
#include <vector>

#include "lib/channel/url.h"
#include "lib/util/result.h"

namespace envlock::channel {

/// conda's default channel alias: a bare name "x" means "<alias>/x".
inline constexpr std::string_view k_default_channel_alias = "https://conda.anaconda.org";
/// Where conda's `defaults` channels live.
inline constexpr std::string_view k_default_channels_host = "https://repo.anaconda.com";

/// Fetch `original` from `mirror` instead. `original` is a credential-free URL prefix (a channel
/// base URL or a host such as "https://conda.anaconda.org"); `mirror` is a URL (http(s) or
/// file://) that may carry its own credentials, e.g. as ${VAR} templates.
struct Mirror {
  std::string original;
  std::string mirror;
};

/// How channel names are turned into URLs.
struct ChannelConfig {
  /// Base for bare names; may carry credentials (e.g. "https://host/t/${TOKEN}").
  std::string channel_alias = std::string(k_default_channel_alias);
  /// Folder that relative local paths ("./chan", "../chan") are resolved against; "" = the
  /// current working directory.
  std::string base_dir;
  /// Mirrors from the command line and .envlockrc, in priority order (first match wins; a longer
  /// `original` is tried before a shorter one).
  std::vector<Mirror> mirrors;
};

/// One conda channel. A multichannel such as `defaults` is several Channels (see parse()).
class Channel {
 public:
  /// Resolves a channel as written in environment.yml or on the command line:
  /// - a name ("conda-forge", "bioconda", "my/sub") → "<channel_alias>/<name>";
  /// - "pkgs/main", "pkgs/r", "pkgs/msys2" → "https://repo.anaconda.com/pkgs/...";
  /// - "defaults" → pkgs/main, pkgs/r and pkgs/msys2 (the last serves only win-* platforms);
  /// - an http(s) URL, possibly with user:password@, "/t/<token>/" or ${VAR} templates; a trailing
  ///   platform folder ("…/linux-64") is dropped; a URL under the channel alias or the defaults
  ///   host gets its short name back ("https://conda.anaconda.org/conda-forge" → "conda-forge");
  /// - "file:///abs/path", or a local path starting with "/", "./", "../" or "~".
  /// Fails with ErrorKind::usage for an empty name or a malformed URL (message redacted).
  static Result<std::vector<Channel>> parse(std::string_view spec, const ChannelConfig& config);
  /// parse() for a spec that must name exactly one channel (fails for `defaults`).
  static Result<Channel> parse_one(std::string_view spec, const ChannelConfig& config);

  /// The name a lock records: "conda-forge", "pkgs/main", or the credential-free URL
  /// ("https://host/chan", "file:///abs/chan").
  const std::string& canonical_name() const { return m_canonical_name; }
  /// Credential-free base URL, no trailing slash: "https://conda.anaconda.org/conda-forge".
  const std::string& base_url() const { return m_base_url; }
  /// base_url() + "/" + platform, e.g. ".../conda-forge/linux-64". Package URLs are this + "/" +
  /// file name.
  std::string subdir_url(std::string_view platform) const;
  /// The base URL with credentials redacted ("***", "<TOKEN>"), for messages.
  std::string redacted_url() const;

  /// What conda-lock stores in `metadata.channels[].url`: the canonical name when there are no
  /// credentials; otherwise the URL with each credential as a ${VAR} placeholder. A literal
  /// credential becomes ${VAR} when an environment variable holds exactly that value, else it is
  /// redacted; a secret never appears.
  const std::string& lock_url() const { return m_lock_url; }
  /// The variables referenced by lock_url() (conda-lock's `used_env_vars`), sorted.
  const std::vector<std::string>& used_env_vars() const { return m_used_env_vars; }

  /// True for file:// and local-path channels, which are read in place.
  bool is_local() const { return !m_local_path.empty(); }
  /// The folder of a local channel ("" for remote ones).
  const std::string& local_path() const { return m_local_path; }
  /// False when the channel serves only other platforms (pkgs/msys2 serves win-* only).
  bool serves(std::string_view platform) const;
  /// True when the channel was given with credentials (literal or ${VAR}).
  bool has_credentials() const;

  /// The base URL with credentials (or their ${VAR} templates) in place. For the fetcher only:
  /// never print, log or store it.
  const std::string& credential_url() const { return m_credential_url; }

 private:
  static Result<Channel> from_url(std::string_view url, const ChannelConfig& config,
                                  const EnvLookup& env);
  static Result<Channel> from_name(std::string_view name, const ChannelConfig& config,
                                   const EnvLookup& env);
  void finish(const UrlParts& parts, const EnvLookup& env);

  std::string m_canonical_name;
  std::string m_base_url;
  std::string m_credential_url;
  std::string m_lock_url;
  std::vector<std::string> m_used_env_vars;
  std::string m_local_path;
  bool m_windows_only = false;
};

/// Parses "ORIGINAL=MIRROR". ORIGINAL may be a channel name or URL (resolved with `config`, so
/// "conda-forge" means its base URL) or a bare host URL; MIRROR is an http(s)/file URL or a local
/// path. Fails with ErrorKind::usage (message redacted) when '=' or either side is missing or
/// ORIGINAL names a multichannel.
Result<Mirror> parse_mirror(std::string_view pair, const ChannelConfig& config);

/// Where a channel folder is really fetched from after mirrors apply.
struct FetchLocation {
  std::string url;           ///< with credentials or ${VAR} templates in place; never print
  std::string redacted_url;  ///< for messages
  bool mirrored = false;
};

/// Applies `mirrors` to `url` (a URL with optional credentials): the longest `original` that is
/// a prefix of the credential-free URL at a '/' boundary is replaced by its mirror; the
/// original's credentials are not sent to the mirror. Without a match, `url` is returned as is.
FetchLocation apply_mirrors(std::string_view url, const std::vector<Mirror>& mirrors);

/// Loads the optional YAML config: $ENVLOCK_CONFIG if set, else `<working_dir>/.envlockrc` if it
/// exists. Keys: `channel_alias: URL` and `mirrors: {ORIGINAL: MIRROR, ...}`. A missing file
/// gives the defaults (with base_dir = working_dir). Fails with ErrorKind::input at file:line
/// for malformed YAML or wrong types, ErrorKind::io when the file cannot be read.
Result<ChannelConfig> load_channel_config(const std::string& working_dir);

}  // namespace envlock::channel
