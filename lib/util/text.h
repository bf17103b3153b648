#pragma once
// Small text helpers shared by the parsers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "lib/util/result.h"

namespace envlock {

/// 1-based line and column of byte offset `byte` in `text` (offsets past the end give the
/// position just after the last byte).
std::pair<int, int> line_column(std::string_view text, size_t byte);

/// `text` made safe to print as (part of) one terminal line: tab, newline and carriage return
/// become `\t`, `\n`, `\r`; other control characters (C0, DEL, C1), bytes that are not
/// valid UTF-8 become `\xHH` (C1 as the bytes of their encoding); Unicode line separators and
/// bidirectional overrides become `\u{XXXX}`. Valid printable UTF-8 is kept as it is.
std::string printable(std::string_view text);

/// Appends code point `cp` to `out` as UTF-8. NUL, surrogates and values past U+10FFFF become
/// U+FFFD (the replacement character): decoded escapes from untrusted text never make invalid
/// UTF-8 or an embedded NUL.
void append_utf8(std::string& out, uint32_t cp);

/// `value` as an int64, saturated at the type's limits (NaN gives 0). Casting a double out of
/// range is undefined behaviour; JSON numbers like 1e300 reach us in timestamps and sizes.
int64_t clamp_to_int64(double value);

/// A byte count written as plain digits or with a binary unit: "512", "100k"/"100K", "512M",
/// "8G", "1T". nullopt when malformed or past uint64.
std::optional<uint64_t> parse_size(std::string_view text);

/// The deepest nesting of lists and maps any of our JSON and YAML readers accepts. Real locks,
/// environment files, repodata and conda-meta records stay under 10 levels; the limit keeps
/// recursive readers and writers far from the end of the stack on hostile input.
inline constexpr int k_max_nesting = 128;

/// Checks that the JSON `text` nests `[` and `{` at most `max_depth` deep (brackets inside
/// strings do not count; nothing else is validated). Fails with ErrorKind::input
/// "<where>:<line>:<col>: nesting deeper than <max_depth> levels" at the first bracket past it.
[[nodiscard]] Result<void> check_json_nesting(std::string_view text, const std::string& where,
                                              int max_depth = k_max_nesting);

}  // namespace envlock
