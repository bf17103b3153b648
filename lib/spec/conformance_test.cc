// Runs the conformance vectors of conda (every row) and mamba (the self-contained rows) from
// ../shared/corpus/conformance. Rows listed in conformance_exceptions.md are skipped; the test
// fails if a row is skipped that is not listed, or listed but not skipped.

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "lib/spec/match_spec.h"
#include "lib/spec/version.h"
#include "lib/spec/version_spec.h"
#include "lib/testing/testing.h"

namespace envlock::spec {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// A tiny evaluator for the Python expressions the conda vectors are written in.

struct NotSelfContained {
  std::string why;
};
struct Raised {
  std::string why;
};
struct None {};
struct ChannelValue {
  std::string channel;
};

using Value = std::variant<None, bool, std::int64_t, std::string, Version, VersionSpec, MatchSpec,
                           PackageRecord, ChannelValue>;

struct Parser {
  std::string_view s;
  std::size_t i = 0;
  const std::map<std::string, Value>* vars = nullptr;

  void ws() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  std::string ident() {
    ws();
    std::size_t b = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    return std::string(s.substr(b, i - b));
  }
  std::string string_literal() {
    char q = s[i++];
    std::string out;
    while (i < s.size() && s[i] != q) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        char n = s[i + 1];
        out += (n == 'n') ? '\n' : n;
        // Python keeps unknown escapes such as "\." verbatim.
        if (n != '\\' && n != '\'' && n != '"' && n != 'n') out.insert(out.size() - 1, "\\");
        i += 2;
      } else {
        out += s[i++];
      }
    }
    ++i;
    return out;
  }

  Value expr() {
    ws();
    Value v;
    if (i < s.size() && (s[i] == '\'' || s[i] == '"')) {
      v = string_literal();
    } else if (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      std::size_t b = i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      v = static_cast<std::int64_t>(std::stoll(std::string(s.substr(b, i - b))));
    } else if (i < s.size() && s[i] == '(') {
      throw NotSelfContained{"tuple argument"};
    } else {
      std::string name = ident();
      if (name.empty()) throw NotSelfContained{"unparsed expression"};
      if (eat('(')) {
        std::vector<Value> args = arguments();
        v = call(name, args);
      } else if (vars && vars->count(name)) {
        v = vars->at(name);
      } else if (name == "True") {
        v = true;
      } else if (name == "False") {
        v = false;
      } else if (name == "None") {
        v = None{};
      } else {
        throw NotSelfContained{"refers to '" + name + "', defined outside the extracted vector"};
      }
    }
    while (eat('.')) {
      std::string method = ident();
      if (eat('(')) {
        std::vector<Value> args = arguments();
        v = call_method(v, method, args);
      } else {
        v = attribute(v, method);
      }
    }
    return v;
  }
  std::vector<Value> arguments() {
    std::vector<Value> args;
    ws();
    if (eat(')')) return args;
    while (true) {
      ws();
      // keyword arguments are not supported
      std::size_t save = i;
      std::string maybe_kw = ident();
      ws();
      if (!maybe_kw.empty() && i < s.size() && s[i] == '=' &&
          (i + 1 >= s.size() || s[i + 1] != '=')) {
        throw NotSelfContained{"keyword arguments"};
      }
      i = save;
      args.push_back(expr());
      if (eat(')')) return args;
      if (!eat(',')) throw NotSelfContained{"unparsed arguments"};
    }
  }

  static const std::string& as_str(const Value& v) {
    if (auto p = std::get_if<std::string>(&v)) return *p;
    throw NotSelfContained{"argument is not a string"};
  }
  static Version version(const std::string& text) {
    auto r = Version::parse(text);
    if (!r.ok()) throw Raised{r.error().message};
    return std::move(r).value();
  }
  static VersionSpec vspec(const std::string& text) {
    auto r = VersionSpec::parse(text);
    if (!r.ok()) throw Raised{r.error().message};
    return std::move(r).value();
  }
  static MatchSpec mspec(const std::string& text) {
    auto r = MatchSpec::parse(text);
    if (!r.ok()) throw Raised{r.error().message};
    return std::move(r).value();
  }

  Value call(const std::string& f, const std::vector<Value>& a) {
    if (f == "VersionOrder" || f == "normalized_version") return version(as_str(a.at(0)));
    if (f == "VersionSpec") return vspec(as_str(a.at(0)));
    if (f == "ver_eval") return vspec(as_str(a.at(1))).contains(version(as_str(a.at(0))));
    if (f == "MatchSpec" && a.size() == 1) return mspec(as_str(a.at(0)));
    if (f == "_parse_spec_str") return mspec(as_str(a.at(0)));
    if (f == "m") return mspec(as_str(a.at(0))).str();
    if (f == "str" && a.size() == 1) {
      if (auto p = std::get_if<MatchSpec>(&a[0])) return p->str();
      if (auto p = std::get_if<VersionSpec>(&a[0])) return p->str();
    }
    if (f == "DPkg") {
      auto r = record_from_filename(as_str(a.at(0)));
      if (!r.ok()) throw Raised{r.error().message};
      r->channel = "defaults";
      return std::move(r).value();
    }
    if (f == "ChannelMatch") return ChannelValue{as_str(a.at(0))};
    throw NotSelfContained{"uses " + f + "()"};
  }

  static Value exact_value(const MatchSpec& ms, const std::string& field) {
    if (field == "name") {
      if (ms.name == "*" || ms.name.find('*') != std::string::npos) return None{};
      return ms.name;
    }
    if (field == "version") {
      if (!ms.version || !ms.version->is_exact()) return None{};
      std::string v = ms.version->str();
      return v.compare(0, 2, "==") == 0 ? v.substr(2) : v;
    }
    if (field == "build") {
      if (!ms.build || !ms.build->is_exact()) return None{};
      return ms.build->str();
    }
    throw NotSelfContained{"get_exact_value('" + field + "')"};
  }

  static std::int64_t strictness(const MatchSpec& ms) {
    int present = 1 + (ms.version ? 1 : 0) + (ms.build ? 1 : 0);
    int total = present + (ms.build_number ? 1 : 0) + (ms.channel ? 1 : 0) + (ms.subdir ? 1 : 0) +
                (ms.md5 ? 1 : 0) + (ms.sha256 ? 1 : 0) + (ms.url ? 1 : 0) + (ms.fn ? 1 : 0) +
                (ms.license ? 1 : 0) + (ms.track_features ? 1 : 0) + (ms.features ? 1 : 0);
    bool exact_name = ms.name != "*" && ms.name.find('*') == std::string::npos;
    if (present < total) return 3;
    if (!exact_name || ms.build) return 3;
    if (ms.version) return 2;
    return 1;
  }

  Value call_method(const Value& self, const std::string& m, const std::vector<Value>& a) {
    if (auto v = std::get_if<Version>(&self)) {
      if (m == "startswith") return v->starts_with(std::get<Version>(a.at(0)));
    }
    if (auto vs = std::get_if<VersionSpec>(&self)) {
      if (m == "match") return vs->contains(version(as_str(a.at(0))));
    }
    if (auto ms = std::get_if<MatchSpec>(&self)) {
      if (m == "match" && a.size() == 1 && std::holds_alternative<PackageRecord>(a[0])) {
        return ms->matches(std::get<PackageRecord>(a[0]));
      }
      if (m == "_is_simple") return ms->is_name_only();
      if (m == "get_exact_value") return exact_value(*ms, as_str(a.at(0)));
      if (m == "get" && as_str(a.at(0)) == "when") {
        return ms->when ? Value(*ms->when) : Value(None{});
      }
    }
    if (auto c = std::get_if<ChannelValue>(&self)) {
      if (m == "match") return channel_matches(c->channel, as_str(a.at(0)));
    }
    throw NotSelfContained{"uses ." + m + "()"};
  }
  Value attribute(const Value& self, const std::string& name) {
    if (auto ms = std::get_if<MatchSpec>(&self)) {
      if (name == "strictness") return strictness(*ms);
    }
    throw NotSelfContained{"uses ." + name};
  }
};

