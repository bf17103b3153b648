// The archive layout, the manifest's reader, and archives of real demo packages: made as a
// folder and as tars, read back, verified, and tampered with.

#include "lib/archive/archive.h"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "lib/archive/layout.h"
#include "lib/hash/hash.h"
#include "lib/index/index.h"
#include "lib/lockfile/lockfile.h"
#include "lib/testing/testing.h"

namespace fs = std::filesystem;

namespace envlock::archive {
namespace {

using envlock::testing::read_text;
using envlock::testing::TempDir;
using envlock::testing::write_text;

lockfile::LockedPackage conda_package(const std::string& url) {
  lockfile::LockedPackage p;
  p.name = "zlib";
  p.version = "1.3.1";
  p.build = "h4d5e6f7_0";
  p.url = url;
  p.sha256 = std::string(64, 'a');
  return p;
}

BOOST_AUTO_TEST_CASE(channel_folders_are_one_safe_name_per_channel) {
  BOOST_TEST(channel_folder("https://conda.anaconda.org/conda-forge") ==
             "conda.anaconda.org+conda-forge");
  // Spellings of one channel share its folder.
  BOOST_TEST(channel_folder("conda-forge") == "conda.anaconda.org+conda-forge");
  BOOST_TEST(channel_folder("http://conda.anaconda.org/conda-forge/label/main") ==
             "conda.anaconda.org+conda-forge");
  BOOST_TEST(channel_folder("https://user:secret@host.example:8443/t/tk-1/chan") ==
             "host.example_8443+chan");
  BOOST_TEST(channel_folder("file:///srv/chan") == "file+srv+chan");
  std::string long_name = channel_folder("https://host/" + std::string(400, 'x'));
  BOOST_TEST(long_name.size() <= 200u);
  BOOST_TEST(long_name != channel_folder("https://host/" + std::string(401, 'x')));
}

BOOST_AUTO_TEST_CASE(member_paths_follow_channel_subdir_and_file) {
  auto p = member_path(conda_package(
      "https://u:pw@conda.anaconda.org/t/tok/conda-forge/linux-64/zlib-1.3.1-h4d5e6f7_0.conda"));
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(*p == "channels/conda.anaconda.org+conda-forge/linux-64/zlib-1.3.1-h4d5e6f7_0.conda");
  lockfile::LockedPackage wheel;
  wheel.manager = lockfile::Manager::pip;
  wheel.name = "six";
  wheel.url = "https://files.example/packages/ab/six-1.16.0-py2.py3-none-any.whl#sha256=x";
  auto w = member_path(wheel);
  BOOST_REQUIRE(w.ok());
  BOOST_TEST(*w == "pypi/six-1.16.0-py2.py3-none-any.whl");
  // No subdir before the file name, or a file name that is a path: refused.
  BOOST_TEST(!member_path(conda_package("https://host/chan/zlib-1.3.1-h4d5e6f7_0.conda")).ok());
  wheel.url = "https://files.example/..";
  auto bad = member_path(wheel);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().kind == ErrorKind::input);
}

BOOST_AUTO_TEST_CASE(safe_relative_paths) {
  BOOST_TEST(is_safe_relative_path("channels/a/linux-64/x.conda"));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a/", "./a"}) {
    BOOST_TEST(!is_safe_relative_path(bad), bad);
  }
}

BOOST_AUTO_TEST_CASE(manifest_round_trips_and_refuses_paths_leaving_the_archive) {
  Manifest m;
  m.envlock_version = "0.1.0";
  m.created = "2024-01-01T00:00:00Z";
  m.lock = "conda-lock.yml";
  m.platforms = {"linux-64"};
  m.files = {{"channels/c/noarch/repodata.json", std::string(64, 'b'), 3},
             {"conda-lock.yml", std::string(64, 'c'), 10}};
  const std::string text = render_manifest(m);
  auto back = parse_manifest(text, "MANIFEST.json");
  BOOST_REQUIRE(back.ok());
  BOOST_TEST(back->files == m.files);
  BOOST_TEST(back->lock == "conda-lock.yml");
  BOOST_TEST(render_manifest(*back) == text);

  auto with_path = [&](const std::string& path) {
    Manifest h = m;
    h.files[0].path = path;
    return parse_manifest(render_manifest(h), "MANIFEST.json");
  };
  for (const char* hostile : {"../x", "/etc/passwd", "a/../../x", "MANIFEST.json"}) {
    auto r = with_path(hostile);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().kind == ErrorKind::input);
    BOOST_TEST(r.error().message.find("is not a path inside the archive") != std::string::npos);
  }
  Manifest twice = m;
  twice.files[1].path = twice.files[0].path;
  BOOST_TEST(!parse_manifest(render_manifest(twice), "M").ok());
  BOOST_TEST(!parse_manifest("{\"format\": \"other\"}", "M").ok());
  BOOST_TEST(!parse_manifest(std::string(200, '['), "M").ok());
}

// A conda-lock v1 lock of demo packages at their file:// URLs, with their real hashes.
std::string demo_lock(const std::vector<std::string>& files) {
  const std::string chan = "file://" + envlock::testing::demo_channel_dir();
  std::string out =
      "version: 1\nmetadata:\n  content_hash:\n    linux-64: " + std::string(64, '0') +
      "\n  channels:\n  - url: " + chan +
      "\n    used_env_vars: []\n  platforms:\n  - linux-64\n  sources:\n  - environment.yml\n"
      "  time_metadata:\n    created_at: '2024-05-01T12:30:00Z'\npackage:\n";
  for (const auto& f : files) {
    const std::string path = envlock::testing::demo_channel_dir() + "/" + f;
    std::string fn = f.substr(f.rfind('/') + 1);
    std::string stem = fn.substr(0, fn.rfind(".conda"));
    size_t b = stem.rfind('-'), v = stem.rfind('-', b - 1);
    out += "- name: " + stem.substr(0, v) + "\n  version: '" + stem.substr(v + 1, b - v - 1) +
           "'\n  manager: conda\n  platform: linux-64\n  dependencies: {}\n  url: " + chan + "/" +
           f + "\n  hash:\n    md5: " + *hash::hex_digest_file(hash::Algorithm::md5, path) +
           "\n    sha256: " + *hash::hex_digest_file(hash::Algorithm::sha256, path) +
           "\n  category: main\n  optional: false\n  build: " + stem.substr(b + 1) + "\n";
  }
  return out;
}

struct Fixture {
  TempDir tmp;
  Options options;
  Fixture() {
    write_text(tmp / "conda-lock.yml",
               demo_lock({"linux-64/zlib-1.3.1-h4d5e6f7_0.conda",
                          "linux-64/libfoo-1.2.0-h1234567_0.conda",
                          "noarch/demo-py-1.1.0-pyh7654321_0.conda"}));
    options.lock_path = tmp / "conda-lock.yml";
    options.pkgs_dir = tmp / "pkgs";
  }
  Result<Report> make(const std::string& out) {
    options.out = tmp / out;
    return create(options);
  }
};

BOOST_FIXTURE_TEST_CASE(a_folder_archive_holds_the_lock_packages_repodata_and_manifest, Fixture) {
  auto r = make("out");
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().to_string()));
  BOOST_TEST(r->packages == 3u);
  BOOST_TEST(r->created == "2024-05-01T12:30:00Z");  // the lock's own date
  BOOST_TEST(read_text(tmp / "out/conda-lock.yml") == read_text(tmp / "conda-lock.yml"));
  const std::string chan =
      "channels/" + channel_folder("file://" + envlock::testing::demo_channel_dir());
  BOOST_TEST(fs::is_regular_file(tmp / "out/" + chan + "/linux-64/zlib-1.3.1-h4d5e6f7_0.conda"));
  BOOST_TEST(fs::is_regular_file(tmp / "out/" + chan + "/noarch/repodata.json"));
  // The repodata is what lib/index writes for the same folder of packages, byte for byte.
  fs::copy(tmp / "out/" + chan, tmp / "reindexed", fs::copy_options::recursive);
  for (const char* sub : {"linux-64", "noarch"}) {
    fs::remove(tmp / "reindexed/" + sub + "/repodata.json");
    fs::remove(tmp / "reindexed/" + sub + "/repodata.json.zst");
  }
  BOOST_REQUIRE(index::index_channel(tmp / "reindexed", {}).ok());
  for (const char* sub : {"linux-64", "noarch"}) {
    for (const char* f : {"/repodata.json", "/repodata.json.zst"}) {
      BOOST_TEST(read_text(tmp / "reindexed/" + sub + f) ==
                 read_text(tmp / "out/" + chan + "/" + sub + f));
    }
  }
  // The second archive takes the digests and index.json from the cache's records: same bytes.
  options.out = tmp / "out2";
  auto again = create(options);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(fs::exists(tmp / "pkgs/zlib-1.3.1-h4d5e6f7_0.conda.envlock.json"));
  BOOST_TEST(read_text(tmp / "out2/MANIFEST.json") == read_text(tmp / "out/MANIFEST.json"));
  BOOST_TEST(read_text(tmp / "out2/" + chan + "/linux-64/repodata.json") ==
             read_text(tmp / "out/" + chan + "/linux-64/repodata.json"));

  auto manifest = parse_manifest(read_text(tmp / "out/MANIFEST.json"), "M");
  BOOST_REQUIRE(manifest.ok());
  BOOST_TEST(manifest->files.size() == 8u);  // 3 packages, 2 × repodata.json(.zst), the lock

  auto clean = verify({tmp / "out", "", {}});
  BOOST_REQUIRE(clean.ok());
  BOOST_TEST(clean->findings.empty());
  BOOST_TEST(clean->packages_checked == 3u);

  // Tampering: a changed byte, a removed file, an added one, a symlink.
  const std::string zlib = tmp / "out/" + chan + "/linux-64/zlib-1.3.1-h4d5e6f7_0.conda";
  std::string bytes = read_text(zlib);
  bytes[100] ^= 1;
  write_text(zlib, bytes);
  fs::remove(tmp / "out/" + chan + "/linux-64/libfoo-1.2.0-h1234567_0.conda");
  write_text(tmp / "out/extra.txt", "x");
  fs::create_symlink("/etc/passwd", tmp / "out/" + chan + "/noarch/evil");
  auto found = verify({tmp / "out", "", {}});
  BOOST_REQUIRE(found.ok());
  std::vector<std::string> kinds;
  for (const auto& f : found->findings)
    kinds.push_back(std::string(to_string(f.kind)) + " " + f.path);
  const std::vector<std::string> want = {
      "missing " + chan + "/linux-64/libfoo-1.2.0-h1234567_0.conda",
      "lock-missing " + chan + "/linux-64/libfoo-1.2.0-h1234567_0.conda",
      "altered " + chan + "/linux-64/zlib-1.3.1-h4d5e6f7_0.conda",
      "lock-differs " + chan + "/linux-64/zlib-1.3.1-h4d5e6f7_0.conda",
      "not-regular " + chan + "/noarch/evil",
      "extra extra.txt"};
  BOOST_TEST(kinds == want, boost::test_tools::per_element());

  // install's view: the altered package is refused before anything happens.
  auto opened = OpenedArchive::open(tmp / "out");
  BOOST_REQUIRE(opened.ok());
  auto lock = lockfile::read_lock(tmp / "conda-lock.yml");
  BOOST_REQUIRE(lock.ok());
  auto located = locate_packages(*opened, lock->environments.at("default").packages.at("linux-64"));
  BOOST_REQUIRE(!located.ok());
  BOOST_TEST(located.error().kind == ErrorKind::input);
}

BOOST_FIXTURE_TEST_CASE(tars_are_byte_identical_and_open_like_the_folder, Fixture) {
  options.source_date_epoch = 1700000000;
  auto a = make("a.tar.zst");
  BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? std::string() : a.error().to_string()));
  auto b = make("b.tar.zst");
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(read_text(tmp / "a.tar.zst") == read_text(tmp / "b.tar.zst"));
  BOOST_TEST(a->sha256 == *hash::hex_digest_file(hash::Algorithm::sha256, tmp / "a.tar.zst"));
  BOOST_TEST(a->created == "2023-11-14T22:13:20Z");
  auto plain = make("c.tar");
  BOOST_REQUIRE(plain.ok());
  BOOST_TEST(plain->sha256 != a->sha256);
  std::string root;
  {
    auto opened = OpenedArchive::open(tmp / "a.tar.zst", {}, tmp.path());
    BOOST_REQUIRE(opened.ok());
    root = opened->root();
    BOOST_TEST(read_text(root + "/conda-lock.yml") == read_text(tmp / "conda-lock.yml"));
    auto lock = lockfile::read_lock(tmp / "conda-lock.yml");
    BOOST_REQUIRE(lock.ok());
    auto located =
        locate_packages(*opened, lock->environments.at("default").packages.at("linux-64"));
    BOOST_REQUIRE(located.ok());
    BOOST_TEST(located->size() == 3u);
  }
  BOOST_TEST(!fs::exists(root));  // the unpacked copy is gone with the object
  {
    // An interrupt (the tools' signal handlers) removes the unpacked copy too.
    auto opened = OpenedArchive::open(tmp / "a.tar.zst", {}, tmp.path());
    BOOST_REQUIRE(opened.ok());
    auto moved = std::move(*opened);  // the registration moves with the folder
    root = moved.root();
    BOOST_REQUIRE(fs::exists(root + "/MANIFEST.json"));
    remove_unfinished_temporaries();
    BOOST_TEST(!fs::exists(fs::path(root).parent_path()));
  }
  // A member over the limit is refused while unpacking.
  UnpackLimits small;
  small.max_member_bytes = 1000;
  auto refused = OpenedArchive::open(tmp / "c.tar", small, tmp.path());
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().message.find("over the limit") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(an_existing_output_or_unknown_platform_is_a_usage_error, Fixture) {
  write_text(tmp / "out/x", "x");
  auto r = make("out");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().kind == ErrorKind::usage);
  options.platforms = {"win-64"};
  auto p = make("fresh");
  BOOST_REQUIRE(!p.ok());
  BOOST_TEST(p.error().message.find("platform win-64 is not in the lock") != std::string::npos);
  BOOST_TEST(!fs::exists(tmp / "fresh"));
}

}  // namespace
}  // namespace envlock::archive
