#pragma once
// PEP 440 version specifiers ("~=1.4.2", ">=1.0,!=1.3.*,<2") and what they contain.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lib/pypi/version.h"
#include "lib/util/result.h"

namespace envlock::pypi {

/// The longest specifier text SpecifierSet::parse accepts, and the most clauses in one set.
inline constexpr std::size_t k_max_specifier_length = 4096;
inline constexpr std::size_t k_max_specifier_clauses = 64;

/// Whether pre-releases may match: `by_specifier` follows PEP 440 (allowed when a clause names
/// a pre-release itself), `allow` and `deny` override it.
enum class Prereleases { by_specifier, allow, deny };

/// One clause: an operator and a version (kept as written for ===, and for == with ".*").
struct Specifier {
  enum class Op {
    compatible,
    equal,
    not_equal,
    less,
    less_equal,
    greater,
    greater_equal,
    arbitrary
  };
  Op op = Op::equal;
  std::string version_text;  ///< the version as written, without ".*"
  Version version;           ///< parsed (not for ===)
  bool wildcard = false;     ///< "==1.2.*" / "!=1.2.*"

  /// Parses one clause ("~=1.4", "== 1.2.*"). Fails with ErrorKind::input naming the clause
  /// and why (unknown operator, invalid version, '.*' or a local label where PEP 440 forbids
  /// them, "~=" with a single release number).
  [[nodiscard]] static Result<Specifier> parse(std::string_view text);
  /// True when `v` satisfies the clause, ignoring pre-release policy (PEP 440's exclusions
  /// still hold: "<V" refuses pre-releases of V, ">V" post-releases of V and V+local).
  bool contains(const Version& v) const;
  /// True when the clause names a pre-release (any operator but "!=": "<1.0.dev1", "~=1.0a1").
  bool names_prerelease() const;
  /// Operator and version without spaces ("~=1.4", "==1.2.*").
  std::string str() const;
};

/// A comma-separated conjunction of clauses; empty means "any version".
class SpecifierSet {
 public:
  SpecifierSet() = default;

  /// Parses "" (any), or clauses separated by commas with optional whitespace (empty clauses
  /// are skipped, as pypa/packaging does). Fails with ErrorKind::input
  /// "invalid specifier '<text>': <why>" for a bad clause, or text past
  /// k_max_specifier_length / k_max_specifier_clauses.
  [[nodiscard]] static Result<SpecifierSet> parse(std::string_view text);

  /// True when every clause contains `v` and the pre-release policy `p` admits it: with
  /// `by_specifier` a pre-release (or dev release) is admitted only when some clause names one
  /// (names_prerelease), PEP 440's default for candidates when final releases exist; `allow`
  /// is pypa/packaging's `contains()` default for a single version. `===` compares v.str().
  bool contains(const Version& v, Prereleases p = Prereleases::by_specifier) const;
  /// The same for version text; `===` compares the text as given (case-insensitively). Text
  /// that is not a valid version is contained only by a set of `===` clauses that all match it
  /// (and by the empty set).
  bool contains(std::string_view version, Prereleases p = Prereleases::by_specifier) const;
  /// Clauses sorted by their text and joined with ',' (">=1.0,<2"); "" when empty.
  std::string str() const;
  bool empty() const { return m_clauses.empty(); }
  const std::vector<Specifier>& clauses() const { return m_clauses; }
  /// True when some clause names a pre-release (which then admits pre-releases by default).
  bool names_prerelease() const;
  /// The intersection: the clauses of both.
  SpecifierSet operator&(const SpecifierSet& other) const;

 private:
  std::vector<Specifier> m_clauses;
};

}  // namespace envlock::pypi