Value evaluate(const std::string& expr, const std::map<std::string, Value>& vars) {
  Parser p{expr, 0, &vars};
  Value v = p.expr();
  p.ws();
  if (p.i != expr.size()) throw NotSelfContained{"unparsed tail"};
  return v;
}

bool equal(const Value& a, const Value& b) {
  if (a.index() != b.index()) return false;
  if (auto x = std::get_if<Version>(&a)) return *x == std::get<Version>(b);
  if (auto x = std::get_if<bool>(&a)) return *x == std::get<bool>(b);
  if (auto x = std::get_if<std::int64_t>(&a)) return *x == std::get<std::int64_t>(b);
  if (auto x = std::get_if<std::string>(&a)) return *x == std::get<std::string>(b);
  if (auto x = std::get_if<MatchSpec>(&a)) return x->str() == std::get<MatchSpec>(b).str();
  if (std::holds_alternative<None>(a)) return true;
  throw NotSelfContained{"compares values of an unsupported type"};
}

Value from_json(const json& j) {
  if (j.is_null()) return None{};
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_string()) return j.get<std::string>();
  throw NotSelfContained{"expected value of an unsupported type"};
}

// Compares a parsed MatchSpec with conda's _parse_spec_str dict.
std::string compare_fields(const MatchSpec& ms, const json& want) {
  std::ostringstream diff;
  auto field = [&](const std::string& key, const std::optional<std::string>& got) {
    std::optional<std::string> w;
    if (want.contains(key)) w = want[key].get<std::string>();
    if (w != got)
      diff << key << ": got '" << got.value_or("<none>") << "' want '" << w.value_or("<none>")
           << "' ";
  };
  field("name", ms.name);
  field("channel", ms.channel);
  field("subdir", ms.subdir);
  field("md5", ms.md5);
  field("build", ms.build ? std::optional<std::string>(ms.build->str()) : std::nullopt);
  field("build_number",
        ms.build_number ? std::optional<std::string>(ms.build_number->str()) : std::nullopt);
  std::optional<std::string> wv;
  if (want.contains("version")) {
    auto parsed = VersionSpec::parse(want["version"].get<std::string>());
    wv = parsed.ok() ? parsed->str() : "<invalid>";
  }
  std::optional<std::string> gv =
      ms.version ? std::optional<std::string>(ms.version->str()) : std::nullopt;
  if (wv != gv)
    diff << "version: got '" << gv.value_or("<none>") << "' want '" << wv.value_or("<none>")
         << "' ";
  for (auto& [key, value] : want.items()) {
    static const std::set<std::string> known = {"_original_spec_str",
                                                "name",
                                                "channel",
                                                "subdir",
                                                "md5",
                                                "build",
                                                "build_number",
                                                "version"};
    if (!known.count(key)) throw NotSelfContained{"compares field '" + key + "'"};
  }
  return diff.str();
}

