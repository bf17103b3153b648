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
  /// The value of a marker variable by name (PEP 508 names, and the legacy dotted aliases
  /// "os.name", "sys.platform", "platform.version", "platform.machine",
  /// "platform.python_implementation", "python_implementation"); nullptr when unknown.
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

  /// Evaluates the marker in `env`, with `extra` as the value of the `extra` variable (compared
  /// after PEP 685 normalisation; an empty `extra` makes every `extra == ...` false). Version
  /// operators compare as PEP 440 specifiers when both sides are valid versions, as strings
  /// otherwise (as pypa/packaging does).
  bool evaluate(const MarkerEnvironment& env, std::string_view extra = {}) const;
  /// The normalised text: variables by their PEP 508 names, values in double quotes, single
  /// spaces, parentheses kept where they were needed.
  std::string str() const;
  /// True when the marker mentions the `extra` variable.
  bool mentions_extra() const;

  /// One node of the expression tree (internal; public for the copyable representation).
  struct Node {
    enum class Kind : std::uint8_t { and_, or_, compare };
    Kind kind = Kind::compare;
    std::uint32_t left = 0, right = 0;  ///< children (and_/or_)
    std::string lhs, op, rhs;           ///< compare: each side a variable name or a literal
    bool lhs_is_variable = false, rhs_is_variable = false;
  };

 private:
  std::vector<Node> m_nodes;  ///< the root is the last node
};

}  // namespace envlock::pypi
