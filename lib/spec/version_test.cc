#include "lib/spec/version.h"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "lib/testing/testing.h"

namespace envlock::spec {
namespace {

Version v(const std::string& text) {
  auto r = Version::parse(text);
  BOOST_REQUIRE_MESSAGE(r.ok(), text + ": " + (r.ok() ? "" : r.error().to_string()));
  return std::move(r).value();
}

BOOST_AUTO_TEST_CASE(rattler_parsed_versions_match_conda) {
  std::ifstream in(testing::corpus_dir() + "/conformance/rattler/parsed_versions.txt");
  BOOST_REQUIRE(in);
  std::string line;
  std::vector<Version> versions;
  int rows = 0, passed = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find("=[");
    BOOST_REQUIRE(eq != std::string::npos);
    std::string text = line.substr(0, eq), expected = line.substr(eq + 1);
    ++rows;
    auto r = Version::parse(text);
    if (!r.ok()) {
      BOOST_ERROR(text << ": " << r.error().to_string());
      continue;
    }
    // conda prints the main part; the local part is not in the file.
    std::string got = r->debug_components();
    if (got == expected) {
      ++passed;
    } else {
      BOOST_ERROR(text << ": got " << got << " want " << expected);
    }
    versions.push_back(std::move(r).value());
  }
  BOOST_TEST_MESSAGE("rattler parsed_versions: " << passed << "/" << rows);
  BOOST_CHECK_EQUAL(passed, rows);
}

}  // namespace
}  // namespace envlock::spec
