#include "lib/channel/repodata.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>

#include "lib/hash/hash.h"
#include "lib/testing/http/http_server.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::channel {
namespace {

namespace fs = std::filesystem;
using testing::HttpServer;
using testing::TempDir;

std::string corpus_file(const std::string& name) {
  auto bytes = read_file(testing::corpus_dir() + "/repodata/" + name);
  BOOST_REQUIRE(bytes.ok());
  return std::move(bytes).value();
}

// A served folder "<root>/chan/{linux-64,noarch}/repodata.json" holding real repodata (pkgs/r
// linux-64 and pkgs/main noarch, copied into the test's temporary folder), and fast retry
// settings so failing tests stay quick.
struct ChannelFixture {
  TempDir dir;
  std::string root = dir / "served";
  std::string linux64 = corpus_file("conda__r_linux-64.repodata.json");
  std::string noarch = corpus_file("conda__main_noarch.repodata.json");
  HttpServer server{root};
  FetchOptions options;

  ChannelFixture() {
    testing::write_text(root + "/chan/linux-64/repodata.json", linux64);
    testing::write_text(root + "/chan/noarch/repodata.json", noarch);
    options.cache_dir = dir / "cache";
    options.http.attempts = 3;
    options.http.backoff = std::chrono::milliseconds(1);
    options.http.connect_timeout = std::chrono::milliseconds(2000);
    options.http.read_timeout = std::chrono::milliseconds(2000);
  }

  Channel channel(const std::string& suffix = "/chan") const {
    auto c = Channel::parse_one(server.url() + suffix, {});
    BOOST_REQUIRE(c.ok());
    return std::move(c).value();
  }

  Result<FetchedRepodata> fetch(const std::string& platform = "linux-64") const {
    return fetch_repodata(channel(), platform, options);
  }

  std::string cached_json(const std::string& platform = "linux-64") const {
    RepodataCache cache(options.cache_dir);
    std::string url = channel().subdir_url(platform) + "/repodata.json";
    auto info = cache.load_info(url);
    if (!info) return "";
    auto json = cache.load_json(url, *info);
    return json ? std::string(json->view()) : "";
  }
};

std::string all_files_under(const std::string& dir) {
  std::string out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out += e.path().string() + "\n";
    if (e.is_regular_file()) out += read_file(e.path().string()).value() + "\n";
  }
  return out;
}

BOOST_AUTO_TEST_SUITE(repodata)

BOOST_FIXTURE_TEST_CASE(fresh_fetch_then_304_gives_the_same_bytes, ChannelFixture) {
  auto first = fetch();
  BOOST_REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().to_string()));
  BOOST_TEST((first->source == RepodataSource::network));
  BOOST_TEST(first->json.view() == linux64);
  BOOST_TEST(first->xxh3 == hash::xxh3_64(linux64));
  BOOST_TEST(first->url == server.url() + "/chan/linux-64/repodata.json");
  BOOST_TEST(first->subdir_url == server.url() + "/chan/linux-64");
  BOOST_TEST(!first->etag.empty());
  BOOST_TEST(cached_json() == linux64);
  // No .zst on this server: probed once, then remembered.
  BOOST_TEST(server.status_count("/chan/linux-64/repodata.json.zst", 404) == 1);

  auto second = fetch();
  BOOST_REQUIRE_MESSAGE(second.ok(), (second.ok() ? "" : second.error().to_string()));
  BOOST_TEST((second->source == RepodataSource::revalidated));
  BOOST_TEST(second->json.view() == linux64);
  BOOST_TEST(second->xxh3 == first->xxh3);
  BOOST_TEST(server.status_count("/chan/linux-64/repodata.json", 304) == 1);
  BOOST_TEST(server.request_count("/chan/linux-64/repodata.json.zst") == 1);
  BOOST_TEST(server.request_count("/chan/linux-64/repodata.json") == 2);

  // A changed file on the server is downloaded again.
  std::string changed = linux64;
  changed.insert(1, "\"_changed\": true, ");
  testing::write_text(root + "/chan/linux-64/repodata.json", changed);
  auto third = fetch();
  BOOST_REQUIRE(third.ok());
  BOOST_TEST((third->source == RepodataSource::network));
  BOOST_TEST(third->json.view() == changed);
}

