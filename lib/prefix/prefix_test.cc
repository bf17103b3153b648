// conda-meta records from real prefixes made by conda, mamba and pixi.

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lib/prefix/prefix.h"
#include "lib/testing/testing.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace envlock::prefix {
namespace {

std::string meta_dir() {
  return envlock::testing::corpus_dir() + "/conda-meta";
}

struct Placeholders {
  int text = 0;
  int binary = 0;
};

Placeholders count_placeholders(const PrefixRecord& r) {
  Placeholders c;
  for (const auto& p : r.paths) {
    if (p.prefix_placeholder.empty()) continue;
    if (p.file_mode == FileMode::binary) {
      ++c.binary;
    } else {
      ++c.text;
    }
  }
  return c;
}

BOOST_AUTO_TEST_CASE(seven_real_prefixes_load_with_their_record_counts) {
  const std::vector<std::pair<std::string, size_t>> prefixes = {
      {"envpy27osx", 16},
      {"envpy27win_whl", 8},
      {"envpy313tosx_whl", 16},
      {"envpy37osx_whl", 17},
      {"envpy37win", 8},
      {"py27-osx-no-binary", 34},
      {"py36-osx-whl", 31},
  };
  for (const auto& [env, count] : prefixes) {
    BOOST_TEST_CONTEXT(env) {
      auto state = read_conda_meta(meta_dir() + "/conda-env_metadata/" + env);
      BOOST_TEST_REQUIRE(state.ok(), (state.ok() ? "" : state.error().to_string()));
      BOOST_TEST(state->records.size() == count);
      BOOST_TEST_REQUIRE(state->history.size() == 1u);
      // The one revision created the prefix: it added every package now installed.
      BOOST_TEST(state->history[0].added.size() >= count - 1);
      BOOST_TEST(state->history[0].specs.count("update") == 1u);
      for (const auto& r : state->records) {
        BOOST_TEST(!r.name.empty());
        BOOST_TEST(r.has_paths_data);
        BOOST_TEST(r.paths.size() == r.files.size(), r.name);
        BOOST_TEST(fs::path(r.source_file).filename().string() == record_file_name(r));
      }
      BOOST_TEST(std::is_sorted(state->records.begin(),
                                state->records.end(),
                                [](const auto& a, const auto& b) { return a.name < b.name; }));
    }
  }
  auto py27 = read_conda_meta(meta_dir() + "/conda-env_metadata/envpy27osx");
  BOOST_TEST_REQUIRE(py27.ok());
  BOOST_TEST(py27->history[0].date == "2018-08-14 18:45:28");
  BOOST_TEST(py27->history[0].specs.at("update") == std::vector<std::string>{"python=2.7"});
  BOOST_TEST(py27->history[0].conda_version == "4.6.0a2");
  const PrefixRecord* zlib = nullptr;
  for (const auto& r : py27->records) {
    if (r.name == "zlib") zlib = &r;
  }
  BOOST_TEST_REQUIRE(zlib != nullptr);
  BOOST_TEST(zlib->version == "1.2.11");
  BOOST_TEST(zlib->build_number == 2);
  BOOST_TEST(zlib->size.value_or(0) == 103233u);
  BOOST_TEST(zlib->md5 == "f77c7d05dc47868e181135af65cb6e26");
  BOOST_TEST(zlib->timestamp.value_or(0) == 1510092154915);
  BOOST_TEST_REQUIRE(zlib->link.has_value());
  BOOST_TEST(zlib->link->type == 1);
  BOOST_TEST(zlib->paths[0].path == "include/zconf.h");
  BOOST_TEST(zlib->paths[0].sha256_in_prefix == zlib->paths[0].sha256);
  BOOST_TEST(zlib->paths[0].size_in_bytes.value_or(0) == 16262u);
}

BOOST_AUTO_TEST_CASE(text_and_binary_placeholders_are_parsed) {
  struct Case {
    std::string file;
    int text;
    int binary;
    size_t paths;
  };
  const std::vector<Case> cases = {
      {"pixi/python-3.12.3-hab00c5b_0_cpython.json", 12, 2, 1931},
      {"rattler-test-data/python-3.11.9-h932a869_0_cpython.json", 11, 2, 2116},
      {"rattler-test-data/ncurses-6.5-hb89a1cb_0.json", 14, 154, 2973},
      {"conda-env_metadata/envpy27osx/conda-meta/ncurses-6.1-h0a44026_0.json", 13, 288, 2861},
      {"rattler-test-data/libffi-3.4.2-h3422bc3_5.json", 1, 1, 11},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.file) {
      auto r = read_prefix_record(meta_dir() + "/" + c.file);
      BOOST_TEST_REQUIRE(r.ok(), (r.ok() ? "" : r.error().to_string()));
      auto counts = count_placeholders(*r);
      BOOST_TEST(counts.text == c.text);
      BOOST_TEST(counts.binary == c.binary);
      BOOST_TEST(r->paths.size() == c.paths);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_corpus_record_parses) {
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(meta_dir())) {
    std::string path = e.path().string();
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    if (path.find("/negative/") != std::string::npos) continue;
    auto r = read_prefix_record(path);
    BOOST_TEST(r.ok(), path << ": " << (r.ok() ? "" : r.error().to_string()));
    ++n;
  }
  BOOST_TEST(n >= 170);
}

BOOST_AUTO_TEST_CASE(corrupt_records_are_rejected_with_a_one_line_error_naming_the_file) {
  for (const std::string sample : {"json", "unicode"}) {
    BOOST_TEST_CONTEXT(sample) {
      auto state = read_conda_meta(meta_dir() + "/negative/" + sample);
      BOOST_TEST_REQUIRE(!state.ok());
      BOOST_TEST((state.error().kind == ErrorKind::input));
      std::string text = state.error().to_string();
      BOOST_TEST(text.find("conda-meta/corrupt-1.2.3-hashhash.json") != std::string::npos, text);
      BOOST_TEST(text.find('\n') == std::string::npos, text);
      BOOST_TEST(text.find("corrupt record") != std::string::npos, text);
    }
  }
  // The JSON sample's error points at its line and column.
  auto bad = read_conda_meta(meta_dir() + "/negative/json");
  BOOST_TEST(bad.error().where.find("hashhash.json:2:") != std::string::npos, bad.error().where);
}

BOOST_AUTO_TEST_CASE(apple_double_files_are_skipped_like_conda_does) {
  auto state = read_conda_meta(meta_dir() + "/negative/dot_underscore");
  BOOST_TEST_REQUIRE(state.ok(), (state.ok() ? "" : state.error().to_string()));
  BOOST_TEST_REQUIRE(state->records.size() == 1u);
  BOOST_TEST(state->records[0].name == "valid");
  BOOST_TEST(state->history.empty());
  // Read on its own, the AppleDouble file is corrupt.
  auto apple =
      read_prefix_record(meta_dir() + "/negative/dot_underscore/conda-meta/._valid-1.0-0.json");
  BOOST_TEST(!apple.ok());
}

BOOST_AUTO_TEST_CASE(missing_conda_meta_and_wrong_field_types_are_input_errors) {
  envlock::testing::TempDir tmp;
  auto none = read_conda_meta(tmp.path());
  BOOST_TEST_REQUIRE(!none.ok());
  BOOST_TEST((none.error().kind == ErrorKind::input));
  auto typed = parse_prefix_record(R"({"name": "a", "version": "1", "build": "0", "depends": 5})",
                                   "a-1-0.json");
  BOOST_TEST_REQUIRE(!typed.ok());
  BOOST_TEST(typed.error().to_string().find("'depends'") != std::string::npos);
  auto missing = parse_prefix_record(R"({"name": "a", "version": "1"})", "a.json");
  BOOST_TEST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().to_string().find("'build'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(writing_conda_records_reproduces_them_byte_for_byte) {
  int identical = 0, total = 0;
  for (const auto& e : fs::recursive_directory_iterator(meta_dir() + "/conda-env_metadata")) {
    if (e.path().extension() != ".json") continue;
    std::string original = envlock::testing::read_text(e.path().string());
    auto r = read_prefix_record(e.path().string());
    BOOST_TEST_REQUIRE(r.ok());
    std::string written = write_prefix_record(*r);
    ++total;
    if (written == original) {
      ++identical;
    } else {
      // Still the same JSON value.
      BOOST_TEST((json::parse(written) == json::parse(original)), e.path().string());
    }
  }
  BOOST_TEST(total == 130);
  BOOST_TEST(identical == total);
}

BOOST_AUTO_TEST_CASE(round_trip_keeps_every_field_of_every_producer) {
  for (const auto& e : fs::recursive_directory_iterator(meta_dir())) {
    std::string path = e.path().string();
    if (e.path().extension() != ".json" || path.find("/negative/") != std::string::npos) continue;
    auto r = read_prefix_record(path);
    BOOST_TEST_REQUIRE(r.ok());
    std::string text = write_prefix_record(*r);
    auto again = parse_prefix_record(text, "written");
    BOOST_TEST_REQUIRE(again.ok());
    json written = json::parse(text);
    json original = json::parse(envlock::testing::read_text(path));
    BOOST_TEST((written == original),
               path << " " << json::diff(original, written).dump().substr(0, 300));
    BOOST_TEST(again->paths.size() == r->paths.size());
  }
}

BOOST_AUTO_TEST_CASE(unknown_fields_survive_an_edit) {
  const std::string text = R"({
  "name": "demo", "version": "1.0", "build": "h0_0", "build_number": 0,
  "requested_specs": ["demo >=1"],
  "x_vendor": {"nested": [1, 2, {"k": "v"}]},
  "paths_data": {"paths": [{"_path": "bin/demo", "path_type": "hardlink", "sha256": "aa",
                            "inode_paths": ["bin/demo2"], "size_in_bytes": 3}],
                 "paths_version": 1},
  "files": ["bin/demo"]
})";
  auto r = parse_prefix_record(text, "demo-1.0-h0_0.json");
  BOOST_TEST_REQUIRE(r.ok());
  r->version = "1.1";
  r->paths[0].sha256_in_prefix = "bb";
  json out = json::parse(write_prefix_record(*r));
  BOOST_TEST(out["version"] == "1.1");
  BOOST_TEST(out["requested_specs"][0] == "demo >=1");
  BOOST_TEST(out["x_vendor"]["nested"][2]["k"] == "v");
  BOOST_TEST(out["paths_data"]["paths"][0]["inode_paths"][0] == "bin/demo2");
  BOOST_TEST(out["paths_data"]["paths"][0]["sha256_in_prefix"] == "bb");
  BOOST_TEST(out["paths_data"]["paths"][0]["size_in_bytes"] == 3);
}

