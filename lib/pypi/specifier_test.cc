#include "lib/pypi/specifier.h"

#include <boost/test/unit_test.hpp>
#include <string>

namespace envlock::pypi {
namespace {

SpecifierSet s(const std::string& text) {
  auto r = SpecifierSet::parse(text);
  BOOST_REQUIRE_MESSAGE(r.ok(), text + ": " + (r.ok() ? "" : r.error().to_string()));
  return std::move(r).value();
}

Version v(const std::string& text) {
  return Version::parse(text).value();
}

BOOST_AUTO_TEST_SUITE(pypi_specifier)

BOOST_AUTO_TEST_CASE(operators_follow_pep_440) {
  BOOST_TEST(s("~=1.4.2").contains(v("1.4.9")));
  BOOST_TEST(!s("~=1.4.2").contains(v("1.5")));
  BOOST_TEST(s("~=1.4").contains(v("1.9")));
  BOOST_TEST(!s("~=1.4").contains(v("2.0")));
  BOOST_TEST(s("==1.2.*").contains(v("1.2.7+local")));
  BOOST_TEST(s("==1.2").contains(v("1.2.0+local")));
  BOOST_TEST(!s("==1.2+a").contains(v("1.2+b")));
  BOOST_TEST(s("!=1.3.*").contains(v("1.4")));
  BOOST_TEST(!s("!=1.3.*").contains(v("1.3.1")));
  BOOST_TEST(!s(">1.0").contains(v("1.0.post1")));
  BOOST_TEST(!s(">1.0").contains(v("1.0+local")));
  BOOST_TEST(s(">1.0").contains(v("1.1")));
  BOOST_TEST(!s("<2.0").contains(v("2.0a1"), Prereleases::allow));
  BOOST_TEST(s("<2.0a2").contains(v("2.0a1")));
  BOOST_TEST(s("<1.0.post1").contains(v("1.0a1"), Prereleases::allow));
  BOOST_TEST(!s("<1.0.post1").contains(v("1.0.post1.dev0"), Prereleases::allow));
  BOOST_TEST(s(">=1.0,<2,!=1.5").contains(v("1.4")));
  BOOST_TEST(!s(">=1.0,<2,!=1.5").contains(v("1.5.0")));
  BOOST_TEST(s("").contains(v("0.0.1")));
}

BOOST_AUTO_TEST_CASE(prerelease_policy) {
  BOOST_TEST(!s(">=1.0").contains(v("2.0b1")));
  BOOST_TEST(s(">=1.0").contains(v("2.0b1"), Prereleases::allow));
  BOOST_TEST(s(">=1.0b1").contains(v("2.0b1")));
  BOOST_TEST(!s(">=1.0b1").contains(v("2.0b1"), Prereleases::deny));
  BOOST_TEST(!s("!=1.0b1").names_prerelease());
  BOOST_TEST(!s("==1.0.*").names_prerelease());
  BOOST_TEST(s("<1.0.dev1").names_prerelease());
}

BOOST_AUTO_TEST_CASE(arbitrary_equality_compares_text) {
  BOOST_TEST(s("===foobar").contains(std::string_view("FooBar"), Prereleases::allow));
  BOOST_TEST(!s("===1.0").contains(std::string_view("1.0.0")));
  BOOST_TEST(s("===1.0").contains(v("1.0")));
  BOOST_TEST(!s(">=1").contains(std::string_view("not a version"), Prereleases::allow));
  BOOST_TEST(s("").contains(std::string_view("not a version")));
}

BOOST_AUTO_TEST_CASE(str_sorts_clauses_without_spaces) {
  BOOST_TEST(s(" < 2 , >= 1.0 ").str() == "<2,>=1.0");
  BOOST_TEST(s("==1.2.*").str() == "==1.2.*");
  BOOST_TEST(s("").str() == "");
  BOOST_TEST((s(">2.0") & s("<5.0")).str() == "<5.0,>2.0");
}

BOOST_AUTO_TEST_CASE(rejects_bad_clauses) {
  for (const char* bad : {"2.0",
                          "=>2.0",
                          "==",
                          "~=1",
                          "~=1.0+5",
                          ">=1.0.*",
                          "==1.0.*+5",
                          "==2.0a1.*",
                          "==1.0.*.5",
                          "!=1.0.dev1.*",
                          "<1.0+1.0"}) {
    auto r = SpecifierSet::parse(bad);
    BOOST_TEST_CONTEXT(bad) {
      BOOST_REQUIRE(!r.ok());
      BOOST_TEST(r.error().message.find("invalid specifier") == 0u);
    }
  }
  std::string many;
  for (int k = 0; k < 70; ++k) many += ">=1,";
  BOOST_TEST(!SpecifierSet::parse(many).ok());
  BOOST_TEST(!SpecifierSet::parse(std::string(k_max_specifier_length + 1, ' ')).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
