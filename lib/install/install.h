#pragma once
// `envlock install`: make a prefix exactly what a lock says for one platform. Downloads into a
// verified package cache, links (hard links, copies, relocation, noarch:python), writes
// conda-meta records and history as conda does, commits atomically, and does nothing when the
// prefix already matches.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lib/install/cache.h"
#include "lib/install/commit.h"
#include "lib/install/transaction.h"
#include "lib/util/result.h"

namespace envlock::install {

struct Options {
  std::string lock_path;
  std::string prefix;
  std::string platform;                 ///< "" = the host's (spec::host_platform())
  std::string environment = "default";  ///< for multi-environment (pixi) locks
  Offline offline = Offline::no;
  std::string pkgs_dir;  ///< "" = default_pkgs_dir()
  int jobs = 4;          ///< parallel downloads and extractions
  /// The most bytes one package may extract to (a bomb stops there).
  uint64_t max_package_bytes = package::k_default_max_extracted_bytes;
  /// Network settings for downloads (tests shorten the timeouts).
  channel::HttpOptions http;
  /// `--mirror ORIGINAL=MIRROR` pairs (before .envlockrc's mirrors); the lock keeps its URLs.
  std::vector<std::string> mirrors;
  /// `--archive`: an envlock archive (folder, .tar, .tar.zst) every package is taken from
  /// instead of its URL: checked against the lock before anything else, never downloaded.
  std::string archive;
  /// Written as the history entry's `# cmd:` line.
  std::string command_line = "envlock install";
  /// Set by the caller's signal handler; may be null.
  InterruptState* interrupt = nullptr;
};

/// One progress step; the library never prints.
struct ProgressEvent {
  enum class Stage { download, extract, link, commit };
  Stage stage = Stage::download;
  std::string package;  ///< "<name>-<version>-<build>"; empty for commit
  size_t index = 0;     ///< 1-based among `count`
  size_t count = 0;
  uint64_t bytes = 0;  ///< download bytes so far
  uint64_t total = 0;  ///< download size when known
};
/// Called from several threads, never at once (the library serialises calls).
using ProgressSink = std::function<void(const ProgressEvent&)>;
/// A one-line human rendering: "download zlib-1.3.1-h0 (2/5) 12.0 KiB".
std::string to_string(const ProgressEvent& event);

/// A package symlink with an empty target: not created (no file system can hold it), not
/// recorded.
struct SkippedLink {
  std::string package;  ///< "<name>-<version>-<build>"
  std::string path;     ///< prefix-relative
};

/// A package the lock holds but the install did not handle.
struct Skipped {
  std::string name;
  std::string reason;
};

/// What an install did.
struct Report {
  std::string prefix;
  std::string platform;
  std::string environment;
  bool up_to_date = false;                 ///< nothing to do: the prefix matched the lock
  Recovery recovered = Recovery::nothing;  ///< an interrupted earlier install was finished/undone
  std::vector<Change> changes;             ///< by name
  /// Link scripts of the linked packages, none of them run: prefix-relative paths.
  std::vector<std::string> link_scripts_not_run;
  /// Symlinks with an empty target in the linked packages, none of them created.
  std::vector<SkippedLink> empty_symlinks_skipped;
  std::vector<Skipped> skipped;  ///< packages the lock holds that the install did not handle
  size_t downloaded = 0;         ///< archives fetched
  size_t from_cache = 0;         ///< packages served by the cache
  size_t files_linked = 0;       ///< hard links
  size_t files_copied = 0;
  size_t files_relocated = 0;
  size_t wheels_installed = 0;  ///< pip wheels installed
  size_t files_written = 0;     ///< files of installed wheels (RECORD lines but RECORD)
};

/// Runs the install:
/// read_lock → select platform → lock the prefix → recover an interrupted install → read
/// conda-meta and site-packages' dist-infos → plan → (nothing to do: return) → fetch into the
/// cache (wheels hash-checked) → stage (conda packages, then wheels: install_wheel) → commit.
/// The lock's `manager: pip` entries are installed into the locked python's site-packages;
/// a dist-info of a locked name that is not the locked wheel (prefix::InstalledDist,
/// dist_matches) is replaced, one envlock installed whose name is no longer locked is removed.
/// Fails with ErrorKind::usage for a platform or environment the lock lacks, a prefix that
/// exists but is not a conda prefix, or a binary placeholder shorter than the prefix;
/// ErrorKind::input for a malformed lock or package, or bytes that disagree with the lock
/// (the message names the package, expected and actual digest), a package that is not what
/// the lock names or whose files are not what its paths.json says, pip entries without a
/// locked python, a hostile or inconsistent wheel (see install_wheel); ErrorKind::network for
/// download failures; with `archive`, ErrorKind::input for an archive that is hostile or lacks
/// a package of the platform or holds other bytes than the lock's (checked first, even when
/// the prefix is up to date); ErrorKind::io for local failures and for an interrupt requested while
/// staging (message "interrupted"; the staging folder is removed first). On failure the prefix
/// is as before.
Result<Report> run(const Options& options, const ProgressSink& progress = {});

/// The report for people: one line per change and a summary, or "already up to date"; then
/// a note per link script not run and a warning per symlink with an empty target skipped.
std::string render_text(const Report& report);
/// The report as JSON (schemas/install-report.schema.json), deterministic.
std::string render_json(const Report& report);

}  // namespace envlock::install
