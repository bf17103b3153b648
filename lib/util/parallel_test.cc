#include "lib/util/parallel.h"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

namespace envlock {
namespace {

BOOST_AUTO_TEST_SUITE(parallel)

BOOST_AUTO_TEST_CASE(every_index_runs_once) {
  for (unsigned threads : {0u, 1u, 2u, 4u, 64u}) {
    std::vector<std::atomic<int>> seen(1000);
    parallel_for(seen.size(), threads, [&](size_t i) { ++seen[i]; });
    for (const auto& s : seen) BOOST_TEST(s.load() == 1);
  }
}

BOOST_AUTO_TEST_CASE(nothing_to_do_calls_nothing) {
  bool called = false;
  parallel_for(0, 4, [&](size_t) { called = true; });
  BOOST_TEST(!called);
}

BOOST_AUTO_TEST_CASE(an_exception_on_a_worker_reaches_the_caller) {
  // Without the carry-back, a throw on a worker thread calls std::terminate.
  for (unsigned threads : {1u, 2u, 8u}) {
    std::atomic<size_t> calls{0};
    BOOST_CHECK_THROW(parallel_for(10000,
                                   threads,
                                   [&](size_t i) {
                                     ++calls;
                                     if (i == 3) throw std::runtime_error("boom");
                                   }),
                      std::runtime_error);
    BOOST_TEST(calls.load() < 10000u);  // no new index is started after the failure
  }
}

BOOST_AUTO_TEST_CASE(the_first_exception_is_the_one_rethrown) {
  try {
    parallel_for(1, 4, [](size_t) { throw std::logic_error("only"); });
    BOOST_FAIL("no exception");
  } catch (const std::logic_error& e) {
    BOOST_TEST(std::string(e.what()) == "only");
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock
