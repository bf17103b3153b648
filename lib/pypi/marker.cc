#include "lib/pypi/marker.h"

#include <algorithm>

#include "lib/pypi/name.h"
#include "lib/pypi/specifier.h"
#include "lib/pypi/version.h"
#include "lib/util/text.h"

namespace envlock::pypi {
namespace {

constexpr std::string_view k_variables[] = {
    "implementation_name",
    "implementation_version",
    "os_name",
    "platform_machine",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_full_version",
    "platform_python_implementation",
    "python_version",
    "sys_platform",
    "extra",
    "extras",
    "dependency_groups",
};

bool is_version_key(std::string_view key) {
  return key == "python_version" || key == "python_full_version" ||
         key == "implementation_version" || key == "platform_release";
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

// The PEP 508 name of a marker variable as written, "" when unknown.
std::string canonical_variable(std::string_view word) {
  std::string name(word);
  std::replace(name.begin(), name.end(), '.', '_');
  if (name == "python_implementation") name = "platform_python_implementation";
  for (std::string_view v : k_variables) {
    if (name == v) return name;
  }
  return "";
}

struct Parser {
  std::string_view s;
  std::size_t i = 0;
  int depth = 0;
  std::vector<Marker::Node>* nodes;
  std::string error;
  std::size_t error_at = 0;

  bool fail(std::string why) {
    if (error.empty()) {
      error = std::move(why);
      error_at = i;
    }
    return false;
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  std::string_view peek_word() {
    std::size_t e = i;
    while (e < s.size() && is_word_char(s[e])) ++e;
    return s.substr(i, e - i);
  }
  bool keyword(std::string_view w) {
    ws();
    if (peek_word() != w) return false;
    i += w.size();
    return true;
  }

  // marker_or := marker_and ('or' marker_and)*
  bool parse_or(std::uint32_t& out) {
    std::vector<std::uint32_t> items(1);
    if (!parse_and(items[0])) return false;
    while (keyword("or")) {
      items.emplace_back();
      if (!parse_and(items.back())) return false;
    }
    out = group(Marker::Node::Kind::or_, std::move(items));
    return true;
  }
  // marker_and := marker_atom ('and' marker_atom)*
  bool parse_and(std::uint32_t& out) {
    std::vector<std::uint32_t> items(1);
    if (!parse_atom(items[0])) return false;
    while (keyword("and")) {
      items.emplace_back();
      if (!parse_atom(items.back())) return false;
    }
    out = group(Marker::Node::Kind::and_, std::move(items));
    return true;
  }
  std::uint32_t group(Marker::Node::Kind kind, std::vector<std::uint32_t> items) {
    if (items.size() == 1) return items[0];
    // Flatten a nested group of the same kind: "(a and b) and c" is "a and b and c".
    std::vector<std::uint32_t> flat;
    for (auto k : items) {
      if ((*nodes)[k].kind == kind) {
        const auto& ch = (*nodes)[k].children;
        flat.insert(flat.end(), ch.begin(), ch.end());
      } else {
        flat.push_back(k);
      }
    }
    Marker::Node n;
    n.kind = kind;
    n.children = std::move(flat);
    nodes->push_back(std::move(n));
    return static_cast<std::uint32_t>(nodes->size() - 1);
  }
  bool parse_atom(std::uint32_t& out) {
    ws();
    if (i < s.size() && s[i] == '(') {
      if (++depth > k_max_nesting) {
        return fail("parentheses nested deeper than " + std::to_string(k_max_nesting));
      }
      ++i;
      if (!parse_or(out)) return false;
      ws();
      if (i >= s.size() || s[i] != ')') return fail("expected ')'");
      ++i;
      --depth;
      return true;
    }
    Marker::Node n;
    if (!parse_value(n.lhs, n.lhs_is_variable)) return false;
    if (!parse_op(n.op)) return false;
    if (!parse_value(n.rhs, n.rhs_is_variable)) return false;
    // PEP 685: extra names compare normalised; so do the members tested against the
    // set-valued extras/dependency_groups.
    auto normalise_literal = [&](std::string& literal, const std::string& variable) {
      if (variable == "extra" || ((variable == "extras" || variable == "dependency_groups") &&
                                  (n.op == "in" || n.op == "not in"))) {
        literal = normalize_name(literal);
      }
    };
    if (n.lhs_is_variable && !n.rhs_is_variable) normalise_literal(n.rhs, n.lhs);
    if (n.rhs_is_variable && !n.lhs_is_variable) normalise_literal(n.lhs, n.rhs);
    nodes->push_back(std::move(n));
    out = static_cast<std::uint32_t>(nodes->size() - 1);
    return true;
  }
  bool parse_value(std::string& out, bool& is_variable) {
    ws();
    if (i >= s.size()) return fail("expected a variable or a quoted string");
    char q = s[i];
    if (q == '\'' || q == '"') {
      std::size_t start = i++;
      out.clear();
      while (i < s.size() && s[i] != q) {
        if (s[i] == '\\') {
          // pypa/packaging 26 takes backslash escapes of the quote and the backslash only.
          if (i + 1 < s.size() && (s[i + 1] == '\\' || s[i + 1] == '\'' || s[i + 1] == '"')) {
            out += s[i + 1];
            i += 2;
            continue;
          }
          i = start;
          return fail("invalid quoted string");
        }
        out += s[i++];
      }
      if (i >= s.size()) {
        i = start;
        return fail("invalid quoted string");
      }
      ++i;
      is_variable = false;
      return true;
    }
    std::string_view word = peek_word();
    if (word.empty()) return fail("expected a variable or a quoted string");
    std::string name = canonical_variable(word);
    if (name.empty()) return fail("unknown variable '" + std::string(word) + "'");
    i += word.size();
    out = std::move(name);
    is_variable = true;
    return true;
  }
  bool parse_op(std::string& out) {
    ws();
    static constexpr std::string_view k_ops[] = {"===", "==", "~=", "!=", "<=", ">=", "<", ">"};
    for (std::string_view op : k_ops) {
      if (s.substr(i, op.size()) == op) {
        i += op.size();
        out = std::string(op);
        return true;
      }
    }
    if (keyword("in")) {
      out = "in";
      return true;
    }
    if (keyword("not")) {
      std::size_t before = i;
      ws();
      if (i > before && keyword("in")) {
        out = "not in";
        return true;
      }
      return fail("expected 'in' after 'not'");
    }
    return fail("expected a comparison operator");
  }
};

bool string_op(std::string_view lhs, std::string_view op, std::string_view rhs) {
  if (op == "==" || op == "<=" || op == ">=") return lhs == rhs;
  if (op == "!=") return lhs != rhs;
  if (op == "in") return rhs.find(lhs) != std::string_view::npos;
  if (op == "not in") return rhs.find(lhs) == std::string_view::npos;
  return false;  // "<", ">", and the undefined "===" / "~=" on strings
}

std::string quoted(std::string_view value) {
  char q = value.find('"') == std::string_view::npos ? '"' : '\'';
  std::string out(1, q);
  for (char c : value) {
    if (c == q || c == '\\') out += '\\';
    out += c;
  }
  out += q;
  return out;
}

}  // namespace

const std::string* MarkerEnvironment::find(std::string_view variable) const {
  if (variable == "os_name") return &os_name;
  if (variable == "sys_platform") return &sys_platform;
  if (variable == "platform_machine") return &platform_machine;
  if (variable == "platform_system") return &platform_system;
  if (variable == "platform_release") return &platform_release;
  if (variable == "platform_version") return &platform_version;
  if (variable == "python_version") return &python_version;
  if (variable == "python_full_version") return &python_full_version;
  if (variable == "implementation_name") return &implementation_name;
  if (variable == "implementation_version") return &implementation_version;
  if (variable == "platform_python_implementation") return &platform_python_implementation;
  return nullptr;
}

MarkerEnvironment MarkerEnvironment::for_target(std::string_view conda_subdir,
                                                std::string_view python_version) {
  MarkerEnvironment env;
  std::string_view os = conda_subdir.substr(0, conda_subdir.find('-'));
  std::string_view arch = conda_subdir.find('-') == std::string_view::npos
                              ? std::string_view()
                              : conda_subdir.substr(conda_subdir.find('-') + 1);
  if (os == "linux") {
    env.os_name = "posix";
    env.sys_platform = "linux";
    env.platform_system = "Linux";
    env.platform_machine = arch == "64"        ? "x86_64"
                           : arch == "32"      ? "i686"
                           : arch == "aarch64" ? "aarch64"
                           : arch == "ppc64le" ? "ppc64le"
                           : arch == "s390x"   ? "s390x"
                           : arch == "armv7l"  ? "armv7l"
                                               : "";
  } else if (os == "osx") {
    env.os_name = "posix";
    env.sys_platform = "darwin";
    env.platform_system = "Darwin";
    env.platform_machine = arch == "64" ? "x86_64" : (arch == "arm64" ? "arm64" : "");
  } else if (os == "win") {
    env.os_name = "nt";
    env.sys_platform = "win32";
    env.platform_system = "Windows";
    env.platform_machine =
        arch == "64" ? "AMD64" : (arch == "32" ? "x86" : (arch == "arm64" ? "ARM64" : ""));
  }
  // "3.11.4" -> python_version "3.11"; "3.11" -> full version "3.11.0".
  std::string full(python_version);
  std::size_t dot1 = full.find('.');
  std::size_t dot2 = dot1 == std::string::npos ? std::string::npos : full.find('.', dot1 + 1);
  env.python_version = dot2 == std::string::npos ? full : full.substr(0, dot2);
  if (dot1 != std::string::npos && dot2 == std::string::npos) full += ".0";
  env.python_full_version = full;
  env.implementation_version = full;
  return env;
}

Result<Marker> Marker::parse(std::string_view text) {
  auto bad = [&](const std::string& why, std::size_t at) {
    std::string shown(text.substr(0, 200));
    if (text.size() > 200) shown += "...";
    return Error{ErrorKind::input,
                 "",
                 "invalid marker '" + printable(shown) + "': " + why + " at column " +
                     std::to_string(at + 1)};
  };
  if (text.size() > k_max_marker_length) {
    return bad("longer than " + std::to_string(k_max_marker_length) + " bytes", 0);
  }
  Marker m;
  Parser p{text, 0, 0, &m.m_nodes, {}, 0};
  std::uint32_t root = 0;
  if (!p.parse_or(root)) return bad(p.error, p.error_at);
  p.ws();
  if (p.i != text.size()) return bad("unexpected text after the marker", p.i);
  // Keep the root last so evaluate() and str() start from m_nodes.back().
  if (root + 1 != m.m_nodes.size()) m.m_nodes.push_back(m.m_nodes[root]);
  return m;
}

bool Marker::evaluate(const MarkerEnvironment& env, std::string_view extra) const {
  if (m_nodes.empty()) return true;
  return eval(static_cast<std::uint32_t>(m_nodes.size() - 1), env, extra);
}

bool Marker::eval(std::uint32_t k, const MarkerEnvironment& env, std::string_view extra) const {
  const Node& n = m_nodes[k];
  if (n.kind == Node::Kind::and_) {
    for (auto c : n.children) {
      if (!eval(c, env, extra)) return false;
    }
    return true;
  }
  if (n.kind == Node::Kind::or_) {
    for (auto c : n.children) {
      if (eval(c, env, extra)) return true;
    }
    return false;
  }
  std::string key;
  auto value_of = [&](const std::string& side, bool is_variable, bool& defined) -> std::string {
    if (!is_variable) return side;
    if (key.empty()) key = side;
    if (side == "extra") return std::string(extra);
    if (side == "extras" || side == "dependency_groups") {
      defined = false;
      return "";
    }
    const std::string* v = env.find(side);
    return v ? *v : std::string();
  };
  bool defined = true;
  std::string lhs = value_of(n.lhs, n.lhs_is_variable, defined);
  std::string rhs = value_of(n.rhs, n.rhs_is_variable, defined);
  if (!defined) return false;
  if (key == "extra") return string_op(normalize_name(lhs), n.op, normalize_name(rhs));
  if (is_version_key(key) && n.op != "in" && n.op != "not in") {
    // An interpreter built from an untagged checkout reports "3.11.1+".
    if (key == "python_full_version") {
      if (n.lhs_is_variable && lhs.ends_with('+')) lhs.pop_back();
      if (n.rhs_is_variable && rhs.ends_with('+')) rhs.pop_back();
    }
    auto spec = Specifier::parse(n.op + rhs);
    if (spec) {
      if (spec->op == Specifier::Op::arbitrary) {
        return std::equal(lhs.begin(),
                          lhs.end(),
                          spec->version_text.begin(),
                          spec->version_text.end(),
                          [](char a, char b) {
                            return std::tolower(static_cast<unsigned char>(a)) ==
                                   std::tolower(static_cast<unsigned char>(b));
                          });
      }
      auto v = Version::parse(lhs);
      return v.ok() && spec->contains(*v);
    }
  }
  return string_op(lhs, n.op, rhs);
}

std::string Marker::str() const {
  std::string out;
  if (!m_nodes.empty()) print(static_cast<std::uint32_t>(m_nodes.size() - 1), out);
  return out;
}

void Marker::print(std::uint32_t k, std::string& out) const {
  const Node& n = m_nodes[k];
  if (n.kind == Node::Kind::compare) {
    out += n.lhs_is_variable ? n.lhs : quoted(n.lhs);
    out += ' ';
    out += n.op;
    out += ' ';
    out += n.rhs_is_variable ? n.rhs : quoted(n.rhs);
    return;
  }
  const char* joiner = n.kind == Node::Kind::and_ ? " and " : " or ";
  for (std::size_t c = 0; c < n.children.size(); ++c) {
    if (c) out += joiner;
    const Node& child = m_nodes[n.children[c]];
    // "or" binds looser than "and": an or-group inside an and-group needs parentheses.
    bool parens = n.kind == Node::Kind::and_ && child.kind == Node::Kind::or_;
    if (parens) out += '(';
    print(n.children[c], out);
    if (parens) out += ')';
  }
}

bool Marker::mentions_extra() const {
  return std::any_of(m_nodes.begin(), m_nodes.end(), [](const Node& n) {
    return n.kind == Node::Kind::compare &&
           ((n.lhs_is_variable && n.lhs == "extra") || (n.rhs_is_variable && n.rhs == "extra"));
  });
}

}  // namespace envlock::pypi
