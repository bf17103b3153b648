#include "lib/spec/match_spec.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "lib/spec/platform.h"

namespace envlock::spec {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool contains_any(std::string_view s, std::string_view chars) {
  return s.find_first_of(chars) != std::string_view::npos;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Error ms_error(std::string_view spec, const std::string& why) {
  return Error{ErrorKind::input, "", "invalid match spec '" + std::string(spec) + "': " + why};
}

// conda's FeatureMatch conversion: split on spaces and commas, drop empties, sort, unique.
std::vector<std::string> feature_set(std::string_view value) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == ',')) ++i;
    std::size_t j = i;
    while (j < value.size() && value[j] != ' ' && value[j] != ',') ++j;
    if (j > i) out.emplace_back(value.substr(i, j - i));
    i = j;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

// conda's _parse_version_plus_build, i.e. re.search of
// ((?:.+?)[^><!,|]?)(?:(?<![=!|,<>~])(?:[ =])([^-=,|<>~]+?))?$ explored in the regex
// engine's order; then spaces are removed from the version.
void split_version_build(std::string_view s, std::string& version,
                         std::optional<std::string>& build) {
  const std::size_t n = s.size();
  // tail_ok[i]: s[i:] has no character from "-=,|<>~".
  std::vector<char> tail_ok(n + 1, 1);
  for (std::size_t i = n; i-- > 0;) {
    char c = s[i];
    bool bad = c == '-' || c == '=' || c == ',' || c == '|' || c == '<' || c == '>' || c == '~';
    tail_ok[i] = !bad && tail_ok[i + 1];
  }
  auto with_build = [&](std::size_t p) {
    if (p >= n || p == 0) return false;
    if (s[p] != ' ' && s[p] != '=') return false;
    char prev = s[p - 1];
    if (prev == '=' || prev == '!' || prev == '|' || prev == ',' || prev == '<' || prev == '>' ||
        prev == '~') {
      return false;
    }
    return p + 1 < n && tail_ok[p + 1];
  };
  std::size_t split = n;
  bool has_build = false;
  for (std::size_t k = 1; k <= n; ++k) {
    std::size_t candidates[2] = {std::string_view::npos, k};
    char c = k < n ? s[k] : 0;
    if (k < n && c != '>' && c != '<' && c != '!' && c != ',' && c != '|') candidates[0] = k + 1;
    bool done = false;
    for (std::size_t p : candidates) {
      if (p == std::string_view::npos) continue;
      if (with_build(p)) {
        split = p;
        has_build = true;
        done = true;
        break;
      }
      if (p == n) {
        split = n;
        done = true;
        break;
      }
    }
    if (done) break;
  }
  version.clear();
  for (char c : s.substr(0, split)) {
    if (c != ' ') version += c;
  }
  if (has_build) {
    build = std::string(trim(s.substr(split + 1)));
  } else {
    build.reset();
  }
}

