#include "lib/archive/tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <set>

#include "lib/util/file.h"
#include "lib/util/text.h"

namespace envlock::archive {

namespace {

struct ReadDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Error write_failed(struct archive* a, const std::string& out_path) {
  const char* why = archive_error_string(a);
  return Error{ErrorKind::io, out_path, std::string("writing the tar: ") + (why ? why : "failed")};
}

}  // namespace

Result<void> write_tar(const std::string& root, const std::vector<std::string>& relative_paths,
                       const std::string& out_path, Compression compression, int64_t mtime) {
  std::unique_ptr<struct archive, WriteDeleter> a(archive_write_new());
  if (!a) return Error{ErrorKind::io, out_path, "out of memory"};
  if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK) {
    return write_failed(a.get(), out_path);
  }
  if (compression == Compression::zstd) {
    // libarchive's default level (3), single-threaded: packages are compressed already.
    if (archive_write_add_filter_zstd(a.get()) != ARCHIVE_OK) {
      return write_failed(a.get(), out_path);
    }
  }
  // The last block padded to 10 KiB as every tar; explicit so a libarchive default never moves.
  archive_write_set_bytes_per_block(a.get(), 10240);
  if (archive_write_open_filename(a.get(), out_path.c_str()) != ARCHIVE_OK) {
    return write_failed(a.get(), out_path);
  }
  std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
  std::vector<char> buffer(1 << 20);
  for (const auto& rel : relative_paths) {
    const std::string full = root + "/" + rel;
    Fd in(::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (in.fd < 0) return io_error(full, "open", errno);
    struct stat st {};
    if (::fstat(in.fd, &st) != 0) return io_error(full, "stat", errno);
    archive_entry_clear(entry.get());
    archive_entry_set_pathname(entry.get(), rel.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), st.st_size);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), mtime, 0);
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) {
      return write_failed(a.get(), out_path);
    }
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(in.fd, buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error(full, "read", errno);
      }
      if (n == 0) return Error{ErrorKind::io, full, "changed while it was written to the tar"};
      if (n > left) n = left;
      if (archive_write_data(a.get(), buffer.data(), n) != n) {
        return write_failed(a.get(), out_path);
      }
      left -= n;
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return write_failed(a.get(), out_path);
  return Ok{};
}

Result<void> unpack_tar(const std::string& path, const std::string& dest,
                        const UnpackLimits& limits) {
  std::unique_ptr<struct archive, ReadDeleter> a(archive_read_new());
  if (!a) return Error{ErrorKind::io, path, "out of memory"};
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    const char* why = archive_error_string(a.get());
    return Error{
        ErrorKind::input, path, std::string("not a tar archive: ") + (why ? why : "unreadable")};
  }
  auto refuse = [&](const std::string& member, const std::string& why) {
    return Error{ErrorKind::input, path, "member '" + printable(member) + "': " + why};
  };
  std::set<std::string> seen;
  uint64_t total = 0;
  size_t count = 0;
  std::vector<char> buffer(1 << 20);
  archive_entry* entry = nullptr;
  while (true) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) {
      const char* why = archive_error_string(a.get());
      return Error{ErrorKind::input,
                   path,
                   std::string("not a readable tar archive: ") + (why ? why : "corrupt")};
    }
    const char* raw = archive_entry_pathname(entry);
    std::string name = raw ? raw : "";
    if (name.rfind("./", 0) == 0) name.erase(0, 2);
    while (!name.empty() && name.back() == '/') name.pop_back();
    const auto type = archive_entry_filetype(entry);
    if (name.empty() && type == AE_IFDIR) continue;  // "./" itself
    if (++count > limits.max_members) return refuse(name, "more members than the limit");
    if (!is_safe_relative_path(name)) {
      return refuse(raw ? raw : "", "not a relative path of safe names (absolute or '..')");
    }
    if (archive_entry_hardlink(entry)) return refuse(name, "a hard link; archives hold files only");
    if (type == AE_IFLNK) return refuse(name, "a symlink; archives hold files only");
    if (type != AE_IFREG && type != AE_IFDIR) {
      return refuse(name, "not a regular file or folder");
    }
    if (!seen.insert(name).second) return refuse(name, "given twice");
    // Parents: made by us, so no symlink can be among them.
    for (size_t slash = name.find('/'); slash != std::string::npos;
         slash = name.find('/', slash + 1)) {
      std::string dir = dest + "/" + name.substr(0, slash);
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return io_error(dir, "create", errno);
    }
    const std::string full = dest + "/" + name;
    if (type == AE_IFDIR) {
      if (::mkdir(full.c_str(), 0755) != 0 && errno != EEXIST) {
        return io_error(full, "create", errno);
      }
      continue;
    }
    if (archive_entry_size_is_set(entry) &&
        static_cast<uint64_t>(archive_entry_size(entry)) > limits.max_member_bytes) {
      return refuse(name,
                    "declares " + std::to_string(archive_entry_size(entry)) +
                        " bytes, over the limit of " + std::to_string(limits.max_member_bytes));
    }
    Fd out(::open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (out.fd < 0) {
      if (errno == EEXIST) return refuse(name, "given twice");
      return io_error(full, "create", errno);
    }
    uint64_t written = 0;
    while (true) {
      la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) {
        const char* why = archive_error_string(a.get());
        return Error{
            ErrorKind::input, path, "member '" + printable(name) + "': " + (why ? why : "corrupt")};
      }
      written += static_cast<uint64_t>(n);
      total += static_cast<uint64_t>(n);
      if (written > limits.max_member_bytes) return refuse(name, "larger than the limit");
      if (total > limits.max_total_bytes) return refuse(name, "the archive is over the limit");
      for (la_ssize_t done = 0; done < n;) {
        ssize_t w = ::write(out.fd, buffer.data() + done, n - done);
        if (w < 0) {
          if (errno == EINTR) continue;
          return io_error(full, "write", errno);
        }
        done += w;
      }
    }
  }
  return Ok{};
}

}  // namespace envlock::archive
