#include "lib/channel/headers.h"

#include <string>

namespace envlock::channel {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> digits(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<uint64_t> parse_content_length(std::string_view value) {
  return digits(trim(value), 19);  // 19 digits cannot overflow 64 bits
}

std::optional<int64_t> parse_max_age(std::string_view cache_control) {
  constexpr int64_t k_ten_years = 10ll * 366 * 24 * 3600;
  while (!cache_control.empty()) {
    size_t comma = cache_control.find(',');
    std::string_view directive = trim(cache_control.substr(0, comma));
    cache_control =
        comma == std::string_view::npos ? std::string_view() : cache_control.substr(comma + 1);
    size_t eq = directive.find('=');
    if (eq == std::string_view::npos || !iequals(trim(directive.substr(0, eq)), "max-age")) {
      continue;
    }
    std::string_view value = trim(directive.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    auto seconds = digits(value, 10);
    if (!seconds || static_cast<int64_t>(*seconds) > k_ten_years) return std::nullopt;
    return static_cast<int64_t>(*seconds);
  }
  return std::nullopt;
}

bool is_safe_validator(std::string_view value) {
  if (value.size() > 1024) return false;
  for (char c : value) {
    auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && b != '\t') || b >= 0x7F) return false;
  }
  return true;
}

}  // namespace envlock::channel
