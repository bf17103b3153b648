#include "lib/solve/solv/solv.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <map>

#include "lib/spec/repodata_index.h"

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

BOOST_AUTO_TEST_CASE(fields_read_back) {
  Pool pool;
  Repo repo(pool, "test", 7);
  BOOST_REQUIRE(repo.add_conda_json(k_repodata).ok());
  pool.create_whatprovides();
  auto numpy = pool.what_matches(pool.conda_matchspec("numpy"));
  BOOST_REQUIRE(numpy.size() == 1u);
  auto f = pool.fields(numpy[0]);
  BOOST_TEST(f.repo_index == 7);
  BOOST_TEST(f.subdir == "linux-64");
  BOOST_TEST(f.fn == "numpy-1.20.0-py39_0.tar.bz2");
  BOOST_TEST(f.build == "py39_0");
  BOOST_REQUIRE(f.depends.size() == 1u);
  BOOST_TEST(f.depends[0] == "python >=3.9,<3.10.0a0");
}

// Records added by add_records solve like the same records read by libsolv's own reader.
BOOST_AUTO_TEST_CASE(added_records_solve_like_repo_add_conda) {
  spec::PackageRecord python;
  python.name = "python";
  python.version = "3.9.0";
  python.build = "h1_0";
  python.depends = {"openssl >=1.1,<4"};
  spec::PackageRecord openssl1 = python, openssl3 = python;
  openssl1.name = openssl3.name = "openssl";
  openssl1.version = "1.1.1";
  openssl3.version = "3.0.0";
  openssl1.depends = openssl3.depends = {};
  openssl3.track_features = {" heavy "};
  Pool pool;
  Repo repo(pool, "test");
  Id first = repo.add_records({&python, &openssl1, &openssl3});
  BOOST_TEST(repo.size() == 3);
  pool.create_whatprovides();
  auto f = pool.fields(first + 2);
  BOOST_TEST(f.name == "openssl");
  BOOST_TEST(f.build == "h1_0");
  BOOST_REQUIRE(f.track_features.size() == 1u);
  BOOST_TEST(f.track_features[0] == "heavy");
  Request request;
  request.install_spec(pool.conda_matchspec("python"));
  Solver solver(pool);
  BOOST_REQUIRE(solver.solve(request) == 0);
  // libsolv avoids the build with track_features although its version is higher.
  auto installed = names_of(pool, solver.installed_solvables());
  std::vector<std::string> expected = {"openssl-1.1.1", "python-3.9.0"};
  BOOST_TEST(installed == expected, boost::test_tools::per_element());
}

// A tie rank decides between builds of one version and build number (libsolv would take the
// larger build string), never against a higher build number; it is not part of the build
// number that fields() reads back.
BOOST_AUTO_TEST_CASE(tie_rank_orders_builds_of_one_version_and_build_number) {
  spec::PackageRecord a;
  a.name = "tool";
  a.version = "1.0";
  a.build = "hb_1";
  a.build_number = 1;
  spec::PackageRecord b = a, c = a, d = a;
  b.build = "ha_1";
  c.build = "hz_0";
  c.build_number = 0;
  d.build = "hc_1";
  for (uint32_t rank_of_a : {1u, 3u}) {
    Pool pool;
    Repo repo(pool, "test");
    // b ranks 2 of 3 (rank 10 for the c build, alone with build number 0, is ignored there).
    Id first = repo.add_records({&a, &b, &c, &d}, {rank_of_a, 2, 10, 0});
    pool.create_whatprovides();
    BOOST_TEST(pool.fields(first).build_number == 1u);
    Request request;
    request.install_spec(pool.conda_matchspec("tool"));
    Solver solver(pool);
    BOOST_REQUIRE(solver.solve(request) == 0);
    auto installed = solver.installed_solvables();
    BOOST_REQUIRE(installed.size() == 1u);
    BOOST_TEST(pool.fields(installed[0]).build == (rank_of_a == 3 ? "hb_1" : "ha_1"));
  }
}