BOOST_FIXTURE_TEST_CASE(zst_is_preferred_and_decoded, ChannelFixture) {
  testing::write_zst(root + "/chan/noarch/repodata.json.zst", noarch);
  auto first = fetch("noarch");
  BOOST_REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().to_string()));
  BOOST_TEST((first->source == RepodataSource::network));
  BOOST_TEST(first->json.view() == noarch);
  BOOST_TEST(server.status_count("/chan/noarch/repodata.json.zst", 200) == 1);
  BOOST_TEST(server.request_count("/chan/noarch/repodata.json") == 0);

  auto second = fetch("noarch");
  BOOST_REQUIRE(second.ok());
  BOOST_TEST((second->source == RepodataSource::revalidated));
  BOOST_TEST(second->json.view() == noarch);
  BOOST_TEST(server.status_count("/chan/noarch/repodata.json.zst", 304) == 1);
  BOOST_TEST(server.request_count("/chan/noarch/repodata.json") == 0);

  options.prefer_zst = PreferZst::no;
  auto plain = fetch("noarch");
  BOOST_REQUIRE(plain.ok());
  BOOST_TEST(plain->json.view() == noarch);
  BOOST_TEST(server.status_count("/chan/noarch/repodata.json", 200) == 1);
}

BOOST_FIXTURE_TEST_CASE(a_500_is_retried, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  server.fail_next(2, 500, "/repodata.json");
  std::vector<ProgressEvent> events;
  options.progress = [&](const ProgressEvent& e) { events.push_back(e); };
  auto r = fetch();
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
  BOOST_TEST(r->json.view() == linux64);
  BOOST_TEST(r->http_requests == 3);
  BOOST_TEST(server.status_count("/chan/linux-64/repodata.json", 500) == 2);
  BOOST_TEST(server.status_count("/chan/linux-64/repodata.json", 200) == 1);
  int retries = 0;
  for (const auto& e : events) retries += e.stage == ProgressEvent::Stage::retry;
  BOOST_TEST(retries == 2);
  BOOST_TEST((events.back().stage == ProgressEvent::Stage::done));
}

BOOST_FIXTURE_TEST_CASE(persistent_5xx_fails_after_the_bounded_retries, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  server.fail_next(10, 503, "/repodata.json");
  auto r = fetch();
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("503") != std::string::npos);
  BOOST_TEST(r.error().to_string().find("3 tries") != std::string::npos);
  BOOST_TEST(server.status_count("/chan/linux-64/repodata.json", 503) == 3);
}

BOOST_FIXTURE_TEST_CASE(a_stalled_server_times_out_as_a_network_error, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  options.http.read_timeout = std::chrono::milliseconds(200);
  options.http.attempts = 2;
  server.stall_next(5, std::chrono::seconds(30), "/repodata.json");
  auto r = fetch();
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("2 tries") != std::string::npos);
  BOOST_TEST(server.request_count("/chan/linux-64/repodata.json") == 2);
}

