#pragma once
// conda-lock's `content_hash`, computed exactly as conda-lock computes it
// (conda_lock/content_hash.py): sha256 of Python's json.dumps(sort_keys=True) of the lock
// specification (channels, per-platform dependencies, pip repositories) and the virtual
// package repodata. Also the conversion of environment.yml files into that specification the
// way conda-lock's environment.yml parser does it.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lib/lockfile/lock.h"
#include "lib/util/result.h"

namespace envlock::lockfile {

/// One lock-spec dependency as conda-lock serialises it (`conda_lock/models/lock_spec.py`).
struct HashDependency {
  enum class Kind { versioned, url, vcs, path };
  Kind kind = Kind::versioned;
  std::string name;
  Manager manager = Manager::conda;
  std::string category = "main";
  std::vector<std::string> extras;     ///< sorted by conda-lock before hashing
  std::optional<std::string> markers;  ///< PEP 508 markers (pip)
  // versioned
  std::string version;
  std::optional<std::string> build;
  std::optional<std::string> conda_channel;
  std::optional<std::string> hash;
  // url
  std::string url;
  std::vector<std::string> hashes;
  // vcs
  std::string source;
  std::string vcs;
  std::optional<std::string> rev;
  std::optional<std::string> subdirectory;  ///< vcs and path
  // path
  std::string path;
  bool is_directory = false;
};

/// A virtual package of the fake repodata conda-lock hashes: `__archspec 1 x86_64` is
/// {name "__archspec", version "1", build_string "x86_64"}.
struct VirtualPackage {
  std::string name;
  std::string version;
  std::string build_string;
};

/// The virtual-package repodata per subdir. conda-lock always writes the seven subdirs
/// noarch, linux-64, linux-aarch64, linux-ppc64le, osx-64, osx-arm64, win-64 (empty when they
/// hold nothing) plus any other subdir named here.
struct VirtualPackageRepo {
  std::map<std::string, std::vector<VirtualPackage>> subdirs;
};

/// conda-lock's default virtual packages (`default-virtual-packages.yaml`, with the duplicate
/// `__osx 10.15` on osx-64 it keeps for hash stability). `cuda_version` replaces `__cuda 11.4`;
/// an empty string leaves `__cuda` out.
VirtualPackageRepo default_virtual_packages(const std::string& cuda_version = "11.4");

/// Everything the content hash covers.
struct ContentHashInput {
  std::vector<Channel> channels;
  std::map<std::string, std::vector<HashDependency>> dependencies;  ///< platform -> deps
  std::vector<std::string> pip_repositories;                        ///< repository URLs
  std::optional<VirtualPackageRepo> virtual_packages;               ///< nullopt: not hashed
  std::vector<std::string> sources;  ///< input files, for the lock's metadata.sources
};

/// conda-lock >= 3.0.3 rewrites `build` of virtual packages with a build string to
/// "<build_string>_0" (as v2 did) unless told not to.
enum class SpuriousBuildNumber { reinsert, omit };
/// conda-lock >= 3.0.3 drops `markers`/`subdirectory` from specs when they are null.
enum class NewNulls { remove, keep };

/// The exact JSON text conda-lock hashes for `platform` (for tests and debugging).
std::string content_hash_json(const ContentHashInput& input, const std::string& platform,
                              SpuriousBuildNumber spurious = SpuriousBuildNumber::reinsert,
                              NewNulls nulls = NewNulls::remove);

/// sha256 hex of content_hash_json: what conda-lock writes to metadata.content_hash[platform].
std::string content_hash(const ContentHashInput& input, const std::string& platform,
                         SpuriousBuildNumber spurious = SpuriousBuildNumber::reinsert,
                         NewNulls nulls = NewNulls::remove);

/// content_hash for every platform of `input.dependencies`.
std::map<std::string, std::string> content_hashes(const ContentHashInput& input);

/// Every hash conda-lock's `--check-input-hash` accepts for `platform`
/// (`backwards_compatible_content_hashes`): with and without the spurious build numbers and
/// the new nulls, and on osx-64 with and without the redundant `__osx 10.15`.
std::set<std::string> accepted_content_hashes(const ContentHashInput& input,
                                              const std::string& platform);

/// One environment.yml (its path as the lock records it, and its text).
struct EnvironmentSource {
  std::string path;
  std::string text;
};

/// Builds the hash input from environment.yml files the way conda-lock's parser does
/// (`conda_lock/src_parser/environment_yaml.py`): conda specs become versioned dependencies
/// (MatchSpec-normalised version, build, `channel::` prefix), `pip:` entries pip dependencies
/// (and a conda `pip` dependency), `category:` sets the category, `# [linux]`-style selectors
/// filter lines per platform, `nodefaults` is dropped, later files override earlier ones per
/// (manager, name), channel lists must be suffixes of the longest. Uses conda-lock's default
/// virtual packages. Fails with ErrorKind::input naming the file on malformed YAML or specs.
[[nodiscard]] Result<ContentHashInput> content_hash_input_from_environments(
    const std::vector<EnvironmentSource>& sources, const std::vector<std::string>& platforms);

/// Whether a dependency written on environment.yml `line` applies to `platform` under
/// conda-lock's selectors: a `# [linux]`-style selector decides as conda-lock decides, and so
/// does a trailing `[osx]` naming a platform selector. A trailing bracket that names no
/// platform (`- numpy[build=py36*]`) is part of the spec, as YAML and conda read it: such a line
/// applies everywhere (conda-lock's own reading drops it, and the content hash keeps that).
bool line_applies_to(const std::string& line, const std::string& platform);

/// The selector of a `# [cond]` comment on `line` when it is none that conda-lock knows for any
/// platform (`# [not win]`, `# [linux and x86_64]`, `# [ linux ]`): conda-lock then drops the
/// line on every platform, and so does line_applies_to. std::nullopt otherwise.
std::optional<std::string> unknown_selector(const std::string& line);

}  // namespace envlock::lockfile
