// Tier 1 for pip distributions: the lock's pip entries against site-packages' dist-infos, and
// their RECORD as records for the file tiers.

#include <boost/test/unit_test.hpp>

#include "lib/verify/verify.h"

namespace envlock::verify {
namespace {

prefix::InstalledDist dist(const std::string& name, const std::string& version,
                           const std::string& sha256 = "") {
  prefix::InstalledDist d;
  d.dist_info = "lib/python3.11/site-packages/" + name + "-" + version + ".dist-info";
  d.name = name;
  d.version = version;
  d.installer = "pip";
  d.archive_sha256 = sha256;
  return d;
}

lockfile::LockedPackage pip(const std::string& name, const std::string& version,
                            const std::string& sha256 = std::string(64, 'a')) {
  lockfile::LockedPackage p;
  p.manager = lockfile::Manager::pip;
  p.name = name;
  p.version = version;
  p.sha256 = sha256;
  return p;
}

std::vector<std::string> codes(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) {
    BOOST_TEST((f.manager == lockfile::Manager::pip));
    out.push_back(f.code + " " + f.package + " " + f.expected + "|" + f.actual);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pip_distributions)

BOOST_AUTO_TEST_CASE(names_by_pep_503_and_versions_by_pep_440) {
  // Spelt differently, the same distribution and version: nothing to say.
  BOOST_TEST(
      compare_pip({dist("Typing_Extensions", "4.0.0")}, {pip("typing-extensions", "4.0")}).empty());
  BOOST_TEST(codes(compare_pip({dist("six", "1.15.0")}, {pip("six", "1.16.0")})) ==
                 std::vector<std::string>{"version-differs six 1.16.0|1.15.0"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_extra_duplicate_and_another_wheel) {
  const std::string a(64, 'a'), b(64, 'b');
  auto found = compare_pip(
      {dist("extra", "1.0"), dist("six", "1.16.0", b), dist("twice", "1.0"), dist("Twice", "2.0")},
      {pip("missing", "2.0"), pip("six", "1.16.0", a), pip("twice", "1.0")});
  BOOST_TEST(codes(found) == (std::vector<std::string>{"package-extra extra |1.0",
                                                       "package-missing missing 2.0|",
                                                       "sha256-differs six " + a + "|" + b,
                                                       "duplicate-record twice 1.0|2.0"}),
             boost::test_tools::per_element());
  // Conda entries of the lock are not pip's business.
  lockfile::LockedPackage conda = pip("six", "1.16.0");
  conda.manager = lockfile::Manager::conda;
  BOOST_TEST(codes(compare_pip({}, {conda})).empty());
}

BOOST_AUTO_TEST_CASE(record_lines_become_hashed_paths) {
  prefix::InstalledDist d = dist("Six", "1.16.0");
  d.files = {{"lib/python3.11/site-packages/six.py", std::string(64, 'c'), 10},
             {"lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD", "", std::nullopt}};
  auto records = records_of_dists({d});
  BOOST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records[0].name == "pip:six");
  BOOST_REQUIRE(records[0].paths.size() == 2u);
  BOOST_TEST(records[0].paths[0].sha256_in_prefix == std::string(64, 'c'));
  BOOST_TEST((records[0].paths[0].size_in_bytes == std::optional<uint64_t>(10)));
  BOOST_TEST(records[0].paths[1].sha256.empty());
  BOOST_TEST(records[0].files.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::verify
