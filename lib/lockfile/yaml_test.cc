#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "lib/lockfile/pyjson.h"
#include "lib/lockfile/pyyaml_scalar.h"
#include "lib/lockfile/yaml_tree.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace fs = std::filesystem;

namespace envlock::lockfile::detail {
namespace {

// Same structure, text and positions. yaml-cpp reports a block map or sequence at its first
// key or item too, so positions compare everywhere except on empty (null) values, whose
// position yaml-cpp puts on the next token.
void expect_same(const YNode& a, const YNode& b, const std::string& where) {
  BOOST_REQUIRE_MESSAGE(
      a.kind == b.kind,
      where << ": kind " << a.kind_name() << " vs " << b.kind_name() << " at line " << a.line);
  if (!a.is_null()) {
    BOOST_REQUIRE_MESSAGE(
        a.line == b.line && a.column == b.column,
        where << ": position " << a.line << ":" << a.column << " vs " << b.line << ":" << b.column);
  }
  if (a.is_scalar()) {
    BOOST_REQUIRE_MESSAGE(a.text == b.text,
                          where << ": '" << a.text << "' vs '" << b.text << "' at line " << a.line);
    BOOST_REQUIRE_MESSAGE(a.quoted == b.quoted, where << ": quoting at line " << a.line);
  }
  BOOST_REQUIRE_EQUAL(a.items.size(), b.items.size());
  for (size_t i = 0; i < a.items.size(); ++i) expect_same(a.items[i], b.items[i], where);
  BOOST_REQUIRE_EQUAL(a.entries.size(), b.entries.size());
  for (size_t i = 0; i < a.entries.size(); ++i) {
    BOOST_REQUIRE_EQUAL(a.entries[i].first, b.entries[i].first);
    expect_same(a.entries[i].second, b.entries[i].second, where);
  }
}

}  // namespace

// The fast reader and yaml-cpp agree on every YAML file of the lockfile corpus, and the fast
// reader handles all the lock files (no silent fallback on real data).
BOOST_AUTO_TEST_CASE(fast_reader_matches_yaml_cpp_on_the_corpus) {
  int compared = 0;
  int fast = 0;
  for (const auto& entry : fs::recursive_directory_iterator(testing::corpus_dir() + "/lockfiles")) {
    std::string path = entry.path().string();
    std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file()) continue;
    if (ext != ".yml" && ext != ".yaml" && ext != ".lock") continue;
    auto text = read_file(path);
    BOOST_REQUIRE(text.ok());
    if (text->find("@EXPLICIT") != std::string::npos) continue;
    YamlPath used;
    auto a = parse_yaml(*text, path, YamlReader::automatic, &used);
    auto b = parse_yaml(*text, path, YamlReader::yaml_cpp);
    BOOST_REQUIRE_EQUAL(a.ok(), b.ok());
    if (!a.ok()) {
      BOOST_TEST(a.error().to_string() == b.error().to_string());
      continue;
    }
    expect_same(*a, *b, path);
    ++compared;
    if (used == YamlPath::fast) {
      ++fast;
    } else {
      BOOST_TEST_MESSAGE("yaml-cpp fallback: " << path);
    }
    bool is_lock = path.find("lock") != std::string::npos &&
                   path.find("lock_parse_fails") == std::string::npos;
    if (is_lock && path.find("environment") == std::string::npos &&
        path.find("bad_") == std::string::npos &&
        path.find("test-lockfile/") == std::string::npos) {  // those two are not YAML locks
      BOOST_TEST((used == YamlPath::fast), "fell back to yaml-cpp: " << path);
    }
  }
  BOOST_TEST(compared > 150);
  BOOST_TEST(fast > 140);
}

BOOST_AUTO_TEST_CASE(fast_reader_covers_the_lock_subset) {
  const char* text =
      "# comment\n"
      "version: 1\n"
      "metadata:\n"
      "  channels:\n"
      "  - url: conda-forge   # trailing comment\n"
      "    used_env_vars: []\n"
      "  empty:\n"
      "  flow: {a: 'x''y', b: [1, \"two\\u00e9\", {c: null}]}\n"
      "list:\n"
      "  - plain value\n"
      "  -\n"
      "    nested: ~\n"
      "  - 'null'\n";
  YamlPath used;
  auto tree = parse_yaml(text, "t.yml", YamlReader::automatic, &used);
  BOOST_REQUIRE(tree.ok());
  BOOST_TEST((used == YamlPath::fast));
  auto ref = parse_yaml(text, "t.yml", YamlReader::yaml_cpp);
  BOOST_REQUIRE(ref.ok());
  expect_same(*tree, *ref, "inline");
  const YNode* flow = tree->find("metadata")->find("flow");
  BOOST_TEST(flow->find("a")->text == "x'y");
  BOOST_TEST(flow->find("b")->items[1].text == "two\xC3\xA9");
  BOOST_TEST(tree->find("metadata")->find("empty")->is_null());
  BOOST_TEST(tree->find("list")->items[2].is_scalar());  // quoted 'null' is a string
}

