#pragma once
// The `pip:` section of a lock's inputs: its lines read (requirements and index options), the
// conda packages that already provide PyPI distributions (one mapping data file), the pip part
// of one platform resolved after its conda solve, its `manager: pip` lock entries, and the
// offline check that a lock's pip entries still satisfy the section.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/lock/lock.h"
#include "lib/lockfile/content_hash.h"
#include "lib/lockfile/lock.h"
#include "lib/pypi/resolve.h"
#include "lib/spec/environment.h"
#include "lib/util/result.h"

namespace envlock::lock {

/// pip's default index.
inline constexpr const char* k_default_index_url = "https://pypi.org/simple/";

/// The `pip:` lines of the merged environment files.
struct PipSection {
  std::vector<pypi::RootRequirement> requirements;
  std::string index_url = k_default_index_url;  ///< --index-url (credentials kept, never shown)
  std::vector<std::string> extra_index_urls;    ///< --extra-index-url, in order
  pypi::Prereleases prereleases = pypi::Prereleases::by_specifier;  ///< --pre: allow
  std::string source;  ///< "file:line:column" of the first `pip:` section; "" when none
  bool empty() const { return requirements.empty(); }
};

/// Reads the `pip:` lines of `env`. Requirements (PEP 508 with extras, specifiers and
/// markers), `--index-url URL`, `--extra-index-url URL` (also with `=`), `--pre`. Fails with
/// ErrorKind::input at the line's file:line:column for what pip accepts and a lock cannot
/// honour: `-e`/`--editable`, `-r`/`-c` files, VCS (`git+https://…`) and direct URL
/// requirements (`name @ URL`, bare URLs), local paths and archives, other options, and
/// unparsable requirements.
[[nodiscard]] Result<PipSection> parse_pip_section(const spec::EnvironmentSpec& env);

/// The PyPI distributions (normalised names) a conda package installs: the mapping data file's
/// entry for its name when there is one (`pytorch` → `torch`; an empty list for none);
/// otherwise its own name when it depends on python, and none when it does not.
std::vector<std::string> pypi_names_of(const lockfile::LockedPackage& conda_package);

/// Every distribution the conda packages of one platform provide (first provider of a name
/// wins, in name order).
std::vector<pypi::ProvidedDistribution> provided_distributions(
    const std::vector<lockfile::LockedPackage>& packages);

/// The resolution target of a platform: its subdir, the locked python (the conda `python`
/// package among `packages`) and `__glibc`/`__osx` from its virtual packages. Fails with
/// ErrorKind::input at `where` when the conda solution has no python.
[[nodiscard]] Result<pypi::ResolveRequest> pip_request_for(
    const PipSection& pip, const std::string& platform,
    const std::vector<lockfile::LockedPackage>& packages,
    const std::vector<lockfile::VirtualPackage>& virtual_packages);

/// A Provider over the section's index and extra indexes (lib/channel's PypiIndex: PEP 691
/// first, PEP 503 fallback, pages cached under `cache_dir` with revalidation, PEP 658 metadata
/// or METADATA read from the wheel). Fails with ErrorKind::usage for an index URL that is not
/// http(s):// or file://. Its errors name the redacted URL, never a credential.
[[nodiscard]] Result<std::unique_ptr<pypi::Provider>> make_pip_provider(
    const PipSection& pip, const channel::HttpOptions& http, const std::string& cache_dir,
    Offline offline);

/// The `manager: pip` lock entry of a resolved distribution (url without credentials,
/// `hash: {sha256}`, dependencies, category main).
lockfile::LockedPackage locked_of(const pypi::ResolvedDistribution& d, const std::string& platform);

/// Every reason the pip entries of `packages` (one platform) do not satisfy `pip`, offline:
/// a requirement that applies on the platform with no pip entry or conda-provided version
/// inside it (pip-requirement-unsatisfied), a pip entry without url or sha256
/// (pip-entry-unhashed), a dependency of a pip entry missing or outside its constraint
/// (pip-dependency-missing), a pip entry no requirement reaches (pip-entry-extra).
/// A lock entry does not record the extras it was resolved with, so for a requirement with
/// extras (`requests[socks]`) the extras' requirements are read from the wheel's METADATA in
/// `cache_root`/pypi/metadata (where the lock's index client keeps it, by the entry's sha256)
/// and must be met too (pip-requirement-unsatisfied); without that file it is reported as not
/// verifiable offline (pip-requirement-unverified), unless `as_locked` says the inputs' content
/// hash is the one stored in the lock (the extras are the locked ones).
enum class InputsAsLocked { no, yes };
std::vector<Finding> check_pip(const PipSection& pip, const std::string& platform,
                               const std::vector<lockfile::LockedPackage>& packages,
                               const std::vector<lockfile::VirtualPackage>& virtual_packages,
                               InputsAsLocked as_locked = InputsAsLocked::yes,
                               const std::string& cache_root = {});

}  // namespace envlock::lock
