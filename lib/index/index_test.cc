// The channel indexer over real packages: the demo channel and the corpus packages, read back
// with our own repodata reader and compared with the packages themselves, with the repodata
// the demo script and conda-index wrote for them, and with the shards decoded again.

#include "lib/index/index.h"

#include <unistd.h>
#include <zstd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/hash/hash.h"
#include "lib/package/package.h"
#include "lib/spec/package_record.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace envlock::index {
namespace {

using envlock::testing::read_text;
using envlock::testing::TempDir;

/// Copies the package files (not the repodata) of `from`'s subdir folders into `to`.
void copy_packages(const std::string& from, const std::string& to) {
  for (const auto& sub : fs::directory_iterator(from)) {
    if (!sub.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(sub.path())) {
      std::string fn = f.path().filename().string();
      bool package = fn.ends_with(".conda") || fn.ends_with(".tar.bz2");
      if (!package || !f.is_regular_file()) continue;
      fs::create_directories(to + "/" + sub.path().filename().string());
      fs::copy_file(f.path(), to + "/" + sub.path().filename().string() + "/" + fn);
    }
  }
}

std::string zstd_decompress(const std::string& bytes) {
  unsigned long long size = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
  BOOST_TEST_REQUIRE(size != ZSTD_CONTENTSIZE_ERROR);
  BOOST_TEST_REQUIRE(size != ZSTD_CONTENTSIZE_UNKNOWN);
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), bytes.data(), bytes.size());
  BOOST_TEST_REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

/// Every file below `dir`, relative path → bytes.
std::map<std::string, std::string> tree(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) out[fs::relative(f.path(), dir).string()] = read_text(f.path());
  }
  return out;
}

/// The subdir's shards decoded; checks each file's name and index entry against its sha256
/// and returns fn → record (md5/sha256 turned back into hex).
std::map<std::string, json> read_shards(const std::string& subdir_dir) {
  json index = json::from_msgpack(zstd_decompress(read_text(subdir_dir + "/" + k_shard_index)));
  BOOST_TEST(index["version"] == 1);
  BOOST_TEST(index["info"]["shards_base_url"] == "./shards/");
  std::map<std::string, json> records;
  for (const auto& [name, digest] : index["shards"].items()) {
    BOOST_TEST_REQUIRE(digest.is_binary());
    const auto& raw = digest.get_binary();
    BOOST_TEST_REQUIRE(raw.size() == 32u);
    std::string hex = hash::to_hex(std::string(raw.begin(), raw.end()));
    std::string file = read_text(subdir_dir + "/shards/" + hex + ".msgpack.zst");
    BOOST_TEST(hash::hex_digest(hash::Algorithm::sha256, file) == hex);
    json shard = json::from_msgpack(zstd_decompress(file));
    BOOST_TEST(shard["removed"] == json::array());
    for (const char* section : {"packages", "packages.conda"}) {
      for (auto& [fn, rec] : shard[section].items()) {
        BOOST_TEST(rec["name"] == name);
        BOOST_TEST(fn.ends_with(".conda") == (std::string(section) == "packages.conda"));
        for (const char* key : {"sha256", "md5"}) {
          if (!rec.contains(key)) continue;
          BOOST_TEST_REQUIRE(rec[key].is_binary());
          const auto& b = rec[key].get_binary();
          rec[key] = hash::to_hex(std::string(b.begin(), b.end()));
        }
        BOOST_TEST(records.count(fn) == 0u, fn << " in two shards");
        records[fn] = rec;
      }
    }
  }
  return records;
}

std::map<std::string, json> repodata_records(const json& repodata) {
  std::map<std::string, json> out;
  for (const char* section : {"packages", "packages.conda"}) {
    for (const auto& [fn, rec] : repodata[section].items()) out[fn] = rec;
  }
  return out;
}

