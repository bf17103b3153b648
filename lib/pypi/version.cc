#include "lib/pypi/version.h"

#include <algorithm>
#include <charconv>
#include <functional>

namespace envlock::pypi {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z');
}
bool is_separator(char c) {
  return c == '-' || c == '_' || c == '.';
}

Error invalid(std::string_view text, std::string_view why) {
  std::string shown(text.substr(0, 80));
  if (text.size() > 80) shown += "...";
  return Error{ErrorKind::input, "", "invalid version '" + shown + "': " + std::string(why)};
}

// A hand-written scanner over the lower-cased text: PEP 440's grammar is regular, and the
// resolver and diff parse many thousands of versions, so no std::regex.
struct Scanner {
  std::string_view s;
  std::size_t i = 0;

  bool at_end() const { return i >= s.size(); }
  char peek(std::size_t ahead = 0) const { return i + ahead < s.size() ? s[i + ahead] : '\0'; }
  // Reads a run of digits; false (i unchanged) when there is none, `overflow` set when it does
  // not fit 64 bits.
  bool number(std::uint64_t& out, bool& overflow) {
    std::size_t b = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (b == i) return false;
    auto [p, ec] = std::from_chars(s.data() + b, s.data() + i, out);
    if (ec != std::errc()) overflow = true;
    return true;
  }
  // Matches one of `words` (longest first) at i; returns its index or -1.
  int word(std::initializer_list<std::string_view> words) {
    int best = -1;
    std::size_t best_len = 0;
    int k = 0;
    for (std::string_view w : words) {
      if (w.size() > best_len && s.substr(i, w.size()) == w) {
        best = k;
        best_len = w.size();
      }
      ++k;
    }
    if (best >= 0) i += best_len;
    return best;
  }
};

int cmp_u64(std::uint64_t a, std::uint64_t b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

}  // namespace

std::strong_ordering Version::LocalPart::operator<=>(const LocalPart& other) const {
  // Numeric segments sort above alphanumeric ones; numbers numerically, strings lexically.
  if (is_number() != other.is_number()) {
    return is_number() ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  if (is_number()) return number <=> other.number;
  int c = text.compare(other.text);
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

Result<Version> Version::parse(std::string_view text) {
  if (text.size() > k_max_version_length) {
    return invalid(text, "longer than " + std::to_string(k_max_version_length) + " bytes");
  }
  std::size_t b = 0, e = text.size();
  while (b < e && is_space(text[b])) ++b;
  while (e > b && is_space(text[e - 1])) --e;
  std::string lower(text.substr(b, e - b));
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  Scanner sc{lower};
  Version v;
  bool overflow = false;
  if (sc.peek() == 'v') ++sc.i;

  // Epoch and release: N(.N)* optionally preceded by "N!".
  std::uint64_t n = 0;
  if (!sc.number(n, overflow)) return invalid(text, "no release number");
  if (sc.peek() == '!') {
    v.m_epoch = n;
    ++sc.i;
    if (!sc.number(n, overflow)) return invalid(text, "no release number after the epoch");
  }
  v.m_release.push_back(n);
  while (sc.peek() == '.' && is_digit(sc.peek(1))) {
    ++sc.i;
    sc.number(n, overflow);
    v.m_release.push_back(n);
  }

  // Pre-release: [-_.]? (alpha|a|beta|b|preview|pre|c|rc) [-_.]? N?
  {
    std::size_t save = sc.i;
    if (is_separator(sc.peek())) ++sc.i;
    int w = sc.word({"alpha", "a", "beta", "b", "preview", "pre", "c", "rc"});
    if (w >= 0) {
      v.m_has_pre = true;
      v.m_pre = w <= 1 ? Pre::a : (w <= 3 ? Pre::b : Pre::rc);
      std::size_t before_sep = sc.i;
      if (is_separator(sc.peek())) ++sc.i;
      if (!sc.number(v.m_pre_number, overflow)) sc.i = before_sep;
    } else {
      sc.i = save;
    }
  }

  // Post-release: -N, or [-_.]? (post|rev|r) [-_.]? N?
  {
    std::size_t save = sc.i;
    if (sc.peek() == '-' && is_digit(sc.peek(1))) {
      ++sc.i;
      sc.number(v.m_post, overflow);
      v.m_has_post = true;
    } else {
      if (is_separator(sc.peek())) ++sc.i;
      int w = sc.word({"post", "rev", "r"});
      if (w >= 0) {
        v.m_has_post = true;
        std::size_t before_sep = sc.i;
        if (is_separator(sc.peek())) ++sc.i;
        if (!sc.number(v.m_post, overflow)) sc.i = before_sep;
      } else {
        sc.i = save;
      }
    }
  }

  // Dev release: [-_.]? dev [-_.]? N?
  {
    std::size_t save = sc.i;
    if (is_separator(sc.peek())) ++sc.i;
    if (sc.word({"dev"}) >= 0) {
      v.m_has_dev = true;
      std::size_t before_sep = sc.i;
      if (is_separator(sc.peek())) ++sc.i;
      if (!sc.number(v.m_dev, overflow)) sc.i = before_sep;
    } else {
      sc.i = save;
    }
  }

  // Local: +[a-z0-9]+([-_.][a-z0-9]+)*
  if (sc.peek() == '+') {
    ++sc.i;
    while (true) {
      std::size_t seg = sc.i;
      while (sc.i < lower.size() && is_lower_alnum(lower[sc.i])) ++sc.i;
      if (seg == sc.i) return invalid(text, "empty segment in the local version label");
      std::string_view part = std::string_view(lower).substr(seg, sc.i - seg);
      LocalPart lp;
      if (std::all_of(part.begin(), part.end(), is_digit)) {
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), lp.number);
        if (ec != std::errc()) overflow = true;
      } else {
        lp.text = std::string(part);
      }
      v.m_local.push_back(std::move(lp));
      if (sc.at_end() || !is_separator(sc.peek())) break;
      ++sc.i;
    }
  }

  if (!sc.at_end()) {
    return invalid(
        text,
        "unexpected '" + std::string(1, sc.peek()) + "' at column " + std::to_string(b + sc.i + 1));
  }
  if (overflow) return invalid(text, "a number does not fit 64 bits");
  return v;
}