BOOST_FIXTURE_TEST_CASE(a_truncated_body_keeps_the_previous_cache_entry, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  BOOST_REQUIRE(fetch().ok());
  std::string changed = linux64;
  changed.insert(1, "\"_changed\": true, ");
  testing::write_text(root + "/chan/linux-64/repodata.json", changed);

  server.truncate_next(3, "/repodata.json");  // short of Content-Length, every try
  auto short_body = fetch();
  BOOST_REQUIRE(!short_body.ok());
  BOOST_TEST(short_body.error().kind == ErrorKind::network);
  BOOST_TEST(cached_json() == linux64);

  server.cut_next(1, "/repodata.json");  // consistent length, but half a JSON document
  auto cut = fetch();
  BOOST_REQUIRE(!cut.ok());
  BOOST_TEST(cut.error().kind == ErrorKind::network);
  BOOST_TEST(cut.error().to_string().find("cached copy was kept") != std::string::npos);
  BOOST_TEST(cached_json() == linux64);

  // The old entry is still usable offline, and a clean answer replaces it.
  options.offline = Offline::yes;
  auto offline = fetch();
  BOOST_REQUIRE(offline.ok());
  BOOST_TEST(offline->json.view() == linux64);
  options.offline = Offline::no;
  auto fixed = fetch();
  BOOST_REQUIRE(fixed.ok());
  BOOST_TEST(fixed->json.view() == changed);
}

BOOST_FIXTURE_TEST_CASE(a_cut_zstd_stream_is_a_network_error, ChannelFixture) {
  testing::write_zst(root + "/chan/noarch/repodata.json.zst", noarch);
  server.cut_next(1, ".zst");
  auto r = fetch("noarch");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("zstd") != std::string::npos);
  BOOST_TEST(cached_json("noarch").empty());
  auto again = fetch("noarch");
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->json.view() == noarch);
}

BOOST_FIXTURE_TEST_CASE(offline_uses_only_the_cache, ChannelFixture) {
  options.offline = Offline::yes;
  auto missing = fetch();
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().kind == ErrorKind::network);
  BOOST_TEST(missing.error().where == server.url() + "/chan/linux-64/repodata.json");
  BOOST_TEST(missing.error().message.find("offline") != std::string::npos);
  BOOST_TEST(server.request_log().empty());

  options.offline = Offline::no;
  BOOST_REQUIRE(fetch().ok());
  size_t requests = server.request_log().size();
  options.offline = Offline::yes;
  auto cached = fetch();
  BOOST_REQUIRE(cached.ok());
  BOOST_TEST((cached->source == RepodataSource::cache));
  BOOST_TEST(cached->json.view() == linux64);
  BOOST_TEST(cached->xxh3 == hash::xxh3_64(linux64));  // taken from the cache's checked sidecar
  BOOST_TEST(server.request_log().size() == requests);
}

BOOST_FIXTURE_TEST_CASE(max_age_skips_revalidation_when_trusted, ChannelFixture) {
  server.set_cache_control("public, max-age=3600");
  BOOST_REQUIRE(fetch().ok());
  size_t requests = server.request_log().size();
  options.freshness = CacheFreshness::trust_max_age;
  auto fresh = fetch();
  BOOST_REQUIRE(fresh.ok());
  BOOST_TEST((fresh->source == RepodataSource::cache));
  BOOST_TEST(server.request_log().size() == requests);
  options.freshness = CacheFreshness::always_revalidate;
  auto checked = fetch();
  BOOST_REQUIRE(checked.ok());
  BOOST_TEST((checked->source == RepodataSource::revalidated));
  BOOST_TEST(checked->xxh3 == hash::xxh3_64(checked->json.view()));
}

BOOST_FIXTURE_TEST_CASE(a_mirror_serves_while_the_canonical_url_stays, ChannelFixture) {
  TempDir empty;
  HttpServer original(empty.path());  // the "real" channel, which must not be contacted
  Channel channel = Channel::parse_one(original.url() + "/chan", {}).value();
  auto mirror = parse_mirror(original.url() + "/chan=" + server.url() + "/chan", {});
  BOOST_REQUIRE(mirror.ok());
  options.mirrors = {*mirror};
  auto r = fetch_repodata(channel, "linux-64", options);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
  BOOST_TEST(r->json.view() == linux64);
  BOOST_TEST(r->url == original.url() + "/chan/linux-64/repodata.json");
  BOOST_TEST(r->subdir_url == original.url() + "/chan/linux-64");
  BOOST_TEST(server.status_count("/chan/linux-64/repodata.json", 200) == 1);
  BOOST_TEST(original.request_log().empty());
  // Revalidation goes to the mirror too.
  auto again = fetch_repodata(channel, "linux-64", options);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((again->source == RepodataSource::revalidated));
  BOOST_TEST(original.request_log().empty());
}

