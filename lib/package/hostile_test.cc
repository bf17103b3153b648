// Hand-made hostile archives: each must be refused with an input error naming the archive and
// the member, and must leave nothing behind.

#include <archive.h>
#include <archive_entry.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "lib/hash/hash.h"
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

// info/paths.json declaring each (path, size, sha256 of `content`) as a hardlink.
std::string paths_json(const std::vector<std::tuple<std::string, uint64_t, std::string>>& files) {
  std::string out = R"({"paths_version": 1, "paths": [)";
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [path, size, content] = files[i];
    out += (i ? ", " : "") + std::string(R"({"_path": ")") + path +
           R"(", "path_type": "hardlink", "size_in_bytes": )" + std::to_string(size) +
           R"(, "sha256": ")" + hash::hex_digest(hash::Algorithm::sha256, content) + "\"}";
  }
  return out + "]}";
}

// A .conda with paths.json in its info tarball (read before the payload).
std::string make_conda_with_paths(const std::string& paths, const std::vector<Item>& payload) {
  std::string info =
      make_tar({{"info/index.json", Kind::file, k_index}, {"info/paths.json", Kind::file, paths}},
               Filter::zstd);
  std::string pkg = make_tar(payload, Filter::zstd);
  return make_zip({{"metadata.json", R"({"conda_pkg_format_version": 2})"},
                   {"pkg-evil-1.0-0.tar.zst", pkg},
                   {"info-evil-1.0-0.tar.zst", info}});
}

BOOST_AUTO_TEST_CASE(a_member_larger_than_paths_json_says_stops_extraction) {
  const std::string big(1 << 20, 'A');
  // paths.json first (.tar.bz2) and in the info tarball after the payload (.conda).
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar({{"info/index.json", Kind::file, k_index},
                           {"info/paths.json", Kind::file, paths_json({{"lib/x", 3, "abc"}})},
                           {"lib/x", Kind::file, big}},
                          Filter::bzip2),
                 "lib/x",
                 "holds more than the 3 bytes that info/paths.json declares");
  expect_refused(
      "evil-1.0-0.conda",
      make_conda_with_paths(paths_json({{"lib/x", 3, "abc"}}), {{"lib/x", Kind::file, big}}),
      "lib/x",
      "holds more than the 3 bytes that info/paths.json declares");
}

BOOST_AUTO_TEST_CASE(a_member_whose_bytes_differ_from_paths_json_is_refused) {
  expect_refused(
      "evil-1.0-0.conda",
      make_conda_with_paths(paths_json({{"lib/x", 3, "abc"}}), {{"lib/x", Kind::file, "abd"}}),
      "lib/x",
      "that info/paths.json declares");
  // Payload before paths.json in a .tar.bz2: checked once paths.json is known.
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar({{"lib/x", Kind::file, "abd"},
                           {"info/index.json", Kind::file, k_index},
                           {"info/paths.json", Kind::file, paths_json({{"lib/x", 3, "abc"}})}},
                          Filter::bzip2),
                 "lib/x",
                 "differs from the");
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar({{"info/index.json", Kind::file, k_index},
                           {"info/paths.json", Kind::file, paths_json({{"lib/x", 3, "abc"}})},
                           {"lib/x", Kind::file, "ab"}},
                          Filter::bzip2),
                 "lib/x",
                 "holds 2 bytes, but info/paths.json declares 3 bytes");
}

BOOST_AUTO_TEST_CASE(the_total_extracted_size_is_capped) {
  envlock::testing::TempDir tmp;
  write_bytes(tmp / "evil-1.0-0.tar.bz2",
              make_tar_bz2({{"a", Kind::file, std::string(600, 'a')},
                            {"b", Kind::file, std::string(600, 'b')}}));
  fs::create_directories(tmp / "out");
  auto capped = extract_package(tmp / "evil-1.0-0.tar.bz2", tmp / "out/evil", {1000});
  BOOST_TEST_REQUIRE(!capped.ok());
  BOOST_TEST((capped.error().kind == ErrorKind::input));
  BOOST_TEST(capped.error().to_string().find("more than 1000 bytes") != std::string::npos,
             capped.error().to_string());
  BOOST_TEST(fs::is_empty(tmp / "out"));
  auto fits = extract_package(tmp / "evil-1.0-0.tar.bz2", tmp / "out/evil", {1300});
  BOOST_TEST(fits.ok());
}

BOOST_AUTO_TEST_CASE(a_component_over_255_bytes_is_an_input_error) {
  const std::string long_name(256, 'n');
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"lib/" + long_name, Kind::file, "x"}}),
                 "lib/nnn",
                 "longer than 255 bytes");
}

