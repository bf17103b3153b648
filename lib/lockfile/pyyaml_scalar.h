#pragma once
// Scalars rendered the way PyYAML's emitter (yaml.dump, block style) renders them, so our
// conda-lock files read like conda-lock's own. Private to lib/lockfile.

#include <string>
#include <string_view>

namespace envlock::lockfile::detail {

/// `text` as a block-context YAML scalar: plain when PyYAML would leave it plain, else
/// 'single-quoted', else "double-quoted" (for control characters and line breaks).
std::string pyyaml_scalar(std::string_view text);

/// True when PyYAML's implicit resolvers would read the plain scalar as something other
/// than a string (int, float, bool, null, timestamp, merge, value).
bool resolves_to_non_string(std::string_view text);

}  // namespace envlock::lockfile::detail
