#include "lib/pypi/wheel.h"

#include <archive.h>
#include <archive_entry.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/hash/hash.h"
#include "lib/pypi/metadata.h"
#include "lib/pypi/record.h"
#include "lib/pypi/tags.h"
#include "lib/testing/testing.h"

namespace envlock::pypi {
namespace {

struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

struct Member {
  std::string path, data;
  bool symlink = false;
};

// Writes a zip holding `members` (deflated) at `path`, whatever their names.
void write_zip(const std::string& path, const std::vector<Member>& members) {
  std::unique_ptr<archive, WriteFree> a(archive_write_new());
  archive_write_set_format_zip(a.get());
  BOOST_REQUIRE(archive_write_open_filename(a.get(), path.c_str()) == ARCHIVE_OK);
  for (const auto& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.path.c_str());
    if (m.symlink) {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, m.data.c_str());
      archive_entry_set_size(e, 0);
    } else {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_size(e, static_cast<la_int64_t>(m.data.size()));
    }
    archive_entry_set_perm(e, 0644);
    BOOST_REQUIRE(archive_write_header(a.get(), e) == ARCHIVE_OK);
    if (!m.symlink) archive_write_data(a.get(), m.data.data(), m.data.size());
    archive_entry_free(e);
  }
  BOOST_REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
}

const char* k_metadata = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";

std::vector<Member> demo_members() {
  return {{"demo/__init__.py", "print('hi')\n"},
          {"demo-1.0.data/scripts/run", "#!python\n"},
          {"demo-1.0.dist-info/METADATA", k_metadata},
          {"demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"},
          {"demo-1.0.dist-info/RECORD", ""}};
}

BOOST_AUTO_TEST_SUITE(pypi_wheel)

BOOST_AUTO_TEST_CASE(member_paths_are_checked_component_by_component) {
  for (const char* ok : {"a", "a/b.py", "a/", "a.dist-info/RECORD", "x..y/z"}) {
    BOOST_TEST_CONTEXT(ok) {
      BOOST_TEST(is_safe_member_path(ok));
    }
  }
  for (const char* bad : {"",
                          "/etc/passwd",
                          "../x",
                          "a/../../x",
                          "a/./b",
                          "a//b",
                          "a\\..\\b",
                          "C:/x",
                          "c:x",
                          "a/\x01b",
                          "./a",
                          ".."}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(!is_safe_member_path(bad));
    }
  }
  BOOST_TEST(!is_safe_member_path(std::string("a\0b", 3)));
}

BOOST_AUTO_TEST_CASE(opens_lists_and_reads_a_wheel) {
  testing::TempDir dir;
  write_zip(dir / "demo-1.0-py3-none-any.whl", demo_members());
  auto w = Wheel::open(dir / "demo-1.0-py3-none-any.whl");
  BOOST_REQUIRE_MESSAGE(w.ok(), (w.ok() ? std::string() : w.error().to_string()));
  BOOST_TEST(w->dist_info() == "demo-1.0.dist-info");
  BOOST_TEST(w->members().size() == 5u);
  BOOST_TEST(w->members()[0] == "demo/__init__.py");
  BOOST_TEST(*w->metadata() == k_metadata);
  BOOST_TEST(w->read("demo/__init__.py", 100).value() == "print('hi')\n");
  auto small = w->read("demo/__init__.py", 3);
  BOOST_REQUIRE(!small.ok());
  BOOST_TEST(small.error().message.find("larger than 3 bytes") != std::string::npos);
  BOOST_TEST(!w->read("absent", 100).ok());
  std::vector<std::string> seen;
  std::uint64_t bytes = 0;
  BOOST_REQUIRE(w->extract_each([&](std::string_view m, std::string_view data) -> Result<void> {
                   seen.emplace_back(m);
                   bytes += data.size();
                   return Ok{};
                 }).ok());
  BOOST_TEST(seen == w->members());
  BOOST_TEST(bytes == 12u + 9u + std::string(k_metadata).size() + 41u);
  // The visitor's error stops the walk and comes back unchanged.
  auto stopped = w->extract_each([](std::string_view, std::string_view) -> Result<void> {
    return Error{ErrorKind::io, "disk", "full"};
  });
  BOOST_REQUIRE(!stopped.ok());
  BOOST_TEST(stopped.error().to_string() == "disk: full");
}

