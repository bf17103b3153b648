#include "lib/solve/solve.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::solve {
namespace {

// Two channels: "main" has older builds, "forge" newer ones and a package main lacks.
const std::string k_main = R"({"info": {"subdir": "linux-64"}, "packages": {
  "python-3.10.0-h_0.tar.bz2": {"name": "python", "version": "3.10.0", "build": "h_0",
    "build_number": 0, "depends": ["__glibc >=2.17"], "md5": "00000000000000000000000000000001",
    "sha256": "1111111111111111111111111111111111111111111111111111111111111111", "size": 100,
    "timestamp": 1600000000000},
  "zlib-1.2.11-h_0.tar.bz2": {"name": "zlib", "version": "1.2.11", "build": "h_0",
    "build_number": 0, "depends": [], "md5": "00000000000000000000000000000002", "size": 10,
    "timestamp": 1500000000000}
}, "packages.conda": {}})";

const std::string k_forge = R"({"info": {"subdir": "linux-64"}, "packages": {}, "packages.conda": {
  "python-3.12.1-h_0.conda": {"name": "python", "version": "3.12.1", "build": "h_0",
    "build_number": 0, "depends": ["__glibc >=2.28", "zlib >=1.3"], "md5": "00000000000000000000000000000003",
    "sha256": "3333333333333333333333333333333333333333333333333333333333333333", "size": 300,
    "timestamp": 1700000000000},
  "python-3.11.5-h_0.conda": {"name": "python", "version": "3.11.5", "build": "h_0",
    "build_number": 0, "depends": ["__glibc >=2.17", "zlib"], "md5": "00000000000000000000000000000004",
    "size": 250, "timestamp": 1650000000000},
  "zlib-1.3-h_1.conda": {"name": "zlib", "version": "1.3", "build": "h_1",
    "build_number": 1, "depends": [], "md5": "00000000000000000000000000000005", "size": 20,
    "timestamp": 1690000000000},
  "requests-2.31.0-py_0.conda": {"name": "requests", "version": "2.31.0", "build": "py_0",
    "build_number": 0, "depends": ["python >=3.8"], "md5": "00000000000000000000000000000006",
    "size": 30, "timestamp": 1690000000000}
}})";

std::vector<RepodataSource> forge_then_main() {
  return {{"forge", "https://example.org/forge", "linux-64", k_forge, "forge/linux-64"},
          {"main", "https://example.org/main", "linux-64", k_main, "main/linux-64"}};
}

Request request_for(std::vector<std::string> specs) {
  Request r;
  for (const auto& s : specs) r.specs.push_back(spec::MatchSpec::parse(s).value());
  r.virtual_packages = {{"__glibc", "2.28", "0"}, {"__unix", "0", "0"}};
  return r;
}

std::map<std::string, spec::PackageRecord> by_name(const Outcome& outcome) {
  BOOST_REQUIRE(std::holds_alternative<Solution>(outcome));
  std::map<std::string, spec::PackageRecord> out;
  for (const auto& r : std::get<Solution>(outcome).packages) out[r.name] = r;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conda_solve)

BOOST_AUTO_TEST_CASE(picks_newest_and_fills_lock_fields) {
  auto outcome = solve(forge_then_main(), request_for({"python"}));
  BOOST_REQUIRE(outcome.ok());
  auto pkgs = by_name(*outcome);
  BOOST_REQUIRE(pkgs.size() == 2u);  // virtual packages are not part of the solution
  const auto& py = pkgs.at("python");
  BOOST_TEST(py.version == "3.12.1");
  BOOST_TEST(py.channel == "forge");
  BOOST_TEST(py.url == "https://example.org/forge/linux-64/python-3.12.1-h_0.conda");
  BOOST_TEST(py.sha256 == std::string(64, '3'));
  BOOST_TEST(py.md5 == "00000000000000000000000000000003");
  BOOST_TEST(py.size == 300u);
  BOOST_TEST(pkgs.at("zlib").version == "1.3");
}

BOOST_AUTO_TEST_CASE(virtual_packages_limit_the_choice) {
  auto request = request_for({"python"});
  request.virtual_packages = {{"__glibc", "2.17", "0"}};
  auto pkgs = by_name(*solve(forge_then_main(), request));
  BOOST_TEST(pkgs.at("python").version == "3.11.5");
}

BOOST_AUTO_TEST_CASE(strict_priority_hides_lower_channel_builds) {
  // python 3.10 exists only in main (lower priority): strict priority makes it unreachable.
  auto strict = solve(forge_then_main(), request_for({"python 3.10.*"}));
  BOOST_REQUIRE(strict.ok());
  BOOST_REQUIRE(std::holds_alternative<Unsatisfiable>(*strict));
  BOOST_TEST(std::get<Unsatisfiable>(*strict).problems.front().find("python 3.10.*") !=
             std::string::npos);
  auto request = request_for({"python 3.10.*"});
  request.channel_priority = ChannelPriority::disabled;
  auto pkgs = by_name(*solve(forge_then_main(), request));
  BOOST_TEST(pkgs.at("python").channel == "main");
}

