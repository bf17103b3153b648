// Tier 1 over the real prefixes of the corpus (conda-meta written by conda, mamba and pixi
// era tools): each against the lock captured from its own records, in every lock format we
// write, gives no finding; edits of the lock give exactly the finding they should; corrupt
// conda-meta is a clear input error naming the file.

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "lib/capture/capture.h"
#include "lib/lockfile/lockfile.h"
#include "lib/testing/testing.h"
#include "lib/verify/verify.h"

namespace fs = std::filesystem;

namespace envlock::verify {
namespace {

std::vector<std::string> corpus_prefixes() {
  std::vector<std::string> out;
  for (const auto& e :
       fs::directory_iterator(testing::corpus_dir() + "/conda-meta/conda-env_metadata"))
    if (fs::is_directory(e.path() / "conda-meta")) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> codes(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.code + " " + f.package);
  return out;
}

BOOST_AUTO_TEST_CASE(every_corpus_prefix_matches_its_captured_lock_in_every_format) {
  auto prefixes = corpus_prefixes();
  BOOST_TEST(prefixes.size() == 7u);
  size_t records = 0;
  for (const auto& dir : prefixes) {
    BOOST_TEST_CONTEXT(dir) {
      auto state = prefix::read_conda_meta(dir);
      BOOST_REQUIRE(state.ok());
      records += state->records.size();
      auto lock = capture::lock_of_prefix(*state);
      BOOST_REQUIRE_MESSAGE(lock.ok(), (lock.ok() ? "" : lock.error().to_string()));
      std::string platform = lock->metadata.platforms.at(0);
      BOOST_TEST(platform != "noarch");
      for (const std::string& text : {lockfile::write_conda_lock_v1(*lock),
                                      lockfile::write_explicit(*lock, "default", platform)}) {
        auto reread = lockfile::parse_lock(text, "captured");
        BOOST_REQUIRE_MESSAGE(reread.ok(), (reread.ok() ? "" : reread.error().to_string()));
        const auto& packages = reread->environments.begin()->second.packages.at(platform);
        BOOST_TEST(packages.size() == state->records.size());
        BOOST_TEST(codes(compare_packages(state->records, packages)) == std::vector<std::string>{},
                   boost::test_tools::per_element());
        for (const auto& p : packages) {
          BOOST_TEST(!p.url.empty());
          BOOST_TEST(!(p.md5.empty() && p.sha256.empty()), p.name);
        }
      }
      // The whole job, through a file, at the packages level (the corpus has no files).
      testing::TempDir tmp;
      Options o;
      o.prefix = dir;
      o.lock = tmp / "conda-lock.yml";
      o.level = Level::packages;
      testing::write_text(o.lock, lockfile::write_conda_lock_v1(*lock));
      auto report = run(o);
      BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().to_string()));
      BOOST_TEST(report->clean());
      BOOST_TEST(report->platform == platform);
      BOOST_TEST(report->packages_locked == state->records.size());
    }
  }
  BOOST_TEST(records > 100u);
}

BOOST_AUTO_TEST_CASE(edits_of_a_real_lock_give_exactly_their_finding) {
  std::string dir = testing::corpus_dir() + "/conda-meta/conda-env_metadata/envpy37osx_whl";
  auto state = prefix::read_conda_meta(dir);
  BOOST_REQUIRE(state.ok());
  auto lock = capture::lock_of_prefix(*state);
  BOOST_REQUIRE(lock.ok());
  auto base = lock->environments["default"].packages.begin()->second;
  auto find = [](std::vector<lockfile::LockedPackage>& v, const std::string& name) {
    for (auto& p : v)
      if (p.name == name) return &p;
    BOOST_FAIL("no " + name);
    return &v[0];
  };
  using Lines = std::vector<std::string>;
  {
    auto v = base;
    find(v, "openssl")->version = "9.9.9";
    find(v, "zlib")->build = "other_0";
    find(v, "sqlite")->md5 = std::string(32, '0');
    find(v, "sqlite")->sha256.clear();  // md5 is the fallback when sha256 is not on both sides
    BOOST_TEST(codes(compare_packages(state->records, v)) ==
                   (Lines{"version-differs openssl", "md5-differs sqlite", "build-differs zlib"}),
               boost::test_tools::per_element());
  }
  {
    auto v = base;
    auto* tk = find(v, "tk");
    tk->url = "https://conda.anaconda.org/other-channel/osx-64/" + lockfile::url_filename(tk->url);
    tk->channel = "https://conda.anaconda.org/other-channel";
    auto* ncurses = find(v, "ncurses");
    ncurses->url.replace(ncurses->url.rfind(".tar.bz2"), 8, ".conda");
    v.erase(v.begin() + static_cast<long>(v.size()) - 1);  // the last one is missing
    v.push_back(base.front());
    v.back().name = "not-installed";
    auto found = codes(compare_packages(state->records, v));
    std::string last = base.back().name;
    Lines expected = {"url-differs ncurses",
                      "package-missing not-installed",
                      "channel-differs tk",
                      "package-extra " + last};
    std::sort(expected.begin(), expected.end(), [](const std::string& a, const std::string& b) {
      return a.substr(a.find(' ')) < b.substr(b.find(' '));
    });
    BOOST_TEST(found == expected, boost::test_tools::per_element());
  }
  {
    // Tokens and credentials do not make a url different; channel names match their url.
    auto v = base;
    auto* zlib = find(v, "zlib");
    std::string url = zlib->url;
    zlib->url.insert(url.find("://") + 3, "user:secret@");
    auto* tk = find(v, "tk");
    tk->url.clear();
    tk->channel = "pkgs/main";
    BOOST_TEST(codes(compare_packages(state->records, v)) == Lines{},
               boost::test_tools::per_element());
  }
}

