#pragma once
// Placing one extracted package into a folder that will become (part of) a prefix: hard links
// from the cache when possible, copies otherwise, relocated copies for files with a prefix
// placeholder, symlinks, noarch:python paths and entry points; and the PrefixRecord that
// describes the result.

#include <string>
#include <vector>

#include "lib/install/cache.h"
#include "lib/install/commit.h"
#include "lib/lockfile/lock.h"
#include "lib/prefix/prefix.h"
#include "lib/util/result.h"

namespace envlock::install {

/// Where and for what a package is linked.
struct LinkTarget {
  std::string root;      ///< folder the files are written under (a staging tree)
  std::string prefix;    ///< the final prefix: what placeholders and shebangs name
  std::string platform;  ///< the lock platform (shebang length limit)
  /// "X.Y" of the locked python, for noarch:python packages; "" when the lock has none.
  std::string python_version;
  /// Where noarch:python `site-packages/` goes: the python record's CEP 17
  /// `python_site_packages_path` when it has one; "" = `lib/pythonX.Y/site-packages`.
  std::string site_packages;
  /// Checked between files: a requested interrupt stops linking (may be null).
  const InterruptState* interrupt = nullptr;
};

/// What linking one package produced.
struct LinkedPackage {
  prefix::PrefixRecord record;            ///< ready to write to conda-meta
  std::vector<std::string> link_scripts;  ///< pre-link/post-link/pre-unlink scripts, not run
  /// Symlinks with an empty target (cached.skipped_empty_links) where they would have landed:
  /// not created and not in `record`.
  std::vector<std::string> skipped_empty_links;
  size_t hardlinked = 0;  ///< files hard-linked from the cache
  size_t copied = 0;      ///< files copied (no_link, other file system)
  size_t relocated = 0;   ///< files rewritten for the new prefix
};

/// The path a package file lands at: for noarch:python, `site-packages/…` goes to
/// `site_packages/…` (`lib/pythonX.Y/site-packages/…` when `site_packages` is empty) and
/// `python-scripts/…` to `bin/…`.
std::string target_path(const std::string& path, bool noarch_python,
                        const std::string& python_version, const std::string& site_packages = "");

/// Links `cached` (the locked `package`) under `target.root`, replacing parent folders' absent
/// entries as needed and overwriting files already there. Every link script (`.NAME-pre-link`,
/// `-post-link`, `-pre-unlink` in `bin/` as .sh or `Scripts/` as .bat, also where a noarch:python
/// package's `python-scripts/` lands) is listed in `link_scripts`; none is run. A symlink with
/// an empty target, which extraction skipped, is neither created nor recorded, only listed in
/// `skipped_empty_links`. Fails with
/// ErrorKind::input when a noarch:python package has no python version to go with, an entry
/// point is malformed, or a cached file is no longer the package's bytes (paths.json's size or
/// sha256; the cache entry changed after it was checked); ErrorKind::io when interrupted;
/// ErrorKind::usage when a binary placeholder is shorter than the prefix; ErrorKind::io for
/// file system failures. Files under `target.root` may be left behind on failure (the caller
/// owns that folder).
Result<LinkedPackage> link_package(const lockfile::LockedPackage& package,
                                   const CachedPackage& cached, const LinkTarget& target);

/// The text of an entry-point script `name = module:function` for `python` (an absolute
/// interpreter path): a `#!python` shebang (or a /bin/sh trampoline when the path is too long
/// for one) and a stub that calls the function. Fails with ErrorKind::input on a malformed
/// entry point.
Result<std::string> entry_point_script(const std::string& entry_point, const std::string& python,
                                       size_t max_shebang, std::string* name);

}  // namespace envlock::install
