#include "lib/spec/package_record.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "lib/spec/platform.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::spec {
namespace {

std::string corpus_file(const std::string& name) {
  auto text = read_file(testing::corpus_dir() + "/repodata/" + name);
  BOOST_REQUIRE_MESSAGE(text.ok(), name);
  return std::move(text).value();
}

BOOST_AUTO_TEST_CASE(parses_the_r_channel_repodata) {
  auto repo = parse_repodata(corpus_file("conda__r_linux-64.repodata.json"), "r_linux-64");
  BOOST_REQUIRE_MESSAGE(repo.ok(), (repo.ok() ? "" : repo.error().to_string()));
  BOOST_CHECK_EQUAL(repo->subdir, "linux-64");
  BOOST_CHECK_EQUAL(repo->records.size(), 4211u);
  BOOST_REQUIRE_EQUAL(repo->removed.size(), 1u);
  BOOST_CHECK_EQUAL(repo->removed[0], "r-nloptr-1.0.4-r3.2.2_1.tar.bz2");
  const PackageRecord& mutex = repo->records.front();
  BOOST_CHECK_EQUAL(mutex.fn, "_r-mutex-1.0.0-anacondar_1.tar.bz2");
  BOOST_CHECK_EQUAL(mutex.dist_name(), "_r-mutex-1.0.0-anacondar_1");
  BOOST_CHECK_EQUAL(mutex.build_number, 1);
  BOOST_CHECK_EQUAL(mutex.size, 2472u);
  BOOST_CHECK_EQUAL(mutex.timestamp, 1518197313289);  // already milliseconds
  BOOST_REQUIRE_EQUAL(mutex.track_features.size(), 1u);
  BOOST_CHECK_EQUAL(mutex.track_features[0], "anacondar");
  BOOST_CHECK(mutex.url.empty());  // no base_url: the channel layer builds URLs
  std::size_t with_depends = 0;
  for (const auto& r : repo->records) {
    with_depends += r.depends.empty() ? 0 : 1;
    BOOST_CHECK_MESSAGE(r.parsed_version() != nullptr, r.fn);
  }
  BOOST_CHECK_GT(with_depends, 4000u);
}

BOOST_AUTO_TEST_CASE(repodata_v2_base_url_and_seconds_timestamps) {
  auto repo = parse_repodata(corpus_file("mamba__conda-forge-repodata-version-2.json"), "v2");
  BOOST_REQUIRE_MESSAGE(repo.ok(), (repo.ok() ? "" : repo.error().to_string()));
  BOOST_CHECK_EQUAL(repo->repodata_version, 2);
  BOOST_CHECK_EQUAL(repo->base_url, "https://repo.anaconda.com/repo/main/linux-64/");
  BOOST_REQUIRE_EQUAL(repo->records.size(), 2u);
  // "packages" first, then "packages.conda".
  BOOST_CHECK_EQUAL(repo->records[0].name, "_libgcc_mutex");
  BOOST_CHECK(repo->records[0].depends.empty());  // null
  BOOST_CHECK_EQUAL(repo->records[0].timestamp, 1578324546000);
  BOOST_CHECK(repo->records[0].track_features.empty());  // ""
  BOOST_CHECK_EQUAL(repo->records[1].fn, "bzip2-1.0.8-hd590300_5.conda");
  BOOST_CHECK_EQUAL(repo->records[1].depends.at(0), "libgcc-ng >=12");
  // The record's own url wins over base_url.
  BOOST_CHECK_EQUAL(repo->records[1].url,
                    "https://conda.anaconda.org/conda-forge/linux-64/bzip2-1.0.8-hd590300_5.conda");

  auto missing = parse_repodata(
      corpus_file("mamba__conda-forge-repodata-version-2-missing-base_url.json"), "v2b");
  BOOST_REQUIRE(missing.ok());
  BOOST_CHECK(missing->base_url.empty());
}

BOOST_AUTO_TEST_CASE(base_url_builds_record_urls) {
  std::string json = R"({"info": {"subdir": "noarch", "base_url": "https://example.org/ch/noarch"},
    "packages.conda": {"a-1.0-0.conda": {"name": "a", "version": "1.0", "build": "0",
    "build_number": 0, "depends": ["b >=2"], "timestamp": 1700000000}}, "repodata_version": 2})";
  auto repo = parse_repodata(json, "inline");
  BOOST_REQUIRE(repo.ok());
  BOOST_REQUIRE_EQUAL(repo->records.size(), 1u);
  BOOST_CHECK_EQUAL(repo->records[0].url, "https://example.org/ch/noarch/a-1.0-0.conda");
  BOOST_CHECK_EQUAL(repo->records[0].subdir, "noarch");
  BOOST_CHECK_EQUAL(repo->records[0].timestamp, 1700000000000);
}

