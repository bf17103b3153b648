#include "lib/channel/shards.h"

#include <zstd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <msgpack.hpp>

#include "lib/hash/hash.h"
#include "lib/testing/http/http_server.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::channel {
namespace {

namespace fs = std::filesystem;
using testing::HttpServer;
using testing::TempDir;

std::string zst(std::string_view bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 3);
  BOOST_REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string raw_sha256(std::string_view bytes) {
  std::string hex = hash::hex_digest(hash::Algorithm::sha256, bytes);
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// A tiny msgpack writer over msgpack-c's packer.
struct Pack {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> p{buf};
  Pack& map(uint32_t n) { return p.pack_map(n), *this; }
  Pack& array(uint32_t n) { return p.pack_array(n), *this; }
  Pack& str(std::string_view s) {
    p.pack_str(static_cast<uint32_t>(s.size()));
    p.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
    return *this;
  }
  Pack& bin(std::string_view s) {
    p.pack_bin(static_cast<uint32_t>(s.size()));
    p.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
    return *this;
  }
  Pack& num(int64_t v) { return p.pack(v), *this; }
  Pack& boolean(bool v) { return v ? p.pack_true() : p.pack_false(), *this; }
  std::string bytes() const { return std::string(buf.data(), buf.size()); }
};

// One record of `name` in a shard: the fields a lock needs, sha256 as raw bytes.
void record(Pack& p, const std::string& name, const std::string& version,
            const std::vector<std::string>& depends) {
  p.map(7);
  p.str("name").str(name);
  p.str("version").str(version);
  p.str("build").str("h0_0");
  p.str("build_number").num(0);
  p.str("depends").array(static_cast<uint32_t>(depends.size()));
  for (const auto& d : depends) p.str(d);
  p.str("sha256").bin(raw_sha256(name + version));
  p.str("timestamp").num(1700000000);  // seconds: read as milliseconds
}

std::string shard_bytes(const std::string& name, const std::vector<std::string>& versions,
                        const std::vector<std::string>& depends = {}) {
  Pack p;
  p.map(3).str("packages").map(0).str("packages.conda").map(static_cast<uint32_t>(versions.size()));
  for (const auto& v : versions) {
    p.str(name + "-" + v + "-h0_0.conda");
    record(p, name, v, depends);
  }
  p.str("removed").array(0);
  return zst(p.bytes());
}

std::string index_bytes(const std::map<std::string, std::string>& shards,
                        const std::string& shards_base_url = "./shards/") {
  Pack p;
  p.map(3).str("version").num(1);
  p.str("info").map(3).str("base_url").str("").str("shards_base_url").str(shards_base_url);
  p.str("subdir").str("linux-64");
  p.str("shards").map(static_cast<uint32_t>(shards.size()));
  for (const auto& [name, file] : shards) p.str(name).bin(raw_sha256(file));
  return zst(p.bytes());
}

BOOST_AUTO_TEST_CASE(index_is_read_sorted_with_its_info) {
  std::map<std::string, std::string> files{{"zlib", shard_bytes("zlib", {"1.3"})},
                                           {"abc", shard_bytes("abc", {"1"})}};
  auto index = parse_shard_index(index_bytes(files, "https://cdn.example/shards/"), "idx");
  BOOST_REQUIRE(index.ok());
  BOOST_TEST(index->subdir == "linux-64");
  BOOST_TEST(index->shards_base_url == "https://cdn.example/shards/");
  BOOST_REQUIRE(index->shards.size() == 2u);
  BOOST_TEST(index->shards[0].first == "abc");
  BOOST_REQUIRE(index->find("zlib") != nullptr);
  BOOST_TEST(to_hex(*index->find("zlib")) ==
             hash::hex_digest(hash::Algorithm::sha256, files["zlib"]));
  BOOST_TEST(index->find("numpy") == nullptr);
}

BOOST_AUTO_TEST_CASE(shard_records_read_like_repodata_json) {
  auto records = parse_shard(shard_bytes("abc", {"1.0", "2.0"}, {"zlib >=1.2"}), "abc", "s");
  BOOST_REQUIRE_MESSAGE(records.ok(), (records.ok() ? "" : records.error().to_string()));
  BOOST_REQUIRE(records->size() == 2u);
  const auto& r = (*records)[1];
  BOOST_TEST(r.fn == "abc-2.0-h0_0.conda");
  BOOST_TEST(r.version == "2.0");
  BOOST_TEST(r.sha256 == hash::hex_digest(hash::Algorithm::sha256, "abc2.0"));
  BOOST_TEST(r.depends == std::vector<std::string>{"zlib >=1.2"});
  BOOST_TEST(r.timestamp == int64_t{1700000000} * 1000);
}

BOOST_AUTO_TEST_CASE(bad_shards_and_indexes_are_input_errors) {
  auto expect = [](const auto& result, const std::string& text) {
    BOOST_REQUIRE(!result.ok());
    BOOST_TEST((result.error().kind == ErrorKind::input));
    BOOST_TEST_INFO(result.error().to_string());
    BOOST_TEST(result.error().to_string().find(text) != std::string::npos);
  };
  // A record of another name in a shard.
  expect(parse_shard(shard_bytes("evil", {"1"}), "abc", "s"), "a record named 'evil'");
  // A field of the wrong type names the record.
  {
    Pack p;
    p.map(1).str("packages").map(1).str("abc-1-0.tar.bz2").map(2);
    p.str("name").str("abc").str("version").num(1);
    expect(parse_shard(zst(p.bytes()), "abc", "s"), "record 'abc-1-0.tar.bz2': 'version' must be");
  }
  // A hash of the wrong length.
  {
    Pack p;
    p.map(3).str("version").num(1).str("info").map(0).str("shards").map(1).str("a").bin("short");
    expect(parse_shard_index(zst(p.bytes()), "idx"), "must be a 32-byte sha256");
  }
  // Another version.
  {
    Pack p;
    p.map(2).str("version").num(2).str("shards").map(0);
    expect(parse_shard_index(zst(p.bytes()), "idx"), "only version 1");
  }
  // Not zstd, cut zstd, not msgpack, not a map, nothing after the map.
  expect(parse_shard_index("plain text", "idx"), "bad zstd data");
  std::string good = index_bytes({{"a", "x"}});
  expect(parse_shard_index(good.substr(0, good.size() / 2), "idx"), "truncated zstd stream");
  expect(parse_shard_index(zst("\xc1"), "idx"), "not a valid msgpack shard index");
  expect(parse_shard_index(zst(Pack().array(0).bytes()), "idx"), "not a map");
  expect(parse_shard_index(zst(Pack().map(0).bytes() + "x"), "idx"), "bytes after the map");
  // Bounds: nesting, decompressed size, counts.
  {
    Pack p;
    p.map(1).str("shards");
    for (int i = 0; i < 100; ++i) p.array(1);
    p.num(0);
    expect(parse_shard_index(zst(p.bytes()), "idx"), "not a valid msgpack shard index");
  }
  ShardLimits small;
  small.max_index_bytes = 1000;
  expect(parse_shard_index(zst(std::string(5000, '\0')), "idx", small),
         "larger than the limit of 1000 bytes");
  small = {};
  small.max_entries = 3;
  expect(parse_shard_index(
             index_bytes({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}}), "idx", small),
         "not a valid msgpack shard index");
}

// A served channel "chan" whose linux-64 is sharded (abc → zlib) and whose noarch is
// monolithic, with fast retry settings.
struct ShardedChannel {
  TempDir dir;
  std::string root = dir / "served";
  std::map<std::string, std::string> files{{"abc", shard_bytes("abc", {"1.0"}, {"zlib"})},
                                           {"zlib", shard_bytes("zlib", {"1.3"})}};
  HttpServer server{root};
  FetchOptions options;

