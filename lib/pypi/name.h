#pragma once
// PEP 503 project names: normalisation and validity.

#include <string>
#include <string_view>

namespace envlock::pypi {

/// The PEP 503 normalised form of a project name: ASCII lower case, every run of '-', '_' and
/// '.' turned into one '-' ("Foo__Bar.baz" -> "foo-bar-baz"). Never fails; the input is not
/// validated (see is_valid_name).
std::string normalize_name(std::string_view name);

/// True when `name` is a valid project name (PEP 508 / core metadata): ASCII letters, digits,
/// '-', '_' and '.', starting and ending with a letter or digit, at most k_max_name_length bytes.
bool is_valid_name(std::string_view name);

/// The longest project name any parser here accepts (PyPI's own limit is far lower).
inline constexpr std::size_t k_max_name_length = 256;

}  // namespace envlock::pypi
