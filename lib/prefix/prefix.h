#pragma once
// A conda prefix's metadata: `conda-meta/*.json` PrefixRecords (as conda, mamba and pixi
// write them) and `conda-meta/history`. Reading is fast (simdjson); writing reproduces conda's
// layout and keeps every field this model does not know.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/package/package.h"
#include "lib/util/result.h"

namespace envlock::prefix {

using package::FileMode;
using package::PathType;

/// One entry of `paths_data.paths`.
struct PathData {
  std::string path;  ///< `_path`
  PathType path_type = PathType::hardlink;
  std::string sha256;                     ///< of the file in the package; empty if absent
  std::string sha256_in_prefix;           ///< after prefix replacement; empty if absent
  std::optional<uint64_t> size_in_bytes;  ///< absent in some producers' records
  std::optional<FileMode> file_mode;      ///< mamba does not record it
  std::string prefix_placeholder;         ///< empty when none (or not recorded)
  bool no_link = false;
};

/// `link`: where the package was linked from and how (1 hardlink, 2 softlink, 3 copy,
/// 4 directory).
struct Link {
  std::string source;
  int type = 0;
};

/// A `conda-meta/<name>-<version>-<build>.json` record. Text fields absent from the file are
/// empty; the original JSON text is kept so that writing preserves fields unknown here.
struct PrefixRecord {
  std::string name;
  std::string version;
  std::string build;
  int64_t build_number = 0;
  std::string channel;
  std::string subdir;
  std::string fn;
  std::string url;
  std::string md5;
  std::string sha256;
  std::optional<uint64_t> size;
  std::vector<std::string> depends;
  std::vector<std::string> constrains;
  std::string track_features;  ///< space-separated (a JSON list is joined)
  std::string features;
  std::string noarch;  ///< "", "python" or "generic"
  /// CEP 17 (python records): where site-packages is, e.g. "lib/python3.13t/site-packages".
  std::string python_site_packages_path;
  std::string license;
  std::string license_family;
  std::optional<int64_t> timestamp;
  std::string requested_spec;
  std::vector<std::string> files;
  int paths_version = 1;
  std::vector<PathData> paths;  ///< `paths_data.paths`
  bool has_paths_data = false;  ///< whether the record has a `paths_data` object
  std::optional<Link> link;
  std::string extracted_package_dir;
  std::string package_tarball_full_path;

  std::string source_file;  ///< the file it was read from; empty for new records
  std::string raw_json;     ///< the original JSON text; empty for new records
};

/// One `==> date <==` block of `conda-meta/history`.
struct Revision {
  std::string date;                  ///< as written, e.g. "2018-08-14 18:45:28"
  std::string cmd;                   ///< `# cmd:` line
  std::string conda_version;         ///< `# conda version:` line
  std::vector<std::string> added;    ///< `+channel::name-version-build` lines, in file order
  std::vector<std::string> removed;  ///< `-...` lines
  /// `# <action> specs: [...]` lines by action ("update", "remove", "neutered", ...).
  std::map<std::string, std::vector<std::string>> specs;
  std::vector<std::string> comments;  ///< other `#` lines, verbatim
};

/// Everything read from a prefix's conda-meta folder.
struct PrefixState {
  std::string prefix;
  std::vector<PrefixRecord> records;  ///< sorted by name, then file name
  std::vector<Revision> history;      ///< empty when there is no history file
};

/// Parses one PrefixRecord from `json_text`; `where` names it in errors.
/// Fails with ErrorKind::input: malformed JSON or invalid UTF-8 (with line:column), a
/// non-object, a missing name/version/build, or a known field of the wrong type.
Result<PrefixRecord> parse_prefix_record(std::string_view json_text, const std::string& where);

/// Reads and parses the record file at `path`. Fails like parse_prefix_record, or with
/// ErrorKind::io when the file cannot be read.
Result<PrefixRecord> read_prefix_record(const std::string& path);

/// Reads every `<prefix_dir>/conda-meta/*.json` record (macOS `._*` AppleDouble files are
/// skipped, as conda does) and `conda-meta/history`. Fails with ErrorKind::input when there is
/// no conda-meta folder or any record is corrupt (the error names the file), ErrorKind::io
/// when a file cannot be read.
Result<PrefixState> read_conda_meta(const std::string& prefix_dir);

/// The record as conda writes it: keys sorted, 2-space indent, non-ASCII escaped, no trailing
/// newline. Fields of the original JSON that this model does not know (and unknown keys of
/// paths_data entries) are kept.
std::string write_prefix_record(const PrefixRecord& record);

/// "<name>-<version>-<build>.json", the record's file name in conda-meta.
std::string record_file_name(const PrefixRecord& record);

/// Parses a history file's text. Lines before the first `==>` header are ignored. Never
/// fails on content: unknown lines are kept as comments or ignored, like conda does.
std::vector<Revision> parse_history(std::string_view text);

/// The text of one revision block, as conda writes it (specs as a JSON-style list, which
/// conda's parser also reads).
std::string format_revision(const Revision& revision);

/// Appends `revision` to `<prefix_dir>/conda-meta/history` (creating the folder and file when
/// missing) with one write followed by fsync. Fails with ErrorKind::io.
Result<void> append_history(const std::string& prefix_dir, const Revision& revision);

}  // namespace envlock::prefix
