#include "lib/util/bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "lib/util/file.h"

namespace envlock {

struct Bytes::Storage {
  std::string text;
  void* map = nullptr;
  std::size_t map_length = 0;

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (map) ::munmap(map, map_length);
  }
};

Bytes::Bytes(std::string text) {
  auto storage = std::make_shared<Storage>();
  storage->text = std::move(text);
  m_view = storage->text;
  m_padding = storage->text.capacity() - storage->text.size();
  m_storage = std::move(storage);
}

Result<Bytes> Bytes::map_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return io_error(path, "cannot stat", err);
  }
  if (!S_ISREG(st.st_mode) || st.st_size == 0) {
    // Nothing to map (empty, or a special file whose size says nothing): read it instead.
    ::close(fd);
    ENVLOCK_TRY(text, read_file(path));
    return Bytes(std::move(text));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  // Reserve room for the padding first: past the file's last page only anonymous zero pages
  // are safe to read (a file page beyond the end of the file raises SIGBUS).
  const std::size_t length = (size + k_read_padding + page - 1) / page * page;
  void* area = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void* file = area == MAP_FAILED ? MAP_FAILED
                                  : ::mmap(area, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
  ::close(fd);
  if (file == MAP_FAILED) {
    // Some file systems cannot be mapped (FUSE, 9p): read the file instead.
    if (area != MAP_FAILED) ::munmap(area, length);
    ENVLOCK_TRY(text, read_file(path));
    return Bytes(std::move(text));
  }
  auto storage = std::make_shared<Storage>();
  storage->map = area;
  storage->map_length = length;
  Bytes out;
  out.m_view = std::string_view(static_cast<const char*>(area), size);
  out.m_padding = length - size;
  out.m_storage = std::move(storage);
  return out;
}

}  // namespace envlock
