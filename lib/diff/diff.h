#pragma once
// Semantic diff of two locks of any format lib/lockfile reads: per environment and platform,
// what was added, removed, upgraded, downgraded, rebuilt, moved, repackaged, and which packages
// kept their identity (name, version, build) but changed their bytes (hash) or dependencies.

#include <array>
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "lib/lockfile/lock.h"
#include "lib/util/result.h"

namespace envlock::diff {

/// What happened to one package, one kind per package. When several things changed the
/// first kind in this order wins: added, removed, upgraded/downgraded, rebuilt, hash_changed,
/// moved, repackaged, depends_changed (the other changes are listed in PackageChange::aspects).
enum class ChangeKind {
  added,
  removed,
  upgraded,    ///< higher version in conda's VersionOrder (CEP 33; pip: PEP 440), not string order
  downgraded,  ///< lower version
  rebuilt,     ///< same version, other build string
  hash_changed,     ///< same name-version-build and artifact, other sha256 (or md5): suspicious
  moved,            ///< same name-version-build, other channel (URL minus /<subdir>/<file>)
  repackaged,       ///< same name-version-build and channel, other artifact (.tar.bz2 → .conda)
  depends_changed,  ///< same artifact, other dependency list (only when both sides record it)
};
inline constexpr size_t k_change_kinds = 9;

/// "added", "removed", "upgraded", "downgraded", "rebuilt", "hash_changed", "moved",
/// "repackaged", "depends_changed": the stable names used in JSON.
const char* to_string(ChangeKind kind);
/// The same with a space instead of '_' ("hash changed"), for people.
const char* label(ChangeKind kind);
std::ostream& operator<<(std::ostream& out, ChangeKind kind);

/// One property that differs between the two sides of a package (bit flags).
enum class Aspect : unsigned {
  version = 1u << 0,
  build = 1u << 1,
  channel = 1u << 2,
  artifact = 1u << 3,  ///< the file name behind the URL (format .conda / .tar.bz2, pip wheel)
  hash = 1u << 4,      ///< compared only for the same artifact, on a hash both sides have
  depends = 1u << 5,   ///< compared only when both sides record dependencies
};
/// "version", "build", "channel", "artifact", "hash", "depends".
const char* to_string(Aspect aspect);
/// Every aspect, in declaration order.
inline constexpr std::array<Aspect, 6> k_aspects = {Aspect::version,
                                                    Aspect::build,
                                                    Aspect::channel,
                                                    Aspect::artifact,
                                                    Aspect::hash,
                                                    Aspect::depends};

/// One side of a changed package, with credentials removed from the URLs.
struct PackageSide {
  std::string version;
  std::string build;
  std::string channel;  ///< URL minus /<subdir>/<filename> (pip: scheme://host), or the name
  std::string subdir;
  std::string url;
  std::string sha256;  ///< empty when the side does not record it
  std::string md5;
  bool operator==(const PackageSide&) const = default;
};

/// One package whose entry differs between the two locks.
struct PackageChange {
  ChangeKind kind = ChangeKind::added;
  lockfile::Manager manager = lockfile::Manager::conda;
  std::string name;
  std::optional<PackageSide> before;  ///< absent for `added`
  std::optional<PackageSide> after;   ///< absent for `removed`
  unsigned aspects = 0;               ///< Aspect bits that differ
  /// For changes that kept version and build: dependency specs only in `after` / only in
  /// `before` (whitespace-normalised, sorted). Empty otherwise.
  std::vector<std::string> depends_added;
  std::vector<std::string> depends_removed;

  bool has(Aspect a) const { return (aspects & static_cast<unsigned>(a)) != 0; }
  /// True for hash_changed: the bytes behind an unchanged identity changed.
  bool suspicious() const { return kind == ChangeKind::hash_changed; }
};

/// Where an environment or platform exists.
enum class Presence { both, old_only, new_only };
/// "both", "old_only", "new_only".
const char* to_string(Presence presence);
std::ostream& operator<<(std::ostream& out, Presence presence);

/// One platform of one environment.
struct PlatformDiff {
  std::string platform;
  Presence presence = Presence::both;
  size_t old_packages = 0;  ///< entries on each side after merging duplicates (categories)
  size_t new_packages = 0;
  std::vector<PackageChange> changes;  ///< sorted by (kind, manager, name)
};

/// One environment: its platforms sorted by name.
struct EnvironmentDiff {
  std::string name;
  Presence presence = Presence::both;
  std::vector<PlatformDiff> platforms;
};

/// Counts over the whole report.
struct Summary {
  std::array<size_t, k_change_kinds> changes{};  ///< indexed by ChangeKind
  size_t unchanged = 0;                          ///< packages identical on both sides
  size_t environments_old_only = 0;
  size_t environments_new_only = 0;
  size_t platforms_old_only = 0;  ///< (environment, platform) pairs, in environments on both sides
  size_t platforms_new_only = 0;

  size_t count(ChangeKind kind) const { return changes[static_cast<size_t>(kind)]; }
  size_t total_changes() const;
};

/// What one input was.
struct LockInfo {
  std::string path;
  lockfile::SourceFormat format = lockfile::SourceFormat::conda_lock_v1;
  size_t environments = 0;
  /// Distinct artifacts (by URL, else manager/name/version/build/platform) over the whole
  /// file: pixi's `packages:` count, conda-lock's entries without category duplicates.
  size_t distinct_packages = 0;
};

/// The whole answer. `same()` decides exit code 0 (same) or 1 (different).
struct DiffReport {
  LockInfo old_lock;
  LockInfo new_lock;
  std::vector<EnvironmentDiff> environments;  ///< sorted by name
  Summary summary;

  bool same() const;
};

/// Which parts to compare.
struct Filter {
  /// Compare only this environment. A side with exactly one environment uses that one
  /// whatever its name; a side with several must have it.
  std::optional<std::string> environment;
  /// Compare only these platforms (all when empty).
  std::vector<std::string> platforms;
};

/// Compares two locks already read. `old_path`/`new_path` only label the report. Fails with
/// ErrorKind::usage when the filter names an environment a multi-environment side lacks, or
/// platforms neither side has.
[[nodiscard]] Result<DiffReport> diff_locks(const lockfile::Lock& old_lock,
                                            const std::string& old_path,
                                            const lockfile::Lock& new_lock,
                                            const std::string& new_path, const Filter& filter = {});

/// Reads both files (in parallel) with lockfile::read_lock and compares them. Fails with the
/// reader's error ("file:line: why"; an unreadable file is ErrorKind::input too, so that the
/// tool exits 2 for any bad input) or diff_locks' error.
[[nodiscard]] Result<DiffReport> diff_files(const std::string& old_path,
                                            const std::string& new_path, const Filter& filter = {});

/// `error` with ErrorKind::io turned into ErrorKind::input (a lock that cannot be read is bad
/// input for a diff); other errors unchanged.
Error as_input_error(Error error);

/// 0 when the report says the locks are the same, 1 otherwise.
int exit_code(const DiffReport& report);

/// The channel part of a package URL: the URL minus `/<subdir>/<filename>` for conda
/// artifacts, scheme://host for pip, credentials replaced (`user:pass@` → `***@`, `/t/<tok>/`
/// → `/t/***/`). Empty for an empty URL.
std::string channel_of_url(const std::string& url, lockfile::Manager manager);

/// `url` with credentials replaced as channel_of_url does.
std::string redact_url(const std::string& url);

}  // namespace envlock::diff
