#include "lib/pypi/name.h"

namespace envlock::pypi {
namespace {

bool is_separator(char c) {
  return c == '-' || c == '_' || c == '.';
}
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string normalize_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (is_separator(c)) {
      while (i + 1 < name.size() && is_separator(name[i + 1])) ++i;
      out += '-';
    } else {
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  return out;
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > k_max_name_length) return false;
  if (!is_alnum(name.front()) || !is_alnum(name.back())) return false;
  for (char c : name) {
    if (!is_alnum(c) && !is_separator(c)) return false;
  }
  return true;
}

}  // namespace envlock::pypi
