#pragma once
// Solving conda specs with libsolv: a pool built from repodata of several channels and subdirs
// (with a .solv cache), virtual packages, channel priority, exclude-newer, held packages, and a
// result that is either a solution or an explanation of why none exists.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lib/spec/match_spec.h"
#include "lib/spec/package_record.h"
#include "lib/util/result.h"

namespace envlock::solve {

/// How channel order restricts candidates (conda's `channel_priority`).
enum class ChannelPriority {
  strict,    ///< a name found in a higher-priority channel is never taken from a lower one
  disabled,  ///< all channels are equal; the best version wins
};

/// One channel's repodata for one subdir.
struct RepodataSource {
  std::string channel;      ///< canonical channel name written into locks ("conda-forge")
  std::string channel_url;  ///< base URL without credentials; package URL = url/subdir/fn
  std::string subdir;       ///< "linux-64", "noarch", ...
  std::string_view json;    ///< the repodata.json bytes (must outlive the call)
  std::string origin;       ///< where the bytes came from, for error messages
};

/// A virtual package (__glibc, __unix, ...) the target system provides.
struct VirtualPackage {
  std::string name;
  std::string version;
  std::string build;  ///< "0" when empty
};

/// A package the caller wants kept as it is (for minimal-change relocks).
struct HeldPackage {
  std::string name;
  std::string version;
  std::string build;
};

/// What to solve for one platform.
struct Request {
  std::vector<spec::MatchSpec> specs;
  std::vector<VirtualPackage> virtual_packages;
  ChannelPriority channel_priority = ChannelPriority::strict;
  /// Records with a timestamp after this (milliseconds since the epoch) are ignored.
  std::optional<int64_t> exclude_newer_ms;
  /// Held packages are locked to their current build unless their name is in `update`.
  std::vector<HeldPackage> held;
  std::vector<std::string> update;
  /// Folder for .solv caches of parsed repodata; empty disables the cache.
  std::string cache_dir;
};

/// A successful solve: every package to install, sorted by name.
struct Solution {
  std::vector<spec::PackageRecord> packages;
};

/// No solution exists: one explanation per problem, in conda terms.
struct Unsatisfiable {
  std::vector<std::string> problems;
};

using Outcome = std::variant<Solution, Unsatisfiable>;

/// Solves `request` against `sources` (the channels in priority order, first = highest).
/// Fails with ErrorKind::input when repodata is malformed or a spec names nothing solvable
/// in a way libsolv cannot express; an unsatisfiable request is an Outcome, not an Error.
Result<Outcome> solve(const std::vector<RepodataSource>& sources, const Request& request);

}  // namespace envlock::solve
