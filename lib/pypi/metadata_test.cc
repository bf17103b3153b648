#include "lib/pypi/metadata.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "lib/pypi/requirement.h"

namespace envlock::pypi {
namespace {

BOOST_AUTO_TEST_SUITE(pypi_metadata)

BOOST_AUTO_TEST_CASE(reads_the_fields_a_resolver_needs) {
  std::string text =
      "Metadata-Version: 2.1\r\n"
      "Name: requests\r\n"
      "Version: 2.28.1\r\n"
      "Summary: Python HTTP for Humans.\r\n"
      "requires-python: >=3.7, <4\r\n"
      "Requires-Dist: charset-normalizer (<3,>=2)\r\n"
      "Requires-Dist: idna (<4,>=2.5)\r\n"
      "Requires-Dist: PySocks (!=1.5.7,>=1.5.6) ; extra == 'socks'\r\n"
      "Provides-Extra: socks\r\n"
      "Description: first line\r\n"
      "        continued\r\n"
      "\r\n"
      "Requires-Dist: not-a-header-this-is-the-body\r\n";
  auto md = parse_metadata(text);
  BOOST_REQUIRE(md.ok());
  BOOST_TEST(md->metadata_version == "2.1");
  BOOST_TEST(md->name == "requests");
  BOOST_TEST(md->version == "2.28.1");
  BOOST_TEST(md->requires_python == ">=3.7, <4");
  BOOST_TEST(md->requires_dist.size() == 3u);
  BOOST_TEST(md->provides_extra == std::vector<std::string>{"socks"});
  for (const auto& dist : md->requires_dist) {
    BOOST_TEST_CONTEXT(dist) {
      BOOST_TEST(parse_requirement(dist).ok());
    }
  }
  auto socks = parse_requirement(md->requires_dist[2]);
  BOOST_TEST(socks->marker->mentions_extra());
}

BOOST_AUTO_TEST_CASE(continuation_lines_fold_into_the_value) {
  auto md = parse_metadata("Name: x\nVersion: 1\nRequires-Dist: a;\n  python_version < '3'\n");
  BOOST_REQUIRE(md.ok());
  BOOST_TEST(md->requires_dist[0] == "a; python_version < '3'");
}

BOOST_AUTO_TEST_CASE(malformed_metadata_is_an_input_error_with_a_line) {
  struct Case {
    std::string text, message;
  };
  for (const Case& c : std::vector<Case>{
           {"Name: x\nVersion: 1\nthis line has no colon\n", "METADATA:3: expected 'Name: value'"},
           {" leading continuation\n", "METADATA:1: continuation line before any header"},
           {"Name: x\n", "METADATA: no Version header"},
           {"Version: 1\n", "METADATA: no Name header"},
           {std::string("Name: x\nVer\0sion: 1\n", 20), "METADATA:2: NUL byte"},
           {"Name: x\nVersion: 1\nBad Header: y\n", "METADATA:3: invalid header name"},
       }) {
    auto md = parse_metadata(c.text);
    BOOST_TEST_CONTEXT(c.message) {
      BOOST_REQUIRE(!md.ok());
      BOOST_TEST(md.error().kind == ErrorKind::input);
      BOOST_TEST(md.error().to_string() == c.message);
    }
  }
  auto big = parse_metadata(std::string(k_max_metadata_bytes + 1, 'a'));
  BOOST_REQUIRE(!big.ok());
  BOOST_TEST(big.error().message.find("larger than") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
