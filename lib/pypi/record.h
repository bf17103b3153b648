#pragma once
// The RECORD file of an installed distribution or wheel (PEP 376 / PEP 627): CSV rows of
// path, "sha256=<urlsafe base64 without padding>", size.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace envlock::pypi {

/// The most rows parse_record accepts, and the longest line.
inline constexpr std::size_t k_max_record_lines = 1000000;
inline constexpr std::size_t k_max_record_line_length = 8192;

/// One row of RECORD. The RECORD file itself (and signatures) have an empty hash and no size.
struct RecordEntry {
  std::string path;            ///< as written: relative to site-packages, '/' separated
  std::string hash_algorithm;  ///< "sha256"; empty when the row has no hash
  std::string hash_b64;        ///< urlsafe base64 without padding
  std::optional<std::uint64_t> size;
  bool operator==(const RecordEntry& other) const = default;
};

/// Parses RECORD (CSV as Python's csv module writes it: fields quoted with '"' when they hold
/// ',' or '"', "" for a quote inside, LF or CRLF line ends). Fails with ErrorKind::input
/// "RECORD:<line>: <why>" for a row without exactly 3 fields, an empty path, a hash without
/// '=', a size that is not a number, an unterminated quote, a NUL byte, or past the bounds.
/// Paths are not checked here (callers decide what is inside their prefix).
[[nodiscard]] Result<std::vector<RecordEntry>> parse_record(std::string_view text);

/// Line ends of a written RECORD: pip writes CRLF (Python's csv default), wheel builders LF.
enum class RecordLineEnd { crlf, lf };

/// RECORD text for `entries`, in the given order, quoting as Python's csv module does
/// (QUOTE_MINIMAL: a field holding ',', '"', CR or LF is quoted, '"' doubled).
std::string write_record(const std::vector<RecordEntry>& entries,
                         RecordLineEnd line_end = RecordLineEnd::crlf);

/// The RECORD hash field for a sha256 given in hex: "sha256=" + urlsafe base64 without
/// padding of the digest bytes. An invalid hex digest gives "".
std::string record_hash(std::string_view sha256_hex);

/// urlsafe base64 without padding of raw bytes.
std::string urlsafe_b64_nopad(std::string_view bytes);
/// The raw bytes of urlsafe base64 with or without padding; nullopt when malformed.
std::optional<std::string> decode_urlsafe_b64(std::string_view text);

}  // namespace envlock::pypi
