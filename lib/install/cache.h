#pragma once
// The package cache (a conda-style "pkgs" folder): archives as downloaded, each verified
// against the lock before use, and their extracted form, marked with the archive's digests so
// that a stale or partial extraction is redone.
//
// Layout: `<pkgs>/<file name>` (the archive), `<pkgs>/<stem>/` (extracted; `info/` holds
// `envlock_extracted.json`, the marker: the archive's digests and credential-free URL, and
// `envlock_stamps`: the size and mtime of every file at extraction, and which symlinks with
// an empty target were not created), `<pkgs>/<file name>.lock`
// (per-package flock).

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "lib/channel/download.h"
#include "lib/lockfile/lock.h"
#include "lib/package/package.h"
#include "lib/util/result.h"

namespace envlock::install {

/// Whether packages may be downloaded (file:// URLs are always read).
enum class Offline { no, yes };

/// The default cache: $ENVLOCK_CACHE_DIR/pkgs, else $HOME/.cache/envlock/pkgs.
std::string default_pkgs_dir();

struct CacheOptions {
  std::string pkgs_dir;
  Offline offline = Offline::no;
  channel::DownloadOptions download;
  package::ExtractOptions extract;  ///< the size cap of one extracted package
  /// Package URL → a local file holding it (install --archive). When set, a package missing
  /// from the cache is copied from its file (hash-checked as a download), never downloaded; a
  /// URL it does not list is an ErrorKind::input error.
  const std::map<std::string, std::string>* archive_files = nullptr;
};

/// Where a package came from this time.
enum class CacheHit { extracted, archive, downloaded };
const char* to_string(CacheHit hit);

/// A package ready to link.
struct CachedPackage {
  std::string archive_path;   ///< `<pkgs>/<file name>` (may be absent when `hit` is extracted)
  std::string extracted_dir;  ///< `<pkgs>/<stem>`
  std::string sha256;         ///< of the archive, lowercase hex
  std::string md5;            ///< of the archive, lowercase hex
  uint64_t size = 0;          ///< of the archive
  CacheHit hit = CacheHit::downloaded;
  package::PackageInfo info;
  /// paths.json paths of symlinks with an empty target: extraction did not create them (see
  /// package::extract_package), so they are not linked either.
  std::set<std::string> skipped_empty_links;
};

/// `url` as it may be written to disk (conda-meta, cache markers): credentials redacted with
/// channel::redact_url; conda-lock's `${VAR}` form is kept as it is.
std::string url_for_disk(const std::string& url);

/// "<name>-<version>-<build>" for messages.
std::string package_label(const lockfile::LockedPackage& package);

/// Makes `package` available in the cache and returns its extracted form:
/// 1. an extraction whose marker matches the lock's sha256 (else md5) is used when every file
///    it holds is still the package's: a file whose size or mtime differs from the marker's
///    record is hashed against info/paths.json, and one that differs (an edit through a hard
///    link in some prefix) makes the whole extraction untrusted, deleted and made again, as
///    does anything found where a symlink with an empty target was not created;
/// 2. else a cached archive is hashed and used when its sha256 (else md5) and size match the
///    lock, otherwise it is deleted;
/// 3. else the archive is downloaded (hash-checked while streaming) and extracted.
/// The package's name, version and build (from the lock and from its info/index.json) must
/// each be one safe path component (package::is_safe_path_component) and must agree.
/// Fails with ErrorKind::input when the lock has no digest or a URL without a package file
/// name, a name, version or build is not a safe file name, the package is not the one the
/// lock names, the downloaded bytes disagree with the lock (naming the package, the expected
/// and the actual digest) or the archive is malformed or hostile (see extract_package);
/// ErrorKind::network when the download fails or --offline forbids it; ErrorKind::io for local file
/// failures. Safe to call from several threads and processes at once (a flock per package).
Result<CachedPackage> ensure_package(const lockfile::LockedPackage& package,
                                     const CacheOptions& options);

/// A wheel ready to install (wheels are used as archives, never extracted into the cache).
struct CachedWheel {
  std::string path;                     ///< `<pkgs>/wheels/<file name>`
  CacheHit hit = CacheHit::downloaded;  ///< archive or downloaded
};

/// Makes the wheel of `package` (a `manager: pip` entry) available in the cache under
/// `<pkgs>/wheels/`: a cached file is hashed and used when its sha256 (and size, when the lock
/// has one) match the lock, else deleted and downloaded again, hash-checked while streaming.
/// Fails with ErrorKind::input when the lock has no sha256, the URL does not name a `.whl`
/// file that is one safe path component, or the downloaded bytes disagree with the lock
/// (naming the entry, the expected and the actual digest); ErrorKind::network when the
/// download fails or --offline forbids it; ErrorKind::io for local file failures. Safe from
/// several threads and processes at once (a flock per wheel).
Result<CachedWheel> ensure_wheel(const lockfile::LockedPackage& package,
                                 const CacheOptions& options);

}  // namespace envlock::install
