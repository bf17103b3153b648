#include "lib/diff/diff.h"

#include <boost/test/unit_test.hpp>

#include "lib/diff/canonical.h"
#include "lib/pypi/version.h"
#include "lib/spec/version.h"

namespace envlock::diff {
namespace {

using lockfile::Lock;
using lockfile::LockedPackage;
using lockfile::Manager;
using lockfile::SourceFormat;

constexpr const char* k_cf = "https://conda.anaconda.org/conda-forge";

LockedPackage pkg(const std::string& name, const std::string& version, const std::string& build,
                  const std::string& platform = "linux-64", const std::string& ext = ".conda") {
  LockedPackage p;
  p.name = name;
  p.version = version;
  p.build = build;
  p.platform = platform;
  p.subdir = platform;
  p.url = std::string(k_cf) + "/" + platform + "/" + name + "-" + version + "-" + build + ext;
  p.sha256 = std::string(64, 'a');
  p.md5 = std::string(32, 'b');
  p.depends = {"libzlib >=1.3"};
  return p;
}

Lock lock_of(std::vector<LockedPackage> packages, SourceFormat format = SourceFormat::conda_lock_v1,
             const std::string& env = "default") {
  Lock lock;
  lock.source_format = format;
  for (auto& p : packages) {
    std::string platform = p.platform;
    lock.environments[env].packages[platform].push_back(std::move(p));
  }
  return lock;
}

DiffReport run(const Lock& a, const Lock& b, const Filter& filter = {}) {
  auto r = diff_locks(a, "old.yml", b, "new.yml", filter);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
  return std::move(r).value();
}

// The one change of a report that must have exactly one.
const PackageChange& only_change(const DiffReport& r) {
  BOOST_REQUIRE_EQUAL(r.environments.size(), 1u);
  BOOST_REQUIRE_EQUAL(r.environments[0].platforms.size(), 1u);
  const auto& changes = r.environments[0].platforms[0].changes;
  BOOST_REQUIRE_EQUAL(changes.size(), 1u);
  return changes[0];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(diff)

BOOST_AUTO_TEST_CASE(identical_and_reordered_locks_are_the_same) {
  Lock a = lock_of({pkg("zlib", "1.3.1", "h0_0"),
                    pkg("python", "3.12.1", "h1_0_cpython"),
                    pkg("numpy", "2.0.0", "py312h_0")});
  Lock b = lock_of({pkg("numpy", "2.0.0", "py312h_0"),
                    pkg("zlib", "1.3.1", "h0_0"),
                    pkg("python", "3.12.1", "h1_0_cpython")});
  for (const Lock* other : {&a, &b}) {
    DiffReport r = run(a, *other);
    BOOST_TEST(r.same());
    BOOST_TEST(exit_code(r) == 0);
    BOOST_TEST(r.summary.total_changes() == 0u);
    BOOST_TEST(r.summary.unchanged == 3u);
  }
}

BOOST_AUTO_TEST_CASE(upgrade_and_downgrade_follow_conda_version_order_not_strings) {
  // "1.10" > "1.9" for conda although it sorts below as a string; "1.0rc1" < "1.0".
  DiffReport up = run(lock_of({pkg("a", "1.9", "h_0")}), lock_of({pkg("a", "1.10", "h_0")}));
  BOOST_TEST(only_change(up).kind == ChangeKind::upgraded);
  DiffReport rc = run(lock_of({pkg("a", "1.0rc1", "h_0")}), lock_of({pkg("a", "1.0", "h_0")}));
  BOOST_TEST(only_change(rc).kind == ChangeKind::upgraded);
  DiffReport down = run(lock_of({pkg("a", "2.0.post1", "h_0")}), lock_of({pkg("a", "2.0", "h_0")}));
  BOOST_TEST(only_change(down).kind == ChangeKind::downgraded);
  BOOST_TEST(down.summary.count(ChangeKind::downgraded) == 1u);
  BOOST_TEST(exit_code(down) == 1);
}

BOOST_AUTO_TEST_CASE(same_version_new_build_is_rebuilt) {
  DiffReport r = run(lock_of({pkg("a", "1.0", "h1_0")}), lock_of({pkg("a", "1.0", "h2_1")}));
  const PackageChange& c = only_change(r);
  BOOST_TEST(c.kind == ChangeKind::rebuilt);
  BOOST_TEST(c.has(Aspect::build));
  BOOST_TEST(!c.has(Aspect::hash));  // a new build is a new file: its hash is not compared
  BOOST_TEST(c.before->build == "h1_0");
  BOOST_TEST(c.after->build == "h2_1");
}

BOOST_AUTO_TEST_CASE(sha256_change_at_same_identity_is_suspicious) {
  LockedPackage changed = pkg("openssl", "3.0.0", "h_0");
  changed.sha256 = std::string(64, 'c');
  DiffReport r = run(lock_of({pkg("openssl", "3.0.0", "h_0"), pkg("zlib", "1.3", "h_0")}),
                     lock_of({changed, pkg("zlib", "1.3", "h_0")}));
  const PackageChange& c = only_change(r);
  BOOST_TEST(c.kind == ChangeKind::hash_changed);
  BOOST_TEST(c.suspicious());
  BOOST_TEST(c.aspects == static_cast<unsigned>(Aspect::hash));
  BOOST_TEST(r.summary.count(ChangeKind::hash_changed) == 1u);
  BOOST_TEST(r.summary.unchanged == 1u);
}

BOOST_AUTO_TEST_CASE(hashes_are_compared_only_when_both_sides_have_them) {
  // md5 differs but the old side has no sha256 → md5 decides.
  LockedPackage old_md5 = pkg("a", "1", "h_0");
  old_md5.sha256.clear();
  LockedPackage new_md5 = pkg("a", "1", "h_0");
  new_md5.md5 = std::string(32, 'f');
  BOOST_TEST(only_change(run(lock_of({old_md5}), lock_of({new_md5}))).kind ==
             ChangeKind::hash_changed);
  // Both have sha256 and it is equal: a different md5 alone is not compared.
  LockedPackage same_sha = pkg("a", "1", "h_0");
  same_sha.md5 = std::string(32, 'f');
  BOOST_TEST(run(lock_of({pkg("a", "1", "h_0")}), lock_of({same_sha})).same());
  // One side has only sha256, the other only md5: nothing to compare.
  LockedPackage only_sha = pkg("a", "1", "h_0");
  only_sha.md5.clear();
  LockedPackage only_md5 = pkg("a", "1", "h_0");
  only_md5.sha256.clear();
  only_md5.md5 = std::string(32, 'e');
  BOOST_TEST(run(lock_of({only_sha}), lock_of({only_md5})).same());
}

BOOST_AUTO_TEST_CASE(channel_change_is_moved_and_format_change_is_repackaged) {
  LockedPackage mirror = pkg("a", "1", "h_0");
  mirror.url = "https://mirror.example/conda-forge/linux-64/a-1-h_0.conda";
  DiffReport report1 = run(lock_of({pkg("a", "1", "h_0")}), lock_of({mirror}));
  const PackageChange& moved = only_change(report1);
  BOOST_TEST(moved.kind == ChangeKind::moved);
  BOOST_TEST(moved.before->channel == k_cf);
  BOOST_TEST(moved.after->channel == "https://mirror.example/conda-forge");

  // .tar.bz2 → .conda of the same build: another file, so its other hash is expected.
  LockedPackage bz2 = pkg("a", "1", "h_0", "linux-64", ".tar.bz2");
  bz2.sha256 = std::string(64, '9');
  DiffReport report2 = run(lock_of({bz2}), lock_of({pkg("a", "1", "h_0")}));
  const PackageChange& re = only_change(report2);
  BOOST_TEST(re.kind == ChangeKind::repackaged);
  BOOST_TEST(re.has(Aspect::artifact));
  BOOST_TEST(!re.has(Aspect::channel));
  BOOST_TEST(!re.has(Aspect::hash));
}

// One channel under two names is no move (lib/channel's identity): the defaults host's former
// name, http against https, a trailing slash, the main label, and a channel recorded only by
// name against its URL. The same bytes, so nothing to report; other bytes stay suspicious.
BOOST_AUTO_TEST_CASE(channel_aliases_are_not_a_move) {
  auto with_url = [](LockedPackage p, const std::string& url) {
    p.url = url;
    return p;
  };
  const std::string main_file = "/linux-64/a-1-h_0.conda";
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"https://repo.continuum.io/pkgs/main" + main_file,
       "https://repo.anaconda.com/pkgs/main" + main_file},
      {std::string(k_cf) + main_file, "http://conda.anaconda.org/conda-forge" + main_file},
      {std::string(k_cf) + main_file,
       "https://conda.anaconda.org/conda-forge/label/main" + main_file},
      {std::string(k_cf) + main_file, "https://user:pw@conda.anaconda.org/conda-forge" + main_file},
  };
  for (const auto& [before, after] : pairs) {
    BOOST_TEST_CONTEXT(before << " -> " << after) {
      DiffReport r = run(lock_of({with_url(pkg("a", "1", "h_0"), before)}),
                         lock_of({with_url(pkg("a", "1", "h_0"), after)}));
      BOOST_TEST(r.same());
      LockedPackage other_bytes = with_url(pkg("a", "1", "h_0"), after);
      other_bytes.sha256 = std::string(64, 'd');
      DiffReport s = run(lock_of({with_url(pkg("a", "1", "h_0"), before)}), lock_of({other_bytes}));
      BOOST_TEST(only_change(s).kind == ChangeKind::hash_changed);
      BOOST_TEST(!only_change(s).has(Aspect::channel));
    }
  }
  // An environment export names the channel only: `defaults` and `pkgs/main` are its members.
  LockedPackage named = pkg("a", "1", "h_0");
  named.url.clear();
  named.channel = "defaults";
  LockedPackage main =
      with_url(pkg("a", "1", "h_0"), "https://repo.anaconda.com/pkgs/main" + main_file);
  BOOST_TEST(run(lock_of({named}), lock_of({main})).same());
  named.channel = "pkgs/main";
  BOOST_TEST(run(lock_of({named}), lock_of({main})).same());
  named.channel = "conda-forge";
  BOOST_TEST(only_change(run(lock_of({named}), lock_of({main}))).kind == ChangeKind::moved);
}

BOOST_AUTO_TEST_CASE(mirror_with_other_bytes_at_same_identity_is_still_suspicious) {
  LockedPackage mirror = pkg("a", "1", "h_0");
  mirror.url = "https://mirror.example/conda-forge/linux-64/a-1-h_0.conda";
  mirror.sha256 = std::string(64, 'd');
  DiffReport report3 = run(lock_of({pkg("a", "1", "h_0")}), lock_of({mirror}));
  const PackageChange& c = only_change(report3);
  BOOST_TEST(c.kind == ChangeKind::hash_changed);
  BOOST_TEST(c.has(Aspect::channel));
}

BOOST_AUTO_TEST_CASE(depends_change_needs_both_sides_to_record_depends) {
  LockedPackage patched = pkg("mkdocs", "1.6.1", "pyh_1");
  patched.depends = {"click >=7.0,<8.3.0a0", "libzlib  >=1.3"};  // extra space is not a change
  DiffReport r = run(lock_of({pkg("mkdocs", "1.6.1", "pyh_1")}), lock_of({patched}));
  const PackageChange& c = only_change(r);
  BOOST_TEST(c.kind == ChangeKind::depends_changed);
  BOOST_TEST(c.depends_added == std::vector<std::string>{"click >=7.0,<8.3.0a0"});
  BOOST_TEST(c.depends_removed.empty());

  LockedPackage bare = pkg("mkdocs", "1.6.1", "pyh_1");
  bare.depends.clear();
  BOOST_TEST(
      run(lock_of({pkg("mkdocs", "1.6.1", "pyh_1")}), lock_of({bare}, SourceFormat::explicit_file))
          .same());
  BOOST_TEST(run(lock_of({bare}, SourceFormat::micromamba_json),
                 lock_of({pkg("mkdocs", "1.6.1", "pyh_1")}))
                 .same());
}

// conda-lock v1 keeps dependencies in a map: a pixi.lock's two specs of one name arrive joined.
BOOST_AUTO_TEST_CASE(depends_joined_by_name_are_not_a_change) {
  LockedPackage pixi = pkg("libblas", "3.9.0", "20_openblas");
  pixi.depends = {"libopenblas >=0.3.25,<0.3.26.0a0",
                  "libopenblas >=0.3.25,<1.0a0",
                  "libabseil * cxx17*",
                  "libabseil >=20240722.0,<20240723.0a0",
                  "__glibc"};
  LockedPackage conda_lock = pixi;
  conda_lock.depends = {"libopenblas >=0.3.25,<0.3.26.0a0,>=0.3.25,<1.0a0",
                        "libabseil * cxx17*,>=20240722.0,<20240723.0a0",
                        "__glibc *"};
  BOOST_TEST(run(lock_of({pixi}, SourceFormat::pixi_v6), lock_of({conda_lock})).same());
  LockedPackage pip = pkg("matplotlib", "3.9.2", "");
  pip.manager = Manager::pip;
  pip.depends = {"numpy >=1.23", "numpy >=1.25 ; extra == 'dev'"};
  LockedPackage pip_joined = pip;
  pip_joined.depends = {"numpy >=1.23,>=1.25 ; extra == 'dev'"};
  BOOST_TEST(run(lock_of({pip}, SourceFormat::pixi_v6), lock_of({pip_joined})).same());
  // A real change of a constraint is still one.
  LockedPackage tightened = conda_lock;
  tightened.depends = {"libopenblas >=0.3.25,<0.3.26.0a0",
                       "libabseil * cxx17*,>=20240722.0,<20240723.0a0",
                       "__glibc"};
  DiffReport r = run(lock_of({pixi}, SourceFormat::pixi_v6), lock_of({tightened}));
  BOOST_TEST(only_change(r).kind == ChangeKind::depends_changed);
}

BOOST_AUTO_TEST_CASE(added_removed_and_categories_merged) {
  LockedPackage dev = pkg("pytest", "8.0", "pyh_0");
  dev.category = "dev";
  LockedPackage main = pkg("pytest", "8.0", "pyh_0");
  DiffReport r = run(lock_of({pkg("zlib", "1.3", "h_0"), main, dev}),
                     lock_of({pkg("zlib", "1.3", "h_0"), pkg("xz", "5.4", "h_0")}));
  const auto& p = r.environments.at(0).platforms.at(0);
  BOOST_TEST(p.old_packages == 2u);  // pytest once, although in two categories
  BOOST_TEST(p.new_packages == 2u);
  BOOST_REQUIRE_EQUAL(p.changes.size(), 2u);
  BOOST_TEST(p.changes[0].kind == ChangeKind::added);  // sorted by kind first
  BOOST_TEST(p.changes[0].name == "xz");
  BOOST_TEST(!p.changes[0].before.has_value());
  BOOST_TEST(p.changes[1].kind == ChangeKind::removed);
  BOOST_TEST(p.changes[1].name == "pytest");
  BOOST_TEST(!p.changes[1].after.has_value());
}

BOOST_AUTO_TEST_CASE(a_name_locked_twice_is_paired_by_version) {
  DiffReport r =
      run(lock_of({pkg("a", "1.0", "h_0"), pkg("a", "2.0", "h_0")}),
          lock_of({pkg("a", "2.0", "h_0"), pkg("a", "1.1", "h_0"), pkg("a", "3.0", "h_0")}));
  const auto& changes = r.environments.at(0).platforms.at(0).changes;
  BOOST_REQUIRE_EQUAL(changes.size(), 2u);
  BOOST_TEST(changes[0].kind == ChangeKind::added);
  BOOST_TEST(changes[0].after->version == "3.0");
  BOOST_TEST(changes[1].kind == ChangeKind::upgraded);
  BOOST_TEST(changes[1].before->version == "1.0");
  BOOST_TEST(changes[1].after->version == "1.1");
}

BOOST_AUTO_TEST_CASE(pip_names_match_after_pep503_normalisation) {
  LockedPackage a = pkg("Typing_Extensions", "4.0", "");
  a.manager = Manager::pip;
  a.url = "https://files.pythonhosted.org/packages/aa/typing_extensions-4.0-py3-none-any.whl";
  LockedPackage b = a;
  b.name = "typing-extensions";
  b.version = "4.1";
  b.url = "https://files.pythonhosted.org/packages/bb/typing_extensions-4.1-py3-none-any.whl";
  DiffReport report4 = run(lock_of({a}), lock_of({b}));
  const PackageChange& c = only_change(report4);
  BOOST_TEST(c.kind == ChangeKind::upgraded);
  BOOST_TEST(c.manager == Manager::pip);
  BOOST_TEST(!c.has(Aspect::channel));  // pip: only the host counts as the channel
}

// A pip wheel of `name` at `version` on files.pythonhosted.org.
LockedPackage wheel(const std::string& name, const std::string& version) {
  LockedPackage p = pkg(name, version, "");
  p.manager = Manager::pip;
  p.subdir.clear();
  p.md5.clear();
  p.depends.clear();
  p.url =
      "https://files.pythonhosted.org/packages/aa/" + name + "-" + version + "-py3-none-any.whl";
  return p;
}

BOOST_AUTO_TEST_CASE(pip_versions_are_ordered_by_pep_440_not_conda) {
  // Each pair is old → new, an upgrade by PEP 440; conda's VersionOrder calls at least one of
  // them a downgrade (checked here, so that the case keeps telling the two orders apart).
  const std::vector<std::pair<std::string, std::string>> upgrades = {{"1.0.post1", "1.0.1"},
                                                                     {"1.0.dev1", "1.0a1"},
                                                                     {"1.0rc1", "1.0"},
                                                                     {"1!0.5", "2!0.1"},
                                                                     {"1.0+local.9", "1.0.post0"},
                                                                     {"1.0", "1.0.post1"},
                                                                     {"1.0a1", "1.0.0b1"}};
  size_t conda_disagrees = 0;
  for (const auto& [old_v, new_v] : upgrades) {
    auto a = spec::Version::parse(old_v);
    auto b = spec::Version::parse(new_v);
    if (!a.ok() || !b.ok() || a->compare(*b) >= 0) ++conda_disagrees;
  }
  BOOST_TEST(conda_disagrees > 0u);
  for (const auto& [old_v, new_v] : upgrades) {
    BOOST_TEST_CONTEXT(old_v << " -> " << new_v) {
      BOOST_TEST((*pypi::Version::parse(old_v) < *pypi::Version::parse(new_v)));
      DiffReport up = run(lock_of({wheel("six", old_v)}), lock_of({wheel("six", new_v)}));
      BOOST_TEST(only_change(up).kind == ChangeKind::upgraded);
      DiffReport down = run(lock_of({wheel("six", new_v)}), lock_of({wheel("six", old_v)}));
      BOOST_TEST(only_change(down).kind == ChangeKind::downgraded);
    }
  }
}

BOOST_AUTO_TEST_CASE(pip_versions_equal_by_pep_440_are_no_version_change) {
  // Same wheel file and hash, the version spelt two ways: nothing changed.
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"1.0", "1.0.0"}, {"2.0-rc1", "2.0rc1"}, {"1.0-1", "1.0.post1"}}) {
    BOOST_TEST_CONTEXT(a << " vs " << b) {
      LockedPackage old_p = wheel("six", a);
      LockedPackage new_p = old_p;
      new_p.version = b;
      BOOST_TEST(run(lock_of({old_p}), lock_of({new_p})).same());
      // A conda package spelt the same two ways is a change (conda compares as written).
      LockedPackage conda_old = pkg("six", a, "py_0");
      LockedPackage conda_new = conda_old;
      conda_new.version = b;
      BOOST_TEST(!run(lock_of({conda_old}), lock_of({conda_new})).same());
    }
  }
}

BOOST_AUTO_TEST_CASE(pip_index_credentials_are_no_move) {
  // One wheel, its URL with and without an index password: the same host, nothing changed.
  LockedPackage old_p = wheel("six", "1.16.0");
  LockedPackage new_p = old_p;
  new_p.url = "https://bob:hunter2@files.pythonhosted.org/packages/aa/six-1.16.0-py3-none-any.whl";
  BOOST_TEST(run(lock_of({old_p}), lock_of({new_p})).same());
  // Another host is a move.
  new_p.url = "https://bob:hunter2@pypi.example.org/packages/aa/six-1.16.0-py3-none-any.whl";
  DiffReport moved = run(lock_of({old_p}), lock_of({new_p}));
  BOOST_TEST(only_change(moved).has(Aspect::channel));
}

BOOST_AUTO_TEST_CASE(platforms_and_environments_on_one_side_are_reported) {
  Lock a = lock_of({pkg("a", "1", "h_0"), pkg("a", "1", "h_0", "osx-64")});
  a.environments["docs"] = a.environments["default"];
  Lock b = lock_of({pkg("a", "1", "h_0"), pkg("a", "1", "h_0", "win-64")});
  b.environments["test"] = b.environments["default"];
  DiffReport r = run(a, b);
  BOOST_TEST(!r.same());
  BOOST_TEST(r.summary.environments_old_only == 1u);
  BOOST_TEST(r.summary.environments_new_only == 1u);
  BOOST_TEST(r.summary.platforms_old_only == 1u);
  BOOST_TEST(r.summary.platforms_new_only == 1u);
  BOOST_TEST(r.summary.total_changes() == 0u);
  BOOST_REQUIRE_EQUAL(r.environments.size(), 3u);
  BOOST_TEST(r.environments[0].name == "default");
  BOOST_TEST(r.environments[1].name == "docs");
  BOOST_TEST(r.environments[1].presence == Presence::old_only);
  BOOST_TEST(r.environments[2].presence == Presence::new_only);
  const auto& platforms = r.environments[0].platforms;
  BOOST_REQUIRE_EQUAL(platforms.size(), 3u);
  BOOST_TEST(platforms[1].platform == "osx-64");
  BOOST_TEST(platforms[1].presence == Presence::old_only);
  BOOST_TEST(platforms[2].presence == Presence::new_only);

  BOOST_TEST(run(a, b, Filter{"default", {"linux-64"}}).same());
  auto missing = diff_locks(a, "old", b, "new", Filter{std::nullopt, {"linux-ppc64le"}});
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().kind == ErrorKind::usage);
}

BOOST_AUTO_TEST_CASE(environment_filter_takes_a_single_environment_whatever_its_name) {
  Lock single = lock_of({pkg("a", "1", "h_0")});
  Lock multi = lock_of({pkg("a", "1", "h_0")}, SourceFormat::pixi_v6, "test");
  multi.environments["default"].packages["linux-64"] = {pkg("a", "2", "h_0")};
  BOOST_TEST(run(single, multi, Filter{"test", {}}).same());
  DiffReport r = run(single, multi, Filter{"default", {}});
  BOOST_TEST(only_change(r).kind == ChangeKind::upgraded);
  BOOST_TEST(r.environments[0].name == "default");
  auto bad = diff_locks(single, "old", multi, "pixi.lock", Filter{"docs", {}});
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().to_string() == "pixi.lock: no environment 'docs' (it has: default, test)");
}

BOOST_AUTO_TEST_CASE(export_without_platform_takes_the_other_sides_platform) {
  Lock exported = lock_of({pkg("a", "1", "h_0")}, SourceFormat::env_export);
  auto node = exported.environments["default"].packages.extract("linux-64");
  node.key() = "";
  exported.environments["default"].packages.insert(std::move(node));
  BOOST_TEST(run(lock_of({pkg("a", "1", "h_0")}), exported).same());
}

BOOST_AUTO_TEST_CASE(channel_of_url_strips_subdir_file_and_credentials) {
  BOOST_TEST(channel_of_url(std::string(k_cf) + "/noarch/a-1-py_0.tar.bz2", Manager::conda) ==
             k_cf);
  BOOST_TEST(channel_of_url("https://conda.anaconda.org/conda-forge/label/rc/linux-64/a-1-0.conda",
                            Manager::conda) == "https://conda.anaconda.org/conda-forge/label/rc");
  BOOST_TEST(channel_of_url("https://u:secret@repo.example/t/tk-123/main/linux-64/a-1-0.conda",
                            Manager::conda) == "https://***@repo.example/t/***/main");
  BOOST_TEST(channel_of_url("https://files.pythonhosted.org/packages/ab/cd/x-1.whl#sha256=00",
                            Manager::pip) == "https://files.pythonhosted.org");
  BOOST_TEST(channel_of_url("", Manager::conda).empty());
  BOOST_TEST(redact_url("https://repo.example/t/abc/main/x.conda") ==
             "https://repo.example/t/***/main/x.conda");
}

BOOST_AUTO_TEST_CASE(canonical_text_is_sorted_deduplicated_and_order_independent) {
  LockedPackage dev = pkg("a", "1", "h_0");
  dev.category = "dev";
  Lock x =
      lock_of({pkg("b", "2", "h_0"), pkg("a", "1", "h_0"), dev, pkg("a", "1", "h_0", "osx-64")});
  Lock y = lock_of({pkg("a", "1", "h_0", "osx-64"), pkg("a", "1", "h_0"), pkg("b", "2", "h_0")});
  const std::string text = canonical_text(x);
  BOOST_TEST(text == canonical_text(y));
  const std::string sha = "sha256:" + std::string(64, 'a');
  BOOST_TEST(text ==
             "# envlock canonical lock: conda-lock-v1\n"
             "default/linux-64 conda a 1 h_0 " +
                 std::string(k_cf) + "/linux-64/a-1-h_0.conda " + sha + "\n" +
                 "default/linux-64 conda b 2 h_0 " + std::string(k_cf) +
                 "/linux-64/b-2-h_0.conda " + sha + "\n" + "default/osx-64 conda a 1 h_0 " +
                 std::string(k_cf) + "/osx-64/a-1-h_0.conda " + sha + "\n");
  Filter osx;
  osx.platforms = {"osx-64"};
  BOOST_TEST(canonical_text(x, osx).find("linux-64") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::diff
