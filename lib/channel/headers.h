#pragma once
// Strict readers of the HTTP response header values envlock acts on. Header values come from
// servers and mirrors we do not control: anything that is not exactly the expected form is
// treated as absent.

#include <cstdint>
#include <optional>
#include <string_view>

namespace envlock::channel {

/// Content-Length: 1 to 19 decimal digits, optional surrounding spaces/tabs; nullopt for
/// anything else ("-1", "12abc", "", "1, 2", an overflow).
std::optional<uint64_t> parse_content_length(std::string_view value);

/// The max-age directive of a Cache-Control value ("public, max-age=3600"), in seconds: the
/// directive name compared case-insensitively as a whole token, its value 1 to 10 digits
/// (optionally in double quotes), at most 10 years; nullopt when there is none or it is
/// malformed.
std::optional<int64_t> parse_max_age(std::string_view cache_control);

/// Whether a validator (ETag, Last-Modified) can be stored and sent back in a request header:
/// at most 1024 bytes of printable ASCII (space and tab allowed). Others are dropped, so a
/// server cannot inject header lines or terminal controls through them.
bool is_safe_validator(std::string_view value);

}  // namespace envlock::channel
