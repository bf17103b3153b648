#pragma once
// `envlock archive`: every artifact of a lock, fetched hash-checked through the package cache,
// laid out as self-contained conda channels beside the lock and a manifest; a folder, a .tar
// or a .tar.zst, byte-deterministic. And `envlock verify --archive`: an archive against its
// manifest and a lock. The layout is in layout.h and docs/archive.md.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/archive/layout.h"
#include "lib/channel/download.h"
#include "lib/util/result.h"

namespace envlock::archive {

/// What `-o OUT` makes, by its suffix.
enum class OutputKind { folder, tar, tar_zst };
/// `.tar.zst` / `.tzst` → tar_zst, `.tar` → tar, anything else a folder.
OutputKind output_kind(const std::string& out);

/// Whether artifacts missing from the package cache may be downloaded.
enum class Offline { no, yes };

struct Options {
  std::string lock_path;
  std::string out;
  std::vector<std::string> platforms;  ///< empty = every platform of the lock
  std::string environment;             ///< a pixi lock's environment; "" = all of them
  std::string pkgs_dir;                ///< the package cache (`<pkgs>/<file name>`), required
  Offline offline = Offline::no;
  channel::DownloadOptions download;  ///< network limits, mirrors
  int jobs = 4;                       ///< parallel fetches
  std::string envlock_version = "0.1.0";
  /// SOURCE_DATE_EPOCH when set: the manifest's date and every tar member's mtime. Otherwise
  /// the lock's `time_metadata.created_at`, else its newest package timestamp, else
  /// 1970-01-01T00:00:00Z: the same lock always gives the same bytes.
  std::optional<int64_t> source_date_epoch;
};

struct Report {
  std::string out;
  OutputKind kind = OutputKind::folder;
  size_t packages = 0;    ///< artifacts archived (conda and pip)
  size_t downloaded = 0;  ///< of them, fetched now rather than found in the cache
  size_t files = 0;       ///< files in the manifest
  uint64_t bytes = 0;     ///< their total size
  std::string created;    ///< the manifest's date
  std::string sha256;     ///< of the .tar/.tar.zst file; "" for a folder
};

/// Writes the archive of the lock at `options.lock_path` to `options.out`. Every artifact is
/// taken from the package cache when its bytes there match the lock, else downloaded into the
/// cache (hash-checked while streaming); then copied into place (a reflink or in-kernel copy
/// where the file system allows). repodata.json per channel subdir lists exactly the archived
/// packages (their info/index.json plus md5, sha256 and size). The output appears whole or
/// not at all (staged beside `out`, then renamed).
/// Fails with ErrorKind::usage when `out` exists (a folder that is not empty, or a file), its
/// parent folder does not, or a platform/environment is not in the lock; ErrorKind::input
/// for a malformed lock, an artifact without URL or digest, two artifacts at one archive path,
/// bytes that differ from the lock; ErrorKind::network for downloads (and --offline with
/// artifacts missing from the cache); ErrorKind::io for local failures.
Result<Report> create(const Options& options);

/// "archived 6 packages into OUT: 9 files, 1.2 MiB (sha256 ...)".
std::string render_text(const Report& report);

/// What is wrong with one file of an archive.
struct Finding {
  enum class Kind {
    altered,       ///< size or sha256 differs from the manifest
    missing,       ///< listed in the manifest, not in the archive
    extra,         ///< in the archive, not in the manifest
    not_regular,   ///< a symlink, device or the like where a file belongs
    lock_missing,  ///< a lock artifact the archive does not hold
    lock_differs,  ///< a lock artifact whose archived bytes are not the locked ones
  };
  Kind kind = Kind::altered;
  std::string path;    ///< archive-relative
  std::string detail;  ///< expected vs actual, the package
};
/// "altered", "missing", "extra", "not-regular", "lock-missing", "lock-differs".
const char* to_string(Finding::Kind kind);

struct VerifyOptions {
  std::string archive;                 ///< folder, .tar or .tar.zst
  std::string lock_path;               ///< "" = the lock the archive holds
  std::vector<std::string> platforms;  ///< of the lock to check; empty = all
};

struct VerifyReport {
  std::string archive;
  std::string lock;  ///< which lock was checked (a path, or the archive's own)
  size_t files_checked = 0;
  size_t packages_checked = 0;
  std::vector<Finding> findings;  ///< by path, then kind
};

/// Checks every file of the archive against MANIFEST.json (sha256 and size), lists files the
/// manifest does not, and checks that every artifact of the lock is in the archive at its path
/// with the locked digest. Differences are findings, not errors. Fails with ErrorKind::input
/// when the archive is hostile or malformed (see OpenedArchive::open, parse_manifest) or the
/// lock is; ErrorKind::io when it cannot be read.
Result<VerifyReport> verify(const VerifyOptions& options);

/// One line per finding and a summary line.
std::string render_text(const VerifyReport& report);

}  // namespace envlock::archive
