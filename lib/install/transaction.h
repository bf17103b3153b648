#pragma once
// What an install must change: the difference between a prefix's conda-meta records and the
// packages a lock holds for one platform.

#include <string>
#include <vector>

#include "lib/lockfile/lock.h"
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

}  // namespace envlock::install
