// Tiers 2 and 3 on real files: each test installs the demo channel's real packages into a
// fresh prefix the way an installer does (extract, relocate placeholders, compute
// sha256_in_prefix, write conda-meta records), captures a lock, tampers with one thing and
// checks that exactly that is found, with the right reason.

#include <stdlib.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "lib/capture/capture.h"
#include "lib/hash/hash.h"
#include "lib/lockfile/lockfile.h"
#include "lib/package/package.h"
#include "lib/prefix/prefix.h"
#include "lib/testing/testing.h"
#include "lib/verify/verify.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace envlock::verify {
namespace {

const std::string k_placeholder =
    "/opt/envlock-demo/build_env_placehold_placehold_placehold_placehold_placehold_placehold_"
    "placehold_placehold_";

void spit(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// How the test writes a record's paths_data, imitating different producers.
enum class Producer {
  conda,         // file_mode, prefix_placeholder and sha256_in_prefix
  mamba,         // no file_mode / prefix_placeholder
  no_in_prefix,  // placeholder recorded, sha256_in_prefix not
  files_only,    // no paths_data at all
};

// conda's binary replacement: inside each NUL-terminated string holding the placeholder,
// replace it and pad the string's end with NULs so the length stays the same.
std::string replace_binary(std::string data, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = data.find(from, pos)) != std::string::npos) {
    size_t end = data.find('\0', pos);
    if (end == std::string::npos) end = data.size();
    std::string segment = data.substr(pos, end - pos);
    std::string replaced = to + segment.substr(from.size());
    replaced.append(segment.size() - replaced.size(), '\0');
    data.replace(pos, segment.size(), replaced);
    pos += to.size();
  }
  return data;
}

std::string replace_text(std::string data, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = data.find(from, pos)) != std::string::npos; pos += to.size())
    data.replace(pos, from.size(), to);
  return data;
}

// A short folder name: a binary placeholder leaves room for a prefix of at most its own length
// (as with conda), and $TEST_TMPDIR can be longer than that.
std::string short_temp_dir() {
  char name[] = "/tmp/evl-XXXXXX";
  BOOST_REQUIRE(::mkdtemp(name) != nullptr);
  return name;
}

class DemoPrefix {
 public:
  DemoPrefix() : m_prefix(short_temp_dir()), m_channel(envlock::testing::demo_channel_dir()) {
    fs::create_directories(m_prefix + "/conda-meta");
  }
  ~DemoPrefix() {
    std::error_code ec;
    fs::remove_all(m_prefix, ec);
  }
  const std::string& path() const { return m_prefix; }
  std::string operator/(const std::string& rel) const { return m_prefix + "/" + rel; }
  std::string scratch(const std::string& name) const { return m_tmp / name; }

