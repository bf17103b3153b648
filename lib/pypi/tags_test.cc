#include "lib/pypi/tags.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace envlock::pypi {
namespace {

std::vector<std::string> strs(const std::vector<Tag>& tags) {
  std::vector<std::string> out;
  for (const auto& t : tags) out.push_back(t.str());
  return out;
}

int index_of(const std::vector<std::string>& v, const std::string& s) {
  auto it = std::find(v.begin(), v.end(), s);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

BOOST_AUTO_TEST_SUITE(pypi_tags)

BOOST_AUTO_TEST_CASE(wheel_filename_parts_are_normalised) {
  auto w = parse_wheel_filename(
      "Some_PACKAGE-1.0.0-1000abc-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  BOOST_REQUIRE(w.ok());
  BOOST_TEST(w->name == "some-package");
  BOOST_TEST(w->version == "1.0.0");
  BOOST_TEST(w->build == "1000abc");
  BOOST_TEST((strs(w->tags) == std::vector<std::string>{"cp311-cp311-manylinux_2_17_x86_64",
                                                        "cp311-cp311-manylinux2014_x86_64"}));
  auto p = parse_wheel_filename("foo-2-py2.py3-none-any.whl");
  BOOST_REQUIRE(p.ok());
  BOOST_TEST((strs(p->tags) == std::vector<std::string>{"py2-none-any", "py3-none-any"}));
}

BOOST_AUTO_TEST_CASE(wheel_filename_errors_name_the_file) {
  for (const char* bad : {"foo-1.0.whl",
                          "foo-1.0-py3-none-any.wheel",
                          "foo__bar-1.0-py3-none-any.whl",
                          "-1.0-py3-none-any.whl",
                          "foo-1.x-py3-none-any.whl",
                          "foo-1.0-abc-py3-none-any.whl",
                          "foo-1.0--none-any.whl",
                          "playlyfe-0.1.1-2.7.6-none-any.whl",
                          "foo#bar-1.0-py3-none-any.whl"}) {
    auto r = parse_wheel_filename(bad);
    BOOST_TEST_CONTEXT(bad) {
      BOOST_REQUIRE(!r.ok());
      BOOST_TEST(r.error().message.find(std::string("invalid wheel filename '") + bad) == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(sdist_filenames) {
  auto s = parse_sdist_filename("Foo_Bar-1.0.tar.gz");
  BOOST_REQUIRE(s.ok());
  BOOST_TEST(s->name == "foo-bar");
  BOOST_TEST(s->version == "1.0");
  BOOST_TEST(!parse_sdist_filename("foo1.0.tar.gz").ok());
  BOOST_TEST(!parse_sdist_filename("foo-1.0.xz").ok());
  BOOST_TEST(!parse_sdist_filename("-1.0.zip").ok());
}

BOOST_AUTO_TEST_CASE(linux_64_tags_in_pip_order) {
  auto tags = strs(compatible_tags({"linux-64", "3.11", std::string("2.28"), {}, {}}));
  BOOST_REQUIRE(!tags.empty());
  BOOST_TEST(tags.front() == "cp311-cp311-manylinux_2_28_x86_64");
  BOOST_TEST(tags.back() == "py30-none-any");
  BOOST_TEST(index_of(tags, "cp311-cp311-manylinux2014_x86_64") ==
             index_of(tags, "cp311-cp311-manylinux_2_17_x86_64") + 1);
  BOOST_TEST(index_of(tags, "cp311-cp311-manylinux1_x86_64") > 0);
  BOOST_TEST(index_of(tags, "cp311-cp311-manylinux_2_29_x86_64") == -1);
  BOOST_TEST(index_of(tags, "cp311-abi3-linux_x86_64") >
             index_of(tags, "cp311-cp311-linux_x86_64"));
  BOOST_TEST(index_of(tags, "cp32-abi3-manylinux_2_17_x86_64") > 0);
  BOOST_TEST(index_of(tags, "cp31-abi3-manylinux_2_17_x86_64") == -1);
  BOOST_TEST(index_of(tags, "musllinux_1_1_x86_64") == -1);
  BOOST_TEST(index_of(tags, "cp311-none-any") < index_of(tags, "py311-none-any"));
  BOOST_TEST(index_of(tags, "py3-none-manylinux_2_17_x86_64") < index_of(tags, "cp311-none-any"));
}

BOOST_AUTO_TEST_CASE(aarch64_stops_at_2_17_and_musl_only_when_asked) {
  auto tags = strs(compatible_tags({"linux-aarch64", "3.10", {}, {}, std::string("1.2")}));
  BOOST_TEST(tags.front() == "cp310-cp310-manylinux_2_17_aarch64");
  BOOST_TEST(index_of(tags, "cp310-cp310-manylinux_2_16_aarch64") == -1);
  BOOST_TEST(index_of(tags, "cp310-cp310-musllinux_1_2_aarch64") > 0);
  BOOST_TEST(index_of(tags, "cp310-cp310-musllinux_1_0_aarch64") > 0);
}

BOOST_AUTO_TEST_CASE(macos_and_windows) {
  auto arm = strs(compatible_tags({"osx-arm64", "3.12", {}, std::string("13.1"), {}}));
  BOOST_TEST(arm.front() == "cp312-cp312-macosx_13_0_arm64");
  BOOST_TEST(index_of(arm, "cp312-cp312-macosx_11_0_arm64") > 0);
  BOOST_TEST(index_of(arm, "cp312-cp312-macosx_10_9_universal2") > 0);
  BOOST_TEST(index_of(arm, "cp312-cp312-macosx_10_9_x86_64") == -1);
  auto intel = strs(compatible_tags({"osx-64", "3.9", {}, std::string("10.15"), {}}));
  BOOST_TEST(intel.front() == "cp39-cp39-macosx_10_15_x86_64");
  BOOST_TEST(index_of(intel, "cp39-cp39-macosx_11_0_x86_64") == -1);
  auto win = strs(compatible_tags({"win-64", "3.11", {}, {}, {}}));
  BOOST_TEST(win.front() == "cp311-cp311-win_amd64");
  BOOST_TEST(index_of(win, "cp311-cp311-win32") == -1);
  BOOST_TEST(compatible_tags({"emscripten-wasm32", "3.11", {}, {}, {}}).empty());
  BOOST_TEST(compatible_tags({"linux-64", "2.7", {}, {}, {}}).empty());
}

BOOST_AUTO_TEST_CASE(tag_priority_picks_the_best_tag_of_a_wheel) {
  auto supported = compatible_tags({"linux-64", "3.11", std::string("2.17"), {}, {}});
  auto any = parse_wheel_filename("foo-1.0-py3-none-any.whl");
  auto binary = parse_wheel_filename("foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl");
  auto abi3 =
      parse_wheel_filename("foo-1.0-cp37-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl");
  auto too_new = parse_wheel_filename("foo-1.0-cp311-cp311-manylinux_2_28_x86_64.whl");
  BOOST_REQUIRE(any.ok() && binary.ok() && abi3.ok() && too_new.ok());
  BOOST_REQUIRE(tag_priority(*binary, supported).has_value());
  BOOST_TEST(*tag_priority(*binary, supported) == 0);
  BOOST_TEST(*tag_priority(*abi3, supported) < *tag_priority(*any, supported));
  BOOST_TEST(*tag_priority(*binary, supported) < *tag_priority(*abi3, supported));
  BOOST_TEST(!tag_priority(*too_new, supported).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
