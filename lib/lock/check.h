#pragma once
// `lock --check`: does a lock still satisfy its inputs? No network, no solve: every requested
// spec must be matched by a locked package, every dependency closed inside the lock, every
// constraint respected, nothing left that no spec needs, channels and platforms unchanged.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lib/lock/lock.h"
#include "lib/lockfile/content_hash.h"
#include "lib/lockfile/lock.h"
#include "lib/spec/match_spec.h"

namespace envlock::lock {

/// What the inputs say today.
struct CheckInput {
  std::vector<std::string> platforms;
  std::vector<lockfile::Channel> channels;  ///< in priority order, as the lock records them
  std::map<std::string, std::vector<spec::MatchSpec>> specs;  ///< platform → conda specs
  lockfile::VirtualPackageRepo virtual_packages;
};

/// The lock entry for a solved record on `platform` (manager conda; url, hashes, depends, ...).
lockfile::LockedPackage locked_of(const spec::PackageRecord& record, const std::string& platform);

/// Every reason `lock` (environment "default", conda packages) does not satisfy `input`, in a
/// stable order; empty when it does. Edits that change nothing (order, comments) find nothing.
std::vector<Finding> check_lock(const lockfile::Lock& lock, const CheckInput& input);

}  // namespace envlock::lock