// One check: returns "" when it passes, else a failure description. Throws NotSelfContained.
std::string run_check(const json& check, const std::map<std::string, Value>& vars) {
  const std::string expr = check.at("expr").get<std::string>();
  if (check.contains("raises")) {
    try {
      evaluate(expr, vars);
    } catch (const Raised&) {
      return "";
    }
    return "expected an error, got success";
  }
  Value got;
  try {
    got = evaluate(expr, vars);
  } catch (const Raised& r) {
    return "unexpected error: " + r.why;
  }
  std::string op = check.value("op", "Eq");
  if (check.contains("expected") && check["expected"].is_object()) {
    auto ms = std::get_if<MatchSpec>(&got);
    if (!ms) throw NotSelfContained{"dict comparison on a non-MatchSpec"};
    return compare_fields(*ms, check["expected"]);
  }
  Value want;
  if (check.contains("expected")) {
    want = from_json(check["expected"]);
  } else if (check.contains("rhs_expr")) {
    try {
      want = evaluate(check["rhs_expr"].get<std::string>(), vars);
    } catch (const Raised& r) {
      return "unexpected error on the right side: " + r.why;
    }
  } else {
    throw NotSelfContained{"no expected value"};
  }
  bool same = equal(got, want);
  bool pass = (op == "Eq" || op == "Is") ? same : (op == "NotEq" ? !same : false);
  if (op != "Eq" && op != "Is" && op != "NotEq") throw NotSelfContained{"operator " + op};
  if (pass) return "";
  auto show = [](const Value& v) -> std::string {
    if (auto x = std::get_if<std::string>(&v)) return "'" + *x + "'";
    if (auto x = std::get_if<bool>(&v)) return *x ? "True" : "False";
    if (auto x = std::get_if<std::int64_t>(&v)) return std::to_string(*x);
    if (auto x = std::get_if<Version>(&v)) return "VersionOrder(" + x->str() + ")";
    if (std::holds_alternative<None>(v)) return "None";
    return "<value>";
  };
  return "got " + show(got) + ", want " + (op == "NotEq" ? "not " : "") + show(want);
}

