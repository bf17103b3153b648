#include "lib/channel/download.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "lib/testing/http/http_server.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::channel {
namespace {

namespace fs = std::filesystem;
using testing::HttpServer;
using testing::TempDir;

// The real zlib package of the corpus channel, served in place, with the digests its
// repodata.json records.
struct PackageFixture {
  std::string channel_dir = testing::corpus_dir() + "/packages/conda_format_repo";
  std::string file_name = "zlib-1.2.11-h7b6447c_3.conda";
  HttpServer server{channel_dir};
  ExpectedFile expected;
  DownloadOptions options;
  TempDir dir;

  PackageFixture() {
    auto repodata =
        nlohmann::json::parse(read_file(channel_dir + "/linux-64/repodata.json").value());
    const auto& record = repodata["packages.conda"][file_name];
    expected.sha256 = record["sha256"].get<std::string>();
    expected.md5 = record["md5"].get<std::string>();
    expected.size = record["size"].get<uint64_t>();
    options.http.backoff = std::chrono::milliseconds(1);
  }
  std::string url() const { return server.url() + "/linux-64/" + file_name; }
  std::string original_bytes() const {
    return read_file(channel_dir + "/linux-64/" + file_name).value();
  }
  // Files left in the destination folder (to catch stray temporaries).
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    if (!fs::exists(dir / "pkgs")) return out;
    for (const auto& e : fs::directory_iterator(dir / "pkgs")) out.push_back(e.path().string());
    return out;
  }
};

BOOST_AUTO_TEST_SUITE(download)

BOOST_FIXTURE_TEST_CASE(downloads_and_checks_every_digest, PackageFixture) {
  std::vector<ProgressEvent> events;
  options.progress = [&](const ProgressEvent& e) { events.push_back(e); };
  std::string dest = dir / ("pkgs/" + file_name);
  auto r = download_file(url(), dest, expected, options);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
  BOOST_TEST(read_file(dest).value() == original_bytes());
  BOOST_TEST(leftovers().size() == 1u);
  BOOST_REQUIRE(!events.empty());
  BOOST_TEST((events.back().stage == ProgressEvent::Stage::done));
  BOOST_TEST(events.back().bytes == *expected.size);

  // Upper-case digests (as some tools write them) are accepted.
  ExpectedFile upper = expected;
  for (auto& c : upper.sha256) c = static_cast<char>(std::toupper(c));
  BOOST_TEST(download_file(url(), dir / "pkgs/again.conda", upper, options).ok());
}

BOOST_FIXTURE_TEST_CASE(a_hash_mismatch_leaves_no_file, PackageFixture) {
  ExpectedFile wrong = expected;
  wrong.sha256 = std::string(64, 'a');
  std::string dest = dir / ("pkgs/" + file_name);
  auto r = download_file(url(), dest, wrong, options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::input);
  std::string message = r.error().to_string();
  BOOST_TEST(message.find(url()) != std::string::npos);
  BOOST_TEST(message.find(std::string(64, 'a')) != std::string::npos);
  BOOST_TEST(message.find(expected.sha256) != std::string::npos);  // the actual digest
  BOOST_TEST(!fs::exists(dest));
  BOOST_TEST(leftovers().empty());

  ExpectedFile wrong_size = expected;
  wrong_size.size = *expected.size + 1;
  auto s = download_file(url(), dest, wrong_size, options);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.error().kind == ErrorKind::input);
  BOOST_TEST(s.error().message.find("size mismatch") != std::string::npos);
  BOOST_TEST(!fs::exists(dest));

  // An existing file at the destination is left alone by a failed download.
  testing::write_text(dest, "previous");
  BOOST_TEST(!download_file(url(), dest, wrong, options).ok());
  BOOST_TEST(read_file(dest).value() == "previous");
}

BOOST_FIXTURE_TEST_CASE(transport_errors_are_network_errors, PackageFixture) {
  std::string dest = dir / "pkgs/x.conda";
  auto missing = download_file(server.url() + "/linux-64/nope.conda", dest, expected, options);
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().kind == ErrorKind::network);
  BOOST_TEST(missing.error().to_string().find("404") != std::string::npos);
  BOOST_TEST(!fs::exists(dest));

  // A body cut short once is retried, and the retry's bytes are the ones checked.
  server.truncate_next(1, file_name);
  auto retried = download_file(url(), dest, expected, options);
  BOOST_REQUIRE_MESSAGE(retried.ok(), (retried.ok() ? "" : retried.error().to_string()));
  BOOST_TEST(server.request_count("/linux-64/" + file_name) == 2);
  BOOST_TEST(read_file(dest).value() == original_bytes());

  server.truncate_next(3, file_name);
  auto failed = download_file(url(), dir / "pkgs/y.conda", expected, options);
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().kind == ErrorKind::network);
  BOOST_TEST(!fs::exists(dir / "pkgs/y.conda"));
}