  /// Installs `subdir/fn` of the demo channel and writes its conda-meta record.
  void install(const std::string& subdir, const std::string& fn,
               Producer producer = Producer::conda) {
    json repodata =
        json::parse(envlock::testing::read_text(m_channel + "/" + subdir + "/repodata.json"));
    json entry = repodata[fn.size() > 6 && fn.substr(fn.size() - 6) == ".conda" ? "packages.conda"
                                                                                : "packages"][fn];
    BOOST_REQUIRE_MESSAGE(!entry.is_null(), fn);
    std::string archive = m_channel + "/" + subdir + "/" + fn;
    auto info = package::read_package_info(archive);
    BOOST_REQUIRE(info.ok());
    std::string extracted = m_tmp / ("pkgs/" + fn);
    auto ex = package::extract_package(archive, extracted);
    BOOST_REQUIRE_MESSAGE(ex.ok(), (ex.ok() ? "" : ex.error().to_string()));

    prefix::PrefixRecord r;
    r.name = entry["name"];
    r.version = entry["version"];
    r.build = entry["build"];
    r.build_number = entry["build_number"];
    r.channel = "https://demo.invalid/envlock-demo";
    r.subdir = subdir;
    r.fn = fn;
    r.url = r.channel + "/" + subdir + "/" + fn;
    r.md5 = entry["md5"];
    r.sha256 = entry["sha256"];
    r.size = entry["size"].get<uint64_t>();
    r.depends = entry["depends"].get<std::vector<std::string>>();
    r.noarch = entry.value("noarch", "");
    r.link = prefix::Link{extracted, 1};
    bool noarch_python = r.noarch == "python";
    for (const auto& p : info->paths) {
      std::string rel = p.path;
      if (noarch_python && rel.rfind("site-packages/", 0) == 0) rel = "lib/python3.12/" + rel;
      std::string src = extracted + "/" + p.path, dst = *this / rel;
      fs::create_directories(fs::path(dst).parent_path());
      prefix::PathData d;
      d.path = rel;
      d.path_type = p.path_type;
      d.sha256 = p.sha256;
      d.size_in_bytes = p.size_in_bytes;
      if (p.path_type == package::PathType::softlink) {
        fs::create_symlink(fs::read_symlink(src), dst);
      } else {
        std::string bytes = envlock::testing::read_text(src);
        if (!p.prefix_placeholder.empty()) {
          bytes = p.file_mode == package::FileMode::binary
                      ? replace_binary(bytes, p.prefix_placeholder, m_prefix)
                      : replace_text(bytes, p.prefix_placeholder, m_prefix);
          if (producer != Producer::mamba) {
            d.prefix_placeholder = p.prefix_placeholder;
            d.file_mode = p.file_mode;
          }
        }
        spit(dst, bytes);
        fs::permissions(dst, fs::status(src).permissions());
        if (producer != Producer::no_in_prefix)
          d.sha256_in_prefix = hash::hex_digest(hash::Algorithm::sha256, bytes);
      }
      r.files.push_back(rel);
      r.paths.push_back(std::move(d));
    }
    if (noarch_python) {
      // What an installer adds for noarch: python: compiled bytecode and entry points.
      std::string pyc = "lib/python3.12/site-packages/demo_py/__pycache__/cli.cpython-312.pyc";
      spit(*this / pyc, std::string("\xcb\x0d\x0d\x0a", 4) + "compiled demo bytecode");
      prefix::PathData pd;
      pd.path = pyc;
      pd.path_type = package::PathType::pyc_file;
      r.files.push_back(pyc);
      r.paths.push_back(pd);
      spit(*this / "bin/demo-py",
           "#!" + m_prefix +
               "/bin/python3.12\nimport sys\nfrom demo_py.cli import main\n"
               "sys.exit(main())\n");
      prefix::PathData ep;
      ep.path = "bin/demo-py";
      ep.path_type = package::PathType::unix_python_entry_point;
      r.files.push_back(ep.path);
      r.paths.push_back(ep);
    }
    r.has_paths_data = producer != Producer::files_only;
    if (producer == Producer::files_only) r.paths.clear();
    testing::write_text(*this / ("conda-meta/" + prefix::record_file_name(r)),
                        prefix::write_prefix_record(r));
  }

  /// The standard demo environment.
  void install_environment(Producer libfoo_producer = Producer::conda) {
    install("linux-64", "zlib-1.3.1-h4d5e6f7_0.conda");
    install("linux-64", "python-3.12.2-h0a1b2c3_0_cpython.conda");
    install("linux-64", "libfoo-1.2.0-h1234567_1.tar.bz2", libfoo_producer);
    install("linux-64", "libbar-2.1.0-h89abcde_0.conda");
    install("linux-64", "demo-tool-0.4.0-hfedcba9_0.conda");
    install("noarch", "demo-py-1.1.0-pyh7654321_0.conda");
  }

  /// Captures the prefix into a conda-lock.yml beside it and returns its path.
  std::string capture() {
    auto state = prefix::read_conda_meta(m_prefix);
    BOOST_REQUIRE_MESSAGE(state.ok(), (state.ok() ? "" : state.error().to_string()));
    auto lock = capture::lock_of_prefix(*state);
    BOOST_REQUIRE(lock.ok());
    std::string path = m_tmp / "conda-lock.yml";
    testing::write_text(path, lockfile::write_conda_lock_v1(*lock));
    return path;
  }

