#pragma once
// Core metadata (the METADATA / PKG-INFO file of a distribution, RFC 822 style headers).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace envlock::pypi {

/// The largest METADATA parse_metadata accepts (the header part; the body after the first
/// blank line is the description and is skipped), and the most header lines.
inline constexpr std::size_t k_max_metadata_bytes = 16u << 20;
inline constexpr std::size_t k_max_metadata_fields = 100000;

/// The fields of core metadata a resolver and a lock need.
struct CoreMetadata {
  std::string metadata_version;            ///< "2.1"; empty when absent
  std::string name;                        ///< as written
  std::string version;                     ///< as written
  std::vector<std::string> requires_dist;  ///< each a PEP 508 string (parse_requirement)
  std::string requires_python;             ///< a specifier set text, "" when absent
  std::vector<std::string> provides_extra;
};

/// Parses core metadata. Header names are case-insensitive; continuation lines (starting with
/// whitespace) are joined; the body after the first empty line is ignored. Fails with
/// ErrorKind::input "METADATA:<line>: <why>" for a line that is neither "Name: value" nor a
/// continuation, a missing Name or Version, bytes past k_max_metadata_bytes or lines past
/// k_max_metadata_fields, or a NUL byte. Values are not validated further.
[[nodiscard]] Result<CoreMetadata> parse_metadata(std::string_view bytes);

}  // namespace envlock::pypi
