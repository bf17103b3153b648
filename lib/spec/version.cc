#include "lib/spec/version.h"

#include <algorithm>
#include <cstring>

namespace envlock::spec {
namespace {

using Atom = Version::Atom;
using Kind = Version::Atom::Kind;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_version_char(char lc) {
  return is_digit(lc) || (lc >= 'a' && lc <= 'z') || lc == '*' || lc == '.' || lc == '+' ||
         lc == '!' || lc == '_';
}
bool is_string(const Atom& a) {
  return a.kind == Kind::string || a.kind == Kind::dev;
}
int numeric_rank(Kind k) {
  return k == Kind::number ? 0 : (k == Kind::big_number ? 1 : 2);
}

constexpr Atom k_zero{};

Error version_error(std::string_view text, const std::string& why, std::size_t column) {
  std::string message = "invalid version '" + std::string(text) + "': " + why;
  if (column > 0) message += " (column " + std::to_string(column) + ")";
  return Error{ErrorKind::input, "", std::move(message)};
}

}  // namespace

struct VersionImpl {
  struct Span {
    const Atom* atoms = nullptr;
    std::size_t size = 0;
  };

  static std::size_t count(const Version& v, Version::Part part) {
    return part == Version::Part::main ? v.m_local_begin : v.m_comp_end.size() - v.m_local_begin;
  }
  static Span comp(const Version& v, Version::Part part, std::size_t i) {
    std::size_t index = part == Version::Part::main ? i : v.m_local_begin + i;
    std::size_t begin = index == 0 ? 0 : v.m_comp_end[index - 1];
    return Span{v.m_atoms.data() + begin, v.m_comp_end[index] - begin};
  }
  static char norm(const Version& v, char c) {
    c = lower(c);
    if (c == '-' && v.m_dashes) c = '_';
    return c;
  }

  static int cmp(const Version& av, const Atom& a, const Version& bv, const Atom& b) {
    bool as = is_string(a), bs = is_string(b);
    if (as && bs) {
      if (a.kind == Kind::dev || b.kind == Kind::dev) {
        if (a.kind == b.kind) return 0;
        // "DEV" sorts above "*"-runs and below lower-case strings.
        if (a.kind == Kind::dev) return bv.m_str[b.offset] == '*' ? 1 : -1;
        return av.m_str[a.offset] == '*' ? -1 : 1;
      }
      std::size_t n = std::min(a.length, b.length);
      for (std::size_t i = 0; i < n; ++i) {
        char x = norm(av, av.m_str[a.offset + i]);
        char y = norm(bv, bv.m_str[b.offset + i]);
        if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y) ? -1 : 1;
      }
      return a.length == b.length ? 0 : (a.length < b.length ? -1 : 1);
    }
    if (as) return -1;
    if (bs) return 1;
    if (a.kind != b.kind) return numeric_rank(a.kind) < numeric_rank(b.kind) ? -1 : 1;
    if (a.kind == Kind::number) return a.number == b.number ? 0 : (a.number < b.number ? -1 : 1);
    if (a.kind == Kind::post) return 0;
    if (a.length != b.length) return a.length < b.length ? -1 : 1;
    int c = std::memcmp(av.m_str.data() + a.offset, bv.m_str.data() + b.offset, a.length);
    return c == 0 ? 0 : (c < 0 ? -1 : 1);
  }

  static int cmp_span(const Version& av, Span a, const Version& bv, Span b) {
    std::size_t n = std::max(a.size, b.size);
    for (std::size_t j = 0; j < n; ++j) {
      const Atom& x = j < a.size ? a.atoms[j] : k_zero;
      const Atom& y = j < b.size ? b.atoms[j] : k_zero;
      int c = cmp(av, x, bv, y);
      if (c != 0) return c;
    }
    return 0;
  }

  // Compares the first `limit` components of a part of each version (missing ones are empty).
  static int cmp_part(const Version& av, Version::Part pa, const Version& bv, Version::Part pb,
                      std::size_t limit) {
    std::size_t na = std::min(count(av, pa), limit), nb = std::min(count(bv, pb), limit);
    std::size_t n = std::max(na, nb);
    for (std::size_t i = 0; i < n; ++i) {
      Span x = i < na ? comp(av, pa, i) : Span{};
      Span y = i < nb ? comp(bv, pb, i) : Span{};
      int c = cmp_span(av, x, bv, y);
      if (c != 0) return c;
    }
    return 0;
  }

  static bool starts_with_string(const Version& av, const Atom& a, const Version& bv,
                                 const Atom& b) {
    if (!is_string(a)) return false;
    if (b.kind == Kind::dev || a.kind == Kind::dev) return a.kind == b.kind;
    if (a.length < b.length) return false;
    for (std::size_t i = 0; i < b.length; ++i) {
      if (norm(av, av.m_str[a.offset + i]) != norm(bv, bv.m_str[b.offset + i])) return false;
    }
    return true;
  }