BOOST_AUTO_TEST_CASE(hostile_wheels_are_refused) {
  struct Case {
    std::string name;
    std::vector<Member> members;
    std::string message;
  };
  auto with = [](Member extra) {
    auto m = demo_members();
    m.push_back(std::move(extra));
    return m;
  };
  std::vector<Case> cases{
      {"dotdot", with({"../evil.py", "x"}), "unsafe member path '../evil.py'"},
      {"inner_dotdot", with({"demo/../../evil.py", "x"}), "unsafe member path"},
      {"absolute", with({"/tmp/evil.py", "x"}), "unsafe member path '/tmp/evil.py'"},
      {"backslash", with({"demo\\..\\..\\evil.py", "x"}), "unsafe member path"},
      {"symlink", with({"demo/link", "/etc/passwd", true}), "is not a regular file"},
      {"twice", with({"demo/__init__.py", "again"}), "appears twice"},
      {"no_info", {{"demo/__init__.py", ""}}, "no .dist-info folder"},
      {"two_infos",
       with({"other-1.0.dist-info/METADATA", k_metadata}),
       "more than one .dist-info folder"},
      {"no_metadata",
       {{"demo-1.0.dist-info/RECORD", ""}},
       "demo-1.0.dist-info/METADATA is missing"},
  };
  testing::TempDir dir;
  for (const auto& c : cases) {
    std::string path = dir / (c.name + ".whl");
    write_zip(path, c.members);
    auto w = Wheel::open(path);
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_REQUIRE(!w.ok());
      BOOST_TEST(w.error().kind == ErrorKind::input);
      BOOST_TEST(w.error().message.find(c.message) != std::string::npos, w.error().to_string());
    }
  }
  testing::write_text(dir / "garbage.whl", "this is not a zip");
  auto g = Wheel::open(dir / "garbage.whl");
  BOOST_REQUIRE(!g.ok());
  BOOST_TEST(g.error().message.find("not a zip") != std::string::npos);
  auto missing = Wheel::open(dir / "missing.whl");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().kind == ErrorKind::io);
}

// Debian's own pip wheel (python3-pip-whl, installed by setup.sh): its METADATA parses, its
// RECORD lists every member with the sha256 and size of its bytes.
BOOST_AUTO_TEST_CASE(debian_pip_wheel_matches_its_record) {
  std::filesystem::path folder = "/usr/share/python-wheels";
  std::filesystem::path pip;
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    if (e.path().filename().string().starts_with("pip-")) pip = e.path();
  }
  BOOST_REQUIRE_MESSAGE(!pip.empty(), "python3-pip-whl is not installed (setup.sh)");
  auto name = parse_wheel_filename(pip.filename().string());
  BOOST_REQUIRE(name.ok());
  auto w = Wheel::open(pip);
  BOOST_REQUIRE_MESSAGE(w.ok(), (w.ok() ? std::string() : w.error().to_string()));
  BOOST_TEST(w->dist_info() == "pip-" + name->version + ".dist-info");
  auto md = parse_metadata(w->metadata().value());
  BOOST_REQUIRE(md.ok());
  BOOST_TEST(md->name == "pip");
  BOOST_TEST(md->version == name->version);
  auto rows = parse_record(w->record().value());
  BOOST_REQUIRE(rows.ok());
  BOOST_TEST(rows->size() == w->members().size());
  std::map<std::string, RecordEntry> by_path;
  for (const auto& r : *rows) by_path[r.path] = r;
  std::size_t checked = 0;
  BOOST_REQUIRE(w->extract_each([&](std::string_view m, std::string_view data) -> Result<void> {
                   auto it = by_path.find(std::string(m));
                   BOOST_REQUIRE_MESSAGE(it != by_path.end(), std::string(m) + " not in RECORD");
                   if (it->second.hash_algorithm.empty()) return Ok{};  // RECORD itself
                   BOOST_TEST(it->second.hash_algorithm + "=" + it->second.hash_b64 ==
                              record_hash(hash::hex_digest(hash::Algorithm::sha256, data)));
                   BOOST_TEST(*it->second.size == data.size());
                   ++checked;
                   return Ok{};
                 }).ok());
  BOOST_TEST(checked + 1 == rows->size());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace envlock::pypi
