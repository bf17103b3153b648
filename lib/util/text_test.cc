#include "lib/util/text.h"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "lib/testing/testing.h"
#include "lib/util/errors.h"
#include "lib/util/file.h"

namespace envlock {

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(error_messages_stay_one_line_without_terminal_controls) {
  // A package member name from issue #15: a second, forged line and an "erase line" escape.
  Error error{ErrorKind::input,
              "pkg-1.0-0.conda: member 'lib/x\nenvlock install: done, all good\x1b[2K'",
              "path escapes the prefix"};
  std::string line = format_error("install", error);
  BOOST_TEST(line.find('\n') == std::string::npos);
  BOOST_TEST(line.find('\x1b') == std::string::npos);
  BOOST_TEST(line ==
             "envlock install: error: pkg-1.0-0.conda: member "
             "'lib/x\\nenvlock install: done, all good\\x1b[2K': path escapes the prefix");
}

BOOST_AUTO_TEST_CASE(printable_escapes_controls_and_invalid_utf8_only) {
  BOOST_TEST(printable("plain ascii ~") == "plain ascii ~");
  BOOST_TEST(printable("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\x8d") ==
             "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\x8d");
  BOOST_TEST(printable("a\tb\rc\nd") == "a\\tb\\rc\\nd");
  BOOST_TEST(printable(std::string("nul\0del\x7f", 8)) == "nul\\x00del\\x7f");
  // Server bytes that are not UTF-8: stray bytes, overlong '/', a surrogate, a cut sequence.
  BOOST_TEST(printable("\xff\xfe") == "\\xff\\xfe");
  BOOST_TEST(printable("\xc0\xaf") == "\\xc0\\xaf");
  BOOST_TEST(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  BOOST_TEST(printable("end\xe2\x82") == "end\\xe2\\x82");
  // C1 CSI (U+009B), a right-to-left override and a line separator.
  BOOST_TEST(printable("\xc2\x9b"
                       "2K") == "\\xc2\\x9b2K");
  BOOST_TEST(printable("abc\xe2\x80\xaegpj.exe") == "abc\\u{202e}gpj.exe");
  BOOST_TEST(printable("a\xe2\x80\xa8z") == "a\\u{2028}z");
}

BOOST_AUTO_TEST_CASE(json_nesting_is_checked_outside_strings) {
  BOOST_TEST(check_json_nesting("[[[]]]", "f.json", 3).ok());
  auto deep = check_json_nesting("{\"a\":\n [[[1]]]}", "f.json", 3);
  BOOST_REQUIRE(!deep.ok());
  BOOST_TEST(deep.error().kind == ErrorKind::input);
  BOOST_TEST(deep.error().to_string() == "f.json:2:4: nesting deeper than 3 levels");
  // Brackets in strings (with escaped quotes) do not count.
  BOOST_TEST(check_json_nesting("[\"[[[[\\\"[[[[\"]", "f.json", 1).ok());
}

BOOST_AUTO_TEST_CASE(read_file_refuses_files_over_the_limit_before_reading) {
  testing::TempDir dir;
  std::string path = dir / "big";
  { std::ofstream(path) << "x"; }
  std::filesystem::resize_file(path, (3u << 20) + 1);  // sparse
  auto big = read_file(path, 3u << 20);
  BOOST_REQUIRE(!big.ok());
  BOOST_TEST(big.error().kind == ErrorKind::input);
  BOOST_TEST(big.error().to_string() == path + ": larger than 3 MiB, the limit for this file");
  BOOST_TEST(read_file(path, 4u << 20).ok());
}

BOOST_AUTO_TEST_CASE(doubles_outside_int64_saturate) {
  // Found by fuzz/package_json: a timestamp of 1.7e87 cast to int64 (undefined behaviour).
  BOOST_TEST(clamp_to_int64(1.7e87) == INT64_MAX);
  BOOST_TEST(clamp_to_int64(-1e300) == INT64_MIN);
  BOOST_TEST(clamp_to_int64(9223372036854775808.0) == INT64_MAX);
  BOOST_TEST(clamp_to_int64(std::nan("")) == 0);
  BOOST_TEST(clamp_to_int64(1700000000123.9) == 1700000000123);
  BOOST_TEST(clamp_to_int64(-5.5) == -5);
}

BOOST_AUTO_TEST_CASE(sizes_take_binary_units_and_refuse_the_rest) {
  BOOST_TEST(parse_size("512").value() == 512u);
  BOOST_TEST(parse_size("100k").value() == 100u << 10);
  BOOST_TEST(parse_size("100K").value() == 100u << 10);
  BOOST_TEST(parse_size("512M").value() == 512ull << 20);
  BOOST_TEST(parse_size("8G").value() == 8ull << 30);
  BOOST_TEST(parse_size("2T").value() == 2ull << 40);
  BOOST_TEST(parse_size("18446744073709551615").value() == UINT64_MAX);
  for (const char* bad :
       {"", "G", "-1", " 1", "1 G", "1g", "1KB", "1.5G", "18446744073709551616", "17179869184G"}) {
    BOOST_TEST_INFO(bad);
    BOOST_TEST(!parse_size(bad).has_value());
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock
