#pragma once
// conda VersionSpec (version constraints such as ">=1.2,<2|3.*") and the build-number and
// string matchers a MatchSpec uses.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/spec/version.h"
#include "lib/util/result.h"

namespace envlock::spec {

class Pattern;

/// A version constraint as conda's VersionSpec understands it: "," (and) binds tighter than
/// "|" (or), parentheses group; leaves are "*", "==v", "!=v", "<v", "<=v", ">v", ">=v", "~=v"
/// (compatible release), "=v" and "v.*"/"v*" (starts with), "!=v.*" (does not start with),
/// globs with an inner '*' ("1.*.3", matched against the version text), "^...$" regexes,
/// strings containing '@' (exact text), and a bare version (exactly equal).
class VersionSpec {
 public:
  enum class Op : std::uint8_t {
    any,
    eq,
    ne,
    lt,
    le,
    gt,
    ge,
    starts_with,
    not_starts_with,
    compatible,
    regex,       ///< ^...$ against the version text
    glob,        ///< '*' wildcards against the version text
    exact_text,  ///< text containing '@', compared as a string
    all_of,      ///< "," node
    any_of,      ///< "|" node
  };

  /// The "*" spec.
  VersionSpec();

  /// Parses a version spec. Fails with ErrorKind::input ("invalid version spec '...': why")
  /// for unbalanced parentheses, empty operands ("1.5||1.6"), unknown operators ("~1", "===1",
  /// "><1"), a regex without both '^' and '$', "~=" with ".*", and invalid versions.
  [[nodiscard]] static Result<VersionSpec> parse(std::string_view text);

  /// True when `version` satisfies the spec.
  bool contains(const Version& version) const;
  /// conda's canonical text (str(VersionSpec)): leaves as written (trimmed, "1.2*" as
  /// "1.2.*"), joined with "," and "|"; an or-group inside an and-group is parenthesised.
  const std::string& str() const { return m_str; }
  /// True for "*" (matches every version).
  bool is_any() const { return m_op == Op::any; }
  /// conda's is_exact(): "==v", a bare version, or an '@' string.
  bool is_exact() const { return m_exact; }
  Op op() const { return m_op; }
  /// The operand of an operator leaf (empty version for other kinds).
  const Version& version() const { return m_version; }
  const std::vector<VersionSpec>& children() const { return m_children; }

  bool operator==(const VersionSpec& other) const { return m_str == other.m_str; }

 private:
  friend struct VersionSpecParser;
  Op m_op = Op::any;
  bool m_exact = false;
  std::string m_str = "*";
  Version m_version;
  Version m_compatible_prefix;  ///< for ~=
  std::shared_ptr<const Pattern> m_pattern;
  std::vector<VersionSpec> m_children;
};

/// A string matcher as conda's MatchSpec uses for names, builds and licenses: "^...$" is a
/// regex, a '*' makes a glob, anything else is an exact string.
class StringMatcher {
 public:
  enum class Case : std::uint8_t { sensitive, insensitive };
  StringMatcher() = default;
  /// Fails with ErrorKind::input for an invalid "^...$" regex.
  [[nodiscard]] static Result<StringMatcher> parse(std::string_view text,
                                                   Case kase = Case::sensitive);
  bool matches(std::string_view value) const;
  const std::string& str() const { return m_text; }
  /// True for an exact string (no wildcard, no regex).
  bool is_exact() const { return m_pattern == nullptr; }
  bool is_any() const { return m_text == "*"; }

 private:
  std::string m_text;
  Case m_case = Case::sensitive;
  std::shared_ptr<const Pattern> m_pattern;
};

/// conda's BuildNumberMatch: an integer (exact), "*", an operator with a number
/// (">=3", "!=2"), or a "^...$" regex.
class BuildNumberSpec {
 public:
  BuildNumberSpec() = default;
  /// Fails with ErrorKind::input for an unknown operator or a non-numeric operand.
  [[nodiscard]] static Result<BuildNumberSpec> parse(std::string_view text);
  bool contains(std::int64_t build_number) const;
  const std::string& str() const { return m_str; }
  /// The number for an exact spec.
  std::optional<std::int64_t> exact() const;

 private:
  VersionSpec::Op m_op = VersionSpec::Op::any;
  std::int64_t m_number = 0;
  std::string m_str = "*";
  std::shared_ptr<const Pattern> m_pattern;
};

/// Glob match where '*' matches any run (including empty); no other wildcard.
bool glob_match(std::string_view pattern, std::string_view value);

}  // namespace envlock::spec
