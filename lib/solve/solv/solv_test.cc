#include "lib/solve/solv/solv.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::solv {
namespace {

// A tiny conda channel: numpy pins python 3.9, python 3.9 accepts both openssl builds.
const char* k_repodata = R"({
  "info": {"subdir": "linux-64"},
  "packages": {
    "python-3.9.0-h1_0.tar.bz2": {"name": "python", "version": "3.9.0", "build": "h1_0",
      "build_number": 0, "depends": ["openssl >=1.1,<4"], "subdir": "linux-64"},
    "python-3.10.0-h1_0.tar.bz2": {"name": "python", "version": "3.10.0", "build": "h1_0",
      "build_number": 0, "depends": ["openssl >=3"], "subdir": "linux-64"},
    "openssl-1.1.1-h0_0.tar.bz2": {"name": "openssl", "version": "1.1.1", "build": "h0_0",
      "build_number": 0, "depends": [], "subdir": "linux-64"},
    "openssl-3.0.0-h0_0.tar.bz2": {"name": "openssl", "version": "3.0.0", "build": "h0_0",
      "build_number": 0, "depends": [], "subdir": "linux-64"},
    "numpy-1.20.0-py39_0.tar.bz2": {"name": "numpy", "version": "1.20.0", "build": "py39_0",
      "build_number": 0, "depends": ["python >=3.9,<3.10.0a0"], "subdir": "linux-64"}
  },
  "packages.conda": {}
})";

