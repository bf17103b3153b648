#include "lib/install/cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/channel/url.h"
#include "lib/hash/hash.h"
#include "lib/install/fs_util.h"
#include "lib/util/file.h"

namespace envlock::install {

using nlohmann::json;

namespace {

constexpr const char* k_marker = "/info/envlock_extracted.json";
constexpr const char* k_stamps = "/info/envlock_stamps";

std::string strip_extension(const std::string& file_name) {
  for (const char* ext : {".conda", ".tar.bz2"}) {
    std::string e = ext;
    if (file_name.size() > e.size() &&
        file_name.compare(file_name.size() - e.size(), e.size(), e) == 0)
      return file_name.substr(0, file_name.size() - e.size());
  }
  return "";
}

struct Digests {
  std::string sha256;
  std::string md5;
  uint64_t size = 0;
};

// Size and mtime of one extracted file: what it takes to notice, without reading it, that a
// file was changed through a hard link after extraction.
struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
// What one paths.json entry was at extraction.
struct EntryStamp {
  enum class Kind { other, file, skipped };  // skipped: a symlink with an empty target, not made
  Kind kind = Kind::other;
  FileStamp file;  ///< Kind::file
};
// One per paths.json entry, in its order.
using Stamps = std::vector<EntryStamp>;

std::optional<FileStamp> stamp_of(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileStamp{static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

Stamps stamp_files(const std::string& dir, const package::PackageInfo& info,
                   const std::set<std::string>& skipped) {
  Stamps out;
  out.reserve(info.paths.size());
  for (const auto& e : info.paths) {
    if (skipped.count(e.path)) {
      out.push_back({EntryStamp::Kind::skipped, {}});
    } else if (auto stamp = stamp_of(dir + "/" + e.path)) {
      out.push_back({EntryStamp::Kind::file, *stamp});
    } else {
      out.push_back({});
    }
  }
  return out;
}

// A line per entry, "<size> <mtime ns>", "-" (no regular file) or "x" (a symlink with an empty
// target, skipped): plain text, because a JSON object per file made reading the marker of a
// 10,000-file package cost more than the stats it saves.
std::string stamps_text(const Stamps& stamps) {
  std::string out;
  for (const auto& s : stamps) {
    switch (s.kind) {
      case EntryStamp::Kind::file:
        out += std::to_string(s.file.size) + " " + std::to_string(s.file.mtime_ns) + "\n";
        break;
      case EntryStamp::Kind::skipped:
        out += "x\n";
        break;
      case EntryStamp::Kind::other:
        out += "-\n";
        break;
    }
  }
  return out;
}

// The stamps written at extraction; empty when absent or not one line per entry.
Stamps read_stamps(const std::string& dir, size_t count) {
  auto text = read_file(dir + k_stamps);
  if (!text.ok()) return {};
  Stamps out;
  out.reserve(count);
  const char* p = text->c_str();
  const char* end = p + text->size();
  while (p < end) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (!eol) return {};
    if (*p == '-' && eol == p + 1) {
      out.push_back({});
    } else if (*p == 'x' && eol == p + 1) {
      out.push_back({EntryStamp::Kind::skipped, {}});
    } else {
      char* next = nullptr;
      uint64_t size = std::strtoull(p, &next, 10);
      int64_t mtime = std::strtoll(next, &next, 10);
      if (next != eol) return {};
      out.push_back({EntryStamp::Kind::file, FileStamp{size, mtime}});
    }
    p = eol + 1;
  }
  if (out.size() != count) return {};
  return out;
}

// The paths.json entries that extraction skipped (symlinks with an empty target).
std::set<std::string> skipped_links_of(const package::PackageInfo& info, const Stamps& stamps) {
  std::set<std::string> out;
  for (size_t i = 0; i < info.paths.size() && i < stamps.size(); ++i) {
    if (stamps[i].kind == EntryStamp::Kind::skipped) out.insert(info.paths[i].path);
  }
  return out;
}

enum class Trust { intact, intact_restamped, changed };

// Whether every regular file of an extraction is still the package's: an unchanged stamp is
// trusted; a changed one is hashed against paths.json (an mtime touched by a copy or a backup
// tool is not a change of bytes).
Trust check_extraction(const std::string& dir, const package::PackageInfo& info, Stamps& stamps) {
  if (stamps.size() != info.paths.size()) return Trust::changed;
  Trust trust = Trust::intact;
  for (size_t i = 0; i < info.paths.size(); ++i) {
    const package::PathEntry& e = info.paths[i];
    auto& recorded = stamps[i];
    if (recorded.kind == EntryStamp::Kind::skipped) {
      if (fsu::lexists(dir + "/" + e.path)) return Trust::changed;  // nothing was made there
      continue;
    }
    auto now = stamp_of(dir + "/" + e.path);
    if (recorded.kind == EntryStamp::Kind::other) {
      if (now) return Trust::changed;  // not a regular file at extraction
      continue;
    }
    if (!now) return Trust::changed;
    if (*now == recorded.file) continue;
    // Only a file paths.json describes can be re-checked by its bytes.
    if (e.path_type != package::PathType::hardlink || e.sha256.empty() ||
        (e.size_in_bytes && *e.size_in_bytes != now->size)) {
      return Trust::changed;
    }
    auto digest = hash::hex_digest_file(hash::Algorithm::sha256, dir + "/" + e.path);
    if (!digest.ok() || *digest != hash::normalize_hex(e.sha256)) return Trust::changed;
    recorded.file = *now;
    trust = Trust::intact_restamped;
  }
  return trust;
}

json marker_json(const Digests& d, const std::string& url) {
  return {{"sha256", d.sha256}, {"md5", d.md5}, {"size", d.size}, {"url", url_for_disk(url)}};
}

Error not_safe(const std::string& label, const std::string& where, const char* field,
               const std::string& value) {
  return Error{ErrorKind::input,
               label,
               where + " " + field + " '" + value +
                   "' is not a safe file name; refusing to use it in a path"};
}

// The lock's name, version and build must be usable as file name components.
Result<void> check_locked_identity(const lockfile::LockedPackage& p, const std::string& label) {
  for (const auto& [field, value] : {std::pair<const char*, const std::string&>{"name", p.name},
                                     {"version", p.version},
                                     {"build", p.build}}) {
    if (!value.empty() && !package::is_safe_path_component(value)) {
      return not_safe(label, "the lock's", field, value);
    }
  }
  return Ok{};
}

// The package must say it is what the lock says it is, with names safe for paths.
Result<void> check_package_identity(const lockfile::LockedPackage& p, const package::IndexJson& ix,
                                    const std::string& label) {
  for (const auto& [field, value] : {std::pair<const char*, const std::string&>{"name", ix.name},
                                     {"version", ix.version},
                                     {"build", ix.build}}) {
    if (!package::is_safe_path_component(value)) {
      return not_safe(label, "the package's info/index.json", field, value);
    }
  }
  if ((!p.name.empty() && ix.name != p.name) || (!p.version.empty() && ix.version != p.version) ||
      (!p.build.empty() && ix.build != p.build)) {
    return Error{ErrorKind::input,
                 label,
                 "the package says it is " + ix.name + "-" + ix.version + "-" + ix.build +
                     ", not what the lock names; refusing it"};
  }
  return Ok{};
}

// Whether `actual` is the artifact the lock names: sha256 when the lock has one, else md5;
// the size too when the lock records it.
bool matches(const lockfile::LockedPackage& p, const Digests& actual) {
  if (p.size && static_cast<uint64_t>(*p.size) != actual.size) return false;
  if (!p.sha256.empty()) return hash::normalize_hex(p.sha256) == actual.sha256;
  return hash::normalize_hex(p.md5) == actual.md5;
}

std::optional<Digests> read_marker(const std::string& extracted_dir) {
  auto text = read_file(extracted_dir + k_marker);
  if (!text.ok()) return std::nullopt;
  json doc = json::parse(*text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  Digests d;
  d.sha256 = doc.value("sha256", "");
  d.md5 = doc.value("md5", "");
  d.size = doc.value("size", uint64_t{0});
  if (d.sha256.empty() || d.md5.empty()) return std::nullopt;
  return d;
}

Result<Digests> digest_archive(const std::string& path) {
  ENVLOCK_TRY(d, hash::digest_file(path, {hash::Algorithm::sha256, hash::Algorithm::md5}));
  return Digests{d.hex[0], d.hex[1], d.size};
}

bool is_file_url(const std::string& url) {
  return url.rfind("file://", 0) == 0;
}

}  // namespace

std::string url_for_disk(const std::string& url) {
  // conda-lock's ${VAR} form names a variable, not a secret.
  if (url.find("${") != std::string::npos) return url;
  return channel::redact_url(url);
}

std::string default_pkgs_dir() {
  if (const char* dir = std::getenv("ENVLOCK_CACHE_DIR"); dir && *dir) {
    return std::string(dir) + "/pkgs";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/envlock/pkgs";
}

const char* to_string(CacheHit hit) {
  switch (hit) {
    case CacheHit::extracted:
      return "extracted";
    case CacheHit::archive:
      return "archive";
    case CacheHit::downloaded:
      return "downloaded";
  }
  return "downloaded";
}

std::string package_label(const lockfile::LockedPackage& p) {
  return p.name + "-" + p.version + "-" + p.build;
}

namespace {

// Where a missing artifact is fetched from: its file in the archive when installing from one
// (never the network), else its URL, which --offline allows only for file:// URLs.
Result<std::string> download_source(const lockfile::LockedPackage& p, const std::string& label,
                                    const CacheOptions& options) {
  if (options.archive_files) {
    auto it = options.archive_files->find(p.url);
    if (it == options.archive_files->end()) {
      return Error{ErrorKind::input, label, "not in the archive"};
    }
    return channel::path_to_file_url(it->second);
  }
  if (options.offline == Offline::yes && !is_file_url(p.url)) {
    return Error{
        ErrorKind::network,
        label,
        "not in the package cache " + options.pkgs_dir + " and --offline forbids downloading"};
  }
  return p.url;
}

}  // namespace

Result<CachedPackage> ensure_package(const lockfile::LockedPackage& p,
                                     const CacheOptions& options) {
  const std::string label = package_label(p);
  if (p.sha256.empty() && p.md5.empty()) {
    return Error{ErrorKind::input,
                 label,
                 "the lock records no sha256 or md5; refusing to install unverified bytes"};
  }
  ENVLOCK_TRY_VOID(check_locked_identity(p, label));
  const std::string file_name = lockfile::url_filename(p.url);
  const std::string stem = strip_extension(file_name);
  if (stem.empty() || !package::is_safe_path_component(file_name) ||
      !package::is_safe_path_component(stem)) {
    return Error{ErrorKind::input,
                 label,
                 "URL does not name a .conda or .tar.bz2 file: " + url_for_disk(p.url)};
  }
  ENVLOCK_TRY_VOID(fsu::make_dirs(options.pkgs_dir));
  CachedPackage out;
  out.archive_path = options.pkgs_dir + "/" + file_name;
  out.extracted_dir = options.pkgs_dir + "/" + stem;
  ENVLOCK_TRY(lock, fsu::FileLock::acquire(out.archive_path + ".lock"));

  // 1. A finished extraction of exactly this archive, with every file still as extracted.
  if (auto marker = read_marker(out.extracted_dir); marker && matches(p, *marker)) {
    auto info = package::read_package_info_dir(out.extracted_dir);
    Stamps stamps = info.ok() ? read_stamps(out.extracted_dir, info->paths.size()) : Stamps{};
    Trust trust = info.ok() ? check_extraction(out.extracted_dir, *info, stamps) : Trust::changed;
    if (trust != Trust::changed) {
      ENVLOCK_TRY_VOID(check_package_identity(p, info->index, label));
      if (trust == Trust::intact_restamped) {
        // Best effort: a stale stamp only costs one more hash next time.
        (void)write_file_atomic(
            out.extracted_dir + k_stamps, stamps_text(stamps), Durability::no_fsync);
      }
      out.sha256 = marker->sha256;
      out.md5 = marker->md5;
      out.size = marker->size;
      out.hit = CacheHit::extracted;
      out.info = std::move(info).value();
      out.skipped_empty_links = skipped_links_of(out.info, stamps);
      return out;
    }
  }

  // 2. A cached archive, trusted only after hashing it.
  std::optional<Digests> digests;
  if (fsu::lexists(out.archive_path)) {
    auto d = digest_archive(out.archive_path);
    if (d.ok() && matches(p, *d)) {
      digests = *d;
      out.hit = CacheHit::archive;
    } else {
      ::unlink(out.archive_path.c_str());  // corrupt, partial or another artifact: fetch again
    }
  }

  // 3. Download, hash-checked while streaming.
  if (!digests) {
    ENVLOCK_TRY(source, download_source(p, label, options));
    channel::ExpectedFile expected{p.sha256, p.md5, std::nullopt};
    if (p.size) expected.size = static_cast<uint64_t>(*p.size);
    auto fetched = channel::download_file(source, out.archive_path, expected, options.download);
    if (!fetched.ok()) return fetched.take_error().wrapped(label);
    if (!p.sha256.empty() && !p.md5.empty()) {
      // download_file checked both while streaming: no second pass over the bytes.
      std::error_code ec;
      uint64_t size = std::filesystem::file_size(out.archive_path, ec);
      if (ec) return io_error(out.archive_path, "stat", ec.value());
      digests = Digests{hash::normalize_hex(p.sha256), hash::normalize_hex(p.md5), size};
    } else {
      ENVLOCK_TRY(d, digest_archive(out.archive_path));
      digests = d;
    }
    out.hit = CacheHit::downloaded;
  }
  out.sha256 = digests->sha256;
  out.md5 = digests->md5;
  out.size = digests->size;

  // Extract afresh: whatever is at the folder is not known to belong to this archive.
  ENVLOCK_TRY_VOID(fsu::remove_tree(out.extracted_dir));
  auto extracted = package::extract_package(out.archive_path, out.extracted_dir, options.extract);
  if (!extracted.ok()) return extracted.take_error().wrapped(label);
  auto info = package::read_package_info_dir(out.extracted_dir);
  if (!info.ok()) {
    (void)fsu::remove_tree(out.extracted_dir);
    return info.take_error().wrapped(label);
  }
  if (auto identity = check_package_identity(p, info->index, label); !identity.ok()) {
    (void)fsu::remove_tree(out.extracted_dir);
    return identity.take_error();
  }
  // The marker last: without it the folder is never trusted.
  ENVLOCK_TRY_VOID(fsu::make_dirs(out.extracted_dir + "/info"));
  const std::set<std::string> skipped(extracted->skipped_empty_links.begin(),
                                      extracted->skipped_empty_links.end());
  Stamps stamps = stamp_files(out.extracted_dir, *info, skipped);
  ENVLOCK_TRY_VOID(
      write_file_atomic(out.extracted_dir + k_stamps, stamps_text(stamps), Durability::no_fsync));
  ENVLOCK_TRY_VOID(write_file_atomic(
      out.extracted_dir + k_marker, marker_json(*digests, p.url).dump(2), Durability::no_fsync));
  out.info = std::move(info).value();
  out.skipped_empty_links = skipped_links_of(out.info, stamps);
  return out;
}

Result<CachedWheel> ensure_wheel(const lockfile::LockedPackage& p, const CacheOptions& options) {
  const std::string label = p.name + " " + p.version;
  if (p.sha256.empty() || !hash::is_hex_digest(hash::Algorithm::sha256, p.sha256)) {
    return Error{ErrorKind::input,
                 label,
                 "the lock records no sha256 for this wheel; refusing to install unverified bytes"};
  }
  const std::string file_name = lockfile::url_filename(p.url);
  if (file_name.size() <= 4 || file_name.compare(file_name.size() - 4, 4, ".whl") != 0 ||
      !package::is_safe_path_component(file_name)) {
    return Error{ErrorKind::input, label, "URL does not name a .whl file: " + url_for_disk(p.url)};
  }
  const std::string dir = options.pkgs_dir + "/wheels";
  ENVLOCK_TRY_VOID(fsu::make_dirs(dir));
  CachedWheel out;
  out.path = dir + "/" + file_name;
  ENVLOCK_TRY(lock, fsu::FileLock::acquire(out.path + ".lock"));
  const std::string want = hash::normalize_hex(p.sha256);
  if (fsu::lexists(out.path)) {
    auto d = hash::digest_file(out.path, {hash::Algorithm::sha256});
    if (d.ok() && d->hex[0] == want && (!p.size || static_cast<uint64_t>(*p.size) == d->size)) {
      out.hit = CacheHit::archive;
      return out;
    }
    ::unlink(out.path.c_str());  // corrupt, partial or another artifact: fetch again
  }
  ENVLOCK_TRY(source, download_source(p, label, options));
  channel::ExpectedFile expected{p.sha256, "", std::nullopt};
  if (p.size) expected.size = static_cast<uint64_t>(*p.size);
  auto fetched = channel::download_file(source, out.path, expected, options.download);
  if (!fetched.ok()) return fetched.take_error().wrapped(label);
  out.hit = CacheHit::downloaded;
  return out;
}

}  // namespace envlock::install
