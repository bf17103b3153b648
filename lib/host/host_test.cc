// Virtual packages of a machine (given probes and CONDA_OVERRIDE_* as conda reads them) against
// the __* dependencies of real corpus locks.

#include "lib/host/host.h"

#include <boost/test/unit_test.hpp>

#include "lib/lockfile/lockfile.h"
#include "lib/testing/testing.h"

namespace envlock::host {
namespace {

Probes fixed(std::optional<std::string> glibc, std::optional<std::string> cuda,
             std::optional<std::string> archspec) {
  Probes p;
  p.glibc = [glibc] { return glibc; };
  p.cuda = [cuda] { return cuda; };
  p.archspec = [archspec] { return archspec; };
  p.linux_kernel = [] { return std::optional<std::string>("6.1.0"); };
  return p;
}

EnvGetter env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

lockfile::LockedPackage package(const std::string& name, std::vector<std::string> depends) {
  lockfile::LockedPackage p;
  p.name = name;
  p.version = "1";
  p.build = "0";
  p.depends = std::move(depends);
  return p;
}

BOOST_AUTO_TEST_CASE(cpuinfo_flags_give_the_x86_64_level) {
  const std::string v2 = "flags : fpu cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3";
  const std::string v3 = v2 + " avx avx2 bmi1 bmi2 f16c fma abm movbe xsave";
  BOOST_TEST(x86_64_level("flags : fpu sse2") == "x86_64");
  BOOST_TEST(x86_64_level(v2) == "x86_64_v2");
  BOOST_TEST(x86_64_level(v3) == "x86_64_v3");
  BOOST_TEST(x86_64_level(v3 + " avx512f avx512bw avx512cd avx512dq avx512vl") == "x86_64_v4");
  BOOST_TEST(x86_64_level(v3 + " avx512f") == "x86_64_v3");
  BOOST_TEST(x86_64_level("flags : avx2 avx512f") == "x86_64");  // v2 missing: stays at base
}

BOOST_AUTO_TEST_CASE(overrides_replace_and_remove_what_the_probes_find) {
  auto m = detect("linux-64", fixed("2.36", std::nullopt, "x86_64_v3"), env_of({}));
  BOOST_TEST(m.at("__glibc").version == "2.36");
  BOOST_TEST(m.at("__archspec").build == "x86_64_v3");
  BOOST_TEST(m.at("__linux").version == "6.1.0");
  BOOST_TEST(!m.count("__cuda"));
  m = detect("linux-64",
             fixed("2.36", "12.2", "x86_64_v3"),
             env_of({{"CONDA_OVERRIDE_GLIBC", "2.17"},
                     {"CONDA_OVERRIDE_CUDA", ""},
                     {"CONDA_OVERRIDE_ARCHSPEC", "x86_64_v2"}}));
  BOOST_TEST(m.at("__glibc").version == "2.17");
  BOOST_TEST(!m.count("__cuda"));
  BOOST_TEST(m.at("__archspec").build == "x86_64_v2");
  m = detect("osx-arm64", fixed("2.36", "12.2", "arm64"), env_of({{"CONDA_OVERRIDE_OSX", "14.1"}}));
  BOOST_TEST(m.at("__osx").version == "14.1");
  BOOST_TEST(!m.count("__glibc"));
}

BOOST_AUTO_TEST_CASE(needs_are_checked_against_the_machine) {
  std::vector<lockfile::LockedPackage> packages = {
      package("libnew", {"__glibc >=2.34", "libc"}),
      package("libold", {"__glibc >=2.17,<3.0.a0"}),
      package("torch", {"__cuda"}),
      package("fastmath", {"__archspec 1 x86_64_v3"}),
  };
  auto machine = detect("linux-64", fixed("2.31", std::nullopt, "x86_64_v4"), env_of({}));
  auto c = check(packages, machine, "linux-64");
  BOOST_TEST(c.needs.size() == 4u);
  BOOST_TEST(!c.ok());
  auto failures = c.failures();
  BOOST_REQUIRE(failures.size() == 2u);
  BOOST_TEST(failures[0]->message == "needs cuda (torch), this machine has none");
  BOOST_TEST(failures[1]->message == "needs glibc >=2.34 (libnew), this machine has 2.31");
  BOOST_TEST(summary(c).find("cannot run the locked environment: needs cuda (torch)") !=
             std::string::npos);
  // A v4 machine runs v3 packages; a v2 machine does not.
  machine = detect("linux-64", fixed("2.39", "12.4", "x86_64_v2"), env_of({}));
  c = check(packages, machine, "linux-64");
  BOOST_REQUIRE(c.failures().size() == 1u);
  BOOST_TEST(c.failures()[0]->message ==
             "needs archspec 1 x86_64_v3 (fastmath), this machine has x86_64_v2");
}

BOOST_AUTO_TEST_CASE(virtual_packages_the_lock_records_are_needs_too) {
  auto glibc = package("__glibc", {});
  glibc.version = "2.28";
  auto arch = package("__archspec", {});
  arch.build = "x86_64_v3";
  auto c = check({glibc, arch, package("zlib", {"__glibc >=2.17"})},
                 detect("linux-64", fixed("2.26", std::nullopt, "x86_64_v2"), env_of({})),
                 "linux-64");
  BOOST_REQUIRE(c.failures().size() == 2u);
  BOOST_TEST(c.failures()[0]->message ==
             "needs archspec * x86_64_v3 (the lock's __archspec), this machine has x86_64_v2");
  BOOST_TEST(c.failures()[1]->message ==
             "needs glibc >=2.28 (the lock's __glibc), this machine has 2.26");
  c = check({glibc, arch},
            detect("linux-64", fixed("2.28", std::nullopt, "x86_64_v4"), env_of({})),
            "linux-64");
  BOOST_TEST(c.ok(), summary(c));
}

BOOST_AUTO_TEST_CASE(the_pangeo_lock_needs_glibc_2_17_or_newer) {
  auto lock = lockfile::read_lock(testing::corpus_dir() +
                                  "/lockfiles/conda-lock/pangeo-docker-images/HEAD/"
                                  "pangeo-notebook/conda-lock.yml");
  BOOST_REQUIRE(lock.ok());
  const auto& packages = lock->environments.at("default").packages.at("linux-64");
  auto good = check(
      packages, detect("linux-64", fixed("2.28", "12.0", "x86_64_v3"), env_of({})), "linux-64");
  BOOST_TEST(good.ok(), summary(good));
  bool glibc = false;
  for (const auto& n : good.needs) glibc = glibc || n.name == "__glibc";
  BOOST_TEST(glibc);
  auto old = check(packages,
                   detect("linux-64",
                          fixed("2.28", "12.0", "x86_64_v3"),
                          env_of({{"CONDA_OVERRIDE_GLIBC", "2.12"}})),
                   "linux-64");
  BOOST_TEST(!old.ok());
  BOOST_TEST(summary(old).find("this machine has 2.12") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_environment_for_another_platform_cannot_run_here) {
  // An osx-64 environment whose packages need no virtual package: its virtual packages say
  // nothing against it, but a linux-64 machine still cannot run it.
  std::vector<lockfile::LockedPackage> packages = {package("zlib", {})};
  auto c = check(
      packages, detect("osx-64", fixed("2.39", std::nullopt, "x86_64_v4"), env_of({})), "osx-64");
  BOOST_TEST(c.ok());
  require_platform(c, "linux-64");
  BOOST_TEST(!c.ok());
  BOOST_REQUIRE(c.failures().size() == 1u);
  BOOST_TEST(c.failures()[0]->name == "platform");
  BOOST_TEST(c.failures()[0]->spec == "osx-64");
  BOOST_TEST(summary(c) ==
             "this machine cannot run the locked environment: the environment is for osx-64, "
             "this machine is linux-64");
  // The machine's own platform and noarch add nothing.
  auto same = check(
      packages, detect("linux-64", fixed("2.39", std::nullopt, "x86_64"), env_of({})), "linux-64");
  require_platform(same, "linux-64");
  BOOST_TEST(same.ok());
  BOOST_TEST(same.needs.empty());
  auto noarch = check(packages, Machine{}, "noarch");
  require_platform(noarch, "linux-64");
  BOOST_TEST(noarch.ok());
}

}  // namespace
}  // namespace envlock::host