  ShardedChannel() {
    for (const auto& [name, bytes] : files) write(shard_file(name), bytes);
    write(root + "/chan/linux-64/repodata_shards.msgpack.zst", index_bytes(files));
    testing::write_text(root + "/chan/noarch/repodata.json", R"({"packages": {}})");
    options.cache_dir = dir / "cache";
    options.http.backoff = std::chrono::milliseconds(1);
  }
  static void write(const std::string& path, const std::string& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    BOOST_REQUIRE(write_file_atomic(path, bytes).ok());
  }
  std::string shard_file(const std::string& name) const {
    return root + "/chan/linux-64/shards/" +
           hash::hex_digest(hash::Algorithm::sha256, files.at(name)) + ".msgpack.zst";
  }
  std::string shard_path(const std::string& name) const {
    return shard_file(name).substr(root.size());
  }
  Channel channel() const { return Channel::parse_one(server.url() + "/chan", {}).value(); }
};

BOOST_AUTO_TEST_CASE(shards_are_fetched_checked_cached_and_reused) {
  ShardedChannel c;
  auto sub = fetch_subdir(c.channel(), "linux-64", c.options);
  BOOST_REQUIRE_MESSAGE(sub.ok(), (sub.ok() ? "" : sub.error().to_string()));
  BOOST_REQUIRE(sub->sharded);
  BOOST_TEST((sub->sharded->source == RepodataSource::network));
  ShardFetcher fetcher(c.options);
  auto got = fetcher.fetch({{sub->sharded.get(), "abc"}, {sub->sharded.get(), "nope"}});
  BOOST_REQUIRE(got.ok());
  BOOST_REQUIRE((*got)[0].size() == 1u);
  BOOST_TEST((*got)[0][0].depends == std::vector<std::string>{"zlib"});
  BOOST_TEST((*got)[1].empty());
  BOOST_TEST(fetcher.stats().downloaded == 1u);
  // Again: from the cache by hash, never revalidated.
  BOOST_REQUIRE(fetcher.fetch({{sub->sharded.get(), "abc"}}).ok());
  BOOST_TEST(c.server.request_count(c.shard_path("abc")) == 1);
  // The index is revalidated: a 304.
  auto again = fetch_subdir(c.channel(), "linux-64", c.options);
  BOOST_REQUIRE(again.ok() && again->sharded);
  BOOST_TEST((again->sharded->source == RepodataSource::revalidated));
  // noarch has no index: the 404 is remembered, repodata.json is used.
  auto noarch = fetch_subdir(c.channel(), "noarch", c.options);
  BOOST_REQUIRE(noarch.ok() && noarch->monolithic);
  BOOST_REQUIRE(fetch_subdir(c.channel(), "noarch", c.options).ok());
  BOOST_TEST(c.server.request_count("/chan/noarch/repodata_shards.msgpack.zst") == 1);
  // Offline: the cached index and shard.
  c.options.offline = Offline::yes;
  auto offline = fetch_subdir(c.channel(), "linux-64", c.options);
  BOOST_REQUIRE(offline.ok() && offline->sharded);
  ShardFetcher offline_fetcher(c.options);
  BOOST_TEST(offline_fetcher.fetch({{offline->sharded.get(), "abc"}}).ok());
  auto missing = offline_fetcher.fetch({{offline->sharded.get(), "zlib"}});
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().to_string().find("--offline forbids") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_wrong_hash_is_refetched_once_then_refused_uncached) {
  ShardedChannel c;
  ShardedChannel::write(c.shard_file("zlib"), shard_bytes("zlib", {"6.6.6"}));
  auto sub = fetch_subdir(c.channel(), "linux-64", c.options);
  BOOST_REQUIRE(sub.ok() && sub->sharded);
  ShardFetcher fetcher(c.options);
  auto got = fetcher.fetch({{sub->sharded.get(), "zlib"}});
  BOOST_REQUIRE(!got.ok());
  BOOST_TEST((got.error().kind == ErrorKind::network));
  BOOST_TEST(got.error().to_string().find("the shard of 'zlib' has sha256") != std::string::npos);
  BOOST_TEST(c.server.request_count(c.shard_path("zlib")) == 2);
  BOOST_TEST(!fs::exists(c.options.cache_dir + "/shards/by-hash"));
  // A missing shard names its package.
  fs::remove(c.shard_file("abc"));
  auto missing = fetcher.fetch({{sub->sharded.get(), "abc"}});
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().to_string().find("lists 'abc' but its shard is missing") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(shards_base_url_cannot_climb_out_of_the_channel) {
  ShardedChannel c;
  ShardedChannel::write(c.root + "/chan/linux-64/repodata_shards.msgpack.zst",
                        index_bytes(c.files, "../../elsewhere/"));
  auto sub = fetch_subdir(c.channel(), "linux-64", c.options);
  BOOST_REQUIRE(!sub.ok());
  BOOST_TEST(sub.error().to_string().find("must not contain '..'") != std::string::npos);
}

// A shard of `name` holding one record under the file name `fn` (and a record "fn" field
// when `fn_field` is not empty).
std::string shard_with_file_name(const std::string& name, const std::string& fn,
                                 const std::string& fn_field = "") {
  Pack p;
  p.map(1).str("packages.conda").map(1).str(fn).map(fn_field.empty() ? 2 : 3);
  p.str("name").str(name).str("version").str("1");
  if (!fn_field.empty()) p.str("fn").str(fn_field);
  return zst(p.bytes());
}

BOOST_AUTO_TEST_CASE(a_shard_file_name_must_be_a_plain_package_file_name) {
  // Red team: the key becomes <channel>/<subdir>/<fn> in the lock and a file in the package
  // cache; a hostile mirror must not steer either with a path.
  for (std::string fn : std::vector<std::string>{"../../x/abc-1-h0_0.conda",
                                                 "x/abc-1-h0_0.conda",
                                                 "x\\abc-1-h0_0.tar.bz2",
                                                 "..%2Fabc-1-h0_0.conda",
                                                 "abc-1-h0_0.conda?x=1",
                                                 "abc-1-h0_0.conda#x",
                                                 ".conda",
                                                 ".hidden-1-h0_0.conda",
                                                 "abc-1-h0_0.whl",
                                                 "abc-1-h0_0.exe",
                                                 "abc-1\nh0_0.conda",
                                                 ""}) {
    BOOST_TEST_INFO("file name " << fn);
    auto got = parse_shard(shard_with_file_name("abc", fn), "abc", "s");
    BOOST_REQUIRE(!got.ok());
    BOOST_TEST((got.error().kind == ErrorKind::input));
    BOOST_TEST(got.error().to_string().find("not a plain package file name") != std::string::npos);
  }
  // A record's own "fn" may not rename it either.
  auto renamed = parse_shard(
      shard_with_file_name("abc", "abc-1-h0_0.conda", "../../abc-1-h0_0.conda"), "abc", "s");
  BOOST_REQUIRE(!renamed.ok());
  BOOST_TEST(renamed.error().to_string().find("record 'abc-1-h0_0.conda'") != std::string::npos);
  // The plain names stay readable, with or without a matching "fn".
  for (std::string fn : {"abc-1-h0_0.conda", "abc-1-h0_0.tar.bz2"}) {
    auto ok = parse_shard(shard_with_file_name("abc", fn, fn), "abc", "s");
    BOOST_REQUIRE_MESSAGE(ok.ok(), (ok.ok() ? "" : ok.error().to_string()));
    BOOST_TEST((*ok)[0].fn == fn);
  }
}

BOOST_AUTO_TEST_CASE(an_absolute_shards_base_url_is_shown_redacted_with_its_slash) {
  ShardedChannel c;
  ShardedChannel::write(c.root + "/chan/linux-64/repodata_shards.msgpack.zst",
                        index_bytes(c.files, "http://user:s3cret@127.0.0.1:1/x/"));
  auto sub = fetch_subdir(c.channel(), "linux-64", c.options);
  BOOST_REQUIRE_MESSAGE(sub.ok(), (sub.ok() ? "" : sub.error().to_string()));
  BOOST_REQUIRE(sub->sharded);
  BOOST_TEST(sub->sharded->shards_redacted.find("s3cret") == std::string::npos);
  BOOST_TEST(sub->sharded->shards_redacted.ends_with("/x/"), sub->sharded->shards_redacted);
  BOOST_TEST(sub->sharded->shards_fetch == "http://user:s3cret@127.0.0.1:1/x/");
}

BOOST_AUTO_TEST_CASE(shards_base_url_is_taken_literally_never_env_expanded) {
  // Red team: an index whose shards_base_url holds "${VAR}" must not make envlock send the
  // variable's value to the server (the user's own ${VAR}s in -c URLs are expanded, the
  // index's are data).
  ShardedChannel c;
  const std::string literal = "s-${ENVLOCK_TEST_SECRET}";
  for (const auto& [name, bytes] : c.files)
    ShardedChannel::write(c.root + "/chan/linux-64/" + literal + "/" +
                              hash::hex_digest(hash::Algorithm::sha256, bytes) + ".msgpack.zst",
                          bytes);
  ShardedChannel::write(c.root + "/chan/linux-64/repodata_shards.msgpack.zst",
                        index_bytes(c.files, "./" + literal + "/"));
  c.options.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "ENVLOCK_TEST_SECRET") return std::string("hunter2");
    return std::nullopt;
  };
  auto sub = fetch_subdir(c.channel(), "linux-64", c.options);
  BOOST_REQUIRE_MESSAGE(sub.ok(), (sub.ok() ? "" : sub.error().to_string()));
  BOOST_REQUIRE(sub->sharded);
  BOOST_TEST(sub->sharded->shards_fetch.find("hunter2") == std::string::npos);
  ShardFetcher fetcher(c.options);
  auto got = fetcher.fetch({{sub->sharded.get(), "abc"}});
  BOOST_REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error().to_string()));
  BOOST_REQUIRE((*got)[0].size() == 1u);
  for (const auto& line : c.server.request_log())
    BOOST_TEST(line.find("hunter2") == std::string::npos, line);
}

}  // namespace
}  // namespace envlock::channel
