#include "lib/spec/version.h"

#include <algorithm>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <random>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include "lib/spec/version_spec.h"
#include "lib/testing/testing.h"

namespace envlock::spec {
namespace {

namespace bdata = boost::unit_test::data;

Version v(const std::string& text) {
  auto r = Version::parse(text);
  BOOST_REQUIRE_MESSAGE(r.ok(), text + ": " + (r.ok() ? "" : r.error().to_string()));
  return std::move(r).value();
}

// conda's printed parse ("[[0], [1, 'a', 1], [0, inf]]") as data, compared with the rules of
// conda's VersionOrder.__lt__: an independent oracle for our comparator.
struct Inf {};
using Atom = std::variant<std::string /*digits*/, Inf, std::pair<std::string, int> /*str*/>;
using Parsed = std::vector<std::vector<Atom>>;

Parsed parse_python(const std::string& s) {
  Parsed out;
  std::size_t i = 1;  // skip outer '['
  while (i < s.size()) {
    if (s[i] == '[') {
      out.emplace_back();
      ++i;
    } else if (s[i] == '\'') {
      std::size_t j = s.find('\'', i + 1);
      out.back().emplace_back(std::make_pair(s.substr(i + 1, j - i - 1), 0));
      i = j + 1;
    } else if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      std::size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      std::string digits = s.substr(i, j - i);
      digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
      out.back().emplace_back(digits);
      i = j;
    } else if (s.compare(i, 3, "inf") == 0) {
      out.back().emplace_back(Inf{});
      i += 3;
    } else {
      ++i;
    }
  }
  return out;
}

int oracle_cmp_atom(const Atom& a, const Atom& b) {
  bool as = a.index() == 2, bs = b.index() == 2;
  if (as && bs) {
    const auto& x = std::get<2>(a).first;
    const auto& y = std::get<2>(b).first;
    return x == y ? 0 : (x < y ? -1 : 1);
  }
  if (as) return -1;
  if (bs) return 1;
  bool ai = a.index() == 1, bi = b.index() == 1;
  if (ai || bi) return ai == bi ? 0 : (ai ? 1 : -1);
  const auto& x = std::get<0>(a);
  const auto& y = std::get<0>(b);
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  return x == y ? 0 : (x < y ? -1 : 1);
}

int oracle_cmp(const Parsed& a, const Parsed& b) {
  const Atom zero = std::string();
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    static const std::vector<Atom> empty;
    const auto& x = i < a.size() ? a[i] : empty;
    const auto& y = i < b.size() ? b[i] : empty;
    for (std::size_t j = 0; j < std::max(x.size(), y.size()); ++j) {
      int c = oracle_cmp_atom(j < x.size() ? x[j] : zero, j < y.size() ? y[j] : zero);
      if (c != 0) return c;
    }
  }
  return 0;
}