// conda installed these records from repo.continuum.io (the defaults host until 2018); a lock
// written today names repo.anaconda.com, `defaults`, or the channel with a trailing slash. One
// channel, one artifact: no finding. A real move is still one.
BOOST_AUTO_TEST_CASE(channel_aliases_are_not_drift) {
  std::string dir = testing::corpus_dir() + "/conda-meta/conda-env_metadata/envpy27osx";
  auto state = prefix::read_conda_meta(dir);
  BOOST_REQUIRE(state.ok());
  auto lock = capture::lock_of_prefix(*state);
  BOOST_REQUIRE(lock.ok());
  auto v = lock->environments["default"].packages.begin()->second;
  size_t continuum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    auto& p = v[i];
    const std::string old_host = "https://repo.continuum.io/";
    if (p.url.starts_with(old_host)) {
      ++continuum;
      p.url = "https://repo.anaconda.com/" + p.url.substr(old_host.size());
    } else {
      p.url.insert(p.url.find("://") + 3, i % 2 ? "" : "user:pw@");
      p.url.replace(0, p.url.find("://"), "http");
    }
    p.channel = i % 3 == 0 ? "defaults" : i % 3 == 1 ? "pkgs/main" : p.channel + "/";
  }
  BOOST_TEST(continuum > 5u);
  BOOST_TEST(codes(compare_packages(state->records, v)) == std::vector<std::string>{},
             boost::test_tools::per_element());

  auto moved = v;
  moved.front().url =
      "https://conda.anaconda.org/conda-forge/osx-64/" + lockfile::url_filename(moved.front().url);
  moved.front().channel = "conda-forge";
  BOOST_TEST(codes(compare_packages(state->records, moved)) ==
                 std::vector<std::string>{"channel-differs " + moved.front().name},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(corrupt_conda_meta_is_an_input_error_naming_the_file) {
  std::string lock = testing::corpus_dir() + "/lockfiles/conda-lock";
  testing::TempDir tmp;
  std::string lock_path = tmp / "conda-lock.yml";
  lockfile::Lock empty;
  empty.metadata.platforms = {"linux-64"};
  empty.environments["default"].packages["linux-64"];
  testing::write_text(lock_path, lockfile::write_conda_lock_v1(empty));
  for (const char* bad : {"json", "unicode"}) {
    Options o;
    o.prefix = testing::corpus_dir() + "/conda-meta/negative/" + bad;
    o.lock = lock_path;
    o.platform = "linux-64";
    auto report = run(o);
    BOOST_REQUIRE(!report.ok());
    BOOST_TEST(report.error().kind == ErrorKind::input);
    BOOST_TEST(report.error().to_string().find("corrupt-1.2.3-hashhash.json") != std::string::npos,
               report.error().to_string());
  }
  // AppleDouble `._*` files are skipped like conda does: this one is a valid prefix.
  Options o;
  o.prefix = testing::corpus_dir() + "/conda-meta/negative/dot_underscore";
  o.lock = lock_path;
  o.platform = "linux-64";
  auto report = run(o);
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(codes(report->findings) == std::vector<std::string>{"package-extra valid"},
             boost::test_tools::per_element());
}

}  // namespace
}  // namespace envlock::verify
