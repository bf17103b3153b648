#include "lib/lockfile/pyyaml_scalar.h"

#include <cstdio>

namespace envlock::lockfile::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// [0-9_]* from position i; returns the new position.
size_t digits_underscores(std::string_view s, size_t i) {
  while (i < s.size() && (is_digit(s[i]) || s[i] == '_')) ++i;
  return i;
}

bool is_int(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::string_view r = s.substr(i);
  if (r.empty()) return false;
  if (r.size() > 2 && r[0] == '0' && r[1] == 'b') {
    for (char c : r.substr(2)) {
      if (c != '0' && c != '1' && c != '_') return false;
    }
    return true;
  }
  if (r.size() > 2 && r[0] == '0' && r[1] == 'x') {
    for (char c : r.substr(2)) {
      if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '_')) {
        return false;
      }
    }
    return true;
  }
  if (r == "0") return true;
  if (r[0] == '0') {  // octal 0[0-7_]+
    for (char c : r.substr(1)) {
      if (!((c >= '0' && c <= '7') || c == '_')) return false;
    }
    return true;
  }
  if (!(r[0] >= '1' && r[0] <= '9')) return false;
  size_t j = digits_underscores(r, 1);
  if (j == r.size()) return true;
  // sexagesimal: [1-9][0-9_]*(:[0-5]?[0-9])+
  while (j < r.size()) {
    if (r[j] != ':') return false;
    ++j;
    size_t start = j;
    while (j < r.size() && is_digit(r[j])) ++j;
    size_t n = j - start;
    if (n == 0 || n > 2) return false;
    if (n == 2 && r[start] > '5') return false;
  }
  return true;
}

bool is_float(std::string_view s) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF" ||
      s == "-.inf" || s == "-.Inf" || s == "-.INF" || s == ".nan" || s == ".NaN" || s == ".NAN") {
    return true;
  }
  size_t i = 0;
  bool sign = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    ++i;
    sign = true;
  }
  auto exponent_ok = [&](size_t j) {
    if (j == s.size()) return true;
    if (s[j] != 'e' && s[j] != 'E') return false;
    ++j;
    if (j >= s.size() || (s[j] != '-' && s[j] != '+')) return false;
    ++j;
    size_t start = j;
    while (j < s.size() && is_digit(s[j])) ++j;
    return j > start && j == s.size();
  };
  if (i < s.size() && s[i] == '.') {
    if (sign) return false;  // \.[0-9][0-9_]* has no sign
    ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    return exponent_ok(digits_underscores(s, i + 1));
  }
  if (i >= s.size() || !is_digit(s[i])) return false;
  size_t j = digits_underscores(s, i + 1);
  if (j < s.size() && s[j] == '.') return exponent_ok(digits_underscores(s, j + 1));
  // [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
  bool any = false;
  while (j < s.size() && s[j] == ':') {
    ++j;
    size_t start = j;
    while (j < s.size() && is_digit(s[j])) ++j;
    size_t n = j - start;
    if (n == 0 || n > 2 || (n == 2 && s[start] > '5')) return false;
    any = true;
  }
  if (!any || j >= s.size() || s[j] != '.') return false;
  return digits_underscores(s, j + 1) == s.size();
}

bool is_timestamp(std::string_view s) {
  auto d = [&](size_t i) { return i < s.size() && is_digit(s[i]); };
  if (!(d(0) && d(1) && d(2) && d(3)) || s.size() < 8 || s[4] != '-') return false;
  if (s.size() == 10 && d(5) && d(6) && s[7] == '-' && d(8) && d(9)) return true;
  // Full form: YYYY-M(M)-D(D)(T| +)H(H):MM:SS(.frac)?( *(Z|[-+]H(H)(:MM)?))?
  size_t i = 5;
  auto one_or_two = [&](size_t& j) {
    if (!d(j)) return false;
    ++j;
    if (d(j)) ++j;
    return true;
  };
  if (!one_or_two(i) || i >= s.size() || s[i] != '-') return false;
  ++i;
  if (!one_or_two(i)) return false;
  if (i < s.size() && (s[i] == 'T' || s[i] == 't')) {
    ++i;
  } else {
    size_t start = i;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i == start) return false;
  }
  if (!one_or_two(i)) return false;
  for (int k = 0; k < 2; ++k) {
    if (i >= s.size() || s[i] != ':' || !d(i + 1) || !d(i + 2)) return false;
    i += 3;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (d(i)) ++i;
  }
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  if (i == s.size()) return true;
  if (s[i] == 'Z') return i + 1 == s.size();
  if (s[i] != '-' && s[i] != '+') return false;
  ++i;
  if (!one_or_two(i)) return false;
  if (i < s.size() && s[i] == ':') {
    if (!d(i + 1) || !d(i + 2)) return false;
    i += 3;
  }
  return i == s.size();
}

}  // namespace

bool resolves_to_non_string(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return true;
  static constexpr std::string_view k_bools[] = {"yes",
                                                 "Yes",
                                                 "YES",
                                                 "no",
                                                 "No",
                                                 "NO",
                                                 "true",
                                                 "True",
                                                 "TRUE",
                                                 "false",
                                                 "False",
                                                 "FALSE",
                                                 "on",
                                                 "On",
                                                 "ON",
                                                 "off",
                                                 "Off",
                                                 "OFF"};
  for (auto b : k_bools) {
    if (s == b) return true;
  }
  if (s == "<<" || s == "=") return true;
  return is_int(s) || is_float(s) || is_timestamp(s);
}

std::string pyyaml_scalar(std::string_view s) {
  bool plain = !s.empty();
  bool single_ok = true;
  if (!s.empty()) {
    if (s.substr(0, 3) == "---" || s.substr(0, 3) == "...") plain = false;
    if (s.front() == ' ' || s.back() == ' ') plain = false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    bool followed_by_space = i + 1 >= s.size() || s[i + 1] == ' ';
    bool preceded_by_space = i > 0 && s[i - 1] == ' ';
    if (ch == '\n' || ch == '\r' || ch < 0x20 || ch == 0x7f) {
      plain = false;
      single_ok = false;
      continue;
    }
    if (i == 0) {
      if (std::string_view("#,[]{}&*!|>'\"%@`").find(static_cast<char>(ch)) !=
          std::string_view::npos) {
        plain = false;
      }
      if ((ch == '?' || ch == ':' || ch == '-') && followed_by_space) plain = false;
    } else {
      if (ch == ':' && followed_by_space) plain = false;
      if (ch == '#' && preceded_by_space) plain = false;
    }
  }
  if (plain && resolves_to_non_string(s)) plain = false;
  if (plain) return std::string(s);
  if (single_ok) {
    std::string out = "'";
    for (char c : s) {
      if (c == '\'')
        out += "''";
      else
        out.push_back(c);
    }
    out += "'";
    return out;
  }
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\0':
        out += "\\0";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[16];
          std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out += "\"";
  return out;
}

}  // namespace envlock::lockfile::detail
