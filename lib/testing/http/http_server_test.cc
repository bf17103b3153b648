#include "lib/testing/http/http_server.h"

#include <httplib.h>

#include <zlib.h>
#include <zstd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <thread>
#include <vector>

#include "lib/testing/testing.h"

namespace envlock::testing {
namespace {

BOOST_AUTO_TEST_SUITE(http_server)

BOOST_AUTO_TEST_CASE(serves_files_with_etag_and_304) {
  TempDir dir;
  write_text(dir / "chan/noarch/repodata.json", R"({"packages":{}})");
  HttpServer server(dir.path());
  httplib::Client client(server.url());
  auto first = client.Get("/chan/noarch/repodata.json");
  BOOST_REQUIRE(first);
  BOOST_TEST(first->status == 200);
  BOOST_TEST(first->body == R"({"packages":{}})");
  std::string etag = first->get_header_value("ETag");
  BOOST_TEST(!etag.empty());
  BOOST_TEST(!first->get_header_value("Last-Modified").empty());

  auto second = client.Get("/chan/noarch/repodata.json", {{"If-None-Match", etag}});
  BOOST_REQUIRE(second);
  BOOST_TEST(second->status == 304);
  auto third = client.Get("/chan/noarch/repodata.json",
                          {{"If-Modified-Since", first->get_header_value("Last-Modified")}});
  BOOST_REQUIRE(third);
  BOOST_TEST(third->status == 304);
  BOOST_TEST(server.request_count("/chan/noarch/repodata.json") == 3);
  BOOST_TEST(server.status_count("/chan/noarch/repodata.json", 304) == 2);

  auto missing = client.Get("/chan/linux-64/repodata.json");
  BOOST_REQUIRE(missing);
  BOOST_TEST(missing->status == 404);
}

BOOST_AUTO_TEST_CASE(a_limited_link_still_serves_every_byte_to_parallel_keep_alive_clients) {
  TempDir dir;
  std::string big;
  for (int i = 0; big.size() < 200'000; ++i) big += std::to_string(i) + ",";
  write_text(dir / "big.txt", big);
  HttpServer server(dir.path());
  server.set_link(8 << 20, std::chrono::milliseconds(1));
  // More keep-alive clients than httplib's default worker count: none may starve.
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 12; ++t)
    threads.emplace_back([&] {
      httplib::Client client(server.url());
      client.set_keep_alive(true);
      for (int i = 0; i < 2; ++i) {
        auto r = client.Get("/big.txt");
        if (r && r->status == 200 && r->body == big) ++good;
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(good.load() == 24);
}

BOOST_AUTO_TEST_CASE(faults_fire_the_given_number_of_times) {
  TempDir dir;
  write_text(dir / "a.json", "{}");
  HttpServer server(dir.path());
  server.fail_next(2, 503, "a.json");
  httplib::Client client(server.url());
  BOOST_TEST(client.Get("/a.json")->status == 503);
  BOOST_TEST(client.Get("/a.json")->status == 503);
  BOOST_TEST(client.Get("/a.json")->status == 200);

  server.truncate_next(1);
  write_text(dir / "big.json", std::string(100000, 'x'));
  auto cut = client.Get("/big.json");
  BOOST_TEST(!cut);  // the client sees fewer bytes than Content-Length
  server.cut_next(1);
  auto half = client.Get("/big.json");
  BOOST_REQUIRE(half);
  BOOST_TEST(half->body.size() == 50000u);
}

BOOST_AUTO_TEST_CASE(requires_basic_auth_and_token) {
  TempDir dir;
  write_text(dir / "c/x.json", "{}");
  HttpServer server(dir.path());
  server.require_basic_auth("alice", "s3cret");
  server.require_token("tok-123");
  httplib::Client client(server.url());
  BOOST_TEST(client.Get("/t/tok-123/c/x.json")->status == 401);
  client.set_basic_auth("alice", "s3cret");
  BOOST_TEST(client.Get("/c/x.json")->status == 403);
  BOOST_TEST(client.Get("/t/tok-123/c/x.json")->status == 200);
}

BOOST_AUTO_TEST_CASE(redirects_in_a_loop_or_to_a_foreign_scheme) {
  TempDir dir;
  write_text(dir / "a.json", "{}");
  HttpServer server(dir.path());
  server.redirect_next(1, "");
  server.redirect_next(1, "ftp://127.0.0.1/a.json", "a.json");
  httplib::Client client(server.url());
  auto loop = client.Get("/a.json");
  BOOST_REQUIRE(loop);
  BOOST_TEST(loop->status == 302);
  BOOST_TEST(loop->get_header_value("Location") == "/a.json");
  auto foreign = client.Get("/a.json");
  BOOST_REQUIRE(foreign);
  BOOST_TEST(foreign->get_header_value("Location") == "ftp://127.0.0.1/a.json");
  BOOST_TEST(client.Get("/a.json")->status == 200);
}

BOOST_AUTO_TEST_CASE(bombs_are_small_on_the_wire_and_huge_decoded) {
  TempDir dir;
  HttpServer server(dir.path());
  server.gzip_bomb_next(1, 10'000'000);
  server.zst_bomb_next(1, 10'000'000);
  httplib::Client client(server.url());
  client.set_decompress(false);
  auto gz = client.Get("/x/repodata.json");
  BOOST_REQUIRE(gz);
  BOOST_TEST(gz->status == 200);
  BOOST_TEST(gz->get_header_value("Content-Encoding") == "gzip");
  BOOST_TEST(gz->body.size() < 100'000u);
  std::string decoded(10'000'001, 'x');
  z_stream z{};
  BOOST_REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(gz->body.data());
  z.avail_in = static_cast<uInt>(gz->body.size());
  z.next_out = reinterpret_cast<Bytef*>(decoded.data());
  z.avail_out = static_cast<uInt>(decoded.size());
  BOOST_TEST(inflate(&z, Z_FINISH) == Z_STREAM_END);
  BOOST_TEST(z.total_out == 10'000'000u);
  inflateEnd(&z);

  auto zst = client.Get("/x/repodata.json.zst");
  BOOST_REQUIRE(zst);
  BOOST_TEST(zst->body.size() < 100'000u);
  BOOST_TEST(ZSTD_getFrameContentSize(zst->body.data(), zst->body.size()) == 10'000'000u);
}

BOOST_AUTO_TEST_CASE(drip_sends_the_whole_file_and_wrong_length_leaves_the_client_waiting) {
  TempDir dir;
  write_text(dir / "a.json", R"({"a":1})");
  HttpServer server(dir.path());
  server.drip_next(1, std::chrono::milliseconds(1));
  server.wrong_length_next(1, std::chrono::seconds(30));
  httplib::Client client(server.url());
  client.set_decompress(false);
  auto drip = client.Get("/a.json", {{"Accept-Encoding", "identity"}});
  BOOST_REQUIRE(drip);
  BOOST_TEST(drip->body == R"({"a":1})");
  client.set_read_timeout(std::chrono::milliseconds(200));
  auto wrong = client.Get("/a.json", {{"Accept-Encoding", "identity"}});
  BOOST_TEST(!wrong);  // the body never reaches the announced length
  BOOST_TEST(server.request_count("/a.json") == 2);
}

BOOST_AUTO_TEST_CASE(a_folder_is_a_simple_repository_page_by_content_negotiation) {
  TempDir dir;
  write_text(dir / "simple/demo/index.html", "<a href=\"x.whl\">x.whl</a>");
  write_text(dir / "simple/demo/index.json", R"({"meta":{"api-version":"1.1"}})");
  write_text(dir / "simple/html-only/index.html", "<a href=\"y.whl\">y.whl</a>");
  HttpServer server(dir.path());
  httplib::Client client(server.url());
  const httplib::Headers json_first = {
      {"Accept", "application/vnd.pypi.simple.v1+json, text/html;q=0.01"}};

  auto json = client.Get("/simple/demo/", json_first);
  BOOST_REQUIRE(json);
  BOOST_TEST(json->status == 200);
  BOOST_TEST(json->get_header_value("Content-Type") == "application/vnd.pypi.simple.v1+json");
  BOOST_TEST(json->body == R"({"meta":{"api-version":"1.1"}})");

  auto html = client.Get("/simple/demo/", {{"Accept", "text/html"}});
  BOOST_REQUIRE(html);
  BOOST_TEST(html->get_header_value("Content-Type") == "text/html");
  BOOST_TEST(html->body == "<a href=\"x.whl\">x.whl</a>");
  // Without a trailing slash too, as pip asks for some pages.
  auto bare = client.Get("/simple/demo", json_first);
  BOOST_REQUIRE(bare);
  BOOST_TEST(bare->body == R"({"meta":{"api-version":"1.1"}})");

  // No JSON form: the HTML one answers a JSON-first request, and its type says so.
  auto only_html = client.Get("/simple/html-only/", json_first);
  BOOST_REQUIRE(only_html);
  BOOST_TEST(only_html->status == 200);
  BOOST_TEST(only_html->get_header_value("Content-Type") == "text/html");
  BOOST_TEST(client.Get("/simple/missing/", json_first)->status == 404);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::testing
