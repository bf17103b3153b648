#include "lib/lock/pip.h"

#include <boost/test/unit_test.hpp>

#include "lib/spec/environment.h"

namespace envlock::lock {
namespace {

spec::EnvironmentSpec env_with(const std::vector<std::string>& lines) {
  spec::EnvironmentSpec env;
  env.pip = lines;
  for (size_t i = 0; i < lines.size(); ++i)
    env.pip_sources.push_back("environment.yml:" + std::to_string(i + 8) + ":7");
  env.pip_source = "environment.yml:7:5";
  return env;
}

std::string error_of(const std::vector<std::string>& lines) {
  auto r = parse_pip_section(env_with(lines));
  return r.ok() ? "" : r.error().to_string();
}

lockfile::LockedPackage conda(const std::string& name, const std::string& version,
                              std::vector<std::string> depends = {}) {
  lockfile::LockedPackage p;
  p.name = name;
  p.version = version;
  p.build = "0";
  p.depends = std::move(depends);
  return p;
}

lockfile::LockedPackage pip(const std::string& name, const std::string& version,
                            std::vector<std::string> depends = {}) {
  lockfile::LockedPackage p;
  p.manager = lockfile::Manager::pip;
  p.name = name;
  p.version = version;
  p.url = "https://files.example.org/" + name + "-" + version + "-py3-none-any.whl";
  p.sha256 = std::string(64, 'b');
  p.depends = std::move(depends);
  return p;
}

std::vector<std::string> codes(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.code + ": " + f.message);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(pip_lines_requirements_and_index_options) {
  auto r = parse_pip_section(env_with({"--index-url https://u:p@example.org/simple/",
                                       "--extra-index-url=https://mirror.example.org/simple/",
                                       "--pre",
                                       "requests[socks]>=2; python_version >= '3.8'",
                                       "  Demo_Markers  "}));
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
  BOOST_TEST(r->index_url == "https://u:p@example.org/simple/");
  BOOST_TEST(r->extra_index_urls == std::vector<std::string>{"https://mirror.example.org/simple/"});
  BOOST_TEST((r->prereleases == pypi::Prereleases::allow));
  BOOST_REQUIRE_EQUAL(r->requirements.size(), 2u);
  BOOST_TEST(r->requirements[0].requirement.name == "requests");
  BOOST_TEST(r->requirements[0].source == "environment.yml:11:7");
  BOOST_TEST(r->requirements[1].requirement.name == "Demo_Markers");
  BOOST_TEST(r->source == "environment.yml:7:5");
  auto plain = parse_pip_section(env_with({"requests"}));
  BOOST_TEST(plain->index_url == "https://pypi.org/simple/");
}

BOOST_AUTO_TEST_CASE(pip_lines_a_lock_cannot_honour_are_errors_at_their_line) {
  BOOST_TEST(error_of({"requests", "-e ."}) ==
             "environment.yml:9:7: pip line '-e .': editable installs cannot be locked (they have "
             "no artifact and no hash); build a wheel and publish it to an index, then require "
             "it by name");
  BOOST_TEST(error_of({"-r requirements.txt"})
                 .find("environment.yml:8:7: pip line "
                       "'-r requirements.txt': requirement and "
                       "constraint files are not read") == 0u);
  BOOST_TEST(error_of({"-c constraints.txt"}).find("constraint files are not read") !=
             std::string::npos);
  BOOST_TEST(error_of({"git+https://github.com/psf/requests"}).find("VCS requirements") !=
             std::string::npos);
  BOOST_TEST(error_of({"r @ git+https://github.com/psf/requests"}).find("VCS requirements") !=
             std::string::npos);
  BOOST_TEST(error_of({"r @ https://example.org/r-1.0-py3-none-any.whl"})
                 .find("direct URL requirements") != std::string::npos);
  BOOST_TEST(error_of({"https://example.org/r-1.0.tar.gz"}).find("URL requirements") !=
             std::string::npos);
  BOOST_TEST(error_of({"../r"}).find("local paths") != std::string::npos);
  BOOST_TEST(error_of({"r-1.0-py3-none-any.whl"}).find("local paths") != std::string::npos);
  BOOST_TEST(error_of({"--index-url"}).find("names no URL") != std::string::npos);
  BOOST_TEST(error_of({"--no-deps"}).find("pip option not supported") != std::string::npos);
  BOOST_TEST(error_of({"requests >>= 2"}).find("not a PEP 508 requirement") != std::string::npos);
  // A credential in a refused line is not repeated.
  std::string e = error_of({"git+https://bob:hunter2@example.org/r.git"});
  BOOST_TEST(e.find("hunter2") == std::string::npos, e);
}

// One test per kind of entry of lib/lock/data/conda_pypi_map.json, and the rules without one.
BOOST_AUTO_TEST_CASE(conda_to_pypi_names_per_kind_of_entry) {
  // A renaming entry.
  BOOST_TEST(pypi_names_of(conda("pytorch", "2.0.1", {"python >=3.10"})) ==
             std::vector<std::string>{"torch"});
  BOOST_TEST(pypi_names_of(conda("py-opencv", "4.8.0", {"python"})) ==
             std::vector<std::string>{"opencv-python"});
  // An entry applies whatever the package depends on.
  BOOST_TEST(pypi_names_of(conda("opencv", "4.8.0", {"libopencv 4.8.0"})) ==
             std::vector<std::string>{"opencv-python"});
  // An empty entry: python-dependent, yet no distribution.
  BOOST_TEST(pypi_names_of(conda("python_abi", "3.11", {"python 3.11.*"})).empty());
  BOOST_TEST(pypi_names_of(conda("python", "3.11.8", {"zlib"})).empty());
  // No entry: identity (normalised) for a package that depends on python.
  BOOST_TEST(pypi_names_of(conda("requests", "2.31.0", {"python >=3.7", "idna"})) ==
             std::vector<std::string>{"requests"});
  BOOST_TEST(pypi_names_of(conda("ruamel.yaml", "0.17", {"python"})) ==
             std::vector<std::string>{"ruamel-yaml"});
  BOOST_TEST(pypi_names_of(conda("typing_extensions", "4.8", {"python >=3.8"})) ==
             std::vector<std::string>{"typing-extensions"});
  // No entry and no python dependency: not a Python distribution.
  BOOST_TEST(pypi_names_of(conda("zlib", "1.3", {"libgcc-ng >=12"})).empty());
  BOOST_TEST(pypi_names_of(conda("python-dateutil-doc", "1", {"pythonx"})).empty());
}

BOOST_AUTO_TEST_CASE(provided_distributions_of_a_solution) {
  auto provided = provided_distributions({conda("pytorch", "2.0.1", {"python"}),
                                          conda("six", "1.16.0", {"python"}),
                                          conda("zlib", "1.3"),
                                          pip("attrs", "22.2.0")});
  BOOST_REQUIRE_EQUAL(provided.size(), 2u);
  BOOST_TEST(provided[0].name == "six");
  BOOST_TEST(provided[1].name == "torch");
  BOOST_TEST(provided[1].version == "2.0.1");
  BOOST_TEST(provided[1].conda_name == "pytorch");
}

BOOST_AUTO_TEST_CASE(request_for_a_platform) {
  auto section = parse_pip_section(env_with({"requests"}));
  std::vector<lockfile::VirtualPackage> vps = {{"__glibc", "2.28", ""}, {"__unix", "0", ""}};
  auto r = pip_request_for(*section, "linux-64", {conda("python", "3.11.8")}, vps);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->python_full_version == "3.11.8");
  BOOST_TEST(r->target.python_version == "3.11");
  BOOST_TEST(*r->target.glibc == "2.28");
  BOOST_TEST(!r->target.osx);
  auto none = pip_request_for(*section, "linux-64", {conda("zlib", "1.3")}, vps);
  BOOST_REQUIRE(!none.ok());
  BOOST_TEST(none.error().to_string().find("environment.yml:7:5: the pip: section needs python") ==
             0u);
}

BOOST_AUTO_TEST_CASE(check_pip_findings) {
  auto section = parse_pip_section(env_with({"jsonschema>=4",
                                             "six",
                                             "demo; sys_platform == "
                                             "'win32'"}));
  std::vector<lockfile::LockedPackage> lock = {
      conda("python", "3.11.8"),
      conda("six", "1.16.0", {"python"}),
      pip("jsonschema", "4.10.3", {"attrs >=17.4.0", "pyrsistent *"}),
      pip("attrs", "22.2.0"),
      pip("pyrsistent", "0.18.1")};
  BOOST_TEST(check_pip(*section, "linux-64", lock, {}).empty());
  // The win32-only requirement applies on win-64 and has no entry there.
  BOOST_TEST(codes(check_pip(*section, "win-64", lock, {})) ==
             std::vector<std::string>{"pip-requirement-unsatisfied: environment.yml:10:7: "
                                      "'demo; sys_platform == \"win32\"' has no pip entry in the "
                                      "lock"});
  auto broken = lock;
  broken[2].sha256.clear();
  broken[3].version = "16.0.0";
  broken.push_back(pip("leftover", "1.0"));
  std::vector<std::string> want = {
      "pip-entry-unhashed: jsonschema 4.10.3 has no url or sha256",
      "pip-dependency-missing: jsonschema 4.10.3 requires attrs >=17.4.0, and the lock has 16.0.0",
      "pip-entry-extra: leftover 1.0 is locked but no pip requirement needs it"};
  BOOST_TEST(codes(check_pip(*section, "linux-64", broken, {})) == want,
             boost::test_tools::per_element());
  auto newer = parse_pip_section(env_with({"jsonschema>=5", "six>=2"}));
  auto found = codes(check_pip(*newer, "linux-64", lock, {}));
  BOOST_REQUIRE_EQUAL(found.size(), 2u);
  BOOST_TEST(found[0] ==
             "pip-requirement-unsatisfied: environment.yml:8:7: 'jsonschema>=5' is "
             "not satisfied by the locked jsonschema 4.10.3");
  BOOST_TEST(found[1] ==
             "pip-requirement-unsatisfied: environment.yml:9:7: 'six>=2' is not "
             "satisfied by the locked six 1.16.0");
  // No pip section and no pip entry: nothing to say.
  BOOST_TEST(check_pip(PipSection{}, "linux-64", {conda("zlib", "1.3")}, {}).empty());
}

BOOST_AUTO_TEST_CASE(lock_entry_of_a_resolved_distribution) {
  pypi::ResolvedDistribution d;
  d.name = "requests";
  d.version = "2.28.1";
  d.file.url = "https://user:secret@files.example.org/requests-2.28.1-py3-none-any.whl";
  d.file.sha256 = std::string(64, 'c');
  d.dependencies = {"idna >=2.5,<4"};
  auto p = locked_of(d, "linux-64");
  BOOST_TEST((p.manager == lockfile::Manager::pip));
  BOOST_TEST(p.url == "https://files.example.org/requests-2.28.1-py3-none-any.whl");
  BOOST_TEST(p.sha256 == d.file.sha256);
  BOOST_TEST(p.depends == d.dependencies);
  BOOST_TEST(p.platform == "linux-64");
  BOOST_TEST(p.category == "main");
  BOOST_TEST(!p.optional);
}

}  // namespace envlock::lock
