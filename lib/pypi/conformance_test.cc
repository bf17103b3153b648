// Runs the test tables of pypa/packaging (../shared/corpus/conformance/pypa-packaging, read in
// place) against lib/pypi. The tables are read out of the Python files at test time: every
// `@pytest.mark.parametrize` table, the module-level lists they use, and a few assertion shapes
// in test bodies. A table's rows run through the handler registered for its test; a test
// without a handler, a failing row, or a row whose values are not plain literals must be listed
// in conformance_exceptions.md with a reason; a listed entry that passes or matches nothing
// fails the test, so the list stays exact.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lib/pypi/marker.h"
#include "lib/pypi/name.h"
#include "lib/pypi/requirement.h"
#include "lib/pypi/specifier.h"
#include "lib/pypi/tags.h"
#include "lib/pypi/version.h"
#include "lib/testing/testing.h"
#include "lib/util/text.h"

namespace envlock::pypi {
namespace {

// ---------------------------------------------------------------------------------------------
// Python literals: enough of the expression language to read the tables.

struct Py {
  enum class K { none, boolean, integer, str, list, tuple, set, call, unparsed };
  K k = K::unparsed;
  bool b = false;
  std::int64_t i = 0;
  std::string s;  ///< str value, call name, or why unparsed
  std::vector<Py> items;

  static Py unparsed(std::string why) {
    Py p;
    p.s = std::move(why);
    return p;
  }
  bool ok() const {
    if (k == K::unparsed) return false;
    return std::all_of(items.begin(), items.end(), [](const Py& p) { return p.ok(); });
  }
  bool is_seq() const { return k == K::list || k == K::tuple || k == K::set; }
};

class Module;

struct PyParser {
  const std::string& src;
  std::size_t i;
  const Module* module;
  std::map<std::string, Py> locals;

  void ws() {
    while (i < src.size()) {
      char c = src[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\\') {
        ++i;
      } else if (c == '#') {
        while (i < src.size() && src[i] != '\n') ++i;
      } else {
        break;
      }
    }
  }
  bool eat(char c) {
    ws();
    if (i < src.size() && src[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    ws();
    return i < src.size() && src[i] == c;
  }
  static bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  std::string ident() {
    ws();
    std::size_t b = i;
    while (i < src.size() && ident_char(src[i])) ++i;
    return src.substr(b, i - b);
  }
  bool keyword_ahead(const std::string& w) {
    ws();
    return src.compare(i, w.size(), w) == 0 &&
           (i + w.size() >= src.size() || !ident_char(src[i + w.size()]));
  }

  Py expr();
  Py sum();
  Py product();
  Py postfix();
  Py atom();
  Py string_atom();
  Py sequence(char close, Py::K kind);
  // Skips a balanced expression (for keyword arguments and things we ignore).
  void skip_expr() {
    int depth = 0;
    ws();
    while (i < src.size()) {
      char c = src[i];
      if (c == '\'' || c == '"') {
        string_atom();
        continue;
      }
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) return;
        --depth;
      }
      if (c == ',' && depth == 0) return;
      ++i;
    }
  }
};

// One Python file: its text and its module-level assignments.
class Module {
 public:
  explicit Module(std::string name, std::string text)
      : m_name(std::move(name)), m_text(std::move(text)) {}
  const std::string& name() const { return m_name; }
  const std::string& text() const { return m_text; }
  // A module-level `NAME = <expr>` (unparsed when absent).
  Py global(const std::string& name) const {
    auto it = m_globals.find(name);
    if (it != m_globals.end()) return it->second;
    std::string needle = "\n" + name + " = ";
    std::size_t at = m_text.find(needle);
    if (at == std::string::npos) return Py::unparsed("name " + name);
    PyParser p{m_text, at + needle.size(), this, {}};
    Py v = p.expr();
    m_globals[name] = v;
    return v;
  }
  std::map<std::string, const Module*>
      imports;  ///< other modules by name (VERSIONS from test_version)

