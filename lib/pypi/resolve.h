#pragma once
// PyPI resolution: a backtracking resolver over an abstract Provider (an index, or a table in a
// test). It picks, as pip does, the newest version first and, within a version, the wheel with
// the best compatibility tag; wheels only. Distributions that conda packages already provide
// take part as fixed pins: they are never fetched, and a requirement they do not satisfy is a
// conflict. Markers are evaluated for the target platform and the locked python.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "lib/pypi/metadata.h"
#include "lib/pypi/requirement.h"
#include "lib/pypi/specifier.h"
#include "lib/pypi/tags.h"
#include "lib/pypi/version.h"
#include "lib/util/result.h"

namespace envlock::pypi {

/// One file of a release as the index lists it.
struct IndexFile {
  std::string filename;         ///< "requests-2.31.0-py3-none-any.whl"
  std::string url;              ///< absolute download URL (credentials already removed)
  std::string sha256;           ///< lowercase hex from the index; "" when it gave none
  std::string requires_python;  ///< PEP 503 data-requires-python / PEP 691 requires-python
  bool yanked = false;          ///< PEP 592
};

/// Where releases and metadata come from. Names passed in are PEP 503 normalised.
class Provider {
 public:
  virtual ~Provider() = default;
  /// Every file of `name`, any version, in any order. An unknown name is an empty list, not
  /// an error. Fails with ErrorKind::network/input when the index cannot be read.
  virtual Result<std::vector<IndexFile>> files(const std::string& name) = 0;
  /// The core metadata of one wheel (PEP 658 file, or METADATA read from the wheel). Fails
  /// with ErrorKind::network/input when it cannot be fetched or parsed.
  virtual Result<CoreMetadata> metadata(const std::string& name, const IndexFile& file) = 0;
};

/// A requirement of the user, with where it was written ("environment.yml:12:7").
struct RootRequirement {
  Requirement requirement;
  std::string source;
};

/// A Python distribution that a conda package of the solution already provides.
struct ProvidedDistribution {
  std::string name;        ///< PyPI name, normalised
  std::string version;     ///< the conda version (compared as PEP 440)
  std::string conda_name;  ///< the conda package providing it, for messages
};

/// Everything one resolution needs.
struct ResolveRequest {
  std::vector<RootRequirement> requirements;
  TargetPlatform target;            ///< conda subdir, python "3.11", __glibc, __osx
  std::string python_full_version;  ///< the locked python, "3.11.4"
  std::vector<ProvidedDistribution> provided;
  Prereleases prereleases = Prereleases::by_specifier;  ///< allow: pip's --pre
  /// Versions tried first for these names (the existing lock's pins, so that relocking keeps
  /// them while they still fit).
  std::map<std::string, std::string> preferred;
  /// Candidate pins tried before giving up, so that a hopeless conflict ends.
  std::size_t max_rounds = 20000;
};

/// One distribution chosen.
struct ResolvedDistribution {
  std::string name;     ///< normalised
  std::string version;  ///< as the index's file name spells it, normalised by Version::str
  IndexFile file;       ///< the chosen wheel
  /// "name spec" of the requirements that apply to it on the target, in METADATA order,
  /// conda-lock style: the specifiers with lower bounds first (">=2,<4"), "*" when none.
  std::vector<std::string> dependencies;
  std::string requires_python;      ///< from METADATA
  std::vector<std::string> extras;  ///< extras some requirement asked for, sorted
};

/// A successful resolution: the distributions to fetch from the index, sorted by name.
/// Conda-provided ones are not in it.
struct Resolution {
  std::vector<ResolvedDistribution> distributions;
  std::size_t rounds = 0;  ///< candidate pins tried
};

/// No resolution: why, one line per cause, each naming the chain of requirements that led to
/// it ("environment.yml:3:7 'a' -> a 1.0 requires 'b<1'").
struct Unresolvable {
  std::vector<std::string> explanation;
};

/// Resolves `request` against `provider`. A domain "no" (conflicts, no compatible wheel, only
/// sdists, Requires-Python excluding the locked python, a conda-provided version outside a
/// requirement, the round limit) is Unresolvable. Fails with the provider's errors and with
/// ErrorKind::input for metadata whose requirements cannot be parsed.
[[nodiscard]] Result<std::variant<Resolution, Unresolvable>> resolve(Provider& provider,
                                                                     const ResolveRequest& request);

/// conda-lock's spelling of a specifier set in a lock's `dependencies`: the comma-separated
/// clauses with lower bounds (`>=`, `>`) first, then the rest in their order; "*" when empty.
std::string lock_constraint(const SpecifierSet& specifier);

}  // namespace envlock::pypi