BOOST_AUTO_TEST_CASE(rattler_parsed_versions_parse_and_sort_like_conda) {
  std::ifstream in(testing::corpus_dir() + "/conformance/rattler/parsed_versions.txt");
  BOOST_REQUIRE(in);
  struct Row {
    Version version;
    Parsed conda;
  };
  std::vector<Row> rows;
  std::string line;
  int total = 0, parsed_as_conda = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find("=[");
    BOOST_REQUIRE(eq != std::string::npos);
    std::string text = line.substr(0, eq), expected = line.substr(eq + 1);
    ++total;
    auto r = Version::parse(text);
    if (!r.ok()) {
      BOOST_ERROR(text << ": " << r.error().to_string());
      continue;
    }
    // conda printed the main part only.
    if (r->debug_components() == expected) {
      ++parsed_as_conda;
    } else {
      BOOST_ERROR(text << ": got " << r->debug_components() << " want " << expected);
    }
    rows.push_back(Row{std::move(r).value(), parse_python(expected)});
  }
  BOOST_CHECK_EQUAL(total, 28530);
  BOOST_CHECK_EQUAL(parsed_as_conda, total);
  std::cout << "rattler parsed_versions: " << parsed_as_conda << "/" << total
            << " parsed as conda\n";

  std::sort(
      rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.version < b.version; });
  int order_errors = 0;
  auto same_sign = [](int a, int b) { return (a > 0) == (b > 0) && (a < 0) == (b < 0); };
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
    const Row& a = rows[i];
    const Row& b = rows[i + 1];
    if (a.version.has_local() || b.version.has_local()) {
      if (oracle_cmp(a.conda, b.conda) > 0) ++order_errors;
      continue;
    }
    int ours = a.version.compare(b.version);
    if (!same_sign(ours, oracle_cmp(a.conda, b.conda)) || ours > 0) {
      if (++order_errors < 10) BOOST_ERROR(a.version.str() << " vs " << b.version.str());
    }
    if (ours == 0) BOOST_CHECK_EQUAL(a.version.hash(), b.version.hash());
  }
  // Random pairs, deterministic seed.
  std::mt19937 rng(12345);
  std::uniform_int_distribution<std::size_t> pick(0, rows.size() - 1);
  for (int k = 0; k < 200000; ++k) {
    const Row& a = rows[pick(rng)];
    const Row& b = rows[pick(rng)];
    if (a.version.has_local() || b.version.has_local()) continue;
    if (!same_sign(a.version.compare(b.version), oracle_cmp(a.conda, b.conda))) {
      if (++order_errors < 20) BOOST_ERROR("pair " << a.version.str() << " " << b.version.str());
    }
  }
  BOOST_CHECK_EQUAL(order_errors, 0);
  std::cout << "rattler parsed_versions: sorted " << rows.size() << ", order errors "
            << order_errors << "\n";
}

struct Invalid {
  const char* text;
  const char* reason;
};
std::ostream& operator<<(std::ostream& out, const Invalid& i) {
  return out << i.text;
}

const Invalid k_invalid[] = {
    {"", "empty version string"},
    {"   ", "empty version string"},
    {"3.5&1", "invalid character '&' (column 4)"},
    {"5.5++", "duplicated local version separator '+' (column 5)"},
    {"5.5..mw", "empty version component (column 5)"},
    {"!", "epoch must be an integer (column 1)"},
    {"a!1.0", "epoch must be an integer (column 1)"},
    {"a!b!1.0", "duplicated epoch separator '!' (column 4)"},
    {"1.2+", "empty version component (column 5)"},
    {"+1.2", "empty version component (column 1)"},
    {"1-1_1", "invalid character '-'"},
    {"1.0 beta", "invalid character ' ' (column 4)"},
    {"1.", "empty version component (column 3)"},
    {"0!", "empty version component (column 3)"},
};

BOOST_DATA_TEST_CASE(invalid_versions_report_reason_and_column, bdata::make(k_invalid), c) {
  auto r = Version::parse(c.text);
  BOOST_REQUIRE(!r.ok());
  BOOST_CHECK(r.error().kind == ErrorKind::input);
  BOOST_CHECK_MESSAGE(r.error().message.find(c.reason) != std::string::npos, r.error().message);
  BOOST_CHECK(r.error().message.find("invalid version") == 0);
}

BOOST_AUTO_TEST_CASE(order_and_equality_rules) {
  BOOST_CHECK(v("1.1") == v("1.1.0"));
  BOOST_CHECK(v("1.1") == v("1.1.0.0"));
  BOOST_CHECK_EQUAL(v("1.1").hash(), v("1.1.0.0").hash());
  BOOST_CHECK(v("1.1.a1") == v("1.1.0a1"));
  BOOST_CHECK_EQUAL(v("1.1.a1").hash(), v("1.1.0a1").hash());
  BOOST_CHECK(v("1.0RC1") == v("1.0rc1"));
  BOOST_CHECK_EQUAL(v("1.0RC1").hash(), v("1.0rc1").hash());
  BOOST_CHECK(v("1.0-1") == v("1.0_1"));
  BOOST_CHECK(v("1.1dev1") < v("1.1_"));
  BOOST_CHECK(v("1.1_") < v("1.1a1"));
  BOOST_CHECK(v("1.0.1_") < v("1.0.1a"));  // openssl
  BOOST_CHECK(v("1.1.0post1") == v("1.1.post1"));
  BOOST_CHECK(v("1.1.post1") < v("1.1post1"));
  BOOST_CHECK(v("1996.07.12") < v("1!0.4.1"));
  BOOST_CHECK(v("1.2+1") > v("1.2"));
  BOOST_CHECK(v("1.2+abc") < v("1.2"));           // a string local part sorts below the implicit 0
  BOOST_CHECK(v("1.2+1") < v("1.2+a") == false);  // number above string in local parts too
  BOOST_CHECK(v("12345678901234567890123") > v("12345678901234567890122"));
  BOOST_CHECK(v("12345678901234567890123") > v("99999999999999999"));
  BOOST_CHECK(v("1.0post") > v("1.0.99999999999999999999999"));
  BOOST_CHECK_EQUAL(v("  1.0.RC1 ").str(), "1.0.RC1");
  BOOST_CHECK_EQUAL(v("1.0.RC1").canonical(), "1.0.rc1");
  BOOST_CHECK_EQUAL(v("1.0-rc1").canonical(), "1.0_rc1");
  BOOST_CHECK(v("1.2.3").starts_with(v("1.2")));
  BOOST_CHECK(!v("1.20").starts_with(v("1.2")));
  BOOST_CHECK(v("1.2").starts_with(v("1.2.0")));
  std::unordered_set<Version, VersionHash> set = {v("1.0"), v("1.0.0"), v("1.0.0.0"), v("1.1")};
  BOOST_CHECK_EQUAL(set.size(), 2u);
}

BOOST_AUTO_TEST_CASE(copies_and_moves_keep_the_parse) {
  std::vector<Version> many;
  for (int i = 0; i < 100; ++i)
    many.push_back(v("1." + std::to_string(i) + ".a.b.c.d.e.f.g.h.i.j.k"));
  std::vector<Version> copy = many;
  std::reverse(copy.begin(), copy.end());
  std::sort(copy.begin(), copy.end());
  for (std::size_t i = 0; i < many.size(); ++i) {
    BOOST_CHECK(copy[i] == many[i]);
    BOOST_CHECK_EQUAL(copy[i].debug_components(), many[i].debug_components());
  }
}

BOOST_AUTO_TEST_CASE(regex_specs_that_backtrack_exponentially_are_refused) {
  // Found by fuzz/spec_strings: std::regex took minutes on ".*****" against "1.2.3".
  for (const char* bad : {"^1.*********2.s $",
                          "^(a+)+$",
                          "^(.*)*$",
                          "^(1|1?)+$",
                          "^1{1000}$",
                          "^a{1,5000}$",
                          // Found by fuzz/spec_strings: a backreference number overflowing an
                          // int inside libstdc++ (undefined behaviour).
                          "^^\\7777777777777777777777$",
                          "^(a)\\1$"}) {
    auto spec = VersionSpec::parse(bad);
    BOOST_REQUIRE_MESSAGE(!spec.ok(), bad);
    BOOST_TEST(spec.error().kind == ErrorKind::input);
    BOOST_TEST(spec.error().message.find("regex too complex") != std::string::npos,
               spec.error().message);
  }
  auto probe = Version::parse("1.2.3").value();
  for (const char* good : {"^1\\.2.*$", "^1\\.(2|3)\\..*$", "^(?:1)\\.2\\.[0-9]+$", "^1.*?$"}) {
    auto spec = VersionSpec::parse(good);
    BOOST_REQUIRE_MESSAGE(spec.ok(), good);
    BOOST_TEST(spec->contains(probe), good);
  }
  BOOST_TEST(!VersionSpec::parse("^2\\..*$")->contains(probe));
}

}  // namespace
}  // namespace envlock::spec
