#include "lib/pypi/requirement.h"

#include <algorithm>

#include "lib/pypi/name.h"
#include "lib/util/text.h"

namespace envlock::pypi {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  bool at(char c) const { return i < s.size() && s[i] == c; }
  std::string_view name() {
    std::size_t b = i;
    while (i < s.size() && is_name_char(s[i])) ++i;
    return s.substr(b, i - b);
  }
};

}  // namespace

Result<Requirement> parse_requirement(std::string_view text) {
  auto bad = [&](const std::string& why, std::size_t at) {
    std::string shown(text.substr(0, 200));
    if (text.size() > 200) shown += "...";
    return Error{ErrorKind::input,
                 "",
                 "invalid requirement '" + printable(shown) + "': " + why + " at column " +
                     std::to_string(at + 1)};
  };
  if (text.size() > k_max_requirement_length) {
    return bad("longer than " + std::to_string(k_max_requirement_length) + " bytes", 0);
  }
  Requirement req;
  Cursor c{text};
  c.ws();
  std::size_t name_at = c.i;
  std::string_view name = c.name();
  if (name.empty()) return bad("expected a package name", name_at);
  if (!is_valid_name(name)) return bad("invalid package name '" + std::string(name) + "'", name_at);
  req.name = std::string(name);
  c.ws();

  if (c.at('[')) {
    std::size_t open = c.i++;
    c.ws();
    bool expect_name = false;
    while (true) {
      if (c.at(']') && !expect_name) {
        ++c.i;
        break;
      }
      std::size_t at = c.i;
      std::string_view extra = c.name();
      if (extra.empty()) {
        if (c.i >= text.size() || !expect_name) return bad("expected ']' closing the extras", open);
        return bad("expected an extra name after ','", at);
      }
      if (!is_valid_name(extra)) return bad("invalid extra name '" + std::string(extra) + "'", at);
      if (req.extras.size() == k_max_extras) {
        return bad("more than " + std::to_string(k_max_extras) + " extras", at);
      }
      if (std::find(req.extras.begin(), req.extras.end(), extra) == req.extras.end()) {
        req.extras.emplace_back(extra);
      }
      c.ws();
      if (c.at(',')) {
        ++c.i;
        c.ws();
        expect_name = true;
        continue;
      }
      if (c.at(']')) {
        expect_name = false;
        continue;
      }
      if (c.i >= text.size()) return bad("expected ']' closing the extras", open);
      return bad("expected ',' between extra names", c.i);
    }
    c.ws();
  }

  std::size_t marker_from = std::string_view::npos;
  if (c.at('@')) {
    ++c.i;
    c.ws();
    std::size_t b = c.i;
    while (c.i < text.size() && text[c.i] != ' ' && text[c.i] != '\t') ++c.i;
    if (b == c.i) return bad("expected a URL after '@'", b);
    req.url = std::string(text.substr(b, c.i - b));
    for (char ch : req.url) {
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
        return bad("control character in the URL", b);
    }
    std::size_t before_ws = c.i;
    c.ws();
    // A ';' right after the URL belongs to it; a marker needs whitespace before its ';'.
    if (c.i < text.size()) {
      if (!c.at(';') || c.i == before_ws) {
        return bad("expected whitespace and ';' after the URL, or the end", c.i);
      }
      marker_from = c.i + 1;
    }
  } else {
    std::size_t spec_begin, spec_end;
    if (c.at('(')) {
      std::size_t open = c.i++;
      spec_begin = c.i;
      while (c.i < text.size() && text[c.i] != ')' && text[c.i] != ';') ++c.i;
      if (!c.at(')')) return bad("expected ')' closing the version specifier", open);
      spec_end = c.i++;
      c.ws();
      if (c.i < text.size() && !c.at(';')) return bad("expected ';' or the end", c.i);
    } else {
      spec_begin = c.i;
      while (c.i < text.size() && text[c.i] != ';') ++c.i;
      spec_end = c.i;
    }
    if (c.at(';')) marker_from = c.i + 1;
    std::string_view spec_text = text.substr(spec_begin, spec_end - spec_begin);
    for (char ch : spec_text) {
      if (ch == '\n' || ch == '\r') return bad("line break in the version specifier", spec_begin);
    }
    auto spec = SpecifierSet::parse(spec_text);
    if (!spec) return bad(spec.error().message, spec_begin);
    req.specifier = std::move(*spec);
  }

  if (marker_from != std::string_view::npos) {
    std::string_view marker_text = text.substr(marker_from);
    while (!marker_text.empty() && (marker_text.back() == ' ' || marker_text.back() == '\t')) {
      marker_text.remove_suffix(1);
    }
    auto marker = Marker::parse(marker_text);
    if (!marker) return bad(marker.error().message, marker_from);
    req.marker = std::move(*marker);
  }
  return req;
}

std::string Requirement::str() const {
  std::string out = name;
  if (!extras.empty()) {
    std::vector<std::string> sorted = extras;
    std::sort(sorted.begin(), sorted.end());
    out += '[';
    for (std::size_t k = 0; k < sorted.size(); ++k) {
      if (k) out += ',';
      out += sorted[k];
    }
    out += ']';
  }
  out += specifier.str();
  if (!url.empty()) {
    out += " @ " + url;
    if (marker) out += ' ';
  }
  if (marker) out += "; " + marker->str();
  return out;
}

}  // namespace envlock::pypi