BOOST_AUTO_TEST_CASE(channel_qualified_spec_is_respected) {
  auto request = request_for({"main::zlib"});
  request.channel_priority = ChannelPriority::disabled;
  auto pkgs = by_name(*solve(forge_then_main(), request));
  BOOST_TEST(pkgs.at("zlib").channel == "main");
  BOOST_TEST(pkgs.at("zlib").version == "1.2.11");
}

BOOST_AUTO_TEST_CASE(exclude_newer_ignores_later_records) {
  auto request = request_for({"python"});
  request.exclude_newer_ms = 1660000000000;  // after 3.11.5, before 3.12.1 and zlib 1.3
  // As rattler does: filter by date first, then apply channel priority to what is left, so
  // main's zlib is no longer shadowed by forge's too-new one.
  auto pkgs = by_name(*solve(forge_then_main(), request));
  BOOST_TEST(pkgs.at("python").version == "3.11.5");
  BOOST_TEST(pkgs.at("zlib").version == "1.2.11");
  BOOST_TEST(pkgs.at("zlib").channel == "main");
}

BOOST_AUTO_TEST_CASE(held_packages_stay_unless_updated) {
  auto request = request_for({"python"});
  request.held = {{"python", "3.11.5", "h_0"}, {"zlib", "1.3", "h_1"}};
  auto pkgs = by_name(*solve(forge_then_main(), request));
  BOOST_TEST(pkgs.at("python").version == "3.11.5");
  request.update = {"python"};
  pkgs = by_name(*solve(forge_then_main(), request));
  BOOST_TEST(pkgs.at("python").version == "3.12.1");
}

BOOST_AUTO_TEST_CASE(conflict_names_the_requested_specs) {
  // python 3.12.1 needs zlib >=1.3: asking for zlib 1.2.* too cannot work.
  auto request = request_for({"requests", "python 3.12.*", "zlib 1.2.*"});
  request.channel_priority = ChannelPriority::disabled;
  auto outcome = solve(forge_then_main(), request);
  BOOST_REQUIRE(outcome.ok());
  BOOST_REQUIRE(std::holds_alternative<Unsatisfiable>(*outcome));
  const auto& text = std::get<Unsatisfiable>(*outcome).problems.front();
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(text.find("requested zlib 1.2.*") != std::string::npos);
  BOOST_TEST(text.find("python 3.12.1 h_0 needs zlib >=1.3") != std::string::npos);
  // The details name the build as libsolv does.
  const auto& details = std::get<Unsatisfiable>(*outcome).details.front();
  BOOST_TEST(details.find("python-3.12.1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_package_is_explained) {
  auto outcome = solve(forge_then_main(), request_for({"numpy >=2"}));
  BOOST_REQUIRE(std::holds_alternative<Unsatisfiable>(*outcome));
  BOOST_TEST(std::get<Unsatisfiable>(*outcome).problems.front() ==
             "nothing provides requested numpy >=2 (no package named 'numpy' in the channels)");
  outcome = solve(forge_then_main(), request_for({"zlib >=9"}));
  BOOST_TEST(std::get<Unsatisfiable>(*outcome).problems.front() ==
             "nothing provides requested zlib >=9 (available versions: 1.3)");
}

// app 2 needs lib >=2; app 1 takes any lib. Held at app 1 + lib 1, updating app must move lib
// with it, and updating nothing keeps both.
const std::string k_app_lib = R"({"info": {"subdir": "noarch"}, "packages": {
  "app-1-0.tar.bz2": {"name": "app", "version": "1", "build": "0", "build_number": 0,
    "depends": ["lib"], "md5": "00000000000000000000000000000011", "timestamp": 1600000000000},
  "app-2-0.tar.bz2": {"name": "app", "version": "2", "build": "0", "build_number": 0,
    "depends": ["lib >=2"], "md5": "00000000000000000000000000000012", "timestamp": 1700000000000},
  "lib-1-0.tar.bz2": {"name": "lib", "version": "1", "build": "0", "build_number": 0,
    "depends": [], "md5": "00000000000000000000000000000013", "timestamp": 1600000000000},
  "lib-2-0.tar.bz2": {"name": "lib", "version": "2", "build": "0", "build_number": 0,
    "depends": [], "md5": "00000000000000000000000000000014", "timestamp": 1700000000000},
  "lib-10-0.tar.bz2": {"name": "lib", "version": "10", "build": "0", "build_number": 0,
    "depends": [], "md5": "00000000000000000000000000000015", "timestamp": 1800000000000}
}, "packages.conda": {}})";

std::vector<RepodataSource> app_lib() {
  return {{"c", "https://example.org/c", "noarch", k_app_lib, "c/noarch"}};
}