BOOST_FIXTURE_TEST_CASE(credentials_stay_out_of_cache_and_messages, ChannelFixture) {
  server.require_basic_auth("alice", "pw-Secret-123");
  server.require_token("tk-Secret-456");
  std::map<std::string, std::string> vars{
      {"T_USER", "alice"}, {"T_PASSWORD", "pw-Secret-123"}, {"T_TOKEN", "tk-Secret-456"}};
  options.env = [&](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  std::string templated =
      "http://${T_USER}:${T_PASSWORD}@127.0.0.1:" + std::to_string(server.port()) +
      "/t/${T_TOKEN}/chan";
  Channel channel = Channel::parse_one(templated, {}).value();
  auto r = fetch_repodata(channel, "linux-64", options);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
  BOOST_TEST(r->json.view() == linux64);
  BOOST_TEST(r->url == server.url() + "/chan/linux-64/repodata.json");
  BOOST_TEST(server.status_count("/t/tk-Secret-456/chan/linux-64/repodata.json", 200) == 1);
  std::string cache_listing = all_files_under(options.cache_dir);
  BOOST_TEST(cache_listing.find("Secret") == std::string::npos);
  BOOST_TEST(cache_listing.find("alice") == std::string::npos);

  // A wrong password: the error names the redacted URL only.
  vars["T_PASSWORD"] = "pw-Wrong-999";
  options.cache_dir = dir / "cache2";
  auto denied = fetch_repodata(channel, "linux-64", options);
  BOOST_REQUIRE(!denied.ok());
  BOOST_TEST(denied.error().kind == ErrorKind::network);
  std::string message = denied.error().to_string();
  BOOST_TEST(message.find("401") != std::string::npos);
  BOOST_TEST(message.find("Wrong") == std::string::npos);
  BOOST_TEST(message.find("Secret") == std::string::npos);
  // conda-lock's ${VAR} form names the secret without holding it: kept in messages.
  BOOST_TEST(message.find("/t/${T_TOKEN}/") != std::string::npos);

  // Literal credentials in the channel URL, unset variable: neither leaks.
  Channel literal =
      Channel::parse_one("http://alice:pw-Secret-123@127.0.0.1:" + std::to_string(server.port()) +
                             "/t/tk-Bad-1/chan",
                         {})
          .value();
  auto forbidden = fetch_repodata(literal, "linux-64", options);
  BOOST_REQUIRE(!forbidden.ok());
  BOOST_TEST(forbidden.error().to_string().find("Secret") == std::string::npos);
  BOOST_TEST(forbidden.error().to_string().find("tk-Bad") == std::string::npos);
  vars.erase("T_TOKEN");
  auto unset = fetch_repodata(channel, "linux-64", options);
  BOOST_REQUIRE(!unset.ok());
  BOOST_TEST(unset.error().kind == ErrorKind::usage);
  BOOST_TEST(unset.error().to_string().find("T_TOKEN") != std::string::npos);
  BOOST_TEST(unset.error().to_string().find("Secret") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_missing_platform_is_empty_but_missing_noarch_fails, ChannelFixture) {
  auto absent = fetch("osx-arm64");
  BOOST_REQUIRE_MESSAGE(absent.ok(), (absent.ok() ? "" : absent.error().to_string()));
  BOOST_TEST((absent->source == RepodataSource::absent));
  BOOST_TEST(absent->json.view().find("\"packages\":{}") != std::string::npos);
  options.offline = Offline::yes;
  BOOST_TEST(fetch("osx-arm64").ok());  // remembered for offline use
  options.offline = Offline::no;
  auto no_channel = fetch_repodata(channel("/nope"), "noarch", options);
  BOOST_REQUIRE(!no_channel.ok());
  BOOST_TEST(no_channel.error().kind == ErrorKind::network);
  BOOST_TEST(no_channel.error().to_string().find("404") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(https_goes_through_tls, ChannelFixture) {
  // Our test server speaks plain HTTP, so the TLS handshake must fail as a network error.
  options.http.attempts = 1;
  Channel tls =
      Channel::parse_one("https://127.0.0.1:" + std::to_string(server.port()) + "/chan", {})
          .value();
  auto r = fetch_repodata(tls, "noarch", options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("1 try") != std::string::npos);
  BOOST_TEST(cached_json("noarch").empty());
}

BOOST_AUTO_TEST_CASE(local_channels_are_read_in_place) {
  TempDir dir;
  std::string folder = testing::corpus_dir() + "/packages/conda_format_repo";
  FetchOptions options;
  options.cache_dir = dir / "cache";
  for (const std::string& spec : {folder, "file://" + folder}) {
    Channel c = Channel::parse_one(spec, {}).value();
    auto r = fetch_repodata(c, "linux-64", options);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
    BOOST_TEST((r->source == RepodataSource::local));
    BOOST_TEST(r->json.view() == read_file(folder + "/linux-64/repodata.json").value());
    BOOST_TEST(r->url == "file://" + folder + "/linux-64/repodata.json");
  }
  BOOST_TEST(!fs::exists(dir / "cache"));
}

BOOST_AUTO_TEST_CASE(cache_dir_follows_the_environment) {
  ::setenv("ENVLOCK_CACHE_DIR", "/x/envlock-cache", 1);
  BOOST_TEST(RepodataCache::default_dir() == "/x/envlock-cache");
  ::unsetenv("ENVLOCK_CACHE_DIR");
  ::setenv("XDG_CACHE_HOME", "/x/xdg", 1);
  BOOST_TEST(RepodataCache::default_dir() == "/x/xdg/envlock");
  ::unsetenv("XDG_CACHE_HOME");
  // Keys depend only on the credential-free URL.
  BOOST_TEST(RepodataCache::key("https://h/c/linux-64/repodata.json") ==
             RepodataCache::key("https://u:p@h/t/tok/c/linux-64/repodata.json"));
  BOOST_TEST(RepodataCache::key("https://h/c/linux-64/repodata.json") !=
             RepodataCache::key("https://h/c/noarch/repodata.json"));
}

// The faults of issue #15: each must end as a network error (exit 4) in bounded time and
// memory, with the cache left as it was.
BOOST_FIXTURE_TEST_CASE(a_gzip_bomb_stops_at_the_size_limit, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  options.http.max_body_bytes = 1 << 20;
  server.gzip_bomb_next(HttpServer::k_always, 64 << 20, "/repodata.json");
  auto r = fetch();
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("larger than the limit of 1048576 bytes") !=
             std::string::npos);
  BOOST_TEST(server.request_count("/chan/linux-64/repodata.json") == 1);  // not retried
  BOOST_TEST(cached_json().empty());
  BOOST_TEST(all_files_under(options.cache_dir).find(".part.") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_zst_bomb_stops_at_the_size_limit, ChannelFixture) {
  BOOST_REQUIRE(fetch().ok());
  options.http.max_body_bytes = 1 << 20;
  options.zst_recheck = std::chrono::seconds(0);
  server.zst_bomb_next(HttpServer::k_always, 256 << 20, "/repodata.json.zst");
  auto r = fetch();
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("larger than the limit") != std::string::npos);
  BOOST_TEST(cached_json() == linux64);
}

BOOST_FIXTURE_TEST_CASE(a_local_zst_bomb_stops_at_the_size_limit, ChannelFixture) {
  testing::write_text(root + "/bomb/linux-64/repodata.json.zst", testing::zst_zeros(64 << 20));
  options.http.max_body_bytes = 1 << 20;
  auto r = fetch_repodata(Channel::parse_one(root + "/bomb", {}).value(), "linux-64", options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().to_string().find("larger than the limit") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_redirect_to_another_scheme_is_a_network_error, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  server.redirect_next(HttpServer::k_always, "ftp://127.0.0.1/x/repodata.json", "/repodata.json");
  auto r = fetch();
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("unsupported URL scheme 'ftp'") != std::string::npos);
  BOOST_TEST(server.request_count("/chan/linux-64/repodata.json") == 1);

  // Nor into the local file system.
  HttpServer other(root);
  other.redirect_next(HttpServer::k_always, "file:///etc/passwd");
  auto file =
      fetch_repodata(Channel::parse_one(other.url() + "/chan", {}).value(), "noarch", options);
  BOOST_REQUIRE(!file.ok());
  BOOST_TEST(file.error().to_string().find("unsupported URL scheme 'file'") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_redirect_loop_is_a_network_error, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  server.redirect_next(HttpServer::k_always, "", "/repodata.json");
  auto r = fetch();
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("too many redirects") != std::string::npos);
  BOOST_TEST(server.request_count("/chan/linux-64/repodata.json") == 11);
}

BOOST_FIXTURE_TEST_CASE(a_dripping_server_is_cut_off_by_the_minimum_speed, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  options.http.read_timeout = std::chrono::milliseconds(300);
  options.http.attempts = 2;
  server.drip_next(HttpServer::k_always, std::chrono::milliseconds(20), "/repodata.json");
  auto r = fetch();
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("slower than 1024 bytes/s over 300 ms") !=
             std::string::npos);
  BOOST_TEST(r.error().to_string().find("2 tries") != std::string::npos);
  BOOST_TEST(cached_json().empty());
}

BOOST_FIXTURE_TEST_CASE(the_deadline_ends_the_transfer_with_its_retries, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  options.http.min_speed = 0;
  options.http.read_timeout = std::chrono::seconds(20);
  options.http.deadline = std::chrono::milliseconds(400);
  server.stall_next(HttpServer::k_always, std::chrono::seconds(60), "/repodata.json");
  auto r = fetch();
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("deadline of 400 ms") != std::string::npos);
  BOOST_TEST(server.request_count("/chan/linux-64/repodata.json") == 1);
}

BOOST_FIXTURE_TEST_CASE(a_lying_content_length_is_retried_then_a_network_error, ChannelFixture) {
  options.prefer_zst = PreferZst::no;
  options.http.read_timeout = std::chrono::milliseconds(300);
  options.http.min_speed = 0;
  options.http.attempts = 2;
  server.wrong_length_next(HttpServer::k_always, std::chrono::seconds(30), "/repodata.json");
  auto r = fetch();
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(server.request_count("/chan/linux-64/repodata.json") == 2);
  BOOST_TEST(cached_json().empty());
}

BOOST_AUTO_TEST_CASE(network_limits_come_from_the_environment) {
  std::map<std::string, std::string> env = {
      {"ENVLOCK_DEADLINE", "90"}, {"ENVLOCK_MIN_SPEED", "2K"}, {"ENVLOCK_MAX_REPODATA_SIZE", "3G"}};
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  auto o = with_environment_limits({}, lookup);
  BOOST_REQUIRE(o.ok());
  BOOST_TEST(o->deadline.count() == 90'000);
  BOOST_TEST(o->min_speed == 2048u);
  BOOST_TEST(o->max_body_bytes == (uint64_t{3} << 30));
  BOOST_TEST(o->read_timeout.count() == 30'000);  // untouched
  env["ENVLOCK_MIN_SPEED"] = "fast";
  auto bad = with_environment_limits({}, lookup);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().kind == ErrorKind::usage);
  BOOST_TEST(bad.error().to_string().find("ENVLOCK_MIN_SPEED") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::channel
