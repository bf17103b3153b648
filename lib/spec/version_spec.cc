#include "lib/spec/version_spec.h"

#include <algorithm>
#include <charconv>
#include <regex>
#include <string>
#include <vector>

namespace envlock::spec {

/// Longest version or build string a regex is matched against (longer ones do not match).
constexpr std::size_t k_max_regex_subject = 1000;

/// A compiled "^...$" regex or a '*' glob.
class Pattern {
 public:
  enum class Kind { regex, glob };
  Kind kind = Kind::glob;
  std::string text;
  std::regex regex;

  bool matches(std::string_view value) const {
    if (kind == Kind::glob) return glob_match(text, value);
    // std::regex recurses once per character matched; no real version or build is this long.
    if (value.size() > k_max_regex_subject) return false;
    try {
      return std::regex_search(
          value.begin(), value.end(), regex, std::regex_constants::match_continuous);
    } catch (const std::regex_error&) {
      return false;  // too complex for std::regex: treat as no match rather than crash
    }
  }
};

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

Error spec_error(std::string_view spec, const std::string& why) {
  return Error{ErrorKind::input, "", "invalid version spec '" + std::string(spec) + "': " + why};
}

// std::regex backtracks, recursively: a quantifier applied to something that is already
// quantified ("a**", "(a*)*", "(.+)+") takes exponential time, and a large {n} builds a huge
// automaton. Version regexes are simple ("^1\.2.*$"); returns why `text` is not, or "".
std::string too_complex(std::string_view text) {
  std::vector<bool> group_quantified;  // per open group: does it hold a quantifier?
  bool last_quantified = false;        // the previous atom carries a quantifier
  bool last_closed_quantified_group = false;
  int quantifiers = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool quantifier = c == '*' || c == '+' || c == '?' || c == '{';
    if (quantifier) {
      if (c == '?' && last_quantified && i > 0 && text[i - 1] != '?') continue;  // lazy "*?"
      if (last_quantified || last_closed_quantified_group) return "nested quantifiers";
      if (++quantifiers > 32) return "more than 32 quantifiers";
      if (c == '{') {
        size_t close = text.find('}', i);
        if (close == std::string_view::npos) return "unclosed '{'";
        for (size_t k = i + 1; k < close; ++k) {
          if (text[k] != ',' && (text[k] < '0' || text[k] > '9')) return "invalid '{'";
        }
        std::string_view inside = text.substr(i + 1, close - i - 1);
        for (size_t start = 0; start <= inside.size();) {
          size_t comma = inside.find(',', start);
          std::string_view number = inside.substr(start, comma - start);
          if (number.size() > 3 || (!number.empty() && std::stoi(std::string(number)) > 100)) {
            return "a repeat count over 100";
          }
          if (comma == std::string_view::npos) break;
          start = comma + 1;
        }
        i = close;
      }
      last_quantified = true;
      if (!group_quantified.empty()) group_quantified.back() = true;
      continue;
    }
    last_quantified = false;
    last_closed_quantified_group = false;
    if (c == '\\') {
      // A backreference (\1): libstdc++ reads its number into an int without a bound.
      if (i + 1 < text.size() && text[i + 1] >= '1' && text[i + 1] <= '9') {
        return "a backreference";
      }
      ++i;
    } else if (c == '[') {
      // A class is one atom; ']' right after '[' or '[^' is literal.
      size_t k = i + 1;
      if (k < text.size() && text[k] == '^') ++k;
      if (k < text.size() && text[k] == ']') ++k;
      while (k < text.size() && text[k] != ']') k += text[k] == '\\' ? 2 : 1;
      i = k;
    } else if (c == '(') {
      group_quantified.push_back(false);
      if (i + 1 < text.size() && text[i + 1] == '?') i += 2;  // "(?:", "(?=", "(?!"
    } else if (c == ')' && !group_quantified.empty()) {
      last_closed_quantified_group = group_quantified.back();
      group_quantified.pop_back();
      if (last_closed_quantified_group && !group_quantified.empty()) {
        group_quantified.back() = true;
      }
    }
  }
  return "";
}

