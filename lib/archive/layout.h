#pragma once
// Where things are inside an envlock archive, the manifest, and opening an archive (a folder,
// read in place, or a .tar / .tar.zst unpacked safely into a temporary folder).
//
// Layout (docs/archive.md):
//   MANIFEST.json                                  every other file's path, sha256 and size
//   <the lock's file name>                         the lock, byte for byte
//   channels/<channel>/<subdir>/<package file>     one conda channel per original channel
//   channels/<channel>/<subdir>/repodata.json      exactly the packages beside it
//   pypi/<wheel file>                              pip entries' artifacts

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/lockfile/lock.h"
#include "lib/util/file.h"
#include "lib/util/result.h"

namespace envlock::archive {

inline constexpr const char* k_manifest = "MANIFEST.json";
inline constexpr const char* k_channels = "channels";
inline constexpr const char* k_pypi = "pypi";
/// The manifest's `format` value; `version` is k_manifest_version.
inline constexpr const char* k_manifest_format = "envlock-archive";
inline constexpr int k_manifest_version = 1;

/// The folder name of a channel inside an archive: the channel's identity
/// (channel::channel_identity, so http/https and a `label/main` spelling share one folder) with
/// "file://" dropped, '/' written as '+' and every other byte outside [A-Za-z0-9._-] as '_',
/// e.g. "conda.anaconda.org+conda-forge", "127.0.0.1_8080+chan". Names over 200 bytes are cut
/// and end in a digest. Two channels that meet in one folder are refused by create().
std::string channel_folder(std::string_view channel_url);

/// The archive-relative path of a locked artifact: channels/<channel_folder>/<subdir>/<file>
/// for conda packages (channel and subdir from the URL), pypi/<file> for pip ones. Fails with
/// ErrorKind::input naming the package when its URL has no channel, subdir or safe file name.
Result<std::string> member_path(const lockfile::LockedPackage& package);

/// True when `path` is a relative '/'-separated path whose every component is a safe file
/// name (package::is_safe_path_component): no absolute path, no "." or "..", no empty part.
bool is_safe_relative_path(std::string_view path);

/// One file the manifest lists.
struct ManifestEntry {
  std::string path;  ///< archive-relative
  std::string sha256;
  uint64_t size = 0;
  bool operator==(const ManifestEntry&) const = default;
};

struct Manifest {
  std::string envlock_version;
  std::string created;  ///< RFC 3339 UTC, e.g. "2024-01-01T00:00:00Z"
  std::string lock;     ///< the lock's file name inside the archive
  std::vector<std::string> platforms;
  std::vector<ManifestEntry> files;  ///< sorted by path (byte order)
};

/// The manifest as JSON: keys sorted, two-space indent, a final newline. Deterministic.
std::string render_manifest(const Manifest& manifest);

/// The largest MANIFEST.json read_manifest accepts, and the most files it may list.
inline constexpr uint64_t k_max_manifest_bytes = uint64_t{256} << 20;
inline constexpr size_t k_max_manifest_files = 2'000'000;

/// Parses MANIFEST.json text. Fails with ErrorKind::input naming `where` when it is not JSON,
/// not an envlock archive manifest, over the bounds above, lists a path twice or a path that
/// is not is_safe_relative_path (a MANIFEST naming "../x" or "/etc/passwd" is refused).
Result<Manifest> parse_manifest(std::string_view text, const std::string& where);

/// Limits for unpacking a tar archive.
struct UnpackLimits {
  uint64_t max_member_bytes = uint64_t{16} << 30;  ///< one member (a package)
  uint64_t max_total_bytes = uint64_t{256} << 30;  ///< all members together
  size_t max_members = 2'000'000;
};

/// An archive ready to read: a folder. A tar archive is unpacked into a temporary folder that
/// is removed when this object is destroyed.
class OpenedArchive {
 public:
  OpenedArchive() = default;
  OpenedArchive(OpenedArchive&& other) noexcept;
  OpenedArchive& operator=(OpenedArchive&& other) noexcept;
  OpenedArchive(const OpenedArchive&) = delete;
  OpenedArchive& operator=(const OpenedArchive&) = delete;
  ~OpenedArchive();

  /// The folder holding MANIFEST.json.
  const std::string& root() const { return m_root; }
  /// The path the user named (for messages).
  const std::string& name() const { return m_name; }
  /// Its MANIFEST.json, read when it was opened.
  const Manifest& manifest() const { return m_manifest; }

  /// Opens `path`: a folder is read in place; a regular file is read as a tar (plain or
  /// zstd/gzip/xz/bzip2-compressed) and unpacked into a new folder under `temp_parent` ("" =
  /// $TMPDIR or /tmp). Unpacking accepts only regular files and folders whose every path
  /// component is a safe name; refused with ErrorKind::input naming the member: absolute paths,
  /// "..", symlinks, hard links, devices, a path given twice, a member over
  /// `limits.max_member_bytes` (checked against the header before reading and while reading),
  /// more than `limits.max_total_bytes` or `limits.max_members`. A file that is no tar is
  /// ErrorKind::input; a missing path or a failing read/write is ErrorKind::io (a missing path
  /// names it). Then MANIFEST.json is read (a regular file, see regular_member) and parsed
  /// (parse_manifest): an archive without one, or with a hostile one, is ErrorKind::input.
  /// On failure nothing is left behind.
  static Result<OpenedArchive> open(const std::string& path, const UnpackLimits& limits = {},
                                    const std::string& temp_parent = "");

 private:
  Result<void> read_manifest();
  void remove_owned() noexcept;

  std::string m_root;
  std::string m_name;
  Manifest m_manifest;
  bool m_owned = false;  ///< m_root is our temporary folder
  /// Names the temporary folder to an interrupt (remove_unfinished_temporaries) while owned.
  std::unique_ptr<TemporaryRegistration> m_registration;
};

/// Checks that `relative` (is_safe_relative_path) names a regular file under `root` reached
/// without following a symlink at any component. Returns the full path, or std::nullopt-like
/// errors: ErrorKind::input "<relative>: not in the archive" when absent, "<relative>: is a
/// symlink / not a regular file" otherwise; ErrorKind::io for other stat failures.
Result<std::string> regular_member(const std::string& root, const std::string& relative);

/// For `install --archive`: finds every package of `packages` in the opened archive and checks
/// its bytes against the lock (sha256, else md5, and the size when recorded) before anything
/// is installed. Returns package URL → full path of its file in the archive. Fails with
/// ErrorKind::input naming the package and the archive path when a package is missing, is not
/// a regular file, or its bytes differ (expected and actual digest); ErrorKind::io when a file
/// cannot be read.
Result<std::map<std::string, std::string>> locate_packages(
    const OpenedArchive& archive, const std::vector<lockfile::LockedPackage>& packages);

}  // namespace envlock::archive
