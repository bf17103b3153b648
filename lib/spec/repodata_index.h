#pragma once
// The records of one repodata.json grouped by package name. Building the index reads each
// record's name and skips the rest (simdjson's structural index does the skipping), so a
// 240 MB conda-forge repodata is indexed in a fraction of a full parse; a record is parsed
// only when asked for. This is what lets a solve load just the names its request reaches.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/spec/package_record.h"
#include "lib/util/result.h"

namespace envlock::spec {

/// Bytes that must be readable after the end of a JSON buffer for SIMD parsing without a copy.
/// read_file() leaves this much spare capacity.
inline constexpr std::size_t k_json_padding = 64;

class RepodataIndex {
 public:
  /// Indexes `json` ("packages" and "packages.conda", objects or legacy arrays, in file order).
  /// When `readable_past_end` < k_json_padding the index keeps a padded copy of the bytes;
  /// otherwise it refers to `json`, which must then outlive the index. As libsolv's reader
  /// does, records that are not objects or have no string name are passed over.
  /// Fails with ErrorKind::input naming `source` and line:column when the JSON is malformed,
  /// or when the document is not an object.
  static Result<RepodataIndex> build(std::string_view json, std::size_t readable_past_end,
                                     const std::string& source);

  /// A compact binary form of the index, for a cache keyed by the JSON's hash.
  std::string serialize() const;
  /// Rebuilds an index of `json` from serialize() output. Fails with ErrorKind::input when the
  /// bytes are not a valid index of a document of this size (a stale or damaged cache file).
  static Result<RepodataIndex> deserialize(std::string_view bytes, std::string_view json,
                                           std::size_t readable_past_end,
                                           const std::string& source);

  /// The ordinals (file order) of the records whose name is `name`; empty when there are none.
  std::span<const std::uint32_t> records_named(std::string_view name) const;
  /// Number of records.
  std::size_t size() const;
  /// Number of distinct names.
  std::size_t name_count() const;
  /// The distinct names, in order of first appearance (views valid while the index lives).
  std::vector<std::string_view> names() const;
  /// info.subdir, "" when absent.
  const std::string& subdir() const;

  /// Parses record `ordinal` as parse_repodata() would (fn from its key, subdir from info).
  /// Fails with ErrorKind::input naming the source, line and record when it is malformed.
  /// Not thread-safe: one parser serves every call.
  Result<PackageRecord> record(std::uint32_t ordinal) const;

  RepodataIndex(RepodataIndex&&) noexcept;
  RepodataIndex& operator=(RepodataIndex&&) noexcept;
  ~RepodataIndex();

 private:
  struct Impl;
  explicit RepodataIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

/// The package name libsolv (and conda) reads from a dependency string: after the last ':',
/// up to the first of " =<>!~", lower-cased. "" when there is none.
std::string dependency_name(std::string_view dependency);

}  // namespace envlock::spec
