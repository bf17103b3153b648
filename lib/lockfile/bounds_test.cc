// Hostile locks are refused with one located input error instead of exhausting the stack or
// memory: deep nesting in every reader, alias bombs, oversized files.

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "lib/lockfile/lockfile.h"
#include "lib/testing/testing.h"
#include "lib/util/text.h"

namespace envlock::lockfile {
namespace {

std::string repeat(std::string_view piece, int n) {
  std::string out;
  out.reserve(piece.size() * n);
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

void expect_input_error(const Result<Lock>& lock, const std::string& needle) {
  BOOST_REQUIRE(!lock.ok());
  BOOST_TEST(lock.error().kind == ErrorKind::input);
  BOOST_TEST_MESSAGE(lock.error().to_string());
  BOOST_TEST(lock.error().to_string().find(needle) != std::string::npos,
             lock.error().to_string() << " lacks " << needle);
  BOOST_TEST(lock.error().to_string().find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_SUITE(bounds)

BOOST_AUTO_TEST_CASE(flow_nesting_100000_deep_is_an_input_error) {
  // One line, so the fast reader takes it first; then yaml-cpp.
  std::string text = "version: 1\npackage: " + repeat("[", 100000) + repeat("]", 100000) + "\n";
  for (YamlReader reader : {YamlReader::automatic, YamlReader::yaml_cpp}) {
    expect_input_error(parse_lock(text, "deep.yml", reader), "deep.yml:");
  }
  std::string flow_map =
      "version: 1\npackage: " + repeat("{a: ", 100000) + "b" + repeat("}", 100000) + "\n";
  expect_input_error(parse_lock(flow_map, "deep.yml"), "deep.yml:");
}

BOOST_AUTO_TEST_CASE(nesting_past_the_limit_is_named) {
  // Deep enough to pass our limit, shallow enough for yaml-cpp's own guard (2000).
  int depth = k_max_nesting + 10;
  std::string flow = "version: 1\npackage: " + repeat("[", depth) + repeat("]", depth) + "\n";
  expect_input_error(parse_lock(flow, "deep.yml"),
                     "nesting deeper than " + std::to_string(k_max_nesting) + " levels");
  std::string block = "version: 1\npackage:\n";
  for (int i = 0; i < depth; ++i) block += std::string(2 * i + 2, ' ') + "- a:\n";
  expect_input_error(parse_lock(block, "block.yml"), "nesting deeper than");
  // The limit leaves real depths alone.
  std::string fine = "version: 1\nmetadata: " + repeat("[", 20) + repeat("]", 20) + "\n";
  auto lock = parse_lock(fine, "fine.yml");
  BOOST_TEST((lock.ok() || lock.error().message.find("nesting") == std::string::npos));
}

BOOST_AUTO_TEST_CASE(billion_laughs_is_refused_without_expanding) {
  std::string text = "version: 1\nmetadata: {}\n";
  text += "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 0; k < 9; ++k) text += ", " + prev;
    text += "]\n";
  }
  text += "package: *a9\n";  // 10^10 nodes once expanded
  BOOST_TEST(text.size() < 1000u);
  expect_input_error(parse_lock(text, "laughs.yml"), "aliases expand");
}

BOOST_AUTO_TEST_CASE(a_document_starting_with_a_comma_is_not_endless) {
  // Found by fuzz/lock: yaml-cpp's LoadAll read these as endless empty documents (gigabytes).
  for (const char* text : {", x\n", "# comment\n  , osx-64\n  - linux-64\n", "\"a\", b\n"}) {
    for (YamlReader reader : {YamlReader::automatic, YamlReader::yaml_cpp}) {
      expect_input_error(parse_lock(text, "comma.yml", reader), "comma.yml");
    }
  }
  expect_input_error(parse_lock(", x\n", "comma.yml"), "expected one YAML document, found more");
}

BOOST_AUTO_TEST_CASE(a_json_number_out_of_range_is_an_input_error) {
  // Found by fuzz/lock: nlohmann throws out_of_range (not parse_error) for "4e6300".
  auto lock = parse_lock("{\"lockVersion\": 1, \"x\": 4e6300}", "big.json");
  expect_input_error(lock, "big.json: invalid JSON: number overflow parsing '4e6300'");
}

BOOST_AUTO_TEST_CASE(micromamba_json_nesting_is_an_input_error) {
  std::string text =
      "{\"lockVersion\": 1, \"x\": " + repeat("[", 100000) + repeat("]", 100000) + "}";
  expect_input_error(parse_lock(text, "deep.json"), "deep.json:1:");
  expect_input_error(parse_lock(text, "deep.json"), "nesting deeper than");
}

BOOST_AUTO_TEST_CASE(oversized_lock_is_refused_before_reading) {
  testing::TempDir dir;
  std::string path = dir / "huge.yml";
  {
    std::ofstream out(path);
    out << "version: 1\n";
  }
  // Sparse: no disk space is used, and the reader must not try to read it all.
  std::filesystem::resize_file(path, k_max_lock_bytes + 1);
  auto lock = read_lock(path);
  expect_input_error(lock, "larger than 256 MiB");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::lockfile
