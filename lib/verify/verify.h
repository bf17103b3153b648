#pragma once
// The `verify` job: does a live prefix match a lock? Three tiers, each including the one
// before: packages (the conda-meta records against the lock's packages), files (every path a
// record lists is there with the right type; optionally, files no record owns), hashes (size,
// then sha256 of every file against what its record says it should be).
//
// Drift is data in the Report (exit 1), never an Error; an Error is bad input (exit 2).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lib/host/host.h"
#include "lib/lockfile/lock.h"
#include "lib/prefix/dist_info.h"
#include "lib/prefix/prefix.h"
#include "lib/util/result.h"

namespace envlock::verify {

/// How deep to look.
enum class Level { packages, files, hashes };
/// "packages", "files" or "hashes".
const char* to_string(Level level);

/// Whether tier 2 also lists files that no record owns.
enum class Untracked { no, yes };

/// Whether a machine that cannot run the lock's packages (host::Check) is drift (exit 1) or
/// only reported.
enum class HostCheck { report, enforce };

/// Everything the command line can say.
struct Options {
  std::string prefix;       ///< the prefix folder (or use `name`)
  std::string name;         ///< a named environment, found as conda does
  std::string lock;         ///< the lock file, any format lockfile::read_lock reads
  std::string platform;     ///< "" = the prefix's platform (records' subdir), else the host's
  std::string environment;  ///< "" = "default", or the lock's only environment
  Level level = Level::hashes;
  unsigned jobs = 0;  ///< hashing threads; 0 = the number of cores
  Untracked untracked = Untracked::no;
  HostCheck host = HostCheck::report;
};

/// Whether a finding is drift (exit 1) or a note that changes nothing.
enum class Severity { drift, info };

/// Reason codes. Stable: they appear in the JSON report and in scripts.
///  Tier 1: package-missing, package-extra, version-differs, build-differs, channel-differs,
///          url-differs, sha256-differs, md5-differs, size-differs (the archive's),
///          duplicate-record
///  Tier 2: file-missing, type-differs, symlink-dangling, untracked;
///          pyc-missing (info: Python regenerates it), no-paths-data (info: files listed only)
///  Tier 3: file-size-differs, content-differs;
///          unverifiable (info: prefix-replaced, no sha256_in_prefix recorded),
///          unreadable (drift: the file exists but cannot be read)
///
/// pip distributions (the lock's `manager: pip` entries against site-packages' dist-infos)
/// get the tier-1 codes package-missing, package-extra, version-differs (PEP 440 order),
/// sha256-differs (direct_url.json's archive hash) and duplicate-record, and tiers 2 and 3
/// over their RECORD (sha256 and size); their `manager` is pip.
struct Finding {
  Severity severity = Severity::drift;
  std::string code;
  std::string package;  ///< the package name; "" for prefix-wide findings (untracked)
  lockfile::Manager manager = lockfile::Manager::conda;  ///< pip: a Python distribution
  std::string path;  ///< relative to the prefix; "" for package findings
  std::string expected;
  std::string actual;
  std::string message;  ///< one line for people
};

/// The answer.
struct Report {
  std::string prefix;
  std::string lock;
  std::string platform;
  std::string environment;
  Level level = Level::hashes;
  size_t packages_locked = 0;   ///< conda packages of the lock's platform
  size_t packages_present = 0;  ///< conda-meta records
  size_t pip_locked = 0;        ///< pip packages of the lock's platform
  size_t pip_present = 0;       ///< pip-managed dist-infos in site-packages
  size_t files_checked = 0;     ///< paths checked for presence (tier 2+)
  size_t files_hashed = 0;      ///< distinct files whose bytes were read (tier 3)
  uint64_t bytes_hashed = 0;
  std::vector<Finding> findings;  ///< in a stable order: by package, then path, then code
  /// Package name -> "version build" as installed (else as locked), for headings; pip
  /// distributions under "pip:<name>".
  std::map<std::string, std::string> labels;
  /// This machine's virtual packages against the `__*` dependencies of the locked packages.
  host::Check host;
  HostCheck host_check = HostCheck::report;

  /// Distinct packages with a drift finding of tier 1.
  size_t packages_differ() const;
  size_t files_missing() const;   ///< file-missing, type-differs, symlink-dangling
  size_t files_modified() const;  ///< file-size-differs, content-differs, unreadable
  size_t files_untracked() const;
  /// True when there is no drift finding.
  bool clean() const;
};

/// Tier 1 only: the records against `locked` (conda packages of one platform; pip packages
/// are ignored). Findings come back sorted.
std::vector<Finding> compare_packages(const std::vector<prefix::PrefixRecord>& records,
                                      const std::vector<lockfile::LockedPackage>& locked);

/// Tier 1 for pip: `dists` (pip-managed dist-infos, prefix::pip_managed) against `locked`
/// (the pip entries are used, others ignored); names compared after PEP 503 normalisation,
/// versions by PEP 440 equality. Findings come back sorted.
std::vector<Finding> compare_pip(const std::vector<prefix::InstalledDist>& dists,
                                 const std::vector<lockfile::LockedPackage>& locked);

/// The dist-infos as records for tiers 2 and 3: one per dist, named "pip:<normalised name>",
/// a hard-link path per RECORD line inside the prefix with its sha256 and size.
std::vector<prefix::PrefixRecord> records_of_dists(const std::vector<prefix::InstalledDist>& dists);

/// Tiers 2 and 3 over the files of `records` in `prefix_dir` (level `files` or `hashes`;
/// `packages` does nothing). Fills the counters of `report` and appends findings.
void check_files(const std::string& prefix_dir, const std::vector<prefix::PrefixRecord>& records,
                 Level level, Untracked untracked, unsigned jobs, Report& report);

/// Runs the job: reads the prefix and the lock, picks the platform and environment, checks.
/// Fails with ErrorKind::usage for a bad option (unknown platform or environment, no prefix),
/// ErrorKind::input for an unreadable lock or corrupt conda-meta record (naming the file),
/// ErrorKind::io for file system failures outside the checked files.
Result<Report> run(const Options& options);

/// 0 clean, 1 drift (or, with HostCheck::enforce, a machine that cannot run the lock).
int exit_code(const Report& report);

/// For people: a summary line ("ok: ..." or "N packages differ, M files missing, K files
/// modified"), then findings grouped by package.
std::string render_text(const Report& report);
/// For machines (schemas/verify-report.schema.json).
std::string render_json(const Report& report);

}  // namespace envlock::verify
