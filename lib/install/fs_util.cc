#include "lib/install/fs_util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "lib/util/file.h"

namespace envlock::install::fsu {

namespace fs = std::filesystem;

FileLock::FileLock(FileLock&& other) noexcept : m_fd(other.m_fd), m_path(std::move(other.m_path)) {
  other.m_fd = -1;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = other.m_fd;
    m_path = std::move(other.m_path);
    other.m_fd = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<FileLock> FileLock::acquire(const std::string& path) {
  while (true) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return io_error(path, "open lock file", errno);
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      int err = errno;
      ::close(fd);
      return io_error(path, "lock", err);
    }
    // The holder may have unlinked the file before releasing it; a lock on an unlinked inode
    // excludes nobody, so start over with the file now at `path`.
    struct stat held, now;
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev) {
      FileLock lock;
      lock.m_fd = fd;
      lock.m_path = path;
      return lock;
    }
    ::close(fd);
  }
}

void FileLock::unlink_file() {
  if (m_fd >= 0) ::unlink(m_path.c_str());
}

bool lexists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<void> make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return io_error(path, "create folder", ec.value());
  return Ok{};
}

Result<void> remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return io_error(path, "remove", ec.value());
  return Ok{};
}

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

Result<void> move(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return Ok{};
  if (errno != ENOENT || !lexists(from)) return io_error(to, "rename " + from + " to", errno);
  ENVLOCK_TRY_VOID(make_dirs(parent_of(to)));
  if (::rename(from.c_str(), to.c_str()) != 0) return io_error(to, "rename " + from + " to", errno);
  return Ok{};
}

Result<void> write_new_file(const std::string& path, std::string_view data, mode_t mode) {
  if (lexists(path)) ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
  if (fd < 0) return io_error(path, "create", errno);
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error(path, "write", err);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  ::fchmod(fd, mode & 07777);
  if (::close(fd) != 0) return io_error(path, "close", errno);
  return Ok{};
}

}  // namespace envlock::install::fsu