BOOST_AUTO_TEST_CASE(unusual_yaml_falls_back_to_yaml_cpp) {
  for (const char* text : {"a: |\n  block\n  text\n",
                           "a: &x 1\nb: *x\n",
                           "a: multi\n  line plain\n",
                           "a: !!str 1\n",
                           "%YAML 1.2\n---\na: 1\n"}) {
    YamlPath used = YamlPath::fast;
    auto tree = parse_yaml(text, "t.yml", YamlReader::automatic, &used);
    BOOST_REQUIRE_MESSAGE(tree.ok(), text);
    BOOST_TEST((used == YamlPath::yaml_cpp), text);
  }
  auto block = parse_yaml("a: |\n  block\n  text\n", "t.yml");
  BOOST_TEST(block->find("a")->text == "block\ntext\n");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_and_syntax_errors_are_located) {
  auto dup = parse_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", "d.yml");
  BOOST_REQUIRE(!dup.ok());
  BOOST_TEST(dup.error().to_string() == "d.yml:4:3: duplicate key 'c'");
  auto bad = parse_yaml("a: [1, 2\n", "e.yml");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().to_string().rfind("e.yml:", 0) == 0);
  BOOST_TEST(bad.error().to_string().find("invalid YAML") != std::string::npos);
  auto two = parse_yaml("a: 1\n---\nb: 2\n", "f.yml");
  BOOST_REQUIRE(!two.ok());
  BOOST_TEST(two.error().to_string() == "f.yml: expected one YAML document, found 2");
}

// PyYAML's choices, checked against what conda-lock files in the corpus contain.
BOOST_AUTO_TEST_CASE(scalars_are_quoted_like_pyyaml) {
  BOOST_TEST(pyyaml_scalar("0.1") == "'0.1'");
  BOOST_TEST(pyyaml_scalar("1.21.5") == "1.21.5");
  BOOST_TEST(pyyaml_scalar("2022") == "'2022'");
  BOOST_TEST(pyyaml_scalar("2022g") == "2022g");
  BOOST_TEST(pyyaml_scalar(">=7.5.0") == "'>=7.5.0'");
  BOOST_TEST(pyyaml_scalar("0.1 conda_forge") == "0.1 conda_forge");
  BOOST_TEST(pyyaml_scalar("") == "''");
  BOOST_TEST(pyyaml_scalar("yes") == "'yes'");
  BOOST_TEST(pyyaml_scalar("null") == "'null'");
  BOOST_TEST(pyyaml_scalar("2025-08-14T22:47:07Z") == "'2025-08-14T22:47:07Z'");
  BOOST_TEST(pyyaml_scalar("2025-08-14") == "'2025-08-14'");
  BOOST_TEST(pyyaml_scalar("1e5") == "1e5");  // PyYAML's float needs a dot
  BOOST_TEST(pyyaml_scalar("1.0e+5") == "'1.0e+5'");
  BOOST_TEST(pyyaml_scalar("*_cp310") == "'*_cp310'");
  BOOST_TEST(pyyaml_scalar("3.10.* *_cp310") == "3.10.* *_cp310");
  BOOST_TEST(pyyaml_scalar("a: b") == "'a: b'");
  BOOST_TEST(pyyaml_scalar("a #b") == "'a #b'");
  BOOST_TEST(pyyaml_scalar("it's") == "it's");
  BOOST_TEST(pyyaml_scalar("'q") == "'''q'");
  BOOST_TEST(pyyaml_scalar("line\nbreak") == "\"line\\nbreak\"");
  BOOST_TEST(pyyaml_scalar("12:30") == "'12:30'");  // sexagesimal int
  BOOST_TEST(pyyaml_scalar("0x1F") == "'0x1F'");
  BOOST_TEST(pyyaml_scalar("https://conda.anaconda.org/conda-forge/linux-64/a-1-0.conda") ==
             "https://conda.anaconda.org/conda-forge/linux-64/a-1-0.conda");
}

BOOST_AUTO_TEST_CASE(python_json_dumps_is_reproduced) {
  PyJson o = PyJson::obj();
  o.set("b", PyJson::of("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  o.set("a", PyJson::strings({"x", "y"}));
  o.set("c", PyJson::null());
  PyJson inner = PyJson::obj();
  inner.set("z", PyJson::of(int64_t{1}));
  inner.set("y", PyJson::of(false));
  o.set("A", std::move(inner));
  BOOST_TEST(python_dumps_sorted(o) ==
             "{\"A\": {\"y\": false, \"z\": 1}, \"a\": [\"x\", \"y\"], \"b\": "
             "\"caf\\u00e9 \\ud83d\\ude00\", \"c\": null}");
  PyJson ch = PyJson::obj();
  ch.set("url", PyJson::of("conda-forge"));
  ch.set("used_env_vars", PyJson::arr());
  BOOST_TEST(pydantic_dump_compact(ch) == "{\"url\":\"conda-forge\",\"used_env_vars\":[]}");
}

}  // namespace envlock::lockfile::detail
