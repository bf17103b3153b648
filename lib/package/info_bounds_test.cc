// read_package_info bounds what it takes from an archive: an info/ member that decompresses
// past the limit (a bzip2 bomb) and JSON nested past k_max_nesting are input errors.

#include <archive.h>
#include <archive_entry.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "lib/package/package.h"
#include "lib/testing/testing.h"

namespace envlock::package {
namespace {

la_ssize_t append(archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

// A .tar.bz2 holding `members` (path, contents), written to `path`.
void write_tar_bz2(const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  archive_write_add_filter_bzip2(a.get());
  BOOST_REQUIRE(archive_write_open(a.get(), &out, nullptr, append, nullptr) == ARCHIVE_OK);
  for (const auto& [name, data] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    BOOST_REQUIRE(archive_write_header(a.get(), e) == ARCHIVE_OK);
    BOOST_REQUIRE(archive_write_data(a.get(), data.data(), data.size()) ==
                  static_cast<la_ssize_t>(data.size()));
    archive_entry_free(e);
  }
  BOOST_REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
  std::ofstream(path, std::ios::binary) << out;
}

const std::string k_index = R"({"name":"x","version":"1","build":"0","build_number":0})";

BOOST_AUTO_TEST_SUITE(info_bounds)

BOOST_AUTO_TEST_CASE(an_info_member_past_the_limit_is_refused) {
  testing::TempDir dir;
  std::string path = dir / "x-1-0.tar.bz2";
  // 64 MiB + 1 of spaces: valid JSON padding, a few hundred bytes compressed.
  std::string paths = "{\"paths\": []}" + std::string(k_max_info_member_bytes, ' ');
  write_tar_bz2(path, {{"info/index.json", k_index}, {"info/paths.json", paths}});
  BOOST_TEST(std::filesystem::file_size(path) < 100000u);
  auto info = read_package_info(path);
  BOOST_REQUIRE(!info.ok());
  BOOST_TEST(info.error().kind == ErrorKind::input);
  BOOST_TEST(info.error().to_string().find("info/paths.json") != std::string::npos,
             info.error().to_string());
  BOOST_TEST(info.error().to_string().find("larger than 64 MiB") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(deeply_nested_info_json_is_refused) {
  testing::TempDir dir;
  std::string path = dir / "x-1-0.tar.bz2";
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  write_tar_bz2(path,
                {{"info/index.json", k_index}, {"info/paths.json", "{\"paths\": " + deep + "}"}});
  auto info = read_package_info(path);
  BOOST_REQUIRE(!info.ok());
  BOOST_TEST(info.error().kind == ErrorKind::input);
  BOOST_TEST(info.error().to_string().find("nesting deeper than") != std::string::npos,
             info.error().to_string());
}

BOOST_AUTO_TEST_CASE(a_json_number_out_of_range_is_an_input_error) {
  testing::TempDir dir;
  std::string path = dir / "x-1-0.tar.bz2";
  write_tar_bz2(
      path, {{"info/index.json", R"({"name":"x","version":"1","build":"0","timestamp":4e6300})"}});
  auto info = read_package_info(path);
  BOOST_REQUIRE(!info.ok());
  BOOST_TEST(info.error().kind == ErrorKind::input);
  BOOST_TEST(info.error().to_string().find("a number out of range") != std::string::npos,
             info.error().to_string());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::package