BOOST_AUTO_TEST_CASE(update_moves_what_must_follow_and_nothing_else) {
  auto request = request_for({"app", "lib"});
  request.held = {{"app", "1", "0"}, {"lib", "1", "0"}};
  auto pkgs = by_name(*solve(app_lib(), request));
  BOOST_TEST(pkgs.at("app").version == "1");
  BOOST_TEST(pkgs.at("lib").version == "1");
  // app 2 cannot live with the held lib 1: lib must move too (to the newest, 10).
  request.update = {"app"};
  pkgs = by_name(*solve(app_lib(), request));
  BOOST_TEST(pkgs.at("app").version == "2");
  BOOST_TEST(pkgs.at("lib").version == "10");
  // Updating lib alone: app 1 accepts any lib, so app stays.
  request.update = {"lib"};
  pkgs = by_name(*solve(app_lib(), request));
  BOOST_TEST(pkgs.at("app").version == "1");
  BOOST_TEST(pkgs.at("lib").version == "10");
  // An update that the specs forbid keeps the spec: app <2 stays at 1.
  request = request_for({"app <2"});
  request.held = {{"app", "1", "0"}, {"lib", "1", "0"}};
  request.update = {"app", "lib"};
  pkgs = by_name(*solve(app_lib(), request));
  BOOST_TEST(pkgs.at("app").version == "1");
  BOOST_TEST(pkgs.at("lib").version == "10");
}

BOOST_AUTO_TEST_CASE(available_versions_are_listed_newest_first) {
  auto outcome = solve(app_lib(), request_for({"lib >=11"}));
  BOOST_REQUIRE(std::holds_alternative<Unsatisfiable>(*outcome));
  BOOST_TEST(std::get<Unsatisfiable>(*outcome).problems.front() ==
             "nothing provides requested lib >=11 (available versions: 10 2 1)");
}

BOOST_AUTO_TEST_CASE(records_hidden_by_exclude_newer_are_named_as_such) {
  auto request = request_for({"app"});
  request.exclude_newer_ms = 1500000000000;
  auto outcome = solve(app_lib(), request);
  BOOST_REQUIRE(std::holds_alternative<Unsatisfiable>(*outcome));
  BOOST_TEST(std::get<Unsatisfiable>(*outcome).problems.front() ==
             "nothing provides requested app (every 'app' record is newer than the exclude-newer "
             "date)");
  request.exclude_newer_ms = 1650000000000;
  auto pkgs = by_name(*solve(app_lib(), request));
  BOOST_TEST(pkgs.at("app").version == "1");
  BOOST_TEST(pkgs.at("lib").version == "1");
}

BOOST_AUTO_TEST_CASE(track_features_are_avoided_through_dependencies) {
  // Two numpy builds tie on version and build number; one needs the `nomkl` (track_features)
  // blas. conda avoids track_features, so the mkl build wins whatever the build strings say.
  const std::string repodata = R"({"info": {"subdir": "linux-64"}, "packages": {
    "numpy-1.26.0-py_openblas_0.tar.bz2": {"name": "numpy", "version": "1.26.0",
      "build": "py_openblas_0", "build_number": 0, "depends": ["blas * openblas"]},
    "numpy-1.26.0-py_mkl_0.tar.bz2": {"name": "numpy", "version": "1.26.0",
      "build": "py_mkl_0", "build_number": 0, "depends": ["blas * mkl"]},
    "blas-1.0-openblas.tar.bz2": {"name": "blas", "version": "1.0", "build": "openblas",
      "build_number": 0, "depends": [], "track_features": "nomkl"},
    "blas-1.0-mkl.tar.bz2": {"name": "blas", "version": "1.0", "build": "mkl",
      "build_number": 0, "depends": []}
  }, "packages.conda": {}})";
  std::vector<RepodataSource> sources = {{"c", "https://x/c", "linux-64", repodata, "c"}};
  auto pkgs = by_name(*solve(sources, request_for({"numpy"})));
  BOOST_TEST(pkgs.at("blas").build == "mkl");
  BOOST_TEST(pkgs.at("numpy").build == "py_mkl_0");
  // Asked for explicitly, the featured build is still allowed.
  pkgs = by_name(*solve(sources, request_for({"numpy", "blas * openblas"})));
  BOOST_TEST(pkgs.at("numpy").build == "py_openblas_0");
}

