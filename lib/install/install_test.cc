// The install job end to end in-process: real packages (the corpus and the demo channel) over a
// real HTTP server on 127.0.0.1, real prefixes in a temporary folder.

#include "lib/install/install.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "lib/hash/hash.h"
#include "lib/install/commit.h"
#include "lib/lockfile/lockfile.h"
#include "lib/testing/http/http_server.h"
#include "lib/testing/testing.h"

namespace envlock::install {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::HttpServer;
using testing::TempDir;
using namespace std::string_literals;

template <class T>
void require_ok(const Result<T>& r) {
  if (!r.ok()) BOOST_FAIL(r.error().to_string());
}

// A temporary folder with a short path: the demo packages' binary placeholder is 108 bytes,
// shorter than Bazel's test temporary folders.
class ShortTempDir {
 public:
  ShortTempDir() {
    char templ[] = "/tmp/envlock-install-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(templ) != nullptr);
    m_path = templ;
  }
  ~ShortTempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const std::string& path() const { return m_path; }
  std::string operator/(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

std::string corpus_packages() {
  return testing::corpus_dir() + "/packages";
}

// A locked entry for `root/rel`, fetched from `base_url/rel`, with the file's real digests.
lockfile::LockedPackage locked_file(const std::string& root, const std::string& rel,
                                    const std::string& base_url) {
  lockfile::LockedPackage p;
  std::string fn = fs::path(rel).filename().string();
  BOOST_REQUIRE(lockfile::split_conda_filename(fn, p.name, p.version, p.build));
  auto d = hash::digest_file(root + "/" + rel, {hash::Algorithm::sha256, hash::Algorithm::md5});
  BOOST_REQUIRE(d.ok());
  p.sha256 = d->hex[0];
  p.md5 = d->hex[1];
  p.url = base_url + "/" + rel;
  p.subdir = fs::path(rel).parent_path().string();
  return p;
}

std::string write_lock(const std::string& path, const std::string& platform,
                       std::vector<lockfile::LockedPackage> packages) {
  lockfile::Lock lock;
  lock.metadata.platforms = {platform};
  lock.metadata.channels = {{"test-channel", {}}};
  lock.metadata.sources = {"environment.yml"};
  lock.metadata.content_hash[platform] = std::string(64, '0');
  for (auto& p : packages) p.platform = platform;
  lock.environments["default"].packages[platform] = std::move(packages);
  testing::write_text(path, lockfile::write_conda_lock_v1(lock));
  return path;
}

Options options(const std::string& lock, const std::string& prefix, const std::string& pkgs,
                const std::string& platform = "linux-64") {
  Options o;
  o.lock_path = lock;
  o.prefix = prefix;
  o.pkgs_dir = pkgs;
  o.platform = platform;
  o.jobs = 3;
  o.http.attempts = 1;
  o.http.read_timeout = std::chrono::milliseconds(5000);
  return o;
}

struct Entry {
  char type = 'F';
  std::string content;  // sha256 or symlink target
  unsigned mode = 0;
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  bool operator==(const Entry&) const = default;
};

// Every entry under `dir` with its content, mode, inode and mtime.
std::map<std::string, Entry> snapshot(const std::string& dir) {
  std::map<std::string, Entry> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    struct stat st;
    BOOST_REQUIRE(::lstat(e.path().c_str(), &st) == 0);
    Entry x;
    x.mode = st.st_mode;
    x.inode = st.st_ino;
    x.mtime_ns = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
    if (S_ISLNK(st.st_mode)) {
      x.type = 'L';
      x.content = fs::read_symlink(e.path()).string();
    } else if (S_ISDIR(st.st_mode)) {
      x.type = 'D';
      x.mtime_ns = 0;  // folders' mtimes follow their entries; contents are compared instead
    } else {
      x.content =
          hash::hex_digest(hash::Algorithm::sha256, envlock::testing::read_text(e.path().string()));
    }
    out[e.path().lexically_relative(dir).string()] = x;
  }
  return out;
}

// Every file a record lists exists; every hashed one has the record's sha256_in_prefix.
// Returns the number of files whose hash was checked.
size_t check_records(const std::string& prefix_dir) {
  auto state = prefix::read_conda_meta(prefix_dir);
  require_ok(state);
  size_t hashed = 0;
  for (const auto& r : state->records) {
    BOOST_TEST(!r.url.empty());
    BOOST_TEST(r.sha256.size() == 64u);
    BOOST_TEST(r.md5.size() == 32u);
    BOOST_TEST(r.link.has_value());
    BOOST_TEST(r.files.size() == r.paths.size());
    for (const auto& p : r.paths) {
      std::string path = prefix_dir + "/" + p.path;
      BOOST_TEST_REQUIRE(fs::exists(fs::symlink_status(path)), path);
      if (p.path_type == package::PathType::softlink) {
        BOOST_TEST(fs::is_symlink(fs::symlink_status(path)), path);
        continue;
      }
      BOOST_TEST_REQUIRE(!p.sha256_in_prefix.empty(), path);
      BOOST_TEST(hash::hex_digest(hash::Algorithm::sha256, envlock::testing::read_text(path)) ==
                     p.sha256_in_prefix,
                 path);
      ++hashed;
    }
  }
  return hashed;
}

BOOST_AUTO_TEST_SUITE(install)

BOOST_AUTO_TEST_CASE(corpus_zlib_in_both_formats_over_http_gives_the_same_prefix_but_empty_links) {
  ShortTempDir tmp;
  HttpServer server(corpus_packages());
  std::string root = corpus_packages() + "/conda_format_repo";
  std::string base = server.url() + "/conda_format_repo";
  // The two library symlinks lost their targets in conversion: the .conda holds links to "",
  // the .tar.bz2 empty files.
  const std::vector<std::string> empty_links = {"lib/libz.so", "lib/libz.so.1"};
  std::map<std::string, Entry> trees[2];
  int i = 0;
  for (std::string fn :
       {"linux-64/zlib-1.2.11-h7b6447c_3.conda", "linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2"}) {
    BOOST_TEST_CONTEXT(fn) {
      std::string lock = write_lock(
          tmp / ("lock" + std::to_string(i) + ".yml"), "linux-64", {locked_file(root, fn, base)});
      std::string prefix = tmp / ("env" + std::to_string(i));
      auto report = run(options(lock, prefix, tmp / ("pkgs" + std::to_string(i))));
      require_ok(report);
      BOOST_TEST(report->downloaded == 1u);
      BOOST_TEST(report->files_relocated >= 1u);
      BOOST_TEST(check_records(prefix) >= 5u);
      std::string pc = envlock::testing::read_text(prefix + "/lib/pkgconfig/zlib.pc");
      BOOST_TEST(pc.find("prefix=" + prefix) != std::string::npos);
      BOOST_TEST(pc.find("anaconda1anaconda2") == std::string::npos);
      auto state = prefix::read_conda_meta(prefix);
      require_ok(state);
      BOOST_TEST_REQUIRE(state->records.size() == 1u);
      const auto& files = state->records[0].files;
      std::vector<std::string> skipped;
      for (const auto& s : report->empty_symlinks_skipped) {
        BOOST_TEST(s.package == "zlib-1.2.11-h7b6447c_3");
        skipped.push_back(s.path);
      }
      const bool conda = i == 0;
      BOOST_TEST(skipped == (conda ? empty_links : std::vector<std::string>{}),
                 boost::test_tools::per_element());
      for (const auto& link : empty_links) {
        const bool listed = std::find(files.begin(), files.end(), link) != files.end();
        if (conda) {
          // Neither made nor recorded; the report says so.
          BOOST_TEST(!fs::exists(fs::symlink_status(prefix + "/" + link)), link);
          BOOST_TEST(!listed, link);
          BOOST_TEST(render_text(*report).find("warning: zlib-1.2.11-h7b6447c_3: symlink " + link +
                                               " has an empty target") != std::string::npos);
        } else {
          // An empty file, recorded by its own bytes.
          BOOST_TEST(fs::file_size(prefix + "/" + link) == 0u, link);
          BOOST_TEST(listed, link);
        }
      }
      json doc = json::parse(render_json(*report));
      BOOST_TEST(doc["empty_symlinks_skipped"].size() == (conda ? 2u : 0u));
      for (auto& [path, e] : snapshot(prefix)) {
        if (path.rfind("conda-meta", 0) == 0) continue;
        if (!conda && std::find(empty_links.begin(), empty_links.end(), path) != empty_links.end())
          continue;
        trees[i][path] =
            Entry{e.type,
                  e.type == 'F' && path.find(".pc") != std::string::npos ? "" : e.content,
                  e.mode,
                  0,
                  0};
      }
    }
    ++i;
  }
  BOOST_TEST(trees[0].size() > 5u);
  BOOST_TEST((trees[0] == trees[1]));

  // A second install served by the cached extraction skips the same links.
  std::string lock = tmp / "lock0.yml";
  auto again = run(options(lock, tmp / "env2", tmp / "pkgs0"));
  require_ok(again);
  BOOST_TEST(again->from_cache == 1u);
  BOOST_TEST(again->empty_symlinks_skipped.size() == 2u);
  BOOST_TEST(!fs::exists(fs::symlink_status(tmp / "env2/lib/libz.so")));
  BOOST_TEST(check_records(tmp / "env2") >= 5u);
  // Something put where a link was skipped makes the extraction untrusted: made afresh.
  std::ofstream(tmp / "pkgs0/zlib-1.2.11-h7b6447c_3/lib/libz.so") << "planted\n";
  auto afresh = run(options(lock, tmp / "env3", tmp / "pkgs0"));
  require_ok(afresh);
  BOOST_TEST(!fs::exists(fs::symlink_status(tmp / "pkgs0/zlib-1.2.11-h7b6447c_3/lib/libz.so")));
  BOOST_TEST(!fs::exists(fs::symlink_status(tmp / "env3/lib/libz.so")));
  BOOST_TEST(afresh->empty_symlinks_skipped.size() == 2u);
}

BOOST_AUTO_TEST_CASE(osx_zlib_binary_placeholders_are_replaced_with_nul_padding) {
  ShortTempDir tmp;
  HttpServer server(corpus_packages());
  std::string root = corpus_packages() + "/conda_format_repo";
  std::string fn = "osx-64/zlib-1.2.11-h1de35cc_3.tar.bz2";
  std::string lock = write_lock(
      tmp / "lock.yml", "osx-64", {locked_file(root, fn, server.url() + "/conda_format_repo")});
  std::string prefix = tmp / "env";
  auto report = run(options(lock, prefix, tmp / "pkgs", "osx-64"));
  require_ok(report);
  BOOST_TEST(report->files_relocated == 4u);  // 3 binary + 1 text
  check_records(prefix);
  auto rec = prefix::read_prefix_record(prefix + "/conda-meta/zlib-1.2.11-h1de35cc_3.json");
  BOOST_REQUIRE(rec.ok());
  int binary = 0, empty = 0;
  for (const auto& p : rec->paths) {
    if (p.file_mode != package::FileMode::binary) continue;
    std::string in_prefix = envlock::testing::read_text(prefix + "/" + p.path);
    std::string in_cache =
        envlock::testing::read_text(tmp / ("pkgs/zlib-1.2.11-h1de35cc_3/" + p.path));
    // This converted package holds its two dylib symlinks as empty files (listed as binary
    // placeholders all the same): nothing to relocate there, and recorded by their own bytes,
    // not by the digest paths.json gives for the link's lost target.
    if (in_cache.empty()) {
      BOOST_TEST(in_prefix.empty(), p.path);
      BOOST_TEST(p.sha256 == hash::hex_digest(hash::Algorithm::sha256, ""), p.path);
      BOOST_TEST((p.size_in_bytes && *p.size_in_bytes == 0u), p.path);
      BOOST_TEST(p.sha256_in_prefix == p.sha256, p.path);
      ++empty;
      continue;
    }
    BOOST_TEST(in_prefix.size() == in_cache.size(), p.path);
    BOOST_TEST(in_cache.find(p.prefix_placeholder) != std::string::npos);  // cache untouched
    BOOST_TEST(in_prefix.find(p.prefix_placeholder) == std::string::npos);
    size_t at = in_prefix.find(prefix + "/lib");
    BOOST_TEST_REQUIRE(at != std::string::npos);
    BOOST_TEST(p.sha256_in_prefix != p.sha256);
    ++binary;
  }
  BOOST_TEST(binary == 1);
  BOOST_TEST(empty == 2);

  // A prefix longer than the binary placeholder cannot be relocated: refused, nothing created.
  std::string long_prefix = tmp.path() + "/" + std::string(200, 'l') + "/" + std::string(100, 'x');
  auto refused = run(options(lock, long_prefix, tmp / "pkgs", "osx-64"));
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().kind == ErrorKind::usage);
  BOOST_TEST(refused.error().message.find("longer than the binary placeholder") !=
             std::string::npos);
  BOOST_TEST(!fs::exists(long_prefix));
  BOOST_TEST(fs::is_empty(tmp.path() + "/" + std::string(200, 'l')));
}

BOOST_AUTO_TEST_CASE(noarch_python_lands_in_the_locked_pythons_site_packages) {
  ShortTempDir tmp;
  HttpServer server(corpus_packages());
  std::string demo = envlock::testing::demo_channel_dir();
  auto python =
      locked_file(demo, "linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda", "file://" + demo);
  auto moto = locked_file(
      corpus_packages(), "legacy_repodata/noarch/moto-1.3.7-py_0.tar.bz2", server.url());
  auto andes =
      locked_file(corpus_packages(), "rattler/andes-1.8.3-pyhd8ed1ab_0.conda", server.url());
  std::string prefix = tmp / "env";
  auto report = run(options(
      write_lock(tmp / "lock.yml", "linux-64", {python, moto, andes}), prefix, tmp / "pkgs"));
  require_ok(report);
  BOOST_TEST(check_records(prefix) > 100u);
  BOOST_TEST(fs::exists(prefix + "/lib/python3.12/site-packages/moto/__init__.py"));
  BOOST_TEST(fs::exists(prefix + "/lib/python3.12/site-packages/andes/__init__.py"));
  BOOST_TEST(!fs::exists(prefix + "/site-packages"));
  std::string script = envlock::testing::read_text(prefix + "/bin/moto_server");
  BOOST_TEST(script.rfind("#!" + prefix + "/bin/python\n", 0) == 0);
  BOOST_TEST(script.find("from moto.server import main") != std::string::npos);
  BOOST_TEST(::access((prefix + "/bin/moto_server").c_str(), X_OK) == 0);
  auto rec = prefix::read_prefix_record(prefix + "/conda-meta/moto-1.3.7-py_0.json");
  BOOST_REQUIRE(rec.ok());
  BOOST_TEST(rec->noarch == "python");
  bool entry_point_recorded = false;
  for (const auto& p : rec->paths) {
    if (p.path == "bin/moto_server") {
      entry_point_recorded = p.path_type == package::PathType::unix_python_entry_point;
    }
  }
  BOOST_TEST(entry_point_recorded);

  // Without a python in the lock there is no site-packages to choose.
  auto refused =
      run(options(write_lock(tmp / "nopy.yml", "linux-64", {moto}), tmp / "env2", tmp / "pkgs"));
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().kind == ErrorKind::input);
  BOOST_TEST(refused.error().to_string().find("moto-1.3.7-py_0") != std::string::npos);
  BOOST_TEST(!fs::exists(tmp / "env2"));
}

