// Hand-made hostile archives: each must be refused with an input error naming the archive and
// the member, and must leave nothing behind.

#include <archive.h>
#include <archive_entry.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "lib/package/package.h"
#include "lib/testing/testing.h"

namespace fs = std::filesystem;

namespace envlock::package {
namespace {

enum class Kind { file, dir, symlink, hardlink, chardev, fifo };

struct Item {
  std::string name;
  Kind kind = Kind::file;
  std::string data;  ///< file contents, or link target
};

struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

la_ssize_t append_to_string(archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

enum class Filter { none, bzip2, zstd };

std::string make_tar(const std::vector<Item>& items, Filter filter) {
  std::string out;
  std::unique_ptr<archive, WriteFree> a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  if (filter == Filter::bzip2) archive_write_add_filter_bzip2(a.get());
  if (filter == Filter::zstd) archive_write_add_filter_zstd(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  BOOST_REQUIRE(archive_write_open(a.get(), &out, nullptr, append_to_string, nullptr) ==
                ARCHIVE_OK);
  for (const auto& item : items) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, item.name.c_str());
    archive_entry_set_mtime(e, 1700000000, 0);
    switch (item.kind) {
      case Kind::file:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, static_cast<la_int64_t>(item.data.size()));
        break;
      case Kind::dir:
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, 0755);
        break;
      case Kind::symlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_perm(e, 0777);
        archive_entry_set_symlink(e, item.data.c_str());
        break;
      case Kind::hardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_hardlink(e, item.data.c_str());
        archive_entry_set_size(e, 0);
        break;
      case Kind::chardev:
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_rdevmajor(e, 1);
        archive_entry_set_rdevminor(e, 3);
        break;
      case Kind::fifo:
        archive_entry_set_filetype(e, AE_IFIFO);
        archive_entry_set_perm(e, 0644);
        break;
    }
    BOOST_REQUIRE(archive_write_header(a.get(), e) == ARCHIVE_OK);
    if (item.kind == Kind::file && !item.data.empty()) {
      archive_write_data(a.get(), item.data.data(), item.data.size());
    }
    archive_entry_free(e);
  }
  BOOST_REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
  return out;
}

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out;
  std::unique_ptr<archive, WriteFree> a(archive_write_new());
  archive_write_set_format_zip(a.get());
  archive_write_set_options(a.get(), "zip:compression=store");
  BOOST_REQUIRE(archive_write_open(a.get(), &out, nullptr, append_to_string, nullptr) ==
                ARCHIVE_OK);
  for (const auto& [name, data] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    BOOST_REQUIRE(archive_write_header(a.get(), e) == ARCHIVE_OK);
    archive_write_data(a.get(), data.data(), data.size());
    archive_entry_free(e);
  }
  BOOST_REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
  return out;
}

const std::string k_index =
    R"({"name": "evil", "version": "1.0", "build": "0", "build_number": 0})";

// A .tar.bz2 package: info/index.json followed by `payload`.
std::string make_tar_bz2(const std::vector<Item>& payload) {
  std::vector<Item> items = {{"info/index.json", Kind::file, k_index}};
  items.insert(items.end(), payload.begin(), payload.end());
  return make_tar(items, Filter::bzip2);
}

// A .conda package whose pkg tarball holds `payload`.
std::string make_conda(const std::vector<Item>& payload) {
  std::string info = make_tar({{"info/index.json", Kind::file, k_index}}, Filter::zstd);
  std::string pkg = make_tar(payload, Filter::zstd);
  return make_zip({{"metadata.json", R"({"conda_pkg_format_version": 2})"},
                   {"info-evil-1.0-0.tar.zst", info},
                   {"pkg-evil-1.0-0.tar.zst", pkg}});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  BOOST_REQUIRE(out.good());
}

// Extracts `bytes` saved as `file_name` and checks the refusal.
void expect_refused(const std::string& file_name, const std::string& bytes,
                    const std::string& member, const std::string& why) {
  envlock::testing::TempDir tmp;
  std::string archive = tmp / file_name;
  write_bytes(archive, bytes);
  fs::create_directories(tmp / "out");
  auto result = extract_package(archive, tmp / "out/evil-1.0-0");
  BOOST_TEST_REQUIRE(!result.ok(), file_name << " was extracted");
  BOOST_TEST((result.error().kind == ErrorKind::input));
  std::string text = result.error().to_string();
  BOOST_TEST(text.find(file_name) != std::string::npos, text);
  BOOST_TEST(text.find(member) != std::string::npos, text);
  BOOST_TEST(text.find(why) != std::string::npos, text);
  BOOST_TEST(!fs::exists(tmp / "out/evil-1.0-0"));
  BOOST_TEST(fs::is_empty(tmp / "out"), "leftovers after refusing " << file_name);
  BOOST_TEST(!fs::exists(tmp / "escape"));
  BOOST_TEST(!fs::exists(tmp / "x"));
}

BOOST_AUTO_TEST_CASE(absolute_member_path_is_refused) {
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"/tmp/evil-abs", Kind::file, "x"}}),
                 "/tmp/evil-abs",
                 "absolute");
  expect_refused("evil-1.0-0.conda",
                 make_conda({{"/tmp/evil-abs", Kind::file, "x"}}),
                 "/tmp/evil-abs",
                 "absolute");
  BOOST_TEST(!fs::exists("/tmp/evil-abs"));
}

