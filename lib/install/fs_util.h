#pragma once
// File system helpers private to lib/install: an flock holder and small POSIX wrappers that
// return Results.

#include <sys/types.h>
#include <string>
#include <string_view>

#include "lib/util/result.h"

namespace envlock::install::fsu {

/// An exclusive flock on a file, released (and the descriptor closed) on destruction.
class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  /// Opens (creating) `path` and waits for an exclusive flock on it. Retries when the file was
  /// unlinked or replaced while waiting, so holders may delete it. Fails with ErrorKind::io.
  static Result<FileLock> acquire(const std::string& path);
  /// Removes the file while the lock is still held (waiters notice and retry).
  void unlink_file();
  const std::string& path() const { return m_path; }

 private:
  int m_fd = -1;
  std::string m_path;
};

/// True when `path` exists (without following a final symlink).
bool lexists(const std::string& path);
/// True when `path` is a directory (following symlinks).
bool is_dir(const std::string& path);
/// mkdir -p. Fails with ErrorKind::io.
Result<void> make_dirs(const std::string& path);
/// rm -rf; a missing path is fine. Fails with ErrorKind::io.
Result<void> remove_tree(const std::string& path);
/// rename(2) that creates the destination's parent folders. Fails with ErrorKind::io.
Result<void> move(const std::string& from, const std::string& to);
/// The parent folder of a '/'-separated path ("" for a bare name).
std::string parent_of(const std::string& path);
/// Writes `data` to a new file at `path` with exactly `mode` (the umask does not strip a
/// package's mode bits); an existing file or symlink there is unlinked first, never written
/// through. Fails with ErrorKind::io.
Result<void> write_new_file(const std::string& path, std::string_view data, mode_t mode);

}  // namespace envlock::install::fsu
