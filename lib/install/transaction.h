#pragma once
// What an install must change: the difference between a prefix's conda-meta records and the
// packages a lock holds for one platform.

#include <set>
#include <string>
#include <vector>

#include "lib/lockfile/lock.h"
#include "lib/prefix/dist_info.h"
#include "lib/prefix/prefix.h"

namespace envlock::install {

/// One package-level change.
struct Change {
  enum class Kind { add, remove, replace };
  Kind kind = Kind::add;
  std::string name;
  std::string old_version;  ///< remove, replace
  std::string old_build;
  std::string new_version;  ///< add, replace
  std::string new_build;
  lockfile::Manager manager = lockfile::Manager::conda;  ///< pip: a Python distribution
};

/// "add", "remove" or "replace".
const char* to_string(Change::Kind kind);

/// The plan: records to unlink and locked packages to link. A replaced package appears in both.
struct Transaction {
  std::vector<prefix::PrefixRecord> unlink;   ///< sorted by name
  std::vector<lockfile::LockedPackage> link;  ///< sorted by name
  std::vector<Change> changes;                ///< sorted by name
  bool empty() const { return unlink.empty() && link.empty(); }
};

/// True when the installed `record` is the locked artifact: same name, version and build, and
/// the same sha256 when both sides have one, else the same md5 when both have one, else the
/// same URL when both have one.
bool record_matches(const prefix::PrefixRecord& record, const lockfile::LockedPackage& locked);

/// Compares `installed` (a prefix's records) with `locked` (conda packages of one platform, at
/// most one per name): a locked name with no matching record is linked (and the record of the
/// same name, if any, unlinked), a record whose name is not locked is unlinked. Never fails.
Transaction plan_transaction(const std::vector<lockfile::LockedPackage>& locked,
                             const std::vector<prefix::PrefixRecord>& installed);

/// The pip side of the plan: dist-infos to take out and wheels to install.
struct PipTransaction {
  std::vector<prefix::InstalledDist> unlink;  ///< sorted by folder
  std::vector<lockfile::LockedPackage> link;  ///< sorted by normalised name
  std::vector<Change> changes;                ///< sorted by name; manager pip
  bool empty() const { return unlink.empty() && link.empty(); }
};

/// True when the installed `dist` is the locked wheel: the same PEP 503 name and PEP 440
/// version, installed by envlock, and (when direct_url.json records one) the lock's sha256.
/// A distribution another installer put there is never taken for the locked artifact.
bool dist_matches(const prefix::InstalledDist& dist, const lockfile::LockedPackage& locked);

/// Compares `locked` (pip entries of one platform) with `installed` (pip-managed dist-infos,
/// prefix::pip_managed): a locked name without a matching dist, or whose dist folder is in
/// `damaged`, is installed (every dist of that name taken out first); a dist whose name is
/// not locked is taken out only when envlock installed it (INSTALLER `envlock`): what other
/// installers put there stays, and verify reports it. Never fails.
PipTransaction plan_pip(const std::vector<lockfile::LockedPackage>& locked,
                        const std::vector<prefix::InstalledDist>& installed,
                        const std::set<std::string>& damaged = {});

/// The prefix-relative paths taking out `dist` removes: the RECORD paths inside the prefix
/// (read_dist_infos already set aside the ones outside) and every file under its dist-info
/// folder in `prefix_dir`; never a path under `conda-meta/` (a RECORD is prefix content, and
/// may have been edited). Sorted, without duplicates.
std::vector<std::string> dist_removals(const std::string& prefix_dir,
                                       const prefix::InstalledDist& dist);

/// The dist-info folders of `dists` (read with DistDetail::full) that envlock installed and
/// whose files are no longer as installed, judged without reading them: a RECORD path that is
/// missing, not a regular file, of another size than RECORD says, or modified after RECORD
/// was written. What `install` repairs by installing the wheel again.
std::set<std::string> damaged_dists(const std::string& prefix_dir,
                                    const std::vector<prefix::InstalledDist>& dists);

}  // namespace envlock::install
