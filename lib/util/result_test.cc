#include "lib/util/result.h"

#include <boost/test/unit_test.hpp>

#include "lib/util/errors.h"

namespace envlock {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error{ErrorKind::input, "digit", std::string("not a digit: ") + c};
  return c - '0';
}

Result<int> sum_digits(char a, char b) {
  ENVLOCK_TRY(x, parse_digit(a));
  ENVLOCK_TRY(y, parse_digit(b));
  return x + y;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(result)

BOOST_AUTO_TEST_CASE(try_propagates_first_error) {
  auto ok = sum_digits('3', '4');
  BOOST_REQUIRE(ok.ok());
  BOOST_TEST(*ok == 7);
  auto bad = sum_digits('3', 'x');
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().to_string() == "digit: not a digit: x");
  BOOST_TEST(static_cast<int>(exit_code_for(bad.error().kind)) == 2);
}

BOOST_AUTO_TEST_CASE(error_at_formats_file_line_column) {
  auto e = Error::at(ErrorKind::input, "environment.yml", 12, 5, "unknown spec syntax");
  BOOST_TEST(e.to_string() == "environment.yml:12:5: unknown spec syntax");
  BOOST_TEST(Error::at(ErrorKind::input, "a.yml", 3, 0, "x").to_string() == "a.yml:3: x");
  BOOST_TEST(format_error("lock", e) ==
             "envlock lock: error: environment.yml:12:5: unknown spec syntax");
  BOOST_TEST(e.wrapped("reading lock").to_string() ==
             "reading lock: environment.yml:12:5: unknown spec syntax");
}

BOOST_AUTO_TEST_CASE(exit_codes_follow_design) {
  BOOST_TEST(static_cast<int>(exit_code_for(ErrorKind::usage)) == 2);
  BOOST_TEST(static_cast<int>(exit_code_for(ErrorKind::input)) == 2);
  BOOST_TEST(static_cast<int>(exit_code_for(ErrorKind::network)) == 4);
  BOOST_TEST(static_cast<int>(exit_code_for(ErrorKind::io)) == 4);
}

BOOST_AUTO_TEST_CASE(value_or_throw_throws_tool_error) {
  BOOST_TEST(value_or_throw(parse_digit('5')) == 5);
  try {
    (void)value_or_throw(parse_digit('?'));
    BOOST_FAIL("expected ToolError");
  } catch (const ToolError& e) {
    BOOST_TEST(e.error().message == "not a digit: ?");
    BOOST_TEST(static_cast<int>(e.exit_code()) == 2);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock
