// Planning: which records go and which locked packages come, from real conda-meta records.

#include "lib/install/transaction.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "lib/testing/testing.h"

namespace envlock::install {
namespace {

namespace fs = std::filesystem;

std::vector<prefix::PrefixRecord> corpus_records() {
  auto state =
      prefix::read_conda_meta(testing::corpus_dir() + "/conda-meta/conda-env_metadata/envpy27osx");
  if (!state.ok()) BOOST_FAIL(state.error().to_string());
  return state->records;
}

lockfile::LockedPackage locked_from(const prefix::PrefixRecord& r) {
  lockfile::LockedPackage p;
  p.name = r.name;
  p.version = r.version;
  p.build = r.build;
  p.url = r.url;
  p.md5 = r.md5;
  p.sha256 = r.sha256;
  return p;
}

BOOST_AUTO_TEST_SUITE(transaction)

BOOST_AUTO_TEST_CASE(a_prefix_that_matches_its_lock_needs_nothing) {
  auto records = corpus_records();
  BOOST_REQUIRE(records.size() > 10);
  std::vector<lockfile::LockedPackage> locked;
  for (const auto& r : records) locked.push_back(locked_from(r));
  Transaction t = plan_transaction(locked, records);
  BOOST_TEST(t.empty());
  BOOST_TEST(t.changes.empty());
}

BOOST_AUTO_TEST_CASE(adds_removes_and_replaces_by_name) {
  auto records = corpus_records();
  std::vector<lockfile::LockedPackage> locked;
  for (const auto& r : records) locked.push_back(locked_from(r));
  // zlib upgraded, openssl dropped, a new package added, certifi rebuilt with new bytes.
  std::string removed = "openssl";
  locked.erase(std::remove_if(
                   locked.begin(), locked.end(), [&](const auto& p) { return p.name == removed; }),
               locked.end());
  for (auto& p : locked) {
    if (p.name == "zlib") {
      p.version = "1.2.13";
      p.md5 = "00000000000000000000000000000000";
    }
    if (p.name == "certifi") p.md5 = "ffffffffffffffffffffffffffffffff";
  }
  lockfile::LockedPackage extra;
  extra.name = "aaa-new";
  extra.version = "1";
  extra.build = "0";
  extra.url = "https://example.invalid/noarch/aaa-new-1-0.conda";
  extra.sha256 = std::string(64, 'a');
  locked.push_back(extra);

  Transaction t = plan_transaction(locked, records);
  BOOST_REQUIRE_EQUAL(t.changes.size(), 4u);
  BOOST_TEST(t.changes[0].name == "aaa-new");
  BOOST_TEST(to_string(t.changes[0].kind) == std::string("add"));
  BOOST_TEST(t.changes[1].name == "certifi");
  BOOST_TEST(to_string(t.changes[1].kind) == std::string("replace"));
  BOOST_TEST(t.changes[2].name == "openssl");
  BOOST_TEST(to_string(t.changes[2].kind) == std::string("remove"));
  BOOST_TEST(t.changes[3].name == "zlib");
  BOOST_TEST(t.changes[3].old_version == "1.2.11");
  BOOST_TEST(t.changes[3].new_version == "1.2.13");
  BOOST_TEST(t.link.size() == 3u);    // aaa-new, certifi, zlib
  BOOST_TEST(t.unlink.size() == 3u);  // certifi, openssl, zlib
}

BOOST_AUTO_TEST_CASE(digests_decide_when_both_sides_have_them) {
  prefix::PrefixRecord r;
  r.name = "x";
  r.version = "1";
  r.build = "0";
  r.sha256 = std::string(64, 'A');
  r.md5 = std::string(32, 'b');
  lockfile::LockedPackage p;
  p.name = "x";
  p.version = "1";
  p.build = "0";
  p.sha256 = std::string(64, 'a');  // case does not matter
  p.md5 = std::string(32, 'c');     // ignored: sha256 decides
  BOOST_TEST(record_matches(r, p));
  p.sha256 = std::string(64, 'd');
  BOOST_TEST(!record_matches(r, p));
  p.sha256.clear();
  BOOST_TEST(!record_matches(r, p));  // md5 differs
  p.md5 = r.md5;
  BOOST_TEST(record_matches(r, p));
  p.build = "1";
  BOOST_TEST(!record_matches(r, p));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::install
