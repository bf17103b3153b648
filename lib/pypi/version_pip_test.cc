// Version::parse agrees with pip's vendored pypa/packaging on generated version strings
// (lib/pypi/pep440_oracle.py run with Debian's python): the same strings are valid, and valid
// ones print the same normalised form. Strings with a number past 64 bits are left out (a
// documented difference, see conformance_exceptions.md).

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "lib/pypi/version.h"
#include "lib/testing/testing.h"

namespace envlock::pypi {
namespace {

struct PcloseDeleter {
  void operator()(FILE* f) const { pclose(f); }
};

bool has_long_number(const std::string& s) {
  std::size_t run = 0;
  for (char c : s) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run > 19) return true;
  }
  return false;
}

BOOST_AUTO_TEST_SUITE(pypi_version_pip)

BOOST_AUTO_TEST_CASE(agrees_with_pips_packaging) {
  std::string command =
      "/usr/bin/python3 " + testing::workspace_dir() + "/lib/pypi/pep440_oracle.py 20000";
  std::unique_ptr<FILE, PcloseDeleter> pipe(popen(command.c_str(), "r"));
  BOOST_REQUIRE_MESSAGE(pipe, "cannot run /usr/bin/python3 (Debian's python3-pip, setup.sh)");
  std::string out;
  char buffer[1 << 16];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
  std::size_t lines = 0, compared = 0, valid = 0;
  std::size_t at = 0;
  while (at < out.size()) {
    std::size_t end = out.find('\n', at);
    if (end == std::string::npos) end = out.size();
    auto row = nlohmann::json::parse(out.substr(at, end - at));
    at = end + 1;
    ++lines;
    std::string text = row[0].get<std::string>();
    if (has_long_number(text)) continue;
    ++compared;
    auto ours = Version::parse(text);
    if (row[1].is_null()) {
      BOOST_TEST(!ours.ok(), "accepted '" << text << "' as " << (ours.ok() ? ours->str() : ""));
    } else {
      ++valid;
      BOOST_TEST(ours.ok(), "rejected '" << text << "'");
      if (ours.ok()) BOOST_TEST(ours->str() == row[1].get<std::string>(), "'" << text << "'");
    }
  }
  BOOST_TEST(lines == 20000u);
  BOOST_TEST(compared > 19000u);
  BOOST_TEST(valid > 800u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