BOOST_FIXTURE_TEST_CASE(credentials_are_redacted_in_download_errors, PackageFixture) {
  server.require_basic_auth("alice", "pw-Secret-1");
  std::string with_auth = "http://alice:pw-Wrong-2@127.0.0.1:" + std::to_string(server.port()) +
                          "/linux-64/" + file_name;
  auto r = download_file(with_auth, dir / "pkgs/z.conda", expected, options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().to_string().find("401") != std::string::npos);
  BOOST_TEST(r.error().to_string().find("Wrong") == std::string::npos);
  std::string good = "http://alice:pw-Secret-1@127.0.0.1:" + std::to_string(server.port()) +
                     "/linux-64/" + file_name;
  BOOST_TEST(download_file(good, dir / "pkgs/z.conda", expected, options).ok());
}

BOOST_FIXTURE_TEST_CASE(file_urls_and_mirrors, PackageFixture) {
  std::string local = "file://" + channel_dir + "/linux-64/" + file_name;
  BOOST_TEST(download_file(local, dir / "pkgs/local.conda", expected, options).ok());
  ExpectedFile wrong = expected;
  wrong.md5 = std::string(32, '0');
  auto bad = download_file(local, dir / "pkgs/bad.conda", wrong, options);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().kind == ErrorKind::input);
  BOOST_TEST(bad.error().message.find("md5 mismatch") != std::string::npos);
  BOOST_TEST(!fs::exists(dir / "pkgs/bad.conda"));

  // The lock's URL names a channel that is gone; the mirror has the same bytes.
  options.mirrors = {{"https://gone.example.org/channel", server.url()}};
  auto mirrored = download_file("https://gone.example.org/channel/linux-64/" + file_name,
                                dir / "pkgs/mirrored.conda",
                                expected,
                                options);
  BOOST_REQUIRE_MESSAGE(mirrored.ok(), (mirrored.ok() ? "" : mirrored.error().to_string()));
  BOOST_TEST(server.status_count("/linux-64/" + file_name, 200) == 1);

  auto no_digest = download_file(url(), dir / "pkgs/n.conda", ExpectedFile{}, options);
  BOOST_REQUIRE(!no_digest.ok());
  BOOST_TEST(no_digest.error().kind == ErrorKind::usage);
}

BOOST_FIXTURE_TEST_CASE(an_encoded_answer_is_refused_without_unpacking_it, PackageFixture) {
  server.gzip_bomb_next(HttpServer::k_always, 64 << 20, file_name);
  std::string dest = dir / "pkgs/bomb.conda";
  auto r = download_file(url(), dest, expected, options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("Content-Encoding: gzip") != std::string::npos);
  BOOST_TEST(!fs::exists(dest));
  BOOST_TEST(leftovers().empty());
}

BOOST_AUTO_TEST_CASE(a_body_longer_than_expected_is_cut_off) {
  TempDir dir;
  testing::write_text(dir / "served/big.conda", std::string(8 << 20, 'x'));
  HttpServer server(dir / "served");
  ExpectedFile expected{std::string(64, '0'), "", 1000};
  DownloadOptions options;
  auto r = download_file(server.url() + "/big.conda", dir / "pkgs/big.conda", expected, options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("more than the 1000 bytes expected") != std::string::npos);
  BOOST_TEST(!fs::exists(dir / "pkgs/big.conda"));
}

BOOST_FIXTURE_TEST_CASE(redirects_to_other_schemes_are_network_errors, PackageFixture) {
  server.redirect_next(HttpServer::k_always, "ftp://127.0.0.1/x.conda", file_name);
  auto r = download_file(url(), dir / "pkgs/x.conda", expected, options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("unsupported URL scheme 'ftp'") != std::string::npos);
  auto ftp = download_file("ftp://127.0.0.1/x.conda", dir / "pkgs/x.conda", expected, options);
  BOOST_REQUIRE(!ftp.ok());
  BOOST_TEST(ftp.error().kind == ErrorKind::network);
}

BOOST_FIXTURE_TEST_CASE(a_stalled_download_times_out, PackageFixture) {
  options.http.read_timeout = std::chrono::milliseconds(200);
  options.http.attempts = 2;
  server.stall_next(HttpServer::k_always, std::chrono::seconds(60), file_name);
  auto r = download_file(url(), dir / "pkgs/x.conda", expected, options);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::network);
  BOOST_TEST(r.error().to_string().find("2 tries") != std::string::npos);
  BOOST_TEST(server.request_count("/linux-64/" + file_name) == 2);
}

BOOST_FIXTURE_TEST_CASE(without_deadline_or_minimum_speed_a_download_still_completes,
                        PackageFixture) {
  options.http.deadline = std::chrono::milliseconds(0);
  options.http.min_speed = 0;
  auto r = download_file(url(), dir / "pkgs/x.conda", expected, options);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
  BOOST_TEST(read_file(dir / "pkgs/x.conda").value() == original_bytes());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::channel
