#include "lib/pypi/specifier.h"

#include <algorithm>
#include <charconv>

namespace envlock::pypi {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Error invalid(std::string_view text, std::string_view why) {
  std::string shown(text.substr(0, 200));
  if (text.size() > 200) shown += "...";
  return Error{ErrorKind::input, "", "invalid specifier '" + shown + "': " + std::string(why)};
}

// "v?(N!)?N(.N)*": the only form a version takes before ".*".
bool is_release_only(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == 'v' || s[i] == 'V')) ++i;
  auto digits = [&]() {
    std::size_t b = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > b;
  };
  if (!digits()) return false;
  if (i < s.size() && s[i] == '!') {
    ++i;
    if (!digits()) return false;
  }
  while (i < s.size()) {
    if (s[i] != '.') return false;
    ++i;
    if (!digits()) return false;
  }
  return true;
}

std::string pre_text(const Version& v) {
  auto pre = v.pre();
  if (!pre) return "";
  const char* kind =
      pre->first == Version::Pre::a ? "a" : (pre->first == Version::Pre::b ? "b" : "rc");
  return kind + std::to_string(pre->second);
}

// `v` (public) with its pre-release and dev parts removed.
Version without_pre_dev(const Version& v) {
  std::string text = v.base_str();
  if (auto post = v.post()) text += ".post" + std::to_string(*post);
  return Version::parse(text).value();
}

// `v` (public) with its post-release and dev parts removed.
Version without_post_dev(const Version& v) {
  return Version::parse(v.base_str() + pre_text(v)).value();
}

// `v` without its local label.
Version public_of(const Version& v) {
  if (!v.has_local()) return v;
  return Version::parse(v.public_str()).value();
}

}  // namespace

Result<Specifier> Specifier::parse(std::string_view text) {
  std::string_view s = trim(text);
  static constexpr std::pair<std::string_view, Op> k_ops[] = {
      {"===", Op::arbitrary},
      {"~=", Op::compatible},
      {"==", Op::equal},
      {"!=", Op::not_equal},
      {"<=", Op::less_equal},
      {">=", Op::greater_equal},
      {"<", Op::less},
      {">", Op::greater},
  };
  Specifier spec;
  bool found = false;
  for (const auto& [word, op] : k_ops) {
    if (s.starts_with(word)) {
      spec.op = op;
      s.remove_prefix(word.size());
      found = true;
      break;
    }
  }
  if (!found) return invalid(text, "no operator (one of ~= == != <= >= < > ===)");
  s = trim(s);
  if (s.empty()) return invalid(text, "no version after the operator");
  if (spec.op == Op::arbitrary) {
    for (char c : s) {
      if (is_space(c) || c == ';' || c == ')') return invalid(text, "space, ';' or ')' in '==='");
    }
    spec.version_text = std::string(s);
    return spec;
  }
  if ((spec.op == Op::equal || spec.op == Op::not_equal) && s.ends_with(".*")) {
    std::string_view base = s.substr(0, s.size() - 2);
    if (!is_release_only(base)) {
      return invalid(text, "'.*' follows only an epoch and release numbers");
    }
    spec.wildcard = true;
    s = base;
  }
  auto version = Version::parse(s);
  if (!version) return invalid(text, version.error().message);
  if (version->has_local() && spec.op != Op::equal && spec.op != Op::not_equal) {
    return invalid(text, "a local version label is allowed only with == and !=");
  }
  if (spec.op == Op::compatible && version->release().size() < 2) {
    return invalid(text, "'~=' needs at least two release numbers");
  }
  spec.version_text = std::string(s);
  spec.version = std::move(*version);
  return spec;
}

bool Specifier::names_prerelease() const {
  if (op == Op::not_equal) return false;
  if (op == Op::arbitrary) {
    auto v = Version::parse(version_text);
    return v.ok() && v->is_prerelease();
  }
  return !wildcard && version.is_prerelease();
}