  // Splits [begin, end) of text into atoms for one component; returns false when empty.
  static bool add_component(Version& v, std::size_t begin, std::size_t end) {
    if (begin >= end) return false;
    const std::string& s = v.m_str;
    if (!is_digit(s[begin])) v.m_atoms.push_back(Atom{});
    std::size_t i = begin;
    while (i < end) {
      std::size_t j = i;
      Atom atom;
      if (is_digit(s[i])) {
        while (j < end && is_digit(s[j])) ++j;
        std::size_t k = i;
        while (k < j && s[k] == '0') ++k;
        if (j - k <= 19) {
          std::uint64_t value = 0;
          for (std::size_t d = k; d < j; ++d)
            value = value * 10 + static_cast<unsigned>(s[d] - '0');
          atom.kind = Kind::number;
          atom.number = value;
        } else {
          atom.kind = Kind::big_number;
          atom.offset = static_cast<std::uint32_t>(k);
          atom.length = static_cast<std::uint32_t>(j - k);
        }
      } else if (s[i] == '*') {
        while (j < end && s[j] == '*') ++j;
        atom.kind = Kind::string;
        atom.offset = static_cast<std::uint32_t>(i);
        atom.length = static_cast<std::uint32_t>(j - i);
      } else {
        while (j < end && !is_digit(s[j]) && s[j] != '*') ++j;
        atom.kind = Kind::string;
        atom.offset = static_cast<std::uint32_t>(i);
        atom.length = static_cast<std::uint32_t>(j - i);
        if (j - i == 4 && lower(s[i]) == 'p' && lower(s[i + 1]) == 'o' && lower(s[i + 2]) == 's' &&
            lower(s[i + 3]) == 't') {
          atom.kind = Kind::post;
        } else if (j - i == 3 && lower(s[i]) == 'd' && lower(s[i + 1]) == 'e' &&
                   lower(s[i + 2]) == 'v') {
          atom.kind = Kind::dev;
        }
      }
      v.m_atoms.push_back(atom);
      i = j;
    }
    v.m_comp_end.push_back(static_cast<std::uint16_t>(v.m_atoms.size()));
    return true;
  }

  static void append_atom(const Version& v, const Atom& a, std::string& out) {
    switch (a.kind) {
      case Kind::number:
        out += std::to_string(a.number);
        break;
      case Kind::big_number:
        out.append(v.m_str, a.offset, a.length);
        break;
      case Kind::post:
        out += "inf";
        break;
      case Kind::dev:
        out += "'DEV'";
        break;
      case Kind::string:
        out += '\'';
        for (std::size_t i = 0; i < a.length; ++i) out += norm(v, v.m_str[a.offset + i]);
        out += '\'';
        break;
    }
  }
};

Result<Version> Version::parse(std::string_view text) {
  std::size_t b = 0, e = text.size();
  while (b < e && is_space(text[b])) ++b;
  while (e > b && is_space(text[e - 1])) --e;
  std::string_view t = text.substr(b, e - b);
  if (t.empty()) return version_error(text, "empty version string", 0);
  if (t.size() > 0xFFFF) return version_error(t.substr(0, 40), "version string too long", 0);

  bool has_underscore = false;
  std::size_t first_dash = std::string_view::npos;
  std::size_t bang = std::string_view::npos, plus = std::string_view::npos;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char lc = lower(t[i]);
    if (lc == '-') {
      if (first_dash == std::string_view::npos) first_dash = i;
      continue;
    }
    if (!is_version_char(lc)) {
      return version_error(t, std::string("invalid character '") + t[i] + "'", i + 1);
    }
    if (lc == '_') has_underscore = true;
    if (lc == '!') {
      if (bang != std::string_view::npos) {
        return version_error(t, "duplicated epoch separator '!'", i + 1);
      }
      bang = i;
    }
  }
  if (first_dash != std::string_view::npos && has_underscore) {
    return version_error(
        t, "invalid character '-' (a version with '_' cannot also use '-')", first_dash + 1);
  }

  Version v;
  v.m_str.assign(t.data(), t.size());
  v.m_dashes = first_dash != std::string_view::npos;
  const std::string& s = v.m_str;
  auto is_sep = [&](char c) { return c == '.' || c == '_' || c == '-'; };

  std::size_t main_begin = 0;
  if (bang != std::string_view::npos) {
    if (bang == 0) return version_error(t, "epoch must be an integer", 1);
    for (std::size_t i = 0; i < bang; ++i) {
      if (!is_digit(s[i])) return version_error(t, "epoch must be an integer", i + 1);
    }
    VersionImpl::add_component(v, 0, bang);
    main_begin = bang + 1;
  } else {
    v.m_atoms.push_back(Atom{});
    v.m_comp_end.push_back(1);
  }
  for (std::size_t i = main_begin; i < s.size(); ++i) {
    if (s[i] == '+') {
      if (plus != std::string_view::npos) {
        return version_error(t, "duplicated local version separator '+'", i + 1);
      }
      plus = i;
    }
  }
  std::size_t main_end = plus == std::string_view::npos ? s.size() : plus;

  // The main part; a trailing '_' stays attached to the last component (openssl's 1.0.1_).
  bool trailing = main_end > main_begin && (s[main_end - 1] == '_' || s[main_end - 1] == '-');
  std::size_t split_end = trailing ? main_end - 1 : main_end;
  std::size_t start = main_begin;
  for (std::size_t i = main_begin; i <= split_end; ++i) {
    if (i == split_end || is_sep(s[i])) {
      std::size_t end = (i == split_end && trailing) ? main_end : i;
      if (!VersionImpl::add_component(v, start, end)) {
        return version_error(t, "empty version component", start + 1);
      }
      start = i + 1;
    }
  }
  v.m_local_begin = static_cast<std::uint16_t>(v.m_comp_end.size());
  if (plus != std::string_view::npos) {
    start = plus + 1;
    for (std::size_t i = plus + 1; i <= s.size(); ++i) {
      if (i == s.size() || is_sep(s[i])) {
        if (!VersionImpl::add_component(v, start, i)) {
          return version_error(t, "empty version component", start + 1);
        }
        start = i + 1;
      }
    }
  }
  if (v.m_comp_end.size() > 0xFFFF) return version_error(t, "too many components", 0);
  return v;
}