// ---------------------------------------------------------------------------------------------

std::string python_repr(const json& components) {
  std::string out = "[";
  bool first_comp = true;
  for (const auto& comp : components) {
    if (!first_comp) out += ", ";
    first_comp = false;
    out += "[";
    bool first = true;
    for (const auto& atom : comp) {
      if (!first) out += ", ";
      first = false;
      if (atom.is_number_integer())
        out += std::to_string(atom.get<std::int64_t>());
      else if (atom.is_string())
        out += "'" + atom.get<std::string>() + "'";
      else if (atom.is_object())
        out += "inf";
    }
    out += "]";
  }
  return out + "]";
}

struct Outcome {
  std::string source;
  int total = 0;
  int passed = 0;
  std::set<std::string> skipped;
};

std::set<std::string> listed_exceptions() {
  std::ifstream in(testing::workspace_dir() + "/lib/spec/conformance_exceptions.md");
  BOOST_REQUIRE_MESSAGE(in, "lib/spec/conformance_exceptions.md not found");
  std::set<std::string> ids;
  std::string line;
  std::regex row(R"(^\| `([^`]+)` \|)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, row)) ids.insert(m[1]);
  }
  return ids;
}

void run_row(Outcome& out, const std::string& id, const std::set<std::string>& exceptions,
             const std::function<std::string()>& body) {
  if (exceptions.count(id)) {
    out.skipped.insert(id);
    return;
  }
  ++out.total;
  try {
    std::string failure = body();
    if (failure.empty()) {
      ++out.passed;
    } else {
      BOOST_ERROR(id << ": " << failure);
    }
  } catch (const NotSelfContained& e) {
    BOOST_ERROR(id << ": cannot run (" << e.why << ") and not listed in conformance_exceptions.md");
  } catch (const std::exception& e) {
    BOOST_ERROR(id << ": " << e.what());
  }
}

void check_sorted(const std::string& id_prefix, const json& rows, Outcome& out,
                  const std::set<std::string>& exceptions, bool with_components) {
  std::vector<std::string> texts;
  for (const auto& row : rows)
    texts.push_back(with_components ? row[0].get<std::string>() : row.get<std::string>());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    run_row(out, id_prefix + ":row" + std::to_string(r), exceptions, [&]() -> std::string {
      auto v = Version::parse(texts[r]);
      if (!v.ok()) return "parse failed: " + v.error().message;
      if (with_components) {
        std::string want = python_repr(rows[r][1]);
        if (v->debug_components() != want)
          return "components " + v->debug_components() + " want " + want;
      }
      if (r + 1 < rows.size()) {
        auto next = Version::parse(texts[r + 1]);
        if (!next.ok()) return "next parse failed";
        if (next->compare(*v) < 0) return "'" + texts[r] + "' sorts after '" + texts[r + 1] + "'";
      }
      if (r > 0) {
        auto prev = Version::parse(texts[r - 1]);
        if (prev.ok() && prev->compare(*v) > 0) return "sorts before its predecessor";
      }
      return "";
    });
  }
}

