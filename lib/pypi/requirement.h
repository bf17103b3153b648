#pragma once
// PEP 508 dependency specifiers ("requests[security]>=2.8.1,==2.8.*; python_version < '2.7'").

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/pypi/marker.h"
#include "lib/pypi/specifier.h"
#include "lib/util/result.h"

namespace envlock::pypi {

/// The longest requirement text parse_requirement accepts, and the most extras it keeps.
inline constexpr std::size_t k_max_requirement_length = 16384;
inline constexpr std::size_t k_max_extras = 256;

/// A PEP 508 requirement.
struct Requirement {
  std::string name;                 ///< as written (normalize_name for comparisons)
  std::vector<std::string> extras;  ///< as written, duplicates removed, in order of appearance
  SpecifierSet specifier;           ///< empty for "any" and for URL requirements
  std::string url;                  ///< "name @ url" form; empty otherwise
  std::optional<Marker> marker;

  /// The normalised text: name, "[a,b]" (sorted), specifier or " @ url", "; marker".
  std::string str() const;
};

/// Parses a PEP 508 requirement. Fails with ErrorKind::input "invalid requirement '<text>':
/// <why> at column <n>" for an invalid name, extras, specifier, URL or marker, trailing text,
/// or text past the bounds above.
[[nodiscard]] Result<Requirement> parse_requirement(std::string_view text);

}  // namespace envlock::pypi
