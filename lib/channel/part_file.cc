#include "lib/channel/part_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <random>

namespace envlock::channel::detail {

PartFile::PartFile(const std::string& dest) {
  std::random_device rd;
  m_path = dest + ".part." + std::to_string(::getpid()) + "." + std::to_string(rd());
  m_registration = std::make_unique<UnfinishedTemporary>(m_path);
}

PartFile::~PartFile() {
  close();
  if (!m_committed) ::unlink(m_path.c_str());
}

Result<void> PartFile::open() {
  close();
  m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (m_fd < 0) return io_error(m_path, "cannot create", errno);
  return Ok{};
}

Result<void> PartFile::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(m_fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(m_path, "cannot write", errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Ok{};
}

Result<void> PartFile::commit(const std::string& dest, Durability durability) {
  if (durability == Durability::fsync && ::fsync(m_fd) != 0) {
    return io_error(m_path, "cannot sync", errno);
  }
  close();
  if (::rename(m_path.c_str(), dest.c_str()) != 0) return io_error(dest, "cannot rename", errno);
  m_committed = true;
  return Ok{};
}

void PartFile::close() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
}

}  // namespace envlock::channel::detail
