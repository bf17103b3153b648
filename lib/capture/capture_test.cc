// Capture of real prefixes (corpus conda-meta) and named-environment lookup like conda's.

#include "lib/capture/capture.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "lib/lockfile/lockfile.h"
#include "lib/testing/testing.h"

namespace fs = std::filesystem;

namespace envlock::capture {
namespace {

std::string env_dir(const std::string& name) {
  return testing::corpus_dir() + "/conda-meta/conda-env_metadata/" + name;
}

BOOST_AUTO_TEST_CASE(platform_is_the_records_subdir_ignoring_noarch) {
  for (auto [name, platform] : std::vector<std::pair<std::string, std::string>>{
           {"envpy27osx", "osx-64"}, {"envpy37win", "win-64"}, {"envpy313tosx_whl", "osx-arm64"}}) {
    auto state = prefix::read_conda_meta(env_dir(name));
    BOOST_REQUIRE(state.ok());
    BOOST_TEST(prefix_platform(*state).value_or("") == platform, name);
  }
  prefix::PrefixState only_noarch;
  only_noarch.records.resize(1);
  only_noarch.records[0].subdir = "noarch";
  BOOST_TEST(!prefix_platform(only_noarch).has_value());
}

BOOST_AUTO_TEST_CASE(captured_lock_keeps_urls_hashes_and_depends) {
  auto state = prefix::read_conda_meta(env_dir("envpy27osx"));
  BOOST_REQUIRE(state.ok());
  auto lock = lock_of_prefix(*state);
  BOOST_REQUIRE(lock.ok());
  BOOST_TEST(lock->metadata.platforms == std::vector<std::string>{"osx-64"});
  std::string text = lockfile::write_conda_lock_v1(*lock);
  BOOST_TEST(text == lockfile::write_conda_lock_v1(*lock_of_prefix(*state)));  // deterministic
  auto reread = lockfile::parse_lock(text, "captured.yml");
  BOOST_REQUIRE_MESSAGE(reread.ok(), (reread.ok() ? "" : reread.error().to_string()));
  const auto& packages = reread->environments.at("default").packages.at("osx-64");
  BOOST_REQUIRE(packages.size() == state->records.size());
  for (size_t i = 0; i < packages.size(); ++i) {
    const auto& r = state->records[i];
    const auto& p = packages[i];
    BOOST_TEST(p.name == r.name);
    BOOST_TEST(p.version == r.version);
    BOOST_TEST(p.build == r.build);
    BOOST_TEST(p.url == r.url);
    BOOST_TEST(p.md5 == r.md5);
    BOOST_TEST(p.sha256 == r.sha256);
    BOOST_TEST(lockfile::same_dependencies(p.depends, r.depends), r.name);
  }
  // The record's channel says repo.anaconda.com, its url repo.continuum.io: the url wins.
  BOOST_TEST(reread->metadata.channels.at(0).url == "https://repo.continuum.io/pkgs/main");
}

BOOST_AUTO_TEST_CASE(credentials_in_conda_meta_never_reach_the_lock) {
  prefix::PrefixState state;
  auto record = [](std::string name, std::string url) {
    prefix::PrefixRecord r;
    r.name = std::move(name);
    r.version = "1.0";
    r.build = "0";
    r.subdir = "linux-64";
    r.url = std::move(url);
    r.md5 = std::string(32, 'a');
    return r;
  };
  state.records.push_back(
      record("a", "https://alice:pw-S3cret@private.example.com/chan/linux-64/a-1.0-0.conda"));
  state.records.push_back(
      record("b", "https://conda.example.com/t/tk-S3cret-42/chan2/linux-64/b-1.0-0.conda"));
  state.records.push_back(
      record("c", "https://${USER}:${PASS}@private.example.com/c3/linux-64/c-1.0-0.conda"));
  auto lock = lock_of_prefix(state, "linux-64");
  BOOST_REQUIRE(lock.ok());
  std::string text = lockfile::write_conda_lock_v1(*lock);
  std::string explicit_text =
      lockfile::write_explicit(*lock, lockfile::k_default_environment, "linux-64");
  for (const std::string& written : {text, explicit_text}) {
    BOOST_TEST(written.find("S3cret") == std::string::npos);
    BOOST_TEST(written.find("alice") == std::string::npos);
  }
  const auto& packages = lock->environments.at("default").packages.at("linux-64");
  BOOST_TEST(packages[0].url == "https://private.example.com/chan/linux-64/a-1.0-0.conda");
  BOOST_TEST(packages[1].url == "https://conda.example.com/chan2/linux-64/b-1.0-0.conda");
  BOOST_TEST(packages[2].url == "https://private.example.com/c3/linux-64/c-1.0-0.conda");
  const auto& channels = lock->metadata.channels;
  BOOST_REQUIRE(channels.size() == 3u);
  BOOST_TEST(channels[0].url == "https://***:***@private.example.com/chan");
  BOOST_TEST(channels[1].url == "https://conda.example.com/t/<TOKEN>/chan2");
  // conda-lock's ${VAR} form is kept as it is, with the variables it uses.
  BOOST_TEST(channels[2].url == "https://${USER}:${PASS}@private.example.com/c3");
  BOOST_TEST(channels[2].used_env_vars == (std::vector<std::string>{"USER", "PASS"}));
}

BOOST_AUTO_TEST_CASE(url_is_made_from_channel_subdir_and_fn_when_absent) {
  prefix::PrefixRecord r;
  r.name = "valid";
  r.version = "1.0";
  r.build = "0";
  r.channel = "conda-forge";
  r.subdir = "noarch";
  r.fn = "valid-1.0-0.tar.bz2";
  auto p = locked_package_of(r, "linux-64");
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->url == "https://conda.anaconda.org/conda-forge/noarch/valid-1.0-0.tar.bz2");
  r.channel = "https://repo.anaconda.com/pkgs/main/noarch/";
  BOOST_TEST(channel_of(r) == "https://repo.anaconda.com/pkgs/main");
  BOOST_TEST(locked_package_of(r, "linux-64")->url ==
             "https://repo.anaconda.com/pkgs/main/noarch/valid-1.0-0.tar.bz2");
  r.channel.clear();
  r.source_file = "/x/conda-meta/valid-1.0-0.json";
  auto bad = locked_package_of(r, "linux-64");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().kind == ErrorKind::input);
  BOOST_TEST(bad.error().where == "/x/conda-meta/valid-1.0-0.json");
}

