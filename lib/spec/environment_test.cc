#include "lib/spec/environment.h"

#include <boost/test/unit_test.hpp>

#include "lib/testing/testing.h"

namespace envlock::spec {
namespace {

using testing::TempDir;
using testing::write_text;

BOOST_AUTO_TEST_CASE(reads_every_section) {
  TempDir dir;
  write_text(dir / "environment.yml",
             "name: demo\n"
             "channels:\n"
             "  - conda-forge\n"
             "  - bioconda\n"
             "dependencies:\n"
             "  - python=3.11\n"
             "  - numpy >=1.24,<2\n"
             "  - conda-forge::scipy\n"
             "  - pip\n"
             "  - pip:\n"
             "      - requests==2.31.0\n"
             "      - -e ./local\n"
             "variables:\n"
             "  OMP_NUM_THREADS: '1'\n"
             "  EMPTY:\n"
             "prefix: /opt/envs/demo\n");
  auto env = load_environment_files({dir / "environment.yml"});
  BOOST_REQUIRE_MESSAGE(env.ok(), (env.ok() ? "" : env.error().to_string()));
  BOOST_CHECK_EQUAL(env->name, "demo");
  BOOST_CHECK_EQUAL(env->prefix, "/opt/envs/demo");
  BOOST_REQUIRE_EQUAL(env->channels.size(), 2u);
  BOOST_CHECK_EQUAL(env->channels[1], "bioconda");
  BOOST_REQUIRE_EQUAL(env->dependencies.size(), 4u);
  BOOST_CHECK_EQUAL(env->dependencies[0].spec.str(), "python=3.11");
  BOOST_CHECK_EQUAL(env->dependencies[1].spec.str(), "numpy[version='>=1.24,<2']");
  BOOST_CHECK_EQUAL(env->dependencies[2].spec.str(), "conda-forge::scipy");
  BOOST_CHECK_EQUAL(env->dependencies[1].source(), dir / "environment.yml:7:5");
  BOOST_REQUIRE_EQUAL(env->pip.size(), 2u);
  BOOST_CHECK_EQUAL(env->pip[0], "requests==2.31.0");
  BOOST_CHECK_EQUAL(env->pip[1], "-e ./local");
  BOOST_CHECK_EQUAL(env->pip_source, dir / "environment.yml:10:5");
  BOOST_REQUIRE_EQUAL(env->pip_sources.size(), 2u);
  BOOST_CHECK_EQUAL(env->pip_sources[0], dir / "environment.yml:11:9");
  BOOST_CHECK_EQUAL(env->pip_sources[1], dir / "environment.yml:12:9");
  BOOST_CHECK_EQUAL(env->variables.at("OMP_NUM_THREADS"), "1");
  BOOST_CHECK_EQUAL(env->variables.at("EMPTY"), "");
}

BOOST_AUTO_TEST_CASE(merges_files_in_order) {
  TempDir dir;
  write_text(dir / "base.yml",
             "name: base\n"
             "channels: [conda-forge, defaults]\n"
             "dependencies:\n"
             "  - python 3.10.*\n"
             "  - numpy\n"
             "  - pip:\n"
             "    - requests\n"
             "    - rich>=13\n"
             "variables: {A: '1', B: '2'}\n");
  write_text(dir / "dev.yml",
             "channels: [bioconda, conda-forge]\n"
             "dependencies:\n"
             "  - pytest\n"
             "  - python 3.11.*\n"
             "  - pip:\n"
             "    - Rich==13.7\n"
             "variables: {B: '3'}\n");
  auto env = load_environment_files({dir / "base.yml", dir / "dev.yml"});
  BOOST_REQUIRE_MESSAGE(env.ok(), (env.ok() ? "" : env.error().to_string()));
  BOOST_CHECK_EQUAL(env->name, "base");
  std::vector<std::string> channels = {"conda-forge", "defaults", "bioconda"};
  BOOST_CHECK_EQUAL_COLLECTIONS(
      env->channels.begin(), env->channels.end(), channels.begin(), channels.end());
  // Every entry is kept, in order; merge_dependencies judges the two pythons.
  BOOST_REQUIRE_EQUAL(env->dependencies.size(), 4u);
  BOOST_CHECK_EQUAL(env->dependencies[0].spec.str(), "python=3.10");
  BOOST_CHECK_EQUAL(env->dependencies[3].spec.str(), "python=3.11");
  BOOST_CHECK_EQUAL(env->dependencies[3].file, dir / "dev.yml");
  BOOST_CHECK_EQUAL(env->dependencies[3].line, 4);
  BOOST_CHECK_EQUAL(env->dependencies[1].spec.name, "numpy");
  BOOST_CHECK_EQUAL(env->dependencies[2].spec.name, "pytest");
  auto merged = merge_dependencies(env->dependencies);
  BOOST_REQUIRE(!merged.ok());
  BOOST_CHECK_EQUAL(merged.error().to_string(),
                    dir / "dev.yml:4:5: 'python 3.11.*' conflicts with 'python 3.10.*' at " +
                        dir / "base.yml:4 (no version is both 3.10.* and 3.11.*)");
  std::vector<std::string> pip = {"requests", "Rich==13.7"};
  BOOST_CHECK_EQUAL_COLLECTIONS(env->pip.begin(), env->pip.end(), pip.begin(), pip.end());
  // The replacing line's place is the one an error names.
  BOOST_REQUIRE_EQUAL(env->pip_sources.size(), 2u);
  BOOST_CHECK_EQUAL(env->pip_sources[1], dir / "dev.yml:6:7");
  BOOST_CHECK_EQUAL(env->variables.at("A"), "1");
  BOOST_CHECK_EQUAL(env->variables.at("B"), "3");

  auto reversed = load_environment_files({dir / "dev.yml", dir / "base.yml"});
  BOOST_REQUIRE(reversed.ok());
  BOOST_CHECK_EQUAL(reversed->channels[0], "bioconda");
}

Dependency dep(const std::string& text, int line) {
  Dependency d;
  d.spec = MatchSpec::parse(text).value();
  d.file = "e.yml";
  d.line = line;
  d.column = 5;
  return d;
}

BOOST_AUTO_TEST_CASE(specs_of_one_name_merge_as_conda_merges_them) {
  auto merged = merge_dependencies({dep("numpy>=1.10", 1),
                                    dep("python", 2),
                                    dep("numpy<1.12", 3),
                                    dep("python=3.11", 4),
                                    dep("numpy[build=py3*]", 5)});
  BOOST_REQUIRE_MESSAGE(merged.ok(), (merged.ok() ? "" : merged.error().to_string()));
  BOOST_REQUIRE_EQUAL(merged->size(), 2u);
  BOOST_CHECK_EQUAL((*merged)[0].spec.str(), "numpy[version='>=1.10,<1.12',build=py3*]");
  BOOST_CHECK_EQUAL((*merged)[0].line, 1);
  BOOST_CHECK_EQUAL((*merged)[1].spec.str(), "python=3.11");
  // An exact build inside the other's glob is that build.
  merged = merge_dependencies({dep("numpy[build=py3*]", 1), dep("numpy 1.1 py36_0", 2)});
  BOOST_REQUIRE(merged.ok());
  BOOST_CHECK_EQUAL((*merged)[0].spec.str(), "numpy==1.1=py36_0");
}

BOOST_AUTO_TEST_CASE(incompatible_specs_of_one_name_name_both_places) {
  struct Case {
    const char* a;
    const char* b;
    const char* why;
  };
  const Case cases[] = {
      {"python=3.6", "python=3.7", "no version is both 3.6.* and 3.7.*"},
      {"python==3.6.1", "python 3.6.2", "no version is both"},
      {"numpy>=1.12", "numpy<1.10", "no version is both >=1.12 and <1.10"},
      {"numpy>1.10", "numpy<=1.10", "no version is both"},
      {"numpy 1.11 py36_0", "numpy 1.11 py37_0", "builds py36_0 and py37_0"},
      {"conda-forge::numpy", "bioconda::numpy", "channels conda-forge vs bioconda"},
      {"numpy[build_number=1]", "numpy[build_number=2]", "build numbers 1 vs 2"},
  };
  for (const auto& c : cases) {
    auto merged = merge_dependencies({dep(c.a, 3), dep("zlib", 4), dep(c.b, 7)});
    BOOST_REQUIRE_MESSAGE(!merged.ok(), c.a << " + " << c.b);
    std::string shown = merged.error().to_string();
    BOOST_CHECK_MESSAGE(shown.rfind("e.yml:7:5: '" + std::string(c.b) + "' conflicts with '" + c.a +
                                        "' at e.yml:3 (",
                                    0) == 0,
                        shown);
    BOOST_CHECK_MESSAGE(shown.find(c.why) != std::string::npos, shown);
  }
  // Sets that may meet are left to the solver: ">=1.10,<1.12" and "1.11.*" meet.
  BOOST_CHECK(merge_dependencies({dep("numpy >=1.10,<1.12", 1), dep("numpy=1.11", 2)}).ok());
  BOOST_CHECK(merge_dependencies({dep("numpy=1", 1), dep("numpy=1.11", 2)}).ok());
  BOOST_CHECK(merge_dependencies({dep("numpy 1.11|1.12", 1), dep("numpy<1.12", 2)}).ok());
}

// Each entry as written unquoted, and the string PyYAML 6 reads from it (checked with
// yaml.safe_load); "" where PyYAML reads a list or a map, which we refuse where it stands.
BOOST_AUTO_TEST_CASE(unquoted_entries_read_as_pyyaml_reads_them) {
  const std::pair<const char*, const char*> cases[] = {
      {"numpy[build=py36*]", "numpy[build=py36*]"},
      {"numpy=1.11[build=py36*]", "numpy=1.11[build=py36*]"},
      {"numpy[version='>=1.12,<1.13']", "numpy[version='>=1.12,<1.13']"},
      {"numpy[version=\">=1.12,<1.13\"]", "numpy[version=\">=1.12,<1.13\"]"},
      {"numpy *[build=py36h1b885b7_9]", "numpy *[build=py36h1b885b7_9]"},
      {"numpy=1.11[build=py36*]  # comment", "numpy=1.11[build=py36*]"},
      {"numpy >=1,<2 # [linux]", "numpy >=1,<2"},
      {"conda-forge::numpy[build=py*]", "conda-forge::numpy[build=py*]"},
      {"numpy#1", "numpy#1"},
      {"[numpy, scipy]", ""},
      {"{numpy: 1}", ""},
      {"numpy:", ""},
      {"numpy: 1.11", ""},
      {"? numpy", ""},
      {"- numpy", ""},
  };
  TempDir dir;
  for (const auto& [entry, pyyaml] : cases) {
    std::string path = dir / "e.yml";
    write_text(path, std::string("dependencies:\n  - zlib\n  - ") + entry + "\n  - python\n");
    auto env = load_environment_files({path});
    if (*pyyaml == '\0') {
      BOOST_REQUIRE_MESSAGE(!env.ok(), "accepted: " << entry);
      BOOST_CHECK_MESSAGE(
          env.error().to_string().rfind(path + ":3:5: a dependency must be", 0) == 0,
          env.error().to_string());
      continue;
    }
    BOOST_REQUIRE_MESSAGE(env.ok(), entry << ": " << (env.ok() ? "" : env.error().to_string()));
    BOOST_REQUIRE_EQUAL(env->dependencies.size(), 3u);
    BOOST_CHECK_EQUAL(env->dependencies[1].spec.original, pyyaml);
    BOOST_CHECK_EQUAL(env->dependencies[1].spec.name, "numpy");
    BOOST_CHECK_EQUAL(env->dependencies[1].line, 3);
  }
}

struct BadCase {
  const char* yaml;
  const char* where;  // expected file:line:column suffix
  const char* why;
};

BOOST_AUTO_TEST_CASE(quoted_entries_with_escaped_quotes_are_closed) {
  TempDir dir;
  write_text(dir / "environment.yml",
             "channels:\n  - 'it''s'\ndependencies:\n  - \"numpy >=1 # \\\"x\\\"\"\n"
             "  - 'scipy'\n");
  auto env = load_environment_files({dir / "environment.yml"});
  BOOST_REQUIRE_MESSAGE(env.ok(), (env.ok() ? "" : env.error().to_string()));
  BOOST_CHECK_EQUAL(env->channels.at(0), "it's");
  BOOST_CHECK_EQUAL(env->dependencies.size(), 2u);
}

BOOST_AUTO_TEST_CASE(errors_carry_file_line_column) {
  const BadCase cases[] = {
      {"dependencies:\n  - numpy\n  - scipy >=1..2\n", ":3:5", "invalid version spec '>=1..2'"},
      {"name: x\ndependencies: [numpy, 'a b c d e']\n", ":2:23", "invalid match spec"},
      {"channels: conda-forge\n", ":1:11", "'channels' must be a list"},
      {"dependencies:\n  - numpy\n  - {foo: bar}\n", ":3:5", "match spec string or a 'pip:'"},
      {"dependencies:\n  - pip: [ok, {x: 1}]\n", ":2:15", "'pip' entries must be strings"},
      {"name: [unclosed\n", ":2:1", "invalid YAML"},
      {"dependencies:\n  - numpy\n bad indent: 1\n", ":3:", "invalid YAML"},
      {"- just\n- a list\n", ":1:1", "must be a mapping"},
      {"variables: [a]\n", ":1:12", "'variables' must be a mapping"},
      {"dependencies:\n  - python\n  - \"numpy\n  - scipy\n", ":3:5", "unterminated quoted string"},
      {"channels:\n  - 'conda-forge\n", ":2:5", "unterminated quoted string (no closing ')"},
  };
  TempDir dir;
  int n = 0;
  for (const auto& c : cases) {
    std::string path = dir / ("env" + std::to_string(n++) + ".yml");
    write_text(path, c.yaml);
    auto env = load_environment_files({path});
    BOOST_REQUIRE_MESSAGE(!env.ok(), "accepted: " << c.yaml);
    BOOST_CHECK(env.error().kind == ErrorKind::input);
    std::string shown = env.error().to_string();
    BOOST_CHECK_MESSAGE(shown.rfind(path + c.where, 0) == 0, shown << " (want " << c.where << ")");
    BOOST_CHECK_MESSAGE(shown.find(c.why) != std::string::npos, shown);
  }
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_io_error) {
  TempDir dir;
  auto env = load_environment_files({dir / "nope.yml"});
  BOOST_REQUIRE(!env.ok());
  BOOST_CHECK(env.error().kind == ErrorKind::io);
}

BOOST_AUTO_TEST_CASE(empty_file_is_an_empty_environment) {
  TempDir dir;
  write_text(dir / "e.yml", "");
  auto env = load_environment_files({dir / "e.yml"});
  BOOST_REQUIRE(env.ok());
  BOOST_CHECK(env->dependencies.empty());
}

}  // namespace
}  // namespace envlock::spec
