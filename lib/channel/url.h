#pragma once
// URL helpers for channels: splitting, credential stripping and redaction, ${VAR} expansion.
// Credentials are user:password in the authority and an anaconda.org-style "/t/<token>/" path
// segment; either may be a literal secret or an environment template ("${VAR}" or "$VAR").

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace envlock::channel {

/// Looks up an environment variable; std::nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
EnvLookup process_env();

/// A URL split into the parts channels care about. No percent-decoding is done.
struct UrlParts {
  std::string scheme;    ///< lowercase, e.g. "https", "file"
  std::string user;      ///< may be empty
  std::string password;  ///< may be empty
  bool has_userinfo = false;
  std::string host;   ///< host[:port]; empty for file URLs
  std::string token;  ///< the <token> of a "/t/<token>" segment, or empty
  std::string path;   ///< path without the token segment and without a trailing '/'

  /// The URL without any credential.
  std::string stripped() const;
  /// The URL with user:password shown as "***" and the token as "<TOKEN>"; a credential that is
  /// only a "${VAR}" / "$VAR" template (conda-lock's form) is kept as it is.
  std::string redacted() const;
  /// The URL with every credential in place (for fetching only; never print it).
  std::string with_credentials() const;
};

/// Splits `url` ("scheme://[user[:password]@]host[:port][/t/<token>]/path").
/// Fails with ErrorKind::usage when there is no "scheme://".
Result<UrlParts> split_url(std::string_view url);

/// True when `text` starts with a URL scheme ("http://", "https://", "file://", ...).
bool has_scheme(std::string_view text);

/// `url` with credentials removed; text that is not a URL is returned unchanged.
std::string strip_credentials(std::string_view url);

/// `url` without user:password@ or /t/<token>/ (what a package URL in a lock must be); byte for
/// byte the same when it holds neither or is not a URL.
std::string without_credentials(std::string_view url);

/// `url` with credentials replaced by "***" (user:password) and "<TOKEN>" (token), "${VAR}"
/// templates kept. In other text (a message, a quoted spec) each URL holding a credential is
/// redacted the same way and the rest is kept byte for byte. The one redaction of envlock:
/// use it for every URL that reaches a message, a log line, a report or a file.
std::string redact_url(std::string_view url);

/// Names of the environment variables referenced as "${VAR}" or "$VAR" in `text`, in order.
std::vector<std::string> env_references(std::string_view text);

/// `text` with "${VAR}" and "$VAR" replaced from `env`. Fails with ErrorKind::usage naming the
/// first unset variable (never its value); `context` (already redacted) says where it was used.
Result<std::string> expand_env(std::string_view text, const EnvLookup& env,
                               std::string_view context);

/// Percent-decodes `text` ("%40" -> "@"); malformed escapes are kept as they are.
std::string percent_decode(std::string_view text);

/// "file://" URL for an absolute local path.
std::string path_to_file_url(std::string_view absolute_path);

/// The local path of a "file://" URL (percent-decoded), or std::nullopt for other URLs.
std::optional<std::string> file_url_to_path(std::string_view url);

}  // namespace envlock::channel