std::string Version::canonical() const {
  std::string out;
  out.reserve(m_str.size());
  for (char c : m_str) out += VersionImpl::norm(*this, c);
  return out;
}

int Version::compare(const Version& other) const {
  int c = VersionImpl::cmp_part(*this, Part::main, other, Part::main, SIZE_MAX);
  if (c != 0) return c;
  return VersionImpl::cmp_part(*this, Part::local, other, Part::local, SIZE_MAX);
}

std::size_t Version::hash() const {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::uint64_t x) { h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  for (Part part : {Part::main, Part::local}) {
    std::size_t n = VersionImpl::count(*this, part);
    // Trailing zero atoms and trailing empty components do not change equality.
    auto effective = [&](std::size_t i) {
      auto span = VersionImpl::comp(*this, part, i);
      std::size_t size = span.size;
      while (size > 0 && span.atoms[size - 1].kind == Kind::number &&
             span.atoms[size - 1].number == 0) {
        --size;
      }
      return VersionImpl::Span{span.atoms, size};
    };
    while (n > 0 && effective(n - 1).size == 0) --n;
    for (std::size_t i = 0; i < n; ++i) {
      auto span = effective(i);
      mix(0xc0ffee);
      for (std::size_t j = 0; j < span.size; ++j) {
        const Atom& a = span.atoms[j];
        mix(static_cast<std::uint64_t>(a.kind));
        if (a.kind == Kind::number) {
          mix(a.number);
        } else if (a.kind == Kind::string || a.kind == Kind::big_number) {
          for (std::size_t k = 0; k < a.length; ++k) {
            mix(static_cast<unsigned char>(VersionImpl::norm(*this, m_str[a.offset + k])));
          }
        }
      }
    }
    mix(0x10ca1);
  }
  return static_cast<std::size_t>(h);
}

bool Version::starts_with(const Version& prefix) const {
  Part part = Part::main;
  if (prefix.has_local()) {
    if (VersionImpl::cmp_part(*this, Part::main, prefix, Part::main, SIZE_MAX) != 0) return false;
    part = Part::local;
  }
  std::size_t n1 = VersionImpl::count(*this, part);
  std::size_t n2 = VersionImpl::count(prefix, part);
  if (n2 == 0) return true;
  std::size_t nt = n2 - 1;
  if (VersionImpl::cmp_part(*this, part, prefix, part, nt) != 0) return false;
  VersionImpl::Span v1 = n1 <= nt ? VersionImpl::Span{} : VersionImpl::comp(*this, part, nt);
  VersionImpl::Span v2 = VersionImpl::comp(prefix, part, nt);
  std::size_t last = v2.size - 1;
  VersionImpl::Span v1_head{v1.atoms, std::min(v1.size, last)};
  VersionImpl::Span v2_head{v2.atoms, last};
  if (VersionImpl::cmp_span(*this, v1_head, prefix, v2_head) != 0) return false;
  const Atom& c1 = v1.size <= last ? k_zero : v1.atoms[last];
  const Atom& c2 = v2.atoms[last];
  if (is_string(c2)) return VersionImpl::starts_with_string(*this, c1, prefix, c2);
  return !is_string(c1) && VersionImpl::cmp(*this, c1, prefix, c2) == 0;
}

std::string Version::debug_components(Part part) const {
  std::string out = "[";
  std::size_t n = VersionImpl::count(*this, part);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += '[';
    auto span = VersionImpl::comp(*this, part, i);
    for (std::size_t j = 0; j < span.size; ++j) {
      if (j > 0) out += ", ";
      VersionImpl::append_atom(*this, span.atoms[j], out);
    }
    out += ']';
  }
  out += ']';
  return out;
}

}  // namespace envlock::spec