Outcome run_conda_file(const std::string& file, const std::string& source,
                       const std::set<std::string>& exceptions) {
  std::ifstream in(testing::corpus_dir() + "/conformance/conda/" + file);
  BOOST_REQUIRE(in);
  json doc = json::parse(in);
  Outcome out;
  out.source = source;
  for (const auto& test : doc["tests"]) {
    std::string name = test["test"].get<std::string>();
    std::string prefix = source + ":" + name;
    if (test.contains("tables")) {
      int t = 0;
      for (const auto& table : test["tables"]) {
        std::string tprefix = prefix + ":table" + std::to_string(t++);
        const json& rows = table["rows"];
        if (table.contains("loop_vars")) {
          std::vector<std::string> vars = table["loop_vars"].get<std::vector<std::string>>();
          for (std::size_t r = 0; r < rows.size(); ++r) {
            std::string id = tprefix + ":row" + std::to_string(r);
            run_row(out, id, exceptions, [&]() -> std::string {
              std::map<std::string, Value> bound;
              if (vars.size() == 1) {
                bound[vars[0]] = from_json(rows[r]);
              } else {
                for (std::size_t k = 0; k < vars.size(); ++k)
                  bound[vars[k]] = from_json(rows[r][k]);
              }
              // The loop bodies of these two tables start with "m = VersionSpec(vspec)" and
              // "m = MatchSpec(spec)" upstream; the extraction kept only the assert.
              if (name == "test_match") bound["m"] = evaluate("VersionSpec(vspec)", bound);
              if (name == "test_match_1") bound["m"] = evaluate("MatchSpec(spec)", bound);
              if (table["body_checks"].empty()) throw NotSelfContained{"table without checks"};
              std::string failures;
              for (const auto& check : table["body_checks"]) failures += run_check(check, bound);
              return failures;
            });
          }
        } else if (!rows.empty() && rows[0].is_array()) {
          check_sorted(tprefix, rows, out, exceptions, true);
        } else if (name == "test_local_identifier") {
          // Upstream: every version string, as a VersionSpec, matches itself.
          for (std::size_t r = 0; r < rows.size(); ++r) {
            std::string text = rows[r].get<std::string>();
            run_row(out, tprefix + ":row" + std::to_string(r), exceptions, [&]() -> std::string {
              auto v = Version::parse(text);
              auto spec = VersionSpec::parse(text);
              if (!v.ok() || !spec.ok()) return "parse failed";
              return spec->contains(*v) ? "" : "does not match itself";
            });
          }
        } else if (name == "test_conda_env_form_comprehensive") {
          for (std::size_t r = 0; r < rows.size(); ++r) {
            run_row(out, tprefix + ":row" + std::to_string(r), exceptions, []() -> std::string {
              throw NotSelfContained{"conda_env_form()"};
            });
          }
        } else {
          check_sorted(tprefix, rows, out, exceptions, false);
        }
      }
    }
    if (test.contains("checks")) {
      int c = 0;
      for (const auto& check : test["checks"]) {
        run_row(out, prefix + ":check" + std::to_string(c++), exceptions, [&]() {
          return run_check(check, {});
        });
      }
    }
  }
  return out;
}

