// compatible_tags() agrees with pip: for each target, Debian's pip (`pip debug --verbose` with
// the same platforms, python version and ABI) lists exactly our tags in exactly our order.
// Two things pip does with --platform are accounted for: it expands a macosx_* platform into
// all the older ones itself (so it gets only the first; its vendored packaging 23 spells the
// fat3 format "fat32", as packaging did then), and it moves manylinux2010/manylinux1 right after
// a given manylinux2014 (so the manylinux2014/2010 aliases are left out of both lists here; their
// place is tested in tags_test.cc).

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lib/pypi/tags.h"

namespace envlock::pypi {
namespace {

struct PcloseDeleter {
  void operator()(FILE* f) const { pclose(f); }
};

// The "Compatible tags" pip lists for `platforms`, CPython `version` ("3.11") and `abi`.
std::vector<std::string> pip_tags(const std::vector<std::string>& platforms,
                                  const std::string& version, const std::string& abi) {
  std::string command = "/usr/bin/python3 -m pip debug --verbose --implementation cp";
  command += " --python-version " + version + " --abi " + abi;
  for (const auto& p : platforms) command += " --platform " + p;
  command += " 2>/dev/null";
  std::unique_ptr<FILE, PcloseDeleter> pipe(popen(command.c_str(), "r"));
  BOOST_REQUIRE_MESSAGE(pipe, "cannot run Debian's pip (python3-pip, setup.sh)");
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
  std::vector<std::string> tags;
  std::size_t at = out.find("Compatible tags:");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, "pip debug printed no tags:\n" + out);
  at = out.find('\n', at);
  while (at != std::string::npos && at + 1 < out.size()) {
    std::size_t end = out.find('\n', at + 1);
    std::string line =
        out.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
    at = end;
    if (!line.starts_with("  ")) break;
    tags.push_back(line.substr(2));
  }
  return tags;
}

BOOST_AUTO_TEST_SUITE(pypi_tags_pip)

BOOST_AUTO_TEST_CASE(compatible_tags_are_pips) {
  std::vector<TargetPlatform> targets{
      {"linux-64", "3.11", std::string("2.28"), {}, {}},
      {"linux-aarch64", "3.12", std::string("2.17"), {}, {}},
      {"osx-arm64", "3.12", {}, std::string("13.0"), {}},
      {"osx-64", "3.9", {}, std::string("10.15"), {}},
      {"win-64", "3.10", {}, {}, {}},
  };
  for (const auto& target : targets) {
    BOOST_TEST_CONTEXT(target.conda_subdir << " python " << target.python_version) {
      auto legacy = [](const std::string& platform) {
        return platform.starts_with("manylinux2014_") || platform.starts_with("manylinux2010_");
      };
      std::vector<std::string> ours;
      for (const auto& t : compatible_tags(target)) {
        if (!legacy(t.platform)) ours.push_back(t.str());
      }
      std::vector<std::string> platforms;
      for (const auto& p : platform_tags(target)) {
        if (!legacy(p)) platforms.push_back(p);
      }
      if (platforms.front().starts_with("macosx_")) platforms.resize(1);
      std::string nodot = target.python_version.substr(0, 1) + target.python_version.substr(2);
      auto theirs = pip_tags(platforms, target.python_version, "cp" + nodot);
      for (auto& t : theirs) {
        if (t.ends_with("_fat32")) t.pop_back();
      }
      BOOST_TEST(ours.size() == theirs.size());
      BOOST_TEST(ours == theirs);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