  Report verify(const std::string& lock, Level level = Level::hashes,
                Untracked untracked = Untracked::yes, unsigned jobs = 2) {
    Options o;
    o.prefix = m_prefix;
    o.lock = lock;
    o.level = level;
    o.untracked = untracked;
    o.jobs = jobs;
    auto report = run(o);
    BOOST_REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().to_string()));
    return std::move(report).value();
  }

 private:
  testing::TempDir m_tmp;
  std::string m_prefix;
  std::string m_channel;
};

// "code package path" of every finding, for exact comparisons.
std::vector<std::string> summary(const Report& report) {
  std::vector<std::string> out;
  for (const auto& f : report.findings)
    out.push_back(std::string(f.severity == Severity::drift ? "" : "info ") + f.code + " " +
                  f.package + " " + f.path);
  return out;
}

using Lines = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(a_fresh_install_is_clean_at_every_level) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  for (Level level : {Level::packages, Level::files, Level::hashes}) {
    Report r = p.verify(lock, level);
    BOOST_TEST(summary(r) == Lines{}, boost::test_tools::per_element());
    BOOST_TEST(exit_code(r) == 0);
    BOOST_TEST(r.platform == "linux-64");
    BOOST_TEST(r.packages_locked == 6u);
  }
  Report r = p.verify(lock);
  BOOST_TEST(r.files_checked > 20u);
  BOOST_TEST(r.files_hashed > 12u);
  BOOST_TEST(render_text(r).rfind("ok: ", 0) == 0);
}

BOOST_AUTO_TEST_CASE(one_tampered_byte_is_content_differs) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  std::string lib = p / "lib/libz.so.1.3.1";
  std::string bytes = envlock::testing::read_text(lib);
  bytes[10] ^= 0x20;
  spit(lib, bytes);
  Report r = p.verify(lock);
  BOOST_TEST(summary(r) == Lines{"content-differs zlib lib/libz.so.1.3.1"},
             boost::test_tools::per_element());
  BOOST_TEST(r.findings[0].expected != r.findings[0].actual);
  BOOST_TEST(exit_code(r) == 1);
  BOOST_TEST(r.files_modified() == 1u);
  // Tier 2 does not read contents.
  BOOST_TEST(summary(p.verify(lock, Level::files)) == Lines{}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(prefix_replaced_files_are_checked_against_sha256_in_prefix) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  // Clean, although these bytes differ from the package's sha256: text and binary placeholders.
  BOOST_TEST(envlock::testing::read_text(p / "bin/python3.12").find(p.path()) != std::string::npos);
  BOOST_TEST(
      envlock::testing::read_text(p / "lib/libbar.so.2").find(p.path() + "/share/libbar/data") !=
      std::string::npos);
  BOOST_TEST(summary(p.verify(lock)) == Lines{}, boost::test_tools::per_element());
  std::string bytes = envlock::testing::read_text(p / "lib/libbar.so.2");
  bytes[bytes.size() - 1] ^= 1;
  spit(p / "lib/libbar.so.2", bytes);
  BOOST_TEST(summary(p.verify(lock)) == Lines{"content-differs libbar lib/libbar.so.2"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_truncated_file_is_file_size_differs) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  fs::resize_file(p / "share/libbar/data", 3);
  Report r = p.verify(lock);
  BOOST_TEST(summary(r) == Lines{"file-size-differs libbar share/libbar/data"},
             boost::test_tools::per_element());
  BOOST_TEST(r.findings[0].expected == "9");
  BOOST_TEST(r.findings[0].actual == "3");
}

BOOST_AUTO_TEST_CASE(a_deleted_file_is_file_missing_at_the_files_level) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  fs::remove(p / "include/foo.h");
  for (Level level : {Level::files, Level::hashes})
    BOOST_TEST(summary(p.verify(lock, level)) == Lines{"file-missing libfoo include/foo.h"},
               boost::test_tools::per_element());
  BOOST_TEST(summary(p.verify(lock, Level::packages)) == Lines{}, boost::test_tools::per_element());
  BOOST_TEST(p.verify(lock).files_missing() == 1u);
}

