#pragma once
// The `export` job: a lock (any format lib/lockfile reads) as a CycloneDX 1.6 or SPDX 2.3 JSON
// SBOM, a pinned environment.yml (like `conda env export`) or an @EXPLICIT file.
//
// Output is deterministic: no random serial numbers (the CycloneDX serialNumber and the SPDX
// documentNamespace are derived from the lock's bytes, the format and the platform) and no
// clock (timestamps come from SOURCE_DATE_EPOCH, else the lock's created_at, else the newest
// package timestamp, else the epoch).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/lockfile/lock.h"
#include "lib/util/result.h"

namespace envlock::exporter {

/// What to write.
enum class Format { cyclonedx, spdx, environment_yml, explicit_file };

/// "cyclonedx", "spdx", "environment-yml" or "explicit"; parse_format is its inverse.
const char* to_string(Format format);
std::optional<Format> parse_format(const std::string& text);

/// Reads an environment variable; nullopt when unset.
using EnvGetter = std::function<std::optional<std::string>(const std::string&)>;

/// Everything the command line can say.
struct Options {
  std::string lock;  ///< the lock file
  Format format = Format::cyclonedx;
  std::string platform;     ///< "" = every platform (SBOMs); the host's or the only one (others)
  std::string environment;  ///< "" = "default", or the lock's only environment
  std::string prefix;       ///< optional installed prefix: licenses from its conda-meta
  std::string tool_version = "0.1.0";
};

/// The package URL of a locked package: `pkg:conda/NAME@VERSION?build=B&channel=C&subdir=S&
/// type=conda|tar.bz2` (channel: the name under conda.anaconda.org or repo.anaconda.com/pkgs,
/// else the credential-free channel URL; qualifiers that are unknown are left out) or
/// `pkg:pypi/NAME@VERSION` (PEP 503 normalised name). Components are percent-encoded as the
/// purl spec says. Never fails.
std::string purl(const lockfile::LockedPackage& package);

/// Renders the chosen environment of `lock` (whose file bytes are `lock_bytes`, for the
/// document identity). `licenses` maps package names to license text found outside the lock
/// (a prefix's conda-meta); the lock's own license wins. Fails with ErrorKind::usage for a
/// platform or environment the lock does not have, or a single-platform format with no way to
/// choose the platform.
Result<std::string> render(const lockfile::Lock& lock, const std::string& lock_bytes,
                           const Options& options,
                           const std::map<std::string, std::string>& licenses,
                           const EnvGetter& env);

/// Runs the job: reads the lock (and the prefix's conda-meta when given) and renders it.
/// Fails with ErrorKind::input for a missing, unreadable or malformed lock, ErrorKind::usage as
/// render, ErrorKind::input/io for a prefix whose conda-meta cannot be read.
Result<std::string> run(const Options& options, const EnvGetter& env);

}  // namespace envlock::exporter
