#pragma once
// Conda package archives (.conda and .tar.bz2): reading their metadata and extracting them
// safely. The archive formats are implemented with libarchive in package.cc only.
//
// A `.conda` file is a zip holding `metadata.json`, `info-<stem>.tar.zst` and (usually)
// `pkg-<stem>.tar.zst`; a `.tar.bz2` file is one bzip2 tar with `info/` and the payload.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace envlock::package {

/// How a path is placed into a prefix (conda's PathEnum). Packages use the first three; the
/// others only appear in conda-meta records, written by the installer.
enum class PathType {
  hardlink,
  softlink,
  directory,
  pyc_file,
  unix_python_entry_point,
  windows_python_entry_point_script,
  windows_python_entry_point_exe,
  linked_package_record,
  unknown,  ///< a value this version does not know; kept verbatim by writers that can
};

/// "hardlink", "softlink", ... ; "unknown" for PathType::unknown.
const char* to_string(PathType type);
/// The PathType named `text`, or PathType::unknown.
PathType path_type_from_string(std::string_view text);

/// How the prefix placeholder inside a file is replaced at install time.
enum class FileMode { text, binary };
/// "text" or "binary".
const char* to_string(FileMode mode);

/// The prefix placeholder conda-build used before it recorded the real one.
inline constexpr const char* k_default_placeholder = "/opt/anaconda1anaconda2anaconda3";

/// One entry of `info/paths.json` (or of the legacy `info/files` + `info/has_prefix`).
struct PathEntry {
  std::string path;  ///< `_path`, relative to the prefix, '/'-separated
  PathType path_type = PathType::hardlink;
  std::string sha256;                     ///< lowercase hex; empty when not recorded
  std::optional<uint64_t> size_in_bytes;  ///< absent in legacy packages
  std::string prefix_placeholder;         ///< empty when the file has none
  std::optional<FileMode> file_mode;      ///< set exactly when prefix_placeholder is
  bool no_link = false;                   ///< copy instead of linking
};

/// `info/index.json`: the package record as the build wrote it.
struct IndexJson {
  std::string name;
  std::string version;
  std::string build;
  int64_t build_number = 0;
  std::vector<std::string> depends;
  std::vector<std::string> constrains;
  std::string subdir;
  std::string noarch;  ///< "", "python" or "generic" (legacy `noarch_python: true` → "python")
  std::string license;
  std::optional<int64_t> timestamp;  ///< as written (milliseconds in modern packages)
  std::string track_features;        ///< space-separated, as conda writes it
  /// CEP 17: where a python package puts `site-packages` (e.g. "lib/python3.13t/site-packages");
  /// empty when the record does not say. Checked to be a relative path without "..".
  std::string python_site_packages_path;
};

/// `info/link.json`, present for noarch packages.
struct LinkJson {
  std::string noarch_type;                ///< `noarch.type`: "python" or "generic"
  std::vector<std::string> entry_points;  ///< "name = module:function", python only
};

enum class ArchiveFormat { conda, tar_bz2 };

/// Where PackageInfo::paths came from.
enum class PathsSource {
  paths_json,   ///< info/paths.json (complete: hashes and sizes)
  legacy_files  ///< info/files + info/has_prefix + info/no_link (no hashes)
};

/// The metadata of one package.
struct PackageInfo {
  ArchiveFormat format = ArchiveFormat::conda;
  IndexJson index;
  /// `info/index.json` exactly as stored (checked to be a JSON object with the fields above),
  /// for indexers that keep every key.
  std::string index_json_text;
  std::vector<PathEntry> paths;
  PathsSource paths_source = PathsSource::paths_json;
  std::optional<LinkJson> link;
};

/// True when `text` can be used as one file name component: not empty, at most 255 bytes, not
/// "." or "..", and free of '/', '\\', NUL and other control characters. Every name, version
/// and build is checked with it before it becomes part of a path.
bool is_safe_path_component(std::string_view text);

/// The archive format named by `path`'s extension, or nullopt for anything else.
std::optional<ArchiveFormat> archive_format_of(const std::string& path);

/// The largest info/ member (index.json, paths.json, files, ...) read_package_info accepts.
inline constexpr uint64_t k_max_info_member_bytes = 64ull << 20;

/// Reads `info/index.json`, `info/paths.json` (or, for old packages, `info/files`,
/// `info/has_prefix`, `info/no_link`) and `info/link.json` from the archive at `archive_path`
/// without extracting it. For a .conda only the info tarball is decompressed.
/// Fails with ErrorKind::io when the file cannot be opened, ErrorKind::input (naming the
/// archive and the member) when it is not a well-formed package, its JSON is malformed or nested
/// deeper than k_max_nesting, or an info member is over k_max_info_member_bytes.
Result<PackageInfo> read_package_info(const std::string& archive_path);

/// Reads the same metadata from an already extracted package folder (`<dir>/info/...`).
/// Fails like read_package_info.
Result<PackageInfo> read_package_info_dir(const std::string& package_dir);

/// What extraction wrote, one entry per archive member (directories included).
struct ExtractedEntry {
  std::string path;  ///< relative to the destination, '/'-separated, no leading "./"
  PathType type = PathType::hardlink;  ///< hardlink = regular file, softlink, directory
  uint64_t size = 0;                   ///< bytes written (regular files)
  std::string sha256;                  ///< of the bytes written (regular files), lowercase hex
  std::string link_target;             ///< symlink target, or the hard link's source path
};

/// The default cap on the bytes one package may extract to: far above any real package.
inline constexpr uint64_t k_default_max_extracted_bytes = uint64_t{8} << 30;  // 8 GiB

/// Limits for extract_package.
struct ExtractOptions {
  /// The most bytes of regular files one package may write; past it extraction stops.
  uint64_t max_total_bytes = k_default_max_extracted_bytes;
};

struct ExtractedPackage {
  std::string directory;  ///< the destination folder
  std::vector<ExtractedEntry> entries;
  /// Symlink members with an empty target, in archive order: not created (no file system can
  /// hold such a link) and absent from `entries`.
  std::vector<std::string> skipped_empty_links;
};

/// Extracts the archive at `archive_path` (both formats; a .conda's inner tarballs are streamed
/// from the zip, never written to temporary files) into the folder `dest_dir`, which must not
/// exist yet (or be empty). Members are written into a temporary folder beside `dest_dir`
/// that is renamed into place only when everything succeeded; on any failure nothing is left.
/// Refused with ErrorKind::input, naming the archive and the member: absolute member paths,
/// `..` components, symlinks whose target leaves the package, hard links to anything but an
/// earlier regular file of the package, members written through a symlink, device files,
/// fifos and sockets, a path repeated with different contents, a path component longer than
/// 255 bytes, and a member written below a skipped empty-target symlink. A symlink with an
/// empty target (real converted packages hold some) is not created and is listed in
/// `skipped_empty_links`; the caller decides what to tell. Every
/// regular file that `info/paths.json` lists as a hardlink is checked while it is written:
/// extraction stops as soon as it grows past the declared `size_in_bytes`, and a size or
/// sha256 that differs from paths.json is refused (a .conda's paths.json is read first; in a
/// .tar.bz2 that stores payload before info/, those members are checked once paths.json is
/// seen). More than `options.max_total_bytes` of regular files is refused too. All of these
/// are ErrorKind::input; a corrupt or truncated archive is ErrorKind::input; file system
/// failures are ErrorKind::io.
Result<ExtractedPackage> extract_package(const std::string& archive_path,
                                         const std::string& dest_dir,
                                         const ExtractOptions& options = {});

}  // namespace envlock::package