std::optional<std::pair<Version::Pre, std::uint64_t>> Version::pre() const {
  if (!m_has_pre) return std::nullopt;
  return std::make_pair(m_pre, m_pre_number);
}
std::optional<std::uint64_t> Version::post() const {
  return m_has_post ? std::optional<std::uint64_t>(m_post) : std::nullopt;
}
std::optional<std::uint64_t> Version::dev() const {
  return m_has_dev ? std::optional<std::uint64_t>(m_dev) : std::nullopt;
}

std::string Version::base_str() const {
  std::string out;
  if (m_epoch != 0) out = std::to_string(m_epoch) + "!";
  for (std::size_t k = 0; k < m_release.size(); ++k) {
    if (k) out += '.';
    out += std::to_string(m_release[k]);
  }
  return out;
}

std::string Version::public_str() const {
  std::string out = base_str();
  if (m_has_pre) {
    out += m_pre == Pre::a ? "a" : (m_pre == Pre::b ? "b" : "rc");
    out += std::to_string(m_pre_number);
  }
  if (m_has_post) out += ".post" + std::to_string(m_post);
  if (m_has_dev) out += ".dev" + std::to_string(m_dev);
  return out;
}

std::string Version::local() const {
  std::string out;
  for (std::size_t k = 0; k < m_local.size(); ++k) {
    if (k) out += '.';
    out += m_local[k].is_number() ? std::to_string(m_local[k].number) : m_local[k].text;
  }
  return out;
}

std::string Version::str() const {
  std::string out = public_str();
  if (!m_local.empty()) out += "+" + local();
  return out;
}

std::strong_ordering Version::operator<=>(const Version& o) const {
  if (auto c = m_epoch <=> o.m_epoch; c != 0) return c;
  // Release, trailing zeros ignored.
  std::size_t n = std::max(m_release.size(), o.m_release.size());
  for (std::size_t k = 0; k < n; ++k) {
    std::uint64_t a = k < m_release.size() ? m_release[k] : 0;
    std::uint64_t b = k < o.m_release.size() ? o.m_release[k] : 0;
    if (int c = cmp_u64(a, b); c != 0)
      return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  // Pre phase: a dev release of a final (no pre, no post) sorts below every pre-release;
  // no pre-release sorts above every pre-release.
  auto pre_rank = [](const Version& v) -> int {
    if (!v.m_has_pre && !v.m_has_post && v.m_has_dev) return 0;
    if (!v.m_has_pre) return 4;
    return 1 + static_cast<int>(v.m_pre);
  };
  int ra = pre_rank(*this), rb = pre_rank(o);
  if (ra != rb) return ra <=> rb;
  if (ra >= 1 && ra <= 3) {
    if (auto c = m_pre_number <=> o.m_pre_number; c != 0) return c;
  }
  // Post: none below any.
  if (m_has_post != o.m_has_post) {
    return m_has_post ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  if (m_has_post) {
    if (auto c = m_post <=> o.m_post; c != 0) return c;
  }
  // Dev: none above any.
  if (m_has_dev != o.m_has_dev) {
    return m_has_dev ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  if (m_has_dev) {
    if (auto c = m_dev <=> o.m_dev; c != 0) return c;
  }
  // Local: none below any; segment by segment, a longer label above its prefix.
  std::size_t m = std::min(m_local.size(), o.m_local.size());
  for (std::size_t k = 0; k < m; ++k) {
    if (auto c = m_local[k] <=> o.m_local[k]; c != 0) return c;
  }
  return m_local.size() <=> o.m_local.size();
}

std::size_t Version::hash() const {
  std::size_t h = std::hash<std::uint64_t>{}(m_epoch);
  auto mix = [&h](std::uint64_t x) {
    h ^= std::hash<std::uint64_t>{}(x) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  };
  std::size_t len = m_release.size();
  while (len > 0 && m_release[len - 1] == 0) --len;
  for (std::size_t k = 0; k < len; ++k) mix(m_release[k]);
  mix(m_has_pre ? 1 + static_cast<int>(m_pre) : 0);
  mix(m_pre_number);
  mix(m_has_post ? 1 + m_post : 0);
  mix(m_has_dev ? 1 + m_dev : 0);
  for (const auto& lp : m_local)
    mix(lp.is_number() ? lp.number : std::hash<std::string>{}(lp.text));
  return h;
}

}  // namespace envlock::pypi