BOOST_AUTO_TEST_CASE(ties_go_to_the_newest_timestamp_not_the_largest_build_string) {
  // Same version and build number: conda, mamba and rattler take the newer build (conda's
  // Resolve.version_key), not the larger build string; a platform build beats a noarch one.
  const std::string repodata = R"({"info": {"subdir": "linux-64"}, "packages": {
    "readline-7.0-hb321a52_4.tar.bz2": {"name": "readline", "version": "7.0",
      "build": "hb321a52_4", "build_number": 4, "depends": [], "timestamp": 1515000000000},
    "readline-7.0-ha6073c6_4.tar.bz2": {"name": "readline", "version": "7.0",
      "build": "ha6073c6_4", "build_number": 4, "depends": [], "timestamp": 1526000000000},
    "tool-1.0-pyz_0.tar.bz2": {"name": "tool", "version": "1.0", "build": "pyz_0",
      "build_number": 0, "depends": [], "noarch": "python", "timestamp": 1700000000000},
    "tool-1.0-h0_0.tar.bz2": {"name": "tool", "version": "1.0", "build": "h0_0",
      "build_number": 0, "depends": [], "timestamp": 1600000000000}
  }, "packages.conda": {}})";
  std::vector<RepodataSource> sources = {{"c", "https://x/c", "linux-64", repodata, "c"}};
  auto pkgs = by_name(*solve(sources, request_for({"readline", "tool"})));
  BOOST_TEST(pkgs.at("readline").build == "ha6073c6_4");
  BOOST_TEST(pkgs.at("tool").build == "h0_0");
  // A higher build number still wins over a newer timestamp.
  pkgs = by_name(*solve(sources, request_for({"readline <8"})));
  BOOST_TEST(pkgs.at("readline").build == "ha6073c6_4");
}

BOOST_AUTO_TEST_CASE(ties_go_to_the_build_whose_dependencies_allow_higher_versions) {
  // Builds for two pythons tie on version and build number; mamba and rattler (and conda,
  // through its version metrics of every package) take the one for the newer python, whatever
  // the build strings. This rule comes before the timestamp.
  const std::string repodata = R"({"info": {"subdir": "linux-64"}, "packages": {
    "python-3.9.18-h_0.tar.bz2": {"name": "python", "version": "3.9.18", "build": "h_0",
      "build_number": 0, "depends": []},
    "python-3.12.1-h_0.tar.bz2": {"name": "python", "version": "3.12.1", "build": "h_0",
      "build_number": 0, "depends": []},
    "numpy-1.26.0-h9999_0.tar.bz2": {"name": "numpy", "version": "1.26.0", "build": "h9999_0",
      "build_number": 0, "depends": ["python >=3.9,<3.10.0a0"], "timestamp": 1700000000001},
    "numpy-1.26.0-h1111_0.tar.bz2": {"name": "numpy", "version": "1.26.0", "build": "h1111_0",
      "build_number": 0, "depends": ["python >=3.12,<3.13.0a0"], "timestamp": 1700000000000}
  }, "packages.conda": {}})";
  std::vector<RepodataSource> sources = {{"c", "https://x/c", "linux-64", repodata, "c"}};
  auto pkgs = by_name(*solve(sources, request_for({"numpy"})));
  BOOST_TEST(pkgs.at("numpy").build == "h1111_0");
  BOOST_TEST(pkgs.at("python").version == "3.12.1");
  pkgs = by_name(*solve(sources, request_for({"numpy", "python 3.9.*"})));
  BOOST_TEST(pkgs.at("numpy").build == "h9999_0");
}

BOOST_AUTO_TEST_CASE(legacy_features_are_penalised_like_track_features) {
  // conda's legacy rule: a record with `features: nomkl` needs the feature tracked, which costs
  // what a track_features record costs; the build without it wins the tie, although the
  // featured one is newer. Asked for by its build, the featured build is still installable.
  const std::string repodata = R"({"info": {"subdir": "linux-64"}, "packages": {
    "scipy-1.1.0-py37_nomklh9c1e066_0.tar.bz2": {"name": "scipy", "version": "1.1.0",
      "build": "py37_nomklh9c1e066_0", "build_number": 0, "depends": [], "features": "nomkl",
      "timestamp": 1530000000000},
    "scipy-1.1.0-py37hc49cb51_0.tar.bz2": {"name": "scipy", "version": "1.1.0",
      "build": "py37hc49cb51_0", "build_number": 0, "depends": [], "timestamp": 1520000000000}
  }, "packages.conda": {}})";
  std::vector<RepodataSource> sources = {{"c", "https://x/c", "linux-64", repodata, "c"}};
  auto pkgs = by_name(*solve(sources, request_for({"scipy"})));
  BOOST_TEST(pkgs.at("scipy").build == "py37hc49cb51_0");
  BOOST_TEST(pkgs.size() == 1u);  // conda's "nomkl@" record is not a package
  pkgs = by_name(*solve(sources, request_for({"scipy * *nomkl*"})));
  BOOST_TEST(pkgs.at("scipy").build == "py37_nomklh9c1e066_0");
  BOOST_TEST(pkgs.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_requested_track_feature_costs_nothing_more_elsewhere) {
  // With `nomkl` requested the feature is in the environment anyway (conda counts a feature
  // once), so a build that needs the nomkl blas is not avoided: the newer numpy build wins.
  const std::string repodata = R"({"info": {"subdir": "linux-64"}, "packages": {
    "nomkl-3.0-0.tar.bz2": {"name": "nomkl", "version": "3.0", "build": "0",
      "build_number": 0, "depends": [], "track_features": "nomkl"},
    "blas-1.0-openblas.tar.bz2": {"name": "blas", "version": "1.0", "build": "openblas",
      "build_number": 0, "depends": [], "track_features": "nomkl"},
    "blas-1.0-mkl.tar.bz2": {"name": "blas", "version": "1.0", "build": "mkl",
      "build_number": 0, "depends": []},
    "numpy-1.15.0-py_openblas_0.tar.bz2": {"name": "numpy", "version": "1.15.0",
      "build": "py_openblas_0", "build_number": 0, "depends": ["blas 1.0 openblas"],
      "timestamp": 1530000000000},
    "numpy-1.15.0-py_mkl_0.tar.bz2": {"name": "numpy", "version": "1.15.0",
      "build": "py_mkl_0", "build_number": 0, "depends": ["blas 1.0 mkl"],
      "timestamp": 1520000000000}
  }, "packages.conda": {}})";
  std::vector<RepodataSource> sources = {{"c", "https://x/c", "linux-64", repodata, "c"}};
  auto pkgs = by_name(*solve(sources, request_for({"nomkl", "numpy"})));
  BOOST_TEST(pkgs.at("numpy").build == "py_openblas_0");
  // Without nomkl requested, the feature is avoided.
  pkgs = by_name(*solve(sources, request_for({"numpy"})));
  BOOST_TEST(pkgs.at("numpy").build == "py_mkl_0");
}