bool is_known_field(std::string_view key) {
  static constexpr std::string_view k_fields[] = {"name",
                                                  "version",
                                                  "build",
                                                  "build_number",
                                                  "channel",
                                                  "subdir",
                                                  "md5",
                                                  "sha256",
                                                  "url",
                                                  "fn",
                                                  "license",
                                                  "license_family",
                                                  "track_features",
                                                  "features",
                                                  "namespace",
                                                  "when"};
  return std::find(std::begin(k_fields), std::end(k_fields), key) != std::end(k_fields);
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Reads "k=v, k='v' k=\"v\"" bracket content in order.
Result<std::vector<std::pair<std::string, std::string>>> parse_brackets(std::string_view content,
                                                                        std::string_view spec) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  const std::size_t n = content.size();
  while (i < n) {
    while (i < n && (content[i] == ' ' || content[i] == ',')) ++i;
    if (i >= n) break;
    std::size_t k = i;
    while (k < n && is_key_char(content[k])) ++k;
    if (k == i || k >= n || content[k] != '=') {
      return ms_error(spec,
                      "expected key=value in brackets at '" + std::string(content.substr(i)) + "'");
    }
    std::string key(content.substr(i, k - i));
    i = k + 1;
    std::string value;
    if (i < n && (content[i] == '\'' || content[i] == '"')) {
      char quote = content[i];
      std::size_t close = content.find(quote, i + 1);
      if (close == std::string_view::npos) return ms_error(spec, "unterminated quote in brackets");
      value = std::string(content.substr(i + 1, close - i - 1));
      i = close + 1;
      if (i < n && content[i] != ',' && content[i] != ' ') {
        return ms_error(spec, "expected ',' after quoted value in brackets");
      }
    } else {
      std::size_t j = i;
      while (j < n && content[j] != ',' && content[j] != ' ') ++j;
      value = std::string(content.substr(i, j - i));
      if (contains_any(value, "'\"")) return ms_error(spec, "stray quote in brackets");
      i = j;
    }
    if (value.empty())
      return ms_error(spec, "key-value mismatch in brackets (empty value for '" + key + "')");
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A `when` condition: match specs joined by "and"/"or", with parentheses.
Result<void> check_condition(std::string_view condition, std::string_view spec) {
  std::string text(condition);
  int depth = 0;
  char quote = 0;
  for (char& c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']') {
      --depth;
    } else if (depth == 0 && (c == '(' || c == ')')) {
      c = ' ';
    }
  }
  std::vector<std::string> parts;
  std::string current;
  std::size_t i = 0;
  while (i < text.size()) {
    bool at_word_start = i == 0 || is_space(text[i - 1]);
    for (std::string_view word : {"and", "or"}) {
      if (at_word_start && text.compare(i, word.size(), word) == 0 &&
          (i + word.size() == text.size() || is_space(text[i + word.size()]))) {
        parts.push_back(current);
        current.clear();
        i += word.size();
        at_word_start = false;
        break;
      }
    }
    if (i < text.size()) current += text[i++];
  }
  parts.push_back(current);
  for (const auto& part : parts) {
    if (trim(part).empty()) return ms_error(spec, "empty term in 'when' condition");
    auto inner = MatchSpec::parse(trim(part));
    if (!inner.ok()) return ms_error(spec, "invalid 'when' condition: " + inner.error().message);
  }
  return Ok{};
}

}  // namespace

bool is_valid_package_name(std::string_view raw) {
  std::string name = lower(raw);
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  auto sep = [](char c) { return c == '.' || c == '-' || c == '_'; };
  std::size_t i = 0, n = name.size();
  if (n == 0) return false;
  if (n >= 3 && name[0] == '_' && name[1] == '_') {
    i = 2;  // virtual package: "__" then the usual rule from an alphanumeric start
    if (!alnum(name[i])) return false;
  } else {
    if (!(alnum(name[0]) || name[0] == '_')) return false;
    if (name[0] == '_' && n > 1 && name[1] == '_') return false;
    i = 1;
    if (i < n && sep(name[i])) ++i;
  }
  while (i < n) {
    std::size_t start = i;
    while (i < n && alnum(name[i])) ++i;
    if (i == start) return false;
    if (i < n) {
      if (!sep(name[i])) return false;
      ++i;
    }
  }
  return true;
}

namespace {
enum class Alias { defaults, none };

ChannelName channel_name(std::string_view raw, Alias alias) {
  std::string_view s = trim(raw);
  while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
  ChannelName out;
  auto last_slash = s.rfind('/');
  if (last_slash != std::string_view::npos && is_known_platform(s.substr(last_slash + 1))) {
    out.subdir = std::string(s.substr(last_slash + 1));
    s = s.substr(0, last_slash);
  }
  auto scheme = s.find("://");
  if (scheme != std::string_view::npos) {
    std::string_view rest = s.substr(scheme + 3);
    auto slash = rest.find('/');
    std::string_view host = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (host == "conda.anaconda.org" && !path.empty()) {
      out.name = std::string(path);
    } else if (host == "repo.anaconda.com" &&
               (path == "pkgs/main" || path == "pkgs/r" || path == "pkgs/msys2")) {
      out.name = alias == Alias::defaults ? "defaults" : std::string(path);
    } else {
      out.name = std::string(s);
    }
  } else if (alias == Alias::defaults && (s == "pkgs/main" || s == "pkgs/r" || s == "pkgs/msys2")) {
    out.name = "defaults";
  } else {
    out.name = std::string(s);
  }
  return out;
}

}  // namespace

ChannelName canonical_channel(std::string_view raw) {
  return channel_name(raw, Alias::defaults);
}

