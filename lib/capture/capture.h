#pragma once
// Capture: a lock of an existing prefix, made from its conda-meta records (what
// `conda env export` is asked to do, with urls, md5 and sha256), and finding a named
// environment the way conda does.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/lockfile/lock.h"
#include "lib/prefix/prefix.h"
#include "lib/util/result.h"

namespace envlock::capture {

/// The platform a prefix was built for: the most common `subdir` of its records, ignoring
/// "noarch" (ties: the first in name order); nullopt when every record is noarch or there is
/// none.
std::optional<std::string> prefix_platform(const prefix::PrefixState& state);

/// The channel of a record as a lock writes it: the part of `url` before `/<subdir>/<file>`,
/// else the record's `channel` without a trailing `/<subdir>`; "" when neither is known.
std::string channel_of(const prefix::PrefixRecord& record);

/// The record as a locked package of `platform`. The url is the record's `url`, else it is
/// built from its channel, subdir and `fn` (a bare channel name gets conda.anaconda.org); url
/// and channel lose any credential (user:password@, /t/<token>/);
/// depends, constrains, md5, sha256, size, timestamp, license and noarch are copied.
/// Fails with ErrorKind::input naming the record's file when no url can be made.
Result<lockfile::LockedPackage> locked_package_of(const prefix::PrefixRecord& record,
                                                  const std::string& platform);

/// The pip distributions of `state.prefix`: the dist-infos of its python's site-packages that
/// conda does not own (prefix::pip_managed), as `manager: pip` entries sorted by name. The url
/// and sha256 come from direct_url.json when it names a wheel with its sha256 (PEP 610
/// archive_info); otherwise both stay empty: unknown, never invented. None when the prefix
/// has no python record. Fails with ErrorKind::io when site-packages cannot be listed.
Result<std::vector<lockfile::LockedPackage>> pip_packages_of(const prefix::PrefixState& state,
                                                             const std::string& platform);

/// A single-environment ("default") lock of `state` for `platform` (empty: prefix_platform,
/// else the host's), its conda records then its pip distributions (pip_packages_of; those
/// without url are also named in custom_metadata `envlock_pip_url_unknown`). Channels are the
/// records' channels in order of first use, a credential as a ${VAR} template when the environment
/// holds its value and redacted otherwise; the content_hash is the sha256 of the sorted package
/// urls and hashes (a capture has no input files), so the same prefix always gives the same lock.
/// Fails like locked_package_of.
Result<lockfile::Lock> lock_of_prefix(const prefix::PrefixState& state,
                                      const std::string& platform = "");

/// The environment variables that decide where named environments live (HOME, CONDARC,
/// CONDA_ENVS_DIRS, CONDA_ENVS_PATH, CONDA_PREFIX, CONDA_EXE, CONDA_ROOT,
/// MAMBA_ROOT_PREFIX), read from the process environment; absent ones are left out.
std::map<std::string, std::string> process_environment();

/// The folders where conda looks for named environments, in conda's order, duplicates removed:
/// `CONDA_ENVS_DIRS` / `CONDA_ENVS_PATH` (path lists), `envs_dirs` of the condarc files
/// ($CONDARC, ~/.condarc, ~/.config/conda/condarc; `~` and `$VAR` expanded; a file that is not
/// simple YAML is skipped), then `<root>/envs` for the root prefixes known from
/// CONDA_ROOT, CONDA_EXE, MAMBA_ROOT_PREFIX and CONDA_PREFIX (its parent when it is itself
/// in an `envs` folder), then ~/miniconda3, ~/miniforge3, ~/anaconda3, ~/mambaforge and
/// ~/micromamba `/envs`, then ~/.conda/envs.
std::vector<std::string> envs_dirs(const std::map<std::string, std::string>& environment);

/// The prefix of the environment called `name`: the first `<dir>/<name>` with a conda-meta
/// folder among envs_dirs(); "base" is the first root prefix known. Fails with
/// ErrorKind::usage listing the folders searched when there is none, or when `name` is empty
/// or contains a path separator.
Result<std::string> find_named_prefix(const std::string& name,
                                      const std::map<std::string, std::string>& environment);

/// What `envlock lock --from-prefix` asks for.
struct Request {
  std::string prefix;           ///< the prefix folder; or
  std::string name;             ///< a named environment (used when prefix is empty)
  std::string platform;         ///< "" = the prefix's platform, else the host's
  std::string lockfile;         ///< conda-lock.yml to write (absolute or relative to the cwd)
  bool write_lock = true;       ///< write `lockfile`
  bool write_explicit = false;  ///< write conda-<platform>.lock beside `lockfile`
};

/// What was captured and written.
struct Captured {
  std::string prefix;
  std::string platform;
  size_t packages = 0;
  size_t pip_packages = 0;           ///< of `packages`, the pip distributions
  std::vector<std::string> written;  ///< files written, as named in the request
  /// One line per pip distribution locked without url and sha256 (the prefix does not say).
  std::vector<std::string> notes;
};

/// Reads the prefix's conda-meta, makes lock_of_prefix and writes the files atomically
/// (nothing is written when anything fails). Fails with ErrorKind::usage for a bad request or
/// unknown name, ErrorKind::input for a missing conda-meta folder or corrupt record (naming
/// the file), ErrorKind::io when writing fails.
Result<Captured> capture_to_files(const Request& request);

}  // namespace envlock::capture
