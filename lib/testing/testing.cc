#include "lib/testing/testing.h"

#include <unistd.h>

#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;

namespace envlock::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::random_device rd;
  m_path = std::string(base ? base : "/tmp") + "/envlock-test-" + std::to_string(::getpid()) + "-" +
           std::to_string(rd());
  fs::create_directories(m_path);
}

TempDir::~TempDir() {
  auto& results = boost::unit_test::results_collector.results(
      boost::unit_test::framework::current_test_case().p_id);
  if (!results.passed()) {
    BOOST_TEST_MESSAGE("test data left in " << m_path);
    return;
  }
  std::error_code ec;
  fs::remove_all(m_path, ec);
}

std::string workspace_dir() {
  // Runfiles are symlinks into the source tree; any source file of ours leads back to it.
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir && workspace) {
    fs::path anchor = fs::path(srcdir) / workspace / "lib/testing/workspace_anchor.txt";
    std::error_code ec;
    fs::path real = fs::canonical(anchor, ec);
    if (!ec) return real.parent_path().parent_path().parent_path().string();
  }
  return fs::current_path().string();
}

std::string corpus_dir() {
  if (const char* env = std::getenv("ENVLOCK_CORPUS"); env && *env) return env;
  fs::path guess = fs::path(workspace_dir()).parent_path() / "shared" / "corpus";
  BOOST_REQUIRE_MESSAGE(fs::is_directory(guess),
                        "corpus not found: set ENVLOCK_CORPUS or put shared/ beside the checkout");
  return guess.string();
}

std::string demo_channel_dir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  BOOST_REQUIRE_MESSAGE(srcdir && workspace, "not run by bazel test");
  std::string dir = std::string(srcdir) + "/" + workspace + "/testdata/demo_channel";
  BOOST_REQUIRE_MESSAGE(fs::is_directory(dir), "missing " << dir << " (data dependency?)");
  return dir;
}

std::string pypi_index_dir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  BOOST_REQUIRE_MESSAGE(srcdir && workspace, "not run by bazel test");
  std::string dir = std::string(srcdir) + "/" + workspace + "/testdata/pypi/index";
  BOOST_REQUIRE_MESSAGE(fs::is_directory(dir), "missing " << dir << " (data dependency?)");
  return dir;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  BOOST_REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

}  // namespace envlock::testing
