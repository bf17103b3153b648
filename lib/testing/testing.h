#pragma once
// Helpers for unit tests: a temporary folder and the location of ../shared/corpus.

#include <string>

namespace envlock::testing {

/// A fresh folder under $TEST_TMPDIR (or /tmp), removed on destruction unless the test failed,
/// in which case its path is printed so the data can be inspected.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return m_path; }
  /// path() + "/" + name.
  std::string operator/(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

/// Absolute path of the shared corpus: $ENVLOCK_CORPUS if set, else ../shared/corpus beside
/// the workspace (found through a runfile symlink). Fails the test if neither exists.
std::string corpus_dir();

/// Absolute path of the workspace source tree (found through a runfile symlink).
std::string workspace_dir();

/// Absolute path of the demo channel built by //testdata:demo_channel (a `data` dependency of
/// the test); fails the test when it is missing.
std::string demo_channel_dir();

/// Absolute path of the test PyPI index built by //testdata/pypi:index (a `data` dependency of
/// the test; serve it with lib/testing/http, index URL "<url>/simple/"); fails the test when it
/// is missing.
std::string pypi_index_dir();

/// The whole file at `path`; fails the test when it cannot be read.
std::string read_text(const std::string& path);

/// Writes `content` to `path`, creating parent folders; fails the test on error.
void write_text(const std::string& path, const std::string& content);

}  // namespace envlock::testing