std::vector<lockfile::LockedPackage> demo_packages(const std::string& base,
                                                   const std::vector<std::string>& files) {
  std::vector<lockfile::LockedPackage> out;
  for (const auto& f : files)
    out.push_back(locked_file(envlock::testing::demo_channel_dir(), f, base));
  return out;
}

const std::vector<std::string> k_demo_env = {"linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda",
                                             "linux-64/zlib-1.3.1-h4d5e6f7_0.tar.bz2",
                                             "linux-64/libfoo-1.2.0-h1234567_0.conda",
                                             "linux-64/libbar-2.1.0-h89abcde_0.conda",
                                             "linux-64/demo-tool-0.4.0-hfedcba9_0.conda",
                                             "noarch/demo-py-1.1.0-pyh7654321_0.conda"};

BOOST_AUTO_TEST_CASE(demo_environment_files_links_placeholders_and_no_op) {
  ShortTempDir tmp;
  HttpServer server(envlock::testing::demo_channel_dir());
  std::string lock =
      write_lock(tmp / "lock.yml", "linux-64", demo_packages(server.url(), k_demo_env));
  std::string prefix = tmp / "env";
  std::vector<std::string> events;
  auto report = run(options(lock, prefix, tmp / "pkgs"),
                    [&](const ProgressEvent& e) { events.push_back(to_string(e)); });
  require_ok(report);
  BOOST_TEST(report->changes.size() == 6u);
  BOOST_TEST(report->downloaded == 6u);
  BOOST_TEST(check_records(prefix) >= 14u);
  BOOST_TEST(std::count_if(events.begin(), events.end(), [](const std::string& e) {
               return e.rfind("link ", 0) == 0;
             }) == 6);

  BOOST_TEST(fs::read_symlink(prefix + "/bin/dt").string() == "demo-tool");
  BOOST_TEST(fs::read_symlink(prefix + "/lib/libz.so").string() == "libz.so.1.3.1");
  BOOST_TEST(envlock::testing::read_text(prefix + "/lib/pkgconfig/foo.pc")
                 .find("prefix=" + prefix + "\n") == 0u);
  std::string bar = envlock::testing::read_text(prefix + "/lib/libbar.so.2");
  std::string cached_bar =
      envlock::testing::read_text(tmp / "pkgs/libbar-2.1.0-h89abcde_0/lib/libbar.so.2");
  BOOST_TEST(bar.size() == cached_bar.size());
  BOOST_TEST(bar.find(prefix + "/share/libbar/data\0\0"s) != std::string::npos);
  BOOST_TEST(envlock::testing::read_text(prefix + "/bin/demo-py")
                 .rfind("#!" + prefix + "/bin/python\n", 0) == 0);
  BOOST_TEST(fs::exists(prefix + "/lib/python3.12/site-packages/demo_py/cli.py"));
  // Plain files are hard links into the cache; relocated ones are copies.
  struct stat a, b;
  BOOST_REQUIRE(::stat((prefix + "/include/zlib.h").c_str(), &a) == 0);
  BOOST_REQUIRE(::stat((tmp / "pkgs/zlib-1.3.1-h4d5e6f7_0/include/zlib.h").c_str(), &b) == 0);
  BOOST_TEST(a.st_ino == b.st_ino);
  BOOST_REQUIRE(::stat((prefix + "/lib/pkgconfig/foo.pc").c_str(), &a) == 0);
  BOOST_TEST(a.st_nlink == 1u);
  auto history = prefix::read_conda_meta(prefix);
  BOOST_REQUIRE(history.ok());
  BOOST_REQUIRE(history->history.size() == 1u);
  BOOST_TEST(history->history[0].added.size() == 6u);
  auto doc = json::parse(render_json(*report));
  BOOST_TEST(doc["changes"].size() == 6u);
  BOOST_TEST(doc["up_to_date"] == false);

  // Again: nothing to do, and nothing in the prefix is touched.
  auto before = snapshot(prefix);
  auto again = run(options(lock, prefix, tmp / "pkgs"));
  BOOST_REQUIRE(again.ok());
  BOOST_TEST(again->up_to_date);
  BOOST_TEST(render_text(*again).find("already up to date") != std::string::npos);
  BOOST_TEST((snapshot(prefix) == before));
}

