#include "lib/testing/http/http_server.h"

#include <httplib.h>

#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::testing
