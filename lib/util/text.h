#pragma once
// Small text helpers shared by the parsers.

#include <cstddef>
#include <string_view>
#include <utility>

namespace envlock {

/// 1-based line and column of byte offset `byte` in `text` (offsets past the end give the
/// position just after the last byte).
std::pair<int, int> line_column(std::string_view text, size_t byte);

}  // namespace envlock
