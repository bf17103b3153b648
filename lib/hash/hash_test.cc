#include "lib/hash/hash.h"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lib/testing/testing.h"

namespace fs = std::filesystem;
namespace bdata = boost::unit_test::data;

namespace envlock::hash {
namespace {

struct Vector {
  Algorithm algorithm;
  std::string input;
  std::string hex;
};

std::ostream& operator<<(std::ostream& out, const Vector& v) {
  return out << name(v.algorithm) << "(\"" << v.input << "\")";
}

// FIPS 180-2 / RFC 1321 / xxHash reference vectors.
const std::vector<Vector> k_vectors = {
    {Algorithm::sha256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {Algorithm::sha256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {Algorithm::sha256,
     "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {Algorithm::md5, "", "d41d8cd98f00b204e9800998ecf8427e"},
    {Algorithm::md5, "abc", "900150983cd24fb0d6963f7d28e17f72"},
    {Algorithm::md5,
     "The quick brown fox jumps over the lazy dog",
     "9e107d9d372bb6826bd81d3542a419d6"},
    {Algorithm::xxh3_64, "", "2d06800538d394c2"},
    {Algorithm::xxh3_64, "abc", "78af5f94892f3950"},
    {Algorithm::xxh3_128, "", "99aa06d3014798d86001c324468d497f"},
    {Algorithm::xxh3_128, "abc", "06b05ab6733a618578af5f94892f3950"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(hash)

BOOST_DATA_TEST_CASE(published_vectors, bdata::make(k_vectors), v) {
  BOOST_TEST(hex_digest(v.algorithm, v.input) == v.hex);
  // Streaming byte by byte gives the same digest as one update.
  Hasher h(v.algorithm);
  for (char c : v.input) h.update(std::string_view(&c, 1));
  BOOST_TEST(h.finish_hex() == v.hex);
  BOOST_TEST(is_hex_digest(v.algorithm, v.hex));
}

BOOST_AUTO_TEST_CASE(million_a_streams_in_chunks) {
  // FIPS 180-2 long message: one million 'a'.
  Hasher h(Algorithm::sha256);
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(chunk);
  BOOST_TEST(h.finish_hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(file_digest_matches_buffer_digest_across_chunk_boundary) {
  testing::TempDir dir;
  std::string data;
  for (int i = 0; i < 700000; ++i) data.push_back(static_cast<char>(i * 31 + 7));
  testing::write_text(dir / "blob", data);
  auto d = digest_file(dir / "blob", {Algorithm::sha256, Algorithm::md5, Algorithm::xxh3_128});
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(d->size == data.size());
  BOOST_TEST(d->hex[0] == hex_digest(Algorithm::sha256, data));
  BOOST_TEST(d->hex[1] == hex_digest(Algorithm::md5, data));
  BOOST_TEST(d->hex[2] == hex_digest(Algorithm::xxh3_128, data));
  BOOST_TEST(xxh3_64(data) == std::stoull(hex_digest(Algorithm::xxh3_64, data), nullptr, 16));
}

BOOST_AUTO_TEST_CASE(missing_file_is_io_error) {
  auto r = hex_digest_file(Algorithm::sha256, "/nonexistent/envlock/file");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::io);
  BOOST_TEST(r.error().where == "/nonexistent/envlock/file");
}

BOOST_AUTO_TEST_CASE(hex_helpers) {
  BOOST_TEST(to_hex(std::string("\x00\xff\x10", 3)) == "00ff10");
  BOOST_TEST(!is_hex_digest(Algorithm::md5, "xyz"));
  BOOST_TEST(!is_hex_digest(Algorithm::md5, std::string(32, 'g')));
  BOOST_TEST(is_hex_digest(Algorithm::md5, std::string(32, 'A')));
  BOOST_TEST(normalize_hex("ABCdef01") == "abcdef01");
}

// Every real package in the corpus that its repodata lists: our sha256, md5 and size agree.
BOOST_AUTO_TEST_CASE(corpus_packages_match_their_repodata) {
  fs::path root = fs::path(testing::corpus_dir()) / "packages";
  int checked = 0;
  for (auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().filename() != "repodata.json") continue;
    std::ifstream in(entry.path());
    auto repodata = nlohmann::json::parse(in, nullptr, false);
    if (repodata.is_discarded()) continue;
    for (const char* key : {"packages", "packages.conda"}) {
      if (!repodata.contains(key)) continue;
      for (auto& [filename, record] : repodata[key].items()) {
        fs::path archive = entry.path().parent_path() / filename;
        if (!fs::exists(archive)) continue;
        auto d = digest_file(archive.string(), {Algorithm::sha256, Algorithm::md5});
        BOOST_REQUIRE(d.ok());
        if (record.contains("sha256")) BOOST_TEST(d->hex[0] == record["sha256"].get<std::string>());
        if (record.contains("md5")) BOOST_TEST(d->hex[1] == record["md5"].get<std::string>());
        if (record.contains("size")) BOOST_TEST(d->size == record["size"].get<uint64_t>());
        ++checked;
      }
    }
  }
  BOOST_TEST_MESSAGE("checked " << checked << " corpus packages");
  BOOST_TEST(checked >= 50);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::hash
