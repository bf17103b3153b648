// Installing wheels: where members land, RECORD as written, the pip side of the plan, and
// what counts as a damaged installed distribution. Real wheels from //testdata/pypi:index.

#include "lib/install/wheel.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <ctime>
#include <filesystem>

#include "lib/hash/hash.h"
#include "lib/install/transaction.h"
#include "lib/prefix/dist_info.h"
#include "lib/pypi/record.h"
#include "lib/testing/testing.h"

namespace envlock::install {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_sp = "lib/python3.11/site-packages";

WheelTarget target_in(const std::string& root, const std::string& platform = "linux-64") {
  WheelTarget t;
  t.root = root;
  t.prefix = "/opt/env";
  t.platform = platform;
  t.python_version = "3.11";
  t.site_packages = platform.rfind("win-", 0) == 0 ? "Lib/site-packages" : k_sp;
  return t;
}

// The one file of the test index whose name starts with `stem`, with its sha256.
lockfile::LockedPackage wheel_entry(const std::string& name, const std::string& version,
                                    const std::string& stem, std::string* path) {
  for (const auto& e : fs::directory_iterator(testing::pypi_index_dir() + "/files")) {
    std::string fn = e.path().filename().string();
    if (fn.rfind(stem, 0) == 0 && fn.size() > 4 && fn.compare(fn.size() - 4, 4, ".whl") == 0) {
      *path = e.path().string();
      lockfile::LockedPackage p;
      p.manager = lockfile::Manager::pip;
      p.name = name;
      p.version = version;
      p.url = "https://user:secret@pypi.example/files/" + fn;
      p.sha256 = *hash::hex_digest_file(hash::Algorithm::sha256, *path);
      return p;
    }
  }
  BOOST_FAIL("no wheel " + stem + " in the test index");
  return {};
}

prefix::InstalledDist dist(const std::string& name, const std::string& version,
                           const std::string& installer, const std::string& sha256 = "") {
  prefix::InstalledDist d;
  d.dist_info = std::string(k_sp) + "/" + name + "-" + version + ".dist-info";
  d.name = name;
  d.version = version;
  d.installer = installer;
  d.archive_sha256 = sha256;
  return d;
}

lockfile::LockedPackage locked(const std::string& name, const std::string& version,
                               const std::string& sha256 = std::string(64, 'a')) {
  lockfile::LockedPackage p;
  p.manager = lockfile::Manager::pip;
  p.name = name;
  p.version = version;
  p.sha256 = sha256;
  return p;
}

std::vector<std::string> changes_of(const PipTransaction& t) {
  std::vector<std::string> out;
  for (const auto& c : t.changes)
    out.push_back(std::string(to_string(c.kind)) + " " + c.name + " " + c.old_version + ">" +
                  c.new_version);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wheel)

BOOST_AUTO_TEST_CASE(record_paths_outside_site_packages_climb_from_it) {
  BOOST_TEST(relative_to("lib/python3.11/site-packages/a/b.py", k_sp) == "a/b.py");
  BOOST_TEST(relative_to("bin/tool", k_sp) == "../../../bin/tool");
  BOOST_TEST(relative_to("include/python3.11/d/h.h", k_sp) == "../../../include/python3.11/d/h.h");
  BOOST_TEST(relative_to("Scripts/t.exe", "Lib/site-packages") == "../../Scripts/t.exe");
  BOOST_TEST(relative_to("lib/python3.11/x.py", k_sp) == "../x.py");
}

BOOST_AUTO_TEST_CASE(members_land_where_pip_puts_them) {
  testing::TempDir tmp;
  WheelTarget t = target_in(tmp.path());
  auto at = [&](const std::string& member, const WheelTarget& target) {
    auto r = wheel_member_target(member, "d-1.0.data", "d", target);
    return r.ok() ? *r : "error: " + r.error().message;
  };
  BOOST_TEST(at("d/__init__.py", t) == "lib/python3.11/site-packages/d/__init__.py");
  BOOST_TEST(at("d-1.0.dist-info/METADATA", t) ==
             "lib/python3.11/site-packages/d-1.0.dist-info/METADATA");
  BOOST_TEST(at("d-1.0.data/scripts/tool", t) == "bin/tool");
  BOOST_TEST(at("d-1.0.data/headers/d.h", t) == "include/python3.11/d/d.h");
  BOOST_TEST(at("d-1.0.data/data/share/x.txt", t) == "share/x.txt");
  BOOST_TEST(at("d-1.0.data/purelib/p.py", t) == "lib/python3.11/site-packages/p.py");
  BOOST_TEST(at("d-1.0.data/platlib/q.so", t) == "lib/python3.11/site-packages/q.so");
  BOOST_TEST(at("d-1.0.data/other/x", t) == "error: unknown wheel .data folder 'other'");
  BOOST_TEST(at("d-1.0.data/scripts", t).rfind("error: ", 0) == 0);
  for (const char* bad : {"../x", "/etc/x", "a/../../x", "a\\b", "C:/x", "a//b"})
    BOOST_TEST(at(bad, t).rfind("error: ", 0) == 0, bad);
  WheelTarget win = target_in(tmp.path(), "win-64");
  BOOST_TEST(at("d-1.0.data/scripts/tool.exe", win) == "Scripts/tool.exe");
  BOOST_TEST(at("d/__init__.py", win) == "Lib/site-packages/d/__init__.py");
  BOOST_TEST(at("d-1.0.data/headers/d.h", win) == "Include/d/d.h");
}

BOOST_AUTO_TEST_CASE(an_installed_wheel_has_a_record_of_every_file_as_written) {
  std::string path;
  auto p = wheel_entry("demo-data", "1.0", "demo_data-1.0-", &path);
  testing::TempDir tmp;
  WheelTarget t = target_in(tmp.path());
  t.requested = Requested::yes;
  auto r = install_wheel(p, path, t);
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().to_string()));
  BOOST_TEST(r->dist_info == std::string(k_sp) + "/demo_data-1.0.dist-info");
  const std::string record_text = testing::read_text(tmp / (r->dist_info + "/RECORD"));
  auto record = pypi::parse_record(record_text);
  BOOST_REQUIRE(record.ok());
  // Every file under the root is in RECORD, and every RECORD line is its file.
  std::set<std::string> on_disk, listed;
  for (const auto& e : fs::recursive_directory_iterator(tmp.path())) {
    if (e.is_regular_file()) on_disk.insert(fs::relative(e.path(), tmp.path()).string());
  }
  for (const auto& e : *record) {
    std::string rel = fs::path(std::string(k_sp) + "/" + e.path).lexically_normal().string();
    listed.insert(rel);
    if (e.hash_algorithm.empty()) {
      BOOST_TEST(rel == r->dist_info + "/RECORD");
      continue;
    }
    std::string bytes = testing::read_text(tmp / rel);
    BOOST_TEST((e.size == bytes.size()), rel);
    BOOST_TEST(pypi::record_hash(hash::hex_digest(hash::Algorithm::sha256, bytes)) ==
                   e.hash_algorithm + "=" + e.hash_b64,
               rel);
  }
  BOOST_TEST(on_disk == listed, boost::test_tools::per_element());
  BOOST_TEST(std::vector<std::string>(r->files.begin(), r->files.end()) ==
                 std::vector<std::string>(listed.begin(), listed.end()),
             boost::test_tools::per_element());
  // RECORD is sorted, itself without hash; paths outside site-packages climb out of it.
  BOOST_TEST(std::is_sorted(record->begin(), record->end(), [](const auto& a, const auto& b) {
    return a.path < b.path;
  }));
  BOOST_TEST(record_text.find("../../../bin/demo-data-tool,sha256=") != std::string::npos);
  // CRLF line ends, as pip writes RECORD (Python's csv default).
  BOOST_TEST(record_text.find("demo_data-1.0.dist-info/RECORD,,\r\n") != std::string::npos);
  // The installer's own files: INSTALLER, REQUESTED, direct_url.json without credentials.
  BOOST_TEST(testing::read_text(tmp / (r->dist_info + "/INSTALLER")) == "envlock\n");
  BOOST_TEST(fs::exists(tmp / (r->dist_info + "/REQUESTED")));
  std::string direct = testing::read_text(tmp / (r->dist_info + "/direct_url.json"));
  BOOST_TEST(direct.find("secret") == std::string::npos);
  BOOST_TEST(direct.find("\"sha256\":\"" + p.sha256 + "\"") != std::string::npos);
  // The #!python script names the prefix python and is executable.
  BOOST_TEST(testing::read_text(tmp / "bin/demo-data-tool").rfind("#!/opt/env/bin/python\n", 0) ==
             0);
  struct stat st;
  BOOST_REQUIRE(::stat((tmp / "bin/demo-data-tool").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0111) != 0u);
  // Read back as an installed distribution: the same files and hashes.
  auto dists = prefix::read_dist_infos(tmp.path(), k_sp);
  BOOST_REQUIRE(dists.ok());
  BOOST_REQUIRE(dists->size() == 1u);
  BOOST_TEST(dists->front().installer == "envlock");
  BOOST_TEST(dists->front().requested);
  BOOST_TEST(dists->front().archive_sha256 == p.sha256);
  BOOST_TEST(dists->front().url ==
             "https://pypi.example/files/" + fs::path(path).filename().string());
  BOOST_TEST(dists->front().files.size() == record->size());
}

