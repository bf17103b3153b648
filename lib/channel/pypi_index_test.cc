#include "lib/channel/pypi_index.h"

#include <httplib.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "lib/hash/hash.h"
#include "lib/testing/http/http_server.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::channel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::HttpServer;
using testing::TempDir;

// The built test index copied into the test's folder (so a test may alter it), served by the
// real test server, with a private cache and fast retries.
struct IndexFixture {
  TempDir dir;
  std::string root = dir / "served";
  json manifest;
  std::unique_ptr<HttpServer> server;
  PypiIndexOptions options;

  IndexFixture() {
    fs::copy(testing::pypi_index_dir(), root, fs::copy_options::recursive);
    // Bazel's outputs are read-only; the copy must be writable for tests that alter it.
    for (auto& entry : fs::recursive_directory_iterator(root)) {
      fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
    }
    manifest = json::parse(testing::read_text(root + "/MANIFEST.json"));
    server = std::make_unique<HttpServer>(root);
    options.index_url = server->url() + "/simple/";
    options.cache_dir = dir / "cache";
    options.http.attempts = 2;
    options.http.backoff = std::chrono::milliseconds(1);
    options.http.connect_timeout = std::chrono::milliseconds(2000);
    options.http.read_timeout = std::chrono::milliseconds(2000);
  }

  PypiIndex open() const { return open(options); }
  static PypiIndex open(const PypiIndexOptions& o) {
    auto index = PypiIndex::open(o);
    BOOST_REQUIRE_MESSAGE(index.ok(), (index.ok() ? "" : index.error().to_string()));
    return std::move(index).value();
  }

  Result<PypiProject> project(const std::string& name) const { return open().project(name); }

  PypiProject require(const std::string& name) const {
    auto p = project(name);
    BOOST_REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().to_string()));
    return std::move(p).value();
  }

  // Every index.json removed: the server can only answer HTML.
  void remove_json_pages() const {
    for (auto& entry : fs::recursive_directory_iterator(root + "/simple")) {
      if (entry.path().filename() == "index.json") fs::remove(entry.path());
    }
  }

  // Every file of the cache: names and contents, for leak checks.
  std::string cache_dump() const {
    std::string out;
    if (!fs::exists(options.cache_dir)) return out;
    for (auto& entry : fs::recursive_directory_iterator(options.cache_dir)) {
      out += entry.path().string() + "\n";
      if (entry.is_regular_file()) out += testing::read_text(entry.path().string());
    }
    return out;
  }
};

// The files of `project` as the index's MANIFEST.json states them, checked field by field.
void check_against_manifest(const PypiProject& project, const json& manifest,
                            const std::string& files_url) {
  const auto& expected = manifest.at(project.name);
  BOOST_REQUIRE_EQUAL(project.files.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const PypiFile& f = project.files[i];
    const auto& e = expected[i];
    BOOST_TEST_CONTEXT(e.at("filename").get<std::string>()) {
      BOOST_TEST(f.filename == e.at("filename").get<std::string>());
      BOOST_TEST(f.url == files_url + f.filename);
      BOOST_TEST(f.sha256 == e.at("sha256").get<std::string>());
      BOOST_TEST(
          f.requires_python ==
          (e.at("requires_python").is_null() ? "" : e.at("requires_python").get<std::string>()));
      BOOST_TEST(f.yanked == !e.at("yanked").is_null());
      BOOST_TEST(f.yanked_reason ==
                 (e.at("yanked").is_null() ? "" : e.at("yanked").get<std::string>()));
      BOOST_TEST(f.has_metadata == !e.at("metadata_sha256").is_null());
      BOOST_TEST(
          f.metadata_sha256 ==
          (e.at("metadata_sha256").is_null() ? "" : e.at("metadata_sha256").get<std::string>()));
    }
  }
}

BOOST_AUTO_TEST_SUITE(pypi_index)

BOOST_AUTO_TEST_CASE(json_page_lists_files_hashes_yanked_and_requires_python) {
  IndexFixture fx;
  PypiProject p = fx.require("Demo_Versions");  // any spelling: normalised
  BOOST_TEST(p.name == "demo-versions");
  BOOST_TEST(p.found == std::vector<bool>{true});
  BOOST_TEST((p.sources == std::vector<PageSource>{PageSource::network}));
  check_against_manifest(p, fx.manifest, fx.server->url() + "/files/");
  // The JSON form also gives sizes (PEP 700); the HTML form cannot.
  for (size_t i = 0; i < p.files.size(); ++i) {
    BOOST_TEST(p.files[i].size.value_or(0) ==
               fx.manifest["demo-versions"][i]["size"].get<uint64_t>());
    BOOST_TEST(p.files[i].index_url == fx.server->url() + "/simple/");
  }
  BOOST_TEST(fx.server->request_count("/simple/demo-versions/") == 1);
}

BOOST_AUTO_TEST_CASE(html_page_when_the_index_has_no_json_form_gives_the_same_files) {
  IndexFixture fx;
  fx.remove_json_pages();
  for (const char* name : {"demo-versions", "demo-markers", "pip", "demo-native"}) {
    PypiProject p = fx.require(name);
    check_against_manifest(p, fx.manifest, fx.server->url() + "/files/");
    for (const auto& f : p.files) BOOST_TEST(!f.size.has_value());
  }
}

BOOST_AUTO_TEST_CASE(json_refused_with_406_is_asked_again_for_html) {
  IndexFixture fx;
  fx.server->fail_next(1, 406, "/simple/demo-versions/");
  PypiProject p = fx.require("demo-versions");
  check_against_manifest(p, fx.manifest, fx.server->url() + "/files/");
  BOOST_TEST(fx.server->status_count("/simple/demo-versions/", 406) == 1);
  BOOST_TEST(fx.server->status_count("/simple/demo-versions/", 200) == 1);
}

BOOST_AUTO_TEST_CASE(cached_pages_are_revalidated_and_serve_offline) {
  IndexFixture fx;
  PypiProject first = fx.require("jsonschema");
  PypiProject second = fx.require("jsonschema");
  BOOST_TEST((second.sources == std::vector<PageSource>{PageSource::revalidated}));
  BOOST_TEST(fx.server->status_count("/simple/jsonschema/", 304) == 1);
  BOOST_TEST(second.files.size() == first.files.size());
  BOOST_TEST(second.files[0].url == first.files[0].url);

  PypiIndexOptions offline = fx.options;
  offline.offline = Offline::yes;
  auto from_cache = IndexFixture::open(offline).project("jsonschema");
  BOOST_REQUIRE(from_cache.ok());
  BOOST_TEST((from_cache->sources == std::vector<PageSource>{PageSource::cache}));
  BOOST_TEST(from_cache->files[0].sha256 == first.files[0].sha256);
  BOOST_TEST(fx.server->request_count("/simple/jsonschema/") == 2);

  auto missing = IndexFixture::open(offline).project("attrs");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(static_cast<int>(missing.error().kind) == static_cast<int>(ErrorKind::network));
  BOOST_TEST(missing.error().to_string().find("--offline") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_page_fresh_by_max_age_is_used_without_asking_when_trusted) {
  IndexFixture fx;
  fx.server->set_cache_control("max-age=600");
  fx.require("six");
  PypiIndexOptions trusting = fx.options;
  trusting.freshness = CacheFreshness::trust_max_age;
  auto p = IndexFixture::open(trusting).project("six");
  BOOST_REQUIRE(p.ok());
  BOOST_TEST((p->sources == std::vector<PageSource>{PageSource::cache}));
  BOOST_TEST(fx.server->request_count("/simple/six/") == 1);
  // The default revalidates all the same.
  BOOST_TEST((fx.require("six").sources == std::vector<PageSource>{PageSource::revalidated}));
}

BOOST_AUTO_TEST_CASE(a_project_the_index_does_not_have_is_not_found_also_offline) {
  IndexFixture fx;
  PypiProject p = fx.require("no-such-project");
  BOOST_TEST(p.found == std::vector<bool>{false});
  BOOST_TEST(p.files.empty());
  PypiIndexOptions offline = fx.options;
  offline.offline = Offline::yes;
  auto again = IndexFixture::open(offline).project("no-such-project");
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->found == std::vector<bool>{false});
}

BOOST_AUTO_TEST_CASE(a_500_is_a_network_error_naming_the_page_and_keeps_the_cache) {
  IndexFixture fx;
  fx.require("idna");
  fx.server->fail_next(HttpServer::k_always, 500, "/simple/idna/");
  auto p = fx.project("idna");
  BOOST_REQUIRE(!p.ok());
  BOOST_TEST(static_cast<int>(p.error().kind) == static_cast<int>(ErrorKind::network));
  BOOST_TEST(p.error().where == fx.server->url() + "/simple/idna/");
  BOOST_TEST(p.error().message.find("HTTP 500") != std::string::npos);
  BOOST_TEST(fx.server->status_count("/simple/idna/", 500) == 2);  // retried once
  PypiIndexOptions offline = fx.options;
  offline.offline = Offline::yes;
  BOOST_TEST(IndexFixture::open(offline).project("idna").ok());
}

BOOST_AUTO_TEST_CASE(garbage_answers_are_input_errors_and_never_replace_the_cache) {
  IndexFixture fx;
  PypiProject good = fx.require("demo-cli");
  testing::write_text(fx.root + "/simple/demo-cli/index.json", "{\"meta\": {\"api-version\": ");
  auto cut = fx.project("demo-cli");
  BOOST_REQUIRE(!cut.ok());
  BOOST_TEST(static_cast<int>(cut.error().kind) == static_cast<int>(ErrorKind::input));
  BOOST_TEST(cut.error().to_string().find("not a PEP 691 JSON page") != std::string::npos);

  PypiIndexOptions offline = fx.options;
  offline.offline = Offline::yes;
  auto cached = IndexFixture::open(offline).project("demo-cli");
  BOOST_REQUIRE(cached.ok());
  BOOST_TEST(cached->files.size() == good.files.size());

  fx.remove_json_pages();
  testing::write_text(fx.root + "/simple/demo-cli/index.html",
                      std::string("\x01\x02garbage\xff", 11));
  auto html = fx.project("demo-cli");
  BOOST_REQUIRE(!html.ok());
  BOOST_TEST(static_cast<int>(html.error().kind) == static_cast<int>(ErrorKind::input));

  testing::write_text(fx.root + "/simple/demo-data/index.json",
                      R"({"meta": {"api-version": "2.0"}, "name": "demo-data", "files": []})");
  auto future = IndexFixture::open(fx.options).project("demo-data");
  BOOST_REQUIRE(!future.ok());
  BOOST_TEST(future.error().message.find("unsupported simple-repository API version '2.0'") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(relative_links_resolve_against_the_page_after_a_redirect) {
  IndexFixture fx;
  fs::create_directories(fx.root + "/mirror");
  fs::copy(fx.root + "/simple", fx.root + "/mirror/simple", fs::copy_options::recursive);
  fs::copy(fx.root + "/files", fx.root + "/mirror/files", fs::copy_options::recursive);
  fx.server->redirect_next(1, "/mirror/simple/demo-versions/", "/simple/demo-versions/");
  PypiProject p = fx.require("demo-versions");
  check_against_manifest(p, fx.manifest, fx.server->url() + "/mirror/files/");
  BOOST_TEST(fx.server->request_count("/mirror/simple/demo-versions/") == 1);
}

BOOST_AUTO_TEST_CASE(several_indexes_give_the_union_of_their_files) {
  IndexFixture fx;
  TempDir other;
  fs::create_directories(other / "simple/only-extra");
  fs::create_directories(other / "simple/demo-cli");
  fs::copy(fx.root + "/simple/demo-cli/index.html", other / "simple/only-extra/index.html");
  fs::copy(fx.root + "/simple/demo-cli/index.html", other / "simple/demo-cli/index.html");
  fs::copy(
      fx.root + "/simple/demo-shared", other / "simple/demo-shared", fs::copy_options::recursive);
  fs::copy(fx.root + "/files", other / "files", fs::copy_options::recursive);
  // The extra index lists only demo-shared 2.0.
  auto page = json::parse(testing::read_text(other / "simple/demo-shared/index.json"));
  page["files"].erase(page["files"].begin());
  testing::write_text(other / "simple/demo-shared/index.json", page.dump());
  HttpServer extra(other.path());
  PypiIndexOptions o = fx.options;
  o.extra_index_urls = {extra.url() + "/simple", o.index_url};  // the main one twice: once
  PypiIndex index = IndexFixture::open(o);
  BOOST_TEST(index.index_urls().size() == 2u);
  BOOST_TEST(index.index_urls()[1] == extra.url() + "/simple/");

  auto only = index.project("only-extra");
  BOOST_REQUIRE(only.ok());
  BOOST_TEST(only->found == (std::vector<bool>{false, true}));
  BOOST_TEST(only->files.size() == 1u);
  BOOST_TEST(only->files[0].url == extra.url() + "/files/demo_cli-1.0-py3-none-any.whl");
  BOOST_TEST(only->files[0].index_url == extra.url() + "/simple/");

  // The same file (name and sha256) on both: listed once, from the first index.
  auto shared = index.project("demo-shared");
  BOOST_REQUIRE(shared.ok());
  BOOST_TEST(shared->found == (std::vector<bool>{true, true}));
  BOOST_REQUIRE(shared->files.size() == 2u);
  for (const auto& f : shared->files) BOOST_TEST(f.index_url == fx.server->url() + "/simple/");
}

BOOST_AUTO_TEST_CASE(projects_fetches_a_batch_in_parallel_once_per_name) {
  IndexFixture fx;
  std::vector<std::string> names{"requests",
                                 "urllib3",
                                 "idna",
                                 "certifi",
                                 "Requests",
                                 "attrs",
                                 "pyrsistent",
                                 "not a name",
                                 "six",
                                 "charset_normalizer"};
  PypiIndexOptions o = fx.options;
  o.jobs = 4;
  PypiIndex index = IndexFixture::open(o);
  auto results = index.projects(names);
  BOOST_REQUIRE(results.size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    BOOST_TEST_CONTEXT(names[i]) {
      if (names[i] == "not a name") {
        BOOST_REQUIRE(!results[i].ok());
        BOOST_TEST(static_cast<int>(results[i].error().kind) == static_cast<int>(ErrorKind::usage));
        continue;
      }
      BOOST_REQUIRE(results[i].ok());
      BOOST_TEST(results[i]->files.size() == fx.manifest.at(results[i]->name).size());
      check_against_manifest(*results[i], fx.manifest, fx.server->url() + "/files/");
    }
  }
  BOOST_TEST(results[4]->name == "requests");
  // Eight pages over keep-alive connections: at most one per thread.
  BOOST_TEST(index.connections_opened() >= 1);
  BOOST_TEST(index.connections_opened() <= 4);
  BOOST_TEST(fx.server->connection_count() == index.connections_opened());

  // One thread: every page and metadata file over one connection.
  IndexFixture one;
  PypiIndexOptions serial = one.options;
  serial.jobs = 1;
  PypiIndex single = IndexFixture::open(serial);
  auto again = single.projects({"requests", "urllib3", "idna", "certifi", "six"});
  for (const auto& r : again) BOOST_REQUIRE(r.ok());
  BOOST_TEST(single.metadata(again[0]->files.at(0)).ok());
  BOOST_TEST(one.server->request_log().size() == 6u);
  BOOST_TEST(one.server->connection_count() == 1);
  BOOST_TEST(fx.server->request_count("/simple/requests/") == 1);
  BOOST_TEST(fx.server->request_count("/simple/charset-normalizer/") == 1);
}

BOOST_AUTO_TEST_CASE(metadata_comes_from_the_pep658_file_checked_and_cached) {
  IndexFixture fx;
  PypiProject p = fx.require("jsonschema");
  const PypiFile& wheel = p.files.at(0);
  const std::string expected =
      testing::read_text(fx.root + "/files/" + wheel.filename + ".metadata");
  PypiIndex index = fx.open();
  auto meta = index.metadata(wheel);
  BOOST_REQUIRE_MESSAGE(meta.ok(), (meta.ok() ? "" : meta.error().to_string()));
  BOOST_TEST(*meta == expected);
  BOOST_TEST(meta->find("Requires-Dist: attrs>=17.4.0") != std::string::npos);
  const std::string path = "/files/" + wheel.filename + ".metadata";
  BOOST_TEST(fx.server->request_count(path) == 1);
  BOOST_TEST(fx.server->request_count("/files/" + wheel.filename) == 0);  // no wheel download
  BOOST_TEST(index.metadata(wheel).ok());
  BOOST_TEST(fx.server->request_count(path) == 1);  // from the cache
  PypiIndexOptions offline = fx.options;
  offline.offline = Offline::yes;
  auto cached = IndexFixture::open(offline).metadata(wheel);
  BOOST_REQUIRE(cached.ok());
  BOOST_TEST(*cached == expected);
  auto not_cached = IndexFixture::open(offline).metadata(
      p.files.at(0).filename == wheel.filename ? fx.require("attrs").files.at(0) : p.files.at(0));
  BOOST_REQUIRE(!not_cached.ok());
  BOOST_TEST(static_cast<int>(not_cached.error().kind) == static_cast<int>(ErrorKind::network));
}

BOOST_AUTO_TEST_CASE(a_metadata_file_that_differs_from_its_announced_hash_is_refused) {
  IndexFixture fx;
  PypiProject p = fx.require("demo-markers");
  const PypiFile& wheel = p.files.at(0);
  testing::write_text(fx.root + "/files/" + wheel.filename + ".metadata",
                      "Metadata-Version: 2.1\nName: Demo_Markers\nVersion: 1.0\n");
  auto meta = fx.open().metadata(wheel);
  BOOST_REQUIRE(!meta.ok());
  BOOST_TEST(static_cast<int>(meta.error().kind) == static_cast<int>(ErrorKind::input));
  BOOST_TEST(meta.error().message.find("sha256 mismatch") != std::string::npos);
  BOOST_TEST(meta.error().message.find(wheel.metadata_sha256) != std::string::npos);
  BOOST_TEST(fx.cache_dump().find(".metadata\n") == std::string::npos);  // nothing cached
}

BOOST_AUTO_TEST_CASE(metadata_naming_another_distribution_is_refused) {
  IndexFixture fx;
  // The page announces a .metadata without a hash; the file names another project.
  auto page = json::parse(testing::read_text(fx.root + "/simple/demo-shared/index.json"));
  page["files"][0]["core-metadata"] = true;
  testing::write_text(fx.root + "/simple/demo-shared/index.json", page.dump());
  const std::string filename = page["files"][0]["filename"];
  testing::write_text(fx.root + "/files/" + filename + ".metadata",
                      "Metadata-Version: 2.1\nName: requests\nVersion: 1.0\n"
                      "Requires-Dist: evil-package\n");
  PypiProject p = fx.require("demo-shared");
  BOOST_TEST(p.files.at(0).has_metadata);
  BOOST_TEST(p.files.at(0).metadata_sha256.empty());
  auto meta = fx.open().metadata(p.files.at(0));
  BOOST_REQUIRE(!meta.ok());
  BOOST_TEST(static_cast<int>(meta.error().kind) == static_cast<int>(ErrorKind::input));
  BOOST_TEST(meta.error().message ==
             "its METADATA names requests 1.0, the file name demo-shared 1.0");
  // A malformed METADATA is an input error too.
  testing::write_text(fx.root + "/files/" + filename + ".metadata", "not metadata at all\n");
  auto malformed = fx.open().metadata(p.files.at(0));
  BOOST_REQUIRE(!malformed.ok());
  BOOST_TEST(static_cast<int>(malformed.error().kind) == static_cast<int>(ErrorKind::input));
}

BOOST_AUTO_TEST_CASE(metadata_without_a_pep658_file_is_read_from_the_checked_wheel) {
  IndexFixture fx;
  PypiProject p = fx.require("pip");
  const PypiFile& wheel = p.files.at(0);
  BOOST_TEST(!wheel.has_metadata);
  auto meta = fx.open().metadata(wheel);
  BOOST_REQUIRE_MESSAGE(meta.ok(), (meta.ok() ? "" : meta.error().to_string()));
  BOOST_TEST(meta->rfind("Metadata-Version: ", 0) == 0u);
  BOOST_TEST(meta->find("\nName: pip\n") != std::string::npos);
  BOOST_TEST(fx.server->request_count("/files/" + wheel.filename) == 1);
  BOOST_TEST(fx.server->request_count("/files/" + wheel.filename + ".metadata") == 0);

  // A wheel whose bytes differ from the index's sha256 is never opened.
  PypiFile lying = wheel;
  lying.sha256 = std::string(64, '0');
  auto refused = fx.open().metadata(lying);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(static_cast<int>(refused.error().kind) == static_cast<int>(ErrorKind::input));

  // An sdist has no METADATA we could trust without building it.
  PypiProject sdist = fx.require("demo-sdist-only");
  auto none = fx.open().metadata(sdist.files.at(0));
  BOOST_REQUIRE(!none.ok());
  BOOST_TEST(none.error().message.find("not a wheel") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(download_checks_the_sha256_and_leaves_nothing_on_mismatch) {
  IndexFixture fx;
  PypiProject p = fx.require("certifi");
  const PypiFile& wheel = p.files.at(0);
  TempDir out;
  auto ok = fx.open().download(wheel, out / wheel.filename);
  BOOST_REQUIRE_MESSAGE(ok.ok(), (ok.ok() ? "" : ok.error().to_string()));
  auto digest = hash::hex_digest_file(hash::Algorithm::sha256, out / wheel.filename);
  BOOST_REQUIRE(digest.ok());
  BOOST_TEST(*digest == wheel.sha256);

  std::string bytes = testing::read_text(fx.root + "/files/" + wheel.filename);
  bytes[bytes.size() / 2] ^= 0x20;
  testing::write_text(fx.root + "/files/" + wheel.filename, bytes);
  auto bad = fx.open().download(wheel, out / "again.whl");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(static_cast<int>(bad.error().kind) == static_cast<int>(ErrorKind::input));
  BOOST_TEST(!fs::exists(out / "again.whl"));
}

BOOST_AUTO_TEST_CASE(credentials_fetch_but_never_reach_urls_messages_or_the_cache) {
  IndexFixture fx;
  fx.server->require_basic_auth("alice", "s3cret-pw");
  PypiIndexOptions o = fx.options;
  o.index_url =
      "http://alice:s3cret-pw@127.0.0.1:" + std::to_string(fx.server->port()) + "/simple/";
  PypiIndex index = IndexFixture::open(o);
  BOOST_TEST(index.index_urls()[0] == fx.server->url() + "/simple/");
  auto p = index.project("demo-markers");
  BOOST_REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().to_string()));
  const PypiFile& wheel = p->files.at(0);
  BOOST_TEST(wheel.url == fx.server->url() + "/files/" + wheel.filename);
  BOOST_TEST(wheel.index_url == fx.server->url() + "/simple/");
  BOOST_TEST(index.metadata(wheel).ok());
  TempDir out;
  BOOST_TEST(index.download(wheel, out / "w.whl").ok());
  BOOST_TEST(fx.server->status_count("/files/" + wheel.filename, 200) == 1);
  const std::string cache = fx.cache_dump();
  BOOST_TEST(!cache.empty());
  BOOST_TEST(cache.find("s3cret") == std::string::npos);
  BOOST_TEST(cache.find("alice") == std::string::npos);

  // A wrong password: the message names the index without the secret.
  PypiIndexOptions wrong = fx.options;
  wrong.index_url =
      "http://alice:wrong-pw@127.0.0.1:" + std::to_string(fx.server->port()) + "/simple/";
  auto refused = IndexFixture::open(wrong).project("idna");
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(static_cast<int>(refused.error().kind) == static_cast<int>(ErrorKind::network));
  BOOST_TEST(refused.error().to_string().find("wrong-pw") == std::string::npos);
  BOOST_TEST(refused.error().to_string().find("HTTP 401") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_token_in_the_index_url_reaches_the_files_and_nothing_else) {
  IndexFixture fx;
  fx.server->require_token("tok-42");
  PypiIndexOptions o = fx.options;
  o.index_url = fx.server->url() + "/t/${PYPI_TOKEN}/simple/";
  o.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "PYPI_TOKEN") return std::string("tok-42");
    return std::nullopt;
  };
  PypiIndex index = IndexFixture::open(o);
  auto p = index.project("demo-cli");
  BOOST_REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().to_string()));
  const PypiFile& wheel = p->files.at(0);
  BOOST_TEST(wheel.url == fx.server->url() + "/files/" + wheel.filename);
  TempDir out;
  BOOST_TEST(index.download(wheel, out / "w.whl").ok());
  BOOST_TEST(fx.server->status_count("/t/tok-42/files/" + wheel.filename, 200) == 1);
  BOOST_TEST(fx.cache_dump().find("tok-42") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_file_url_index_is_read_in_place) {
  IndexFixture fx;
  PypiIndexOptions o = fx.options;
  o.index_url = "file://" + fx.root + "/simple";
  PypiIndex index = IndexFixture::open(o);
  auto p = index.project("demo-versions");
  BOOST_REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().to_string()));
  check_against_manifest(*p, fx.manifest, "file://" + fx.root + "/files/");
  auto meta = index.metadata(p->files.at(1));
  BOOST_REQUIRE(meta.ok());
  BOOST_TEST(*meta ==
             testing::read_text(fx.root + "/files/" + p->files.at(1).filename + ".metadata"));
  TempDir out;
  BOOST_TEST(index.download(p->files.at(1), out / "w.whl").ok());
  BOOST_TEST(fx.server->request_log().empty());
  BOOST_TEST(index.project("no-such-project")->found == std::vector<bool>{false});
}

BOOST_AUTO_TEST_CASE(https_goes_through_tls) {
  // Our test server speaks plain HTTP, so the TLS handshake must fail as a network error.
  IndexFixture fx;
  PypiIndexOptions o = fx.options;
  o.http.attempts = 1;
  o.index_url = "https://127.0.0.1:" + std::to_string(fx.server->port()) + "/simple/";
  auto p = IndexFixture::open(o).project("idna");
  BOOST_REQUIRE(!p.ok());
  BOOST_TEST(static_cast<int>(p.error().kind) == static_cast<int>(ErrorKind::network));
  BOOST_TEST(p.error().where == o.index_url + "idna/");
  BOOST_TEST(fx.cache_dump().empty());
}

// A real TLS server on 127.0.0.1 serving a simple-repository folder (PEP 691 negotiation as
// HttpServer does it), with a self-signed certificate for IP 127.0.0.1 made by openssl.
struct TlsIndexServer {
  std::string cert, key;
  std::unique_ptr<httplib::SSLServer> server;
  std::thread thread;
  int port = 0;

  TlsIndexServer(const std::string& root, const TempDir& dir)
      : cert(dir / "cert.pem"), key(dir / "key.pem") {
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
        key + "' -out '" + cert + "' 2>/dev/null";
    BOOST_REQUIRE(std::system(command.c_str()) == 0);
    server = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
    BOOST_REQUIRE(server->is_valid());
    server->Get(".*", [root](const httplib::Request& req, httplib::Response& res) {
      std::string path = root + req.path;
      std::string type = "application/octet-stream";
      if (fs::is_directory(path)) {
        const bool json =
            req.get_header_value("Accept").find("vnd.pypi.simple.v1+json") != std::string::npos;
        path += json ? "/index.json" : "/index.html";
        type = json ? "application/vnd.pypi.simple.v1+json" : "text/html";
      }
      if (!fs::is_regular_file(path)) {
        res.status = 404;
        return;
      }
      res.set_content(testing::read_text(path), type);
    });
    port = server->bind_to_any_port("127.0.0.1");
    BOOST_REQUIRE(port > 0);
    thread = std::thread([this] { server->listen_after_bind(); });
    for (int i = 0; i < 2000 && !server->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~TlsIndexServer() {
    server->stop();
    thread.join();
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port); }
};

BOOST_AUTO_TEST_CASE(an_https_index_with_a_verified_certificate) {
  IndexFixture fx;
  TempDir tls_dir;
  TlsIndexServer tls(fx.root, tls_dir);
  PypiIndexOptions o = fx.options;
  o.index_url = tls.url() + "/simple/";
  o.http.ca_bundle = tls.cert;
  PypiIndex index = IndexFixture::open(o);
  auto p = index.project("demo-markers");
  BOOST_REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().to_string()));
  check_against_manifest(*p, fx.manifest, tls.url() + "/files/");
  BOOST_TEST(p->files.at(0).size.has_value());  // the JSON form was negotiated
  auto meta = index.metadata(p->files.at(0));
  BOOST_REQUIRE(meta.ok());
  BOOST_TEST(meta->find("Name: Demo_Markers") != std::string::npos);
  TempDir out;
  BOOST_TEST(index.download(p->files.at(0), out / "w.whl").ok());

  // Another CA bundle: the server's certificate is not trusted.
  PypiIndexOptions untrusted = fx.options;
  untrusted.index_url = o.index_url;
  untrusted.http.attempts = 1;
  auto refused = IndexFixture::open(untrusted).project("idna");
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(static_cast<int>(refused.error().kind) == static_cast<int>(ErrorKind::network));
  BOOST_TEST(refused.error().message.find("certificate could not be verified") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(limits_on_page_size_and_file_count) {
  IndexFixture fx;
  PypiIndexOptions few = fx.options;
  few.max_files = 3;
  auto many = IndexFixture::open(few).project("demo-versions");
  BOOST_REQUIRE(!many.ok());
  BOOST_TEST(static_cast<int>(many.error().kind) == static_cast<int>(ErrorKind::input));
  BOOST_TEST(many.error().message.find("more than the limit of 3") != std::string::npos);

  PypiIndexOptions small = fx.options;
  small.max_page_bytes = 200;
  auto big = IndexFixture::open(small).project("demo-versions");
  BOOST_REQUIRE(!big.ok());
  BOOST_TEST(static_cast<int>(big.error().kind) == static_cast<int>(ErrorKind::network));
  BOOST_TEST(big.error().message.find("limit of 200 bytes") != std::string::npos);

  // A compression bomb stops at the page limit of decoded bytes.
  fx.server->gzip_bomb_next(1, 10'000'000, "/simple/idna/");
  PypiIndexOptions capped = fx.options;
  capped.max_page_bytes = 1 << 20;
  auto bomb = IndexFixture::open(capped).project("idna");
  BOOST_REQUIRE(!bomb.ok());
  BOOST_TEST(static_cast<int>(bomb.error().kind) == static_cast<int>(ErrorKind::network));
  BOOST_TEST(bomb.error().message.find("limit of 1048576 bytes") != std::string::npos);
  BOOST_TEST(fx.server->request_count("/simple/idna/") == 1);

  auto bad_name = fx.project("../etc");
  BOOST_REQUIRE(!bad_name.ok());
  BOOST_TEST(static_cast<int>(bad_name.error().kind) == static_cast<int>(ErrorKind::usage));
  BOOST_TEST(fx.server->request_log().size() == 3u);  // the bad name asked nothing
}

BOOST_AUTO_TEST_CASE(resolve_url_follows_rfc3986) {
  const std::string base = "https://h.example/simple/pkg/";
  BOOST_TEST(resolve_url(base, "../../files/a.whl#sha256=00") == "https://h.example/files/a.whl");
  BOOST_TEST(resolve_url(base, "a.whl") == "https://h.example/simple/pkg/a.whl");
  BOOST_TEST(resolve_url(base, "./a.whl") == "https://h.example/simple/pkg/a.whl");
  BOOST_TEST(resolve_url(base, "/p/a.whl") == "https://h.example/p/a.whl");
  BOOST_TEST(resolve_url(base, "//cdn.example/a.whl") == "https://cdn.example/a.whl");
  BOOST_TEST(resolve_url(base, "http://o.example/x/a.whl") == "http://o.example/x/a.whl");
  BOOST_TEST(resolve_url(base, "../../../../a.whl") == "https://h.example/a.whl");
  BOOST_TEST(resolve_url("https://h.example/simple/pkg", "a.whl") ==
             "https://h.example/simple/a.whl");
  BOOST_TEST(resolve_url(base, "a.whl?x=1#frag") == "https://h.example/simple/pkg/a.whl?x=1");
}

BOOST_AUTO_TEST_CASE(html_parser_reads_entities_base_comments_and_odd_markup) {
  const std::string sha(64, 'a');
  const std::string page =
      "<!DOCTYPE html><HTML><head><base href=\"https://cdn.example/pkgs/\">"
      "<meta name=\"pypi:repository-version\" content=\"1.3\"></head><body>"
      "<!-- <a href=\"commented.whl\">x</a> -->"
      "<A HREF='x-1.0-py3-none-any.whl#sha256=" +
      sha +
      "' data-requires-python=\"&gt;=3.8,&lt;4\""
      " data-yanked=\"bad &amp; broken\" data-core-metadata=\"sha256=" +
      sha +
      "\">x</A>"
      "<a href=x-1.1.tar.gz data-dist-info-metadata=true>x-1.1.tar.gz</a>"
      "<a href=\"y%2B1-2.0-py3-none-any.whl#md5=abc\" data-yanked>y</a>"
      "<a name=\"no-href\">ignored</a>"
      "<a href=\"https://u:pw@files.example/packages/source/t/tqdm/tqdm-1.0.tar.gz\">t</a>"
      "</body></HTML>";
  auto files = parse_simple_html(page, "https://h.example/simple/x/", "page", 100);
  BOOST_REQUIRE_MESSAGE(files.ok(), (files.ok() ? "" : files.error().to_string()));
  BOOST_REQUIRE_EQUAL(files->size(), 4u);
  // Credentials in a link are dropped; a "/t/" path segment of a file is no token.
  BOOST_TEST((*files)[3].url == "https://files.example/packages/source/t/tqdm/tqdm-1.0.tar.gz");
  const auto& a = (*files)[0];
  BOOST_TEST(a.filename == "x-1.0-py3-none-any.whl");
  BOOST_TEST(a.url == "https://cdn.example/pkgs/x-1.0-py3-none-any.whl");
  BOOST_TEST(a.sha256 == sha);
  BOOST_TEST(a.requires_python == ">=3.8,<4");
  BOOST_TEST(a.yanked);
  BOOST_TEST(a.yanked_reason == "bad & broken");
  BOOST_TEST(a.has_metadata);
  BOOST_TEST(a.metadata_sha256 == sha);
  BOOST_TEST((*files)[1].filename == "x-1.1.tar.gz");
  BOOST_TEST((*files)[1].has_metadata);
  BOOST_TEST((*files)[1].metadata_sha256.empty());
  BOOST_TEST((*files)[2].filename == "y+1-2.0-py3-none-any.whl");
  BOOST_TEST((*files)[2].sha256.empty());  // only sha256 fragments are kept
  BOOST_TEST((*files)[2].yanked);
  BOOST_TEST((*files)[2].yanked_reason.empty());

  auto v2 = parse_simple_html(
      "<meta name=\"pypi:repository-version\" content=\"2.0\">", "https://h/s/x/", "page", 100);
  BOOST_REQUIRE(!v2.ok());
  auto bad_hash =
      parse_simple_html("<a href=\"x.whl#sha256=zz\">x</a>", "https://h/s/x/", "page", 100);
  BOOST_REQUIRE(!bad_hash.ok());
  BOOST_TEST(bad_hash.error().where == "page:1:1");
  // Links to folders are no files (a static server's listing has "../").
  auto dotdot = parse_simple_html("<a href=\"..\">x</a><a href=\"../\">x</a><a href=\"sub/\">x</a>",
                                  "https://h/s/x/",
                                  "page",
                                  100);
  BOOST_REQUIRE(dotdot.ok());
  BOOST_TEST(dotdot->empty());
  auto backslash =
      parse_simple_html("\n\n  <a href=\"a%5C..%5Cb.whl\">x</a>", "https://h/s/x/", "page", 100);
  BOOST_REQUIRE(!backslash.ok());
  BOOST_TEST(backslash.error().where == "page:3:3");
  BOOST_TEST(backslash.error().message.find("not a plain file name") != std::string::npos);
  auto control = parse_simple_html("<a href=\"a%0Ab.whl\">x</a>", "https://h/s/x/", "page", 100);
  BOOST_REQUIRE(!control.ok());
  // An unterminated tag and a lone '<' end the page without looping or reading past it.
  auto cut = parse_simple_html("<html><a href=\"x.whl", "https://h/s/x/", "page", 100);
  BOOST_REQUIRE(cut.ok());
}

BOOST_AUTO_TEST_CASE(html_parser_is_linear_on_a_large_page) {
  // 50,000 anchors (about PyPI's largest projects); a quadratic parser would not finish.
  std::string page = "<html><body>\n";
  const std::string sha(64, 'c');
  for (int i = 0; i < 50'000; ++i) {
    page += "<a href=\"../../f/p-" + std::to_string(i) + ".whl#sha256=" + sha +
            "\" data-requires-python=\"&gt;=3.8\">p</a><br/>\n";
  }
  auto files = parse_simple_html(page, "https://h/simple/p/", "page", 200'000);
  BOOST_REQUIRE(files.ok());
  BOOST_TEST(files->size() == 50'000u);
  BOOST_TEST(files->back().url == "https://h/f/p-49999.whl");
  BOOST_TEST(files->back().requires_python == ">=3.8");
}

BOOST_AUTO_TEST_CASE(json_parser_reads_pep691_and_refuses_what_it_cannot_trust) {
  const std::string sha(64, 'b');
  const std::string page = R"({"meta": {"api-version": "1.1"}, "name": "x", "files": [
    {"filename": "x-1.0-py3-none-any.whl", "url": "../../f/x-1.0-py3-none-any.whl",
     "hashes": {"sha256": ")" +
                           sha + R"(", "md5": "zz"}, "requires-python": ">=3.9",
     "yanked": "reason", "dist-info-metadata": {"sha256": ")" +
                           sha + R"("}, "size": 10},
    {"filename": "x-1.0.tar.gz", "url": "https://o.example/x-1.0.tar.gz", "hashes": {},
     "yanked": false, "core-metadata": true, "dist-info-metadata": false}]})";
  auto files = parse_simple_json(page, "https://h.example/simple/x/", "page", 10);
  BOOST_REQUIRE_MESSAGE(files.ok(), (files.ok() ? "" : files.error().to_string()));
  BOOST_REQUIRE_EQUAL(files->size(), 2u);
  const auto& a = (*files)[0];
  BOOST_TEST(a.url == "https://h.example/f/x-1.0-py3-none-any.whl");
  BOOST_TEST(a.sha256 == sha);
  BOOST_TEST(a.size.value_or(0) == 10u);
  BOOST_TEST(a.yanked);
  BOOST_TEST(a.yanked_reason == "reason");
  BOOST_TEST(a.has_metadata);
  BOOST_TEST(a.metadata_sha256 == sha);
  const auto& b = (*files)[1];
  BOOST_TEST(b.url == "https://o.example/x-1.0.tar.gz");
  BOOST_TEST(!b.yanked);
  BOOST_TEST(b.has_metadata);  // core-metadata (PEP 714) wins over dist-info-metadata

  auto fails = [](const std::string& text) {
    return !parse_simple_json(text, "https://h/s/x/", "page", 10).ok();
  };
  BOOST_TEST(fails("[]"));
  BOOST_TEST(fails(R"({"files": []})"));
  BOOST_TEST(fails(
      R"({"meta": {"api-version": "1.0"}, "files": [{"filename": "../x.whl", "url": "x"}]})"));
  BOOST_TEST(fails(
      R"({"meta": {"api-version": "1.0"}, "files": [{"filename": "x.whl", "url": "x", "hashes": {"sha256": "00"}}]})"));
  BOOST_TEST(fails(
      R"({"meta": {"api-version": "1.0"}, "files": [{"filename": "x.whl", "url": "x", "size": -1}]})"));
  BOOST_TEST(fails(
      R"({"meta": {"api-version": "1.0"}, "files": [{"filename": "x.whl", "url": "x", "yanked": 3}]})"));
  BOOST_TEST(
      fails(R"({"meta": {"api-version": "1.0"}, "files": [)" + std::string(100, '[') + "]}"));
  std::string eleven = R"({"meta": {"api-version": "1.0"}, "files": [)";
  for (int i = 0; i < 11; ++i) {
    eleven += std::string(i ? "," : "") + R"({"filename": "x)" + std::to_string(i) +
              R"(.whl", "url": "x"})";
  }
  BOOST_TEST(fails(eleven + "]}"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::channel
