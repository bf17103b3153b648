#include "lib/lock/virtual.h"

#include <boost/test/unit_test.hpp>
#include <map>

#include "lib/testing/testing.h"

namespace envlock::lock {
namespace {

// "name version[=build]" of each virtual package in force for `platform`, in order.
std::string list(const lockfile::VirtualPackageRepo& repo, const std::string& platform) {
  std::string out;
  for (const auto& vp : virtual_packages_for(repo, platform)) {
    out += (out.empty() ? "" : ", ") + vp.name + " " + vp.version;
    if (!vp.build_string.empty()) out += "=" + vp.build_string;
  }
  return out;
}

EnvGetter env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

lockfile::VirtualPackageRepo repo(std::vector<std::string> overrides,
                                  std::map<std::string, std::string> vars = {}) {
  auto r = virtual_packages(overrides, env_of(std::move(vars)));
  if (!r.ok()) BOOST_FAIL(r.error().message);
  return *r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(virtual_package_sets)

BOOST_AUTO_TEST_CASE(defaults_follow_conda_lock) {
  auto r = repo({});
  BOOST_TEST(list(r, "linux-64") ==
             "__unix 0, __linux 5.10, __archspec 1=x86_64, __glibc 2.28, __cuda 11.4");
  BOOST_TEST(list(r, "linux-aarch64") ==
             "__unix 0, __linux 5.10, __archspec 1=aarch64, __glibc 2.28, __cuda 11.4");
  BOOST_TEST(list(r, "osx-arm64") == "__unix 0, __archspec 1=arm64, __osx 11.0");
  // osx-64 keeps conda-lock's duplicate __osx 10.15; the first one is in force.
  BOOST_TEST(list(r, "osx-64") == "__unix 0, __archspec 1=x86_64, __osx 11.0");
  BOOST_TEST(list(r, "win-64") == "__win 0, __archspec 1=x86_64, __cuda 11.4");
  BOOST_TEST(list(r, "noarch") == "");
  // No environment getter at all gives the same defaults.
  BOOST_TEST(list(virtual_packages({}, nullptr).value(), "linux-64") == list(r, "linux-64"));
}

BOOST_AUTO_TEST_CASE(conda_override_variables) {
  auto r = repo({}, {{"CONDA_OVERRIDE_GLIBC", "2.17"}});
  BOOST_TEST(list(r, "linux-64") ==
             "__unix 0, __linux 5.10, __archspec 1=x86_64, __glibc 2.17, __cuda 11.4");
  BOOST_TEST(list(r, "linux-ppc64le").find("__glibc 2.17") != std::string::npos);
  BOOST_TEST(list(r, "osx-arm64") == "__unix 0, __archspec 1=arm64, __osx 11.0");

  r = repo({}, {{"CONDA_OVERRIDE_CUDA", "12.2"}, {"CONDA_OVERRIDE_OSX", "13.1"}});
  BOOST_TEST(list(r, "linux-64").find("__cuda 12.2") != std::string::npos);
  BOOST_TEST(list(r, "win-64") == "__win 0, __archspec 1=x86_64, __cuda 12.2");
  BOOST_TEST(list(r, "osx-arm64") == "__unix 0, __archspec 1=arm64, __osx 13.1");
  BOOST_TEST(list(r, "linux-64").find("__osx") == std::string::npos);
  BOOST_TEST(list(r, "osx-64").find("__cuda") == std::string::npos);

  // An empty value removes the package, as conda does.
  r = repo({}, {{"CONDA_OVERRIDE_CUDA", ""}});
  BOOST_TEST(list(r, "linux-64") == "__unix 0, __linux 5.10, __archspec 1=x86_64, __glibc 2.28");
  BOOST_TEST(list(r, "win-64") == "__win 0, __archspec 1=x86_64");

  r = repo({}, {{"CONDA_OVERRIDE_ARCHSPEC", "haswell"}, {"CONDA_OVERRIDE_LINUX", "6.1"}});
  BOOST_TEST(list(r, "linux-64") ==
             "__unix 0, __linux 6.1, __archspec 1=haswell, __glibc 2.28, __cuda 11.4");
}

BOOST_AUTO_TEST_CASE(command_line_overrides_win_over_variables) {
  auto r = repo({"__glibc=2.34"}, {{"CONDA_OVERRIDE_GLIBC", "2.17"}});
  BOOST_TEST(list(r, "linux-64").find("__glibc 2.34") != std::string::npos);
  // "__cuda=" removes, on every platform that had it.
  r = repo({"__cuda="});
  BOOST_TEST(list(r, "linux-64").find("__cuda") == std::string::npos);
  BOOST_TEST(list(r, "win-64").find("__cuda") == std::string::npos);
  r = repo({"__cuda=12.4"}, {{"CONDA_OVERRIDE_CUDA", ""}});
  BOOST_TEST(list(r, "linux-64").find("__cuda 12.4") != std::string::npos);
  // VERSION=BUILD sets the build string; only where the package applies (__glibc: linux-*).
  r = repo({"__archspec=1=zen4", "__glibc=2.17"});
  BOOST_TEST(list(r, "linux-64").find("__archspec 1=zen4") != std::string::npos);
  BOOST_TEST(list(r, "osx-64").find("__archspec 1=zen4") != std::string::npos);
  BOOST_TEST(list(r, "osx-64").find("__glibc") == std::string::npos);
  BOOST_TEST(list(r, "win-64").find("__glibc") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(new_virtual_packages_are_added) {
  auto r = repo({"__mpi"});
  BOOST_TEST(list(r, "linux-64").find("__mpi 0") != std::string::npos);
  BOOST_TEST(list(r, "win-64").find("__mpi 0") != std::string::npos);
  BOOST_TEST(list(r, "noarch") == "");
  r = repo({"__unix=1"});
  BOOST_TEST(list(r, "linux-64").find("__unix 1") != std::string::npos);
  BOOST_TEST(list(r, "win-64").find("__unix") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_overrides_are_usage_errors) {
  for (const char* bad : {"glibc=2.17", "__", "=2.17", "__glibc==2.17"}) {
    auto r = virtual_packages({bad}, nullptr);
    BOOST_TEST_CONTEXT(bad) {
      BOOST_REQUIRE(!r.ok());
      BOOST_TEST(r.error().kind == ErrorKind::usage);
      BOOST_TEST(r.error().where == std::string("--virtual-package ") + bad);
    }
  }
}

BOOST_AUTO_TEST_CASE(noarch_packages_apply_to_every_platform_once) {
  lockfile::VirtualPackageRepo r;
  r.subdirs["noarch"] = {{"__unix", "0", ""}, {"__x", "1", ""}};
  r.subdirs["linux-64"] = {{"__x", "2", ""}, {"__glibc", "2.28", ""}};
  BOOST_TEST(list(r, "linux-64") == "__unix 0, __x 1, __glibc 2.28");
  BOOST_TEST(list(r, "osx-64") == "__unix 0, __x 1");
  BOOST_TEST(list(r, "noarch") == "__unix 0, __x 1");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::lock