// conda maximises the requested names' versions and build numbers before it minimises
// track_features, and other names' versions after (the shape of `r-magrittr r-base` on pkgs/r).
const std::string k_featured_base = R"({"info": {"subdir": "noarch"}, "packages": {
  "blas-1.0-openblas.tar.bz2": {"name": "blas", "version": "1.0", "build": "openblas",
    "build_number": 0, "depends": [], "track_features": "nomkl"},
  "blas-1.0-mkl.tar.bz2": {"name": "blas", "version": "1.0", "build": "mkl",
    "build_number": 0, "depends": []},
  "base-2-0.tar.bz2": {"name": "base", "version": "2", "build": "0", "build_number": 0,
    "depends": ["blas * openblas"]},
  "base-1-0.tar.bz2": {"name": "base", "version": "1", "build": "0", "build_number": 0,
    "depends": []},
  "tool-1.5-b2_0.tar.bz2": {"name": "tool", "version": "1.5", "build": "b2_0",
    "build_number": 0, "depends": ["base 2.*"]},
  "tool-1.5-b1_0.tar.bz2": {"name": "tool", "version": "1.5", "build": "b1_0",
    "build_number": 0, "depends": ["base 1.*"]},
  "numpy-1.0-openblas_1.tar.bz2": {"name": "numpy", "version": "1.0", "build": "openblas_1",
    "build_number": 1, "depends": ["blas * openblas"]},
  "numpy-1.0-mkl_0.tar.bz2": {"name": "numpy", "version": "1.0", "build": "mkl_0",
    "build_number": 0, "depends": ["blas * mkl"]},
  "app-1-0.tar.bz2": {"name": "app", "version": "1", "build": "0", "build_number": 0,
    "depends": ["numpy"]}
}})";

BOOST_AUTO_TEST_CASE(avoiding_track_features_never_lowers_a_requested_version) {
  std::vector<RepodataSource> sources = {
      {"c", "https://example.org/c", "noarch", k_featured_base, "c/noarch"}};
  // base requested: its newest version wins although it needs the nomkl blas, and tool follows.
  auto both = by_name(*solve(sources, request_for({"tool", "base"})));
  BOOST_TEST(both.at("base").version == "2");
  BOOST_TEST(both.at("tool").build == "b2_0");
  BOOST_TEST(both.at("blas").build == "openblas");
  // base only a dependency: the feature is avoided first, as conda does.
  auto tool = by_name(*solve(sources, request_for({"tool"})));
  BOOST_TEST(tool.at("base").version == "1");
  BOOST_TEST(tool.at("tool").build == "b1_0");
  BOOST_TEST(tool.count("blas") == 0u);
}

BOOST_AUTO_TEST_CASE(avoiding_track_features_never_lowers_a_requested_build_number) {
  std::vector<RepodataSource> sources = {
      {"c", "https://example.org/c", "noarch", k_featured_base, "c/noarch"}};
  auto numpy = by_name(*solve(sources, request_for({"numpy"})));
  BOOST_TEST(numpy.at("numpy").build == "openblas_1");
  BOOST_TEST(numpy.at("blas").build == "openblas");
  // Through app, numpy's build number comes after the features.
  auto app = by_name(*solve(sources, request_for({"app"})));
  BOOST_TEST(app.at("numpy").build == "mkl_0");
  BOOST_TEST(app.at("blas").build == "mkl");
}

