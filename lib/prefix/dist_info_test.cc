// Python distributions of site-packages: where site-packages is, what a dist-info says, RECORD
// lines resolved inside the prefix or set aside, and which dist-infos are pip's.

#include "lib/prefix/dist_info.h"

#include <boost/test/unit_test.hpp>

#include "lib/hash/hash.h"
#include "lib/pypi/record.h"
#include "lib/testing/testing.h"

namespace envlock::prefix {
namespace {

constexpr const char* k_sp = "lib/python3.11/site-packages";

std::string b64_of(const std::string& bytes) {
  return pypi::record_hash(hash::hex_digest(hash::Algorithm::sha256, bytes)).substr(7);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dist_info)

BOOST_AUTO_TEST_CASE(site_packages_follows_the_python_record) {
  BOOST_TEST(site_packages_dir("linux-64", "3.11") == "lib/python3.11/site-packages");
  BOOST_TEST(site_packages_dir("win-64", "3.11") == "Lib/site-packages");
  BOOST_TEST(site_packages_dir("linux-64", "3.13", "lib/python3.13t/site-packages/") ==
             "lib/python3.13t/site-packages");
  // A CEP 17 path that leaves the prefix is not taken.
  BOOST_TEST(site_packages_dir("linux-64", "3.13", "../../etc") == "lib/python3.13/site-packages");
  BOOST_TEST(site_packages_dir("linux-64", "3.13", "/usr/lib") == "lib/python3.13/site-packages");
  BOOST_TEST(site_packages_dir("linux-64", "") == "");
  BOOST_TEST(python_xy("3.11.8") == "3.11");
  BOOST_TEST(python_xy("3.13.0rc1") == "3.13");
  PrefixRecord python;
  python.name = "python";
  python.version = "3.12.2";
  BOOST_TEST(site_packages_of({python}, "osx-arm64") == "lib/python3.12/site-packages");
  BOOST_TEST(site_packages_of({}, "osx-arm64") == "");
}

BOOST_AUTO_TEST_CASE(record_hashes_decode_to_hex) {
  const std::string hex = hash::hex_digest(hash::Algorithm::sha256, "x");
  BOOST_TEST(sha256_hex_of_record_hash(b64_of("x")) == hex);
  BOOST_TEST(sha256_hex_of_record_hash(b64_of("x") + "=") == hex);
  BOOST_TEST(sha256_hex_of_record_hash("not base64!") == "");
  BOOST_TEST(sha256_hex_of_record_hash("AAAA") == "");  // 3 bytes, not 32
}

BOOST_AUTO_TEST_CASE(a_dist_info_is_read_and_its_record_resolved_in_the_prefix) {
  testing::TempDir tmp;
  const std::string di = std::string(k_sp) + "/Demo_Thing-2.0.dist-info";
  testing::write_text(tmp / (di + "/METADATA"),
                      "Metadata-Version: 2.1\nName: Demo.Thing\nVersion: 2.0.post1\n");
  testing::write_text(tmp / (di + "/INSTALLER"), "pip\n");
  testing::write_text(tmp / (di + "/REQUESTED"), "");
  testing::write_text(tmp / (di + "/direct_url.json"),
                      "{\"url\": \"https://h/x.whl\", \"archive_info\": {\"hash\": \"sha256=" +
                          std::string(64, 'A') + "\"}}");
  testing::write_text(tmp / (di + "/RECORD"),
                      "demo_thing/__init__.py,sha256=" + b64_of("a") +
                          ",1\r\n"
                          "../../../bin/thing,sha256=" +
                          b64_of("b") +
                          ",1\r\n"
                          "../../../../../etc/passwd,sha256=" +
                          b64_of("c") +
                          ",1\r\n"
                          "/etc/shadow,,\r\n"
                          "demo_thing/__pycache__/x.pyc,,\r\n"
                          "Demo_Thing-2.0.dist-info/RECORD,,\r\n");
  testing::write_text(tmp / (std::string(k_sp) + "/not-a-dist.txt"), "x");
  testing::write_text(tmp / (std::string(k_sp) + "/broken-1.0.dist-info/RECORD"), "a,b\n");
  auto full = read_dist_infos(tmp.path(), k_sp);
  BOOST_REQUIRE(full.ok());
  BOOST_REQUIRE(full->size() == 2u);
  const InstalledDist& d = full->front();
  BOOST_TEST(d.dist_info == di);
  BOOST_TEST(d.name == "Demo.Thing");
  BOOST_TEST(d.version == "2.0.post1");
  BOOST_TEST(d.installer == "pip");
  BOOST_TEST(d.requested);
  BOOST_TEST(d.url == "https://h/x.whl");
  BOOST_TEST(d.archive_sha256 == std::string(64, 'a'));
  BOOST_TEST(d.has_record);
  std::vector<std::string> paths;
  for (const auto& f : d.files) paths.push_back(f.path);
  BOOST_TEST(paths == (std::vector<std::string>{std::string(k_sp) + "/demo_thing/__init__.py",
                                                "bin/thing",
                                                std::string(k_sp) + "/demo_thing/__pycache__/x.pyc",
                                                di + "/RECORD"}),
             boost::test_tools::per_element());
  BOOST_TEST(d.files[0].sha256 == hash::hex_digest(hash::Algorithm::sha256, "a"));
  BOOST_TEST(d.files[3].sha256.empty());
  BOOST_TEST(d.outside == (std::vector<std::string>{"../../../../../etc/passwd", "/etc/shadow"}),
             boost::test_tools::per_element());
  // A malformed RECORD: the folder still counts, by its name, with no files.
  const InstalledDist& broken = full->back();
  BOOST_TEST(broken.name == "broken");
  BOOST_TEST(broken.version == "1.0");
  BOOST_TEST(!broken.has_record);
  // identity: the folder name, INSTALLER and direct_url.json only.
  auto identity = read_dist_infos(tmp.path(), k_sp, DistDetail::identity);
  BOOST_REQUIRE(identity.ok());
  BOOST_TEST(identity->front().name == "Demo_Thing");
  BOOST_TEST(identity->front().version == "2.0");
  BOOST_TEST(identity->front().files.empty());
  BOOST_TEST(identity->front().installer == "pip");
  // No site-packages: none.
  BOOST_TEST(read_dist_infos(tmp.path(), "lib/python3.9/site-packages")->empty());
}

BOOST_AUTO_TEST_CASE(pip_owns_what_conda_neither_installed_nor_lists) {
  auto dist = [](const std::string& folder, const std::string& installer) {
    InstalledDist d;
    d.dist_info = std::string(k_sp) + "/" + folder;
    d.installer = installer;
    return d;
  };
  PrefixRecord numpy;
  numpy.name = "numpy";
  numpy.files = {std::string(k_sp) + "/numpy-1.26.4.dist-info/METADATA"};
  PrefixRecord pip;
  pip.name = "pip";
  PathData pd;
  pd.path = std::string(k_sp) + "/pip-25.0.dist-info/RECORD";
  pip.paths = {pd};
  auto kept = pip_managed({dist("numpy-1.26.4.dist-info", "pip"),
                           dist("pip-25.0.dist-info", ""),
                           dist("conda_made-1.0.dist-info", "conda"),
                           dist("six-1.16.0.dist-info", "pip"),
                           dist("orphan-1.0.dist-info", "")},
                          {numpy, pip});
  std::vector<std::string> folders;
  for (const auto& d : kept) folders.push_back(d.dist_info);
  BOOST_TEST(folders == (std::vector<std::string>{std::string(k_sp) + "/six-1.16.0.dist-info",
                                                  std::string(k_sp) + "/orphan-1.0.dist-info"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::prefix