Result<std::shared_ptr<const Pattern>> make_regex(std::string_view text, std::string_view spec) {
  if (text.size() > 1000) return spec_error(spec, "regex too long");
  if (std::string why = too_complex(text); !why.empty()) {
    return spec_error(spec, "regex too complex (" + why + ")");
  }
  auto p = std::make_shared<Pattern>();
  p->kind = Pattern::Kind::regex;
  p->text = std::string(text);
  try {
    p->regex = std::regex(p->text, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return spec_error(spec, std::string("invalid regex: ") + e.what());
  }
  return std::shared_ptr<const Pattern>(std::move(p));
}

std::shared_ptr<const Pattern> make_glob(std::string_view text) {
  auto p = std::make_shared<Pattern>();
  p->kind = Pattern::Kind::glob;
  p->text = std::string(text);
  return p;
}

// Splits "op operand" per conda's ^(=|==|!=|<=|>=|<|>|~=)(?![=<>!~])(\S+)$.
bool split_operator(std::string_view s, std::string_view& op, std::string_view& operand) {
  static constexpr std::string_view k_ops[] = {"==", "!=", "<=", ">=", "~=", "=", "<", ">"};
  for (std::string_view candidate : k_ops) {
    if (s.substr(0, candidate.size()) != candidate) continue;
    std::string_view rest = s.substr(candidate.size());
    // conda rejects "<= 1.2" in a bare VersionSpec but its MatchSpec parser removes the space
    // first; accepting it here agrees with every spec a user can write.
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    if (rest.empty()) continue;
    char c = rest[0];
    if (c == '=' || c == '<' || c == '>' || c == '!' || c == '~') continue;
    if (std::any_of(rest.begin(), rest.end(), is_space)) continue;
    op = candidate;
    operand = rest;
    return true;
  }
  return false;
}

struct TreeNode {
  char op = 0;  // 0 leaf, ',' and, '|' or
  std::string leaf;
  std::vector<TreeNode> kids;
};

}  // namespace

struct VersionSpecParser {
  static Result<VersionSpec> leaf(std::string_view raw, std::string_view whole) {
    std::string_view s = trim(raw);
    VersionSpec spec;
    if (s.empty()) return spec_error(whole, "empty version constraint");
    spec.m_str = std::string(s);
    if (s.front() == '^' || s.back() == '$') {
      if (s.front() != '^' || s.back() != '$') {
        return spec_error(whole, "regex specs must start with '^' and end with '$'");
      }
      ENVLOCK_TRY(pattern, make_regex(s, whole));
      spec.m_op = VersionSpec::Op::regex;
      spec.m_pattern = std::move(pattern);
      return spec;
    }
    char c0 = s.front();
    if (c0 == '=' || c0 == '<' || c0 == '>' || c0 == '!' || c0 == '~') {
      std::string_view op, operand;
      if (!split_operator(s, op, operand)) return spec_error(whole, "invalid operator");
      bool not_starts = false;
      if (operand.size() >= 2 && operand.substr(operand.size() - 2) == ".*") {
        if (op == "~=") return spec_error(whole, "invalid operator with '.*'");
        if (op == "!=") not_starts = true;
        // For "=" and ">=" the ".*" is redundant; for <, <=, >, == conda ignores it.
        operand = operand.substr(0, operand.size() - 2);
      }
      auto version = Version::parse(operand);
      if (!version.ok()) return spec_error(whole, version.error().message);
      spec.m_version = std::move(version).value();
      using Op = VersionSpec::Op;
      if (op == "==")
        spec.m_op = Op::eq;
      else if (op == "!=")
        spec.m_op = not_starts ? Op::not_starts_with : Op::ne;
      else if (op == "<")
        spec.m_op = Op::lt;
      else if (op == "<=")
        spec.m_op = Op::le;
      else if (op == ">")
        spec.m_op = Op::gt;
      else if (op == ">=")
        spec.m_op = Op::ge;
      else if (op == "=")
        spec.m_op = Op::starts_with;
      else
        spec.m_op = Op::compatible;
      spec.m_exact = op == "==";
      if (spec.m_op == Op::compatible) {
        // conda: x >= y and x.startswith(VersionOrder(".".join(str(y).split(".")[:-1])))
        std::string canon = spec.m_version.canonical();
        auto dot = canon.rfind('.');
        if (dot == std::string::npos) {
          return spec_error(whole, "'~=' needs a version with at least two components");
        }
        auto prefix = Version::parse(std::string_view(canon).substr(0, dot));
        if (!prefix.ok()) return spec_error(whole, prefix.error().message);
        spec.m_compatible_prefix = std::move(prefix).value();
      }
      return spec;
    }
    if (s == "*") {
      spec.m_op = VersionSpec::Op::any;
      return spec;
    }
    std::string_view no_trailing = s;
    while (!no_trailing.empty() && no_trailing.back() == '*') no_trailing.remove_suffix(1);
    if (no_trailing.find('*') != std::string_view::npos) {
      spec.m_op = VersionSpec::Op::glob;
      spec.m_pattern = make_glob(s);
      return spec;
    }
    if (s.back() == '*') {
      if (s.size() < 2 || s.substr(s.size() - 2) != ".*") {
        spec.m_str = std::string(s.substr(0, s.size() - 1)) + ".*";
      }
      std::string_view vo = spec.m_str;
      while (!vo.empty() && vo.back() == '*') vo.remove_suffix(1);
      while (!vo.empty() && vo.back() == '.') vo.remove_suffix(1);
      auto version = Version::parse(vo);
      if (!version.ok()) return spec_error(whole, version.error().message);
      spec.m_version = std::move(version).value();
      spec.m_op = VersionSpec::Op::starts_with;
      return spec;
    }
    if (s.find('@') == std::string_view::npos) {
      auto version = Version::parse(s);
      if (!version.ok()) return spec_error(whole, version.error().message);
      spec.m_version = std::move(version).value();
      spec.m_op = VersionSpec::Op::eq;
      spec.m_exact = true;
      return spec;
    }
    spec.m_op = VersionSpec::Op::exact_text;
    spec.m_exact = true;
    return spec;
  }

  // conda's treeify: a shunting-yard over "(" + text + ")".
  static Result<TreeNode> treeify(std::string_view text) {
    std::string s = "(" + std::string(text) + ")";
    std::vector<TreeNode> output;
    std::string stack;
    auto apply_ops = [&](std::string_view stop) -> Result<void> {
      while (!stack.empty() && stop.find(stack.back()) == std::string_view::npos) {
        if (output.size() < 2) return spec_error(text, "cannot join single expression");
        char c = stack.back();
        stack.pop_back();
        TreeNode right = std::move(output.back());
        output.pop_back();
        TreeNode left = std::move(output.back());
        output.pop_back();
        TreeNode joined;
        joined.op = c;
        for (TreeNode* side : {&left, &right}) {
          if (side->op == c) {
            for (auto& k : side->kids) joined.kids.push_back(std::move(k));
          } else {
            joined.kids.push_back(std::move(*side));
          }
        }
        output.push_back(std::move(joined));
      }
      return Ok{};
    };
    auto special = [](char c) { return c == '(' || c == ')' || c == '|' || c == ','; };
    std::size_t i = 0;
    while (i < s.size()) {
      std::size_t j = i;
      while (j < s.size() && is_space(s[j])) ++j;
      std::string token;
      if (j < s.size() && s[j] == '^' && s.find('$', j + 1) != std::string::npos) {
        std::size_t k = s.find('$', j + 1);
        token = s.substr(j, k + 1 - j);
        i = k + 1;
      } else if (j < s.size() && special(s[j])) {
        token = std::string(1, s[j]);
        i = j + 1;
      } else {
        std::size_t k = i;
        while (k < s.size() && !special(s[k])) ++k;
        token = s.substr(i, k - i);
        i = k;
      }
      std::string_view item = trim(token);
      if (item == "|") {
        ENVLOCK_TRY_VOID(apply_ops("("));
        stack.push_back('|');
      } else if (item == ",") {
        ENVLOCK_TRY_VOID(apply_ops("|("));
        stack.push_back(',');
      } else if (item == "(") {
        stack.push_back('(');
      } else if (item == ")") {
        ENVLOCK_TRY_VOID(apply_ops("("));
        if (stack.empty() || stack.back() != '(') {
          return spec_error(text, "expression must start with '('");
        }
        stack.pop_back();
      } else {
        if (item.empty()) return spec_error(text, "empty version constraint");
        TreeNode leaf;
        leaf.leaf = std::string(item);
        output.push_back(std::move(leaf));
      }
    }
    if (!stack.empty()) return spec_error(text, "unbalanced parentheses");
    if (output.size() != 1) return spec_error(text, "expected exactly one expression");
    return std::move(output.front());
  }

  static Result<VersionSpec> build(const TreeNode& node, std::string_view whole) {
    if (node.op == 0) return leaf(node.leaf, whole);
    VersionSpec spec;
    spec.m_op = node.op == '|' ? VersionSpec::Op::any_of : VersionSpec::Op::all_of;
    spec.m_str.clear();
    for (const TreeNode& kid : node.kids) {
      ENVLOCK_TRY(child, build(kid, whole));
      if (!spec.m_str.empty()) spec.m_str += node.op;
      if (node.op == ',' && child.m_op == VersionSpec::Op::any_of) {
        spec.m_str += "(" + child.m_str + ")";
      } else {
        spec.m_str += child.m_str;
      }
      spec.m_children.push_back(std::move(child));
    }
    return spec;
  }
};

VersionSpec::VersionSpec() = default;

Result<VersionSpec> VersionSpec::parse(std::string_view text) {
  if (text.size() > 10000) return spec_error(text.substr(0, 40), "version spec too long");
  if (text.find_first_of("()|,^$") == std::string_view::npos) {
    return VersionSpecParser::leaf(text, trim(text));
  }
  ENVLOCK_TRY(tree, VersionSpecParser::treeify(text));
  return VersionSpecParser::build(tree, trim(text));
}

bool VersionSpec::contains(const Version& v) const {
  switch (m_op) {
    case Op::any:
      return true;
    case Op::eq:
      return v == m_version;
    case Op::ne:
      return !(v == m_version);
    case Op::lt:
      return v.compare(m_version) < 0;
    case Op::le:
      return v.compare(m_version) <= 0;
    case Op::gt:
      return v.compare(m_version) > 0;
    case Op::ge:
      return v.compare(m_version) >= 0;
    case Op::starts_with:
      return v.starts_with(m_version);
    case Op::not_starts_with:
      return !v.starts_with(m_version);
    case Op::compatible:
      return v.compare(m_version) >= 0 && v.starts_with(m_compatible_prefix);
    case Op::regex:
    case Op::glob:
      return m_pattern->matches(v.str());
    case Op::exact_text:
      return v.str() == m_str;
    case Op::all_of:
      for (const auto& c : m_children) {
        if (!c.contains(v)) return false;
      }
      return true;
    case Op::any_of:
      for (const auto& c : m_children) {
        if (c.contains(v)) return true;
      }
      return false;
  }
  return false;
}

bool glob_match(std::string_view pattern, std::string_view value) {
  std::size_t p = 0, v = 0, star = std::string_view::npos, mark = 0;
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = v;
    } else if (p < pattern.size() && pattern[p] == value[v]) {
      ++p;
      ++v;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {
std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}
}  // namespace

Result<StringMatcher> StringMatcher::parse(std::string_view text, Case kase) {
  StringMatcher m;
  m.m_case = kase;
  m.m_text = kase == Case::insensitive ? to_lower(text) : std::string(text);
  if (m.m_text.size() >= 2 && m.m_text.front() == '^' && m.m_text.back() == '$') {
    auto p = make_regex(m.m_text, text);
    if (!p.ok()) {
      return Error{ErrorKind::input, "", "invalid pattern '" + std::string(text) + "'"};
    }
    m.m_pattern = std::move(p).value();
  } else if (m.m_text.find('*') != std::string::npos) {
    m.m_pattern = make_glob(m.m_text);
  }
  return m;
}

bool StringMatcher::matches(std::string_view value) const {
  if (m_case == Case::insensitive) {
    std::string lowered = to_lower(value);
    return m_pattern ? m_pattern->matches(lowered) : lowered == m_text;
  }
  return m_pattern ? m_pattern->matches(value) : value == m_text;
}

Result<BuildNumberSpec> BuildNumberSpec::parse(std::string_view text) {
  std::string_view s = trim(text);
  BuildNumberSpec spec;
  spec.m_str = std::string(s);
  auto bad = [&](const std::string& why) {
    return Error{
        ErrorKind::input, "", "invalid build number spec '" + std::string(text) + "': " + why};
  };
  auto parse_int = [](std::string_view digits, std::int64_t& out) {
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    if (digits.empty()) return false;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc() && ptr == digits.data() + digits.size();
  };
  if (s.empty()) return bad("empty");
  if (parse_int(s, spec.m_number)) {
    spec.m_op = VersionSpec::Op::eq;
    spec.m_str = std::to_string(spec.m_number);
    return spec;
  }
  if (s == "*") {
    spec.m_op = VersionSpec::Op::any;
    return spec;
  }
  char c0 = s.front();
  if (c0 == '=' || c0 == '<' || c0 == '>' || c0 == '!') {
    std::string_view op, operand;
    if (!split_operator(s, op, operand) || op == "~=") return bad("invalid operator");
    if (!parse_int(operand, spec.m_number)) return bad("not a number");
    using Op = VersionSpec::Op;
    if (op == "==" || op == "=")
      spec.m_op = Op::eq;
    else if (op == "!=")
      spec.m_op = Op::ne;
    else if (op == "<")
      spec.m_op = Op::lt;
    else if (op == "<=")
      spec.m_op = Op::le;
    else if (op == ">")
      spec.m_op = Op::gt;
    else
      spec.m_op = Op::ge;
    return spec;
  }
  if (s.front() == '^' || s.back() == '$') {
    if (s.front() != '^' || s.back() != '$') {
      return bad("regex specs must start with '^' and end with '$'");
    }
    auto p = make_regex(s, s);
    if (!p.ok()) return bad("invalid regex");
    spec.m_pattern = std::move(p).value();
    spec.m_op = VersionSpec::Op::regex;
    return spec;
  }
  return bad("expected a number, '*', an operator and a number, or a regex");
}

bool BuildNumberSpec::contains(std::int64_t n) const {
  using Op = VersionSpec::Op;
  switch (m_op) {
    case Op::any:
      return true;
    case Op::eq:
      return n == m_number;
    case Op::ne:
      return n != m_number;
    case Op::lt:
      return n < m_number;
    case Op::le:
      return n <= m_number;
    case Op::gt:
      return n > m_number;
    case Op::ge:
      return n >= m_number;
    case Op::regex:
      return m_pattern->matches(std::to_string(n));
    default:
      return false;
  }
}

std::optional<std::int64_t> BuildNumberSpec::exact() const {
  if (m_op == VersionSpec::Op::eq && m_str.find_first_of("=<>!") == std::string::npos) {
    return m_number;
  }
  return std::nullopt;
}

}  // namespace envlock::spec
