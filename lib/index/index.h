#pragma once
// A conda channel indexer: repodata.json, repodata.json.zst and the CEP 16 shard set
// (repodata_shards.msgpack.zst + shards/<sha256>.msgpack.zst) for a folder of packages, or for
// records already in memory or in a repodata.json. The file formats are described in
// lib/index/SHARDS.md.
//
// Every output is byte-deterministic: the same inputs give the same bytes (keys sorted, no
// timestamps other than the ones the packages carry, zstd single-threaded at a fixed level).
// Every file is written atomically (temporary file in the same folder, then rename), so a
// client reading a channel while it is re-indexed sees the old file or the new one.
//
// For lib/archive (h/archive): write an archive channel's repodata with index_channel() on the
// folder of packages (hashes read from the files), or with write_subdir() from the lock's
// records when the files are already hash-checked.

#include <cstdint>
#include <string>
#include <vector>

#include "lib/spec/package_record.h"
#include "lib/util/result.h"

namespace envlock::index {

/// Whether the CEP 16 shard set is written beside repodata.json.
enum class Shards { no, yes };

/// The file names written into every subdir folder.
inline constexpr const char* k_repodata_json = "repodata.json";
inline constexpr const char* k_repodata_zst = "repodata.json.zst";
inline constexpr const char* k_shard_index = "repodata_shards.msgpack.zst";
inline constexpr const char* k_shards_folder = "shards";

/// The most records one repodata.json given to index_repodata_file may hold, and its largest
/// size: far above conda-forge (about 700k records, 250 MB for linux-64).
inline constexpr uint64_t k_max_records = 5'000'000;
inline constexpr uint64_t k_max_repodata_bytes = uint64_t{4} << 30;

struct Options {
  Shards shards = Shards::no;
  /// Index only this subdir (index_channel), or the subdir the records are written for
  /// (index_repodata_file; default: the file's info.subdir). Empty: every subdir found.
  std::string subdir;
  /// Hashing and shard-writing threads; 0 means one per core.
  unsigned jobs = 0;
};

/// What was written for one subdir.
struct SubdirSummary {
  std::string subdir;
  std::string folder;    ///< where its files are
  uint64_t records = 0;  ///< records in repodata.json
  uint64_t names = 0;    ///< distinct package names (= shards when Shards::yes)
  uint64_t repodata_bytes = 0;
  uint64_t shard_index_bytes = 0;  ///< 0 without shards
  uint64_t shard_bytes = 0;        ///< the shard files' total size, 0 without shards
};

struct Report {
  std::vector<SubdirSummary> subdirs;  ///< in name order
};

/// Indexes the channel folder `folder`: each immediate subfolder whose name is a conda subdir
/// (linux-64, noarch, ...; any safe folder name holding packages) gets repodata.json and
/// repodata.json.zst (and the shard set) listing its `.conda` and `.tar.bz2` files; `noarch`
/// is always written, empty when it holds no packages. A record is the package's
/// info/index.json, every key kept, plus `md5`, `sha256` and `size` of the archive file.
/// Fails with ErrorKind::usage when `folder` is not a folder or `options.subdir` is not a
/// safe name; ErrorKind::input naming the file when a package is not a well-formed conda
/// package, a package file name is not a safe file name, or a package is a symlink or not a
/// regular file; ErrorKind::io when a file cannot be read or written. Nothing is written
/// before every package of a subdir was read.
Result<Report> index_channel(const std::string& folder, const Options& options);

/// Reads the repodata.json at `repodata_path` (every record's keys kept as they are) and
/// writes the same records, re-serialized, into `out_dir`/<subdir>/ (subdir from
/// options.subdir, else info.subdir, else "noarch"). Fails with ErrorKind::input naming the
/// file (line:column for malformed JSON) when it is not repodata, a record has no string
/// name, a file name key is not a safe file name, or it is over k_max_repodata_bytes or
/// k_max_records; ErrorKind::io when reading or writing fails.
Result<SubdirSummary> index_repodata_file(const std::string& repodata_path,
                                          const std::string& out_dir, const Options& options);

/// Writes repodata for `subdir` into the existing folder `subdir_dir` from `records` (their
/// fn, name, version, build, build_number, depends, constrains, track_features, features,
/// license, license_family, md5, sha256, size, timestamp, noarch; empty fields left out).
/// Fails with ErrorKind::input when a record's fn is not a safe `.conda`/`.tar.bz2` file name
/// or two records share one fn; ErrorKind::io when writing fails.
Result<SubdirSummary> write_subdir(const std::string& subdir_dir, const std::string& subdir,
                                   const std::vector<spec::PackageRecord>& records,
                                   const Options& options);

/// Human-readable lines, one per subdir: "linux-64: 12 records, 9 names, 4 KiB ..."
std::string render_text(const Report& report);

}  // namespace envlock::index
