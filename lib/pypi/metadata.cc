#include "lib/pypi/metadata.h"

#include <algorithm>

namespace envlock::pypi {
namespace {

Error bad(std::size_t line, const std::string& why) {
  return Error{ErrorKind::input, "", "METADATA:" + std::to_string(line) + ": " + why};
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<CoreMetadata> parse_metadata(std::string_view bytes) {
  if (bytes.size() > k_max_metadata_bytes) {
    return Error{ErrorKind::input,
                 "",
                 "METADATA: larger than " + std::to_string(k_max_metadata_bytes) + " bytes"};
  }
  // Headers only: (name, value) in order, continuation lines folded in.
  std::vector<std::pair<std::string_view, std::string>> headers;
  std::size_t i = 0, line = 0;
  while (i < bytes.size()) {
    ++line;
    std::size_t e = bytes.find('\n', i);
    if (e == std::string_view::npos) e = bytes.size();
    std::string_view l = bytes.substr(i, e - i);
    i = e + 1;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.find('\0') != std::string_view::npos) return bad(line, "NUL byte");
    if (l.empty()) break;  // the body (long description) follows
    if (l.front() == ' ' || l.front() == '\t') {
      if (headers.empty()) return bad(line, "continuation line before any header");
      auto& value = headers.back().second;
      std::string_view more = trim(l);
      if (!more.empty()) {
        if (!value.empty()) value += ' ';
        value += more;
      }
      continue;
    }
    std::size_t colon = l.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return bad(line, "expected 'Name: value'");
    }
    std::string_view name = l.substr(0, colon);
    for (char c : name) {
      if (c <= ' ' || c == 0x7f) return bad(line, "invalid header name");
    }
    if (headers.size() == k_max_metadata_fields) {
      return bad(line, "more than " + std::to_string(k_max_metadata_fields) + " headers");
    }
    headers.emplace_back(name, std::string(trim(l.substr(colon + 1))));
  }

  CoreMetadata md;
  bool has_name = false, has_version = false;
  for (auto& [name, value] : headers) {
    if (iequals(name, "Metadata-Version")) {
      md.metadata_version = value;
    } else if (iequals(name, "Name")) {
      md.name = value;
      has_name = true;
    } else if (iequals(name, "Version")) {
      md.version = value;
      has_version = true;
    } else if (iequals(name, "Requires-Dist")) {
      md.requires_dist.push_back(value);
    } else if (iequals(name, "Requires-Python")) {
      md.requires_python = value;
    } else if (iequals(name, "Provides-Extra")) {
      md.provides_extra.push_back(value);
    }
  }
  if (!has_name || md.name.empty()) return Error{ErrorKind::input, "", "METADATA: no Name header"};
  if (!has_version || md.version.empty()) {
    return Error{ErrorKind::input, "", "METADATA: no Version header"};
  }
  return md;
}

}  // namespace envlock::pypi
