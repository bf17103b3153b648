// The real before/after pairs of the corpus (lockfiles/diff-pairs, mamba's check steps). The
// expected counts were written after reading both files of each pair (and cross-checked with
// a throwaway script outside the repository); the named packages were looked up by hand.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "lib/diff/canonical.h"
#include "lib/diff/diff.h"
#include "lib/lockfile/lockfile.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::diff {
namespace {

std::string lockfiles() {
  return testing::corpus_dir() + "/lockfiles/";
}
std::string pair_file(const std::string& pair, const std::string& side, const std::string& file) {
  return lockfiles() + "diff-pairs/" + pair + "/" + side + "/" + file;
}

DiffReport diff_of(const std::string& a, const std::string& b, const Filter& filter = {}) {
  auto r = diff_files(a, b, filter);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
  return std::move(r).value();
}

struct Counts {
  size_t added, removed, upgraded, downgraded, rebuilt, hash_changed, moved, repackaged,
      depends_changed, unchanged;
};

void check_counts(const DiffReport& r, const Counts& want) {
  const Summary& s = r.summary;
  BOOST_TEST(s.count(ChangeKind::added) == want.added);
  BOOST_TEST(s.count(ChangeKind::removed) == want.removed);
  BOOST_TEST(s.count(ChangeKind::upgraded) == want.upgraded);
  BOOST_TEST(s.count(ChangeKind::downgraded) == want.downgraded);
  BOOST_TEST(s.count(ChangeKind::rebuilt) == want.rebuilt);
  BOOST_TEST(s.count(ChangeKind::hash_changed) == want.hash_changed);
  BOOST_TEST(s.count(ChangeKind::moved) == want.moved);
  BOOST_TEST(s.count(ChangeKind::repackaged) == want.repackaged);
  BOOST_TEST(s.count(ChangeKind::depends_changed) == want.depends_changed);
  BOOST_TEST(s.unchanged == want.unchanged);
}

const PlatformDiff& platform(const DiffReport& r, const std::string& env, const std::string& name) {
  for (const auto& e : r.environments) {
    if (e.name != env) continue;
    for (const auto& p : e.platforms) {
      if (p.platform == name) return p;
    }
  }
  BOOST_FAIL("no " + env + "/" + name + " in the report");
  throw;
}

// The change of `name` in one platform, or nullptr.
const PackageChange* find(const PlatformDiff& p, const std::string& name) {
  for (const auto& c : p.changes) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void expect(const PlatformDiff& p, const std::string& name, ChangeKind kind,
            const std::string& before_version, const std::string& after_version) {
  const PackageChange* c = find(p, name);
  BOOST_REQUIRE_MESSAGE(c != nullptr, name + " is not in " + p.platform);
  BOOST_TEST(to_string(c->kind) == to_string(kind), name);
  BOOST_TEST((c->before ? c->before->version : "") == before_version, name);
  BOOST_TEST((c->after ? c->after->version : "") == after_version, name);
}

size_t count_kind(const PlatformDiff& p, ChangeKind kind) {
  size_t n = 0;
  for (const auto& c : p.changes) n += c.kind == kind;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(corpus)

// pangeo-notebook "add virtualizarr": virtualizarr and its new dependencies (cf-xarray,
// universal_pathlib, pathlib-abc) appear on all four platforms, crc32c goes, and the relock
// moved many packages forward.
BOOST_AUTO_TEST_CASE(pangeo_add_virtualizarr) {
  const std::string file = "pangeo-notebook/conda-lock.yml";
  DiffReport r = diff_of(pair_file("pangeo-add-virtualizarr", "before", file),
                         pair_file("pangeo-add-virtualizarr", "after", file));
  check_counts(r, {24, 4, 341, 0, 209, 0, 0, 0, 0, 2494});
  BOOST_TEST(exit_code(r) == 1);
  BOOST_TEST(r.old_lock.format == lockfile::SourceFormat::conda_lock_v1);
  for (const char* p : {"linux-64", "linux-aarch64", "osx-64", "osx-arm64"}) {
    const PlatformDiff& pd = platform(r, "default", p);
    expect(pd, "virtualizarr", ChangeKind::added, "", "2.2.1");
    expect(pd, "cf-xarray", ChangeKind::added, "", "0.10.9");
    expect(pd, "universal_pathlib", ChangeKind::added, "", "0.3.7");
    expect(pd, "pathlib-abc", ChangeKind::added, "", "0.5.2");
    expect(pd, "crc32c", ChangeKind::removed, "2.8", "");
    expect(pd, "xarray", ChangeKind::upgraded, "2025.10.1", "2025.11.0");
  }
  const PlatformDiff& linux = platform(r, "default", "linux-64");
  BOOST_TEST(linux.old_packages == 801u);
  BOOST_TEST(linux.new_packages == 805u);
  BOOST_TEST(count_kind(linux, ChangeKind::added) == 5u);
  BOOST_TEST(count_kind(linux, ChangeKind::upgraded) == 86u);
  BOOST_TEST(count_kind(linux, ChangeKind::rebuilt) == 57u);
  // Version order, not string order: 0.9.8 → 0.9.10 and 3.9.0 → 3.11.0 are upgrades.
  expect(linux, "aws-c-cal", ChangeKind::upgraded, "0.9.8", "0.9.10");
  expect(linux, "libblas", ChangeKind::upgraded, "3.9.0", "3.11.0");
  expect(linux, "libgcc", ChangeKind::rebuilt, "15.2.0", "15.2.0");
  // osx-arm64 also gained _openmp_mutex and libgcc.
  const PlatformDiff& arm = platform(r, "default", "osx-arm64");
  expect(arm, "_openmp_mutex", ChangeKind::added, "", "4.5");
  expect(arm, "libgcc", ChangeKind::added, "", "15.2.0");
  BOOST_TEST(count_kind(arm, ChangeKind::added) == 7u);
}

// pangeo-notebook "bump odc-stac".
BOOST_AUTO_TEST_CASE(pangeo_bump_odc_stac) {
  const std::string file = "pangeo-notebook/conda-lock.yml";
  DiffReport r = diff_of(pair_file("pangeo-bump-odc-stac", "before", file),
                         pair_file("pangeo-bump-odc-stac", "after", file));
  check_counts(r, {4, 12, 85, 0, 110, 0, 0, 0, 0, 2861});
  for (const char* p : {"linux-64", "linux-aarch64", "osx-64", "osx-arm64"}) {
    const PackageChange* c = find(platform(r, "default", p), "odc-stac");
    BOOST_REQUIRE(c != nullptr);
    BOOST_TEST(c->kind == ChangeKind::upgraded);
  }
}

// conda-lock's own dev lock relocked with mamba <2.6.0: mamba, libmamba and simdjson go
// down on every platform, libmsgpack-c goes away, and typing-extensions keeps its artifact
// but its dependency changed from "==4.15.0" to "4.15.0".
BOOST_AUTO_TEST_CASE(conda_lock_dev_relock_mamba_pin) {
  const std::string file = "environments/conda-lock-python-3.10.yaml";
  DiffReport r = diff_of(pair_file("conda-lock-dev-relock-mamba-pin", "before", file),
                         pair_file("conda-lock-dev-relock-mamba-pin", "after", file));
  check_counts(r, {0, 5, 15, 15, 0, 0, 0, 0, 5, 922});
  // The platforms are listed in another order in the two files: no platform is one-sided.
  BOOST_TEST(r.summary.platforms_old_only == 0u);
  BOOST_TEST(r.summary.platforms_new_only == 0u);
  const PlatformDiff& linux = platform(r, "default", "linux-64");
  expect(linux, "mamba", ChangeKind::downgraded, "2.6.2", "2.5.0");
  expect(linux, "libmamba", ChangeKind::downgraded, "2.6.2", "2.5.0");
  expect(linux, "simdjson", ChangeKind::downgraded, "4.6.4", "4.2.4");
  expect(linux, "libmsgpack-c", ChangeKind::removed, "6.1.0", "");
  expect(linux, "openssl", ChangeKind::upgraded, "3.6.2", "3.6.3");
  const PackageChange* te = find(linux, "typing-extensions");
  BOOST_REQUIRE(te != nullptr);
  BOOST_TEST(te->kind == ChangeKind::depends_changed);
  BOOST_TEST(te->depends_added == std::vector<std::string>{"typing_extensions 4.15.0"});
  BOOST_TEST(te->depends_removed == std::vector<std::string>{"typing_extensions ==4.15.0"});
}

// pixi "lock file maintenance": 777 → 730 distinct packages over 12 environments × 5
// platforms; _libgcc_mutex leaves every linux-64 environment; click goes down to 8.2.1 in
// docs; mkdocs keeps its artifact but a repodata patch pinned click <8.3.
BOOST_AUTO_TEST_CASE(pixi_lock_maintenance) {
  DiffReport r = diff_of(pair_file("pixi-lock-maintenance", "before", "pixi.lock"),
                         pair_file("pixi-lock-maintenance", "after", "pixi.lock"));
  BOOST_TEST(r.old_lock.distinct_packages == 777u);
  BOOST_TEST(r.new_lock.distinct_packages == 730u);
  BOOST_TEST(r.old_lock.environments == 12u);
  BOOST_TEST(r.environments.size() == 12u);
  check_counts(r, {11, 29, 945, 5, 341, 0, 0, 0, 5, 2004});
  expect(platform(r, "default", "linux-64"), "_libgcc_mutex", ChangeKind::removed, "0.1", "");
  expect(platform(r, "trampoline", "linux-64"), "_libgcc_mutex", ChangeKind::removed, "0.1", "");
  for (const char* p : {"linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"}) {
    const PlatformDiff& docs = platform(r, "docs", p);
    expect(docs, "click", ChangeKind::downgraded, "8.4.1", "8.2.1");
    const PackageChange* mkdocs = find(docs, "mkdocs");
    BOOST_REQUIRE(mkdocs != nullptr);
    BOOST_TEST(mkdocs->kind == ChangeKind::depends_changed);
    BOOST_TEST(mkdocs->depends_added == std::vector<std::string>{"click >=7.0,<8.3.0a0"});
    BOOST_TEST(mkdocs->depends_removed == std::vector<std::string>{"click >=7.0"});
  }
  expect(platform(r, "docs", "linux-64"), "pytz", ChangeKind::removed, "2025.2", "");
}

// pixi "bump rust-src": properdocs joins the docs environment on every platform.
BOOST_AUTO_TEST_CASE(pixi_bump_rust_src) {
  DiffReport r = diff_of(pair_file("pixi-bump-rust-src", "before", "pixi.lock"),
                         pair_file("pixi-bump-rust-src", "after", "pixi.lock"));
  BOOST_TEST(r.old_lock.distinct_packages == 757u);
  BOOST_TEST(r.new_lock.distinct_packages == 777u);
  check_counts(r, {29, 8, 549, 0, 35, 0, 0, 0, 0, 2716});
  for (const char* p : {"linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"}) {
    expect(platform(r, "docs", p), "properdocs", ChangeKind::added, "", "1.6.7");
  }
}

// mamba's micromamba test steps: step 2 is a much smaller environment (190 → 64 packages).
BOOST_AUTO_TEST_CASE(mamba_envlockfile_check_steps) {
  const std::string dir = lockfiles() + "mamba/env_lockfiles/";
  DiffReport r = diff_of(dir + "envlockfile-check-step-1-lock.yaml",
                         dir + "envlockfile-check-step-2-lock.yaml");
  check_counts(r, {23, 149, 2, 0, 1, 0, 0, 0, 0, 38});
  const PlatformDiff& linux = platform(r, "default", "linux-64");
  BOOST_TEST(linux.old_packages == 190u);
  BOOST_TEST(linux.new_packages == 64u);
  expect(linux, "openssl", ChangeKind::upgraded, "1.1.1q", "3.0.5");
  expect(linux, "h11", ChangeKind::upgraded, "0.12.0", "0.13.0");
  expect(linux, "python", ChangeKind::rebuilt, "3.9.13", "3.9.13");
  expect(linux, "fastapi", ChangeKind::added, "", "0.81.0");
  expect(linux, "sqlmodel", ChangeKind::added, "", "0.0.6");
}

BOOST_AUTO_TEST_CASE(a_lock_diffed_with_itself_is_the_same) {
  for (const std::string& f :
       {pair_file("pixi-lock-maintenance", "after", "pixi.lock"),
        pair_file("pangeo-add-virtualizarr", "after", "pangeo-notebook/conda-lock.yml"),
        pair_file("pangeo-add-virtualizarr", "after", "pangeo-notebook/conda-linux-64.lock"),
        lockfiles() + "mamba/env_lockfiles/envlockfile-check-step-1-lock-linux-64.json"}) {
    DiffReport r = diff_of(f, f);
    BOOST_TEST(r.same(), f);
    BOOST_TEST(exit_code(r) == 0);
    BOOST_TEST(r.summary.unchanged > 0u);
  }
}

// The package blocks of a conda-lock file written in reverse order, and the URL lines of an
// @EXPLICIT file reversed: the same environment.
BOOST_AUTO_TEST_CASE(a_reordered_copy_is_the_same) {
  testing::TempDir tmp;
  const std::string yml =
      pair_file("pangeo-bump-odc-stac", "after", "pangeo-notebook/conda-lock.yml");
  auto text = read_file(yml);
  BOOST_REQUIRE(text.ok());
  const std::string marker = "\npackage:\n";
  size_t start = text->find(marker);
  BOOST_REQUIRE(start != std::string::npos);
  start += marker.size();
  std::vector<std::string> blocks;
  std::istringstream lines(text->substr(start));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("- ", 0) == 0 || line.rfind("  - name:", 0) == 0 ||
        line.rfind("  - category:", 0) == 0 || blocks.empty()) {
      blocks.emplace_back();
    }
    blocks.back() += line + "\n";
  }
  BOOST_TEST(blocks.size() > 3000u);
  std::string reversed = text->substr(0, start);
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) reversed += *it;
  testing::write_text(tmp / "conda-lock.yml", reversed);
  BOOST_TEST(*read_file(tmp / "conda-lock.yml") != *text);
  BOOST_TEST(diff_of(yml, tmp / "conda-lock.yml").same());

  const std::string exp =
      pair_file("pangeo-bump-odc-stac", "after", "pangeo-notebook/conda-linux-64.lock");
  auto etext = read_file(exp);
  BOOST_REQUIRE(etext.ok());
  std::string head, urls;
  std::vector<std::string> url_lines;
  std::istringstream elines(*etext);
  for (std::string line; std::getline(elines, line);) {
    if (line.rfind("http", 0) == 0) {
      url_lines.push_back(line);
    } else {
      head += line + "\n";
    }
  }
  BOOST_TEST(url_lines.size() == 800u);
  for (auto it = url_lines.rbegin(); it != url_lines.rend(); ++it) head += *it + "\n";
  testing::write_text(tmp / "conda-linux-64.lock", head);
  BOOST_TEST(diff_of(exp, tmp / "conda-linux-64.lock").same());
  // The canonical text does not see the order either.
  BOOST_TEST(*canonical_file(exp) == *canonical_file(tmp / "conda-linux-64.lock"));
}

// A conda-lock file against its own @EXPLICIT render (md5 only, no depends): no spurious
// changes for linux-64, and the other platforms are reported as one-sided.
BOOST_AUTO_TEST_CASE(conda_lock_against_its_explicit_render) {
  const std::string dir = lockfiles() + "conda-lock/pangeo-docker-images/HEAD/pangeo-notebook/";
  DiffReport linux = diff_of(
      dir + "conda-lock.yml", dir + "conda-linux-64.lock", Filter{std::nullopt, {"linux-64"}});
  BOOST_TEST(linux.same());
  BOOST_TEST(linux.summary.unchanged == 809u);
  BOOST_TEST(linux.new_lock.format == lockfile::SourceFormat::explicit_file);

  DiffReport all = diff_of(dir + "conda-lock.yml", dir + "conda-linux-64.lock");
  BOOST_TEST(!all.same());
  BOOST_TEST(all.summary.total_changes() == 0u);
  BOOST_TEST(all.summary.platforms_old_only == 3u);
}

