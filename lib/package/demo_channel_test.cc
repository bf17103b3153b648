// The generated demo channel (//testdata:demo_channel): every package agrees with the repodata
// that lists it and with its own paths.json, in both formats.

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lib/hash/hash.h"
#include "lib/package/package.h"
#include "lib/testing/testing.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace envlock::package {
namespace {

BOOST_AUTO_TEST_CASE(every_demo_package_matches_repodata_and_paths_json) {
  std::string channel = envlock::testing::demo_channel_dir();
  envlock::testing::TempDir tmp;
  int archives = 0, files = 0, text_placeholders = 0, binary_placeholders = 0, symlinks = 0;
  std::map<std::string, int> per_subdir;
  for (const std::string subdir : {"linux-64", "osx-64", "noarch"}) {
    json repodata =
        json::parse(envlock::testing::read_text(channel + "/" + subdir + "/repodata.json"));
    BOOST_TEST(repodata["info"]["subdir"] == subdir);
    BOOST_TEST(repodata["packages"].size() == repodata["packages.conda"].size());
    for (const std::string key : {"packages", "packages.conda"}) {
      for (const auto& [fn, rec] : repodata[key].items()) {
        BOOST_TEST_CONTEXT(subdir << "/" << fn) {
          std::string archive = channel + "/" + subdir + "/" + fn;
          auto digest = hash::digest_file(archive, {hash::Algorithm::md5, hash::Algorithm::sha256});
          BOOST_TEST_REQUIRE(digest.ok());
          BOOST_TEST(digest->size == rec["size"].get<uint64_t>());
          BOOST_TEST(digest->hex[0] == rec["md5"].get<std::string>());
          BOOST_TEST(digest->hex[1] == rec["sha256"].get<std::string>());

          auto info = read_package_info(archive);
          BOOST_TEST_REQUIRE(info.ok(), (info.ok() ? "" : info.error().to_string()));
          BOOST_TEST(info->index.name == rec["name"].get<std::string>());
          BOOST_TEST(info->index.version == rec["version"].get<std::string>());
          BOOST_TEST(info->index.build == rec["build"].get<std::string>());
          BOOST_TEST(info->index.build_number == rec["build_number"].get<int64_t>());
          BOOST_TEST(info->index.depends == rec["depends"].get<std::vector<std::string>>());
          BOOST_TEST(info->index.subdir == subdir);
          BOOST_TEST((info->paths_source == PathsSource::paths_json));
          BOOST_TEST(
              fn.rfind(info->index.name + "-" + info->index.version + "-" + info->index.build, 0) ==
              0);

          std::string dest = tmp / std::to_string(archives++);
          auto extracted = extract_package(archive, dest);
          BOOST_TEST_REQUIRE(extracted.ok(), (extracted.ok() ? "" : extracted.error().to_string()));
          ++per_subdir[subdir];
          for (const auto& p : info->paths) {
            std::string path = dest + "/" + p.path;
            if (p.path_type == PathType::softlink) {
              BOOST_TEST(fs::is_symlink(path), p.path);
              BOOST_TEST(fs::exists(path), p.path);  // the link resolves inside the package
              ++symlinks;
            } else {
              auto d = hash::digest_file(path, {hash::Algorithm::sha256});
              BOOST_TEST_REQUIRE(d.ok());
              BOOST_TEST(d->hex[0] == p.sha256, p.path);
              BOOST_TEST(d->size == p.size_in_bytes.value_or(0), p.path);
              ++files;
            }
            if (!p.prefix_placeholder.empty()) {
              BOOST_TEST(
                  envlock::testing::read_text(path).find(p.prefix_placeholder) != std::string::npos,
                  p.path);
              (p.file_mode == FileMode::binary ? binary_placeholders : text_placeholders)++;
            }
          }
          if (info->index.noarch == "python") {
            BOOST_TEST_REQUIRE(info->link.has_value());
            BOOST_TEST(info->link->entry_points ==
                       std::vector<std::string>{"demo-py = demo_py.cli:main"});
          }
        }
      }
    }
  }
  BOOST_TEST(archives == 40);
  BOOST_TEST(per_subdir["linux-64"] == 24);
  BOOST_TEST(per_subdir["osx-64"] == 10);
  BOOST_TEST(per_subdir["noarch"] == 6);
  BOOST_TEST(files > 60);
  BOOST_TEST(symlinks > 20);
  BOOST_TEST(binary_placeholders == 4);          // libbar 2.0.0 and 2.1.0, both formats
  BOOST_TEST(text_placeholders == 2 * (5 + 4));  // python (5 builds), libfoo (4 builds)
}

BOOST_AUTO_TEST_CASE(rebuild_and_upgrade_candidates_are_present) {
  json linux = json::parse(envlock::testing::read_text(envlock::testing::demo_channel_dir() +
                                                       "/linux-64/repodata.json"));
  const json& conda = linux["packages.conda"];
  BOOST_TEST(conda.contains("libfoo-1.2.0-h1234567_0.conda"));
  BOOST_TEST(conda.contains("libfoo-1.2.0-h1234567_1.conda"));
  BOOST_TEST(conda["libfoo-1.2.0-h1234567_1.conda"]["build_number"] == 1);
  BOOST_TEST(conda["libfoo-1.2.0-h1234567_0.conda"]["sha256"] !=
             conda["libfoo-1.2.0-h1234567_1.conda"]["sha256"]);
  BOOST_TEST(conda.contains("python-3.11.8-h0a1b2c3_0_cpython.conda"));
  BOOST_TEST(conda.contains("python-3.12.2-h0a1b2c3_0_cpython.conda"));
}

}  // namespace
}  // namespace envlock::package
