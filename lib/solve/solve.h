#pragma once
// Solving conda specs with libsolv: a pool built from repodata of several channels and subdirs,
// virtual packages, channel priority, exclude-newer, held packages, and a result that is either
// a solution or an explanation of why none exists. Only the package names a request can reach
// are loaded into the pool: each repodata is indexed by name (the index is cached on disk) and
// the records of a name are parsed when a requested spec or a loaded dependency names it.

#include <cstddef>
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
  flexible,  ///< a higher-priority channel's builds are preferred to any version of a lower
             ///< one, which is taken only when they cannot be (conda's default)
  disabled,  ///< all channels are equal; the best version wins
};

/// One channel's repodata for one subdir.
struct RepodataSource {
  std::string channel;      ///< canonical channel name written into locks ("conda-forge")
  std::string channel_url;  ///< base URL without credentials; package URL = url/subdir/fn
  std::string subdir;       ///< "linux-64", "noarch", ...
  std::string_view json;    ///< the repodata.json bytes (must outlive the call)
  std::string origin;       ///< where the bytes came from, for error messages
  /// Bytes readable after the end of `json` (a std::string's spare capacity); with at least
  /// spec::k_json_padding the bytes are parsed in place instead of copied.
  std::size_t readable_past_end = 0;
  /// xxh3_64 of `json` when the caller has it already (0: computed when a cache needs it).
  std::uint64_t xxh3 = 0;
  /// Sharded repodata (CEP 16): `json` is unused and the records of a name come from
  /// Request::shards when the request reaches the name.
  enum class Form { json, shards } form = Form::json;
};

/// Records fetched by name (sharded repodata). The solve walks the names its request reaches
/// breadth-first and asks for each level's new names at once, so that they can be fetched in
/// parallel.
class ShardedRecords {
 public:
  virtual ~ShardedRecords() = default;
  /// Every package name source `source` has (for dependency name globs).
  virtual std::vector<std::string> names(std::size_t source) const = 0;
  /// For each (source, name) pair, in order: the records of that name in that source (empty when
  /// it has none). Records need name, version, build, fn and the fields a lock keeps; channel,
  /// url and (when empty) subdir are set by the solve. Fails as the fetch fails.
  virtual Result<std::vector<std::vector<spec::PackageRecord>>> load(
      const std::vector<std::pair<std::size_t, std::string>>& wanted) = 0;
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
  /// Folder for cached repodata indexes (one file per repodata, named by its hash); empty
  /// disables the cache.
  std::string cache_dir;
  /// Where the records of RepodataSource::Form::shards sources come from (must be set when
  /// there is such a source).
  ShardedRecords* shards = nullptr;
};

/// A successful solve: every package to install, sorted by name.
struct Solution {
  std::vector<spec::PackageRecord> packages;
};

/// No solution exists: one explanation per problem, in conda terms.
struct Unsatisfiable {
  /// Per problem, its lines: the requested specs involved, then the conflict grouped by
  /// package name and version range ("torchvision 0.6.1 to 0.16.0 (148 builds) need
  /// cudatoolkit ..."), one line per name and cause rather than one per build.
  std::vector<std::string> problems;
  /// Per problem, every rule libsolv reports, one line per build (for --verbose).
  std::vector<std::string> details;
};

using Outcome = std::variant<Solution, Unsatisfiable>;

/// Solves `request` against `sources` (the channels in priority order, first = highest).
/// Fails with ErrorKind::input (naming the repodata, and the line or record) when repodata
/// that the request reaches is malformed, or when a spec names a package name glob; with the
/// error of Request::shards when a shard cannot be loaded; an unsatisfiable request is an
/// Outcome, not an Error.
Result<Outcome> solve(const std::vector<RepodataSource>& sources, const Request& request);

}  // namespace envlock::solve