 private:
  std::string m_name, m_text;
  mutable std::map<std::string, Py> m_globals;
};

Py PyParser::expr() {
  Py v = sum();
  ws();
  // Conditional expressions and comparisons are beyond the tables' needs.
  if (keyword_ahead("if") || keyword_ahead("for")) return v;
  return v;
}

Py PyParser::sum() {
  Py v = product();
  while (true) {
    ws();
    if (i < src.size() && src[i] == '+') {
      ++i;
      Py r = product();
      if (v.k == Py::K::str && r.k == Py::K::str) {
        v.s += r.s;
      } else if (v.k == Py::K::list && r.k == Py::K::list) {
        v.items.insert(v.items.end(), r.items.begin(), r.items.end());
      } else if (v.k == Py::K::integer && r.k == Py::K::integer) {
        v.i += r.i;
      } else {
        v = Py::unparsed("'+' of unsupported operands");
      }
    } else {
      return v;
    }
  }
}

Py PyParser::product() {
  Py v = postfix();
  ws();
  if (i < src.size() && src[i] == '*' && (i + 1 >= src.size() || src[i + 1] != '*')) {
    ++i;
    Py r = postfix();
    if (v.k == Py::K::str && r.k == Py::K::integer && r.i >= 0 && r.i < 100000) {
      std::string out;
      for (std::int64_t k = 0; k < r.i; ++k) out += v.s;
      v.s = out;
    } else {
      v = Py::unparsed("'*' of unsupported operands");
    }
  }
  return v;
}

Py PyParser::postfix() {
  Py v = atom();
  while (true) {
    ws();
    if (i < src.size() && src[i] == '.') {
      ++i;
      std::string attr = ident();
      if (v.k == Py::K::call && v.items.empty() && v.i == -1) {
        v.s += "." + attr;  // dotted name still being built
        continue;
      }
      v = Py::unparsed("attribute ." + attr);
      if (peek('(')) {
        ++i;
        while (!peek(')') && i < src.size()) {
          skip_expr();
          eat(',');
        }
        eat(')');
      }
      continue;
    }
    if (i < src.size() && src[i] == '(' && v.k == Py::K::call && v.i == -1) {
      ++i;
      Py call;
      call.k = Py::K::call;
      call.s = v.s;
      while (!peek(')') && i < src.size()) {
        // keyword argument?
        std::size_t save = i;
        std::string name = ident();
        ws();
        if (!name.empty() && i < src.size() && src[i] == '=' && src[i + 1] != '=') {
          ++i;
          skip_expr();
        } else {
          i = save;
          call.items.push_back(expr());
        }
        if (!eat(',')) break;
      }
      if (!eat(')')) return Py::unparsed("unclosed call");
      std::string fn = call.s.substr(call.s.rfind('.') + 1);
      if (fn == "param" && call.s.starts_with("pytest")) {
        call.k = Py::K::tuple;
        call.s.clear();
      } else if ((fn == "set" || fn == "frozenset") && call.items.size() <= 1) {
        Py out;
        out.k = Py::K::set;
        if (!call.items.empty()) {
          if (!call.items[0].is_seq()) return Py::unparsed("set() of a non-literal");
          out.items = call.items[0].items;
        }
        return out;
      } else if (fn == "Version" || fn == "Tag") {
        call.s = fn;
      } else {
        return Py::unparsed("call " + call.s);
      }
      v = call;
      continue;
    }
    if (i < src.size() && src[i] == '[') return Py::unparsed("subscript");
    if (v.k == Py::K::call && v.i == -1) {
      // A bare name: a local, a global of this module or of an imported one.
      auto it = locals.find(v.s);
      if (it != locals.end()) return it->second;
      if (v.s.find('.') == std::string::npos) {
        Py g = module->global(v.s);
        if (g.k == Py::K::unparsed) {
          for (const auto& [_, m] : module->imports) {
            Py h = m->global(v.s);
            if (h.k != Py::K::unparsed) return h;
          }
        }
        return g;
      }
      return Py::unparsed("name " + v.s);
    }
    return v;
  }
}

Py PyParser::string_atom() {
  ws();
  std::string prefix;
  while (i < src.size() && std::isalpha(static_cast<unsigned char>(src[i])))
    prefix += static_cast<char>(std::tolower(src[i++]));
  bool raw = prefix.find('r') != std::string::npos;
  bool fmt = prefix.find('f') != std::string::npos;
  char q = src[i];
  bool triple = src.compare(i, 3, std::string(3, q)) == 0;
  i += triple ? 3 : 1;
  std::string out;
  while (i < src.size()) {
    if (triple ? src.compare(i, 3, std::string(3, q)) == 0 : src[i] == q) {
      i += triple ? 3 : 1;
      break;
    }
    char c = src[i];
    if (c == '\\' && !raw && i + 1 < src.size()) {
      char n = src[i + 1];
      i += 2;
      switch (n) {
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '0':
          out += '\0';
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case '\n':
          break;
        case 'x':
          out += static_cast<char>(std::stoi(src.substr(i, 2), nullptr, 16));
          i += 2;
          break;
        case 'u':
          envlock::append_utf8(
              out, static_cast<std::uint32_t>(std::stoul(src.substr(i, 4), nullptr, 16)));
          i += 4;
          break;
        case 'U':
          envlock::append_utf8(
              out, static_cast<std::uint32_t>(std::stoul(src.substr(i, 8), nullptr, 16)));
          i += 8;
          break;
        default:
          out += '\\';
          out += n;
          break;
      }
      continue;
    }
    if (c == '\\' && raw && i + 1 < src.size()) {
      out += c;
      out += src[i + 1];
      i += 2;
      continue;
    }
    out += c;
    ++i;
  }
  if (fmt && out.find('{') != std::string::npos) return Py::unparsed("f-string");
  Py p;
  p.k = Py::K::str;
  p.s = out;
  return p;
}

Py PyParser::sequence(char close, Py::K kind) {
  Py out;
  out.k = kind;
  std::size_t first_at = i;
  bool first = true;
  while (!peek(close) && i < src.size()) {
    std::size_t item_at = i;
    Py item = expr();
    if (first && keyword_ahead("for")) {
      // [TEMPLATE for NAMES in ITERABLE]: re-read TEMPLATE once per element.
      i += 3;
      std::vector<std::string> names;
      bool paren = eat('(');
      do {
        names.push_back(ident());
      } while (eat(','));
      if (paren) eat(')');
      ws();
      if (!keyword_ahead("in")) return Py::unparsed("comprehension");
      i += 2;
      Py iterable = expr();
      ws();
      if (keyword_ahead("for") || keyword_ahead("if") || !iterable.is_seq()) {
        while (i < src.size() && !peek(close)) skip_expr(), eat(',');
        eat(close);
        return Py::unparsed("comprehension");
      }
      if (!eat(close)) return Py::unparsed("comprehension");
      std::size_t end = i;
      Py result;
      result.k = kind;
      for (const Py& element : iterable.items) {
        PyParser sub{src, item_at, module, locals};
        if (names.size() == 1) {
          sub.locals[names[0]] = element;
        } else {
          if (!element.is_seq() || element.items.size() != names.size())
            return Py::unparsed("unpacking");
          for (std::size_t n = 0; n < names.size(); ++n) sub.locals[names[n]] = element.items[n];
        }
        result.items.push_back(sub.expr());
      }
      i = end;
      (void)first_at;
      return result;
    }
    first = false;
    ws();
    if (i < src.size() && src[i] == ':' && kind == Py::K::set) {
      return Py::unparsed("dict");
    }
    out.items.push_back(std::move(item));
    if (!eat(',')) break;
  }
  if (!eat(close)) return Py::unparsed("unclosed sequence");
  return out;
}

Py PyParser::atom() {
  ws();
  if (i >= src.size()) return Py::unparsed("end of text");
  char c = src[i];
  auto string_start = [&]() {
    std::size_t k = i;
    while (k < src.size() && k - i < 3 && std::strchr("rRbBfFuU", src[k])) ++k;
    return k < src.size() && (src[k] == '\'' || src[k] == '"');
  };
  if (c == '\'' || c == '"' || string_start()) {
    Py s = string_atom();
    // Adjacent literals concatenate.
    while (true) {
      ws();
      std::size_t save = i;
      if (i < src.size() && (src[i] == '\'' || src[i] == '"' || string_start())) {
        Py more = string_atom();
        if (s.k == Py::K::str && more.k == Py::K::str) {
          s.s += more.s;
        } else {
          s = Py::unparsed("f-string");
        }
      } else {
        i = save;
        return s;
      }
    }
  }
  if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
    bool neg = c == '-';
    if (neg) ++i;
    ws();
    std::size_t b = i;
    while (i < src.size() && (std::isdigit(static_cast<unsigned char>(src[i])) || src[i] == '_'))
      ++i;
    if (i < src.size() && src[i] == '.') return Py::unparsed("float");
    std::string digits;
    for (std::size_t k = b; k < i; ++k) {
      if (src[k] != '_') digits += src[k];
    }
    if (digits.empty() || digits.size() > 18) return Py::unparsed("number");
    Py p;
    p.k = Py::K::integer;
    p.i = std::stoll(digits) * (neg ? -1 : 1);
    return p;
  }
  if (c == '(') {
    ++i;
    if (eat(')')) {
      Py t;
      t.k = Py::K::tuple;
      return t;
    }
    std::size_t item_at = i;
    Py first = expr();
    if (eat(')')) return first;  // parenthesised expression
    i = item_at;
    return sequence(')', Py::K::tuple);
  }
  if (c == '[') {
    ++i;
    return sequence(']', Py::K::list);
  }
  if (c == '{') {
    ++i;
    return sequence('}', Py::K::set);
  }
  std::string name = ident();
  if (name.empty()) {
    ++i;
    return Py::unparsed(std::string("token '") + c + "'");
  }
  Py p;
  if (name == "None") {
    p.k = Py::K::none;
    return p;
  }
  if (name == "True" || name == "False") {
    p.k = Py::K::boolean;
    p.b = name == "True";
    return p;
  }
  if (name == "lambda" || name == "not") return Py::unparsed(name);
  // A name: resolved in postfix() (it may be the start of a dotted call).
  p.k = Py::K::call;
  p.s = name;
  p.i = -1;
  return p;
}

std::string show(const Py& p) {
  switch (p.k) {
    case Py::K::none:
      return "None";
    case Py::K::boolean:
      return p.b ? "True" : "False";
    case Py::K::integer:
      return std::to_string(p.i);
    case Py::K::str: {
      std::string out = "'";
      for (char c : p.s) {
        if (c == '\n')
          out += "\\n";
        else if (c == '\r')
          out += "\\r";
        else if (c == '\t')
          out += "\\t";
        else if (c == '\\')
          out += "\\\\";
        else if (c == '|')
          out += "\\|";
        else
          out += c;
      }
      return out + "'";
    }
    case Py::K::unparsed:
      return "<" + p.s + ">";
    default: {
      std::string out = p.k == Py::K::call
                            ? p.s + "("
                            : (p.k == Py::K::list ? "[" : (p.k == Py::K::set ? "{" : "("));
      for (std::size_t k = 0; k < p.items.size(); ++k) {
        if (k) out += ", ";
        out += show(p.items[k]);
      }
      return out + (p.k == Py::K::list ? "]" : (p.k == Py::K::set ? "}" : ")"));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The tables of one module: every parametrize decorator with the test it decorates.

using Row = std::map<std::string, Py>;

struct Table {
  std::string id;  ///< "<file>:<Class>.<test>" or "<file>:<test>"
  std::vector<Row> rows;
  std::string unparsed;  ///< why the table itself could not be read
};

std::vector<std::string> param_names(const Py& names) {
  std::vector<std::string> out;
  if (names.k == Py::K::str) {
    std::string cur;
    for (char c : names.s + ",") {
      if (c == ',') {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
      } else if (c != ' ') {
        cur += c;
      }
    }
  } else if (names.is_seq()) {
    for (const auto& n : names.items) out.push_back(n.s);
  }
  return out;
}

std::vector<Table> tables_of(const Module& module) {
  std::vector<Table> out;
  const std::string& text = module.text();
  std::string cls;
  std::vector<std::pair<std::vector<std::string>, Py>> pending;
  std::string pending_error;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    std::string stripped = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (line.starts_with("class ")) {
      cls = line.substr(6, line.find_first_of("(:") - 6);
    } else if (!line.empty() && line[0] != ' ' && !line.starts_with("@") &&
               !line.starts_with(")") && !line.starts_with("#")) {
      if (line.starts_with("def ")) cls.clear();
    }
    if (stripped.starts_with("@pytest.mark.parametrize(")) {
      PyParser p{text, pos + line.find('(') + 1, &module, {}};
      Py names = p.expr();
      p.eat(',');
      Py values = p.expr();
      pending.emplace_back(param_names(names), values);
      pos = p.i;
      continue;
    }
    if (stripped.starts_with("def test")) {
      std::string name = stripped.substr(4, stripped.find('(') - 4);
      bool top = line[0] != ' ';
      if (top) cls.clear();
      if (!pending.empty()) {
        Table t;
        t.id = module.name() + ":" + (cls.empty() ? "" : cls + ".") + name;
        t.rows.emplace_back();
        for (const auto& [names, values] : pending) {
          std::vector<Row> next;
          if (!values.is_seq()) {
            t.unparsed = "table " + show(values);
            break;
          }
          for (const Row& base : t.rows) {
            for (const Py& v : values.items) {
              Row r = base;
              if (names.size() == 1) {
                r[names[0]] = v;
              } else if (v.is_seq() && v.items.size() >= names.size()) {
                for (std::size_t n = 0; n < names.size(); ++n) r[names[n]] = v.items[n];
              } else {
                for (const auto& n : names) r[n] = Py::unparsed(show(v));
              }
              next.push_back(std::move(r));
            }
          }
          t.rows = std::move(next);
        }
        out.push_back(std::move(t));
        pending.clear();
      }
    }
    pos = eol + 1;
  }
  return out;
}

// The text of the body of `def <name>(` in `module` (up to the next def/class at its indent).
std::string body_of(const Module& module, const std::string& name) {
  const std::string& text = module.text();
  std::size_t at = text.find("def " + name + "(");
  if (at == std::string::npos) return "";
  std::size_t line_start = text.rfind('\n', at) + 1;
  std::size_t indent = at - line_start;
  std::size_t end = at;
  while (true) {
    end = text.find('\n', end + 1);
    if (end == std::string::npos) return text.substr(at);
    std::size_t k = end + 1;
    std::size_t spaces = 0;
    while (k < text.size() && text[k] == ' ') ++k, ++spaces;
    if (k < text.size() && text[k] != '\n' && spaces <= indent &&
        (text.compare(k, 4, "def ") == 0 || text.compare(k, 6, "class ") == 0 || text[k] == '@')) {
      return text.substr(at, end - at);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Handlers: one per upstream test; each returns "" when the row holds, else what went wrong.

using Handler = std::function<std::string(const Row&)>;

const Py& at(const Row& r, const std::string& name) {
  static const Py missing = Py::unparsed("missing parameter");
  auto it = r.find(name);
  return it == r.end() ? missing : it->second;
}

std::string expect(bool ok, const std::string& what) {
  return ok ? "" : what;
}

std::optional<Version> version_of(const Py& p) {
  std::string text =
      p.k == Py::K::call && p.s == "Version" && !p.items.empty() ? p.items[0].s : p.s;
  auto v = Version::parse(text);
  if (!v) return std::nullopt;
  return *v;
}

// pypa/packaging's effective pre-release policy for contains(): the call's argument, else the
// object's, else admitted (a single version is the "no final release" case of PEP 440).
Prereleases policy(const Py& call_arg, const Py& object_arg = Py{}) {
  for (const Py* p : {&call_arg, &object_arg}) {
    if (p->k == Py::K::boolean) return p->b ? Prereleases::allow : Prereleases::deny;
  }
  return Prereleases::allow;
}

bool set_contains(const std::string& spec, const Py& version, Prereleases p) {
  auto set = SpecifierSet::parse(spec);
  if (!set) return false;
  if (version.k == Py::K::call) {
    auto v = version_of(version);
    return v && set->contains(*v, p);
  }
  return set->contains(std::string_view(version.s), p);
}

std::string tags_text(const std::vector<Tag>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags) out.push_back(t.str());
  std::sort(out.begin(), out.end());
  std::string s;
  for (const auto& t : out) s += t + " ";
  return s;
}

// A marker environment from a dict-like Python set of (key, value)... the tables write dicts,
// which the reader refuses; handlers that need one are fed from `env_dict` below.
struct EnvRow {
  MarkerEnvironment env;
  std::string extra;
};

std::map<std::string, Handler> handlers() {
  std::map<std::string, Handler> h;
  auto ver = [](const std::string& t) { return Version::parse(t); };

  // test_version.py
  h["test_version.py:TestVersion.test_valid_versions"] = [=](const Row& r) {
    return expect(ver(at(r, "version").s).ok(), "rejected");
  };
  h["test_version.py:TestVersion.test_version_hash"] = [=](const Row& r) {
    auto a = ver(at(r, "version").s), b = ver(at(r, "version").s);
    return expect(a.ok() && b.ok() && a->hash() == b->hash(), "hash differs");
  };
  h["test_version.py:TestVersion.test_invalid_versions"] = [=](const Row& r) {
    return expect(!ver(at(r, "version").s).ok(), "accepted");
  };
  h["test_version.py:TestVersion.test_oversized_version_raises_valueerror"] =
      h["test_version.py:TestVersion.test_invalid_versions"];
  auto normalised = [=](const Row& r, const std::string& field) {
    auto v = ver(at(r, "version").s);
    if (!v) return std::string("rejected");
    return expect(v->str() == at(r, field).s, "str() is " + v->str());
  };
  h["test_version.py:TestVersion.test_normalized_versions"] = [=](const Row& r) {
    return normalised(r, "normalized");
  };
  h["test_version.py:TestVersion.test_version_str_repr"] = [=](const Row& r) {
    return normalised(r, "expected");
  };
  h["test_version.py:TestVersion.test_version_public"] = [=](const Row& r) {
    auto v = ver(at(r, "version").s);
    return expect(v && v->public_str() == at(r, "public").s, "public_str() differs");
  };
  h["test_version.py:TestVersion.test_version_base_version"] = [=](const Row& r) {
    auto v = ver(at(r, "version").s);
    return expect(v && v->base_str() == at(r, "base_version").s, "base_str() differs");
  };
  h["test_version.py:TestVersion.test_version_epoch"] = [=](const Row& r) {
    auto v = ver(at(r, "version").s);
    return expect(v && static_cast<std::int64_t>(v->epoch()) == at(r, "epoch").i, "epoch differs");
  };
  h["test_version.py:TestVersion.test_version_release"] = [=](const Row& r) {
    auto v = ver(at(r, "version").s);
    if (!v) return std::string("rejected");
    const Py& want = at(r, "release");
    bool same = want.items.size() == v->release().size();
    for (std::size_t k = 0; same && k < want.items.size(); ++k) {
      same = static_cast<std::uint64_t>(want.items[k].i) == v->release()[k];
    }
    return expect(same, "release differs");
  };
  h["test_version.py:TestVersion.test_version_local"] = [=](const Row& r) {
    auto v = ver(at(r, "version").s);
    const Py& want = at(r, "local");
    return expect(v && v->local() == (want.k == Py::K::none ? "" : want.s),
                  "local() is " + (v ? v->local() : ""));
  };
  h["test_version.py:TestVersion.test_version_pre"] = [=](const Row& r) {
    auto v = ver(at(r, "version").s);
    if (!v) return std::string("rejected");
    const Py& want = at(r, "pre");
    auto pre = v->pre();
    if (want.k == Py::K::none) return expect(!pre, "has a pre-release part");
    static const char* names[] = {"a", "b", "rc"};
    return expect(pre && want.items[0].s == names[static_cast<int>(pre->first)] &&
                      static_cast<std::int64_t>(pre->second) == want.items[1].i,
                  "pre() differs");
  };
  auto optional_number = [=](const Row& r,
                             const std::string& field,
                             std::optional<std::uint64_t> (Version::*get)() const) {
    auto v = ver(at(r, "version").s);
    if (!v) return std::string("rejected");
    const Py& want = at(r, field);
    auto got = ((*v).*get)();
    if (want.k == Py::K::none) return expect(!got, field + " present");
    return expect(got && static_cast<std::int64_t>(*got) == want.i, field + " differs");
  };
  h["test_version.py:TestVersion.test_version_dev"] = [=](const Row& r) {
    return optional_number(r, "dev", &Version::dev);
  };
  h["test_version.py:TestVersion.test_version_post"] = [=](const Row& r) {
    return optional_number(r, "post", &Version::post);
  };
  auto flag = [=](const Row& r, bool (Version::*get)() const) {
    auto v = ver(at(r, "version").s);
    return expect(v && ((*v).*get)() == at(r, "expected").b, "flag differs");
  };
  h["test_version.py:TestVersion.test_version_is_prerelease"] = [=](const Row& r) {
    return flag(r, &Version::is_prerelease);
  };
  h["test_version.py:TestVersion.test_version_is_devrelease"] = [=](const Row& r) {
    return flag(r, &Version::is_devrelease);
  };
  h["test_version.py:TestVersion.test_version_is_postrelease"] = [=](const Row& r) {
    return flag(r, &Version::is_postrelease);
  };

  // test_utils.py
  h["test_utils.py:test_canonicalize_name"] = [](const Row& r) {
    return expect(normalize_name(at(r, "name").s) == at(r, "expected").s, "normalised differently");
  };
  h["test_utils.py:test_canonicalize_name_invalid"] = [](const Row& r) {
    return expect(
        !is_valid_name(at(r, "name").s) && normalize_name(at(r, "name").s) == at(r, "expected").s,
        "accepted or normalised differently");
  };
  h["test_utils.py:test_is_normalized_name"] = [](const Row& r) {
    const std::string& name = at(r, "name").s;
    const std::string& expected = at(r, "expected").s;
    return expect(is_normalized_name(expected) && (name == expected || !is_normalized_name(name)),
                  "is_normalized_name differs");
  };
  h["test_utils.py:test_canonicalize_version"] = [](const Row& r) {
    const Py& in = at(r, "version");
    std::string text = in.k == Py::K::call ? in.items[0].s : in.s;
    auto v = Version::parse(text);
    std::string got = v ? v->canonical_str() : text;
    return expect(got == at(r, "expected").s, "canonical form is " + got);
  };
  h["test_utils.py:test_canonicalize_version_no_strip_trailing_zero"] = [](const Row& r) {
    auto v = Version::parse(at(r, "version").s);
    return expect(v && v->str() == at(r, "version").s, "str() differs");
  };
  h["test_utils.py:test_parse_wheel_filename"] = [](const Row& r) {
    auto w = parse_wheel_filename(at(r, "filename").s);
    if (!w) return "rejected: " + w.error().message;
    const Py& build = at(r, "build");
    std::string want_build;
    if (!build.items.empty()) want_build = std::to_string(build.items[0].i) + build.items[1].s;
    std::vector<Tag> want_tags;
    for (const auto& t : at(r, "tags").items)
      want_tags.push_back({t.items[0].s, t.items[1].s, t.items[2].s});
    auto want_version = version_of(at(r, "version"));
    if (w->name != at(r, "name").s) return "name is " + w->name;
    if (!want_version || w->version != want_version->str()) return "version is " + w->version;
    if (w->build != want_build) return "build is " + w->build;
    return expect(tags_text(w->tags) == tags_text(want_tags), "tags are " + tags_text(w->tags));
  };
  h["test_utils.py:test_parse_wheel_invalid_filename"] = [](const Row& r) {
    return expect(!parse_wheel_filename(at(r, "filename").s).ok(), "accepted");
  };
  h["test_utils.py:test_parse_wheel_unsorted_tags_valid_by_default"] = [](const Row& r) {
    return expect(parse_wheel_filename(at(r, "filename").s).ok(), "rejected");
  };
  h["test_utils.py:test_parse_sdist_filename"] = [](const Row& r) {
    auto s = parse_sdist_filename(at(r, "filename").s);
    auto v = version_of(at(r, "version"));
    return expect(s && v && s->name == at(r, "name").s && s->version == v->str(), "parts differ");
  };
  h["test_utils.py:test_parse_sdist_invalid_filename"] = [](const Row& r) {
    return expect(!parse_sdist_filename(at(r, "filename").s).ok(), "accepted");
  };

  // test_tags.py
  auto tag_fails = [](const Row& r) { return expect(!parse_tag(at(r, "tag").s).ok(), "accepted"); };
  h["test_tags.py:TestParseTag.test_empty_component_raises"] = tag_fails;
  h["test_tags.py:TestParseTag.test_invalid_interpreter_raises"] = tag_fails;
  h["test_tags.py:TestParseTag.test_invalid_component_count_raises"] = tag_fails;
  h["test_tags.py:TestParseTag.test_identifier_interpreter_is_valid"] = [](const Row& r) {
    auto t = parse_tag(at(r, "interpreter").s + "-none-any");
    return expect(t && t->size() == 1 && (*t)[0].interpreter == at(r, "interpreter").s, "rejected");
  };
  h["test_tags.py:TestMacOSPlatforms.test_binary_formats"] = [](const Row& r) {
    const Py& version = at(r, "version");
    auto got = mac_binary_formats(static_cast<int>(version.items[0].i),
                                  static_cast<int>(version.items[1].i),
                                  at(r, "arch").s);
    std::vector<std::string> want;
    for (const auto& f : at(r, "expected").items) want.push_back(f.s);
    return expect(got == want, "formats differ");
  };
  h["test_tags.py:TestMacOSPlatforms.test_macos_11"] = [](const Row& r) {
    int major = static_cast<int>(at(r, "major").i), minor = static_cast<int>(at(r, "minor").i);
    auto has = [](const std::vector<std::string>& v, const std::string& s) {
      return std::find(v.begin(), v.end(), s) != v.end();
    };
    auto x86 = mac_platforms(major, minor, "x86_64");
    auto arm = mac_platforms(major, minor, "arm64");
    bool ok = !has(x86, "macosx_11_0_arm64") && has(x86, "macosx_11_0_x86_64") &&
              !has(x86, "macosx_11_3_x86_64") && has(x86, "macosx_11_0_universal") &&
              has(x86, "macosx_11_0_universal2") && has(x86, "macosx_10_16_x86_64") &&
              has(x86, "macosx_10_15_x86_64") && has(x86, "macosx_10_15_universal2") &&
              has(x86, "macosx_10_4_x86_64") && !has(x86, "macosx_10_3_x86_64") &&
              has(arm, "macosx_11_0_arm64") && !has(arm, "macosx_11_3_arm64") &&
              !has(arm, "macosx_11_0_universal") && has(arm, "macosx_11_0_universal2") &&
              has(arm, "macosx_10_15_universal2") && !has(arm, "macosx_10_15_x86_64") &&
              !has(arm, "macosx_10_4_x86_64") && !has(arm, "macosx_10_3_x86_64");
    if (major >= 12) {
      ok = ok && has(x86, "macosx_12_0_x86_64") && has(x86, "macosx_12_0_universal") &&
           has(x86, "macosx_12_0_universal2") && has(arm, "macosx_12_0_arm64") &&
           has(arm, "macosx_12_0_universal2");
    }
    return expect(ok, "platform list differs");
  };
  h["test_tags.py:TestCPythonTags.test_skip_redundant_abis"] = [](const Row& r) {
    std::vector<std::string> abis;
    for (const auto& a : at(r, "abis").items) abis.push_back(a.s);
    auto got = cpython_tags(3, 0, abis, {"any"});
    return expect(got.size() == 1 && got[0].str() == "cp30-none-any", "tags differ");
  };

  // test_markers.py
  h["test_markers.py:TestMarker.test_parses_invalid"] = [](const Row& r) {
    return expect(!Marker::parse(at(r, "marker_string").s).ok(), "accepted");
  };
  h["test_markers.py:TestMarker.test_parses_invalid_trailing_line_break"] = [](const Row& r) {
    return expect(!Marker::parse("python_version >= \"3\"" + at(r, "line_break").s).ok(),
                  "accepted");
  };
  h["test_markers.py:TestMarker.test_parses_trailing_horizontal_whitespace"] = [](const Row& r) {
    auto m = Marker::parse("python_version >= \"3\"" + at(r, "whitespace").s);
    return expect(m && m->str() == "python_version >= \"3\"", "differs");
  };
  h["test_markers.py:TestMarker.test_parses_invalid_malformed_quoted_string"] = [](const Row& r) {
    return expect(!Marker::parse(at(r, "marker_string").s).ok(), "accepted");
  };
  h["test_markers.py:TestMarker.test_str_repr_eq_hash"] = [](const Row& r) {
    auto m = Marker::parse(at(r, "marker_string").s);
    auto again = Marker::parse(at(r, "expected").s);
    if (!m || !again) return std::string("rejected");
    return expect(m->str() == at(r, "expected").s && again->str() == m->str(),
                  "str() is " + m->str());
  };
  h["test_markers.py:TestMarker.test_different_markers_different_hashes"] = [](const Row& r) {
    auto a = Marker::parse(at(r, "example1").s), b = Marker::parse(at(r, "example2").s);
    return expect(a && b && a->str() != b->str(), "same str()");
  };
  h["test_markers.py:TestMarker.test_parses_valid"] = [](const Row& r) {
    return expect(Marker::parse(at(r, "marker_string").s).ok(), "rejected");
  };
  h["test_markers.py:TestMarker.test_parses_pep345_valid"] =
      h["test_markers.py:TestMarker.test_parses_valid"];
  h["test_markers.py:TestMarker.test_parses_setuptools_legacy_valid"] =
      h["test_markers.py:TestMarker.test_parses_valid"];

  // test_requirements.py
  h["test_requirements.py:test_normalized_requirements"] = [](const Row& r) {
    auto q = parse_requirement(at(r, "input_req").s);
    if (!q) return "rejected: " + q.error().message;
    return expect(q->str() == at(r, "norm_req").s, "str() is " + q->str());
  };
  h["test_requirements.py:TestRequirementParsing.test_valid_marker"] = [](const Row& r) {
    return expect(parse_requirement("name; " + at(r, "marker").s).ok(), "rejected");
  };
  h["test_requirements.py:TestRequirementParsing.test_file_url"] = [](const Row& r) {
    auto q = parse_requirement("name @ " + at(r, "url").s);
    return expect(q && q->url == at(r, "url").s, "url differs");
  };
  h["test_requirements.py:TestRequirementParsing.test_error_when_suffixed_with_line_break"] =
      [](const Row& r) {
        return expect(!parse_requirement(at(r, "requirement").s + at(r, "line_break").s).ok(),
                      "accepted");
      };
  h["test_requirements.py:TestRequirementParsing.test_trailing_horizontal_whitespace"] =
      [](const Row& r) {
        auto q = parse_requirement("name>=1" + at(r, "whitespace").s);
        return expect(q && q->str() == "name>=1", "differs");
      };
  h["test_requirements.py:TestRequirementParsing.test_error_when_prefix_match_uses_post_release"] =
      [](const Row& r) {
        return expect(!parse_requirement("name " + at(r, "operator").s + " 1.2.3.post4.*").ok(),
                      "accepted");
      };
  h["test_requirements.py:TestRequirementParsing.test_error_when_local_version_label_is_used_"
    "incorrectly"] = [](const Row& r) {
    return expect(
        !parse_requirement("name " + at(r, "operator").s + " 1.0+local.version.label").ok(),
        "accepted");
  };
  h["test_requirements.py:TestRequirementParsing.test_error_invalid_marker_malformed_quoted_"
    "string"] = [](const Row& r) {
    return expect(!parse_requirement(at(r, "to_parse").s).ok(), "accepted");
  };
  h["test_requirements.py:TestRequirementBehaviour.test_str_and_repr"] = [](const Row& r) {
    std::string text = "name" + at(r, "extras").s + at(r, "url_or_specifier").s + at(r, "marker").s;
    auto q = parse_requirement(text);
    std::string want = text;
    while (!want.empty() && want.back() == ' ') want.pop_back();
    while (!want.empty() && want.front() == ' ') want.erase(0, 1);
    if (!q) return "rejected: " + q.error().message;
    return expect(q->str() == want, "str() is " + q->str());
  };
  h["test_requirements.py:TestRequirementBehaviour.test_equal_reqs_equal_hashes"] =
      [](const Row& r) {
        auto a = parse_requirement(at(r, "dep1").s), b = parse_requirement(at(r, "dep2").s);
        return expect(a && b && a->str() == b->str(), "str() differs");
      };
  h["test_requirements.py:TestRequirementBehaviour.test_different_reqs_different_hashes"] =
      [](const Row& r) {
        auto a = parse_requirement(at(r, "dep1").s), b = parse_requirement(at(r, "dep2").s);
        return expect(a && b && a->str() != b->str(), "same str()");
      };
  h["test_requirements.py:test_basic_valid_requirement_parsing"] = [](const Row& r) {
    auto fill = [](std::string s, const std::string& ws) {
      std::string out;
      for (std::size_t k = 0; k < s.size(); ++k) {
        if (s.compare(k, 4, "{ws}") == 0) {
          out += ws;
          k += 3;
        } else {
          out += s[k];
        }
      }
      return out;
    };
    const std::string& ws = at(r, "whitespace").s;
    const Py& url = at(r, "url");
    const Py& marker = at(r, "marker");
    std::vector<std::string> extras;
    for (const auto& e : at(r, "extras").items) extras.push_back(e.s);
    std::sort(extras.begin(), extras.end());
    std::vector<std::string> parts{at(r, "name").s};
    if (!extras.empty()) {
      parts.push_back("[");
      std::string joined;
      for (std::size_t k = 0; k < extras.size(); ++k)
        joined += (k ? ws + "," + ws : "") + extras[k];
      parts.push_back(joined);
      parts.push_back("]");
    }
    std::string spec = at(r, "specifier").s;
    if (!spec.empty()) parts.push_back(fill(spec, ws));
    if (url.k == Py::K::str) {
      parts.push_back("@");
      parts.push_back(fill(url.s, ws));
    }
    if (marker.k == Py::K::str) {
      parts.push_back(url.k == Py::K::str ? " ;" : ";");
      parts.push_back(fill(marker.s, ws));
    }
    std::string text;
    for (std::size_t k = 0; k < parts.size(); ++k) text += (k ? ws : "") + parts[k];
    auto q = parse_requirement(text);
    if (!q) return "rejected: " + q.error().message;
    std::vector<std::string> got = q->extras;
    std::sort(got.begin(), got.end());
    std::string want_spec = fill(spec, "");
    if (want_spec.starts_with("(")) want_spec = want_spec.substr(1, want_spec.size() - 2);
    auto want_set = SpecifierSet::parse(want_spec);
    std::string want_marker;
    if (marker.k == Py::K::str) want_marker = Marker::parse(fill(marker.s, "")).value().str();
    if (q->name != at(r, "name").s) return "name is " + q->name;
    if (got != extras) return std::string("extras differ");
    if (q->url != (url.k == Py::K::str ? url.s : "")) return "url is " + q->url;
    if (!want_set || q->specifier.str() != want_set->str())
      return "specifier is " + q->specifier.str();
    return expect((q->marker ? q->marker->str() : "") == want_marker, "marker differs");
  };

  // test_specifiers.py
  h["test_specifiers.py:TestSpecifier.test_specifiers_valid"] = [](const Row& r) {
    return expect(Specifier::parse(at(r, "specifier").s).ok(), "rejected");
  };
  h["test_specifiers.py:TestSpecifier.test_specifiers_hash"] =
      h["test_specifiers.py:TestSpecifier.test_specifiers_valid"];
  h["test_specifiers.py:TestSpecifier.test_specifiers_invalid"] = [](const Row& r) {
    return expect(!Specifier::parse(at(r, "specifier").s).ok(), "accepted");
  };
  h["test_specifiers.py:TestSpecifier.test_specifiers_normalized"] = [](const Row& r) {
    const std::string& v = at(r, "version").s;
    std::vector<std::string> ops =
        v.find('+') == std::string::npos
            ? std::vector<std::string>{"~=", "==", "!=", "<=", ">=", "<", ">"}
            : std::vector<std::string>{"==", "!="};
    for (const auto& op : ops) {
      if (!Specifier::parse(op + v).ok()) return "rejected with " + op;
    }
    return std::string();
  };
  auto str_of_set = [](const Row& r) {
    auto s = SpecifierSet::parse(at(r, "specifier").s);
    return expect(s && s->str() == at(r, "expected").s, "str() is " + (s ? s->str() : ""));
  };
  h["test_specifiers.py:TestSpecifier.test_specifiers_str_and_repr"] = str_of_set;
  h["test_specifiers.py:TestSpecifierSet.test_specifiers_str_and_repr"] = str_of_set;
  h["test_specifiers.py:TestSpecifierSet.test_specifiers_hash"] = [](const Row& r) {
    return expect(SpecifierSet::parse(at(r, "specifier").s).ok(), "rejected");
  };
  h["test_specifiers.py:TestSpecifier.test_specifiers"] = [](const Row& r) {
    return expect(set_contains(at(r, "spec_str").s, at(r, "version"), Prereleases::allow) ==
                      at(r, "expected").b,
                  "contains differs");
  };
  h["test_specifiers.py:TestSpecifier.test_invalid_version"] = [](const Row& r) {
    return expect(set_contains(at(r, "spec_str").s, at(r, "version"), Prereleases::allow) ==
                      at(r, "expected").b,
                  "contains differs");
  };
  h["test_specifiers.py:TestSpecifier.test_specifier_prereleases_set"] = [](const Row& r) {
    const std::string& spec = at(r, "specifier").s;
    bool first = set_contains(spec, at(r, "version"), policy(at(r, "initial_prereleases")));
    bool second = set_contains(spec, at(r, "version"), policy(at(r, "set_prereleases")));
    return expect(first == at(r, "initial_contains").b && second == at(r, "final_contains").b,
                  "contains differs");
  };
  h["test_specifiers.py:TestSpecifier.test_arbitrary_equality"] = [](const Row& r) {
    return expect(set_contains(at(r, "spec_str").s, at(r, "version"), Prereleases::allow) ==
                      at(r, "expected").b,
                  "contains differs");
  };
  h["test_specifiers.py:TestSpecifier.test_arbitrary_equality_normalization"] =
      h["test_specifiers.py:TestSpecifier.test_invalid_version"];
  h["test_specifiers.py:TestSpecifier.test_specifier_prereleases_detection"] = [](const Row& r) {
    auto s = Specifier::parse(at(r, "specifier").s);
    return expect(s && s->names_prerelease() == at(r, "expected").b, "names_prerelease differs");
  };
  h["test_specifiers.py:TestSpecifier.test_specifiers_prereleases"] = [](const Row& r) {
    Prereleases p = policy(at(r, "contains_pre"), at(r, "spec_pre"));
    return expect(set_contains(at(r, "specifier").s, at(r, "version"), p) == at(r, "expected").b,
                  "contains differs");
  };
  h["test_specifiers.py:TestSpecifier.test_specifier_operator_property"] = [](const Row& r) {
    auto s = Specifier::parse(at(r, "spec").s);
    if (!s) return std::string("rejected");
    std::string got = s->str();
    return expect(got.substr(0, at(r, "op").s.size()) == at(r, "op").s &&
                      got.size() > at(r, "op").s.size() &&
                      !std::strchr("=<>~!", got[at(r, "op").s.size()]),
                  "operator differs");
  };
  h["test_specifiers.py:TestSpecifier.test_specifier_version_property"] = [](const Row& r) {
    auto s = Specifier::parse(at(r, "spec").s);
    return expect(s && s->version_text + (s->wildcard ? ".*" : "") == at(r, "version").s,
                  "version differs");
  };
  h["test_specifiers.py:TestSpecifier.test_length"] = [](const Row& r) {
    auto s = SpecifierSet::parse(at(r, "spec_str").s);
    return expect(s && static_cast<std::int64_t>(s->clauses().size()) == at(r, "expected_length").i,
                  "length differs");
  };
  h["test_specifiers.py:TestSpecifier.test_iteration"] = [](const Row& r) {
    auto s = SpecifierSet::parse(at(r, "spec_str").s);
    if (!s) return std::string("rejected");
    std::set<std::string> got, want;
    for (const auto& c : s->clauses()) got.insert(c.str());
    for (const auto& w : at(r, "expected_items").items) want.insert(w.s);
    return expect(got == want, "clauses differ");
  };
  h["test_specifiers.py:TestSpecifierSet.test_empty_specifier"] = [](const Row& r) {
    return expect(set_contains("", at(r, "version"), Prereleases::allow), "not contained");
  };
  h["test_specifiers.py:TestSpecifierSet.test_specifier_prereleases_explicit"] = [](const Row& r) {
    const std::string& spec = at(r, "spec_str").s;
    bool first = set_contains(spec, at(r, "version"), policy(at(r, "initial_prereleases")));
    bool second = set_contains(spec, at(r, "version"), policy(at(r, "set_prereleases")));
    return expect(first == at(r, "initial_contains").b && second == at(r, "final_contains").b,
                  "contains differs");
  };
  h["test_specifiers.py:TestSpecifierSet.test_specifier_contains_installed_prereleases"] =
      [](const Row& r) {
        auto v = version_of(at(r, "version"));
        Prereleases p = policy(at(r, "contains_prereleases"), at(r, "spec_prereleases"));
        // An installed pre-release is always admitted (PEP 440's first default).
        if (at(r, "installed").k == Py::K::boolean && at(r, "installed").b && v &&
            v->is_prerelease()) {
          p = Prereleases::allow;
        }
        return expect(
            set_contains(at(r, "specifier").s, at(r, "version"), p) == at(r, "expected").b,
            "contains differs");
      };
  h["test_specifiers.py:TestSpecifierSet.test_specifiers_combine"] = [](const Row& r) {
    auto a = SpecifierSet::parse(at(r, "left").s), b = SpecifierSet::parse(at(r, "right").s);
    auto c = SpecifierSet::parse(at(r, "expected").s);
    return expect(a && b && c && (*a & *b).str() == c->str(), "combination differs");
  };
  h["test_specifiers.py:TestSpecifierSet.test_contains_exclusionary_bridges"] = [](const Row& r) {
    return expect(
        set_contains(at(r, "specifier").s, at(r, "version"), policy(at(r, "prereleases"))) ==
            at(r, "expected").b,
        "contains differs");
  };
  h["test_specifiers.py:TestSpecifierSet.test_contains_rejects_invalid_specifier"] =
      [](const Row& r) {
        return expect(!set_contains(at(r, "specifier").s, at(r, "input"), Prereleases::allow),
                      "contained");
      };
  h["test_specifiers.py:TestSpecifierSet.test_contains_post_release_boundary_intersection"] =
      [](const Row& r) {
        return expect(set_contains(at(r, "spec_str").s, at(r, "version"), Prereleases::allow) ==
                          at(r, "expected").b,
                      "contains differs");
      };
  h["test_specifiers.py:TestSpecifierSet.test_contains_oversized_version_raises_valueerror"] =
      [](const Row& r) {
        return expect(!SpecifierSet::parse(at(r, "specifier").s).ok(), "accepted");
      };
  h["test_specifiers.py:TestSpecifierSet.test_contains_arbitrary_equality_contains"] =
      [](const Row& r) {
        return expect(set_contains(at(r, "specifier").s, at(r, "version"), Prereleases::allow) ==
                          at(r, "expected").b,
                      "contains differs");
      };
  h["test_specifiers.py:TestSpecifierSet.test_contains_arbitrary_equality_normalization"] =
      h["test_specifiers.py:TestSpecifier.test_invalid_version"];
  h["test_specifiers.py:TestSpecifierSet.test_comparison_ignores_local"] = [](const Row& r) {
    auto v = Version::parse(at(r, "version").s);
    auto s = SpecifierSet::parse(at(r, "specifier").s);
    return expect(v && s && s->contains(*v, Prereleases::allow) == at(r, "expected").b,
                  "contains differs");
  };
  return h;
}

// Marker evaluation tables write their environments as dicts, which the literal reader does
// not build; these rows are read with a dedicated pattern: (marker, {key: value, ...}, bool).
std::optional<std::pair<MarkerEnvironment, std::string>> env_from(const std::string& dict_text) {
  MarkerEnvironment env{};
  env.implementation_name.clear();
  env.platform_python_implementation.clear();
  std::string extra;
  Module m("dict", dict_text);
  PyParser p{dict_text, 0, &m, {}};
  if (!p.eat('{')) return std::nullopt;
  while (!p.peek('}')) {
    Py key = p.expr();
    if (!p.eat(':')) return std::nullopt;
    Py value = p.expr();
    if (key.k != Py::K::str || (value.k != Py::K::str && value.k != Py::K::none))
      return std::nullopt;
    std::string v = value.k == Py::K::none ? "" : value.s;
    if (key.s == "extra") {
      extra = v;
    } else {
      std::string* field = const_cast<std::string*>(env.find(key.s));
      if (!field) return std::nullopt;
      *field = v;
    }
    if (!p.eat(',')) break;
  }
  return std::make_pair(env, extra);
}

// ---------------------------------------------------------------------------------------------

struct Exceptions {
  std::map<std::string, std::string> reasons;
  std::set<std::string> used;
};

Exceptions read_exceptions() {
  Exceptions e;
  std::ifstream in(testing::workspace_dir() + "/lib/pypi/conformance_exceptions.md");
  BOOST_REQUIRE_MESSAGE(in, "lib/pypi/conformance_exceptions.md is missing");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| `")) continue;
    std::size_t end = line.find("` |");
    if (end == std::string::npos) continue;
    e.reasons[line.substr(3, end - 3)] = line.substr(end + 3);
  }
  return e;
}

struct Outcome {
  int passed = 0, excepted = 0;
  std::vector<std::string> failures;
};

// Records one row's result against the exceptions list.
void record(Outcome& o, Exceptions& ex, const std::string& id, const std::string& error) {
  bool listed = ex.reasons.count(id) > 0;
  if (listed) ex.used.insert(id);
  if (error.empty()) {
    if (listed)
      o.failures.push_back(id + ": listed in conformance_exceptions.md but passes");
    else
      ++o.passed;
  } else {
    if (listed)
      ++o.excepted;
    else
      o.failures.push_back(id + ": " + error);
  }
}

BOOST_AUTO_TEST_SUITE(pypi_conformance)

BOOST_AUTO_TEST_CASE(pypa_packaging_tables) {
  std::string dir = testing::corpus_dir() + "/conformance/pypa-packaging/";
  std::vector<std::unique_ptr<Module>> modules;
  for (const char* f : {"test_version.py",
                        "test_utils.py",
                        "test_tags.py",
                        "test_markers.py",
                        "test_requirements.py",
                        "test_specifiers.py"}) {
    modules.push_back(std::make_unique<Module>(f, testing::read_text(dir + f)));
  }
  modules[5]->imports["test_version"] = modules[0].get();
  Exceptions ex = read_exceptions();
  Outcome o;
  auto table_handlers = handlers();

  for (const auto& module : modules) {
    for (const Table& t : tables_of(*module)) {
      if (ex.reasons.count(t.id)) {
        ex.used.insert(t.id);
        o.excepted += static_cast<int>(t.rows.size());
        continue;
      }
      auto h = table_handlers.find(t.id);
      if (h == table_handlers.end()) {
        o.failures.push_back(t.id + ": no handler and not listed as an exception");
        continue;
      }
      if (!t.unparsed.empty()) {
        o.failures.push_back(t.id + ": table not readable: " + t.unparsed);
        continue;
      }
      for (std::size_t k = 0; k < t.rows.size(); ++k) {
        std::string id = t.id + "[" + std::to_string(k) + "]";
        std::string error;
        bool readable = true;
        for (const auto& [name, value] : t.rows[k]) readable = readable && value.ok();
        if (!readable) {
          std::string shown;
          for (const auto& [name, value] : t.rows[k]) shown += name + "=" + show(value) + " ";
          error = "not plain literals: " + shown;
        } else {
          error = h->second(t.rows[k]);
          if (!error.empty()) {
            std::string shown;
            for (const auto& [name, value] : t.rows[k]) shown += name + "=" + show(value) + " ";
            error += " (" + shown + ")";
          }
        }
        record(o, ex, id, error);
      }
    }
  }

  // VERSIONS is in ascending order: every pair compares as its positions do (the six
  // operators of test_comparison_true/false).
  {
    Py versions = modules[0]->global("VERSIONS");
    BOOST_REQUIRE(versions.is_seq());
    std::vector<Version> parsed;
    for (const auto& v : versions.items) parsed.push_back(Version::parse(v.s).value());
    std::string error;
    for (std::size_t a = 0; a < parsed.size() && error.empty(); ++a) {
      for (std::size_t b = 0; b < parsed.size(); ++b) {
        auto want = a <=> b;
        auto got = parsed[a] <=> parsed[b];
        if (got != want) {
          error = versions.items[a].s + " vs " + versions.items[b].s;
          break;
        }
      }
    }
    record(o, ex, "test_version.py:VERSIONS.order", error);
  }

  // Marker grammar: every variable x operator x value, both ways round (test_parses_valid and
  // its PEP 345 / setuptools variants build these with str.format).
  for (const char* list : {"VARIABLES", "PEP_345_VARIABLES", "SETUPTOOLS_VARIABLES"}) {
    Py vars = modules[3]->global(list), ops = modules[3]->global("OPERATORS"),
       values = modules[3]->global("VALUES");
    BOOST_REQUIRE(vars.is_seq() && ops.is_seq() && values.is_seq());
    std::string error;
    for (const auto& var : vars.items) {
      for (const auto& op : ops.items) {
        for (const auto& value : values.items) {
          std::string quoted = "'" + value.s + "'";
          for (const std::string& text :
               {var.s + " " + op.s + " " + quoted, quoted + " " + op.s + " " + var.s}) {
            if (!Marker::parse(text).ok() && error.empty()) error = "rejected " + text;
          }
        }
      }
    }
    record(o, ex, std::string("test_markers.py:") + list + ".grammar", error);
  }

  // Marker evaluation rows: (marker, {env}, expected) tuples inside the evaluates tables.
  for (const char* test :
       {"test_evaluates", "test_evaluate_pep345_markers", "test_version_like_equality"}) {
    std::string body_start = "def " + std::string(test) + "(";
    const std::string& text = modules[3]->text();
    std::size_t def = text.find(body_start);
    std::size_t decorator = text.rfind("@pytest.mark.parametrize(", def);
    std::size_t list = text.find("[", text.find(")", decorator));
    // Each row is a parenthesised triple; walk them with the literal reader, dicts by env_from.
    std::size_t k = list + 1;
    int row = 0;
    while (true) {
      std::size_t open = text.find('(', k);
      if (open == std::string::npos || open > def) break;
      PyParser p{text, open + 1, modules[3].get(), {}};
      Py marker = p.expr();
      p.eat(',');
      p.ws();
      std::size_t env_at = p.i;
      std::string error;
      std::optional<std::pair<MarkerEnvironment, std::string>> env;
      if (text[env_at] == '{') {
        std::size_t close = text.find('}', env_at);
        env = env_from(text.substr(env_at, close - env_at + 1));
        p.i = close + 1;
      } else {
        Py none = p.expr();
        if (none.k == Py::K::none) {
          MarkerEnvironment empty{};
          empty.implementation_name.clear();
          empty.platform_python_implementation.clear();
          env = std::make_pair(empty, std::string());
        }
      }
      p.eat(',');
      Py expected = p.expr();
      p.eat(')');
      k = p.i;
      std::string id =
          std::string("test_markers.py:TestMarker.") + test + "[" + std::to_string(row++) + "]";
      if (marker.k != Py::K::str || !env || expected.k != Py::K::boolean) {
        error = "not plain literals (" + show(marker) + ")";
      } else if (auto parsed = Marker::parse(marker.s);
                 text[env_at] != '{' && !(parsed.ok() && parsed->mentions_extra())) {
        // With no environment, pypa/packaging evaluates in the running interpreter.
        error = "evaluates in the running interpreter's environment (" + marker.s + ")";
      } else {
        auto m = Marker::parse(marker.s);
        if (!m)
          error = "rejected " + marker.s;
        else if (m->evaluate(env->first, env->second) != expected.b)
          error = "evaluates differently: " + marker.s;
      }
      record(o, ex, id, error);
    }
  }

  // TestRequirementParsing.test_error_*: each `to_parse = "..."` must be refused.
  {
    const std::string& text = modules[4]->text();
    std::size_t k = 0;
    while ((k = text.find("    def test_error_", k)) != std::string::npos) {
      std::size_t name_end = text.find('(', k);
      std::string name = text.substr(k + 8, name_end - k - 8);
      std::string body = body_of(*modules[4], name);
      k = name_end;
      std::size_t assign = body.find("to_parse = ");
      if (assign == std::string::npos) continue;
      PyParser p{body, assign + 11, modules[4].get(), {}};
      Py value = p.expr();
      std::string id = "test_requirements.py:TestRequirementParsing." + name;
      if (value.k != Py::K::str) {
        record(o, ex, id, "not a plain literal");
      } else {
        record(o, ex, id, parse_requirement(value.s).ok() ? "accepted " + value.s : "");
      }
    }
  }

  // Tag generators called with explicit arguments in test bodies: list(tags.F(args)) compared
  // with a literal list.
  {
    const Module& tags_module = *modules[2];
    const std::string& text = tags_module.text();
    std::map<std::string, int> count;
    for (const char* fn : {"cpython_tags", "compatible_tags", "mac_platforms"}) {
      std::string needle = std::string("list(tags.") + fn + "(";
      std::size_t k = 0;
      while ((k = text.find(needle, k)) != std::string::npos) {
        std::size_t def = text.rfind("def ", k);
        std::string test = text.substr(def + 4, text.find('(', def) - def - 4);
        PyParser p{text, k + needle.size(), &tags_module, {}};
        std::vector<Py> args;
        std::map<std::string, Py> kwargs;
        while (!p.peek(')')) {
          std::size_t save = p.i;
          std::string kw = p.ident();
          p.ws();
          if (!kw.empty() && text[p.i] == '=' && text[p.i + 1] != '=') {
            ++p.i;
            kwargs[kw] = p.expr();
          } else {
            p.i = save;
            args.push_back(p.expr());
          }
          if (!p.eat(',')) break;
        }
        p.eat(')');
        k = p.i;
        // The expected list: the next "== [" in the same test.
        std::size_t eq = text.find("== [", k);
        std::size_t next_def = text.find("def ", k);
        std::string id =
            "test_tags.py:" + test + "." + fn + "#" + std::to_string(count[test + fn]++);
        if (eq == std::string::npos || eq > next_def) {
          record(o, ex, id, "no literal expected list");
          continue;
        }
        PyParser q{text, eq + 3, &tags_module, {}};
        Py want = q.expr();
        auto get = [&](std::size_t n, const char* kw) -> Py {
          if (n < args.size()) return args[n];
          auto it = kwargs.find(kw);
          return it == kwargs.end() ? Py::unparsed(std::string("default ") + kw) : it->second;
        };
        std::vector<std::string> got, expected;
        bool readable = want.ok();
        for (const auto& w : want.items) {
          if (w.k == Py::K::call && w.items.size() == 3)
            expected.push_back(w.items[0].s + "-" + w.items[1].s + "-" + w.items[2].s);
          else if (w.k == Py::K::str)
            expected.push_back(w.s);
          else
            readable = false;
        }
        Py version = get(0, "python_version");
        if (std::string(fn) == "mac_platforms") version = get(0, "version");
        readable = readable && version.k == Py::K::tuple && !version.items.empty();
        auto strs = [](const Py& list) {
          std::vector<std::string> out;
          for (const auto& x : list.items) out.push_back(x.s);
          return out;
        };
        if (readable) {
          int major = static_cast<int>(version.items[0].i);
          int minor = version.items.size() > 1 ? static_cast<int>(version.items[1].i) : -1;
          if (std::string(fn) == "cpython_tags") {
            Py abis = get(1, "abis"), platforms = get(2, "platforms");
            readable = abis.is_seq() && platforms.is_seq();
            if (readable)
              for (const auto& t : cpython_tags(major, minor, strs(abis), strs(platforms)))
                got.push_back(t.str());
          } else if (std::string(fn) == "compatible_tags") {
            Py interp = get(1, "interpreter"), platforms = get(2, "platforms");
            readable = interp.k == Py::K::str && platforms.is_seq();
            if (readable)
              for (const auto& t : python_tags(major, minor, interp.s, strs(platforms)))
                got.push_back(t.str());
          } else {
            Py arch = get(1, "arch");
            readable = arch.k == Py::K::str;
            if (readable) got = mac_platforms(major, minor, arch.s);
          }
        }
        if (!readable)
          record(o, ex, id, "arguments or expectation not plain literals");
        else
          record(o, ex, id, got == expected ? "" : "list differs");
      }
    }
  }

  for (const auto& [id, reason] : ex.reasons) {
    if (!ex.used.count(id))
      o.failures.push_back(id + ": listed in conformance_exceptions.md but matches nothing");
  }
  std::cout << "pypa/packaging conformance: " << o.passed << " passed, " << o.excepted
            << " listed exceptions, " << o.failures.size() << " failures\n";
  for (const auto& f : o.failures) BOOST_ERROR(f);
  BOOST_TEST(o.passed > 1000);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