void require_exact_skips(const std::vector<Outcome>& outcomes,
                         const std::set<std::string>& exceptions) {
  std::set<std::string> skipped;
  for (const auto& o : outcomes) skipped.insert(o.skipped.begin(), o.skipped.end());
  for (const auto& id : exceptions) {
    BOOST_CHECK_MESSAGE(skipped.count(id), "listed exception '" << id << "' matches no row");
  }
}

Outcome run_mamba(const std::set<std::string>& exceptions) {
  std::ifstream in(testing::corpus_dir() + "/conformance/mamba/specs_tests.require-vectors.json");
  BOOST_REQUIRE(in);
  json doc = json::parse(in);
  Outcome out;
  out.source = "mamba";
  std::regex contains(R"re(^"([^"]*)"_vs\.contains\("([^"]*)"_v\)$)re");
  std::regex invalid_version(R"re(^Version::parse\("([^"]*)"\)\.has_value\(\)$)re");
  std::regex version_eq(
      R"re(^Version::parse\("([^"]*)"\)\.value\(\) (==|!=) Version::parse\("([^"]*)"\)$)re");
  std::regex version_cmp(R"re(^"([^"]*)"_v (==|!=|<|<=|>|>=) "([^"]*)"_v$)re");
  for (auto& [file, rows] : doc["files"].items()) {
    std::string base = file.substr(file.rfind('/') + 1);
    for (const auto& row : rows) {
      std::string expr = row["expr"].get<std::string>();
      bool expect = row["assert"].get<std::string>() != "REQUIRE_FALSE";
      std::string id = "mamba:" + base + ":" + std::to_string(row["line"].get<int>());
      std::smatch m;
      if (std::regex_match(expr, m, contains)) {
        std::string spec = m[1], ver = m[2];
        run_row(out, id, exceptions, [&]() -> std::string {
          auto s = VersionSpec::parse(spec);
          auto v = Version::parse(ver);
          if (!s.ok()) return "spec parse failed: " + s.error().message;
          if (!v.ok()) return "version parse failed: " + v.error().message;
          return s->contains(*v) == expect
                     ? ""
                     : "contains() gave " + std::string(expect ? "false" : "true");
        });
      } else if (std::regex_match(expr, m, invalid_version)) {
        std::string ver = m[1];
        run_row(out, id, exceptions, [&]() -> std::string {
          return Version::parse(ver).ok() == expect ? "" : "parse result differs";
        });
      } else if (std::regex_match(expr, m, version_eq) || std::regex_match(expr, m, version_cmp)) {
        std::string a = m[1], op = m[2], b = m[3];
        run_row(out, id, exceptions, [&]() -> std::string {
          auto x = Version::parse(a), y = Version::parse(b);
          if (!x.ok() || !y.ok()) return "parse failed";
          int c = x->compare(*y);
          bool r = op == "=="   ? c == 0
                   : op == "!=" ? c != 0
                   : op == "<"  ? c < 0
                   : op == "<=" ? c <= 0
                   : op == ">"  ? c > 0
                                : c >= 0;
          return r == expect ? "" : "comparison differs";
        });
      }
    }
  }
  return out;
}

BOOST_AUTO_TEST_CASE(conformance_vectors) {
  std::set<std::string> exceptions = listed_exceptions();
  std::vector<Outcome> outcomes;
  outcomes.push_back(run_conda_file("test_version.vectors.json", "conda/test_version", exceptions));
  outcomes.push_back(
      run_conda_file("test_match_spec.vectors.json", "conda/test_match_spec", exceptions));
  outcomes.push_back(run_mamba(exceptions));
  require_exact_skips(outcomes, exceptions);
  for (const auto& o : outcomes) {
    BOOST_TEST_MESSAGE("conformance " << o.source << ": " << o.passed << "/" << o.total
                                      << " passed, " << o.skipped.size() << " listed exceptions");
    std::cout << "conformance " << o.source << ": " << o.passed << "/" << o.total << " passed, "
              << o.skipped.size() << " listed exceptions\n";
  }
}

}  // namespace
}  // namespace envlock::spec