BOOST_AUTO_TEST_CASE(unsatisfiable_explanation_groups_builds_by_name_and_version_range) {
  // 15 builds of `tool` (5 versions x 3 builds), each needing a `libfoo` nobody provides: one
  // line for all of them, with the version range and the count, after the requested spec;
  // the details keep one line per build.
  std::string repodata = R"({"info": {"subdir": "linux-64"}, "packages": {)";
  for (int v = 0; v < 5; ++v)
    for (int b = 0; b < 3; ++b) {
      std::string version = "1." + std::to_string(v * 5);  // 1.0, 1.5, 1.10, 1.15, 1.20
      std::string build = "h" + std::to_string(b) + "_0";
      repodata += std::string(v || b ? "," : "") + R"("tool-)" + version + "-" + build +
                  R"(.tar.bz2": {"name": "tool", "version": ")" + version + R"(", "build": ")" +
                  build + R"(", "build_number": 0, "depends": ["libfoo >=)" +
                  std::to_string(b + 1) + R"("]})";
    }
  repodata += R"(}, "packages.conda": {}})";
  std::vector<RepodataSource> sources = {{"c", "https://x/c", "linux-64", repodata, "c"}};
  auto outcome = solve(sources, request_for({"tool"}));
  BOOST_REQUIRE(outcome.ok());
  const auto& unsat = std::get<Unsatisfiable>(*outcome);
  BOOST_REQUIRE(unsat.problems.size() == 1u);
  BOOST_TEST(unsat.problems[0] ==
             "requested tool\n"
             "tool 1.0 to 1.20 (15 builds) need libfoo (>=1 | >=2 | >=3), which no channel "
             "provides");
  BOOST_REQUIRE(unsat.details.size() == 1u);
  BOOST_TEST(std::count(unsat.details[0].begin(), unsat.details[0].end(), '\n') == 15);
  BOOST_TEST(unsat.details[0].find("nothing provides libfoo >=2 needed by tool-1.10-h1_0") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(index_cache_gives_identical_solution_and_survives_damage) {
  testing::TempDir dir;
  auto request = request_for({"requests"});
  request.cache_dir = dir.path();
  auto first = solve(forge_then_main(), request);
  std::vector<std::string> cache_files;
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    cache_files.push_back(e.path().string());
  BOOST_REQUIRE(cache_files.size() == 2u);
  BOOST_TEST(std::filesystem::path(cache_files[0]).extension() == ".idx");
  auto second = solve(forge_then_main(), request);
  // A cache file cut short or overwritten is ignored: the repodata is indexed again.
  auto damaged = read_file(cache_files[0]).value();
  damaged[damaged.size() / 2] ^= 0x5a;  // bounds may still hold: the checksum catches it
  BOOST_REQUIRE(write_file_atomic(cache_files[0], damaged).ok());
  BOOST_REQUIRE(write_file_atomic(cache_files[1], "garbage").ok());
  auto third = solve(forge_then_main(), request);
  // A new version of forge's repodata (same origin) replaces forge's index instead of adding one.
  std::string forge_v2 = k_forge + "\n";
  auto sources = forge_then_main();
  sources[0].json = forge_v2;
  BOOST_REQUIRE(solve(sources, request).ok());
  std::vector<std::string> after;
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    after.push_back(e.path().string());
  BOOST_TEST(after.size() == 2u);
  auto a = by_name(*first), b = by_name(*second), c = by_name(*third);
  BOOST_REQUIRE(a.size() == 3u);
  BOOST_REQUIRE(a.size() == b.size());
  BOOST_REQUIRE(a.size() == c.size());
  for (const auto& [name, rec] : a) {
    for (const auto* other : {&b, &c}) {
      BOOST_TEST(other->at(name).url == rec.url);
      BOOST_TEST(other->at(name).md5 == rec.md5);
      BOOST_TEST(other->at(name).depends == rec.depends);
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_repodata_names_its_origin) {
  std::vector<RepodataSource> bad = {
      {"x", "https://x", "linux-64", "{\"packages\": [1,", "x/linux-64/repodata.json"}};
  auto outcome = solve(bad, request_for({"python"}));
  BOOST_REQUIRE(!outcome.ok());
  BOOST_TEST(outcome.error().where == "x/linux-64/repodata.json:1:17");
  BOOST_TEST(outcome.error().message.find("malformed JSON") != std::string::npos);
}

// Only the names a request reaches are parsed. A record that cannot be read is passed over,
// as libsolv's reader passed over what it could not read, and named when nothing else is left.
BOOST_AUTO_TEST_CASE(only_reached_records_are_parsed_and_broken_ones_skipped) {
  const std::string json = R"({"info": {"subdir": "noarch"}, "packages": {
    "app-1-0.tar.bz2": {"name": "app", "version": "1", "build": "0", "depends": ["lib"]},
    "lib-1-0.tar.bz2": {"name": "lib", "version": "1", "build": "0", "depends": []},
    "lib-2-0.tar.bz2": {"name": "lib", "version": "2", "build": "0", "depends": 7},
    "odd-1-0.tar.bz2": {"name": "odd", "version": "1", "build": "0", "depends": "lib"}
  }})";
  std::vector<RepodataSource> sources = {
      {"c", "https://example.org/c", "noarch", json, "c/noarch"}};
  auto app = by_name(*solve(sources, request_for({"app"})));
  BOOST_TEST(app.size() == 2u);
  BOOST_TEST(app.at("lib").version == "1");  // lib 2 is unreadable, not a candidate
  BOOST_TEST(app.at("lib").url == "https://example.org/c/noarch/lib-1-0.tar.bz2");
  auto odd = solve(sources, request_for({"odd"}));
  BOOST_REQUIRE(odd.ok());
  BOOST_REQUIRE(std::holds_alternative<Unsatisfiable>(*odd));
  BOOST_TEST(std::get<Unsatisfiable>(*odd).problems.front() ==
             "nothing provides requested odd (the channels' 1 'odd' records are malformed and "
             "were skipped)");
}