// Mixed formats across a real change: the before conda-lock.yml against the after @EXPLICIT
// file finds on linux-64 exactly what the two conda-lock files find there.
BOOST_AUTO_TEST_CASE(mixed_formats_find_the_same_changes) {
  const Filter linux{std::nullopt, {"linux-64"}};
  DiffReport same_format =
      diff_of(pair_file("pangeo-add-virtualizarr", "before", "pangeo-notebook/conda-lock.yml"),
              pair_file("pangeo-add-virtualizarr", "after", "pangeo-notebook/conda-lock.yml"),
              linux);
  DiffReport mixed =
      diff_of(pair_file("pangeo-add-virtualizarr", "before", "pangeo-notebook/conda-lock.yml"),
              pair_file("pangeo-add-virtualizarr", "after", "pangeo-notebook/conda-linux-64.lock"),
              linux);
  check_counts(mixed, {5, 1, 86, 0, 57, 0, 0, 0, 0, 801 - 1 - 86 - 57});
  BOOST_TEST(mixed.summary.changes == same_format.summary.changes);
}

// A pixi.lock environment against the same environment written as conda-lock v1 (whose
// dependency maps join the specs of one name): no spurious "depends changed".
BOOST_AUTO_TEST_CASE(pixi_lock_against_its_conda_lock_rendering) {
  testing::TempDir tmp;
  const std::string pixi = lockfiles() + "pixi/examples/turtlesim/pixi.lock";
  auto lock = lockfile::read_lock(pixi);
  BOOST_REQUIRE(lock.ok());
  auto selected = lockfile::select_environment(*lock, "default");
  BOOST_REQUIRE(selected.ok());
  testing::write_text(tmp / "conda-lock.yml", lockfile::write_conda_lock_v1(*selected));
  DiffReport r = diff_of(pixi, tmp / "conda-lock.yml", Filter{"default", {}});
  BOOST_TEST(r.same());
  BOOST_TEST(r.summary.unchanged > 2000u);
  BOOST_TEST(r.new_lock.format == lockfile::SourceFormat::conda_lock_v1);
}