bool channel_matches(std::string_view spec_channel, std::string_view record_channel) {
  // A member channel does not accept "defaults" as a whole, but "defaults" accepts its members.
  std::string a = channel_name(spec_channel, Alias::none).name;
  if (a == "*") return true;
  if (a == "defaults") return canonical_channel(record_channel).name == "defaults";
  return a == channel_name(record_channel, Alias::none).name;
}

Result<MatchSpec> MatchSpec::parse(std::string_view text) {
  MatchSpec ms;
  ms.original = std::string(text);
  if (text.size() > 65536) return ms_error(text.substr(0, 40), "spec too long");
  std::string s(trim(text));
  if (s.empty()) return ms_error(text, "empty spec");

  // Legacy feature spec "mkl@".
  if (s.back() == '@') {
    std::string feature = s.substr(0, s.size() - 1);
    if (trim(feature).empty()) return ms_error(text, "empty feature name");
    ms.track_features = feature_set(feature);
    if (ms.track_features->empty()) return ms_error(text, "empty feature name");
    for (const auto& f : *ms.track_features) {
      for (char c : f) {
        if (!is_key_char(c) && c != '.') return ms_error(text, "invalid feature name '" + f + "'");
      }
    }
    return ms;
  }
  if (auto hash = s.find('#'); hash != std::string::npos) s = std::string(trim(s.substr(0, hash)));
  if (auto cond = s.find(" if "); cond != std::string::npos)
    s = std::string(trim(s.substr(0, cond)));
  if (s.empty()) return ms_error(text, "empty spec");

  // A package file or URL.
  if (ends_with(s, ".conda") || ends_with(s, ".tar.bz2")) {
    std::string url = s;
    if (url.find("://") == std::string::npos) {
      std::string path = url;
      if (!path.empty() && path[0] == '~') {
        const char* home = std::getenv("HOME");
        path = std::string(home ? home : "") + path.substr(1);
      }
      std::error_code ec;
      auto absolute = std::filesystem::absolute(path, ec);
      if (!ec) path = absolute.lexically_normal().string();
      url = "file://" + path;
    }
    auto slash = url.rfind('/');
    std::string filename = percent_decode(url.substr(slash + 1));
    std::string_view dir = std::string_view(url).substr(0, slash);
    auto dir_slash = dir.rfind('/');
    std::string_view maybe_subdir =
        dir_slash == std::string_view::npos ? std::string_view() : dir.substr(dir_slash + 1);
    if (is_known_platform(maybe_subdir)) {
      auto record = record_from_filename(filename);
      if (!record.ok()) return ms_error(text, record.error().message);
      ChannelName channel = canonical_channel(dir);
      ms.channel = channel.name;
      ms.subdir = std::string(maybe_subdir);
      ms.name = lower(record->name);
      ms.version = VersionSpec();
      auto version = VersionSpec::parse(record->version);
      if (!version.ok()) return ms_error(text, version.error().message);
      ms.version = std::move(version).value();
      auto build = StringMatcher::parse(record->build);
      if (!build.ok()) return ms_error(text, build.error().message);
      ms.build = std::move(build).value();
    }
    ms.fn = filename;
    ms.url = url;
    return ms;
  }

  // Brackets: from the first '[' to its ']' (quotes may hold brackets, e.g. a build regex).
  std::vector<std::pair<std::string, std::string>> brackets;
  if (auto open = s.find('['); open != std::string::npos) {
    std::size_t close = std::string::npos;
    char quote = 0;
    for (std::size_t i = open + 1; i < s.size(); ++i) {
      char c = s[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '[') {
        return ms_error(text, "nested brackets");
      } else if (c == ']') {
        close = i;
        break;
      }
    }
    if (close == std::string::npos) return ms_error(text, "unbalanced brackets");
    ENVLOCK_TRY(kv, parse_brackets(std::string_view(s).substr(open + 1, close - open - 1), text));
    brackets = std::move(kv);
    s.erase(open, close - open + 1);
  }
  if (contains_any(s, "[]")) return ms_error(text, "unbalanced or multiple brackets");

  // Legacy parentheses "(target=x,optional)" at the end.
  if (!s.empty() && s.back() == ')') {
    auto open = s.rfind('(');
    if (open != std::string::npos) {
      std::string_view content = std::string_view(s).substr(open + 1, s.size() - open - 2);
      bool legacy = !content.empty();
      bool optional = false;
      std::size_t i = 0;
      while (legacy && i <= content.size()) {
        std::size_t j = content.find(',', i);
        if (j == std::string_view::npos) j = content.size();
        std::string_view item = trim(content.substr(i, j - i));
        if (item == "optional") {
          optional = true;
        } else {
          auto eq = item.find('=');
          legacy = eq != std::string_view::npos && eq > 0 &&
                   std::all_of(item.begin(), item.begin() + static_cast<long>(eq), is_key_char);
        }
        i = j + 1;
      }
      if (legacy) {
        ms.optional = optional;
        s.erase(open);
      }
    }
  }

  // channel(/subdir):namespace:spec, split from the right.
  std::optional<std::string> channel_str, namespace_str;
  {
    auto c2 = s.rfind(':');
    if (c2 != std::string::npos) {
      auto c1 = c2 == 0 ? std::string::npos : s.rfind(':', c2 - 1);
      if (c1 != std::string::npos) {
        channel_str = s.substr(0, c1);
        namespace_str = s.substr(c1 + 1, c2 - c1 - 1);
      } else {
        namespace_str = s.substr(0, c2);
      }
      s = s.substr(c2 + 1);
    }
  }
  if (channel_str && !channel_str->empty()) {
    ChannelName c = canonical_channel(*channel_str);
    ms.channel = c.name;
    if (!c.subdir.empty()) ms.subdir = c.subdir;
  }
  if (namespace_str && !namespace_str->empty()) ms.namespace_ = *namespace_str;

  // Name, then version and build.
  std::size_t name_end = 0;
  while (name_end < s.size() && !contains_any(std::string_view(&s[name_end], 1), " =<>!~")) {
    ++name_end;
  }
  if (name_end == 0) return ms_error(text, "no package name found");
  std::string name = s.substr(0, name_end);
  std::string_view rest = trim(std::string_view(s).substr(name_end));
  if (name.find('*') == std::string::npos ? !is_valid_package_name(name)
                                          : !std::all_of(name.begin(), name.end(), [](char c) {
                                              return is_key_char(c) || c == '.' || c == '*';
                                            })) {
    return ms_error(text, "invalid package name '" + name + "'");
  }
  ms.name = lower(name);

  std::optional<std::string> version_str, build_str;
  if (!rest.empty()) {
    std::string version;
    std::optional<std::string> build;
    split_version_build(rest, version, build);
    if (version.empty()) return ms_error(text, "missing version");
    if (version[0] == '=') {
      std::string test = version.substr(1);
      if (version.compare(0, 2, "==") == 0 && !build) {
        version = version.substr(2);
      } else if (!contains_any(test, "=,|")) {
        if (test.empty()) return ms_error(text, "'=' without a version");
        version = (!build && test.back() != '*') ? test + "*" : test;
      }
    }
    version_str = version;
    build_str = build;
  }

  for (auto& [key, value] : brackets) {
    if (!is_known_field(key)) return ms_error(text, "cannot match on field '" + key + "'");
    if (key == "name") continue;  // conda ignores a bracket name
    if (key == "version") {
      version_str = value;
    } else if (key == "build") {
      build_str = value;
    } else if (key == "channel") {
      ChannelName c = canonical_channel(value);
      ms.channel = c.name;
      if (!c.subdir.empty()) ms.subdir = c.subdir;
    } else if (key == "subdir") {
      ms.subdir = value;
    } else if (key == "namespace") {
      ms.namespace_ = value;
    } else if (key == "when") {
      ENVLOCK_TRY_VOID(check_condition(value, text));
      ms.when = std::string(trim(value));
    } else if (key == "build_number") {
      auto bn = BuildNumberSpec::parse(value);
      if (!bn.ok()) return ms_error(text, bn.error().message);
      ms.build_number = std::move(bn).value();
    } else if (key == "md5") {
      ms.md5 = value;
    } else if (key == "sha256") {
      ms.sha256 = value;
    } else if (key == "url") {
      ms.url = value;
    } else if (key == "fn") {
      ms.fn = value;
    } else if (key == "license" || key == "license_family") {
      auto m = StringMatcher::parse(value, StringMatcher::Case::insensitive);
      if (!m.ok()) return ms_error(text, m.error().message);
      (key == "license" ? ms.license : ms.license_family) = std::move(m).value();
    } else if (key == "track_features") {
      ms.track_features = feature_set(value);
    } else if (key == "features") {
      ms.features = feature_set(value);
    }
  }
  // A value holding both quote kinds, or a blank inside a build, cannot survive the canonical
  // form (and never occurs in real data); conda would accept it and never match.
  auto both_quotes = [](std::string_view v) {
    return v.find('\'') != std::string_view::npos && v.find('"') != std::string_view::npos;
  };
  for (const auto& [key, value] : brackets) {
    if (both_quotes(value)) return ms_error(text, "both quote kinds in '" + key + "'");
  }
  if (version_str && (both_quotes(*version_str) || contains_any(*version_str, "[]") ||
                      (!version_str->empty() && version_str->back() == '@'))) {
    return ms_error(text, "invalid character in version '" + *version_str + "'");
  }
  if (build_str && (both_quotes(*build_str) || contains_any(*build_str, " \t"))) {
    return ms_error(text, "invalid build string '" + *build_str + "'");
  }
  if (ms.channel && (ms.channel->empty() || contains_any(*ms.channel, " \t'\"[],=|<>"))) {
    return ms_error(text, "invalid channel '" + *ms.channel + "'");
  }
  if (ms.subdir && (ms.subdir->empty() || contains_any(*ms.subdir, " \t'\"[],=|<>:"))) {
    return ms_error(text, "invalid subdir '" + *ms.subdir + "'");
  }
  if (version_str) {
    auto v = VersionSpec::parse(*version_str);
    if (!v.ok()) return ms_error(text, v.error().message);
    ms.version = std::move(v).value();
  }
  if (build_str) {
    auto b = StringMatcher::parse(*build_str);
    if (!b.ok()) return ms_error(text, b.error().message);
    ms.build = std::move(b).value();
  }
  return ms;
}