bool Specifier::contains(const Version& v) const {
  switch (op) {
    case Op::arbitrary:
      return lower(v.str()) == lower(version_text);
    case Op::equal:
    case Op::not_equal: {
      bool eq;
      if (wildcard) {
        // Prefix match on epoch and release, the candidate zero-padded to the prefix's length.
        const auto& r = v.release();
        const auto& p = version.release();
        eq = v.epoch() == version.epoch();
        for (std::size_t k = 0; eq && k < p.size(); ++k) {
          eq = (k < r.size() ? r[k] : 0) == p[k];
        }
      } else if (version.has_local()) {
        eq = v == version;
      } else {
        eq = public_of(v) == version;
      }
      return op == Op::equal ? eq : !eq;
    }
    case Op::less_equal:
      return public_of(v) <= version;
    case Op::greater_equal:
      return public_of(v) >= version;
    case Op::less: {
      Version p = public_of(v);
      if (!(p < version)) return false;
      // "<V" refuses pre-releases of V itself; those of V's base are fine when V is a
      // post-release ("<1.0.post1" admits 1.0a1 but not 1.0.post1.dev0).
      return version.is_prerelease() || !p.is_prerelease() || !(without_pre_dev(p) == version);
    }
    case Op::greater: {
      Version p = public_of(v);
      if (!(p > version)) return false;
      // ">V" refuses post-releases of V itself (">1.0a1" refuses 1.0a1.post0, admits 1.0.post0).
      return version.is_postrelease() || !p.is_postrelease() || !(without_post_dev(p) == version);
    }
    case Op::compatible: {
      if (!(public_of(v) >= version)) return false;
      // "~=X.Y.Z" is ">=X.Y.Z, ==X.Y.*".
      const auto& r = v.release();
      const auto& p = version.release();
      if (v.epoch() != version.epoch()) return false;
      for (std::size_t k = 0; k + 1 < p.size(); ++k) {
        if ((k < r.size() ? r[k] : 0) != p[k]) return false;
      }
      return true;
    }
  }
  return false;
}

std::string Specifier::str() const {
  static constexpr std::string_view k_names[] = {"~=", "==", "!=", "<", "<=", ">", ">=", "==="};
  std::string out(k_names[static_cast<int>(op)]);
  out += version_text;
  if (wildcard) out += ".*";
  return out;
}

Result<SpecifierSet> SpecifierSet::parse(std::string_view text) {
  if (text.size() > k_max_specifier_length) {
    return invalid(text.substr(0, 80),
                   "longer than " + std::to_string(k_max_specifier_length) + " bytes");
  }
  SpecifierSet set;
  std::size_t b = 0;
  while (b <= text.size()) {
    std::size_t e = text.find(',', b);
    if (e == std::string_view::npos) e = text.size();
    std::string_view clause = trim(text.substr(b, e - b));
    if (!clause.empty()) {
      if (set.m_clauses.size() == k_max_specifier_clauses) {
        return invalid(text, "more than " + std::to_string(k_max_specifier_clauses) + " clauses");
      }
      ENVLOCK_TRY(spec, Specifier::parse(clause));
      set.m_clauses.push_back(std::move(spec));
    }
    b = e + 1;
  }
  return set;
}

bool SpecifierSet::names_prerelease() const {
  return std::any_of(
      m_clauses.begin(), m_clauses.end(), [](const Specifier& s) { return s.names_prerelease(); });
}

bool SpecifierSet::contains(const Version& v, Prereleases p) const {
  if (v.is_prerelease()) {
    if (p == Prereleases::deny) return false;
    if (p == Prereleases::by_specifier && !names_prerelease()) return false;
  }
  return std::all_of(
      m_clauses.begin(), m_clauses.end(), [&](const Specifier& s) { return s.contains(v); });
}

bool SpecifierSet::contains(std::string_view text, Prereleases p) const {
  auto v = Version::parse(text);
  if (!v) {
    std::string raw = lower(trim(text));
    return std::all_of(m_clauses.begin(), m_clauses.end(), [&](const Specifier& s) {
      return s.op == Specifier::Op::arbitrary && lower(s.version_text) == raw;
    });
  }
  if (v->is_prerelease()) {
    if (p == Prereleases::deny) return false;
    if (p == Prereleases::by_specifier && !names_prerelease()) return false;
  }
  std::string raw = lower(trim(text));
  return std::all_of(m_clauses.begin(), m_clauses.end(), [&](const Specifier& s) {
    if (s.op == Specifier::Op::arbitrary) return lower(s.version_text) == raw;
    return s.contains(*v);
  });
}

std::string SpecifierSet::str() const {
  std::vector<std::string> parts;
  for (const auto& c : m_clauses) parts.push_back(c.str());
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += ',';
    out += part;
  }
  return out;
}

SpecifierSet SpecifierSet::operator&(const SpecifierSet& other) const {
  SpecifierSet out = *this;
  out.m_clauses.insert(out.m_clauses.end(), other.m_clauses.begin(), other.m_clauses.end());
  return out;
}

}  // namespace envlock::pypi