BOOST_AUTO_TEST_CASE(demo_channel_indexed_matches_packages_demo_repodata_and_shards) {
  std::string demo = envlock::testing::demo_channel_dir();
  TempDir tmp;
  copy_packages(demo, tmp / "a");
  Options options;
  options.shards = Shards::yes;
  options.jobs = 2;
  auto report = index_channel(tmp / "a", options);
  BOOST_TEST_REQUIRE(report.ok(), (report.ok() ? "" : report.error().to_string()));
  BOOST_TEST(report->subdirs.size() == 3u);
  size_t checked = 0;
  for (const auto& s : report->subdirs) {
    BOOST_TEST_CONTEXT(s.subdir) {
      std::string dir = tmp / "a" + "/" + s.subdir;
      std::string text = read_text(dir + "/repodata.json");
      BOOST_TEST(zstd_decompress(read_text(dir + "/repodata.json.zst")) == text);
      // Our own reader.
      auto parsed = spec::parse_repodata(text, dir + "/repodata.json");
      BOOST_TEST_REQUIRE(parsed.ok(), (parsed.ok() ? "" : parsed.error().to_string()));
      BOOST_TEST(parsed->subdir == s.subdir);
      BOOST_TEST(parsed->records.size() == s.records);
      BOOST_TEST(s.records > 0u);
      json demo_repodata = json::parse(read_text(demo + "/" + s.subdir + "/repodata.json"));
      auto demo_records = repodata_records(demo_repodata);
      BOOST_TEST(demo_records.size() == parsed->records.size());
      for (const auto& r : parsed->records) {
        BOOST_TEST_CONTEXT(r.fn) {
          auto info = package::read_package_info(dir + "/" + r.fn);
          BOOST_TEST_REQUIRE(info.ok());
          BOOST_TEST(r.name == info->index.name);
          BOOST_TEST(r.version == info->index.version);
          BOOST_TEST(r.build == info->index.build);
          BOOST_TEST(r.build_number == info->index.build_number);
          BOOST_TEST(r.depends == info->index.depends);
          BOOST_TEST(r.constrains == info->index.constrains);
          BOOST_TEST(r.subdir == s.subdir);
          auto digest =
              hash::digest_file(dir + "/" + r.fn, {hash::Algorithm::sha256, hash::Algorithm::md5});
          BOOST_TEST_REQUIRE(digest.ok());
          BOOST_TEST(r.sha256 == digest->hex[0]);
          BOOST_TEST(r.md5 == digest->hex[1]);
          BOOST_TEST(r.size == digest->size);
          // The demo script's own repodata for the same file.
          const json& d = demo_records.at(r.fn);
          BOOST_TEST(r.sha256 == d["sha256"].get<std::string>());
          BOOST_TEST(r.md5 == d["md5"].get<std::string>());
          BOOST_TEST(r.size == d["size"].get<uint64_t>());
          BOOST_TEST(r.depends == d["depends"].get<std::vector<std::string>>());
          ++checked;
        }
      }
      // Every record of repodata.json is in exactly one shard, with the same fields.
      auto shards = read_shards(dir);
      auto ours = repodata_records(json::parse(text));
      BOOST_TEST(shards.size() == ours.size());
      for (const auto& [fn, rec] : ours) {
        BOOST_TEST_REQUIRE(shards.count(fn) == 1u, fn);
        BOOST_TEST(shards[fn] == rec, fn);
      }
    }
  }
  BOOST_TEST(checked >= 10u);

  // Deterministic: a second channel with the same packages gives the same bytes, and so does
  // indexing the first one again in place.
  copy_packages(demo, tmp / "b");
  options.jobs = 1;
  BOOST_TEST_REQUIRE(index_channel(tmp / "b", options).ok());
  auto first = tree(tmp / "a");
  BOOST_TEST((first == tree(tmp / "b")));
  BOOST_TEST_REQUIRE(index_channel(tmp / "a", options).ok());
  BOOST_TEST((first == tree(tmp / "a")));
}

// The rattler peer read the repodata.json that index_channel writes for the demo packages
// (bench/peer_index_answers.py stored what it loaded): our reader loads the same records.
BOOST_AUTO_TEST_CASE(our_reader_and_rattler_load_the_same_records) {
  json peer = json::parse(read_text(envlock::testing::workspace_dir() +
                                    "/testdata/peer_solves/rattler_index.json"))["records"];
  BOOST_TEST_REQUIRE(peer.size() >= 15u);
  TempDir tmp;
  copy_packages(envlock::testing::demo_channel_dir(), tmp.path());
  auto report = index_channel(tmp.path(), {});
  BOOST_TEST_REQUIRE(report.ok());
  std::map<std::string, spec::PackageRecord> ours;
  for (const auto& s : report->subdirs) {
    auto parsed = spec::parse_repodata(read_text(tmp / s.subdir + "/repodata.json"), s.subdir);
    BOOST_TEST_REQUIRE(parsed.ok());
    for (auto& r : parsed->records) ours["demo/" + s.subdir + "/" + r.fn] = std::move(r);
  }
  for (const auto& [key, theirs] : peer.items()) {
    BOOST_TEST_CONTEXT(key) {
      BOOST_TEST_REQUIRE(ours.count(key) == 1u);
      const auto& r = ours[key];
      BOOST_TEST(r.name == theirs["name"].get<std::string>());
      BOOST_TEST(r.version == theirs["version"].get<std::string>());
      BOOST_TEST(r.build == theirs["build"].get<std::string>());
      BOOST_TEST(r.build_number == theirs["build_number"].get<int64_t>());
      BOOST_TEST(r.subdir == theirs["subdir"].get<std::string>());
      BOOST_TEST(r.fn == theirs["filename"].get<std::string>());
      BOOST_TEST(r.md5 == theirs["md5"].get<std::string>());
      BOOST_TEST(r.sha256 == theirs["sha256"].get<std::string>());
      BOOST_TEST(r.timestamp == theirs["timestamp"].get<int64_t>());
      BOOST_TEST(r.depends == theirs["depends"].get<std::vector<std::string>>());
      BOOST_TEST(r.constrains == theirs["constrains"].get<std::vector<std::string>>());
    }
  }
}