// Legacy `features: X` needs the name "X@": with no such record the build cannot be installed.
BOOST_AUTO_TEST_CASE(legacy_features_need_the_feature_record) {
  spec::PackageRecord plain;
  plain.name = "scipy";
  plain.version = "1.0";
  plain.build = "h_0";
  spec::PackageRecord featured = plain, feature;
  featured.build = "nomkl_0";
  featured.features = {"nomkl"};
  feature.name = "nomkl@";
  feature.version = "0";
  feature.build = "0";
  for (bool with_feature_record : {false, true}) {
    Pool pool;
    Repo repo(pool, "test");
    std::vector<const spec::PackageRecord*> records = {&featured};
    if (with_feature_record) records.push_back(&feature);
    repo.add_records(records);
    pool.create_whatprovides();
    Request request;
    request.install_spec(pool.conda_matchspec("scipy"));
    Solver solver(pool);
    BOOST_TEST((solver.solve(request) == 0) == with_feature_record);
  }
}

// Every record of real repodata (pkgs/r, pkgs/main noarch, pytorch, and conda's legacy index4
// test channel, whose old records carry "requires" beside "depends") comes out of add_records
// with the same name, version, build, build number, depends (plus "X@" per legacy feature X),
// constrains and track_features as out of libsolv's repo_add_conda, and the same .tar.bz2
// records are shadowed by .conda ones.
BOOST_AUTO_TEST_CASE(add_records_matches_repo_add_conda_on_corpus_repodata) {
  for (const char* file : {"conda__r_linux-64.repodata.json",
                           "conda__main_noarch.repodata.json",
                           "rattler__pytorch_linux-64.repodata.json",
                           "conda__index4.legacy-dict.json"}) {
    BOOST_TEST_CONTEXT(file) {
      auto json = read_file(testing::corpus_dir() + "/repodata/" + file);
      BOOST_REQUIRE(json.ok());
      Pool reference_pool;
      Repo reference(reference_pool, "reference");
      BOOST_REQUIRE(reference.add_conda_json(*json).ok());
      std::map<std::string, SolvableFields> by_fn;
      for (Id p = 2; p < reference_pool.solvable_count(); ++p) {
        auto f = reference_pool.fields(p);
        by_fn[f.fn] = f;
      }
      auto index = spec::RepodataIndex::build(*json, 0, file);
      BOOST_REQUIRE(index.ok());
      std::vector<spec::PackageRecord> records;
      for (uint32_t i = 0; i < index->size(); ++i) records.push_back(index->record(i).value());
      std::vector<const spec::PackageRecord*> pointers;
      for (const auto& r : records) pointers.push_back(&r);
      Pool pool;
      Repo repo(pool, "ours");
      Id first = repo.add_records(pointers);
      size_t compared = 0;
      for (size_t i = 0; i < records.size(); ++i) {
        auto it = by_fn.find(records[i].fn);
        if (it == by_fn.end()) {
          // Only a .tar.bz2 whose .conda twin exists is missing from libsolv's repo.
          BOOST_TEST(records[i].fn.ends_with(".tar.bz2"));
          std::string twin = records[i].fn.substr(0, records[i].fn.size() - 8) + ".conda";
          BOOST_TEST(by_fn.count(twin) == 1u);
          continue;
        }
        auto ours = pool.fields(first + static_cast<Id>(i));
        const auto& theirs = it->second;
        BOOST_TEST(ours.name == theirs.name);
        BOOST_TEST(ours.version == theirs.version);
        BOOST_TEST(ours.build == theirs.build);
        BOOST_TEST(ours.build_number == theirs.build_number);
        // Legacy `features` are our addition: each one requires conda's "<feature>@" record.
        auto depends = theirs.depends;
        for (const auto& feature : records[i].features) depends.push_back(feature + "@");
        BOOST_TEST(ours.depends == depends, boost::test_tools::per_element());
        BOOST_TEST(ours.constrains == theirs.constrains, boost::test_tools::per_element());
        BOOST_TEST(ours.track_features == theirs.track_features, boost::test_tools::per_element());
        ++compared;
      }
      BOOST_TEST(compared == by_fn.size());
    }
  }
}

BOOST_AUTO_TEST_CASE(one_of_job_restricts_candidates) {
  Pool pool;
  Repo repo(pool, "test");
  BOOST_REQUIRE(repo.add_conda_json(k_repodata).ok());
  pool.create_whatprovides();
  std::vector<Id> old_python;
  for (Id p : pool.what_matches(pool.conda_matchspec("python")))
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