std::vector<std::string> names_of(Pool& pool, const std::vector<Id>& ids) {
  std::vector<std::string> out;
  for (Id id : ids) out.push_back(pool.solvable_name(id) + "-" + pool.solvable_version(id));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(solv)

BOOST_AUTO_TEST_CASE(solves_conda_repodata_with_dependencies) {
  Pool pool;
  Repo repo(pool, "test");
  BOOST_REQUIRE(repo.add_conda_json(k_repodata).ok());
  BOOST_TEST(repo.size() == 5);
  pool.create_whatprovides();
  Request request;
  request.install_spec(pool.conda_matchspec("numpy"));
  Solver solver(pool);
  BOOST_REQUIRE(solver.solve(request) == 0);
  auto installed = names_of(pool, solver.installed_solvables());
  std::vector<std::string> expected = {"numpy-1.20.0", "openssl-3.0.0", "python-3.9.0"};
  BOOST_TEST(installed == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(version_spec_selects_older_python) {
  Pool pool;
  Repo repo(pool, "test");
  BOOST_REQUIRE(repo.add_conda_json(k_repodata).ok());
  pool.create_whatprovides();
  Request request;
  request.install_spec(pool.conda_matchspec("python <3.10"));
  request.install_spec(pool.conda_matchspec("openssl 1.1.*"));
  Solver solver(pool);
  BOOST_REQUIRE(solver.solve(request) == 0);
  auto installed = names_of(pool, solver.installed_solvables());
  std::vector<std::string> expected = {"openssl-1.1.1", "python-3.9.0"};
  BOOST_TEST(installed == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(conflict_is_reported_as_problem) {
  Pool pool;
  Repo repo(pool, "test");
  BOOST_REQUIRE(repo.add_conda_json(k_repodata).ok());
  pool.create_whatprovides();
  Request request;
  request.install_spec(pool.conda_matchspec("numpy"));
  request.install_spec(pool.conda_matchspec("python >=3.10"));
  Solver solver(pool);
  BOOST_REQUIRE(solver.solve(request) > 0);
  auto problems = solver.problem_texts();
  BOOST_REQUIRE(!problems.empty());
  BOOST_TEST(problems[0].find("python") != std::string::npos);
  // Job rules are named by the caller, in its own terms.
  auto named =
      solver.problem_texts([](int item) { return "requested spec #" + std::to_string(item); });
  BOOST_TEST(named[0].find("requested spec #") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(solv_round_trip_keeps_solvables) {
  Pool pool;
  Repo repo(pool, "test");
  BOOST_REQUIRE(repo.add_conda_json(k_repodata).ok());
  auto bytes = repo.to_solv();
  BOOST_REQUIRE(bytes.ok());
  Pool pool2;
  Repo repo2(pool2, "cached");
  BOOST_REQUIRE(repo2.add_solv(*bytes).ok());
  BOOST_TEST(repo2.size() == 5);
  pool2.create_whatprovides();
  Request request;
  request.install_spec(pool2.conda_matchspec("numpy"));
  Solver solver(pool2);
  BOOST_TEST(solver.solve(request) == 0);
}

BOOST_AUTO_TEST_CASE(excluded_solvables_are_not_chosen_and_fields_read_back) {
  Pool pool;
  Repo repo(pool, "test", 7);
  BOOST_REQUIRE(repo.add_conda_json(k_repodata).ok());
  std::vector<Id> newest_openssl;
  for (Id p : pool.solvables_named("openssl"))
    if (pool.solvable_version(p) == "3.0.0") newest_openssl.push_back(p);
  BOOST_REQUIRE(newest_openssl.size() == 1u);
  pool.exclude(newest_openssl);
  pool.create_whatprovides();
  Request request;
  request.install_spec(pool.conda_matchspec("numpy"));
  Solver solver(pool);
  BOOST_REQUIRE(solver.solve(request) == 0);
  auto installed = names_of(pool, solver.installed_solvables());
  std::vector<std::string> expected = {"numpy-1.20.0", "openssl-1.1.1", "python-3.9.0"};
  BOOST_TEST(installed == expected, boost::test_tools::per_element());
  for (Id p : solver.installed_solvables()) {
    auto f = pool.fields(p);
    BOOST_TEST(f.repo_index == 7);
    BOOST_TEST(f.subdir == "linux-64");
    if (f.name == "numpy") {
      BOOST_TEST(f.fn == "numpy-1.20.0-py39_0.tar.bz2");
      BOOST_TEST(f.build == "py39_0");
      BOOST_REQUIRE(f.depends.size() == 1u);
      BOOST_TEST(f.depends[0] == "python >=3.9,<3.10.0a0");
    }
  }
}

BOOST_AUTO_TEST_CASE(one_of_job_restricts_candidates) {
  Pool pool;
  Repo repo(pool, "test");
  BOOST_REQUIRE(repo.add_conda_json(k_repodata).ok());
  pool.create_whatprovides();
  std::vector<Id> old_python;
  for (Id p : pool.solvables_named("python"))
    if (pool.solvable_version(p) == "3.9.0") old_python.push_back(p);
  Request request;
  request.install_one_of(old_python);
  Solver solver(pool);
  BOOST_REQUIRE(solver.solve(request) == 0);
  auto installed = names_of(pool, solver.installed_solvables());
  BOOST_TEST(std::count(installed.begin(), installed.end(), "python-3.9.0") == 1);
}

BOOST_AUTO_TEST_CASE(malformed_json_is_input_error) {
  Pool pool;
  Repo repo(pool, "test");
  auto r = repo.add_conda_json(R"({"packages": {"a.tar.bz2": {"name": )");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::input);
}

// Real data: the complete pkgs/r linux-64 repodata (4,211 records) loads, answers a version
// query, and r-base is unsatisfiable from pkgs/r alone (its C libraries live in pkgs/main).
BOOST_AUTO_TEST_CASE(corpus_pkgs_r_loads_and_explains_missing_dependencies) {
  auto json = read_file(testing::corpus_dir() + "/repodata/conda__r_linux-64.repodata.json");
  BOOST_REQUIRE(json.ok());
  Pool pool;
  Repo repo(pool, "pkgs/r");
  BOOST_REQUIRE(repo.add_conda_json(*json).ok());
  BOOST_TEST(repo.size() == 4211);
  pool.create_whatprovides();
  BOOST_TEST(pool.what_matches(pool.conda_matchspec("r-base >=3.5")).size() > 0u);
  BOOST_TEST(pool.what_matches(pool.conda_matchspec("r-base >=99")).empty());
  Request request;
  request.install_spec(pool.conda_matchspec("r-base"));
  Solver solver(pool);
  BOOST_REQUIRE(solver.solve(request) > 0);
  auto texts = solver.problem_texts();
  BOOST_TEST(texts.front().find("nothing provides") != std::string::npos);
  BOOST_TEST(texts.front().find("r-base") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::solv