bool MatchSpec::matches(const PackageRecord& r) const {
  if (name != "*") {
    if (name.find('*') != std::string::npos) {
      if (!glob_match(name, lower(r.name))) return false;
    } else if (name != r.name && name != lower(r.name)) {
      return false;
    }
  }
  if (version && !version->is_any()) {
    const Version* v = r.parsed_version();
    if (v == nullptr || !version->contains(*v)) return false;
  }
  if (build && !build->matches(r.build)) return false;
  if (build_number && !build_number->contains(r.build_number)) return false;
  if (channel && !channel_matches(*channel, r.channel)) return false;
  if (subdir && *subdir != r.subdir) return false;
  if (md5 && *md5 != r.md5) return false;
  if (sha256 && *sha256 != r.sha256) return false;
  if (url && *url != r.url) return false;
  if (fn && *fn != r.fn) return false;
  if (license && !license->matches(r.license)) return false;
  if (license_family && !license_family->matches(r.license_family)) return false;
  if (track_features && *track_features != feature_set(join(r.track_features, ","))) return false;
  if (features && *features != feature_set(join(r.features, ","))) return false;
  return true;
}

bool MatchSpec::is_name_only() const {
  return name != "*" && (!version || version->is_any()) && !build && !build_number && !channel &&
         !subdir && !md5 && !sha256 && !url && !fn && !license && !license_family &&
         !track_features && !features;
}

