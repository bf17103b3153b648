#include "lib/channel/channel.h"

#include <stdlib.h>

#include <boost/test/unit_test.hpp>

#include "lib/testing/testing.h"

namespace envlock::channel {
namespace {

struct Row {
  std::string spec, canonical, base;
};

Channel one(const std::string& spec, const ChannelConfig& config = {}) {
  auto c = Channel::parse_one(spec, config);
  BOOST_REQUIRE_MESSAGE(c.ok(), spec << ": " << (c.ok() ? "" : c.error().to_string()));
  return std::move(c).value();
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : m_name(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(m_name); }

 private:
  const char* m_name;
};

BOOST_AUTO_TEST_SUITE(channel)

BOOST_AUTO_TEST_CASE(names_and_urls_resolve_like_conda) {
  ChannelConfig config;
  config.base_dir = "/work/project";
  const std::vector<Row> table = {
      {"conda-forge", "conda-forge", "https://conda.anaconda.org/conda-forge"},
      {"bioconda", "bioconda", "https://conda.anaconda.org/bioconda"},
      {"conda-forge/label/dev",
       "conda-forge/label/dev",
       "https://conda.anaconda.org/conda-forge/label/dev"},
      {"pkgs/main", "pkgs/main", "https://repo.anaconda.com/pkgs/main"},
      {"pkgs/r", "pkgs/r", "https://repo.anaconda.com/pkgs/r"},
      {"https://conda.anaconda.org/conda-forge/",
       "conda-forge",
       "https://conda.anaconda.org/conda-forge"},
      {"https://conda.anaconda.org/conda-forge/linux-64",
       "conda-forge",
       "https://conda.anaconda.org/conda-forge"},
      {"https://repo.anaconda.com/pkgs/main", "pkgs/main", "https://repo.anaconda.com/pkgs/main"},
      {"https://repo.prefix.dev/my-channel",
       "https://repo.prefix.dev/my-channel",
       "https://repo.prefix.dev/my-channel"},
      {"http://127.0.0.1:8080/chan", "http://127.0.0.1:8080/chan", "http://127.0.0.1:8080/chan"},
      {"https://conda.anaconda.org/t/tk-1234/conda-forge",
       "conda-forge",
       "https://conda.anaconda.org/conda-forge"},
      {"https://user:pw@private.example.com/conda/main",
       "https://private.example.com/conda/main",
       "https://private.example.com/conda/main"},
      {"file:///srv/channels/local", "file:///srv/channels/local", "file:///srv/channels/local"},
      {"/srv/channels/local/", "file:///srv/channels/local", "file:///srv/channels/local"},
      {"./channels/local",
       "file:///work/project/channels/local",
       "file:///work/project/channels/local"},
      {"../shared/chan", "file:///work/shared/chan", "file:///work/shared/chan"},
  };
  for (const auto& row : table) {
    Channel c = one(row.spec, config);
    BOOST_TEST(c.canonical_name() == row.canonical, row.spec);
    BOOST_TEST(c.base_url() == row.base, row.spec);
  }
  Channel forge = one("conda-forge");
  BOOST_TEST(forge.subdir_url("linux-64") == "https://conda.anaconda.org/conda-forge/linux-64");
  BOOST_TEST(forge.lock_url() == "conda-forge");
  BOOST_TEST(!forge.is_local());
  Channel local = one("./channels/local", config);
  BOOST_TEST(local.is_local());
  BOOST_TEST(local.local_path() == "/work/project/channels/local");
}

BOOST_AUTO_TEST_CASE(defaults_is_a_multichannel) {
  auto d = Channel::parse("defaults", {});
  BOOST_REQUIRE(d.ok());
  BOOST_REQUIRE(d->size() == 3u);
  BOOST_TEST((*d)[0].base_url() == "https://repo.anaconda.com/pkgs/main");
  BOOST_TEST((*d)[1].base_url() == "https://repo.anaconda.com/pkgs/r");
  BOOST_TEST((*d)[2].base_url() == "https://repo.anaconda.com/pkgs/msys2");
  BOOST_TEST((*d)[0].serves("linux-64"));
  BOOST_TEST((*d)[1].serves("osx-arm64"));
  BOOST_TEST(!(*d)[2].serves("linux-64"));
  BOOST_TEST(!(*d)[2].serves("osx-64"));
  BOOST_TEST((*d)[2].serves("win-64"));
  BOOST_TEST(!Channel::parse_one("defaults", {}).ok());
}

BOOST_AUTO_TEST_CASE(channel_alias_is_configurable) {
  ChannelConfig config;
  config.channel_alias = "https://artifactory.corp/api/conda/";
  Channel c = one("conda-forge", config);
  BOOST_TEST(c.canonical_name() == "conda-forge");
  BOOST_TEST(c.base_url() == "https://artifactory.corp/api/conda/conda-forge");
  // A URL under the alias gets its short name back; defaults are not affected by the alias.
  BOOST_TEST(one("https://artifactory.corp/api/conda/bioconda", config).canonical_name() ==
             "bioconda");
  BOOST_TEST(one("pkgs/main", config).base_url() == "https://repo.anaconda.com/pkgs/main");
  // The default alias is now just another URL.
  BOOST_TEST(one("https://conda.anaconda.org/conda-forge", config).canonical_name() ==
             "https://conda.anaconda.org/conda-forge");
}

BOOST_AUTO_TEST_CASE(credentials_never_reach_names_or_messages) {
  ScopedEnv token("ENVLOCK_TEST_REPO_TOKEN", "tk-secret-77");
  Channel literal = one("https://conda.anaconda.org/t/tk-secret-77/my-private");
  BOOST_TEST(literal.canonical_name() == "my-private");
  BOOST_TEST(literal.redacted_url() == "https://conda.anaconda.org/t/<TOKEN>/my-private");
  // A literal token held by an environment variable is stored as that variable (conda-lock).
  BOOST_TEST(literal.lock_url() ==
             "https://conda.anaconda.org/t/${ENVLOCK_TEST_REPO_TOKEN}/my-private");
  BOOST_TEST((literal.used_env_vars() == std::vector<std::string>{"ENVLOCK_TEST_REPO_TOKEN"}));
  BOOST_TEST(literal.credential_url() == "https://conda.anaconda.org/t/tk-secret-77/my-private");

  Channel templ = one("https://${CI_USER}:${CI_PASSWORD}@private.example.com/chan");
  BOOST_TEST(templ.lock_url() == "https://${CI_USER}:${CI_PASSWORD}@private.example.com/chan");
  BOOST_TEST((templ.used_env_vars() == std::vector<std::string>{"CI_PASSWORD", "CI_USER"}));
  BOOST_TEST(templ.canonical_name() == "https://private.example.com/chan");
  BOOST_TEST(templ.has_credentials());

  // A literal nobody can template is redacted rather than stored.
  Channel unknown = one("https://bob:zz-unmatched-zz@private.example.com/chan");
  BOOST_TEST(unknown.lock_url().find("zz-unmatched-zz") == std::string::npos);
  BOOST_TEST(unknown.redacted_url() == "https://***:***@private.example.com/chan");

  auto bad = Channel::parse("ftp://bob:pw-do-not-show@h/c", {});
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().kind == ErrorKind::usage);
  BOOST_TEST(bad.error().to_string().find("pw-do-not-show") == std::string::npos);
  BOOST_TEST(!Channel::parse("", {}).ok());
}

BOOST_AUTO_TEST_CASE(mirrors_rewrite_only_the_fetch_url) {
  ChannelConfig config;
  config.base_dir = "/data";
  auto by_name = parse_mirror("conda-forge=https://mirror.example/cf", config);
  BOOST_REQUIRE(by_name.ok());
  BOOST_TEST(by_name->original == "https://conda.anaconda.org/conda-forge");
  auto by_host = parse_mirror("https://conda.anaconda.org/=http://cache.lan/anaconda/", config);
  BOOST_REQUIRE(by_host.ok());
  auto to_folder = parse_mirror("pkgs/main=./mirror/main", config);
  BOOST_REQUIRE(to_folder.ok());
  BOOST_TEST(to_folder->mirror == "file:///data/mirror/main");
  BOOST_TEST(!parse_mirror("conda-forge", config).ok());
  BOOST_TEST(!parse_mirror("defaults=https://m", config).ok());

  std::vector<Mirror> mirrors = {*by_host, *by_name, *to_folder};
  auto cf = apply_mirrors("https://conda.anaconda.org/conda-forge/linux-64", mirrors);
  BOOST_TEST(cf.mirrored);
  BOOST_TEST(cf.url == "https://mirror.example/cf/linux-64");  // the longer prefix wins
  auto bio = apply_mirrors("https://conda.anaconda.org/bioconda/noarch", mirrors);
  BOOST_TEST(bio.url == "http://cache.lan/anaconda/bioconda/noarch");
  // Credentials of the original are not forwarded to the mirror.
  auto tok = apply_mirrors("https://conda.anaconda.org/t/tk-9/conda-forge/noarch", mirrors);
  BOOST_TEST(tok.url == "https://mirror.example/cf/noarch");
  // Prefixes match whole path segments only.
  auto other = apply_mirrors("https://conda.anaconda.org/conda-forge-extra/noarch", {*by_name});
  BOOST_TEST(!other.mirrored);
  BOOST_TEST(other.url == "https://conda.anaconda.org/conda-forge-extra/noarch");
}

BOOST_AUTO_TEST_CASE(config_file_sets_alias_and_mirrors) {
  testing::TempDir dir;
  auto none = load_channel_config(dir.path());
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(none->channel_alias == "https://conda.anaconda.org");
  BOOST_TEST(none->mirrors.empty());

  testing::write_text(dir / ".envlockrc",
                      "channel_alias: https://alias.example/conda\n"
                      "mirrors:\n"
                      "  conda-forge: https://mirror.example/conda-forge\n"
                      "  https://repo.anaconda.com/pkgs/main: ./local-main\n");
  auto config = load_channel_config(dir.path());
  BOOST_REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().to_string()));
  BOOST_TEST(config->channel_alias == "https://alias.example/conda");
  BOOST_REQUIRE(config->mirrors.size() == 2u);
  // Mirror keys resolve with the file's own alias.
  BOOST_TEST(config->mirrors[0].original == "https://alias.example/conda/conda-forge");
  BOOST_TEST(config->mirrors[1].mirror == "file://" + dir.path() + "/local-main");

  testing::write_text(dir / "bad.yml", "mirrors:\n  - not-a-map\n");
  ScopedEnv env("ENVLOCK_CONFIG", (dir / "bad.yml").c_str());
  auto bad = load_channel_config(dir.path());
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().kind == ErrorKind::input);
  BOOST_TEST(bad.error().where == dir / "bad.yml:2:3");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::channel