BOOST_AUTO_TEST_CASE(dot_dot_member_path_is_refused) {
  expect_refused(
      "evil-1.0-0.tar.bz2", make_tar_bz2({{"../escape", Kind::file, "x"}}), "../escape", "'..'");
  expect_refused("evil-1.0-0.conda",
                 make_conda({{"lib/../../escape", Kind::file, "x"}}),
                 "lib/../../escape",
                 "'..'");
}

BOOST_AUTO_TEST_CASE(symlinks_leaving_the_package_are_refused) {
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"etc/passwd", Kind::symlink, "/etc/passwd"}}),
                 "etc/passwd",
                 "absolute");
  expect_refused("evil-1.0-0.conda",
                 make_conda({{"a/b", Kind::symlink, "../../x"}}),
                 "a/b",
                 "leaves the package");
  // Lexically inside, but "q" is ".", so "q/.." climbs out once q is followed.
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"q", Kind::symlink, "."}, {"p", Kind::symlink, "q/../x"}}),
                 "p",
                 "leaves the package");
}

BOOST_AUTO_TEST_CASE(writing_through_a_symlink_is_refused) {
  expect_refused(
      "evil-1.0-0.tar.bz2",
      make_tar_bz2(
          {{"sub", Kind::dir, ""}, {"lnk", Kind::symlink, "sub"}, {"lnk/file", Kind::file, "x"}}),
      "lnk/file",
      "through the symlink");
}

BOOST_AUTO_TEST_CASE(hardlinks_outside_the_package_are_refused) {
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"lib/h", Kind::hardlink, "/etc/passwd"}}),
                 "lib/h",
                 "absolute");
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"lib/h", Kind::hardlink, "lib/missing"}}),
                 "lib/h",
                 "not an earlier regular file");
}

BOOST_AUTO_TEST_CASE(device_files_and_fifos_are_refused) {
  expect_refused(
      "evil-1.0-0.tar.bz2", make_tar_bz2({{"dev/null", Kind::chardev, ""}}), "dev/null", "device");
  expect_refused("evil-1.0-0.conda", make_conda({{"pipe", Kind::fifo, ""}}), "pipe", "fifo");
}

BOOST_AUTO_TEST_CASE(conflicting_duplicates_are_refused_identical_ones_accepted) {
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"bin/tool", Kind::file, "one"}, {"bin/tool", Kind::file, "two"}}),
                 "bin/tool",
                 "twice");
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"bin/tool", Kind::file, "one"}, {"bin/tool", Kind::symlink, "x"}}),
                 "bin/tool",
                 "twice");
  envlock::testing::TempDir tmp;
  write_bytes(tmp / "ok-1.0-0.tar.bz2",
              make_tar_bz2({{"bin/tool", Kind::file, "same"}, {"bin/tool", Kind::file, "same"}}));
  auto ok = extract_package(tmp / "ok-1.0-0.tar.bz2", tmp / "ok");
  BOOST_TEST_REQUIRE(ok.ok(), (ok.ok() ? "" : ok.error().to_string()));
  std::ifstream in(tmp / "ok/bin/tool");
  std::string text;
  in >> text;
  BOOST_TEST(text == "same");
}

BOOST_AUTO_TEST_CASE(truncated_and_garbage_archives_are_input_errors) {
  std::string good =
      make_tar_bz2({{"lib/data.bin", Kind::file, std::string(200000, 'z') + "tail-of-the-file"}});
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"evil-1.0-0.tar.bz2", good.substr(0, good.size() / 2)},
           {"evil-1.0-0.conda", make_conda({{"a", Kind::file, "x"}}).substr(0, 200)},
           {"evil-1.0-0.conda", "this is not a zip file at all"}}) {
    envlock::testing::TempDir tmp;
    write_bytes(tmp / name, bytes);
    fs::create_directories(tmp / "out");
    auto result = extract_package(tmp / name, tmp / "out/evil");
    BOOST_TEST_REQUIRE(!result.ok());
    BOOST_TEST((result.error().kind == ErrorKind::input));
    BOOST_TEST(result.error().to_string().find(name) != std::string::npos,
               result.error().to_string());
    BOOST_TEST(fs::is_empty(tmp / "out"));
    auto info = read_package_info(tmp / name);
    BOOST_TEST(!info.ok());
  }
}

BOOST_AUTO_TEST_CASE(a_hand_made_package_extracts_with_links) {
  envlock::testing::TempDir tmp;
  write_bytes(tmp / "fine-1.0-0.conda",
              make_conda({{"lib/libfine.so.1", Kind::file, "ELF"},
                          {"lib/libfine.so", Kind::symlink, "libfine.so.1"},
                          {"share/fine/up", Kind::symlink, "../../lib/libfine.so"},
                          {"lib/libfine-copy.so", Kind::hardlink, "lib/libfine.so.1"}}));
  auto ok = extract_package(tmp / "fine-1.0-0.conda", tmp / "fine");
  BOOST_TEST_REQUIRE(ok.ok(), (ok.ok() ? "" : ok.error().to_string()));
  BOOST_TEST(fs::is_regular_file(tmp / "fine/share/fine/up"));  // follows into the package
  BOOST_TEST(fs::hard_link_count(tmp / "fine/lib/libfine.so.1") == 2u);
  auto info = read_package_info(tmp / "fine-1.0-0.conda");
  BOOST_TEST_REQUIRE(info.ok());
  BOOST_TEST(info->index.name == "evil");
}

}  // namespace
}  // namespace envlock::package