namespace {
// "key=value", quoted (single quotes unless the value holds one) when the value needs it.
std::string bracket_item(std::string_view key, const std::string& value, bool force_quotes) {
  std::string out(key);
  out += '=';
  if (value.find('\'') != std::string::npos) return out + "\"" + value + "\"";
  if (force_quotes || contains_any(value, ", =\"[]")) return out + "'" + value + "'";
  return out + value;
}
}  // namespace

std::string MatchSpec::str() const {
  std::string builder;
  std::vector<std::string> brackets;
  bool channel_exact = channel && *channel != "*" && channel->find('*') == std::string::npos;
  if (channel_exact) {
    builder += *channel;
  } else if (channel && *channel != "*") {
    brackets.push_back("channel=" + *channel);
  }
  if (subdir) {
    if (channel_exact) {
      builder += "/" + *subdir;
    } else {
      brackets.push_back("subdir=" + *subdir);
    }
  }
  builder += builder.empty() ? name : "::" + name;

  bool version_exact = false;
  if (version && !version->is_any()) {
    const std::string& v = version->str();
    if (contains_any(v, "><$^|,")) {
      brackets.push_back(bracket_item("version", v, true));
    } else if (v.compare(0, 2, "!=") == 0 || v.compare(0, 2, "~=") == 0) {
      if (build) {
        brackets.push_back(bracket_item("version", v, true));
      } else {
        builder += v;
      }
    } else if (ends_with(v, ".*")) {
      builder += "=" + v.substr(0, v.size() - 2);
    } else if (v.back() == '*') {
      builder += "=" + v.substr(0, v.size() - 1);
    } else if (v.compare(0, 2, "==") == 0) {
      builder += v;
      version_exact = true;
    } else if (v[0] == '=') {
      if (build) {
        brackets.push_back(bracket_item("version", v, true));
      } else {
        builder += v;
      }
    } else {
      builder += "==" + v;
      version_exact = true;
    }
  }
  if (build) {
    const std::string& b = build->str();
    if (contains_any(b, "><$^|,")) {
      brackets.push_back(bracket_item("build", b, true));
    } else if (b.find('*') != std::string::npos || !version_exact || contains_any(b, "[]'\"")) {
      brackets.push_back(bracket_item("build", b, false));
    } else {
      builder += "=" + b;
    }
  }
  auto add = [&](const char* key, const std::string& value) {
    brackets.push_back(bracket_item(key, value, false));
  };
  if (build_number) add("build_number", build_number->str());
  if (track_features) add("track_features", join(*track_features, " "));
  if (features) add("features", join(*features, " "));
  if (url && !channel) add("url", *url);
  if (md5) add("md5", *md5);
  if (sha256) add("sha256", *sha256);
  if (license) add("license", license->str());
  if (license_family) add("license_family", license_family->str());
  if (fn && !url) add("fn", *fn);
  if (when) add("when", *when);
  if (!brackets.empty()) builder += "[" + join(brackets, ",") + "]";
  return builder;
}

}  // namespace envlock::spec