BOOST_AUTO_TEST_CASE(named_environments_are_found_like_conda_finds_them) {
  testing::TempDir home;
  auto make_env = [](const std::string& dir) { fs::create_directories(dir + "/conda-meta"); };
  std::map<std::string, std::string> env = {{"HOME", home.path()}};
  // ~/.conda/envs is the last resort.
  make_env(home / ".conda/envs/paper");
  BOOST_TEST(*find_named_prefix("paper", env) == home / ".conda/envs/paper");
  // ~/miniconda3/envs comes before it.
  make_env(home / "miniconda3/envs/paper");
  BOOST_TEST(*find_named_prefix("paper", env) == home / "miniconda3/envs/paper");
  // $CONDA_PREFIX of an activated env names its envs folder.
  make_env(home / "opt/conda/envs/paper");
  make_env(home / "opt/conda/envs/other");
  env["CONDA_PREFIX"] = home / "opt/conda/envs/other";
  BOOST_TEST(*find_named_prefix("paper", env) == home / "opt/conda/envs/paper");
  env["CONDA_PREFIX"] = home / "opt/conda";  // base activated
  BOOST_TEST(*find_named_prefix("paper", env) == home / "opt/conda/envs/paper");
  // envs_dirs of ~/.condarc (with ~ and $VAR) come before the roots.
  make_env(home / "work/envs/paper");
  env["WORK"] = "work";
  testing::write_text(home / ".condarc", "channels: [conda-forge]\nenvs_dirs:\n  - ~/$WORK/envs\n");
  BOOST_TEST(*find_named_prefix("paper", env) == home / "work/envs/paper");
  // CONDA_ENVS_PATH comes first of all.
  make_env(home / "first/paper");
  env["CONDA_ENVS_PATH"] = home / "nothing" + ":" + home / "first";
  BOOST_TEST(*find_named_prefix("paper", env) == home / "first/paper");
  // "base" is the root prefix.
  make_env(home / "opt/conda");
  BOOST_TEST(*find_named_prefix("base", env) == home / "opt/conda");
  // Not found: the error lists where it looked.
  auto missing = find_named_prefix("absent", env);
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().kind == ErrorKind::usage);
  BOOST_TEST(missing.error().message.find(home / "first") != std::string::npos);
  BOOST_TEST(!find_named_prefix("a/b", env).ok());
  // A condarc that is not simple YAML is skipped, not fatal.
  testing::write_text(home / ".condarc", "envs_dirs: [unclosed\n");
  BOOST_TEST(*find_named_prefix("paper", env) == home / "first/paper");
}

BOOST_AUTO_TEST_CASE(capture_to_files_writes_the_lock_and_explicit_file) {
  testing::TempDir tmp;
  Request request;
  request.prefix = env_dir("envpy37win");
  request.lockfile = tmp / "conda-lock.yml";
  request.write_explicit = true;
  auto captured = capture_to_files(request);
  BOOST_REQUIRE_MESSAGE(captured.ok(), (captured.ok() ? "" : captured.error().to_string()));
  BOOST_TEST(captured->platform == "win-64");
  BOOST_TEST(captured->packages == 8u);
  BOOST_TEST(captured->written ==
             (std::vector<std::string>{tmp / "conda-lock.yml", tmp / "conda-win-64.lock"}));
  auto lock = lockfile::read_lock(tmp / "conda-lock.yml");
  BOOST_REQUIRE(lock.ok());
  BOOST_TEST(lock->package_count() == 8u);
  auto explicit_lock = lockfile::read_lock(tmp / "conda-win-64.lock");
  BOOST_REQUIRE(explicit_lock.ok());
  BOOST_TEST(explicit_lock->package_count() == 8u);

  request.prefix = testing::corpus_dir() + "/conda-meta/negative/json";
  request.lockfile = tmp / "bad.yml";
  auto bad = capture_to_files(request);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().to_string().find("corrupt-1.2.3-hashhash.json") != std::string::npos);
  BOOST_TEST(!fs::exists(tmp / "bad.yml"));
}

}  // namespace
}  // namespace envlock::capture