// What libsolv's reader did with old records: "requires" (conda 1.x) counts as depends, and a
// dependency name with '*' or a "^...$" regex reaches every package name it matches.
BOOST_AUTO_TEST_CASE(legacy_requires_and_name_patterns_are_followed) {
  const std::string json = R"({"info": {"subdir": "noarch"}, "packages": {
    "app-1-0.tar.bz2": {"name": "app", "version": "1", "build": "0", "depends": ["tool"],
                        "requires": ["tool 1.*"]},
    "tool-1-0.tar.bz2": {"name": "tool", "version": "1", "build": "0"},
    "tool-2-0.tar.bz2": {"name": "tool", "version": "2", "build": "0"},
    "glob-1-0.tar.bz2": {"name": "glob", "version": "1", "build": "0", "depends": ["plug*"]},
    "plugin-a-1-0.tar.bz2": {"name": "plugin-a", "version": "1", "build": "0"},
    "regex-1-0.tar.bz2": {"name": "regex", "version": "1", "build": "0",
                          "depends": ["^PLUG.*-b$"]},
    "plugin-b-1-0.tar.bz2": {"name": "plugin-b", "version": "1", "build": "0"}
  }})";
  std::vector<RepodataSource> sources = {
      {"c", "https://example.org/c", "noarch", json, "c/noarch"}};
  auto app = by_name(*solve(sources, request_for({"app"})));
  BOOST_TEST(app.at("tool").version == "1");
  BOOST_TEST(app.at("app").depends.size() == 2u);
  auto glob = by_name(*solve(sources, request_for({"glob"})));
  BOOST_TEST(glob.count("plugin-a") == 1u);
  auto regex = by_name(*solve(sources, request_for({"regex"})));
  BOOST_TEST(regex.count("plugin-b") == 1u);
}

// A .conda file replaces the .tar.bz2 of the same package wherever either comes in the file.
BOOST_AUTO_TEST_CASE(conda_format_is_preferred_to_tar_bz2) {
  const std::string json = R"({"info": {"subdir": "noarch"},
    "packages.conda": {"a-1-0.conda": {"name": "a", "version": "1", "build": "0", "md5": "c"}},
    "packages": {"a-1-0.tar.bz2": {"name": "a", "version": "1", "build": "0", "md5": "t"},
                 "b-1-0.tar.bz2": {"name": "b", "version": "1", "build": "0", "md5": "t"}}})";
  std::vector<RepodataSource> sources = {
      {"c", "https://example.org/c", "noarch", json, "c/noarch"}};
  auto solved = by_name(*solve(sources, request_for({"a", "b"})));
  BOOST_TEST(solved.at("a").fn == "a-1-0.conda");
  BOOST_TEST(solved.at("a").md5 == "c");
  BOOST_TEST(solved.at("b").fn == "b-1-0.tar.bz2");
}