namespace envlock::spec {
namespace {

// The leaves of an and-only version spec, or nullopt when it has an "or" or a kind of leaf
// whose extent we do not reason about.
std::optional<std::vector<const VersionSpec*>> and_leaves(const VersionSpec& v) {
  using Op = VersionSpec::Op;
  std::vector<const VersionSpec*> out;
  std::vector<const VersionSpec*> todo{&v};
  while (!todo.empty()) {
    const VersionSpec* s = todo.back();
    todo.pop_back();
    switch (s->op()) {
      case Op::all_of:
        for (const auto& c : s->children()) todo.push_back(&c);
        break;
      case Op::any:
        break;
      case Op::eq:
      case Op::lt:
      case Op::le:
      case Op::gt:
      case Op::ge:
      case Op::starts_with:
        out.push_back(s);
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

// True only when no version can satisfy both specs. Two arguments: prefix pins ("=3.6",
// "3.6.*", "==3.6.1") that neither contains the other's operand of, and bounds (==, <, <=, >,
// >=) whose intersection is empty. Anything else is left to the solver.
bool disjoint(const VersionSpec& a, const VersionSpec& b) {
  using Op = VersionSpec::Op;
  auto la = and_leaves(a), lb = and_leaves(b);
  if (!la || !lb) return false;
  std::vector<const VersionSpec*> all = *la;
  all.insert(all.end(), lb->begin(), lb->end());
  for (const VersionSpec* x : all) {
    if (x->op() != Op::eq && x->op() != Op::starts_with) continue;
    for (const VersionSpec* y : all) {
      if (y->op() != Op::eq && y->op() != Op::starts_with) continue;
      if (!x->contains(y->version()) && !y->contains(x->version())) return true;
    }
  }
  // Bounds: the highest lower bound against the lowest upper bound (no prefix pins here,
  // since a prefix admits pre-releases below its operand).
  const Version* lo = nullptr;
  bool lo_open = false;
  const Version* hi = nullptr;
  bool hi_open = false;
  for (const VersionSpec* x : all) {
    const Version& v = x->version();
    Op op = x->op();
    if (op == Op::starts_with) continue;
    if (op == Op::gt || op == Op::ge || op == Op::eq) {
      bool open = op == Op::gt;
      if (!lo || v > *lo || (v == *lo && open)) lo = &v, lo_open = open;
    }
    if (op == Op::lt || op == Op::le || op == Op::eq) {
      bool open = op == Op::lt;
      if (!hi || v < *hi || (v == *hi && open)) hi = &v, hi_open = open;
    }
  }
  if (!lo || !hi) return false;
  return *lo > *hi || (*lo == *hi && (lo_open || hi_open));
}

template <class T>
Result<void> same_field(const char* what, std::optional<T>& into, const std::optional<T>& other,
                        const std::string& (*text)(const T&)) {
  if (!other) return Ok{};
  if (!into) {
    into = other;
    return Ok{};
  }
  if (text(*into) != text(*other))
    return Error{
        ErrorKind::input, "", std::string(what) + " " + text(*into) + " vs " + text(*other)};
  return Ok{};
}

const std::string& plain(const std::string& s) {
  return s;
}
const std::string& matcher_text(const StringMatcher& m) {
  return m.str();
}
const std::string& number_text(const BuildNumberSpec& b) {
  return b.str();
}

}  // namespace

Result<MatchSpec> merge(const MatchSpec& a, const MatchSpec& b) {
  if (a.name != b.name)
    return Error{ErrorKind::input, "", "different names " + a.name + " and " + b.name};
  MatchSpec out = a;
  out.original.clear();
  if (b.version && !b.version->is_any()) {
    if (!out.version || out.version->is_any()) {
      out.version = b.version;
    } else if (out.version->str() != b.version->str()) {
      if (disjoint(*out.version, *b.version))
        return Error{ErrorKind::input,
                     "",
                     "no version is both " + out.version->str() + " and " + b.version->str()};
      auto group = [](const VersionSpec& v) {
        return v.op() == VersionSpec::Op::any_of ? "(" + v.str() + ")" : v.str();
      };
      auto both = VersionSpec::parse(group(*out.version) + "," + group(*b.version));
      if (!both.ok()) return both.take_error();
      out.version = std::move(both).value();
    }
  }
  if (b.build && !b.build->is_any()) {
    if (!out.build || out.build->is_any()) {
      out.build = b.build;
    } else if (out.build->str() != b.build->str()) {
      // An exact build inside the other's glob is the exact build; anything else conda refuses.
      if (out.build->is_exact() && b.build->matches(out.build->str())) {
      } else if (b.build->is_exact() && out.build->matches(b.build->str())) {
        out.build = b.build;
      } else {
        return Error{ErrorKind::input, "", "builds " + out.build->str() + " and " + b.build->str()};
      }
    }
  }
  ENVLOCK_TRY_VOID(same_field("build numbers", out.build_number, b.build_number, number_text));
  if (out.channel == "*") out.channel.reset();
  if (b.channel != "*") ENVLOCK_TRY_VOID(same_field("channels", out.channel, b.channel, plain));
  ENVLOCK_TRY_VOID(same_field("subdirs", out.subdir, b.subdir, plain));
  ENVLOCK_TRY_VOID(same_field("namespaces", out.namespace_, b.namespace_, plain));
  ENVLOCK_TRY_VOID(same_field("md5 hashes", out.md5, b.md5, plain));
  ENVLOCK_TRY_VOID(same_field("sha256 hashes", out.sha256, b.sha256, plain));
  ENVLOCK_TRY_VOID(same_field("URLs", out.url, b.url, plain));
  ENVLOCK_TRY_VOID(same_field("file names", out.fn, b.fn, plain));
  ENVLOCK_TRY_VOID(same_field("licenses", out.license, b.license, matcher_text));
  ENVLOCK_TRY_VOID(
      same_field("license families", out.license_family, b.license_family, matcher_text));
  ENVLOCK_TRY_VOID(same_field("conditions", out.when, b.when, plain));
  // Feature sets unite, as conda's FeatureMatch.merge does.
  auto unite = [](std::optional<std::vector<std::string>>& into,
                  const std::optional<std::vector<std::string>>& other) {
    if (!other) return;
    if (!into) into.emplace();
    into->insert(into->end(), other->begin(), other->end());
    std::sort(into->begin(), into->end());
    into->erase(std::unique(into->begin(), into->end()), into->end());
  };
  unite(out.track_features, b.track_features);
  unite(out.features, b.features);
  out.optional = a.optional && b.optional;
  return out;
}

}  // namespace envlock::spec