BOOST_AUTO_TEST_CASE(an_untracked_file_is_found_only_when_asked) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  spit(p / "share/notes.txt", "mine\n");
  spit(p / "lib/python3.12/site-packages/pipped/__init__.py", "x = 1\n");
  spit(p / "lib/python3.12/site-packages/pipped/mod.py", "y = 2\n");
  // Bytecode that Python wrote, and conda's own bookkeeping, are not reported.
  spit(p / "lib/python3.12/site-packages/demo_py/__pycache__/__init__.cpython-312.pyc", "pyc");
  spit(p / "conda-meta/history", "==> 2024-01-01 00:00:00 <==\n");
  spit(p / ".nonadmin", "");
  spit(p / "pkgs/urls.txt", "");
  Report r = p.verify(lock);
  BOOST_TEST(summary(r) == (Lines{"untracked  lib/python3.12/site-packages/pipped/",
                                  "untracked  share/notes.txt"}),
             boost::test_tools::per_element());
  BOOST_TEST(r.findings[0].actual == "2 files");
  BOOST_TEST(summary(p.verify(lock, Level::hashes, Untracked::no)) == Lines{},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_file_replaced_by_a_symlink_is_type_differs) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  fs::remove(p / "lib/libfoo.so.1");
  fs::create_symlink("libz.so.1.3.1", p / "lib/libfoo.so.1");
  Report r = p.verify(lock);
  BOOST_TEST(summary(r) == Lines{"type-differs libfoo lib/libfoo.so.1"},
             boost::test_tools::per_element());
  BOOST_TEST(r.findings[0].expected == "file");
  BOOST_TEST(r.findings[0].actual == "symlink");
}

