#pragma once
// PEP 508 environment markers: the variables of a target environment, parsing and evaluation.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace envlock::pypi {

/// The longest marker text Marker::parse accepts.
inline constexpr std::size_t k_max_marker_length = 16384;

/// The PEP 508 marker variables of one target environment.
struct MarkerEnvironment {
  std::string os_name;              ///< "posix", "nt"
  std::string sys_platform;         ///< "linux", "darwin", "win32"
  std::string platform_machine;     ///< "x86_64", "aarch64", "arm64", "AMD64", ...
  std::string platform_system;      ///< "Linux", "Darwin", "Windows"
  std::string platform_release;     ///< "" when unknown
  std::string platform_version;     ///< "" when unknown
  std::string python_version;       ///< "3.11"
  std::string python_full_version;  ///< "3.11.4"
  std::string implementation_name = "cpython";
  std::string implementation_version;  ///< "3.11.4"
  std::string platform_python_implementation = "CPython";

  /// The environment of CPython `python_version` ("3.11.4" or "3.11") on conda subdir
  /// `conda_subdir` ("linux-64", "osx-arm64", "win-64", ...). An unknown subdir leaves the
  /// platform fields empty (markers on them then compare against "").
  static MarkerEnvironment for_target(std::string_view conda_subdir,
                                      std::string_view python_version);
  /// The value of a marker variable by its PEP 508 name; nullptr for "extra" and unknown names.
  const std::string* find(std::string_view variable) const;
};

/// A parsed marker expression ("python_version < '3.8' and extra == 'test'").
class Marker {
 public:
  /// Parses a marker (without the leading ';'). Fails with ErrorKind::input
  /// "invalid marker '<text>': <why> at column <n>" for unknown variables, bad operators,
  /// unbalanced parentheses, nesting deeper than k_max_nesting (lib/util/text.h) and text
  /// longer than k_max_marker_length.
  [[nodiscard]] static Result<Marker> parse(std::string_view text);

  /// Evaluates the marker in `env`, with `extra` as the value of the `extra` variable (both
  /// sides PEP 685-normalised; an empty `extra` makes every `extra == "..."` false). As
  /// pypa/packaging 26 does: on python_version, python_full_version, implementation_version and
  /// platform_release an operator is a PEP 440 specifier (pre-releases admitted; a value that
  /// is not a version matches nothing); elsewhere, and when the specifier is invalid, values
  /// compare as strings: ==, !=, in, not in as in Python, <= and >= as ==, < and > false.
  /// Comparisons pypa/packaging leaves undefined (=== or ~= on strings, the set-valued
  /// `extras`/`dependency_groups` of lock files) are false.
  bool evaluate(const MarkerEnvironment& env, std::string_view extra = {}) const;
  /// The normalised text: variables by their PEP 508 names (legacy dotted names and
  /// python_implementation renamed), values in double quotes (single quotes when the value
  /// holds '"'), single spaces, parentheses only where precedence needs them.
  std::string str() const;
  /// True when the marker mentions the `extra` variable.
  bool mentions_extra() const;

  /// One node of the expression tree (internal; public so the class stays a plain value).
  struct Node {
    enum class Kind : std::uint8_t { and_, or_, compare };
    Kind kind = Kind::compare;
    std::vector<std::uint32_t> children;  ///< and_/or_: two or more operands
    std::string lhs, op, rhs;             ///< compare: each side a variable name or a literal
    bool lhs_is_variable = false, rhs_is_variable = false;
  };

 private:
  std::vector<Node> m_nodes;  ///< the root is the last node
  bool eval(std::uint32_t node, const MarkerEnvironment& env, std::string_view extra) const;
  void print(std::uint32_t node, std::string& out) const;
};

}  // namespace envlock::pypi
