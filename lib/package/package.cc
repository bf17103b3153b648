#include "lib/package/package.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "lib/hash/hash.h"
#include "lib/util/file.h"
#include "lib/util/text.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace envlock::package {

// ---------------------------------------------------------------------------------------------
// Names

namespace {

struct PathTypeName {
  PathType type;
  const char* name;
};

constexpr std::array<PathTypeName, 8> k_path_type_names = {{
    {PathType::hardlink, "hardlink"},
    {PathType::softlink, "softlink"},
    {PathType::directory, "directory"},
    {PathType::pyc_file, "pyc_file"},
    {PathType::unix_python_entry_point, "unix_python_entry_point"},
    {PathType::windows_python_entry_point_script, "windows_python_entry_point_script"},
    {PathType::windows_python_entry_point_exe, "windows_python_entry_point_exe"},
    {PathType::linked_package_record, "linked_package_record"},
}};

}  // namespace

const char* to_string(PathType type) {
  for (const auto& n : k_path_type_names) {
    if (n.type == type) return n.name;
  }
  return "unknown";
}

PathType path_type_from_string(std::string_view text) {
  for (const auto& n : k_path_type_names) {
    if (text == n.name) return n.type;
  }
  return PathType::unknown;
}

const char* to_string(FileMode mode) {
  return mode == FileMode::text ? "text" : "binary";
}

bool is_safe_path_component(std::string_view text) {
  if (text.empty() || text.size() > 255 || text == "." || text == "..") return false;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

std::optional<ArchiveFormat> archive_format_of(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".conda")) return ArchiveFormat::conda;
  if (ends_with(".tar.bz2")) return ArchiveFormat::tar_bz2;
  return std::nullopt;
}

namespace {

// ---------------------------------------------------------------------------------------------
// libarchive handles

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;

// A file descriptor closed on destruction.
class Fd {
 public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  Fd(Fd&& other) noexcept : m_fd(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return m_fd; }
  int release() {
    int fd = m_fd;
    m_fd = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = fd;
  }

 private:
  int m_fd;
};

Error input_error(const std::string& archive_path, const std::string& message) {
  return Error{ErrorKind::input, archive_path, message};
}

std::string quote_member(const std::string& member) {
  return "'" + member + "'";
}

// Where a member lives, for messages: "member 'lib/x'" or "member 'lib/x' in pkg-a.tar.zst".
std::string member_label(const std::string& inner, const std::string& member) {
  if (inner.empty()) return "member " + quote_member(member);
  return "member " + quote_member(member) + " in " + inner;
}

std::string archive_reason(archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown libarchive error";
}

// One member of a package: the tarball it sits in (empty for .tar.bz2) and its entry.
struct Member {
  const std::string& inner;  ///< "info-x.tar.zst" / "pkg-x.tar.zst", or "" for .tar.bz2
  archive* reader;
  archive_entry* entry;
};

using MemberVisitor = std::function<Result<void>(const Member&)>;

// Which parts of a .conda to open.
enum class Parts { info_only, all };

Result<void> visit_tar(const std::string& archive_path, const std::string& inner, archive* reader,
                       const MemberVisitor& visit) {
  for (;;) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(reader, &entry);
    if (r == ARCHIVE_EOF) return Ok{};
    if (r < ARCHIVE_WARN) {
      std::string where = inner.empty() ? "" : inner + ": ";
      return input_error(archive_path,
                         where + "corrupt or truncated archive: " + archive_reason(reader));
    }
    ENVLOCK_TRY_VOID(visit(Member{inner, reader, entry}));
  }
}

// Streams the bytes of the current zip member into an inner tar reader.
struct InnerSource {
  archive* outer;
};