BOOST_AUTO_TEST_CASE(symlinks_must_stay_symlinks_and_resolve) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  fs::remove(p / "bin/dt");
  spit(p / "bin/dt", "not a link\n");
  fs::remove(p / "lib/libfoo.so.1");
  Report r = p.verify(lock);
  BOOST_TEST(summary(r) == (Lines{"type-differs demo-tool bin/dt",
                                  "symlink-dangling libfoo lib/libfoo.so",
                                  "file-missing libfoo lib/libfoo.so.1"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_removed_record_is_package_missing_and_its_files_untracked) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  fs::remove(p / "conda-meta/demo-tool-0.4.0-hfedcba9_0.json");
  BOOST_TEST(
      summary(p.verify(lock, Level::hashes, Untracked::no)) == Lines{"package-missing demo-tool "},
      boost::test_tools::per_element());
  BOOST_TEST(summary(p.verify(lock)) == (Lines{"package-missing demo-tool ",
                                               "untracked  bin/demo-tool",
                                               "untracked  bin/dt",
                                               "untracked  share/demo-tool/"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_extra_package_is_package_extra) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  p.install("noarch", "demo-data-2024.1-h0000000_0.tar.bz2");
  Report r = p.verify(lock);
  BOOST_TEST(summary(r) == Lines{"package-extra demo-data "}, boost::test_tools::per_element());
  BOOST_TEST(r.packages_differ() == 1u);
  BOOST_TEST(render_text(r).rfind("1 package differs, 0 files missing, 0 files modified", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_rebuilt_or_upgraded_package_is_named_as_such) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  // Replace libfoo by the _0 build of the same version, and zlib by another version.
  for (const char* gone : {"conda-meta/libfoo-1.2.0-h1234567_1.json",
                           "conda-meta/zlib-1.3.1-h4d5e6f7_0.json",
                           "lib/libfoo.so",
                           "lib/libz.so.1",
                           "lib/libz.so"})
    fs::remove(p / gone);
  p.install("linux-64", "libfoo-1.2.0-h1234567_0.conda");
  p.install("linux-64", "zlib-1.3.0-h4d5e6f7_0.conda");
  Report r = p.verify(lock, Level::hashes, Untracked::no);
  BOOST_TEST(summary(r) == (Lines{"build-differs libfoo ", "version-differs zlib "}),
             boost::test_tools::per_element());
  BOOST_TEST(r.findings[0].expected == "1.2.0 h1234567_1");
  BOOST_TEST(r.findings[0].actual == "1.2.0 h1234567_0");
}

BOOST_AUTO_TEST_CASE(same_name_version_build_with_another_archive_is_sha256_differs) {
  DemoPrefix p;
  p.install_environment();
  std::string lock_path = p.capture();
  auto lock = lockfile::read_lock(lock_path);
  BOOST_REQUIRE(lock.ok());
  for (auto& pkg : lock->environments["default"].packages["linux-64"])
    if (pkg.name == "libbar") pkg.sha256 = std::string(64, 'a');
  testing::write_text(lock_path, lockfile::write_conda_lock_v1(*lock));
  BOOST_TEST(summary(p.verify(lock_path)) == Lines{"sha256-differs libbar "},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bytecode_and_entry_points) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  // Bytecode changes whenever Python recompiles it: never hashed; its absence is a note.
  spit(p / "lib/python3.12/site-packages/demo_py/__pycache__/cli.cpython-312.pyc", "recompiled");
  BOOST_TEST(summary(p.verify(lock)) == Lines{}, boost::test_tools::per_element());
  fs::remove(p / "lib/python3.12/site-packages/demo_py/__pycache__/cli.cpython-312.pyc");
  Report r = p.verify(lock);
  BOOST_TEST(
      summary(r) == Lines{"info pyc-missing demo-py "
                          "lib/python3.12/site-packages/demo_py/__pycache__/cli.cpython-312.pyc"},
      boost::test_tools::per_element());
  BOOST_TEST(exit_code(r) == 0);
  // An entry point is a command: its absence is drift.
  fs::remove(p / "bin/demo-py");
  BOOST_TEST(exit_code(p.verify(lock)) == 1);
  BOOST_TEST(p.verify(lock).files_missing() == 1u);
}

BOOST_AUTO_TEST_CASE(records_without_file_mode_or_placeholder_have_no_false_positives) {
  DemoPrefix p;
  p.install_environment(Producer::mamba);
  std::string lock = p.capture();
  BOOST_TEST(summary(p.verify(lock)) == Lines{}, boost::test_tools::per_element());
  std::string pc = p / "lib/pkgconfig/foo.pc";
  spit(pc, envlock::testing::read_text(pc) + "# edited\n");
  BOOST_TEST(summary(p.verify(lock)) == Lines{"content-differs libfoo lib/pkgconfig/foo.pc"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_placeholder_without_sha256_in_prefix_is_unverifiable_not_modified) {
  DemoPrefix p;
  p.install_environment(Producer::no_in_prefix);
  std::string lock = p.capture();
  Report r = p.verify(lock);
  // Without sha256_in_prefix, the other libfoo files are checked against their sha256.
  BOOST_TEST(summary(r) == Lines{"info unverifiable libfoo lib/pkgconfig/foo.pc"},
             boost::test_tools::per_element());
  BOOST_TEST(exit_code(r) == 0);
  std::string lib = p / "lib/libfoo.so.1";
  std::string bytes = envlock::testing::read_text(lib);
  bytes[0] ^= 1;
  spit(lib, bytes);
  BOOST_TEST(summary(p.verify(lock)) == (Lines{"content-differs libfoo lib/libfoo.so.1",
                                               "info unverifiable libfoo lib/pkgconfig/foo.pc"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_record_without_paths_data_is_checked_for_presence) {
  DemoPrefix p;
  p.install_environment(Producer::files_only);
  std::string lock = p.capture();
  BOOST_TEST(summary(p.verify(lock)) == Lines{"info no-paths-data libfoo "},
             boost::test_tools::per_element());
  fs::remove(p / "lib/libfoo.so");
  BOOST_TEST(summary(p.verify(lock)) ==
                 (Lines{"info no-paths-data libfoo ", "file-missing libfoo lib/libfoo.so"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(all_findings_at_once_same_report_on_any_thread_count) {
  DemoPrefix p;
  p.install_environment();
  std::string lock = p.capture();
  fs::remove(p / "include/foo.h");
  fs::resize_file(p / "share/libbar/data", 1);
  std::string lib = p / "lib/libz.so.1.3.1";
  std::string bytes = envlock::testing::read_text(lib);
  bytes[3] ^= 1;
  spit(lib, bytes);
  spit(p / "stray.txt", "x");
  fs::remove(p / "conda-meta/demo-py-1.1.0-pyh7654321_0.json");
  Report one = p.verify(lock, Level::hashes, Untracked::yes, 1);
  Report many = p.verify(lock, Level::hashes, Untracked::yes, 8);
  BOOST_TEST(render_json(one) == render_json(many));
  BOOST_TEST(render_text(one) == render_text(many));
  BOOST_TEST(render_text(one).rfind("1 package differs, 1 file missing, 2 files modified, ", 0) ==
             0);
  json j = json::parse(render_json(one));
  BOOST_TEST(j["status"] == "drift");
  BOOST_TEST(j["summary"]["files_missing"] == 1);
  BOOST_TEST(j["summary"]["files_modified"] == 2);
  BOOST_TEST(j["summary"]["packages_differ"] == 1);
  std::set<std::string> codes;
  for (const auto& f : j["findings"]) {
    codes.insert(f["code"].get<std::string>());
    // demo-py's dist-info, its conda record gone, is a Python distribution no package owns:
    // pip's side, and not locked.
    if (f["code"] == "package-extra") {
      BOOST_TEST(f["manager"] == "pip");
      BOOST_TEST(f["package"] == "demo-py");
    }
  }
  BOOST_TEST((codes == std::set<std::string>{"package-missing",
                                             "package-extra",
                                             "file-missing",
                                             "file-size-differs",
                                             "content-differs",
                                             "untracked"}));
}

BOOST_AUTO_TEST_CASE(other_lock_formats_and_bad_input) {
  DemoPrefix p;
  p.install_environment();
  auto state = prefix::read_conda_meta(p.path());
  BOOST_REQUIRE(state.ok());
  auto lock = capture::lock_of_prefix(*state);
  BOOST_REQUIRE(lock.ok());
  std::string explicit_lock = p.scratch("conda-linux-64.lock");
  testing::write_text(explicit_lock, lockfile::write_explicit(*lock, "default", "linux-64"));
  BOOST_TEST(summary(p.verify(explicit_lock)) == Lines{}, boost::test_tools::per_element());

  Options o;
  o.prefix = p.path();
  o.lock = explicit_lock;
  o.platform = "osx-64";
  auto wrong = run(o);
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST(wrong.error().kind == ErrorKind::usage);
  BOOST_TEST(wrong.error().message.find("linux-64") != std::string::npos);

  o.platform.clear();
  o.lock = p.scratch("broken.yml");
  testing::write_text(o.lock, "version: 1\nmetadata: [\n");
  auto broken = run(o);
  BOOST_REQUIRE(!broken.ok());
  BOOST_TEST(broken.error().kind == ErrorKind::input);
  BOOST_TEST(broken.error().to_string().find("broken.yml") != std::string::npos);

  o.lock = p.scratch("absent.yml");
  BOOST_TEST(!run(o).ok());
}

BOOST_AUTO_TEST_CASE(text_report_escapes_file_and_package_names) {
  // A file in the prefix named with a newline and an escape must not forge report lines.
  Report r;
  r.prefix = "/p";
  r.lock = "conda-lock.yml";
  r.platform = "linux-64";
  Finding f;
  f.code = "file-missing";
  f.package = "zlib\x1b[31m";
  f.path = "lib/x\nok: /p matches conda-lock.yml";
  f.message = "missing";
  r.findings.push_back(f);
  std::string text = render_text(r);
  BOOST_TEST(text.find('\x1b') == std::string::npos);
  BOOST_TEST(text.find("\nok:") == std::string::npos);
  BOOST_TEST(text.find("zlib\\x1b[31m\n  file-missing  lib/x\\nok: /p matches conda-lock.yml: "
                       "missing\n") != std::string::npos,
             text);
}

}  // namespace
}  // namespace envlock::verify
