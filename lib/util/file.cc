#include "lib/util/file.h"

#include <algorithm>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

namespace envlock {
namespace {

class FdCloser {
 public:
  explicit FdCloser(int fd) : m_fd(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }
  int release() {
    int fd = m_fd;
    m_fd = -1;
    return fd;
  }

 private:
  int m_fd;
};

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The temporary files being written, for remove_unfinished_temporaries() in a signal handler:
// fixed slots, no allocation; a slot is read only once its path is complete.
constexpr int k_slots = 32;
enum SlotState : int { k_free, k_filling, k_ready };
struct TemporarySlot {
  std::atomic<int> state{k_free};
  std::atomic<int> folder{0};
  char path[4096];
};
TemporarySlot g_temporaries[k_slots];

// Removes `name` (relative to `dir_fd`) and, when it is a folder, everything in it, with system
// calls only (no allocation: it runs in signal handlers). Entries are removed while the folder
// is read, so it is read again from the start until a pass finds nothing left; `depth` bounds
// the recursion (staging folders are a few levels deep).
void remove_tree_at(int dir_fd, const char* name, int depth) noexcept {
  if (::unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT) return;
  if (depth > 32) return;
  int fd = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  alignas(struct dirent64) char buf[4096];
  for (int pass = 0; pass < 1000; ++pass) {
    bool found = false;
    if (::lseek(fd, 0, SEEK_SET) != 0) break;
    for (;;) {
      ssize_t n = ::getdents64(fd, buf, sizeof buf);
      if (n <= 0) break;
      for (ssize_t at = 0; at < n;) {
        auto* entry = reinterpret_cast<struct dirent64*>(buf + at);
        at += entry->d_reclen;
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
        found = true;
        remove_tree_at(fd, entry->d_name, depth + 1);
      }
    }
    if (!found) break;
  }
  ::close(fd);
  ::unlinkat(dir_fd, name, AT_REMOVEDIR);
}

}  // namespace

TemporaryRegistration::TemporaryRegistration(const std::string& path, TemporaryKind kind) {
  if (path.size() >= sizeof(TemporarySlot::path)) return;
  for (int i = 0; i < k_slots; ++i) {
    int expected = k_free;
    if (g_temporaries[i].state.compare_exchange_strong(expected, k_filling)) {
      std::memcpy(g_temporaries[i].path, path.c_str(), path.size() + 1);
      g_temporaries[i].folder.store(kind == TemporaryKind::folder ? 1 : 0);
      g_temporaries[i].state.store(k_ready);
      m_slot = i;
      return;
    }
  }
}

TemporaryRegistration::~TemporaryRegistration() {
  if (m_slot >= 0) g_temporaries[m_slot].state.store(k_free);
}

void remove_unfinished_temporaries() noexcept {
  for (auto& slot : g_temporaries)
    if (slot.state.load() == k_ready) {
      if (slot.folder.load())
        remove_tree_at(AT_FDCWD, slot.path, 0);
      else
        ::unlink(slot.path);
    }
}

Error io_error(const std::string& path, const std::string& action, int errnum) {
  return Error{ErrorKind::io, path, action + ": " + std::strerror(errnum)};
}

namespace {

Error too_large(const std::string& path, std::uint64_t max_bytes) {
  return Error{ErrorKind::input,
               path,
               "larger than " + std::to_string(max_bytes >> 20) + " MiB, the limit for this file"};
}

}  // namespace

Result<std::string> read_file(const std::string& path, std::uint64_t max_bytes) {
  FdCloser fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error(path, "cannot open", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error(path, "cannot stat", errno);
  if (S_ISDIR(st.st_mode)) return Error{ErrorKind::io, path, "is a directory"};
  std::string out;
  // Read straight into the string; the spare capacity lets SIMD JSON parsers skip a copy.
  size_t expected = st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  if (expected > max_bytes) return too_large(path, max_bytes);
  out.reserve(expected + k_read_padding);
  out.resize(expected);
  size_t got = 0;
  for (;;) {
    char probe[1 << 12];
    // Past the expected size (a growing file, or /proc's size 0) read on into a small buffer.
    bool in_place = got < out.size();
    char* into = in_place ? out.data() + got : probe;
    size_t room = in_place ? out.size() - got : sizeof probe;
    ssize_t n = ::read(fd.get(), into, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(path, "cannot read", errno);
    }
    if (n == 0) break;
    if (!in_place) {
      size_t need = out.size() + static_cast<size_t>(n) + k_read_padding;
      if (out.capacity() < need) out.reserve(std::max(need, 2 * out.capacity()));
      out.append(probe, static_cast<size_t>(n));
    }
    got += static_cast<size_t>(n);
    if (got > max_bytes) return too_large(path, max_bytes);
  }
  out.resize(got);
  return out;
}

Result<void> write_file_atomic(const std::string& path, std::string_view content,
                               Durability durability) {
  std::random_device rd;
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  TemporaryRegistration registration(tmp);
  FdCloser fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return io_error(tmp, "cannot create", errno);
  auto fail = [&](const char* action) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error(path, action, err);
  };
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (durability == Durability::fsync && ::fsync(fd.get()) != 0) return fail("cannot fsync");
  if (::close(fd.release()) != 0) return fail("cannot close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename into place");
  if (durability == Durability::fsync) {
    // The rename is durable only once the folder entry is on disk too.
    FdCloser dir(::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
  }
  return Ok{};
}

}  // namespace envlock
