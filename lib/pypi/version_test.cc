#include "lib/pypi/version.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace envlock::pypi {
namespace {

Version v(const std::string& text) {
  auto r = Version::parse(text);
  BOOST_REQUIRE_MESSAGE(r.ok(), text + ": " + (r.ok() ? "" : r.error().to_string()));
  return std::move(r).value();
}

BOOST_AUTO_TEST_SUITE(pypi_version)

BOOST_AUTO_TEST_CASE(normalises_alternate_spellings) {
  BOOST_TEST(v("1.0ALPHA1").str() == "1.0a1");
  BOOST_TEST(v(" v1.0-preview-2 ").str() == "1.0rc2");
  BOOST_TEST(v("1.0c").str() == "1.0rc0");
  BOOST_TEST(v("1.0-1").str() == "1.0.post1");
  BOOST_TEST(v("1.0.rev").str() == "1.0.post0");
  BOOST_TEST(v("1.0_DEV_3").str() == "1.0.dev3");
  BOOST_TEST(v("0!01.002+Ubuntu-1_x").str() == "1.2+ubuntu.1.x");
  BOOST_TEST(v("2!1.0a1.post2.dev3+local.7").str() == "2!1.0a1.post2.dev3+local.7");
}

BOOST_AUTO_TEST_CASE(accessors_split_the_parts) {
  Version x = v("2!1.2.3rc4.post5.dev6+abc.7");
  BOOST_TEST(x.epoch() == 2u);
  BOOST_TEST((x.release() == std::vector<std::uint64_t>{1, 2, 3}));
  BOOST_TEST(x.is_prerelease());
  BOOST_TEST(x.is_postrelease());
  BOOST_TEST(x.is_devrelease());
  BOOST_TEST(x.public_str() == "2!1.2.3rc4.post5.dev6");
  BOOST_TEST(x.base_str() == "2!1.2.3");
  BOOST_TEST(x.local() == "abc.7");
  BOOST_TEST(!v("1.0.post1").is_prerelease());
}

BOOST_AUTO_TEST_CASE(rejects_malformed_text_with_a_reason) {
  for (const char* bad : {"",
                          "french toast",
                          "1.0+",
                          "1.0++",
                          "1..0",
                          "1.0.",
                          ".1",
                          "1 .0",
                          "1.0 a1",
                          "1.0+a+",
                          "1.0+_x",
                          "1!",
                          "1.0-",
                          "v",
                          "1.0.x"}) {
    auto r = Version::parse(bad);
    BOOST_TEST_CONTEXT(bad) {
      BOOST_REQUIRE(!r.ok());
      BOOST_TEST(r.error().kind == ErrorKind::input);
      BOOST_TEST(r.error().message.find("invalid version") == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(rejects_overlong_text_and_numbers_past_64_bits) {
  BOOST_TEST(!Version::parse(std::string(k_max_version_length + 1, '1')).ok());
  BOOST_TEST(!Version::parse("18446744073709551616").ok());
  BOOST_TEST(v("18446744073709551615").release()[0] == 18446744073709551615ull);
}

BOOST_AUTO_TEST_CASE(orders_as_pep_440) {
  // Each strictly below the next.
  std::vector<std::string> order{"1.0.dev0",
                                 "1.0.dev1+l",
                                 "1.0a1.dev1",
                                 "1.0a1",
                                 "1.0a1.post1.dev1",
                                 "1.0a1.post1",
                                 "1.0b1",
                                 "1.0rc1",
                                 "1.0",
                                 "1.0+abc",
                                 "1.0+abc.1",
                                 "1.0+1",
                                 "1.0.post1.dev1",
                                 "1.0.post1",
                                 "1.1.dev1",
                                 "1.1",
                                 "1!0.1"};
  for (std::size_t i = 0; i + 1 < order.size(); ++i) {
    BOOST_TEST_CONTEXT(order[i] << " < " << order[i + 1]) {
      BOOST_TEST((v(order[i]) < v(order[i + 1])));
      BOOST_TEST((v(order[i + 1]) > v(order[i])));
    }
  }
  BOOST_TEST((v("1.0") == v("1.0.0.0")));
  BOOST_TEST(v("1.0").hash() == v("1.0.0").hash());
  BOOST_TEST((v("1.0+a") != v("1.0")));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