// conda-index wrote the corpus channels' repodata.json from the same package files: every
// record we write agrees with it on the fields both derive from the package.
BOOST_AUTO_TEST_CASE(corpus_channels_agree_with_conda_index) {
  std::string corpus = envlock::testing::corpus_dir() + "/packages";
  size_t compared = 0;
  for (const char* channel : {"conda_format_repo", "conda-test-recipes-channel"}) {
    BOOST_TEST_CONTEXT(channel) {
      TempDir tmp;
      copy_packages(corpus + "/" + channel, tmp.path());
      Options options;
      options.shards = Shards::yes;
      auto report = index_channel(tmp.path(), options);
      BOOST_TEST_REQUIRE(report.ok(), (report.ok() ? "" : report.error().to_string()));
      for (const auto& s : report->subdirs) {
        std::string theirs_path = corpus + "/" + channel + "/" + s.subdir + "/repodata.json";
        if (!fs::exists(theirs_path)) continue;
        auto theirs = repodata_records(json::parse(read_text(theirs_path)));
        auto ours = repodata_records(json::parse(read_text(tmp / s.subdir + "/repodata.json")));
        BOOST_TEST(read_shards(tmp / s.subdir).size() == ours.size());
        for (const auto& [fn, rec] : theirs) {
          if (!ours.count(fn)) continue;  // listed by conda-index, file not in the corpus
          BOOST_TEST_CONTEXT(s.subdir << "/" << fn) {
            const json& mine = ours[fn];
            for (const char* key : {"name",
                                    "version",
                                    "build",
                                    "build_number",
                                    "depends",
                                    "sha256",
                                    "md5",
                                    "size",
                                    "license",
                                    "subdir",
                                    "timestamp"}) {
              if (rec.contains(key)) BOOST_TEST(mine.value(key, json()) == rec[key], key);
            }
            ++compared;
          }
        }
      }
    }
  }
  BOOST_TEST(compared >= 20u);
}

BOOST_AUTO_TEST_CASE(repodata_file_to_shards_keeps_every_record) {
  std::string source =
      envlock::testing::corpus_dir() + "/packages/conda-test-recipes-channel/noarch/repodata.json";
  TempDir tmp;
  Options options;
  options.shards = Shards::yes;
  auto summary = index_repodata_file(source, tmp.path(), options);
  BOOST_TEST_REQUIRE(summary.ok(), (summary.ok() ? "" : summary.error().to_string()));
  BOOST_TEST(summary->subdir == "noarch");
  json in = json::parse(read_text(source));
  json out = json::parse(read_text(tmp / "noarch/repodata.json"));
  BOOST_TEST(out["packages"] == in["packages"]);
  BOOST_TEST(out["packages.conda"] == in["packages.conda"]);
  auto shards = read_shards(tmp / "noarch");
  BOOST_TEST(shards.size() == summary->records);
  BOOST_TEST(summary->records == in["packages"].size() + in["packages.conda"].size());
  for (const auto& [fn, rec] : repodata_records(in)) BOOST_TEST(shards[fn] == rec, fn);

  // --subdir renames; the records are unchanged.
  options.subdir = "linux-64";
  auto renamed = index_repodata_file(source, tmp / "x", options);
  BOOST_TEST_REQUIRE(renamed.ok());
  BOOST_TEST(json::parse(read_text(tmp / "x/linux-64/repodata.json"))["info"]["subdir"] ==
             "linux-64");
}

BOOST_AUTO_TEST_CASE(records_in_memory_written_and_read_back) {
  auto a = spec::record_from_filename("zlib-1.3.1-hb9d3cd8_2.conda");
  BOOST_TEST_REQUIRE(a.ok());
  a->depends = {"libgcc >=13"};
  a->sha256 = std::string(64, 'a');
  a->md5 = std::string(32, 'b');
  a->size = 12345;
  auto b = spec::record_from_filename("zlib-1.2.13-h166bdaf_4.tar.bz2");
  BOOST_TEST_REQUIRE(b.ok());
  TempDir tmp;
  Options options;
  options.shards = Shards::yes;
  auto summary = write_subdir(tmp.path(), "linux-64", {*a, *b}, options);
  BOOST_TEST_REQUIRE(summary.ok(), (summary.ok() ? "" : summary.error().to_string()));
  BOOST_TEST(summary->names == 1u);
  auto parsed = spec::parse_repodata(read_text(tmp / "repodata.json"), "repodata.json");
  BOOST_TEST_REQUIRE(parsed.ok());
  BOOST_TEST_REQUIRE(parsed->records.size() == 2u);
  const auto& conda =
      parsed->records[1].fn.ends_with(".conda") ? parsed->records[1] : parsed->records[0];
  BOOST_TEST(conda.sha256 == a->sha256);
  BOOST_TEST(conda.size == 12345u);
  BOOST_TEST(conda.depends == a->depends);
  BOOST_TEST(read_shards(tmp.path()).size() == 2u);

  auto dup = write_subdir(tmp.path(), "linux-64", {*a, *a}, options);
  BOOST_TEST_REQUIRE(!dup.ok());
  BOOST_TEST((dup.error().kind == ErrorKind::input));
  a->fn = "../evil.conda";
  auto evil = write_subdir(tmp.path(), "linux-64", {*a}, options);
  BOOST_TEST_REQUIRE(!evil.ok());
  BOOST_TEST((evil.error().kind == ErrorKind::input));
}

BOOST_AUTO_TEST_CASE(hostile_channels_are_input_errors_and_nothing_is_written) {
  std::string demo = envlock::testing::demo_channel_dir();
  std::string good;
  for (const auto& f : fs::directory_iterator(demo + "/noarch")) {
    if (f.path().string().ends_with(".conda")) good = f.path().string();
  }
  BOOST_TEST_REQUIRE(!good.empty());
  {  // Not a package.
    TempDir tmp;
    envlock::testing::write_text(tmp / "noarch/bad-1-0.conda", "not a zip");
    auto r = index_channel(tmp.path(), {});
    BOOST_TEST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind == ErrorKind::input));
    BOOST_TEST(r.error().to_string().find("bad-1-0.conda") != std::string::npos);
    BOOST_TEST(!fs::exists(tmp / "noarch/repodata.json"));
  }
  {  // A symlink to a package outside the channel.
    TempDir tmp;
    fs::create_directories(tmp / "noarch");
    fs::create_symlink(good, tmp / "noarch/x-1-0.conda");
    auto r = index_channel(tmp.path(), {});
    BOOST_TEST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind == ErrorKind::input));
  }
  {  // A control character in a file name.
    TempDir tmp;
    fs::create_directories(tmp / "noarch");
    fs::copy_file(good, tmp / "noarch/x\x1b[2J-1-0.conda");
    auto r = index_channel(tmp.path(), {});
    BOOST_TEST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().to_string().find('\x1b') == std::string::npos);
  }
  {  // A repodata.json whose key climbs out of the subdir, and one that is not repodata.
    TempDir tmp;
    envlock::testing::write_text(tmp / "r.json",
                                 R"({"packages": {"../x-1-0.tar.bz2": {"name": "x"}}})");
    auto r = index_repodata_file(tmp / "r.json", tmp / "out", {});
    BOOST_TEST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind == ErrorKind::input));
    BOOST_TEST(!fs::exists(tmp / "out"));
    envlock::testing::write_text(tmp / "s.json", "{\"packages\": [1,\n 2");
    auto s = index_repodata_file(tmp / "s.json", tmp / "out", {});
    BOOST_TEST_REQUIRE(!s.ok());
    BOOST_TEST(s.error().to_string().find("s.json:2:") != std::string::npos);
    Options bad_subdir;
    bad_subdir.subdir = "..";
    auto t = index_repodata_file(tmp / "r.json", tmp / "out", bad_subdir);
    BOOST_TEST_REQUIRE(!t.ok());
    BOOST_TEST((t.error().kind == ErrorKind::usage));
  }
}

}  // namespace
}  // namespace envlock::index
