#include "lib/util/file.h"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "lib/testing/testing.h"

namespace envlock {

BOOST_AUTO_TEST_SUITE(file)

BOOST_AUTO_TEST_CASE(atomic_write_then_read_round_trips) {
  testing::TempDir dir;
  std::string path = dir / "out.txt";
  BOOST_REQUIRE(write_file_atomic(path, "first\n").ok());
  BOOST_REQUIRE(write_file_atomic(path, std::string("second\0x", 8)).ok());
  auto content = read_file(path);
  BOOST_REQUIRE(content.ok());
  BOOST_TEST(*content == std::string("second\0x", 8));
  // No temporary file is left behind.
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) (void)e, ++entries;
  BOOST_TEST(entries == 1);
}

BOOST_AUTO_TEST_CASE(read_leaves_padding_and_reads_files_whose_size_is_unknown) {
  testing::TempDir dir;
  std::string path = dir / "big.json";
  std::string bytes(100000, 'x');
  for (size_t i = 0; i < bytes.size(); i += 7) bytes[i] = static_cast<char>('a' + i % 26);
  BOOST_REQUIRE(write_file_atomic(path, bytes).ok());
  auto content = read_file(path);
  BOOST_REQUIRE(content.ok());
  BOOST_TEST(*content == bytes);
  BOOST_TEST(content->capacity() >= content->size() + k_read_padding);
  BOOST_TEST(content->capacity() < 2 * content->size());  // no doubling on the last read
  // /proc files report size 0 yet have content.
  auto status = read_file("/proc/self/status");
  BOOST_REQUIRE(status.ok());
  BOOST_TEST(status->find("Name:") == 0u);
  BOOST_TEST(status->capacity() >= status->size() + k_read_padding);
}

BOOST_AUTO_TEST_CASE(read_missing_file_is_io_error_naming_path) {
  testing::TempDir dir;
  auto r = read_file(dir / "missing.yml");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::io);
  BOOST_TEST(r.error().to_string() ==
             (dir / "missing.yml") + ": cannot open: No such file or directory");
}

BOOST_AUTO_TEST_CASE(atomic_write_into_missing_folder_fails_cleanly) {
  testing::TempDir dir;
  auto r = write_file_atomic(dir / "nope/out.txt", "x");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::io);
}

BOOST_AUTO_TEST_CASE(read_directory_is_an_error) {
  testing::TempDir dir;
  auto r = read_file(dir.path());
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message == "is a directory");
}

BOOST_AUTO_TEST_CASE(an_interrupt_removes_a_registered_staging_folder_and_nothing_else) {
  namespace fs = std::filesystem;
  testing::TempDir dir;
  const std::string stage = dir / "stage";
  const std::string outside = dir / "outside";
  fs::create_directories(stage + "/channels/a/linux-64");
  fs::create_directories(outside);
  BOOST_REQUIRE(write_file_atomic(outside + "/keep.txt", "keep\n").ok());
  // Enough files that removing them while the folder is read needs more than one read.
  for (int i = 0; i < 300; ++i)
    BOOST_REQUIRE(
        write_file_atomic(stage + "/channels/a/linux-64/f" + std::to_string(i), "x").ok());
  fs::create_symlink(outside, stage + "/channels/link");  // removed, never followed
  const std::string file = dir / "part";
  BOOST_REQUIRE(write_file_atomic(file, "part").ok());
  {
    TemporaryRegistration folder(stage, TemporaryKind::folder);
    TemporaryRegistration part(file);
    remove_unfinished_temporaries();
  }
  BOOST_TEST(!fs::exists(fs::symlink_status(stage)));
  BOOST_TEST(!fs::exists(file));
  BOOST_TEST(fs::exists(outside + "/keep.txt"));
  // Once the registration is gone, nothing is removed.
  fs::create_directories(stage);
  remove_unfinished_temporaries();
  BOOST_TEST(fs::is_directory(stage));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock
