#pragma once
// Installing one wheel (a `manager: pip` entry of a lock) into a folder that will become
// (part of) a prefix, the way pip installs it: purelib/platlib into site-packages, the `.data/`
// subfolders (scripts, headers, data), console and GUI entry points as launcher scripts, and a
// dist-info with RECORD rewritten for the installed files, INSTALLER, REQUESTED and
// direct_url.json (PEP 376, 427, 610, 627).

#include <set>
#include <string>
#include <vector>

#include "lib/install/commit.h"
#include "lib/lockfile/lock.h"
#include "lib/util/result.h"

namespace envlock::install {

/// Whether the environment file asked for a pip distribution by name (PEP 376 REQUESTED).
enum class Requested { no, yes };

/// Where and for what a wheel is installed.
struct WheelTarget {
  std::string root;            ///< folder the files are written under (a staging tree)
  std::string prefix;          ///< the final prefix: what shebangs name
  std::string platform;        ///< the lock platform (win-*: Scripts/, no shebangs)
  std::string python_version;  ///< "X.Y" of the locked python
  std::string site_packages;   ///< prefix-relative site-packages (prefix::site_packages_dir)
  Requested requested = Requested::no;
  /// Checked between files: a requested interrupt stops installing (may be null).
  const InterruptState* interrupt = nullptr;
  /// Prefix-relative paths the install takes out of `prefix` (may be null): the only files
  /// already in `prefix` a wheel may write over. A file already under `root` (a conda
  /// package's, an earlier wheel's) is never written over.
  const std::set<std::string>* replaced = nullptr;
};

/// What installing one wheel produced.
struct InstalledWheel {
  std::string dist_info;                  ///< prefix-relative `NAME-VERSION.dist-info` folder
  std::vector<std::string> files;         ///< prefix-relative, sorted: everything RECORD lists
  std::vector<std::string> entry_points;  ///< launcher names made (console and GUI)
};

/// Where a wheel member lands, prefix-relative: `<data>/scripts/X` → bin/X (Scripts/X on
/// win-*), `<data>/headers/X` → include/pythonX.Y/NAME/X, `<data>/data/X` → X,
/// `<data>/purelib/X` and `<data>/platlib/X` → site-packages/X, anything else →
/// site-packages/member; `<data>` is `data_dir` (`NAME-VERSION.data`). Fails with
/// ErrorKind::input for another `.data/` subfolder or a path that is empty, absolute or
/// holds `..`.
Result<std::string> wheel_member_target(const std::string& member, const std::string& data_dir,
                                        const std::string& dist_name, const WheelTarget& target);

/// Installs the wheel at `wheel_path` (already checked against the lock's sha256) for
/// `package` under `target.root`. Checks before writing
/// anything: every member path (no absolute path, no `..`, no backslash or NUL), that the
/// wheel's RECORD lists only safe relative paths and gives every member its sha256 and size,
/// that each member's bytes match RECORD, that Wheel-Version is 1.x, and that METADATA's name
/// and version are the lock's (PEP 503 / PEP 440 equality). Fails with ErrorKind::input naming
/// the wheel for any of these, for a malformed entry_points.txt, and for a file (member,
/// script, entry point) that would overwrite one already under `target.root`, one in
/// `target.prefix` not in `target.replaced`, or another of the same wheel; ErrorKind::io for file
/// system failures or an interrupt. Files under `target.root` may be left behind on failure
/// (the caller owns that folder).
Result<InstalledWheel> install_wheel(const lockfile::LockedPackage& package,
                                     const std::string& wheel_path, const WheelTarget& target);

/// `path` (prefix-relative) relative to the prefix-relative folder `from`, as RECORD writes
/// paths outside site-packages: "lib/python3.11/site-packages" + "bin/x" → "../../../bin/x".
std::string relative_to(const std::string& path, const std::string& from);

}  // namespace envlock::install
