#pragma once
// A package's metadata as repodata.json describes it, and repodata.json itself.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/spec/version.h"
#include "lib/util/result.h"

namespace envlock::spec {

/// One package build (a repodata record). Plain data; `parsed_version()` parses `version` on
/// first use and caches it.
struct PackageRecord {
  std::string name;
  std::string version;
  std::string build;
  std::int64_t build_number = 0;
  std::vector<std::string> depends;
  std::vector<std::string> constrains;
  std::vector<std::string> track_features;
  std::vector<std::string> features;
  std::string md5;
  std::string sha256;
  std::uint64_t size = 0;
  std::int64_t timestamp = 0;  ///< milliseconds since the epoch (seconds are converted)
  std::string subdir;
  std::string noarch;  ///< "", "python" or "generic"
  std::string license;
  std::string license_family;
  std::string fn;  ///< file name, e.g. "zlib-1.2.13-h166bdaf_4.conda"
  std::string url;
  std::string channel;  ///< channel name or URL, as known to the caller
  std::string package_type;

  /// "name-version-build".
  std::string dist_name() const { return name + "-" + version + "-" + build; }
  /// The parsed version (cached), or nullptr when `version` is not a valid conda version.
  const Version* parsed_version() const;

  /// Converts a repodata timestamp to milliseconds the way conda does: values below
  /// 253402300799 (9999-12-31 in seconds) are seconds.
  static std::int64_t timestamp_to_ms(std::int64_t value);

 private:
  mutable std::optional<Version> m_version_cache;
  mutable std::string m_version_cache_key;
};

/// A parsed repodata.json (CEP 15 base_url honoured).
struct Repodata {
  std::string subdir;    ///< info.subdir ("" when absent)
  std::string base_url;  ///< info.base_url (repodata v2), "" when absent
  int repodata_version = 1;
  std::vector<PackageRecord> records;  ///< "packages" then "packages.conda", in file order
  std::vector<std::string> removed;
};

/// Parses repodata.json text. Records get `fn` from their key, `subdir` from info.subdir when
/// missing, and `url` = base_url + "/" + fn when base_url is set. Fails with ErrorKind::input
/// naming `source_name` and the line:column of malformed JSON, or the record whose field has
/// the wrong type.
[[nodiscard]] Result<Repodata> parse_repodata(std::string_view json,
                                              const std::string& source_name);

/// Builds a record from a package file name "name-version-build.conda|.tar.bz2" (conda's
/// legacy dist parsing). Fails with ErrorKind::input when there are fewer than three parts.
[[nodiscard]] Result<PackageRecord> record_from_filename(std::string_view filename);

}  // namespace envlock::spec