la_ssize_t read_inner(archive* inner, void* client, const void** buffer) {
  auto* source = static_cast<InnerSource*>(client);
  size_t size = 0;
  la_int64_t offset = 0;
  int r = archive_read_data_block(source->outer, buffer, &size, &offset);
  if (r == ARCHIVE_EOF) return 0;
  if (r < ARCHIVE_WARN) {
    archive_set_error(inner, EIO, "%s", archive_reason(source->outer).c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

Result<ArchiveReader> open_reader(const std::string& archive_path) {
  if (::access(archive_path.c_str(), R_OK) != 0) {
    return io_error(archive_path, "open", errno);
  }
  return ArchiveReader(archive_read_new());
}

Result<void> visit_conda(const std::string& archive_path, Parts parts, const MemberVisitor& visit) {
  ENVLOCK_TRY(outer, open_reader(archive_path));
  archive_read_support_format_zip(outer.get());
  if (archive_read_open_filename(outer.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return input_error(archive_path, "not a .conda (zip) archive: " + archive_reason(outer.get()));
  }
  bool saw_info = false;
  std::vector<std::string> top_level;
  for (;;) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(outer.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      return input_error(archive_path,
                         "corrupt or truncated .conda archive: " + archive_reason(outer.get()));
    }
    std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    top_level.push_back(name);
    bool is_info = starts_with(name, "info-") && ends_with(name, ".tar.zst");
    bool is_pkg = starts_with(name, "pkg-") && ends_with(name, ".tar.zst");
    if (name.find('/') != std::string::npos || !(is_info || is_pkg)) continue;
    if (is_info) saw_info = true;
    if (is_pkg && parts == Parts::info_only) continue;

    ArchiveReader inner(archive_read_new());
    archive_read_support_filter_zstd(inner.get());
    archive_read_support_format_tar(inner.get());
    InnerSource source{outer.get()};
    if (archive_read_open(inner.get(), &source, nullptr, read_inner, nullptr) != ARCHIVE_OK) {
      return input_error(archive_path,
                         name + ": corrupt or truncated tarball: " + archive_reason(inner.get()));
    }
    ENVLOCK_TRY_VOID(visit_tar(archive_path, name, inner.get(), visit));
  }
  if (!saw_info) {
    std::string found = top_level.empty() ? "nothing" : quote_member(top_level.front());
    return input_error(archive_path,
                       "not a conda package: no info-*.tar.zst member at the top level of the "
                       "zip (first member: " +
                           found + ")");
  }
  return Ok{};
}

Result<void> visit_tar_bz2(const std::string& archive_path, const MemberVisitor& visit) {
  ENVLOCK_TRY(reader, open_reader(archive_path));
  archive_read_support_filter_bzip2(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_filename(reader.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return input_error(archive_path, "not a .tar.bz2 archive: " + archive_reason(reader.get()));
  }
  return visit_tar(archive_path, "", reader.get(), visit);
}

Result<ArchiveFormat> format_or_error(const std::string& archive_path) {
  auto format = archive_format_of(archive_path);
  if (!format) {
    return input_error(archive_path, "not a conda package file name (expected .conda or .tar.bz2)");
  }
  return *format;
}

Result<void> visit_members(const std::string& archive_path, ArchiveFormat format, Parts parts,
                           const MemberVisitor& visit) {
  if (format == ArchiveFormat::conda) return visit_conda(archive_path, parts, visit);
  return visit_tar_bz2(archive_path, visit);
}

// ---------------------------------------------------------------------------------------------
// Member paths

// Splits a member name into its components: a leading "./", empty and "." components are
// dropped. Refuses absolute paths and "..". An empty result means the archive root itself.
Result<std::vector<std::string>> split_member_path(const std::string& archive_path,
                                                   const std::string& label,
                                                   const std::string& name) {
  if (!name.empty() && name.front() == '/') {
    return input_error(archive_path, label + ": absolute path refused");
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    if (part == "..") {
      return input_error(archive_path, label + ": path with a '..' component refused");
    }
    if (part.size() > 255) {
      return input_error(archive_path,
                         label + ": a path component is longer than 255 bytes (" +
                             std::to_string(part.size()) + ")");
    }
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    start = end + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < parts.size(); ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}
std::string join(const std::vector<std::string>& parts) {
  return join(parts, parts.size());
}

// Reads the data of the current member into memory. Info files are small (the largest real
// paths.json we know is ~30 MiB); past k_max_info_member_bytes it is a decompression bomb.
Result<std::string> read_member_data(const std::string& archive_path, const Member& m,
                                     const std::string& name) {
  std::string data;
  std::array<char, 1 << 16> buffer;
  for (;;) {
    la_ssize_t n = archive_read_data(m.reader, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n > 0 && data.size() + static_cast<size_t>(n) > k_max_info_member_bytes) {
      return input_error(archive_path,
                         member_label(m.inner, name) + ": larger than " +
                             std::to_string(k_max_info_member_bytes >> 20) + " MiB");
    }
    if (n < 0) {
      return input_error(
          archive_path,
          member_label(m.inner, name) + ": corrupt or truncated data: " + archive_reason(m.reader));
    }
    data.append(buffer.data(), static_cast<size_t>(n));
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// Metadata parsing

// The info files we need, by their path relative to the package root.
struct InfoFiles {
  std::map<std::string, std::string> text;  ///< "info/index.json" -> contents
  std::set<std::string> symlinks;           ///< payload members that are symlinks
};

bool is_wanted_info(const std::string& path) {
  return path == "info/index.json" || path == "info/paths.json" || path == "info/files" ||
         path == "info/has_prefix" || path == "info/no_link" || path == "info/link.json";
}

// A '/'-separated relative path whose every component is safe (no "", ".", ".." or long ones).
bool is_safe_relative_path(std::string_view path) {
  if (path.empty()) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (!is_safe_path_component(path.substr(start, end - start))) return false;
    start = end + 1;
  }
  return true;
}

Result<json> parse_json(const std::string& where, const std::string& text) {
  ENVLOCK_TRY_VOID(check_json_nesting(text, where));
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    auto [line, column] = line_column(text, e.byte > 0 ? e.byte - 1 : 0);
    return Error::at(ErrorKind::input, where, line, column, "malformed JSON");
  } catch (const json::exception&) {
    return Error{ErrorKind::input, where, "malformed JSON: a number out of range"};  // "1e999"
  }
}

Error field_error(const std::string& where, const std::string& field, const std::string& what) {
  return Error{ErrorKind::input, where, "field '" + field + "': " + what};
}

Result<std::string> string_field(const std::string& where, const json& object,
                                 const std::string& field, bool required) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    if (required) return field_error(where, field, "missing");
    return std::string();
  }
  if (!it->is_string()) return field_error(where, field, "expected a string");
  return it->get<std::string>();
}

Result<std::vector<std::string>> string_list(const std::string& where, const json& object,
                                             const std::string& field) {
  std::vector<std::string> out;
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) return field_error(where, field, "expected a list of strings");
  for (const auto& item : *it) {
    if (!item.is_string()) return field_error(where, field, "expected a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<IndexJson> parse_index(const std::string& where, const std::string& text) {
  ENVLOCK_TRY(doc, parse_json(where, text));
  if (!doc.is_object()) return Error{ErrorKind::input, where, "expected a JSON object"};
  IndexJson index;
  ENVLOCK_TRY(name, string_field(where, doc, "name", true));
  ENVLOCK_TRY(version, string_field(where, doc, "version", true));
  ENVLOCK_TRY(build, string_field(where, doc, "build", true));
  ENVLOCK_TRY(subdir, string_field(where, doc, "subdir", false));
  ENVLOCK_TRY(license, string_field(where, doc, "license", false));
  ENVLOCK_TRY(depends, string_list(where, doc, "depends"));
  ENVLOCK_TRY(constrains, string_list(where, doc, "constrains"));
  index.name = std::move(name);
  index.version = std::move(version);
  index.build = std::move(build);
  index.subdir = std::move(subdir);
  index.license = std::move(license);
  index.depends = std::move(depends);
  index.constrains = std::move(constrains);
  if (auto it = doc.find("build_number"); it != doc.end()) {
    if (!it->is_number_integer()) return field_error(where, "build_number", "expected an integer");
    index.build_number = it->get<int64_t>();
  }
  if (auto it = doc.find("timestamp"); it != doc.end() && !it->is_null()) {
    if (!it->is_number()) return field_error(where, "timestamp", "expected a number");
    index.timestamp =
        it->is_number_integer() ? it->get<int64_t>() : clamp_to_int64(it->get<double>());
  }
  if (auto it = doc.find("noarch"); it != doc.end()) {
    if (it->is_string()) {
      index.noarch = it->get<std::string>();
    } else if (it->is_boolean() && it->get<bool>()) {
      index.noarch = "generic";
    }
  }
  if (auto it = doc.find("noarch_python");
      index.noarch.empty() && it != doc.end() && it->is_boolean() && it->get<bool>()) {
    index.noarch = "python";
  }
  ENVLOCK_TRY(site_packages, string_field(where, doc, "python_site_packages_path", false));
  if (!site_packages.empty() && !is_safe_relative_path(site_packages)) {
    return field_error(where,
                       "python_site_packages_path",
                       "'" + site_packages + "' is not a relative path inside the prefix");
  }
  index.python_site_packages_path = std::move(site_packages);
  if (auto it = doc.find("track_features"); it != doc.end()) {
    if (it->is_string()) {
      index.track_features = it->get<std::string>();
    } else if (it->is_array()) {
      for (const auto& f : *it) {
        if (!f.is_string()) return field_error(where, "track_features", "expected strings");
        if (!index.track_features.empty()) index.track_features += ' ';
        index.track_features += f.get<std::string>();
      }
    }
  }
  return index;
}

Result<std::vector<PathEntry>> parse_paths_json(const std::string& where, const std::string& text) {
  ENVLOCK_TRY(doc, parse_json(where, text));
  if (!doc.is_object()) return Error{ErrorKind::input, where, "expected a JSON object"};
  if (auto v = doc.find("paths_version"); v != doc.end() && !(v->is_number_integer() && *v == 1)) {
    return field_error(where, "paths_version", "only version 1 is supported");
  }
  auto paths = doc.find("paths");
  if (paths == doc.end() || !paths->is_array()) {
    return field_error(where, "paths", "missing or not a list");
  }
  std::vector<PathEntry> out;
  out.reserve(paths->size());
  for (size_t i = 0; i < paths->size(); ++i) {
    const json& item = (*paths)[i];
    std::string at = "paths[" + std::to_string(i) + "]";
    if (!item.is_object()) return field_error(where, at, "expected an object");
    PathEntry e;
    ENVLOCK_TRY(path, string_field(where, item, "_path", true));
    ENVLOCK_TRY(type, string_field(where, item, "path_type", false));
    ENVLOCK_TRY(sha, string_field(where, item, "sha256", false));
    ENVLOCK_TRY(placeholder, string_field(where, item, "prefix_placeholder", false));
    ENVLOCK_TRY(mode, string_field(where, item, "file_mode", false));
    if (!is_safe_relative_path(path)) {
      return field_error(
          where, at + "._path", "'" + path + "' is not a relative path inside the package");
    }
    e.path = std::move(path);
    e.path_type = type.empty() ? PathType::hardlink : path_type_from_string(type);
    if (e.path_type == PathType::unknown) {
      return field_error(where, at + ".path_type", "unknown value '" + type + "'");
    }
    e.sha256 = std::move(sha);
    if (auto s = item.find("size_in_bytes"); s != item.end() && !s->is_null()) {
      if (!s->is_number_unsigned() && !s->is_number_integer()) {
        return field_error(where, at + ".size_in_bytes", "expected an integer");
      }
      e.size_in_bytes = s->get<uint64_t>();
    }
    e.prefix_placeholder = std::move(placeholder);
    if (!mode.empty() && mode != "text" && mode != "binary") {
      return field_error(where, at + ".file_mode", "expected 'text' or 'binary'");
    }
    if (!e.prefix_placeholder.empty()) {
      e.file_mode = mode == "binary" ? FileMode::binary : FileMode::text;
    }
    if (auto n = item.find("no_link"); n != item.end() && n->is_boolean()) {
      e.no_link = n->get<bool>();
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// Splits a has_prefix line on blanks; quoted tokens keep their blanks, quotes are removed.
std::vector<std::string> split_has_prefix_line(const std::string& line) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::string token;
    if (line[i] == '"' || line[i] == '\'') {
      char quote = line[i++];
      while (i < line.size() && line[i] != quote) token += line[i++];
      ++i;  // closing quote
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') token += line[i++];
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

Result<std::vector<PathEntry>> parse_legacy_paths(const std::string& where, const InfoFiles& info) {
  auto files = info.text.find("info/files");
  std::vector<PathEntry> out;
  if (files == info.text.end()) return out;
  struct Prefix {
    std::string placeholder;
    FileMode mode;
  };
  std::map<std::string, Prefix> prefixes;
  if (auto hp = info.text.find("info/has_prefix"); hp != info.text.end()) {
    int number = 0;
    for (const auto& line : split_lines(hp->second)) {
      ++number;
      auto tokens = split_has_prefix_line(line);
      if (tokens.size() == 1) {
        prefixes[tokens[0]] = {k_default_placeholder, FileMode::text};
      } else if (tokens.size() == 3 && (tokens[1] == "text" || tokens[1] == "binary")) {
        prefixes[tokens[2]] = {tokens[0],
                               tokens[1] == "binary" ? FileMode::binary : FileMode::text};
      } else {
        return Error::at(ErrorKind::input,
                         where + ": info/has_prefix",
                         number,
                         1,
                         "expected 'path' or 'placeholder text|binary path'");
      }
    }
  }
  std::set<std::string> no_link;
  if (auto nl = info.text.find("info/no_link"); nl != info.text.end()) {
    for (auto& line : split_lines(nl->second)) no_link.insert(line);
  }
  for (auto& line : split_lines(files->second)) {
    PathEntry e;
    e.path = line;
    e.path_type = info.symlinks.count(line) ? PathType::softlink : PathType::hardlink;
    if (auto p = prefixes.find(line); p != prefixes.end()) {
      e.prefix_placeholder = p->second.placeholder;
      e.file_mode = p->second.mode;
    }
    e.no_link = no_link.count(line) > 0;
    out.push_back(std::move(e));
  }
  return out;
}

Result<LinkJson> parse_link_json(const std::string& where, const std::string& text) {
  ENVLOCK_TRY(doc, parse_json(where, text));
  LinkJson link;
  if (!doc.is_object()) return Error{ErrorKind::input, where, "expected a JSON object"};
  auto noarch = doc.find("noarch");
  if (noarch == doc.end() || !noarch->is_object()) return link;
  ENVLOCK_TRY(type, string_field(where, *noarch, "type", false));
  ENVLOCK_TRY(entry_points, string_list(where, *noarch, "entry_points"));
  link.noarch_type = std::move(type);
  link.entry_points = std::move(entry_points);
  return link;
}

Result<PackageInfo> build_info(const std::string& where, ArchiveFormat format,
                               const InfoFiles& info) {
  PackageInfo out;
  out.format = format;
  auto index = info.text.find("info/index.json");
  if (index == info.text.end()) {
    return Error{ErrorKind::input, where, "not a conda package: no info/index.json"};
  }
  ENVLOCK_TRY(parsed_index, parse_index(where + ": info/index.json", index->second));
  out.index = std::move(parsed_index);
  out.index_json_text = index->second;
  if (auto paths = info.text.find("info/paths.json"); paths != info.text.end()) {
    ENVLOCK_TRY(entries, parse_paths_json(where + ": info/paths.json", paths->second));
    out.paths = std::move(entries);
    out.paths_source = PathsSource::paths_json;
  } else {
    ENVLOCK_TRY(entries, parse_legacy_paths(where, info));
    out.paths = std::move(entries);
    out.paths_source = PathsSource::legacy_files;
  }
  // conda-meta/ holds the prefix's own records: a package file there would overwrite another
  // package's record or the history, whichever list (paths.json or info/files) names it.
  for (const auto& e : out.paths) {
    if (!is_safe_relative_path(e.path)) {
      return Error{
          ErrorKind::input, where, "'" + e.path + "' is not a relative path inside the package"};
    }
    if (e.path == "conda-meta" || e.path.rfind("conda-meta/", 0) == 0) {
      return Error{ErrorKind::input,
                   where,
                   "'" + e.path + "' is inside conda-meta/, which holds the prefix's records"};
    }
  }
  if (auto link = info.text.find("info/link.json"); link != info.text.end()) {
    ENVLOCK_TRY(parsed, parse_link_json(where + ": info/link.json", link->second));
    out.link = std::move(parsed);
  }
  return out;
}

}  // namespace

Result<PackageInfo> read_package_info(const std::string& archive_path) {
  ENVLOCK_TRY(format, format_or_error(archive_path));
  InfoFiles info;
  auto visit = [&](const Member& m) -> Result<void> {
    const char* raw = archive_entry_pathname(m.entry);
    std::string name = raw ? raw : "";
    ENVLOCK_TRY(parts, split_member_path(archive_path, member_label(m.inner, name), name));
    std::string path = join(parts);
    if (archive_entry_filetype(m.entry) == AE_IFLNK) info.symlinks.insert(path);
    if (archive_entry_filetype(m.entry) == AE_IFREG && is_wanted_info(path)) {
      ENVLOCK_TRY(data, read_member_data(archive_path, m, name));
      info.text[path] = std::move(data);
    }
    return Ok{};
  };
  ENVLOCK_TRY_VOID(visit_members(archive_path, format, Parts::info_only, visit));
  return build_info(archive_path, format, info);
}

Result<PackageInfo> read_package_info_dir(const std::string& package_dir) {
  InfoFiles info;
  for (const char* name : {"info/index.json",
                           "info/paths.json",
                           "info/files",
                           "info/has_prefix",
                           "info/no_link",
                           "info/link.json"}) {
    std::string path = package_dir + "/" + name;
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    ENVLOCK_TRY(text, read_file(path));
    info.text[name] = std::move(text);
  }
  if (auto files = info.text.find("info/files"); files != info.text.end()) {
    for (const auto& line : split_lines(files->second)) {
      std::error_code ec;
      if (fs::is_symlink(package_dir + "/" + line, ec)) info.symlinks.insert(line);
    }
  }
  return build_info(package_dir, ArchiveFormat::conda, info);
}

// ---------------------------------------------------------------------------------------------
// Extraction

namespace {

struct Seen {
  PathType type;
  std::string sha256;  ///< regular files
  std::string target;  ///< symlinks
};

// What info/paths.json says one regular file is.
struct Declared {
  std::optional<uint64_t> size;
  std::string sha256;  ///< normalised hex; empty when not recorded
};

std::string bytes_text(uint64_t n) {
  return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

// Writes members below one root folder, refusing anything that would leave it or that is not
// what info/paths.json declares.
class TreeWriter {
 public:
  TreeWriter(std::string archive_path, int root_fd, const ExtractOptions& options)
      : m_archive(std::move(archive_path)), m_root(root_fd), m_max_total(options.max_total_bytes) {}

  /// From now on, regular files are checked against `paths` while they are written.
  void expect(const std::vector<PathEntry>& paths);
  Result<void> add(const Member& m);
  /// Checks, once every member is known, that every file paths.json describes matches it
  /// (members that came before paths.json were not checked while written).
  Result<void> check_declared() const;
  /// Checks, once every member is known, that no symlink resolves outside the root.
  Result<void> check_symlinks() const;
  std::vector<ExtractedEntry> take_entries() { return std::move(m_entries); }
  std::vector<std::string> take_skipped_links() { return std::move(m_skipped_links); }

 private:
  Result<Fd> open_parent(const std::vector<std::string>& parts, const std::string& label);
  Result<void> add_file(const Member& m, const std::vector<std::string>& parts,
                        const std::string& label);
  Result<void> add_directory(const std::vector<std::string>& parts, const std::string& label);
  Result<void> add_symlink(const Member& m, const std::vector<std::string>& parts,
                           const std::string& label);
  Result<void> add_hardlink(const Member& m, const std::vector<std::string>& parts,
                            const std::string& label);
  Error refuse(const std::string& label, const std::string& why) const {
    return input_error(m_archive, label + ": " + why);
  }
  Result<void> check_file(const std::string& path, uint64_t size, const std::string& sha256,
                          const std::string& label) const;

  std::string m_archive;
  int m_root;
  uint64_t m_max_total;
  uint64_t m_total = 0;  ///< bytes of regular files read so far
  bool m_expecting = false;
  std::map<std::string, Declared> m_declared;
  std::map<std::string, Seen> m_seen;
  std::map<std::string, std::string> m_symlinks;  ///< path -> target
  std::vector<ExtractedEntry> m_entries;
  std::vector<std::string> m_skipped_links;  ///< symlinks with an empty target, not created
  std::string m_last_folder;                 ///< the folder open_parent opened last ("" when none)
  Fd m_last_folder_fd;                       ///< its descriptor
};

Result<Fd> TreeWriter::open_parent(const std::vector<std::string>& parts,
                                   const std::string& label) {
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (auto seen = m_seen.find(join(parts, i + 1));
        seen != m_seen.end() && seen->second.type != PathType::directory) {
      // A skipped empty-target symlink is not on disk, but its path is still not a folder.
      return refuse(label,
                    "would be written through the symlink or file '" + join(parts, i + 1) + "'");
    }
  }
  // Members come folder by folder: the last folder opened is reused, which saves one openat
  // per path component and member (each is slow on overlay file systems). The cached
  // descriptor is a folder this writer opened component by component with O_NOFOLLOW, so
  // reusing it is as safe as walking again; nothing the writer does replaces a folder.
  const std::string folder = parts.size() > 1 ? join(parts, parts.size() - 1) : std::string();
  if (!folder.empty() && folder == m_last_folder && m_last_folder_fd.get() >= 0) {
    Fd again(::fcntl(m_last_folder_fd.get(), F_DUPFD_CLOEXEC, 0));
    if (again.get() < 0) return io_error(m_archive, "dup", errno);
    return again;
  }
  Fd dir(::fcntl(m_root, F_DUPFD_CLOEXEC, 0));
  if (dir.get() < 0) return io_error(m_archive, "dup", errno);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const char* name = parts[i].c_str();
    int fd = ::openat(dir.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      if (::mkdirat(dir.get(), name, 0755) != 0 && errno != EEXIST) {
        return io_error(m_archive, "create folder " + join(parts, i + 1), errno);
      }
      std::string prefix = join(parts, i + 1);
      if (!m_seen.count(prefix)) {
        m_seen[prefix] = Seen{PathType::directory, "", ""};
        m_entries.push_back(ExtractedEntry{prefix, PathType::directory, 0, "", ""});
      }
      fd = ::openat(dir.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        return refuse(label,
                      "would be written through the symlink or file '" + join(parts, i + 1) + "'");
      }
      return io_error(m_archive, "open folder " + join(parts, i + 1), errno);
    }
    dir.reset(fd);
  }
  if (!folder.empty()) {
    m_last_folder_fd = Fd(::fcntl(dir.get(), F_DUPFD_CLOEXEC, 0));
    m_last_folder = m_last_folder_fd.get() >= 0 ? folder : std::string();
  }
  return dir;
}

void TreeWriter::expect(const std::vector<PathEntry>& paths) {
  m_expecting = true;
  for (const auto& e : paths) {
    if (e.path_type != PathType::hardlink || (e.sha256.empty() && !e.size_in_bytes)) continue;
    m_declared[e.path] = Declared{e.size_in_bytes, hash::normalize_hex(e.sha256)};
  }
}

Result<void> TreeWriter::check_file(const std::string& path, uint64_t size,
                                    const std::string& sha256, const std::string& label) const {
  auto it = m_declared.find(path);
  if (it == m_declared.end()) return Ok{};
  const Declared& d = it->second;
  if (d.size && *d.size != size) {
    return refuse(
        label,
        "holds " + bytes_text(size) + ", but info/paths.json declares " + bytes_text(*d.size));
  }
  if (!d.sha256.empty() && d.sha256 != sha256) {
    return refuse(
        label,
        "sha256 " + sha256 + " differs from the " + d.sha256 + " that info/paths.json declares");
  }
  return Ok{};
}

Result<void> TreeWriter::check_declared() const {
  for (const auto& e : m_entries) {
    if (e.type != PathType::hardlink) continue;
    ENVLOCK_TRY_VOID(check_file(e.path, e.size, e.sha256, "member " + quote_member(e.path)));
  }
  return Ok{};
}

Result<void> TreeWriter::add(const Member& m) {
  const char* raw = archive_entry_pathname(m.entry);
  std::string name = raw ? raw : "";
  std::string label = member_label(m.inner, name);
  ENVLOCK_TRY(parts, split_member_path(m_archive, label, name));
  if (parts.empty()) {
    if (archive_entry_filetype(m.entry) == AE_IFDIR) return Ok{};  // "./" itself
    return refuse(label, "empty member path");
  }
  if (archive_entry_hardlink(m.entry) != nullptr) return add_hardlink(m, parts, label);
  switch (archive_entry_filetype(m.entry)) {
    case AE_IFREG:
      return add_file(m, parts, label);
    case AE_IFDIR:
      return add_directory(parts, label);
    case AE_IFLNK:
      return add_symlink(m, parts, label);
    case AE_IFCHR:
    case AE_IFBLK:
      return refuse(label, "device files are not allowed in a package");
    case AE_IFIFO:
      return refuse(label, "fifos are not allowed in a package");
    case AE_IFSOCK:
      return refuse(label, "sockets are not allowed in a package");
    default:
      return refuse(label, "unsupported member type");
  }
}

Result<void> TreeWriter::add_file(const Member& m, const std::vector<std::string>& parts,
                                  const std::string& label) {
  std::string path = join(parts);
  hash::Hasher hasher(hash::Algorithm::sha256);
  uint64_t size = 0;
  std::array<char, 1 << 16> buffer;
  auto existing = m_seen.find(path);
  std::optional<uint64_t> limit;
  if (auto d = m_declared.find(path); d != m_declared.end()) limit = d->second.size;
  // paths.json met inside the archive (.tar.bz2): kept to check the members after it.
  const bool is_paths_json = !m_expecting && path == "info/paths.json";
  std::string paths_json;
  Fd file;
  Fd parent;
  if (existing == m_seen.end()) {
    ENVLOCK_TRY(opened_parent, open_parent(parts, label));
    parent = std::move(opened_parent);
    file.reset(::openat(parent.get(),
                        parts.back().c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0644));
    if (file.get() < 0) return io_error(m_archive, "create " + path, errno);
  }
  for (;;) {
    la_ssize_t n = archive_read_data(m.reader, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      return refuse(label, "corrupt or truncated data: " + archive_reason(m.reader));
    }
    std::string_view chunk(buffer.data(), static_cast<size_t>(n));
    hasher.update(chunk);
    size += chunk.size();
    m_total += chunk.size();
    // Stop a bomb while it is written, not after.
    if (limit && size > *limit) {
      return refuse(label,
                    "holds more than the " + bytes_text(*limit) + " that info/paths.json declares");
    }
    if (m_total > m_max_total) {
      return refuse(label,
                    "the package extracts to more than " + bytes_text(m_max_total) +
                        " (the limit for one package; see --max-package-size)");
    }
    if (is_paths_json) paths_json.append(chunk);
    while (file.get() >= 0 && !chunk.empty()) {
      ssize_t w = ::write(file.get(), chunk.data(), chunk.size());
      if (w < 0) {
        if (errno == EINTR) continue;
        return io_error(m_archive, "write " + path, errno);
      }
      chunk.remove_prefix(static_cast<size_t>(w));
    }
  }
  std::string sha = hasher.finish_hex();
  if (existing != m_seen.end()) {
    // A repeated member is harmless only when it is the same regular file.
    if (existing->second.type != PathType::hardlink || existing->second.sha256 != sha) {
      return refuse(label, "path appears twice in the archive with different contents");
    }
    return Ok{};
  }
  ENVLOCK_TRY_VOID(check_file(path, size, sha, label));
  if (is_paths_json) {
    ENVLOCK_TRY(paths, parse_paths_json(m_archive + ": info/paths.json", paths_json));
    expect(paths);
  }
  mode_t mode = (archive_entry_perm(m.entry) & 0111) ? 0755 : 0644;
  if (::fchmod(file.get(), mode) != 0) return io_error(m_archive, "chmod " + path, errno);
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = archive_entry_mtime(m.entry);
  times[0].tv_nsec = times[1].tv_nsec = 0;
  ::futimens(file.get(), times);  // best effort: timestamps do not affect correctness
  m_seen[path] = Seen{PathType::hardlink, sha, ""};
  m_entries.push_back(ExtractedEntry{path, PathType::hardlink, size, std::move(sha), ""});
  return Ok{};
}

Result<void> TreeWriter::add_directory(const std::vector<std::string>& parts,
                                       const std::string& label) {
  std::string path = join(parts);
  if (auto it = m_seen.find(path); it != m_seen.end()) {
    if (it->second.type != PathType::directory) {
      return refuse(label, "path appears twice in the archive as a folder and a file or link");
    }
    return Ok{};
  }
  ENVLOCK_TRY(parent, open_parent(parts, label));
  if (::mkdirat(parent.get(), parts.back().c_str(), 0755) != 0) {
    return io_error(m_archive, "create folder " + path, errno);
  }
  m_seen[path] = Seen{PathType::directory, "", ""};
  m_entries.push_back(ExtractedEntry{path, PathType::directory, 0, "", ""});
  return Ok{};
}

Result<void> TreeWriter::add_symlink(const Member& m, const std::vector<std::string>& parts,
                                     const std::string& label) {
  std::string path = join(parts);
  const char* raw_target = archive_entry_symlink(m.entry);
  std::string target = raw_target ? raw_target : "";
  // symlink("") fails on every file system, so such a link cannot be made at all; an empty
  // file in its place would install something the package does not say. It is left out and
  // named, and its path stays taken: nothing else may appear there or below it.
  if (target.empty()) {
    if (auto it = m_seen.find(path); it != m_seen.end()) {
      if (it->second.type != PathType::softlink || !it->second.target.empty()) {
        return refuse(label, "path appears twice in the archive with different contents");
      }
      return Ok{};
    }
    m_seen[path] = Seen{PathType::softlink, "", ""};
    m_skipped_links.push_back(path);
    return Ok{};
  }
  if (target.front() == '/') {
    return refuse(label, "symlink to the absolute path '" + target + "' refused");
  }
  // Lexical check here; check_symlinks() repeats it through other symlinks at the end.
  int depth = static_cast<int>(parts.size()) - 1;
  size_t start = 0;
  while (start <= target.size()) {
    size_t end = target.find('/', start);
    if (end == std::string::npos) end = target.size();
    std::string_view part(target.data() + start, end - start);
    if (part == "..") {
      if (--depth < 0) return refuse(label, "symlink target '" + target + "' leaves the package");
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
    start = end + 1;
  }
  if (auto it = m_seen.find(path); it != m_seen.end()) {
    if (it->second.type != PathType::softlink || it->second.target != target) {
      return refuse(label, "path appears twice in the archive with different contents");
    }
    return Ok{};
  }
  ENVLOCK_TRY(parent, open_parent(parts, label));
  if (::symlinkat(target.c_str(), parent.get(), parts.back().c_str()) != 0) {
    return io_error(m_archive, "create symlink " + path, errno);
  }
  m_seen[path] = Seen{PathType::softlink, "", target};
  m_symlinks[path] = target;
  m_entries.push_back(ExtractedEntry{path, PathType::softlink, 0, "", target});
  return Ok{};
}

Result<void> TreeWriter::add_hardlink(const Member& m, const std::vector<std::string>& parts,
                                      const std::string& label) {
  std::string path = join(parts);
  std::string raw_target = archive_entry_hardlink(m.entry);
  ENVLOCK_TRY(target_parts, split_member_path(m_archive, label, raw_target));
  std::string target = join(target_parts);
  auto source = m_seen.find(target);
  if (target_parts.empty() || source == m_seen.end() || source->second.type != PathType::hardlink) {
    return refuse(
        label,
        "hard link to '" + raw_target + "', which is not an earlier regular file of the package");
  }
  if (auto it = m_seen.find(path); it != m_seen.end()) {
    if (it->second.type != PathType::hardlink || it->second.sha256 != source->second.sha256) {
      return refuse(label, "path appears twice in the archive with different contents");
    }
    return Ok{};
  }
  ENVLOCK_TRY(source_parent, open_parent(target_parts, label));
  ENVLOCK_TRY(parent, open_parent(parts, label));
  if (::linkat(source_parent.get(),
               target_parts.back().c_str(),
               parent.get(),
               parts.back().c_str(),
               0) != 0) {
    return io_error(m_archive, "create hard link " + path, errno);
  }
  std::string sha = source->second.sha256;
  uint64_t size = 0;
  for (const auto& e : m_entries) {
    if (e.path == target) size = e.size;
  }
  ENVLOCK_TRY_VOID(check_file(path, size, sha, label));
  m_seen[path] = Seen{PathType::hardlink, sha, ""};
  m_entries.push_back(ExtractedEntry{path, PathType::hardlink, size, std::move(sha), target});
  return Ok{};
}

Result<void> TreeWriter::check_symlinks() const {
  for (const auto& [link, target] : m_symlinks) {
    // Resolve link's parent + target, following symlinks of the package (they may contain
    // ".." that climbs out only after an earlier link was followed).
    std::deque<std::string> pending;
    std::vector<std::string> stack;
    auto push_text = [&](const std::string& text, bool front) {
      std::vector<std::string> parts;
      size_t start = 0;
      while (start <= text.size()) {
        size_t end = text.find('/', start);
        if (end == std::string::npos) end = text.size();
        std::string part = text.substr(start, end - start);
        if (!part.empty() && part != ".") parts.push_back(std::move(part));
        start = end + 1;
      }
      if (front) {
        pending.insert(pending.begin(), parts.begin(), parts.end());
      } else {
        pending.insert(pending.end(), parts.begin(), parts.end());
      }
    };
    auto slash = link.rfind('/');
    if (slash != std::string::npos) push_text(link.substr(0, slash), false);
    push_text(target, false);
    int hops = 0;
    while (!pending.empty()) {
      std::string part = std::move(pending.front());
      pending.pop_front();
      if (part == "..") {
        if (stack.empty()) {
          return input_error(m_archive,
                             "member " + quote_member(link) + ": symlink target '" + target +
                                 "' leaves the package");
        }
        stack.pop_back();
        continue;
      }
      stack.push_back(std::move(part));
      auto next = m_symlinks.find(join(stack));
      if (next != m_symlinks.end()) {
        if (++hops > 40) break;  // a loop: unresolvable, but it cannot leave the package
        stack.pop_back();
        push_text(next->second, true);
      }
    }
  }
  return Ok{};
}

// Removes a folder tree on destruction unless released.
class TreeGuard {
 public:
  explicit TreeGuard(std::string path) : m_path(std::move(path)) {}
  ~TreeGuard() {
    if (!m_path.empty()) {
      std::error_code ec;
      fs::remove_all(m_path, ec);
    }
  }
  void release() { m_path.clear(); }

 private:
  std::string m_path;
};

}  // namespace

Result<ExtractedPackage> extract_package(const std::string& archive_path,
                                         const std::string& dest_dir,
                                         const ExtractOptions& options) {
  ENVLOCK_TRY(format, format_or_error(archive_path));
  fs::path dest = fs::path(dest_dir).lexically_normal();
  if (dest.filename().empty()) dest = dest.parent_path();
  std::error_code ec;
  if (fs::exists(dest, ec) && !(fs::is_directory(dest, ec) && fs::is_empty(dest, ec))) {
    return Error{ErrorKind::io, dest.string(), "destination already exists"};
  }
  fs::path parent = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
  fs::create_directories(parent, ec);
  if (ec) return io_error(parent.string(), "create folder", ec.value());
  // A .conda's info tarball is cheap to read on its own: its paths.json then checks every
  // payload member while it is written, whatever order the zip has.
  std::optional<PackageInfo> info;
  if (format == ArchiveFormat::conda) {
    ENVLOCK_TRY(read, read_package_info(archive_path));
    info = std::move(read);
  }
  std::string tmp_template = (parent / ("." + dest.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> tmp_name(tmp_template.begin(), tmp_template.end());
  tmp_name.push_back('\0');
  if (::mkdtemp(tmp_name.data()) == nullptr) {
    return io_error(tmp_template, "create temporary folder", errno);
  }
  std::string tmp(tmp_name.data());
  TreeGuard guard(tmp);
  ::chmod(tmp.c_str(), 0755);
  Fd root(::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return io_error(tmp, "open", errno);

  TreeWriter writer(archive_path, root.get(), options);
  if (info && info->paths_source == PathsSource::paths_json) writer.expect(info->paths);
  ENVLOCK_TRY_VOID(visit_members(
      archive_path, format, Parts::all, [&](const Member& m) { return writer.add(m); }));
  ENVLOCK_TRY_VOID(writer.check_symlinks());
  ENVLOCK_TRY_VOID(writer.check_declared());
  root.reset();
  if (::rename(tmp.c_str(), dest.c_str()) != 0) {
    return io_error(dest.string(), "rename the extracted folder into place", errno);
  }
  guard.release();
  return ExtractedPackage{dest.string(), writer.take_entries(), writer.take_skipped_links()};
}

}  // namespace envlock::package
