#include "lib/lock/check.h"

#include <boost/test/unit_test.hpp>

#include "lib/lock/virtual.h"
#include "lib/testing/testing.h"

namespace envlock::lock {
namespace {

const std::string k_forge = "https://conda.anaconda.org/conda-forge";

lockfile::LockedPackage package(const std::string& name, const std::string& version,
                                const std::string& build, std::vector<std::string> depends = {},
                                std::vector<std::string> constrains = {},
                                const std::string& subdir = "linux-64") {
  lockfile::LockedPackage p;
  p.name = name;
  p.version = version;
  p.build = build;
  p.platform = "linux-64";
  p.subdir = subdir;
  p.url = k_forge + "/" + subdir + "/" + name + "-" + version + "-" + build + ".conda";
  p.sha256 = std::string(64, 'a');
  p.depends = std::move(depends);
  p.constrains = std::move(constrains);
  return p;
}

// python 3.12.1 → zlib; requests (noarch) → python; the lock of `python`, `requests`.
lockfile::Lock good_lock() {
  lockfile::Lock lock;
  lock.metadata.channels = {{"conda-forge", {}}};
  lock.metadata.platforms = {"linux-64"};
  auto& env = lock.environments[lockfile::k_default_environment];
  env.channels = lock.metadata.channels;
  env.packages["linux-64"] = {
      package("python", "3.12.1", "h_0", {"zlib >=1.3", "__glibc >=2.17"}),
      package("requests", "2.31.0", "pyhd_0", {"python >=3.8"}, {}, "noarch"),
      package("zlib", "1.3.1", "h_1"),
  };
  return lock;
}

CheckInput input_for(std::vector<std::string> specs) {
  CheckInput in;
  in.platforms = {"linux-64"};
  in.channels = {{"conda-forge", {}}};
  for (const auto& s : specs) in.specs["linux-64"].push_back(spec::MatchSpec::parse(s).value());
  in.virtual_packages = lockfile::default_virtual_packages();
  return in;
}

std::vector<lockfile::LockedPackage>& packages(lockfile::Lock& lock) {
  return lock.environments[lockfile::k_default_environment].packages["linux-64"];
}

std::string codes(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += (out.empty() ? "" : " ") + f.code;
  return out;
}

std::string messages(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += f.platform + ": " + f.message + "\n";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(check_lock_model)

BOOST_AUTO_TEST_CASE(a_lock_that_satisfies_its_inputs_has_no_findings) {
  auto findings = check_lock(good_lock(), input_for({"python 3.12.*", "requests"}));
  BOOST_TEST(messages(findings) == "");
  // Order of the specs, looser specs, and a dependency also requested: still fine.
  BOOST_TEST(check_lock(good_lock(), input_for({"requests >=2", "python", "zlib"})).empty());
  BOOST_TEST(
      check_lock(good_lock(), input_for({"conda-forge::python >=3.12,<3.13", "requests"})).empty());
  BOOST_TEST(check_lock(good_lock(), input_for({"python[build=h_0]", "requests"})).empty());
}

BOOST_AUTO_TEST_CASE(tightened_spec_is_unsatisfied) {
  auto findings = check_lock(good_lock(), input_for({"python 3.11.*", "requests"}));
  BOOST_TEST(codes(findings) == "spec-unsatisfied");
  BOOST_TEST(messages(findings) ==
             "linux-64: requested python 3.11.*, but the lock has python 3.12.1 h_0\n");
  BOOST_TEST(codes(check_lock(good_lock(), input_for({"python", "requests", "zlib <1.3.1"}))) ==
             "spec-unsatisfied");
  BOOST_TEST(codes(check_lock(good_lock(), input_for({"python[build=h_1]", "requests"}))) ==
             "spec-unsatisfied");
  BOOST_TEST(codes(check_lock(good_lock(), input_for({"bioconda::python", "requests"}))) ==
             "spec-unsatisfied");
}

BOOST_AUTO_TEST_CASE(added_spec_is_missing) {
  auto findings = check_lock(good_lock(), input_for({"python", "requests", "numpy >=1.26"}));
  BOOST_TEST(codes(findings) == "spec-missing");
  BOOST_TEST(messages(findings) == "linux-64: requested numpy >=1.26, but the lock has no numpy\n");
}

BOOST_AUTO_TEST_CASE(removed_spec_leaves_an_unneeded_package) {
  auto findings = check_lock(good_lock(), input_for({"python"}));
  BOOST_TEST(codes(findings) == "package-unneeded");
  BOOST_TEST(messages(findings) ==
             "linux-64: requests 2.31.0 pyhd_0 is not required by any requested spec\n");
  // Requesting only the leaf keeps everything it pulls in.
  BOOST_TEST(check_lock(good_lock(), input_for({"requests"})).empty());
  BOOST_TEST(codes(check_lock(good_lock(), input_for({}))) ==
             "package-unneeded package-unneeded package-unneeded");
}

BOOST_AUTO_TEST_CASE(broken_dependency_closure_is_found) {
  auto lock = good_lock();
  packages(lock).pop_back();  // zlib gone
  auto findings = check_lock(lock, input_for({"python", "requests"}));
  BOOST_TEST(codes(findings) == "dependency-missing");
  BOOST_TEST(messages(findings) ==
             "linux-64: python 3.12.1 h_0 requires zlib >=1.3, which is not in the lock\n");

  lock = good_lock();
  packages(lock)[2] = package("zlib", "1.2.13", "h_0");
  findings = check_lock(lock, input_for({"python", "requests"}));
  BOOST_TEST(codes(findings) == "dependency-unsatisfied");
  BOOST_TEST(messages(findings) ==
             "linux-64: python 3.12.1 h_0 requires zlib >=1.3, but the lock has zlib 1.2.13 h_0\n");

  lock = good_lock();
  packages(lock)[1].depends.push_back("urllib3 >=>1");
  BOOST_TEST(codes(check_lock(lock, input_for({"python", "requests"}))) == "dependency-invalid");
}

BOOST_AUTO_TEST_CASE(constraints_are_respected) {
  auto lock = good_lock();
  packages(lock)[1].constrains = {"zlib <1.3", "numpy >=2"};  // numpy absent: no finding
  auto findings = check_lock(lock, input_for({"python", "requests"}));
  BOOST_TEST(codes(findings) == "constraint-violated");
  BOOST_TEST(messages(findings) ==
             "linux-64: requests 2.31.0 pyhd_0 constrains zlib <1.3, but the lock has zlib "
             "1.3.1 h_1\n");
  packages(lock)[1].constrains = {"zlib >=1.3"};
  BOOST_TEST(check_lock(lock, input_for({"python", "requests"})).empty());
}

BOOST_AUTO_TEST_CASE(virtual_packages_come_from_the_inputs) {
  auto lock = good_lock();
  packages(lock)[0].depends = {"zlib >=1.3", "__glibc >=2.34"};
  auto in = input_for({"python", "requests"});
  auto findings = check_lock(lock, in);
  BOOST_TEST(codes(findings) == "virtual-unsatisfied");
  BOOST_TEST(messages(findings) ==
             "linux-64: python 3.12.1 h_0 requires __glibc >=2.34, but linux-64 has __glibc "
             "2.28\n");
  in.virtual_packages = virtual_packages({"__glibc=2.35"}, nullptr).value();
  BOOST_TEST(check_lock(lock, in).empty());
  in.virtual_packages = virtual_packages({"__glibc="}, nullptr).value();
  BOOST_TEST(codes(check_lock(lock, in)) == "virtual-missing");
  // A requested virtual package is checked too.
  in = input_for({"python", "requests", "__cuda >=12"});
  BOOST_TEST(codes(check_lock(good_lock(), in)) == "virtual-unsatisfied");
}

BOOST_AUTO_TEST_CASE(platforms_must_match) {
  auto in = input_for({"python", "requests"});
  in.platforms = {"linux-64", "osx-arm64"};
  auto findings = check_lock(good_lock(), in);
  BOOST_TEST(codes(findings) == "platform-missing");
  BOOST_TEST(messages(findings) == "osx-arm64: platform osx-arm64 is not in the lock\n");
  in.platforms = {"osx-arm64"};
  BOOST_TEST(codes(check_lock(good_lock(), in)) == "platform-missing platform-extra");
}

BOOST_AUTO_TEST_CASE(channels_must_match_in_order) {
  auto in = input_for({"python", "requests"});
  in.channels = {{"bioconda", {}}, {"conda-forge", {}}};
  auto findings = check_lock(good_lock(), in);
  BOOST_TEST(codes(findings) == "channels-changed");
  BOOST_TEST(messages(findings) ==
             ": channels are now [bioconda, conda-forge], the lock has [conda-forge]\n");
  auto lock = good_lock();
  lock.metadata.channels = {{"conda-forge", {}}, {"bioconda", {}}};
  BOOST_TEST(codes(check_lock(lock, in)) == "channels-changed");
  lock.metadata.channels = in.channels;
  BOOST_TEST(check_lock(lock, in).empty());
}

BOOST_AUTO_TEST_CASE(pip_entries_and_other_platforms_are_not_conda_findings) {
  auto lock = good_lock();
  auto pip = package("urllib3", "2.0.0", "");
  pip.manager = lockfile::Manager::pip;
  pip.url = "https://files.pythonhosted.org/urllib3-2.0.0-py3-none-any.whl";
  packages(lock).push_back(pip);
  BOOST_TEST(check_lock(lock, input_for({"python", "requests"})).empty());
}

BOOST_AUTO_TEST_CASE(findings_are_in_a_stable_order) {
  auto lock = good_lock();
  packages(lock).pop_back();
  auto in = input_for({"python 3.11.*", "numpy"});
  in.channels = {{"bioconda", {}}};
  auto first = check_lock(lock, in);
  BOOST_TEST(codes(first) ==
             "channels-changed spec-unsatisfied spec-missing dependency-missing package-unneeded");
  for (int i = 0; i < 3; ++i) BOOST_TEST(messages(check_lock(lock, in)) == messages(first));
}

BOOST_AUTO_TEST_CASE(text_report_escapes_names_from_repodata_and_locks) {
  Report r;
  r.outcome = Report::Outcome::check_failed;
  r.lockfile = "conda-lock.yml";
  r.findings.push_back({"linux-64", "spec-unsatisfied", "evil\n  all good\x1b[2K is not locked"});
  std::string failed = render_text(r);
  BOOST_TEST(failed ==
             "conda-lock.yml no longer satisfies the inputs: 1 problem\n"
             "  linux-64: evil\\n  all good\\x1b[2K is not locked\n");
  r.outcome = Report::Outcome::unsatisfiable;
  r.problems["linux-64"] = {"nothing provides \xff\x1b]0;title\x07 needed by x\nsecond line"};
  BOOST_TEST(render_text(r) ==
             "linux-64: the specs cannot be satisfied:\n"
             "  nothing provides \\xff\\x1b]0;title\\x07 needed by x\n"
             "  second line\n");
  r.outcome = Report::Outcome::locked;
  r.platforms.push_back({});
  r.platforms[0].platform = "linux-64";
  r.platforms[0].added = {"a\rb 1.0"};
  BOOST_TEST(render_text(r).find("  + a\\rb 1.0\n") != std::string::npos, render_text(r));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::lock