BOOST_AUTO_TEST_CASE(update_changes_only_the_packages_that_differ) {
  ShortTempDir tmp;
  std::string base = "file://" + envlock::testing::demo_channel_dir();
  std::string lock_a = write_lock(tmp / "a.yml",
                                  "linux-64",
                                  demo_packages(base,
                                                {"linux-64/python-3.12.1-h0a1b2c3_0_cpython.conda",
                                                 "linux-64/zlib-1.3.0-h4d5e6f7_0.conda",
                                                 "linux-64/libfoo-1.2.0-h1234567_0.conda",
                                                 "linux-64/demo-tool-0.3.0-hfedcba9_0.tar.bz2",
                                                 "noarch/demo-data-2024.1-h0000000_0.conda"}));
  std::string lock_b = write_lock(
      tmp / "b.yml",
      "linux-64",
      demo_packages(base,
                    {"linux-64/python-3.12.1-h0a1b2c3_0_cpython.conda",
                     "linux-64/zlib-1.3.1-h4d5e6f7_0.conda",    // upgraded
                     "linux-64/libfoo-1.2.0-h1234567_1.conda",  // rebuilt
                     "linux-64/demo-tool-0.3.0-hfedcba9_0.tar.bz2",
                     "linux-64/libbar-2.1.0-h89abcde_0.conda"}));  // added; demo-data gone
  std::string prefix = tmp / "env";
  BOOST_REQUIRE(run(options(lock_a, prefix, tmp / "pkgs")).ok());
  BOOST_TEST(fs::exists(prefix + "/share/demo-data"));
  auto before = snapshot(prefix);
  auto report = run(options(lock_b, prefix, tmp / "pkgs"));
  require_ok(report);
  BOOST_REQUIRE_EQUAL(report->changes.size(), 4u);
  BOOST_TEST(report->changes[0].name == "demo-data");
  BOOST_TEST(report->changes[1].name == "libbar");
  BOOST_TEST(report->changes[2].name == "libfoo");
  BOOST_TEST(report->changes[2].new_build == "h1234567_1");
  BOOST_TEST(report->changes[3].name == "zlib");
  check_records(prefix);
  auto after = snapshot(prefix);
  // Untouched packages' files: same inode, same mtime.
  for (std::string p : {"bin/python3.12",
                        "bin/python",
                        "lib/python3.12/os.py",
                        "bin/demo-tool",
                        "bin/dt",
                        "conda-meta/python-3.12.1-h0a1b2c3_0_cpython.json"}) {
    BOOST_TEST_REQUIRE(before.count(p), p);
    BOOST_TEST((after.at(p) == before.at(p)), p);
  }
  BOOST_TEST(!fs::exists(prefix + "/share/demo-data"));  // emptied folders go too
  BOOST_TEST(!fs::exists(prefix + "/conda-meta/demo-data-2024.1-h0000000_0.json"));
  BOOST_TEST(!fs::exists(prefix + "/lib/libz.so.1.3.0"));
  BOOST_TEST(fs::exists(prefix + "/lib/libz.so.1.3.1"));
  BOOST_TEST(fs::exists(prefix + "/conda-meta/libfoo-1.2.0-h1234567_1.json"));
  BOOST_TEST(!fs::exists(prefix + "/conda-meta/libfoo-1.2.0-h1234567_0.json"));
  BOOST_TEST(!fs::exists(txn_dir(prefix)));
  auto state = prefix::read_conda_meta(prefix);
  BOOST_REQUIRE(state.ok());
  BOOST_TEST(state->records.size() == 5u);
  BOOST_REQUIRE(state->history.size() == 2u);
  BOOST_TEST(state->history[1].removed.size() == 3u);
  BOOST_TEST(state->history[1].added.size() == 3u);
}

BOOST_AUTO_TEST_CASE(bytes_that_disagree_with_the_lock_never_reach_the_prefix) {
  ShortTempDir tmp;
  HttpServer server(envlock::testing::demo_channel_dir());
  std::string prefix = tmp / "env";
  auto good = demo_packages(server.url(), {"linux-64/zlib-1.3.0-h4d5e6f7_0.conda"});
  BOOST_REQUIRE(
      run(options(write_lock(tmp / "a.yml", "linux-64", good), prefix, tmp / "pkgs")).ok());
  auto before = snapshot(prefix);

  // A wrong sha256 in the lock: exit 2, naming package, expected and actual digest.
  auto bad = demo_packages(server.url(), {"linux-64/zlib-1.3.1-h4d5e6f7_0.conda"});
  std::string actual = bad[0].sha256;
  bad[0].sha256 = std::string(64, 'e');
  auto refused = run(options(write_lock(tmp / "b.yml", "linux-64", bad), prefix, tmp / "pkgs"));
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().kind == ErrorKind::input);
  std::string message = refused.error().to_string();
  BOOST_TEST(message.find("zlib-1.3.1-h4d5e6f7_0") != std::string::npos, message);
  BOOST_TEST(message.find("expected " + bad[0].sha256) != std::string::npos, message);
  BOOST_TEST(message.find("got " + actual) != std::string::npos, message);
  BOOST_TEST((snapshot(prefix) == before));
  BOOST_TEST(!fs::exists(tmp / "pkgs/zlib-1.3.1-h4d5e6f7_0.conda"));

  // The server fails: exit 4, prefix as before.
  bad[0].sha256 = actual;
  server.fail_next(5, 503);
  auto down = run(options(write_lock(tmp / "c.yml", "linux-64", bad), prefix, tmp / "pkgs"));
  BOOST_REQUIRE(!down.ok());
  BOOST_TEST(down.error().kind == ErrorKind::network);
  BOOST_TEST((snapshot(prefix) == before));

  // The corpus's malformed package, locked with its true digests: refused as input.
  auto malformed =
      locked_file(corpus_packages(),
                  "malformed/ca-certificates-2024.7.4-hbcca054_0.MALFORMED-nested-dirs.conda",
                  "file://" + corpus_packages());
  malformed.name = "ca-certificates";
  auto broken = run(
      options(write_lock(tmp / "d.yml", "linux-64", {good[0], malformed}), prefix, tmp / "pkgs"));
  BOOST_REQUIRE(!broken.ok());
  BOOST_TEST(broken.error().kind == ErrorKind::input, broken.error().to_string());
  BOOST_TEST((snapshot(prefix) == before));
}

BOOST_AUTO_TEST_CASE(corrupt_cache_entries_are_fetched_and_extracted_again) {
  ShortTempDir tmp;
  HttpServer server(envlock::testing::demo_channel_dir());
  auto pkgs = demo_packages(
      server.url(),
      {"linux-64/libfoo-1.2.0-h1234567_0.conda", "linux-64/zlib-1.3.1-h4d5e6f7_0.tar.bz2"});
  std::string lock = write_lock(tmp / "lock.yml", "linux-64", pkgs);
  BOOST_REQUIRE(run(options(lock, tmp / "env1", tmp / "pkgs")).ok());
  // Second prefix: served from the extracted cache, no download.
  auto warm = run(options(lock, tmp / "env2", tmp / "pkgs"));
  BOOST_REQUIRE(warm.ok());
  BOOST_TEST(warm->downloaded == 0u);
  BOOST_TEST(warm->from_cache == 2u);
  BOOST_TEST(server.request_count("/linux-64/zlib-1.3.1-h4d5e6f7_0.tar.bz2") == 1);

  // A truncated archive and a stale marker: detected, fetched and extracted again.
  std::string archive = tmp / "pkgs/zlib-1.3.1-h4d5e6f7_0.tar.bz2";
  fs::resize_file(archive, fs::file_size(archive) / 2);
  fs::remove_all(tmp / "pkgs/zlib-1.3.1-h4d5e6f7_0");
  testing::write_text(tmp / "pkgs/libfoo-1.2.0-h1234567_0/info/envlock_extracted.json",
                      R"({"sha256": ")" + std::string(64, '1') + R"(", "md5": ")" +
                          std::string(32, '2') + R"(", "size": 1})");
  fs::remove(tmp / "pkgs/libfoo-1.2.0-h1234567_0/include/foo.h");
  auto cold = run(options(lock, tmp / "env3", tmp / "pkgs"));
  require_ok(cold);
  BOOST_TEST(cold->downloaded == 1u);  // zlib
  BOOST_TEST(cold->from_cache == 1u);  // libfoo's archive was intact
  BOOST_TEST(server.request_count("/linux-64/zlib-1.3.1-h4d5e6f7_0.tar.bz2") == 2);
  BOOST_TEST(fs::exists(tmp / "env3/include/foo.h"));
  check_records(tmp / "env3");

  // Offline with an empty cache: a network error; with the warm cache: fine.
  auto offline = options(lock, tmp / "env4", tmp / "empty-pkgs");
  offline.offline = Offline::yes;
  auto refused = run(offline);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().kind == ErrorKind::network);
  offline.pkgs_dir = tmp / "pkgs";
  BOOST_TEST(run(offline).ok());
}

BOOST_AUTO_TEST_CASE(an_interrupted_commit_is_completed_or_undone_by_the_next_run) {
  ShortTempDir tmp;
  std::string prefix = tmp / "env";
  auto prepare = [&] {
    fs::remove_all(prefix);
    testing::write_text(prefix + "/conda-meta/history", "");
    testing::write_text(prefix + "/old/a.txt", "a");
    testing::write_text(prefix + "/keep/b.txt", "b-old");
    testing::write_text(txn_dir(prefix) + "/new/keep/b.txt", "b-new");
    testing::write_text(txn_dir(prefix) + "/new/added/c.txt", "c");
    testing::write_text(txn_dir(prefix) + "/journal.json",
                        R"({"version":1,"remove":["old/a.txt","keep/b.txt"],)"
                        R"("add":["keep/b.txt","added/c.txt"]})");
  };
  // Killed after a.txt was backed up and b.txt replaced, before c.txt: completed.
  prepare();
  testing::write_text(txn_dir(prefix) + "/backup/old/a.txt", "a");
  fs::remove(prefix + "/old/a.txt");
  fs::create_directories(txn_dir(prefix) + "/backup/keep");
  fs::rename(prefix + "/keep/b.txt", txn_dir(prefix) + "/backup/keep/b.txt");
  fs::rename(txn_dir(prefix) + "/new/keep/b.txt", prefix + "/keep/b.txt");
  auto done = recover_prefix(prefix);
  BOOST_REQUIRE(done.ok());
  BOOST_TEST(to_string(*done) == std::string("completed"));
  BOOST_TEST(!fs::exists(prefix + "/old"));
  BOOST_TEST(envlock::testing::read_text(prefix + "/keep/b.txt") == "b-new");
  BOOST_TEST(envlock::testing::read_text(prefix + "/added/c.txt") == "c");
  BOOST_TEST(!fs::exists(txn_dir(prefix)));

  // Completing is impossible (a file where a folder must go): undone instead.
  prepare();
  testing::write_text(prefix + "/added", "a file in the way");
  auto undone = recover_prefix(prefix);
  require_ok(undone);
  BOOST_TEST(to_string(*undone) == std::string("rolled_back"));
  BOOST_TEST(envlock::testing::read_text(prefix + "/old/a.txt") == "a");
  BOOST_TEST(envlock::testing::read_text(prefix + "/keep/b.txt") == "b-old");
  BOOST_TEST(!fs::exists(txn_dir(prefix)));

  // Staging without a journal: the prefix was never touched; the leftovers go.
  prepare();
  fs::remove(txn_dir(prefix) + "/journal.json");
  auto nothing = recover_prefix(prefix);
  BOOST_REQUIRE(nothing.ok());
  BOOST_TEST(to_string(*nothing) == std::string("nothing"));
  BOOST_TEST(envlock::testing::read_text(prefix + "/keep/b.txt") == "b-old");
  BOOST_TEST(!fs::exists(txn_dir(prefix)));
}

BOOST_AUTO_TEST_CASE(two_installs_into_one_prefix_at_once_do_not_corrupt_it) {
  ShortTempDir tmp;
  std::string lock =
      write_lock(tmp / "lock.yml",
                 "linux-64",
                 demo_packages("file://" + envlock::testing::demo_channel_dir(), k_demo_env));
  std::string prefix = tmp / "env";
  std::optional<Result<Report>> results[2];
  std::thread other([&] { results[1] = run(options(lock, prefix, tmp / "pkgs")); });
  results[0] = run(options(lock, prefix, tmp / "pkgs"));
  other.join();
  BOOST_REQUIRE(results[0]->ok());
  BOOST_REQUIRE(results[1]->ok());
  BOOST_TEST(((*results[0])->up_to_date != (*results[1])->up_to_date));
  check_records(prefix);
  BOOST_TEST(!fs::exists(prefix + ".envlock.lock"));
  auto state = prefix::read_conda_meta(prefix);
  BOOST_REQUIRE(state.ok());
  BOOST_TEST(state->records.size() == 6u);
  BOOST_TEST(state->history.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::install