// Builds for another python than the requested one never reach libsolv, and that changes
// nothing: the solution is the one the full pool gives, and a conflict is still explained.
BOOST_AUTO_TEST_CASE(builds_for_other_pythons_are_left_out_without_changing_the_answer) {
  const std::string json = R"({"info": {"subdir": "noarch"}, "packages": {
    "python-3.11.0-0.tar.bz2": {"name": "python", "version": "3.11.0", "build": "0"},
    "python-3.12.0-0.tar.bz2": {"name": "python", "version": "3.12.0", "build": "0"},
    "app-2-py311_0.tar.bz2": {"name": "app", "version": "2", "build": "py311_0",
                              "depends": ["python >=3.11,<3.12.0a0", "lib"]},
    "app-2-py312_0.tar.bz2": {"name": "app", "version": "2", "build": "py312_0",
                              "depends": ["python >=3.12,<3.13.0a0", "lib >=2"]},
    "app-1-py312_0.tar.bz2": {"name": "app", "version": "1", "build": "py312_0",
                              "depends": ["python >=3.12,<3.13.0a0", "missing-lib"]},
    "lib-1-0.tar.bz2": {"name": "lib", "version": "1", "build": "0"}
  }})";
  std::vector<RepodataSource> sources = {
      {"c", "https://example.org/c", "noarch", json, "c/noarch"}};
  auto py311 = by_name(*solve(sources, request_for({"python 3.11.*", "app"})));
  BOOST_TEST(py311.at("app").build == "py311_0");
  BOOST_TEST(py311.at("lib").version == "1");
  // app needs python 3.12, whose only builds need lib >=2 or a package that does not exist.
  auto conflict = solve(sources, request_for({"python 3.12.*", "app"}));
  BOOST_REQUIRE(conflict.ok());
  BOOST_REQUIRE(std::holds_alternative<Unsatisfiable>(*conflict));
  std::string text;
  for (const auto& problem : std::get<Unsatisfiable>(*conflict).problems) text += problem + "\n";
  BOOST_TEST(text.find("lib") != std::string::npos);
  BOOST_TEST(text.find("app") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::solve

namespace envlock::solve {
namespace {

// Serves the records of in-memory repodata by name (the unit test's stand-in for lib/channel's
// shard fetcher) and records which names each level asked for.
class RecordsByName final : public ShardedRecords {
 public:
  explicit RecordsByName(std::vector<std::string> jsons) {
    for (const auto& j : jsons) {
      auto repo = spec::parse_repodata(j, "test");
      BOOST_REQUIRE(repo.ok());
      auto& names = m_records.emplace_back();
      for (auto& r : repo->records) names[r.name].push_back(r);
    }
  }
  std::vector<std::string> names(size_t source) const override {
    std::vector<std::string> out;
    for (const auto& [name, _] : m_records[source]) out.push_back(name);
    return out;
  }
  Result<std::vector<std::vector<spec::PackageRecord>>> load(
      const std::vector<std::pair<size_t, std::string>>& wanted) override {
    std::vector<std::vector<spec::PackageRecord>> out;
    std::set<std::string> level;
    for (const auto& [source, name] : wanted) {
      level.insert(name);
      auto it = m_records[source].find(name);
      out.push_back(it == m_records[source].end() ? std::vector<spec::PackageRecord>{}
                                                  : it->second);
    }
    levels.push_back(level);
    return out;
  }
  std::vector<std::set<std::string>> levels;

 private:
  std::vector<std::map<std::string, std::vector<spec::PackageRecord>>> m_records;
};

BOOST_AUTO_TEST_CASE(sharded_sources_are_walked_breadth_first_and_solve_alike) {
  RecordsByName shards({k_forge, k_main});
  std::vector<RepodataSource> sources = forge_then_main();
  for (auto& s : sources) s.form = RepodataSource::Form::shards;
  Request request = request_for({"requests"});
  request.shards = &shards;
  auto sharded = solve(sources, request);
  BOOST_REQUIRE(sharded.ok());
  // Level by level: the request, its dependency, then python's (zlib's depend on nothing).
  BOOST_REQUIRE(shards.levels.size() == 3u);
  BOOST_TEST((shards.levels[0] == std::set<std::string>{"requests"}));
  BOOST_TEST((shards.levels[1] == std::set<std::string>{"python"}));
  BOOST_TEST((shards.levels[2] == std::set<std::string>{"__glibc", "zlib"}));
  // The same records as JSON give the same solution, field for field.
  auto json = solve(forge_then_main(), request_for({"requests"}));
  BOOST_REQUIRE(json.ok());
  auto a = by_name(*sharded), b = by_name(*json);
  BOOST_REQUIRE(a.size() == b.size());
  for (const auto& [name, r] : b) {
    BOOST_TEST(a[name].url == r.url);
    BOOST_TEST(a[name].channel == r.channel);
    BOOST_TEST(a[name].sha256 == r.sha256);
    BOOST_TEST(a[name].depends == r.depends);
  }
  // A loader that fails fails the solve with its error.
  class Failing final : public ShardedRecords {
   public:
    std::vector<std::string> names(size_t) const override { return {}; }
    Result<std::vector<std::vector<spec::PackageRecord>>> load(
        const std::vector<std::pair<size_t, std::string>>&) override {
      return Error{ErrorKind::network, "shard", "gone"};
    }
  } failing;
  request.shards = &failing;
  auto failed = solve(sources, request);
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().to_string() == "shard: gone");
}

}  // namespace
}  // namespace envlock::solve
