#pragma once
// The virtual packages a lock is solved against: conda-lock's defaults per platform, changed by
// CONDA_OVERRIDE_* variables and --virtual-package options.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/lockfile/content_hash.h"
#include "lib/util/result.h"

namespace envlock::lock {

/// Reads an environment variable; returns nullopt when unset.
using EnvGetter = std::function<std::optional<std::string>(const std::string&)>;

/// conda-lock's default virtual packages, then CONDA_OVERRIDE_{GLIBC,CUDA,OSX,LINUX,ARCHSPEC,WIN}
/// from `env` (an empty value removes the package, as conda does), then each `override`
/// ("__glibc=2.17", "__cuda=12.2", "__archspec=1=x86_64", "__cuda=" to remove) on the
/// platforms where it applies. Fails with ErrorKind::usage for a name without "__".
Result<lockfile::VirtualPackageRepo> virtual_packages(const std::vector<std::string>& overrides,
                                                      const EnvGetter& env);

/// The virtual packages in force for `platform`: noarch's plus the platform's own.
std::vector<lockfile::VirtualPackage> virtual_packages_for(const lockfile::VirtualPackageRepo& repo,
                                                           const std::string& platform);

}  // namespace envlock::lock
