#include "lib/pypi/wheel.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <memory>
#include <set>

namespace envlock::pypi {
namespace {

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;

std::string reason(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

Error input(const std::filesystem::path& path, const std::string& why) {
  return Error{ErrorKind::input, path.string(), why};
}

// Opens the zip through its central directory (the index pip's zipfile trusts too), so a
// local header cannot smuggle in a member the listing does not show.
Result<ArchiveReader> open_zip(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error{ErrorKind::io, path.string(), "cannot read the wheel: not a regular file"};
  }
  ArchiveReader reader(archive_read_new());
  if (!reader) return Error{ErrorKind::internal, path.string(), "archive_read_new failed"};
  archive_read_support_format_zip_seekable(reader.get());
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return input(path, "not a zip archive: " + reason(reader.get()));
  }
  return reader;
}

// Reads the current member's data, at most `max_bytes` (counted as it is inflated).
Result<std::string> read_data(archive* reader, const std::filesystem::path& path,
                              std::string_view member, std::uint64_t max_bytes) {
  std::string data;
  std::array<char, 1 << 16> buffer;
  for (;;) {
    la_ssize_t n = archive_read_data(reader, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      return input(path, std::string(member) + ": corrupt or truncated data: " + reason(reader));
    }
    if (data.size() + static_cast<std::uint64_t>(n) > max_bytes) {
      return input(path,
                   std::string(member) + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    data.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return data;
}

}  // namespace

bool is_safe_member_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  if (path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return false;
  for (char c : path) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') return false;
  }
  // A drive letter ("C:x") would leave the target folder on Windows.
  if (path.size() >= 2 && path[1] == ':') return false;
  std::size_t b = 0;
  while (b <= path.size()) {
    std::size_t e = path.find('/', b);
    if (e == std::string_view::npos) e = path.size();
    std::string_view part = path.substr(b, e - b);
    if (part.empty() || part == "." || part == "..") return false;
    b = e + 1;
  }
  return true;
}

Result<Wheel> Wheel::open(const std::filesystem::path& path) {
  ENVLOCK_TRY(reader, open_zip(path));
  Wheel w;
  w.m_path = path;
  std::set<std::string, std::less<>> seen;
  std::set<std::string> info_dirs;
  for (;;) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(reader.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return input(path, "corrupt zip: " + reason(reader.get()));
    }
    const char* raw = archive_entry_pathname(entry);
    if (!raw) return input(path, "a member without a path");
    std::string name(raw);
    if (!is_safe_member_path(name)) {
      return input(path, "unsafe member path '" + name.substr(0, 200) + "'");
    }
    auto type = archive_entry_filetype(entry);
    bool folder = type == AE_IFDIR || name.back() == '/';
    if (!folder && type != AE_IFREG) {
      return input(path, "member '" + name + "' is not a regular file");
    }
    if (folder) {
      if (name.back() != '/') name += '/';
    } else {
      if (archive_entry_size_is_set(entry) &&
          static_cast<std::uint64_t>(archive_entry_size(entry)) > k_max_wheel_member_bytes) {
        return input(path,
                     "member '" + name + "' is larger than " +
                         std::to_string(k_max_wheel_member_bytes) + " bytes");
      }
    }
    if (!seen.insert(name).second) return input(path, "member '" + name + "' appears twice");
    if (seen.size() > k_max_wheel_members) {
      return input(path, "more than " + std::to_string(k_max_wheel_members) + " members");
    }
    std::string top = name.substr(0, name.find('/'));
    if (name.find('/') != std::string::npos && top.ends_with(".dist-info")) info_dirs.insert(top);
    if (!folder) w.m_members.push_back(std::move(name));
    archive_read_data_skip(reader.get());
  }
  if (info_dirs.size() != 1) {
    return input(path,
                 info_dirs.empty() ? "no .dist-info folder" : "more than one .dist-info folder");
  }
  w.m_dist_info = *info_dirs.begin();
  if (!w.has(w.m_dist_info + "/METADATA")) {
    return input(path, w.m_dist_info + "/METADATA is missing");
  }
  return w;
}

bool Wheel::has(std::string_view member) const {
  return std::find(m_members.begin(), m_members.end(), member) != m_members.end();
}

Result<std::string> Wheel::read(std::string_view member, std::uint64_t max_bytes) const {
  if (!has(member)) return input(m_path, "no member '" + std::string(member) + "'");
  ENVLOCK_TRY(reader, open_zip(m_path));
  for (;;) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(reader.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return input(m_path, "corrupt zip: " + reason(reader.get()));
    }
    const char* raw = archive_entry_pathname(entry);
    if (raw && member == raw) {
      return read_data(reader.get(), m_path, member, std::min(max_bytes, k_max_wheel_member_bytes));
    }
    archive_read_data_skip(reader.get());
  }
  return input(m_path, "no member '" + std::string(member) + "'");
}

Result<std::string> Wheel::metadata() const {
  return read(m_dist_info + "/METADATA", k_max_wheel_metadata_bytes);
}
Result<std::string> Wheel::record() const {
  return read(m_dist_info + "/RECORD", k_max_wheel_metadata_bytes);
}
Result<std::string> Wheel::wheel_file() const {
  return read(m_dist_info + "/WHEEL", k_max_wheel_metadata_bytes);
}

Result<void> Wheel::extract_each(
    const std::function<Result<void>(std::string_view member, std::string_view bytes)>& visit)
    const {
  ENVLOCK_TRY(reader, open_zip(m_path));
  std::uint64_t total = 0;
  std::size_t index = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(reader.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return input(m_path, "corrupt zip: " + reason(reader.get()));
    }
    const char* raw = archive_entry_pathname(entry);
    std::string name = raw ? raw : "";
    if (archive_entry_filetype(entry) == AE_IFDIR || name.ends_with("/")) {
      archive_read_data_skip(reader.get());
      continue;
    }
    // The file changed since open() if its members differ now.
    if (index >= m_members.size() || m_members[index] != name) {
      return input(m_path, "the wheel changed while it was read");
    }
    ++index;
    ENVLOCK_TRY(data, read_data(reader.get(), m_path, name, k_max_wheel_member_bytes));
    total += data.size();
    if (total > k_max_wheel_total_bytes) {
      return input(m_path,
                   "more than " + std::to_string(k_max_wheel_total_bytes) + " bytes uncompressed");
    }
    ENVLOCK_TRY_VOID(visit(name, data));
  }
  if (index != m_members.size()) return input(m_path, "the wheel changed while it was read");
  return Ok{};
}

}  // namespace envlock::pypi
