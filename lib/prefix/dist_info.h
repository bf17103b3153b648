#pragma once
// Python distributions installed in a prefix's site-packages, as pip and envlock leave them:
// `NAME-VERSION.dist-info` folders with METADATA, RECORD, INSTALLER, REQUESTED and
// direct_url.json (PEP 376, PEP 610, PEP 627). Reading only; bounded, and every RECORD path is
// resolved inside the prefix or set aside.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/prefix/prefix.h"
#include "lib/util/result.h"

namespace envlock::prefix {

/// site-packages relative to the prefix: `cep17` (a python record's python_site_packages_path)
/// when it is set and names a relative path without `..`, else `Lib/site-packages` for win-*
/// platforms, else `lib/python<python_xy>/site-packages`. "" when `python_xy` is empty and
/// nothing else says.
std::string site_packages_dir(std::string_view platform, std::string_view python_xy,
                              std::string_view cep17 = {});

/// "X.Y" of a python version ("3.11.8" → "3.11"); the text itself when it has no second dot.
std::string python_xy(std::string_view version);

/// site-packages of the python among `records` (its version and CEP 17 path); "" when no
/// record is named python.
std::string site_packages_of(const std::vector<PrefixRecord>& records, std::string_view platform);

/// One RECORD line resolved against the prefix.
struct DistFile {
  std::string path;    ///< prefix-relative, '/'-separated, lexically normal
  std::string sha256;  ///< lowercase hex; empty when RECORD gives no sha256 (RECORD itself)
  std::optional<uint64_t> size;
};

/// One `*.dist-info` folder of site-packages.
struct InstalledDist {
  std::string dist_info;        ///< prefix-relative folder
  std::string name;             ///< METADATA `Name` (else the folder's name part)
  std::string version;          ///< METADATA `Version` (else the folder's version part)
  std::string installer;        ///< first line of INSTALLER, trimmed; "" when absent
  bool requested = false;       ///< a REQUESTED file is there
  std::string url;              ///< direct_url.json `url` (PEP 610); "" when absent
  std::string archive_sha256;   ///< direct_url.json archive_info hash when sha256; lowercase
  bool has_record = false;      ///< RECORD was there and parsed
  std::vector<DistFile> files;  ///< RECORD lines inside the prefix, in RECORD order
  /// RECORD paths that resolve outside the prefix (never checked, never removed).
  std::vector<std::string> outside;
};

/// Bounds on what is read from one dist-info folder.
inline constexpr uint64_t k_max_dist_info_file_bytes = 16u << 20;  ///< METADATA, RECORD, ...
inline constexpr size_t k_max_dist_infos = 100000;

/// How much of a dist-info to read: `identity` is the folder name (name, version), INSTALLER,
/// REQUESTED and direct_url.json; `record` adds RECORD; `full` adds RECORD and METADATA (name
/// and version as written).
enum class DistDetail { identity, record, full };

/// Reads every `*.dist-info` folder directly under `<prefix_dir>/<site_packages>`, sorted by
/// folder name; none when the folder does not exist. A folder whose METADATA or RECORD is
/// malformed still counts (name and version from its folder name; `has_record` false).
/// Fails with ErrorKind::io when site-packages cannot be listed, ErrorKind::input when it holds
/// more than k_max_dist_infos folders.
Result<std::vector<InstalledDist>> read_dist_infos(const std::string& prefix_dir,
                                                   const std::string& site_packages,
                                                   DistDetail detail = DistDetail::full);

/// The dist-infos of `dists` that belong to pip's side of the prefix: INSTALLER is not `conda`
/// and no record of `records` owns a file inside the folder (records read without `files`,
/// as summaries are, own nothing). Order kept.
std::vector<InstalledDist> pip_managed(std::vector<InstalledDist> dists,
                                       const std::vector<PrefixRecord>& records);

/// The lowercase hex of a RECORD hash (urlsafe base64, padding optional); "" when it is not
/// 32 bytes of valid base64.
std::string sha256_hex_of_record_hash(std::string_view b64);

}  // namespace envlock::prefix
