// The one Boost.Test main shared by every cc_test (dynamic Boost.Test library).
#define BOOST_TEST_MODULE envlock
#include <boost/test/unit_test.hpp>
