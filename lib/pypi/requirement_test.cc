#include "lib/pypi/requirement.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace envlock::pypi {
namespace {

Requirement r(const std::string& text) {
  auto p = parse_requirement(text);
  BOOST_REQUIRE_MESSAGE(p.ok(), text + ": " + (p.ok() ? "" : p.error().to_string()));
  return std::move(p).value();
}

BOOST_AUTO_TEST_SUITE(pypi_requirement)

BOOST_AUTO_TEST_CASE(splits_name_extras_specifier_and_marker) {
  Requirement q = r("requests [security, tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"");
  BOOST_TEST(q.name == "requests");
  BOOST_TEST((q.extras == std::vector<std::string>{"security", "tests"}));
  BOOST_TEST(q.specifier.str() == "==2.8.*,>=2.8.1");
  BOOST_REQUIRE(q.marker.has_value());
  BOOST_TEST(q.str() == "requests[security,tests]==2.8.*,>=2.8.1; python_version < \"2.7\"");
  BOOST_TEST(r("name (>= 1.0, < 2)").specifier.str() == "<2,>=1.0");
  BOOST_TEST(r("name[]").extras.empty());
  BOOST_TEST(r("name()").specifier.empty());
  BOOST_TEST(r("name>=1 \t").str() == "name>=1");
}

BOOST_AUTO_TEST_CASE(url_requirements) {
  Requirement q =
      r("pip @ https://example.com/pip-23.0-py3-none-any.whl#sha256=ab ; os_name == 'posix'");
  BOOST_TEST(q.url == "https://example.com/pip-23.0-py3-none-any.whl#sha256=ab");
  BOOST_TEST(q.specifier.empty());
  BOOST_TEST(
      q.str() ==
      "pip @ https://example.com/pip-23.0-py3-none-any.whl#sha256=ab ; os_name == \"posix\"");
  BOOST_TEST(r("name @ https://example.com/name;v=1.1/?q=f#b").url ==
             "https://example.com/name;v=1.1/?q=f#b");
  BOOST_TEST(r("name @ file:.").url == "file:.");
}

BOOST_AUTO_TEST_CASE(rejects_malformed_requirements) {
  for (const char* bad : {"",
                          "==0.0",
                          "name[bar baz]",
                          "name[bar, baz,]",
                          "name (>= 1.0",
                          "black (>=20.*) ; extra == 'format'",
                          "name==1.2.3.post4.*",
                          "name >= 1.0+local",
                          "name[bar, baz >= 1.0",
                          "name[bar, baz",
                          "name @ https://example.com/; extra == 'example'",
                          "name; (extra == 'example'",
                          "name @ ",
                          "name; invalid_name",
                          "name==1.0.org1",
                          "name==",
                          "name 1.0",
                          "name >= 1.0 #",
                          "name >= 1.0 <= 2.0",
                          "name>=1\n",
                          "demo===x,y",
                          "-name"}) {
    auto p = parse_requirement(bad);
    BOOST_TEST_CONTEXT(bad) {
      BOOST_REQUIRE(!p.ok());
      BOOST_TEST(p.error().kind == ErrorKind::input);
      BOOST_TEST(p.error().message.find("invalid requirement") == 0u);
    }
  }
  BOOST_TEST(!parse_requirement(std::string(k_max_requirement_length + 1, 'a')).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
