// The export job over real corpus locks: package URLs as the purl spec writes them, the same
// component set from three formats of one environment, deterministic documents whose identity
// follows the lock's bytes, and the pinned environment.yml.

#include "lib/export/export.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/lockfile/lockfile.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::exporter {
namespace {

std::optional<std::string> no_env(const std::string&) {
  return std::nullopt;
}

std::string pangeo_dir() {
  return testing::corpus_dir() + "/lockfiles/conda-lock/pangeo-docker-images/HEAD/pangeo-notebook";
}

Result<std::string> export_file(const std::string& path, Format format,
                                const std::string& platform = "", const EnvGetter& env = no_env) {
  Options o;
  o.lock = path;
  o.format = format;
  o.platform = platform;
  return run(o, env);
}

std::set<std::string> purls_of_cyclonedx(const std::string& text) {
  std::set<std::string> out;
  auto bom = nlohmann::json::parse(text);
  for (const auto& c : bom["components"]) out.insert(c["purl"].get<std::string>());
  return out;
}

BOOST_AUTO_TEST_CASE(conda_and_pypi_purls_follow_the_spec) {
  lockfile::LockedPackage p;
  p.name = "absl-py";
  p.version = "0.4.1";
  p.build = "py36h06a4308_0";
  p.url = "https://repo.anaconda.com/pkgs/main/linux-64/absl-py-0.4.1-py36h06a4308_0.tar.bz2";
  // The purl spec's own example for the conda type.
  BOOST_TEST(purl(p) ==
             "pkg:conda/absl-py@0.4.1?build=py36h06a4308_0&channel=main&subdir=linux-64&"
             "type=tar.bz2");
  p.url = "https://user:secret@conda.anaconda.org/t/tk-123/conda-forge/noarch/x-1-0.conda";
  p.name = "x";
  p.version = "1.0+local";
  p.build = "0";
  BOOST_TEST(purl(p) ==
             "pkg:conda/x@1.0%2Blocal?build=0&channel=conda-forge&subdir=noarch&"
             "type=conda");
  p.url = "https://mirror.example/chan/linux-64/x-1-0.conda";
  BOOST_TEST(purl(p) ==
             "pkg:conda/x@1.0%2Blocal?build=0&channel=https%3A%2F%2Fmirror.example"
             "%2Fchan&subdir=linux-64&type=conda");
  lockfile::LockedPackage w;
  w.manager = lockfile::Manager::pip;
  w.name = "Typing_Extensions";
  w.version = "4.12.2";
  BOOST_TEST(purl(w) == "pkg:pypi/typing-extensions@4.12.2");
}

BOOST_AUTO_TEST_CASE(pangeo_cyclonedx_has_a_purl_and_sha256_for_every_package) {
  auto text = export_file(pangeo_dir() + "/conda-lock.yml", Format::cyclonedx);
  BOOST_REQUIRE(text.ok());
  auto bom = nlohmann::json::parse(*text);
  auto lock = lockfile::read_lock(pangeo_dir() + "/conda-lock.yml");
  BOOST_REQUIRE(lock.ok());
  std::set<std::string> expected;
  for (const auto& [platform, packages] : lock->environments.at("default").packages)
    for (const auto& p : packages) expected.insert(purl(p));
  BOOST_TEST(bom["components"].size() == expected.size());
  BOOST_TEST(purls_of_cyclonedx(*text) == expected);
  for (const auto& c : bom["components"]) {
    bool sha = false;
    for (const auto& h : c["hashes"]) sha = sha || h["alg"] == "SHA-256";
    BOOST_TEST(sha, c["purl"]);
  }
  BOOST_TEST(bom["serialNumber"].get<std::string>().rfind("urn:uuid:", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(conda_lock_and_its_explicit_render_give_the_same_components) {
  // pangeo's conda-linux-64.lock is conda-lock's @EXPLICIT render of the same solve.
  auto unified = export_file(pangeo_dir() + "/conda-lock.yml", Format::cyclonedx, "linux-64");
  auto exp = export_file(pangeo_dir() + "/conda-linux-64.lock", Format::cyclonedx);
  BOOST_REQUIRE(unified.ok());
  BOOST_REQUIRE(exp.ok());
  auto a = purls_of_cyclonedx(*unified);
  BOOST_TEST(a.size() > 700u);
  BOOST_TEST(a == purls_of_cyclonedx(*exp));
}

BOOST_AUTO_TEST_CASE(explicit_export_never_repeats_url_credentials) {
  testing::TempDir tmp;
  const std::string lock = tmp.path() + "/conda-lock.yml";
  const std::string text =
      "version: 1\n"
      "metadata:\n"
      "  content_hash: {linux-64: abc}\n"
      "  channels: [{url: conda-forge, used_env_vars: []}]\n"
      "  platforms: [linux-64]\n"
      "  sources: [environment.yml]\n"
      "package:\n"
      "- name: python\n"
      "  version: 3.11.8\n"
      "  manager: conda\n"
      "  platform: linux-64\n"
      "  dependencies: {}\n"
      "  url: https://conda.example.org/t/tk-0123456789abcdef/private/linux-64/"
      "python-3.11.8-h0_0.conda\n"
      "  hash: {md5: 0123456789abcdef0123456789abcdef, sha256: " +
      std::string(64, 'a') +
      "}\n"
      "  category: main\n"
      "  optional: false\n"
      "- name: six\n"
      "  version: 1.16.0\n"
      "  manager: pip\n"
      "  platform: linux-64\n"
      "  dependencies: {}\n"
      "  url: https://bob:hunter2@pypi.example.org/files/six-1.16.0-py3-none-any.whl\n"
      "  hash: {sha256: " +
      std::string(64, 'b') +
      "}\n"
      "  category: main\n"
      "  optional: false\n";
  BOOST_REQUIRE(write_file_atomic(lock, text).ok());
  auto out = export_file(lock, Format::explicit_file, "linux-64");
  BOOST_REQUIRE(out.ok());
  BOOST_TEST(out->find("hunter2") == std::string::npos);
  BOOST_TEST(out->find("tk-0123456789abcdef") == std::string::npos);
  BOOST_TEST(
      out->find("https://conda.example.org/private/linux-64/python-3.11.8-h0_0.conda#sha256:" +
                std::string(64, 'a')) != std::string::npos);
  BOOST_TEST(out->find("# pip six @ https://pypi.example.org/files/six-1.16.0-py3-none-any.whl"
                       "#sha256=" +
                       std::string(64, 'b')) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(conda_lock_pixi_lock_and_explicit_of_one_environment_agree) {
  const std::string dir = testing::corpus_dir() +
                          "/lockfiles/conda-lockfiles/environments/"
                          "single_package";
  auto a = export_file(dir + "/conda-lock.yml", Format::cyclonedx, "linux-64");
  auto b = export_file(dir + "/pixi.lock", Format::cyclonedx, "linux-64");
  BOOST_REQUIRE(a.ok());
  BOOST_REQUIRE(b.ok());
  auto explicit_text = export_file(dir + "/conda-lock.yml", Format::explicit_file, "linux-64");
  BOOST_REQUIRE(explicit_text.ok());
  BOOST_TEST(explicit_text->find("@EXPLICIT") != std::string::npos);
  testing::TempDir tmp;
  auto path = tmp.path() + "/conda-linux-64.lock";
  BOOST_REQUIRE(write_file_atomic(path, *explicit_text).ok());
  auto c = export_file(path, Format::cyclonedx);
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(!purls_of_cyclonedx(*a).empty());
  BOOST_TEST(purls_of_cyclonedx(*a) == purls_of_cyclonedx(*b));
  BOOST_TEST(purls_of_cyclonedx(*a) == purls_of_cyclonedx(*c));
}

BOOST_AUTO_TEST_CASE(documents_are_deterministic_and_follow_the_lock_bytes) {
  auto epoch = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SOURCE_DATE_EPOCH") return "1700000000";
    return std::nullopt;
  };
  for (Format f : {Format::cyclonedx, Format::spdx}) {
    auto one = export_file(pangeo_dir() + "/conda-lock.yml", f, "osx-arm64", epoch);
    auto two = export_file(pangeo_dir() + "/conda-lock.yml", f, "osx-arm64", epoch);
    BOOST_REQUIRE(one.ok());
    BOOST_REQUIRE(two.ok());
    BOOST_TEST(*one == *two);
    BOOST_TEST(one->find("2023-11-14T22:13:20Z") != std::string::npos);
  }
  // One byte more in the lock: another document identity.
  auto bytes = read_file(pangeo_dir() + "/conda-lock.yml");
  BOOST_REQUIRE(bytes.ok());
  auto lock = lockfile::parse_lock(*bytes, "x");
  BOOST_REQUIRE(lock.ok());
  Options o;
  o.lock = "conda-lock.yml";
  o.format = Format::spdx;
  auto a = render(*lock, *bytes, o, {}, no_env);
  auto b = render(*lock, *bytes + "\n", o, {}, no_env);
  BOOST_REQUIRE(a.ok());
  BOOST_REQUIRE(b.ok());
  auto ns = [](const std::string& t) {
    return nlohmann::json::parse(t)["documentNamespace"].get<std::string>();
  };
  BOOST_TEST(ns(*a) != ns(*b));
}

BOOST_AUTO_TEST_CASE(environment_yml_pins_name_version_build) {
  auto text = export_file(pangeo_dir() + "/conda-lock.yml", Format::environment_yml, "linux-64");
  BOOST_REQUIRE(text.ok());
  auto lock = lockfile::read_lock(pangeo_dir() + "/conda-lock.yml");
  BOOST_REQUIRE(lock.ok());
  BOOST_TEST(text->rfind("name: default\nchannels:\n  - conda-forge\ndependencies:\n", 0) == 0u);
  size_t pinned = 0;
  for (const auto& p : lock->environments.at("default").packages.at("linux-64")) {
    BOOST_TEST(text->find("\n  - " + p.name + "=" + p.version + "=" + p.build + "\n") !=
               std::string::npos);
    ++pinned;
  }
  BOOST_TEST(pinned > 700u);
}

BOOST_AUTO_TEST_CASE(licenses_come_from_the_lock_else_from_the_prefix_records) {
  lockfile::Lock lock;
  auto& env = lock.environments[lockfile::k_default_environment];
  lockfile::LockedPackage a;
  a.name = "liba";
  a.version = "1.0";
  a.build = "h0_0";
  a.url = "https://conda.anaconda.org/conda-forge/linux-64/liba-1.0-h0_0.conda";
  a.sha256 = std::string(64, 'a');
  lockfile::LockedPackage b = a;
  b.name = "libb";
  b.url = "https://conda.anaconda.org/conda-forge/linux-64/libb-1.0-h0_0.conda";
  b.license = "BSD 3-Clause";  // conda's free text: no SPDX expression
  env.packages["linux-64"] = {a, b};
  Options o;
  o.lock = "x.yml";
  o.format = Format::spdx;
  const std::map<std::string, std::string> from_prefix = {{"liba 1.0 h0_0", "MIT AND Zlib"},
                                                          {"libb 1.0 h0_0", "GPL-3.0-only"}};
  auto spdx = render(lock, "bytes", o, from_prefix, no_env);
  BOOST_REQUIRE(spdx.ok());
  auto doc = nlohmann::json::parse(*spdx);
  BOOST_REQUIRE(doc["packages"].size() == 2u);
  BOOST_TEST(doc["packages"][0]["licenseDeclared"] == "MIT AND Zlib");
  BOOST_TEST(doc["packages"][1]["licenseDeclared"] == "NOASSERTION");
  BOOST_TEST(doc["packages"][1]["licenseComments"] == "declared by the package: BSD 3-Clause");
  o.format = Format::cyclonedx;
  auto cdx = render(lock, "bytes", o, from_prefix, no_env);
  BOOST_REQUIRE(cdx.ok());
  auto bom = nlohmann::json::parse(*cdx);
  BOOST_TEST(bom["components"][0]["licenses"][0]["license"]["name"] == "MIT AND Zlib");
  BOOST_TEST(bom["components"][1]["licenses"][0]["license"]["name"] == "BSD 3-Clause");
  // Another version in the prefix: its license is not this package's.
  auto other = render(lock, "bytes", o, {{"liba 2.0 h0_0", "MIT"}}, no_env);
  BOOST_REQUIRE(other.ok());
  BOOST_TEST(!nlohmann::json::parse(*other)["components"][0].contains("licenses"));
}

BOOST_AUTO_TEST_CASE(hostile_names_stay_inside_their_json_string_or_are_refused) {
  lockfile::Lock lock;
  lockfile::LockedPackage p;
  p.name = "evil\xff\n  - injected=1=0";
  p.version = "1.0";
  p.build = "0";
  p.url = "https://conda.anaconda.org/conda-forge/linux-64/evil-1.0-0.conda";
  lock.environments[lockfile::k_default_environment].packages["linux-64"] = {p};
  Options o;
  o.lock = "x.yml";
  for (Format f : {Format::cyclonedx, Format::spdx}) {
    o.format = f;
    auto text = render(lock, "bytes", o, {}, no_env);
    BOOST_REQUIRE(text.ok());
    auto doc = nlohmann::json::parse(*text);  // valid JSON: bad UTF-8 replaced, newline escaped
    BOOST_TEST(text->find("\n  - injected") == std::string::npos);
  }
  o.format = Format::environment_yml;
  auto yml = render(lock, "bytes", o, {}, no_env);
  BOOST_REQUIRE(!yml.ok());
  BOOST_TEST(yml.error().kind == ErrorKind::input);
}

BOOST_AUTO_TEST_CASE(a_platform_the_lock_lacks_is_a_usage_error_naming_the_ones_it_has) {
  auto text = export_file(pangeo_dir() + "/conda-lock.yml", Format::explicit_file, "win-64");
  BOOST_REQUIRE(!text.ok());
  BOOST_TEST(text.error().kind == ErrorKind::usage);
  BOOST_TEST(text.error().message.find("osx-arm64") != std::string::npos);
}

}  // namespace
}  // namespace envlock::exporter
