#include "lib/pypi/name.h"

#include <boost/test/unit_test.hpp>
#include <string>

namespace envlock::pypi {
namespace {

BOOST_AUTO_TEST_SUITE(pypi_name)

BOOST_AUTO_TEST_CASE(normalize_lowercases_and_collapses_separator_runs) {
  BOOST_TEST(normalize_name("Foo__Bar.baz") == "foo-bar-baz");
  BOOST_TEST(normalize_name("charset_normalizer") == "charset-normalizer");
  BOOST_TEST(normalize_name("zope.interface") == "zope-interface");
  BOOST_TEST(normalize_name("A-._-b") == "a-b");
  BOOST_TEST(normalize_name("") == "");
}

BOOST_AUTO_TEST_CASE(valid_names_start_and_end_with_alphanumerics) {
  BOOST_TEST(is_valid_name("requests"));
  BOOST_TEST(is_valid_name("zope.interface"));
  BOOST_TEST(is_valid_name("a"));
  BOOST_TEST(is_valid_name("A_b-C.1"));
  BOOST_TEST(!is_valid_name(""));
  BOOST_TEST(!is_valid_name("_not_legal"));
  BOOST_TEST(!is_valid_name("trailing-"));
  BOOST_TEST(!is_valid_name("sp ace"));
  BOOST_TEST(!is_valid_name("hi\n"));
  BOOST_TEST(!is_valid_name("b\xc3\xa1r"));
  BOOST_TEST(!is_valid_name(std::string(k_max_name_length + 1, 'a')));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
