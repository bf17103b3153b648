#pragma once
// The one in-memory lock model that every lock format is read into and written from.
// Versions, builds and dependency constraints stay strings: this module never compares versions.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace envlock::lockfile {

/// Which installer handles a package.
enum class Manager { conda, pip };

/// "conda" or "pip".
const char* to_string(Manager manager);
std::ostream& operator<<(std::ostream& out, Manager manager);

/// The file format a Lock was read from (or `conda_lock_v1` for one built in memory).
enum class SourceFormat {
  conda_lock_v1,    ///< conda-lock unified `conda-lock.yml`, version 1 (CEP 37)
  rattler_v3,       ///< rattler's early conda-lock-like layout (`version: 2|3`, list depends)
  pixi_v4,          ///< pixi.lock / rattler_lock format version 4
  pixi_v5,          ///< ... version 5 (PyPI indexes)
  pixi_v6,          ///< ... version 6 (location-keyed packages)
  pixi_v7,          ///< ... version 7 (named platforms)
  explicit_file,    ///< an `@EXPLICIT` file (one platform)
  env_export,       ///< `conda env export` / `micromamba env export` YAML (name=version=build)
  micromamba_json,  ///< micromamba/mambajs JSON lock (`lockVersion`)
};

/// A short stable name: "conda-lock-v1", "pixi-v6", "explicit", "env-export", ...
const char* to_string(SourceFormat format);
std::ostream& operator<<(std::ostream& out, SourceFormat format);

/// A channel as conda-lock records it: a URL (or name) with credentials replaced by
/// `${VAR}` placeholders, and the names of those variables.
struct Channel {
  std::string url;
  std::vector<std::string> used_env_vars;
  bool operator==(const Channel&) const = default;
};

/// One locked artifact for one platform (and one category).
struct LockedPackage {
  Manager manager = Manager::conda;
  std::string name;
  std::string version;
  std::string build;  ///< conda build string; empty when unknown or pip
  std::optional<int64_t> build_number;
  std::string url;       ///< direct artifact URL or path (pixi sources)
  std::string channel;   ///< channel URL or name; empty when unknown
  std::string subdir;    ///< conda subdir of the artifact ("noarch", ...)
  std::string platform;  ///< the lock platform this entry belongs to
  std::string md5;       ///< lowercase hex, empty when unknown
  std::string sha256;    ///< lowercase hex, empty when unknown
  std::optional<int64_t> size;
  /// "name constraint" specs, e.g. "libgcc-ng >=12" or "__unix" (constraint empty). For
  /// conda-lock files each entry is the map key and value joined by one space. Order carries
  /// no meaning: compare with `same_dependencies`.
  std::vector<std::string> depends;
  std::vector<std::string> constrains;
  std::string category = "main";
  bool optional = false;
  std::optional<int64_t> timestamp;  ///< milliseconds since the epoch
  std::string noarch;                ///< "", "python" or "generic"
  std::string license;
  std::vector<std::string> track_features;
  std::vector<std::string> pip_extras;  ///< pip: the extras requested (pixi selectors)
  std::string pip_markers;              ///< pip: environment markers, when recorded
  std::string requires_python;          ///< pip: Requires-Python, when recorded
  std::string source_url;               ///< conda-lock `source: {type: url, url}` (pip)

  bool operator==(const LockedPackage&) const = default;
};

/// True when `a` and `b` hold the same specs, ignoring order.
bool same_dependencies(const std::vector<std::string>& a, const std::vector<std::string>& b);

/// conda-lock's optional git metadata.
struct GitMetadata {
  std::string git_user_name;
  std::string git_user_email;
  std::string git_sha;
  bool operator==(const GitMetadata&) const = default;
};

/// md5 and sha256 of one input file's text.
struct InputHashes {
  std::string md5;
  std::string sha256;
  bool operator==(const InputHashes&) const = default;
};

/// Lock-wide metadata (conda-lock's `metadata` block; pixi's channels land here too).
struct Metadata {
  std::vector<Channel> channels;
  std::vector<std::string> platforms;               ///< in file order
  std::vector<std::string> sources;                 ///< input files, relative to the lock
  std::map<std::string, std::string> content_hash;  ///< platform -> sha256 hex
  std::optional<std::string> created_at;            ///< time_metadata.created_at
  std::optional<GitMetadata> git;
  std::map<std::string, InputHashes> inputs;  ///< inputs_metadata
  std::map<std::string, std::string> custom;  ///< custom_metadata
  bool operator==(const Metadata&) const = default;
};

/// One environment: its channels and packages per platform (in file order).
struct Environment {
  std::vector<Channel> channels;
  std::vector<std::string> pypi_indexes;
  std::map<std::string, std::vector<LockedPackage>> packages;  ///< platform -> packages
  bool operator==(const Environment&) const = default;
};

/// A whole lock. conda-lock files have exactly one environment, named "default".
struct Lock {
  SourceFormat source_format = SourceFormat::conda_lock_v1;
  Metadata metadata;
  std::map<std::string, Environment> environments;
  bool operator==(const Lock&) const = default;

  /// The environment called `name`, or nullptr.
  const Environment* environment(const std::string& name) const;
  /// Number of package entries over all environments and platforms.
  size_t package_count() const;
};

/// The name conda-lock files use for their single environment.
inline constexpr const char* k_default_environment = "default";

/// Splits a conda artifact file name ("name-version-build.conda" / ".tar.bz2") into its parts.
/// Returns false if the name has no recognised extension or fewer than three dash-parts.
bool split_conda_filename(const std::string& filename, std::string& name, std::string& version,
                          std::string& build);

/// The last path component of `url` without query or fragment.
std::string url_filename(const std::string& url);

}  // namespace envlock::lockfile