// A copy of a real lock where one package's sha256 was replaced: reported as suspicious.
BOOST_AUTO_TEST_CASE(one_changed_sha256_is_suspicious) {
  testing::TempDir tmp;
  const std::string path = lockfiles() + "mamba/env_lockfiles/envlockfile-check-step-2-lock.yaml";
  auto text = read_file(path);
  BOOST_REQUIRE(text.ok());
  // openssl-3.0.5-h166bdaf_1's sha256 in this file.
  auto lock = lockfile::read_lock(path);
  BOOST_REQUIRE(lock.ok());
  std::string sha;
  for (const auto& p : lock->environments.at("default").packages.at("linux-64")) {
    if (p.name == "openssl") sha = p.sha256;
  }
  BOOST_REQUIRE_EQUAL(sha.size(), 64u);
  std::string changed = *text;
  size_t at = changed.find(sha);
  BOOST_REQUIRE(at != std::string::npos);
  changed.replace(at, 64, std::string(64, '0'));
  testing::write_text(tmp / "tampered.yaml", changed);

  DiffReport r = diff_of(path, tmp / "tampered.yaml");
  check_counts(r, {0, 0, 0, 0, 0, 1, 0, 0, 0, 63});
  const PackageChange* c = find(platform(r, "default", "linux-64"), "openssl");
  BOOST_REQUIRE(c != nullptr);
  BOOST_TEST(c->suspicious());
  BOOST_TEST(c->before->sha256 == sha);
  BOOST_TEST(c->after->sha256 == std::string(64, '0'));
}

BOOST_AUTO_TEST_CASE(malformed_and_missing_files_are_input_errors) {
  testing::TempDir tmp;
  testing::write_text(tmp / "bad.yml", "package:\n  - name: [unclosed\n");
  const std::string good = lockfiles() + "mamba/env_lockfiles/envlockfile-check-step-2-lock.yaml";
  auto bad = diff_files(good, tmp / "bad.yml");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().kind == ErrorKind::input);
  BOOST_TEST(bad.error().to_string().rfind(tmp / "bad.yml:", 0) == 0, bad.error().to_string());
  auto missing = diff_files(tmp / "nope.yml", good);
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().kind == ErrorKind::input);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::diff
