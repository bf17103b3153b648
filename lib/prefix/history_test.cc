// conda-meta/history: parsing real files from conda and micromamba, and appending.

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/prefix/prefix.h"
#include "lib/testing/testing.h"

namespace fs = std::filesystem;

namespace envlock::prefix {
namespace {

std::string history_text(const std::string& relative) {
  std::ifstream in(envlock::testing::corpus_dir() + "/conda-meta/" + relative, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  BOOST_REQUIRE(!s.str().empty());
  return s.str();
}

BOOST_AUTO_TEST_CASE(micromamba_history_with_updates_and_removals) {
  auto revs = parse_history(history_text("mamba-history/parse/conda-meta/history"));
  BOOST_TEST_REQUIRE(revs.size() == 8u);
  BOOST_TEST(revs[0].date == "2025-04-14 09:23:10");
  BOOST_TEST(revs[0].cmd == "/home/sandrinepataut/.local/bin/micromamba install nlohmann_json");
  BOOST_TEST(revs[0].conda_version == "3.8.0");
  BOOST_TEST(revs[0].added ==
             std::vector<std::string>{"conda-forge::nlohmann_json-3.12.0-h3f2d84a_0"});
  BOOST_TEST(revs[0].specs.at("update") == std::vector<std::string>{"nlohmann_json"});
  BOOST_TEST(revs[1].added.size() == 8u);
  const Revision& update = revs[3];
  BOOST_TEST(update.removed ==
             std::vector<std::string>{
                 "https://conda.anaconda.org/conda-forge/linux-64::cpp-tabulate-1.0-hc9558a2_0"});
  BOOST_TEST(update.added == std::vector<std::string>{"conda-forge::cpp-tabulate-1.5-hf52228f_1"});
  BOOST_TEST(update.specs.at("remove") == std::vector<std::string>{"cpp-tabulate"});
}

BOOST_AUTO_TEST_CASE(specs_with_escaped_quotes_and_python_lists) {
  auto meta = parse_history(history_text("mamba-history/parse_metadata/conda-meta/history"));
  BOOST_TEST_REQUIRE(meta.size() == 1u);
  BOOST_TEST(meta[0].specs.at("update") ==
             std::vector<std::string>{R"(pandas[version=">=0.25.2,<3"])"});
  auto conda = parse_history(history_text("conda-env_metadata/py36-osx-whl/conda-meta/history"));
  BOOST_TEST_REQUIRE(conda.size() == 1u);
  BOOST_TEST(conda[0].specs.at("update") ==
             (std::vector<std::string>{"nomkl", "lxml", "python=3.6", "numpy", "h5py"}));
}

BOOST_AUTO_TEST_CASE(garbage_history_does_not_break_the_parser) {
  auto revs = parse_history(history_text("mamba-history/parse_segfault/conda-meta/history"));
  BOOST_TEST_REQUIRE(revs.size() == 1u);
  BOOST_TEST(revs[0].date == "x");
  BOOST_TEST(revs[0].comments.size() == 1u);
  BOOST_TEST(parse_history("").empty());
  BOOST_TEST(parse_history("+orphan-1-0\n# cmd: nothing\n").empty());
}

BOOST_AUTO_TEST_CASE(appended_revisions_read_back_equal) {
  envlock::testing::TempDir tmp;
  Revision first;
  first.date = "2026-01-02 03:04:05";
  first.cmd = "envlock install --lock conda-lock.yml";
  first.conda_version = "envlock 0.1";
  first.added = {"demo::python-3.12.1-h0_0", "demo::libfoo-1.2.0-h1_0"};
  first.specs["update"] = {"python 3.12.*", R"(libfoo[version=">=1"])"};
  Revision second;
  second.date = "2026-01-03 00:00:00";
  second.removed = {"demo::libfoo-1.2.0-h1_0"};
  second.added = {"demo::libfoo-1.3.0-h1_0"};
  second.specs["remove"] = {"libfoo"};
  BOOST_TEST_REQUIRE(append_history(tmp.path(), first).ok());
  BOOST_TEST_REQUIRE(append_history(tmp.path(), second).ok());
  auto state = read_conda_meta(tmp.path());
  BOOST_TEST_REQUIRE(state.ok());
  BOOST_TEST(state->records.empty());
  BOOST_TEST_REQUIRE(state->history.size() == 2u);
  const Revision& a = state->history[0];
  BOOST_TEST(a.date == first.date);
  BOOST_TEST(a.cmd == first.cmd);
  BOOST_TEST(a.conda_version == first.conda_version);
  BOOST_TEST(a.added == first.added);
  BOOST_TEST(a.specs == first.specs);
  BOOST_TEST(state->history[1].removed == second.removed);
  BOOST_TEST(state->history[1].specs == second.specs);
}

BOOST_AUTO_TEST_CASE(appending_to_a_file_without_final_newline_keeps_blocks_apart) {
  envlock::testing::TempDir tmp;
  envlock::testing::write_text(tmp / "conda-meta/history",
                               "==> 2020-01-01 00:00:00 <==\n+a::b-1-0");
  Revision r;
  r.date = "2021-01-01 00:00:00";
  r.added = {"a::c-1-0"};
  BOOST_TEST_REQUIRE(append_history(tmp.path(), r).ok());
  std::ifstream in(tmp / "conda-meta/history");
  std::stringstream s;
  s << in.rdbuf();
  auto revs = parse_history(s.str());
  BOOST_TEST_REQUIRE(revs.size() == 2u);
  BOOST_TEST(revs[0].added == std::vector<std::string>{"a::b-1-0"});
  BOOST_TEST(revs[1].added == std::vector<std::string>{"a::c-1-0"});
}

BOOST_AUTO_TEST_CASE(append_fails_with_io_error_on_an_unwritable_place) {
  Revision r;
  r.date = "2021-01-01 00:00:00";
  auto result = append_history("/proc/envlock-no-such-prefix", r);
  BOOST_TEST_REQUIRE(!result.ok());
  BOOST_TEST((result.error().kind == ErrorKind::io));
}

}  // namespace
}  // namespace envlock::prefix
