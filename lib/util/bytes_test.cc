#include "lib/util/bytes.h"

#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock {

BOOST_AUTO_TEST_SUITE(bytes)

BOOST_AUTO_TEST_CASE(mapped_file_reads_back_with_zero_padding) {
  testing::TempDir dir;
  const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  // Sizes around a page boundary: the padding must never fall on a file page past the end.
  for (size_t size : {size_t{1}, page - 1, page, page + 1, 3 * page - k_read_padding / 2}) {
    BOOST_TEST_CONTEXT("size " << size) {
      std::string text(size, 'x');
      for (size_t i = 0; i < size; i += 13) text[i] = static_cast<char>('a' + i % 26);
      std::string path = dir / ("f" + std::to_string(size));
      BOOST_REQUIRE(write_file_atomic(path, text).ok());
      auto mapped = Bytes::map_file(path);
      BOOST_REQUIRE(mapped.ok());
      BOOST_TEST(mapped->view() == text);
      BOOST_TEST(mapped->readable_past_end() >= k_read_padding);
      for (size_t i = 0; i < k_read_padding; ++i) BOOST_TEST(mapped->data()[size + i] == '\0');
      Bytes copy = *mapped;  // copies share the map, which outlives the original
      mapped = Error{ErrorKind::internal, "", "dropped"};
      BOOST_TEST(copy.view() == text);
    }
  }
}

BOOST_AUTO_TEST_CASE(empty_special_and_missing_files) {
  testing::TempDir dir;
  std::string empty = dir / "empty";
  BOOST_REQUIRE(write_file_atomic(empty, "").ok());
  auto e = Bytes::map_file(empty);
  BOOST_REQUIRE(e.ok());
  BOOST_TEST(e->empty());
  auto proc = Bytes::map_file("/proc/self/status");  // size 0 in stat, content when read
  BOOST_REQUIRE(proc.ok());
  BOOST_TEST(proc->view().find("Name:") == 0u);
  auto missing = Bytes::map_file(dir / "missing");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().kind == ErrorKind::io);
  BOOST_TEST(missing.error().to_string().find("missing") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(owned_string_keeps_its_spare_capacity_as_padding) {
  std::string text = "abc";
  text.reserve(200);
  Bytes b(std::move(text));
  BOOST_TEST(b.view() == "abc");
  BOOST_TEST(b.readable_past_end() >= 197u);
  std::string_view v = b;
  BOOST_TEST(v.size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock
