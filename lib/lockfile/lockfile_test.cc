#include "lib/lockfile/lockfile.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace fs = std::filesystem;

namespace envlock::lockfile {
namespace {

std::string lockfiles_dir() {
  return testing::corpus_dir() + "/lockfiles";
}

Lock must_read(const std::string& relative) {
  auto lock = read_lock(lockfiles_dir() + "/" + relative);
  if (!lock.ok()) BOOST_FAIL(lock.error().to_string());
  return std::move(lock).value();
}

bool is_negative(const std::string& relative) {
  return relative.find("invalid-lockfiles/") != std::string::npos ||
         relative.find("lock_parse_fails/") != std::string::npos ||
         fs::path(relative).filename().string().rfind("bad_", 0) == 0 ||
         relative == "rattler-lock/conda-lock/forward-compatible-lock.yml";
}

// Every file under lockfiles/, relative, sorted.
std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(lockfiles_dir())) {
    if (!entry.is_regular_file()) continue;
    out.push_back(fs::relative(entry.path(), lockfiles_dir()).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What conda-lock v1 keeps of a package, in a comparable form.
struct V1View {
  std::string manager, name, version, platform, url, md5, sha256, category, source_url;
  bool optional;
  std::map<std::string, std::set<std::string>> depends;  // name -> constraint pieces
  auto key() const {
    return std::tie(manager,
                    name,
                    version,
                    platform,
                    url,
                    md5,
                    sha256,
                    category,
                    source_url,
                    optional,
                    depends);
  }
  bool operator<(const V1View& o) const { return key() < o.key(); }
  bool operator==(const V1View& o) const { return key() == o.key(); }
};

std::multiset<V1View> v1_view(const Lock& lock, const std::string& env_name) {
  std::multiset<V1View> out;
  const Environment* env = lock.environment(env_name);
  if (env == nullptr && lock.environments.size() == 1) env = &lock.environments.begin()->second;
  BOOST_REQUIRE(env != nullptr);
  for (const auto& [platform, packages] : env->packages) {
    for (const auto& p : packages) {
      if (p.name.rfind("__", 0) == 0) continue;  // conda-lock drops virtual packages
      V1View v{to_string(p.manager),
               p.name,
               p.version,
               p.platform,
               p.url,
               p.md5,
               p.sha256,
               p.category,
               p.source_url,
               p.optional,
               {}};
      for (const auto& spec : p.depends) {
        size_t space = spec.find(' ');
        std::string name = spec.substr(0, space);
        auto& pieces = v.depends[name];
        if (space == std::string::npos) continue;
        std::string rest = spec.substr(spec.find_first_not_of(' ', space));
        size_t start = 0;
        while (start <= rest.size()) {
          size_t comma = rest.find(',', start);
          pieces.insert(rest.substr(start, comma == std::string::npos ? comma : comma - start));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      }
      out.insert(std::move(v));
    }
  }
  return out;
}

}  // namespace

// Every valid lock in the corpus parses. The totals are what the corpus holds (PROVENANCE.md
// agrees on every conda-lock and explicit entry count; micromamba counts here include the
// `pipPackages`, pixi counts are package references per environment and platform).
BOOST_AUTO_TEST_CASE(every_valid_corpus_lock_parses_with_known_totals) {
  std::map<SourceFormat, int> files;
  std::map<SourceFormat, size_t> packages;
  std::vector<std::string> not_locks;
  for (const std::string& rel : corpus_files()) {
    if (is_negative(rel)) continue;
    auto lock = read_lock(lockfiles_dir() + "/" + rel);
    if (!lock.ok()) {
      not_locks.push_back(rel);
      continue;
    }
    ++files[lock->source_format];
    packages[lock->source_format] += lock->package_count();
  }
  BOOST_TEST(files[SourceFormat::conda_lock_v1] == 40);
  BOOST_TEST(files[SourceFormat::rattler_v3] == 1);
  BOOST_TEST(files[SourceFormat::pixi_v4] == 7);
  BOOST_TEST(files[SourceFormat::pixi_v5] == 7);
  BOOST_TEST(files[SourceFormat::pixi_v6] == 22);
  BOOST_TEST(files[SourceFormat::pixi_v7] == 27);
  BOOST_TEST(files[SourceFormat::explicit_file] == 27);
  BOOST_TEST(files[SourceFormat::micromamba_json] == 17);
  BOOST_TEST(packages[SourceFormat::conda_lock_v1] == 24657u);
  BOOST_TEST(packages[SourceFormat::rattler_v3] == 2197u);
  BOOST_TEST(packages[SourceFormat::pixi_v4] == 3425u);
  BOOST_TEST(packages[SourceFormat::pixi_v5] == 2038u);
  BOOST_TEST(packages[SourceFormat::pixi_v6] == 12484u);
  BOOST_TEST(packages[SourceFormat::pixi_v7] == 14006u);
  BOOST_TEST(packages[SourceFormat::explicit_file] == 7283u);
  BOOST_TEST(packages[SourceFormat::micromamba_json] == 584u);
  // What does not parse is not a lock: sources, manifests, README, package archives, repodata.
  for (const auto& rel : not_locks) {
    std::string name = fs::path(rel).filename().string();
    bool expected =
        name.find("environment") != std::string::npos || name.find("env_") == 0 ||
        name.find(".toml") != std::string::npos || name.find(".md") != std::string::npos ||
        name.find(".conda") != std::string::npos || name == "repodata.json" ||
        name.find(".env.txt") != std::string::npos || name == "history" ||
        name.find("python_abi") == 0 || name == ".condarc" ||
        name.find("-dependencies.yml") != std::string::npos ||
        rel.find("test-lockfile/") != std::string::npos ||  // auth fixtures
        rel.find("test-multiple-categories/") != std::string::npos || name == "python-3.10.yaml" ||
        name == "apache_arrow_conda_env_sphinx.txt" || name == "minrk_downgrade.yml";
    BOOST_TEST(expected, "unexpectedly rejected: " << rel);
  }
}

BOOST_AUTO_TEST_CASE(conda_lock_fields_are_read) {
  Lock lock = must_read("conda-lock/conda-lock-tests/test-explicit-toposorted/conda-lock.yml");
  BOOST_TEST(lock.metadata.platforms == std::vector<std::string>{"linux-64"});
  BOOST_TEST(lock.metadata.channels.size() == 1u);
  BOOST_TEST(lock.metadata.channels[0].url == "conda-forge");
  BOOST_TEST(lock.metadata.content_hash.at("linux-64") ==
             "96cc0137803b712837f3563fae218f7e525b1e2a8abadd6fc201d0bd04f0147f");
  const auto& pkgs = lock.environment("default")->packages.at("linux-64");
  BOOST_TEST(pkgs.size() == 127u);
  const LockedPackage& mutex = pkgs[1];
  BOOST_TEST(mutex.name == "_openmp_mutex");
  BOOST_TEST(mutex.version == "4.5");
  BOOST_TEST(mutex.build == "2_gnu");
  BOOST_TEST(mutex.subdir == "linux-64");
  BOOST_TEST(mutex.channel == "https://conda.anaconda.org/conda-forge");
  BOOST_TEST(mutex.md5 == "73aaf86a425cc6e73fcf236a5a46396d");
  BOOST_TEST(same_dependencies(mutex.depends, {"libgomp >=7.5.0", "_libgcc_mutex 0.1"}));
  auto pip = std::find_if(
      pkgs.begin(), pkgs.end(), [](const LockedPackage& p) { return p.name == "pydantic-core"; });
  BOOST_REQUIRE(pip != pkgs.end());
  BOOST_TEST(pip->manager == Manager::pip);
  BOOST_TEST(pip->md5.empty());
  BOOST_TEST(same_dependencies(pip->depends, {"typing-extensions >=4.6.0,<4.7.0 || >4.7.0"}));
  // The old layout: no version key, keys sorted, channels as plain strings.
  Lock old = must_read("conda-lock/conda-lock-tests/test-lockfile/conda-lock.yml");
  BOOST_TEST(old.metadata.channels[0].url == "conda-forge");
  BOOST_TEST(old.metadata.sources.size() == 2u);
  // Metadata extras.
  Lock meta = must_read("conda-lockfiles/environments/single_package/conda-lock.yml");
  BOOST_TEST(meta.metadata.created_at.value_or("") == "2025-08-14T22:47:07Z");
  BOOST_TEST(meta.metadata.custom.at("created_by") == "conda-lockfiles 0.0.0");
  Lock v3 = must_read("rattler-lock/conda-lock/v3/robostack-turtlesim-conda-lock.yml");
  BOOST_TEST(v3.source_format == SourceFormat::rattler_v3);
  const auto& first = v3.environment("default")->packages.at("linux-64")[0];
  BOOST_TEST(first.size.value_or(0) == 2562);
  BOOST_TEST(first.build_number.value_or(-1) == 0);
}

// Files conda-lock itself wrote come back byte for byte (the newest conda-lock layout), and
// every conda-lock file keeps its packages, urls and hashes through write + read.
BOOST_AUTO_TEST_CASE(conda_lock_written_files_are_reproduced_byte_for_byte) {
  const char* identical[] = {
      "conda-lock/pangeo-docker-images/HEAD/base-notebook/conda-lock.yml",
      "conda-lock/pangeo-docker-images/HEAD/ml-notebook/conda-lock.yml",
      "conda-lock/pangeo-docker-images/HEAD/pangeo-notebook/conda-lock.yml",
      "diff-pairs/pangeo-add-virtualizarr/before/pangeo-notebook/conda-lock.yml",
      "diff-pairs/pangeo-add-virtualizarr/after/pangeo-notebook/conda-lock.yml",
      "diff-pairs/pangeo-bump-odc-stac/before/pangeo-notebook/conda-lock.yml",
      "diff-pairs/pangeo-bump-odc-stac/after/pangeo-notebook/conda-lock.yml",
  };
  for (const char* rel : identical) {
    std::string text = envlock::testing::read_text(lockfiles_dir() + "/" + rel);
    auto lock = parse_lock(text, rel);
    BOOST_REQUIRE(lock.ok());
    std::string written = write_conda_lock_v1(*lock);
    BOOST_TEST((written == text), rel);
    BOOST_TEST((write_conda_lock_v1(*lock) == written), "deterministic: " << rel);
  }
}

// The `manager: pip` entries of a lock conda-lock wrote come back byte for byte: field order,
// `hash: {sha256}`, and the dependencies in their metadata's order (not sorted).
BOOST_AUTO_TEST_CASE(conda_lock_pip_entries_are_reproduced_byte_for_byte) {
  const std::string rel = "conda-lock/conda-lock-tests/test-install-with-pip-deps/conda-lock.yml";
  std::string text = envlock::testing::read_text(lockfiles_dir() + "/" + rel);
  auto lock = parse_lock(text, rel);
  BOOST_REQUIRE(lock.ok());
  // Every "- name:" block holding "manager: pip", in order.
  auto pip_blocks = [](const std::string& yaml) {
    std::vector<std::string> blocks;
    size_t at = yaml.find("\n- name: ");
    while (at != std::string::npos) {
      size_t next = yaml.find("\n- name: ", at + 1);
      std::string block = yaml.substr(at, next == std::string::npos ? next : next - at);
      if (block.find("\n  manager: pip\n") != std::string::npos) blocks.push_back(block);
      at = next;
    }
    return blocks;
  };
  auto want = pip_blocks(text);
  auto got = pip_blocks(write_conda_lock_v1(*lock));
  BOOST_TEST(want.size() == 8u);
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_lock_round_trips_through_conda_lock_v1) {
  int round_tripped = 0;
  for (const std::string& rel : corpus_files()) {
    if (is_negative(rel)) continue;
    auto lock = read_lock(lockfiles_dir() + "/" + rel);
    if (!lock.ok()) continue;
    // Each environment of a multi-environment lock is written on its own.
    for (const auto& [env_name, env] : lock->environments) {
      auto one = select_environment(*lock, env_name);
      BOOST_REQUIRE(one.ok());
      std::string written = write_conda_lock_v1(*one);
      auto again = parse_lock(written, rel + " (written)");
      if (!again.ok()) BOOST_FAIL(again.error().to_string());
      BOOST_TEST(again->source_format == SourceFormat::conda_lock_v1);
      BOOST_TEST((v1_view(*again, "default") == v1_view(*one, "default")),
                 rel << " environment " << env_name);
      BOOST_TEST(again->metadata.channels == one->metadata.channels);
      BOOST_TEST(again->metadata.content_hash == one->metadata.content_hash);
      // Reading our own output and writing it again changes nothing.
      BOOST_TEST((write_conda_lock_v1(*again) == written), rel);
      ++round_tripped;
    }
  }
  BOOST_TEST(round_tripped >= 148);
}

// Negative samples: rejected, one line, naming the file, with the line where YAML knows it.
BOOST_AUTO_TEST_CASE(negative_samples_are_rejected_with_one_line_errors) {
  struct Case {
    const char* rel;
    const char* needle;
    bool has_line;
  };
  const Case cases[] = {
      {"conda-lockfiles/invalid-lockfiles/conda-lock-v1-invalid-metadata-type.yml",
       "'metadata' must be a map, found a string",
       true},
      {"conda-lockfiles/invalid-lockfiles/conda-lock-v1-missing-metadata.yml",
       "missing 'metadata'",
       true},
      {"conda-lockfiles/invalid-lockfiles/conda-lock-v1-missing-package.yml",
       "missing 'package'",
       true},
      {"conda-lockfiles/invalid-lockfiles/pixi-lock-v6-invalid-environments-type.lock",
       "'environments' must be a map",
       true},
      {"conda-lockfiles/invalid-lockfiles/pixi-lock-v6-missing-environments.lock",
       "missing 'environments'",
       true},
      {"conda-lockfiles/invalid-lockfiles/pixi-lock-v6-missing-packages.lock",
       "missing 'packages'",
       true},
      {"rattler-lock/lock_parse_fails/v7/duplicate_platform.yml",
       "duplicate key 'DUPLICATE'",
       true},
      {"rattler-lock/lock_parse_fails/v7/duplicate_platform_definition.yml",
       "platform 'DUPLICATE' is defined twice",
       true},
      {"rattler-lock/lock_parse_fails/v7/duplicate_platform_use.yml",
       "duplicate key 'DUPLICATE'",
       true},
      {"rattler-lock/lock_parse_fails/v7/invalid_platform_name.yml",
       "invalid platform name 'linux 64 foobar'",
       true},
      {"rattler-lock/lock_parse_fails/v7/invalid_platform_subdir.yml",
       "unknown subdir 'linux-XX'",
       true},
      {"rattler-lock/lock_parse_fails/v7/missing_platform.yml", "uses platform 'UNKNOWN'", true},
      {"mamba/data/env_lockfile/bad_package-lock.json", "invalid JSON", true},
      // The YAML sample also lacks hash/manager/optional; the missing metadata comes first.
      {"mamba/data/env_lockfile/bad_package-lock.yaml", "missing 'metadata'", true},
      {"mamba/data/env_lockfile/bad_version-lock.json", "unsupported lockVersion '0.0.0'", false},
      {"mamba/data/env_lockfile/bad_version-lock.yaml", "unsupported lock file version -1", true},
      {"rattler-lock/conda-lock/forward-compatible-lock.yml",
       "unsupported pixi.lock version 1000",
       true},
  };
  int negatives_seen = 0;
  for (const std::string& rel : corpus_files()) negatives_seen += is_negative(rel);
  BOOST_TEST(negatives_seen == 17);  // every negative sample is in the table above
  for (const Case& c : cases) {
    std::string path = lockfiles_dir() + "/" + c.rel;
    auto lock = read_lock(path);
    BOOST_REQUIRE_MESSAGE(!lock.ok(), c.rel);
    const Error& e = lock.error();
    std::string text = e.to_string();
    BOOST_TEST(e.kind == ErrorKind::input);
    BOOST_TEST(text.find('\n') == std::string::npos, text);
    BOOST_TEST(text.rfind(path + ":", 0) == 0, text);
    BOOST_TEST(text.find(c.needle) != std::string::npos, text);
    if (c.has_line) {
      // "<path>:<line>:" with a line number
      std::string rest = text.substr(path.size() + 1);
      BOOST_TEST((!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0]))), text);
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_yaml_and_fields_are_located) {
  auto bad = parse_lock("version: 1\nmetadata: {channels: [}\n", "x.yml");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().to_string().rfind("x.yml:2:", 0) == 0, bad.error().to_string());
  auto wrong_manager = parse_lock(
      "version: 1\nmetadata:\n  content_hash: {}\n  channels: []\n  platforms: [linux-64]\n"
      "  sources: []\npackage:\n- name: a\n  version: '1'\n  manager: cargo\n"
      "  platform: linux-64\n  url: u\n  hash: {md5: x}\n",
      "y.yml");
  BOOST_REQUIRE(!wrong_manager.ok());
  BOOST_TEST(wrong_manager.error().to_string() ==
             "y.yml:10:12: unknown manager 'cargo' (expected conda or pip)");
  auto bad_platform = parse_lock(
      "version: 1\nmetadata:\n  content_hash: {}\n  channels: []\n  platforms: [linux-64]\n"
      "  sources: []\npackage:\n- name: a\n  version: '1'\n  manager: conda\n"
      "  platform: win-64\n  url: u\n  hash: {md5: x}\n",
      "z.yml");
  BOOST_REQUIRE(!bad_platform.ok());
  BOOST_TEST(bad_platform.error().to_string().find("z.yml:11:13: package 'a' has platform "
                                                   "'win-64'") == 0);
}

BOOST_AUTO_TEST_CASE(pixi_locks_of_every_version) {
  Lock v4 = must_read("rattler-lock/conda-lock/v4/pypi-matplotlib-lock.yml");
  BOOST_TEST(v4.source_format == SourceFormat::pixi_v4);
  size_t pip = 0;
  for (const auto& [platform, pkgs] : v4.environment("default")->packages) {
    for (const auto& p : pkgs) pip += p.manager == Manager::pip;
  }
  BOOST_TEST(pip > 0u);
  Lock v5 = must_read("rattler-lock/conda-lock/v5/flat-index-lock.yml");
  const Environment& e5 = *v5.environment("default");
  BOOST_TEST(e5.pypi_indexes == std::vector<std::string>{"https://pypi.org/simple"});
  const auto& osx = e5.packages.at("osx-arm64");
  BOOST_TEST(osx.back().url == "./links/requests-2.31.0-py3-none-any.whl");
  BOOST_TEST(osx.front().name == "bzip2");
  BOOST_TEST(osx.front().build_number.value_or(-1) == 5);
  // v6: fields derived from the URL.
  Lock v6 = must_read("rattler-lock/conda-lock/v6/numpy-as-pypi-lock.yml");
  const auto& p6 = v6.environment("default")->packages.at("osx-arm64").front();
  BOOST_TEST(p6.name == "bzip2");
  BOOST_TEST(p6.version == "1.0.8");
  BOOST_TEST(p6.build == "h99b78c6_7");
  BOOST_TEST(p6.build_number.value_or(-1) == 7);
  BOOST_TEST(p6.subdir == "osx-arm64");
  BOOST_TEST(p6.channel == "https://prefix.dev/conda-forge");
  BOOST_TEST(p6.size.value_or(0) == 122909);
  // v6 disambiguation of several records at one source path.
  Lock path6 = must_read("rattler-lock/conda-lock/v6/conda-path-lock.yml");
  const auto& win = path6.environment("default")->packages.at("win-64");
  BOOST_REQUIRE(win.size() == 3u);
  BOOST_TEST(win[0].build == "first");
  BOOST_TEST(win[1].name == "a-python-project");
  BOOST_TEST(win[2].name == "b-python-project");
  BOOST_TEST(path6.environment("second")->packages.at("win-64")[0].build == "second");
  // v7: named platforms with their subdir.
  Lock v7 = must_read("rattler-lock/conda-lock/v7/conda-path-lock.yml");
  BOOST_TEST(v7.metadata.platforms == (std::vector<std::string>{"linux-64-foobar", "win-64"}));
  const auto& foobar = v7.environment("default")->packages.at("linux-64-foobar")[0];
  BOOST_TEST(foobar.name == "minimal-project");
  BOOST_TEST(foobar.subdir == "linux-64");
  BOOST_TEST(foobar.url == "../minimal-project");
  // Environment selection by name.
  Lock polarify = must_read("pixi/examples/polarify/pixi.lock");
  BOOST_TEST(polarify.environments.size() == 10u);
  auto py39 = select_environment(polarify, "py39");
  BOOST_REQUIRE(py39.ok());
  BOOST_TEST(py39->environments.size() == 1u);
  size_t py39_count = 0;
  for (const auto& [platform, list] : polarify.environment("py39")->packages) {
    py39_count += list.size();
  }
  BOOST_TEST(py39->package_count() == py39_count);
  BOOST_TEST(py39_count > 0u);
  auto missing = select_environment(polarify, "nope");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().to_string().find("it has: default, lint, pl017") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(large_locks) {
  Lock pangeo = must_read("conda-lock/pangeo-docker-images/HEAD/pangeo-notebook/conda-lock.yml");
  BOOST_TEST(pangeo.package_count() == 3091u);
  BOOST_TEST(pangeo.environment("default")->packages.size() == 4u);
  Lock ros = must_read("pixi/examples/ros2-nav2/pixi.lock");
  BOOST_TEST(ros.source_format == SourceFormat::pixi_v6);
  std::set<std::string> urls;
  for (const auto& [name, env] : ros.environments) {
    for (const auto& [platform, pkgs] : env.packages) {
      for (const auto& p : pkgs) urls.insert(p.url);
    }
  }
  BOOST_TEST(urls.size() == 4217u);  // every top-level record is referenced
  Lock turtle = must_read("pixi/examples/turtlesim/pixi.lock");
  BOOST_TEST(turtle.environments.size() == 2u);
}

BOOST_AUTO_TEST_CASE(explicit_files_read_and_write) {
  Lock pangeo = must_read("conda-lock/pangeo-docker-images/HEAD/pangeo-notebook/conda-lock.yml");
  std::string text = write_explicit(pangeo, "default", "linux-64");
  BOOST_TEST(text.rfind("# Generated by conda-lock.\n# platform: linux-64\n# input_hash: "
                        "e7ecc4bdcc7bf91dc65e15d4615d71e90ff8bab591919444a0aeded2c8335043\n"
                        "@EXPLICIT\n",
                        0) == 0);
  auto ours = parse_lock(text, "ours.lock");
  BOOST_REQUIRE(ours.ok());
  Lock theirs =
      must_read("conda-lock/pangeo-docker-images/HEAD/pangeo-notebook/conda-linux-64.lock");
  BOOST_TEST(theirs.source_format == SourceFormat::explicit_file);
  const auto& a = ours->environment("default")->packages.at("linux-64");
  const auto& b = theirs.environment("default")->packages.at("linux-64");
  BOOST_TEST(a.size() == 809u);
  std::map<std::string, const LockedPackage*> by_url;
  for (const auto& p : pangeo.environment("default")->packages.at("linux-64")) by_url[p.url] = &p;
  std::set<std::string> ua, ub;
  for (const auto& p : a) {
    ua.insert(p.url);
    BOOST_TEST(p.sha256 == by_url.at(p.url)->sha256);  // sha256 fragments where known
  }
  for (const auto& p : b) {
    ub.insert(p.url);
    BOOST_TEST(p.md5 == by_url.at(p.url)->md5);  // conda-lock's own render: md5 fragments
  }
  BOOST_TEST((ua == ub));
  // Dependencies first: every in-lock dependency comes earlier (the lock has no cycles).
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < a.size(); ++i) position[a[i].name] = i;
  size_t checked = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    for (const auto& spec : by_url.at(a[i].url)->depends) {
      auto it = position.find(spec.substr(0, spec.find(' ')));
      if (it == position.end()) continue;
      BOOST_TEST(it->second < i, a[i].name << " before its dependency " << spec);
      ++checked;
    }
  }
  BOOST_TEST(checked > 2000u);
  // pip packages become "# pip" lines, which the reader understands again.
  Lock with_pip = must_read("conda-lock/conda-lock-tests/test-explicit-toposorted/conda-lock.yml");
  std::string rendered = write_explicit(with_pip, "default", "linux-64");
  BOOST_TEST(rendered.find("\n# pip pydantic @ https://files.pythonhosted.org/") !=
             std::string::npos);
  auto back = parse_lock(rendered, "pip.lock");
  BOOST_REQUIRE(back.ok());
  size_t pips = 0;
  for (const auto& p : back->environment("default")->packages.at("linux-64")) {
    if (p.manager == Manager::pip) {
      ++pips;
      BOOST_TEST(!p.sha256.empty());
      BOOST_TEST(!p.version.empty());
    }
  }
  BOOST_TEST(pips == 4u);
  // Hash fragment forms (CEP 23) and errors.
  auto frag = parse_lock(
      "# platform: osx-64\n@EXPLICIT\n\n"
      "https://c.org/cf/osx-64/a-1-0.tar.bz2#D41D8CD98F00B204E9800998ECF8427E\n"
      "https://c.org/cf/noarch/b-2-py_0.conda#sha256:"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
      "f.txt");
  BOOST_REQUIRE(frag.ok());
  const auto& fp = frag->environment("default")->packages.at("osx-64");
  BOOST_TEST(fp[0].md5 == "d41d8cd98f00b204e9800998ecf8427e");
  BOOST_TEST(fp[1].sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(fp[1].subdir == "noarch");
  auto badfrag = parse_lock("@EXPLICIT\nhttps://c.org/cf/osx-64/a-1-0.tar.bz2#xyz\n", "g.txt");
  BOOST_REQUIRE(!badfrag.ok());
  BOOST_TEST(badfrag.error().to_string().rfind("g.txt:2: bad hash fragment '#xyz'", 0) == 0);
}

BOOST_AUTO_TEST_CASE(format_is_detected_from_content_not_name) {
  testing::TempDir dir;
  std::string conda_lock = envlock::testing::read_text(
      lockfiles_dir() + "/conda-lock/conda-lock-repo/example/zlib/conda-lock.yml");
  testing::write_text(dir / "pixi.lock", conda_lock);
  auto lock = read_lock(dir / "pixi.lock");
  BOOST_REQUIRE(lock.ok());
  BOOST_TEST(lock->source_format == SourceFormat::conda_lock_v1);
  std::string pixi =
      envlock::testing::read_text(lockfiles_dir() + "/rattler-lock/conda-lock/v6/sources-lock.yml");
  auto f = detect_format(pixi, "conda-lock.yml");
  BOOST_REQUIRE(f.ok());
  BOOST_TEST(*f == SourceFormat::pixi_v6);
  auto j = detect_format(envlock::testing::read_text(
                             lockfiles_dir() + "/mamba/env_lockfiles/test-env-lock-win-64.json"),
                         "x.yml");
  BOOST_REQUIRE(j.ok());
  BOOST_TEST(*j == SourceFormat::micromamba_json);
  auto none = detect_format("just: a map\n", "n.yml");
  BOOST_REQUIRE(!none.ok());
  BOOST_TEST(none.error().to_string().find("n.yml:1:1: not a lock file") == 0);
}

BOOST_AUTO_TEST_CASE(env_export_and_micromamba_json) {
  auto lock = parse_lock(
      "name: demo\nchannels:\n  - conda-forge\ndependencies:\n"
      "  - conda-forge::python=3.12.3=hab00c5b_0_cpython\n  - zlib=1.3.1=h4ab18f5_1\n"
      "  - tzdata=2024a\n  - pip:\n    - requests==2.31.0\nprefix: /opt/env\n",
      "export.yml");
  if (!lock.ok()) BOOST_FAIL(lock.error().to_string());
  BOOST_TEST(lock->source_format == SourceFormat::env_export);
  const auto& pkgs = lock->environment("default")->packages.at("");
  BOOST_REQUIRE(pkgs.size() == 4u);
  BOOST_TEST(pkgs[0].name == "python");
  BOOST_TEST(pkgs[0].channel == "conda-forge");
  BOOST_TEST(pkgs[0].build == "hab00c5b_0_cpython");
  BOOST_TEST(pkgs[2].build.empty());
  BOOST_TEST(pkgs[3].manager == Manager::pip);
  BOOST_TEST(pkgs[3].version == "2.31.0");
  auto unpinned = parse_lock("dependencies:\n  - numpy>=1.2\n", "env.yml");
  BOOST_REQUIRE(!unpinned.ok());
  BOOST_TEST(unpinned.error().to_string() ==
             "env.yml:2:5: 'numpy>=1.2' is not pinned as name=version=build");

  Lock json = must_read("mamba/env_lockfiles/test-env-pip-lock-linux-64.json");
  BOOST_TEST(json.source_format == SourceFormat::micromamba_json);
  const auto& jp = json.environment("default")->packages.at("linux-64");
  BOOST_TEST(jp.size() == 30u);
  BOOST_TEST(jp[0].url.rfind("https://prefix.dev/conda-forge/linux-64/", 0) == 0);
  BOOST_TEST(!jp[0].md5.empty());
  BOOST_TEST(jp.back().manager == Manager::pip);
}

}  // namespace envlock::lockfile
