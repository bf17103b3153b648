#include "lib/pypi/record.h"

#include <charconv>

#include "lib/hash/hash.h"

namespace envlock::pypi {
namespace {

constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

Error bad(std::size_t line, const std::string& why) {
  return Error{ErrorKind::input, "", "RECORD:" + std::to_string(line) + ": " + why};
}

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string urlsafe_b64_nopad(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                      (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                      static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
    out += k_alphabet[n & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    std::uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                      (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
  }
  return out;
}

std::optional<std::string> decode_urlsafe_b64(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-')
      v = 62;
    else if (c == '_')
      v = 63;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string record_hash(std::string_view sha256_hex) {
  if (!hash::is_hex_digest(hash::Algorithm::sha256, sha256_hex)) return "";
  std::string raw;
  std::string hex = hash::normalize_hex(sha256_hex);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return "sha256=" + urlsafe_b64_nopad(raw);
}

Result<std::vector<RecordEntry>> parse_record(std::string_view text) {
  std::vector<RecordEntry> out;
  std::size_t i = 0, line = 0;
  while (i < text.size()) {
    ++line;
    if (line > k_max_record_lines) {
      return bad(line, "more than " + std::to_string(k_max_record_lines) + " lines");
    }
    // One CSV row; a quoted field may span line ends.
    std::vector<std::string> fields(1);
    std::size_t row_start = i;
    bool quoted = false, was_quoted = false;
    while (i < text.size()) {
      char c = text[i];
      if (i - row_start > k_max_record_line_length) {
        return bad(line, "line longer than " + std::to_string(k_max_record_line_length) + " bytes");
      }
      if (c == '\0') return bad(line, "NUL byte");
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            fields.back() += '"';
            i += 2;
            continue;
          }
          quoted = false;
          ++i;
          continue;
        }
        fields.back() += c;
        ++i;
        continue;
      }
      if (c == '"' && fields.back().empty() && !was_quoted) {
        quoted = was_quoted = true;
        ++i;
        continue;
      }
      if (c == ',') {
        fields.emplace_back();
        was_quoted = false;
        ++i;
        continue;
      }
      if (c == '\n' || c == '\r') break;
      fields.back() += c;
      ++i;
    }
    if (quoted) return bad(line, "unterminated quote");
    if (i < text.size() && text[i] == '\r') ++i;
    if (i < text.size() && text[i] == '\n') ++i;
    if (fields.size() == 1 && fields[0].empty() && !was_quoted) continue;  // blank line
    if (fields.size() != 3) {
      return bad(line,
                 "expected 3 fields (path,hash,size), found " + std::to_string(fields.size()));
    }
    RecordEntry e;
    e.path = std::move(fields[0]);
    if (e.path.empty()) return bad(line, "empty path");
    if (!fields[1].empty()) {
      std::size_t eq = fields[1].find('=');
      if (eq == std::string::npos || eq == 0) return bad(line, "hash without 'algorithm='");
      e.hash_algorithm = fields[1].substr(0, eq);
      e.hash_b64 = fields[1].substr(eq + 1);
      if (!decode_urlsafe_b64(e.hash_b64)) return bad(line, "hash is not urlsafe base64");
    }
    if (!fields[2].empty()) {
      std::uint64_t size = 0;
      auto [p, ec] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), size);
      if (ec != std::errc() || p != fields[2].data() + fields[2].size()) {
        return bad(line, "size '" + fields[2].substr(0, 40) + "' is not a number");
      }
      e.size = size;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string write_record(const std::vector<RecordEntry>& entries, RecordLineEnd line_end) {
  std::string out;
  const char* eol = line_end == RecordLineEnd::crlf ? "\r\n" : "\n";
  for (const auto& e : entries) {
    out += csv_field(e.path);
    out += ',';
    if (!e.hash_algorithm.empty()) out += csv_field(e.hash_algorithm + "=" + e.hash_b64);
    out += ',';
    if (e.size) out += std::to_string(*e.size);
    out += eol;
  }
  return out;
}

}  // namespace envlock::pypi
