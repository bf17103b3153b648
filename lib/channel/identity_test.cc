#include "lib/channel/identity.h"

#include <boost/test/unit_test.hpp>

namespace envlock::channel {
namespace {

BOOST_AUTO_TEST_SUITE(identity)

BOOST_AUTO_TEST_CASE(one_channel_under_several_names_has_one_key) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"conda-forge", "conda.anaconda.org/conda-forge"},
      {"https://conda.anaconda.org/conda-forge", "conda.anaconda.org/conda-forge"},
      {"https://conda.anaconda.org/conda-forge/", "conda.anaconda.org/conda-forge"},
      {"http://conda.anaconda.org/conda-forge", "conda.anaconda.org/conda-forge"},
      {"https://Conda.Anaconda.org/conda-forge", "conda.anaconda.org/conda-forge"},
      {"https://conda.anaconda.org/conda-forge/linux-64", "conda.anaconda.org/conda-forge"},
      {"conda-forge/noarch", "conda.anaconda.org/conda-forge"},
      {"conda-forge/label/main", "conda.anaconda.org/conda-forge"},
      {"https://conda.anaconda.org/conda-forge/label/main/", "conda.anaconda.org/conda-forge"},
      {"https://conda.binstar.org/conda-forge", "conda.anaconda.org/conda-forge"},
      {"https://u:pw@conda.anaconda.org/t/tk-1/conda-forge", "conda.anaconda.org/conda-forge"},
      {"pkgs/main", "repo.anaconda.com/pkgs/main"},
      {"https://repo.anaconda.com/pkgs/main", "repo.anaconda.com/pkgs/main"},
      {"https://repo.continuum.io/pkgs/main", "repo.anaconda.com/pkgs/main"},
      {"https://repo.continuum.io/pkgs/main/osx-64/", "repo.anaconda.com/pkgs/main"},
      {"defaults", "defaults"},
      {"conda-forge/label/dev", "conda.anaconda.org/conda-forge/label/dev"},
      {"https://repo.prefix.dev/conda-forge", "repo.prefix.dev/conda-forge"},
      {"file:///srv/chan/", "file:///srv/chan"},
      {"ftp://nope", "ftp://nope"},  // not a channel: its own key
  };
  for (const auto& [spelling, key] : table) {
    BOOST_TEST(channel_identity(spelling) == key, spelling);
  }
}

BOOST_AUTO_TEST_CASE(same_channel_follows_conda_and_keeps_real_moves_apart) {
  BOOST_TEST(same_channel("conda-forge", "https://conda.anaconda.org/conda-forge"));
  BOOST_TEST(
      same_channel("https://repo.continuum.io/pkgs/main", "https://repo.anaconda.com/pkgs/main/"));
  BOOST_TEST(same_channel("defaults", "https://repo.anaconda.com/pkgs/main"));
  BOOST_TEST(same_channel("https://repo.continuum.io/pkgs/r", "defaults"));
  BOOST_TEST(same_channel("defaults", "pkgs/msys2"));
  BOOST_TEST(same_channel("", "conda-forge"));  // unknown matches
  // Real moves stay moves.
  BOOST_TEST(!same_channel("conda-forge", "bioconda"));
  BOOST_TEST(!same_channel("conda-forge", "conda-forge/label/dev"));
  BOOST_TEST(!same_channel("pkgs/main", "pkgs/r"));
  BOOST_TEST(!same_channel("defaults", "conda-forge"));
  BOOST_TEST(!same_channel("defaults", "https://mirror.example/pkgs/main"));
  BOOST_TEST(!same_channel("https://conda.anaconda.org/conda-forge",
                           "https://repo.prefix.dev/conda-forge"));
}

BOOST_AUTO_TEST_CASE(a_custom_alias_gives_names_its_host) {
  ChannelConfig config;
  config.channel_alias = "https://artifactory.corp/api/conda";
  BOOST_TEST(same_channel("conda-forge", "https://artifactory.corp/api/conda/conda-forge", config));
  BOOST_TEST(!same_channel("conda-forge", "https://conda.anaconda.org/conda-forge", config));
  BOOST_TEST(channel_identity("https://artifactory.corp/api/conda/x/label/main", config) ==
             "artifactory.corp/api/conda/x");
}

BOOST_AUTO_TEST_CASE(package_urls_split_and_compare_through_channel_aliases) {
  auto p =
      split_package_url("https://u:p@repo.continuum.io/pkgs/main/osx-64/tk-8.6.7-0.tar.bz2#md5");
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->channel == "https://u:p@repo.continuum.io/pkgs/main");
  BOOST_TEST(p->subdir == "osx-64");
  BOOST_TEST(p->filename == "tk-8.6.7-0.tar.bz2");
  BOOST_TEST(!split_package_url("https://conda.anaconda.org/cf/x/tk-1-0.conda").has_value());
  BOOST_TEST(!split_package_url("https://conda.anaconda.org/cf/linux-64/").has_value());
  BOOST_TEST(!split_package_url("tk-1-0.conda").has_value());

  const std::string anaconda =
      "https://repo.anaconda.com/pkgs/main/osx-64/tk-8.6.7-h35a86e2_3.tar.bz2";
  BOOST_TEST(same_package_url(
      "https://repo.continuum.io/pkgs/main/osx-64/tk-8.6.7-h35a86e2_3.tar.bz2", anaconda));
  BOOST_TEST(same_package_url(anaconda + "?x=1", anaconda));
  BOOST_TEST(
      same_package_url("https://conda.anaconda.org/conda-forge/label/main/noarch/a-1-0.conda",
                       "http://conda.anaconda.org/conda-forge/noarch/a-1-0.conda"));
  BOOST_TEST(same_package_url("https://conda.anaconda.org/cf/linux-64/a-1%2Bg-0.conda",
                              "https://conda.anaconda.org/cf/linux-64/a-1+g-0.conda"));
  BOOST_TEST(same_package_url("https://user:pw@h.example/c/linux-64/a-1-0.conda",
                              "https://h.example/t/tk-9/c/linux-64/a-1-0.conda"));
  // Another file, subdir or channel is another artifact.
  BOOST_TEST(!same_package_url(
      anaconda, "https://repo.anaconda.com/pkgs/main/osx-64/tk-8.6.7-h35a86e2_3.conda"));
  BOOST_TEST(!same_package_url(
      anaconda, "https://repo.anaconda.com/pkgs/r/osx-64/tk-8.6.7-h35a86e2_3.tar.bz2"));
  BOOST_TEST(!same_package_url("https://conda.anaconda.org/cf/linux-64/a-1-0.conda",
                               "https://conda.anaconda.org/cf/noarch/a-1-0.conda"));
  BOOST_TEST(!same_package_url("", ""));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::channel