BOOST_AUTO_TEST_CASE(every_corpus_repodata_file_parses) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::corpus_dir() + "/repodata")) {
    std::string name = entry.path().filename().string();
    if (name.find(".repodata.json") == std::string::npos) continue;
    auto repo = parse_repodata(corpus_file(name), name);
    BOOST_CHECK_MESSAGE(repo.ok(), name << ": " << (repo.ok() ? "" : repo.error().to_string()));
    ++files;
  }
  BOOST_CHECK_GE(files, 6);
}

BOOST_AUTO_TEST_CASE(malformed_json_names_source_and_position) {
  auto r = parse_repodata("{\n  \"info\": {\"subdir\": \"linux-64\"},\n  \"packages\": {,}\n}",
                          "channel/linux-64/repodata.json");
  BOOST_REQUIRE(!r.ok());
  BOOST_CHECK(r.error().kind == ErrorKind::input);
  BOOST_CHECK_EQUAL(r.error().where, "channel/linux-64/repodata.json:3:16");
  BOOST_CHECK(r.error().message.find("malformed JSON") != std::string::npos);

  auto truncated = parse_repodata("{\"packages\": {\"a-1-0.tar.bz2\": {\"name\": \"a\"", "t.json");
  BOOST_REQUIRE(!truncated.ok());
  BOOST_CHECK(truncated.error().where.rfind("t.json:1:", 0) == 0);

  auto wrong_type = parse_repodata(R"({"packages": {"a-1-0.tar.bz2": {"name": "a",
      "version": "1", "depends": "b"}}})",
                                   "w.json");
  BOOST_REQUIRE(!wrong_type.ok());
  BOOST_CHECK(wrong_type.error().to_string().find("a-1-0.tar.bz2") != std::string::npos);
  BOOST_CHECK(wrong_type.error().to_string().find("depends") != std::string::npos);

  BOOST_CHECK(!parse_repodata("[]", "x").ok());
  BOOST_CHECK(!parse_repodata("", "x").ok());
  BOOST_CHECK(!parse_repodata(R"({"packages": []})", "x").ok());
}

BOOST_AUTO_TEST_CASE(record_from_filename_splits_like_conda) {
  auto r = record_from_filename("_license-1.1-py27_1.tar.bz2");
  BOOST_REQUIRE(r.ok());
  BOOST_CHECK_EQUAL(r->name, "_license");
  BOOST_CHECK_EQUAL(r->version, "1.1");
  BOOST_CHECK_EQUAL(r->build, "py27_1");
  auto c = record_from_filename("font-ttf-dejavu-sans-mono-2.37-hab24e00_0.conda");
  BOOST_REQUIRE(c.ok());
  BOOST_CHECK_EQUAL(c->name, "font-ttf-dejavu-sans-mono");
  BOOST_CHECK(!record_from_filename("nodashes.conda").ok());
  BOOST_CHECK(!record_from_filename("one-dash.conda").ok());
}

BOOST_AUTO_TEST_CASE(parsed_version_is_cached_and_follows_edits) {
  PackageRecord r;
  r.version = "1.2";
  const Version* v = r.parsed_version();
  BOOST_REQUIRE(v);
  BOOST_CHECK_EQUAL(v->str(), "1.2");
  r.version = "2.0";
  BOOST_CHECK_EQUAL(r.parsed_version()->str(), "2.0");
  r.version = "1..2";
  BOOST_CHECK(r.parsed_version() == nullptr);
}

BOOST_AUTO_TEST_CASE(platforms) {
  BOOST_CHECK_EQUAL(known_platforms().size(), 20u);
  BOOST_CHECK(is_known_platform("linux-riscv64"));
  BOOST_CHECK(is_known_platform("freebsd-64"));
  BOOST_CHECK(is_known_platform("linux-64"));
  BOOST_CHECK(is_known_platform("emscripten-wasm32"));
  BOOST_CHECK(is_known_platform("zos-z"));
  BOOST_CHECK(!is_known_platform("linux-65"));
  BOOST_CHECK(!is_known_platform(""));
  BOOST_CHECK(is_known_platform(host_platform()));
#if defined(__linux__) && defined(__x86_64__)
  BOOST_CHECK_EQUAL(host_platform(), "linux-64");
#endif
}

}  // namespace
}  // namespace envlock::spec
