#include "lib/channel/url.h"

#include <boost/test/unit_test.hpp>
#include <map>

#include "lib/testing/testing.h"

namespace envlock::channel {
namespace {

BOOST_AUTO_TEST_SUITE(url)

BOOST_AUTO_TEST_CASE(splits_userinfo_token_and_path) {
  auto u = split_url("https://alice:p%40ss@repo.example.com:8443/t/tk-42/private/chan/");
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->scheme == "https");
  BOOST_TEST(u->user == "alice");
  BOOST_TEST(u->password == "p%40ss");
  BOOST_TEST(u->host == "repo.example.com:8443");
  BOOST_TEST(u->token == "tk-42");
  BOOST_TEST(u->path == "/private/chan");
  BOOST_TEST(u->stripped() == "https://repo.example.com:8443/private/chan");
  BOOST_TEST(u->redacted() == "https://***:***@repo.example.com:8443/t/<TOKEN>/private/chan");
  BOOST_TEST(u->with_credentials() ==
             "https://alice:p%40ss@repo.example.com:8443/t/tk-42/private/chan");
  BOOST_TEST(percent_decode(u->password) == "p@ss");
}

BOOST_AUTO_TEST_CASE(redacts_every_credential_form) {
  BOOST_TEST(redact_url("https://u:secret@h/c") == "https://***:***@h/c");
  BOOST_TEST(redact_url("https://tokenonly@h/c") == "https://***@h/c");
  BOOST_TEST(redact_url("https://h/t/abc123/c/linux-64") == "https://h/t/<TOKEN>/c/linux-64");
  // conda-lock's ${VAR} form names a secret without holding it: kept as it is.
  BOOST_TEST(redact_url("https://h/t/${MY_TOKEN}/c") == "https://h/t/${MY_TOKEN}/c");
  BOOST_TEST(redact_url("https://${U}:$PW@h/c") == "https://${U}:$PW@h/c");
  BOOST_TEST(redact_url("https://${U}x:pw${P}@h/t/a${T}/c") == "https://***:***@h/t/<TOKEN>/c");
  BOOST_TEST(redact_url("conda-forge") == "conda-forge");
  BOOST_TEST(without_credentials("https://u:p@h/t/tok/c/x.conda") == "https://h/c/x.conda");
  BOOST_TEST(without_credentials("HTTPS://h/c/") == "HTTPS://h/c/");  // untouched
  // Inside free text, only the URLs with credentials change.
  BOOST_TEST(redact_url("bad channel 'ht tp://u:pw@h/c' and https://h/x/") ==
             "bad channel 'ht tp://***:***@h/c' and https://h/x/");
  BOOST_TEST(redact_url("see https://h/t/tok-1/c, then https://a:b@h2/c2") ==
             "see https://h/t/<TOKEN>/c, then https://***:***@h2/c2");
  BOOST_TEST(strip_credentials("https://u:p@h/t/x/c") == "https://h/c");
  // "/t/" inside a local path is a folder, not a token.
  BOOST_TEST(redact_url("file:///srv/t/chan") == "file:///srv/t/chan");
}

BOOST_AUTO_TEST_CASE(expands_env_templates_without_leaking_values) {
  std::map<std::string, std::string> vars{{"USER_X", "bob"}, {"PASS_X", "hunter2"}};
  EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto ok = expand_env("https://${USER_X}:$PASS_X@h/c", env, "ctx");
  BOOST_REQUIRE(ok.ok());
  BOOST_TEST(*ok == "https://bob:hunter2@h/c");
  BOOST_TEST((env_references("https://${USER_X}:$PASS_X@h/t/${TOK}/c") ==
              std::vector<std::string>{"USER_X", "PASS_X", "TOK"}));
  auto missing = expand_env("https://h/t/${NOPE_TOKEN}/c", env, "https://h/t/<TOKEN>/c");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().kind == ErrorKind::usage);
  BOOST_TEST(missing.error().to_string().find("NOPE_TOKEN") != std::string::npos);
  BOOST_TEST(missing.error().where == "https://h/t/<TOKEN>/c");
}

BOOST_AUTO_TEST_CASE(file_urls_round_trip) {
  BOOST_TEST(path_to_file_url("/srv/my chan") == "file:///srv/my%20chan");
  BOOST_TEST(*file_url_to_path("file:///srv/my%20chan") == "/srv/my chan");
  BOOST_TEST(*file_url_to_path("file://localhost/srv/c") == "/srv/c");
  BOOST_TEST(!file_url_to_path("https://h/c").has_value());
  BOOST_TEST(!split_url("conda-forge").ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::channel
