#include "lib/channel/headers.h"

#include <boost/test/unit_test.hpp>

namespace envlock::channel {

BOOST_AUTO_TEST_SUITE(headers)

BOOST_AUTO_TEST_CASE(content_length_is_digits_only) {
  BOOST_TEST(parse_content_length("0").value() == 0u);
  BOOST_TEST(parse_content_length(" 1234\t").value() == 1234u);
  BOOST_TEST(parse_content_length("9999999999999999999").value() == 9999999999999999999ull);
  // std::stoull read these as 2^64-1, 12 and 1: a retry loop on "truncated answers".
  for (const char* bad : {"-1", "12abc", "1, 2", "", " ", "+5", "0x10", "99999999999999999999"}) {
    BOOST_TEST(!parse_content_length(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(max_age_is_a_whole_directive) {
  BOOST_TEST(parse_max_age("public, max-age=3600").value() == 3600);
  BOOST_TEST(parse_max_age("MAX-AGE = \"60\" ,no-cache").value() == 60);
  BOOST_TEST(parse_max_age("s-maxage=5, max-age=7").value() == 7);
  for (const char* bad : {"",
                          "no-store",
                          "max-age=-5",
                          "max-age=12abc",
                          "xmax-age=5",
                          "max-age=",
                          "max-age=99999999999",
                          "max-age=999999999"}) {
    BOOST_TEST(!parse_max_age(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(validators_with_controls_are_unsafe) {
  BOOST_TEST(is_safe_validator("W/\"5f3a-1a2b\""));
  BOOST_TEST(is_safe_validator("Tue, 01 Dec 2026 10:00:00 GMT"));
  BOOST_TEST(!is_safe_validator("\"a\"\r\nX-Injected: 1"));
  BOOST_TEST(!is_safe_validator("\x1b[2K"));
  BOOST_TEST(!is_safe_validator("caf\xc3\xa9"));
  BOOST_TEST(!is_safe_validator(std::string(1025, 'a')));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::channel
