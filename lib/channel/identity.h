#pragma once
// Channel identity: when two spellings name one channel, and two package URLs one artifact.
// The one place `verify` and `diff` (and anything else that compares locks and prefixes) ask.
//
// Two channels are one when, after Channel::parse (names → URLs under the channel alias or the
// defaults host, credentials and `/t/<token>` removed, a trailing slash or platform folder
// dropped), they have the same key:
// - the scheme is left out (http and https name one channel, as conda's Channel equality
//   compares only location and name); the host is compared in lower case;
// - a former host counts as its successor: repo.continuum.io is repo.anaconda.com (the defaults
//   host until 2018) and conda.binstar.org is conda.anaconda.org (the channel alias until 2016);
// - on anaconda.org (conda.anaconda.org or the configured alias), `<name>/label/main` is
//   `<name>`: the main label is what the channel's own URL serves. conda itself keeps them apart
//   by name; the packages are the same files, and their hashes are still compared.
// - `defaults` is the same channel as each of its members (pkgs/main, pkgs/r, pkgs/msys2 on the
//   defaults host), as conda's canonical_name maps each member to "defaults".

#include <optional>
#include <string>
#include <string_view>

#include "lib/channel/channel.h"

namespace envlock::channel {

/// The comparison key of a channel name or URL (see above), e.g. "conda.anaconda.org/conda-forge"
/// for "conda-forge", "https://conda.anaconda.org/conda-forge/" and
/// "http://conda.anaconda.org/conda-forge/label/main"; "repo.anaconda.com/pkgs/main" for
/// "pkgs/main" and "https://repo.continuum.io/pkgs/main/linux-64"; "defaults" for `defaults`;
/// "file:///abs/chan" for local channels. Text that is no channel (a malformed URL) is its own
/// key, trimmed. Never fails.
std::string channel_identity(std::string_view channel, const ChannelConfig& config = {});

/// True when `a` and `b` name one channel: equal channel_identity(), or `defaults` against one of
/// its members. An empty side means "unknown" and matches anything.
bool same_channel(std::string_view a, std::string_view b, const ChannelConfig& config = {});

/// A conda package URL split as `<channel>/<subdir>/<filename>`.
struct PackageUrl {
  std::string channel;   ///< as written, credentials included
  std::string subdir;    ///< a known platform ("linux-64", "noarch", ...)
  std::string filename;  ///< percent-decoded
};

/// Splits `url` (its query and fragment dropped). std::nullopt when it has no scheme, no file
/// name, or the folder before the file name is not a known platform.
std::optional<PackageUrl> split_package_url(std::string_view url);

/// True when `a` and `b` point at one artifact: equal once credentials, tokens, query and
/// fragment are removed, or the same subdir and file name in one channel (same channel_identity;
/// `defaults` does not occur in a URL). False when either is empty.
bool same_package_url(std::string_view a, std::string_view b, const ChannelConfig& config = {});

}  // namespace envlock::channel