BOOST_AUTO_TEST_CASE(a_symlink_with_an_empty_target_is_skipped_and_named) {
  envlock::testing::TempDir tmp;
  for (const std::string file_name : {"evil-1.0-0.conda", "evil-1.0-0.tar.bz2"}) {
    BOOST_TEST_CONTEXT(file_name) {
      const std::vector<Item> payload = {{"lib/libz.so.1.2", Kind::file, "zlib"},
                                         {"lib/libz.so.1", Kind::symlink, ""},
                                         {"lib/libz.so.1", Kind::symlink, ""},  // same again
                                         {"lib/libz.so", Kind::symlink, "libz.so.1.2"}};
      write_bytes(tmp / file_name,
                  file_name.ends_with(".conda") ? make_conda(payload) : make_tar_bz2(payload));
      std::string dest = tmp / ("out-" + file_name);
      auto result = extract_package(tmp / file_name, dest);
      BOOST_TEST_REQUIRE(result.ok(), (result.ok() ? "" : result.error().to_string()));
      BOOST_TEST(result->skipped_empty_links == std::vector<std::string>{"lib/libz.so.1"},
                 boost::test_tools::per_element());
      BOOST_TEST(!fs::exists(fs::symlink_status(dest + "/lib/libz.so.1")));
      BOOST_TEST(fs::read_symlink(dest + "/lib/libz.so").string() == "libz.so.1.2");
      for (const auto& e : result->entries) BOOST_TEST(e.path != "lib/libz.so.1");
    }
  }
  // The skipped link's path stays taken: no file, other link or folder may appear there.
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"lib/l", Kind::symlink, ""}, {"lib/l", Kind::file, "x"}}),
                 "lib/l",
                 "path appears twice in the archive with different contents");
  expect_refused("evil-1.0-0.conda",
                 make_conda({{"lib/l", Kind::file, "x"}, {"lib/l", Kind::symlink, ""}}),
                 "lib/l",
                 "path appears twice in the archive with different contents");
  expect_refused("evil-1.0-0.tar.bz2",
                 make_tar_bz2({{"lib/l", Kind::symlink, ""}, {"lib/l/x", Kind::file, "x"}}),
                 "lib/l/x",
                 "would be written through the symlink or file 'lib/l'");
}

BOOST_AUTO_TEST_CASE(paths_json_paths_and_site_packages_must_stay_inside) {
  envlock::testing::TempDir tmp;
  for (const std::string bad : {"../../x", "/etc/passwd", "a//b", "lib/./x", ""}) {
    std::string paths =
        R"({"paths_version": 1, "paths": [{"_path": ")" + bad + R"(", "path_type": "hardlink"}]})";
    write_bytes(tmp / "evil-1.0-0.conda", make_conda_with_paths(paths, {}));
    auto info = read_package_info(tmp / "evil-1.0-0.conda");
    BOOST_TEST_REQUIRE(!info.ok(), bad);
    BOOST_TEST(info.error().to_string().find("not a relative path inside") != std::string::npos,
               info.error().to_string());
  }
  for (const auto& [value, ok] : std::vector<std::pair<std::string, bool>>{
           {"lib/python3.13t/site-packages", true}, {"../site-packages", false}}) {
    std::string index = R"({"name": "python", "version": "3.13.0", "build": "0",
                            "python_site_packages_path": ")" +
                        value + "\"}";
    std::string info_tar = make_tar({{"info/index.json", Kind::file, index}}, Filter::zstd);
    write_bytes(tmp / "python-3.13.0-0.conda",
                make_zip({{"info-python-3.13.0-0.tar.zst", info_tar}}));
    auto info = read_package_info(tmp / "python-3.13.0-0.conda");
    BOOST_TEST(info.ok() == ok, value);
    if (ok) BOOST_TEST(info->index.python_site_packages_path == value);
  }
}

BOOST_AUTO_TEST_CASE(safe_path_components) {
  for (const std::string& good :
       std::vector<std::string>{"zlib", "1.3.1", "h4d5e6f7_0", "py_0", std::string(255, 'a')})
    BOOST_TEST(is_safe_path_component(good), good);
  for (const std::string& bad : std::vector<std::string>{
           "", ".", "..", "a/b", "..\\x", "x\ny", std::string(256, 'a'), std::string("a\0b", 3)})
    BOOST_TEST(!is_safe_path_component(bad), bad);
}

}  // namespace
}  // namespace envlock::package