BOOST_AUTO_TEST_CASE(a_wheel_that_is_not_the_locked_one_is_refused_before_writing) {
  std::string path;
  auto p = wheel_entry("demo-cli", "1.0", "demo_cli-1.0-", &path);
  testing::TempDir tmp;
  for (auto [name, version, why] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"demo-other", "1.0", "the wheel is demo-cli, not demo-other as the lock says"},
           {"demo-cli", "1.1", "the wheel is version 1.0, the lock says 1.1"}}) {
    lockfile::LockedPackage q = p;
    q.name = name;
    q.version = version;
    auto r = install_wheel(q, path, target_in(tmp.path()));
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().kind == ErrorKind::input);
    BOOST_TEST(r.error().message == why);
    BOOST_TEST(fs::is_empty(tmp.path()));
  }
  // Spelt differently, the same name and version (PEP 503, PEP 440).
  lockfile::LockedPackage q = p;
  q.name = "Demo_CLI";
  q.version = "1.0.0";
  BOOST_TEST(install_wheel(q, path, target_in(tmp.path())).ok());
}

BOOST_AUTO_TEST_CASE(the_pip_plan_replaces_what_is_not_the_locked_wheel) {
  const std::string sha(64, 'a');
  // Nothing installed: everything added.
  BOOST_TEST(changes_of(plan_pip({locked("six", "1.16.0")}, {})) ==
             std::vector<std::string>{"add six >1.16.0"});
  // The locked wheel, installed by envlock: nothing to do (names and versions normalised).
  BOOST_TEST(plan_pip({locked("Six", "1.16")}, {dist("six", "1.16.0", "envlock", sha)}).empty());
  // Another version, another wheel of the same version, another installer: replaced.
  BOOST_TEST(changes_of(plan_pip({locked("six", "1.16.0")}, {dist("six", "1.15.0", "envlock")})) ==
             std::vector<std::string>{"replace six 1.15.0>1.16.0"});
  BOOST_TEST(changes_of(plan_pip({locked("six", "1.16.0")},
                                 {dist("six", "1.16.0", "envlock", std::string(64, 'b'))})) ==
             std::vector<std::string>{"replace six 1.16.0>1.16.0"});
  BOOST_TEST(changes_of(plan_pip({locked("six", "1.16.0")}, {dist("six", "1.16.0", "pip")})) ==
             std::vector<std::string>{"replace six 1.16.0>1.16.0"});
  // Damaged: installed again.
  auto installed = dist("six", "1.16.0", "envlock", sha);
  PipTransaction damaged = plan_pip({locked("six", "1.16.0")}, {installed}, {installed.dist_info});
  BOOST_TEST(damaged.unlink.size() == 1u);
  BOOST_TEST(damaged.link.size() == 1u);
  // Not locked: removed when envlock installed it, kept when another installer did.
  PipTransaction extra = plan_pip({}, {dist("a", "1", "envlock"), dist("b", "1", "pip")});
  BOOST_TEST(changes_of(extra) == std::vector<std::string>{"remove a 1>"});
  BOOST_TEST(extra.unlink.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_damaged_distribution_is_seen_without_reading_its_files) {
  std::string path;
  auto p = wheel_entry("demo-cli", "1.0", "demo_cli-1.0-", &path);
  testing::TempDir tmp;
  BOOST_REQUIRE(install_wheel(p, path, target_in(tmp.path())).ok());
  auto read = [&] {
    auto d = prefix::read_dist_infos(tmp.path(), k_sp);
    BOOST_REQUIRE(d.ok());
    return std::move(d).value();
  };
  BOOST_TEST(damaged_dists(tmp.path(), read()).empty());
  const std::string main_py = tmp / (std::string(k_sp) + "/demo_cli/main.py");
  // Same size, written later than RECORD.
  std::string text = testing::read_text(main_py);
  text[0] = text[0] == '#' ? '!' : '#';
  struct stat record;
  BOOST_REQUIRE(
      ::stat((tmp / (std::string(k_sp) + "/demo_cli-1.0.dist-info/RECORD")).c_str(), &record) == 0);
  testing::write_text(main_py, text);
  struct timespec times[2] = {record.st_mtim, record.st_mtim};
  times[1].tv_sec += 10;
  BOOST_REQUIRE(::utimensat(AT_FDCWD, main_py.c_str(), times, 0) == 0);
  BOOST_TEST(damaged_dists(tmp.path(), read()).size() == 1u);
  // Another size, however old.
  testing::write_text(main_py, text + "\n");
  times[1] = record.st_mtim;
  times[1].tv_sec -= 10;
  BOOST_REQUIRE(::utimensat(AT_FDCWD, main_py.c_str(), times, 0) == 0);
  BOOST_TEST(damaged_dists(tmp.path(), read()).size() == 1u);
  // Missing.
  fs::remove(main_py);
  BOOST_TEST(damaged_dists(tmp.path(), read()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(taking_out_a_dist_removes_its_record_and_folder_never_conda_meta) {
  testing::TempDir tmp;
  const std::string di = std::string(k_sp) + "/six-1.16.0.dist-info";
  testing::write_text(tmp / (di + "/METADATA"),
                      "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n");
  testing::write_text(tmp / (di + "/INSTALLER"), "envlock\n");
  testing::write_text(tmp / (di + "/extra.txt"), "not in RECORD\n");
  testing::write_text(tmp / (di + "/RECORD"),
                      "six.py,,\r\n../../../bin/six,,\r\n"
                      "../../../conda-meta/python-3.11.8-h0_0.json,,\r\n"
                      "../../../conda-meta,,\r\nsix-1.16.0.dist-info/RECORD,,\r\n");
  auto dists = prefix::read_dist_infos(tmp.path(), k_sp);
  BOOST_REQUIRE(dists.ok() && dists->size() == 1u);
  BOOST_TEST(dist_removals(tmp.path(), dists->front()) ==
                 (std::vector<std::string>{"bin/six",
                                           di + "/INSTALLER",
                                           di + "/METADATA",
                                           di + "/RECORD",
                                           di + "/extra.txt",
                                           std::string(k_sp) + "/six.py"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::install