BOOST_AUTO_TEST_CASE(a_new_record_is_written_with_conda_layout) {
  PrefixRecord r;
  r.name = "libfoo";
  r.version = "1.2.0";
  r.build = "h1234_0";
  r.channel = "https://example.invalid/demo";
  r.subdir = "linux-64";
  r.fn = "libfoo-1.2.0-h1234_0.conda";
  r.url = r.channel + "/linux-64/" + r.fn;
  r.md5 = "0123456789abcdef0123456789abcdef";
  r.files = {"lib/pkgconfig/foo.pc"};
  PathData p;
  p.path = "lib/pkgconfig/foo.pc";
  p.sha256 = "aa";
  p.sha256_in_prefix = "bb";
  p.size_in_bytes = 10;
  p.file_mode = FileMode::text;
  p.prefix_placeholder = "/opt/placeholder";
  r.paths = {p};
  r.link = Link{"/pkgs/libfoo-1.2.0-h1234_0", 1};
  std::string text = write_prefix_record(r);
  BOOST_TEST(text.rfind("{\n  \"build\": \"h1234_0\",\n  \"build_number\": 0,\n", 0) == 0, text);
  BOOST_TEST(text.find("\"file_mode\": \"text\"") != std::string::npos);
  BOOST_TEST(text.find("\"no_link\"") == std::string::npos);
  BOOST_TEST(text.back() == '}');
  auto back = parse_prefix_record(text, "new");
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST(back->paths[0].prefix_placeholder == "/opt/placeholder");
  BOOST_TEST(back->link->source == "/pkgs/libfoo-1.2.0-h1234_0");
  BOOST_TEST(record_file_name(*back) == "libfoo-1.2.0-h1234_0.json");
}

}  // namespace
}  // namespace envlock::prefix
