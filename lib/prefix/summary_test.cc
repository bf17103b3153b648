// The no-op reader agrees with lib/prefix's full reader on real prefixes.

#include "lib/prefix/summary.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "lib/testing/testing.h"

namespace envlock::prefix {
namespace {

namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(record_summaries)

BOOST_AUTO_TEST_CASE(identity_fields_match_the_full_reader_on_corpus_prefixes) {
  size_t compared = 0;
  for (const auto& env :
       fs::directory_iterator(testing::corpus_dir() + "/conda-meta/conda-env_metadata")) {
    auto full = read_conda_meta(env.path().string());
    if (!full.ok()) BOOST_FAIL(full.error().to_string());
    auto fast = read_record_summaries(env.path().string());
    if (!fast.ok()) BOOST_FAIL(fast.error().to_string());
    BOOST_REQUIRE_EQUAL(full->records.size(), fast->size());
    std::map<std::string, const PrefixRecord*> by_file;
    for (const auto& r : *fast) by_file[fs::path(r.source_file).filename().string()] = &r;
    for (const auto& r : full->records) {
      const auto* s = by_file.at(fs::path(r.source_file).filename().string());
      BOOST_TEST(s->name == r.name);
      BOOST_TEST(s->channel == r.channel);
      BOOST_TEST(s->subdir == r.subdir);
      BOOST_TEST((s->size == r.size));
      BOOST_TEST(s->version == r.version);
      BOOST_TEST(s->build == r.build);
      BOOST_TEST(s->sha256 == r.sha256);
      BOOST_TEST(s->md5 == r.md5);
      BOOST_TEST(s->url == r.url);
      ++compared;
    }
  }
  BOOST_TEST(compared > 50u);
}

BOOST_AUTO_TEST_CASE(a_broken_record_is_named) {
  testing::TempDir tmp;
  testing::write_text(tmp / "conda-meta/good-1-0.json",
                      R"({"name": "good", "version": "1", "build": "0", "files": []})");
  testing::write_text(tmp / "conda-meta/._good-1-0.json", "AppleDouble junk");
  auto ok = read_record_summaries(tmp.path());
  BOOST_REQUIRE(ok.ok());
  BOOST_TEST(ok->size() == 1u);
  testing::write_text(tmp / "conda-meta/bad-1-0.json", R"({"name": "bad", "version": )");
  auto bad = read_record_summaries(tmp.path());
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().kind == ErrorKind::input);
  BOOST_TEST(bad.error().where.find("bad-1-0.json") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::prefix
