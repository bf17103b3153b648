#include "lib/install/cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "lib/hash/hash.h"
#include "lib/install/fs_util.h"
#include "lib/util/file.h"

namespace envlock::install {

using nlohmann::json;

namespace {

constexpr const char* k_marker = "/info/envlock_extracted.json";

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

Result<CachedPackage> ensure_package(const lockfile::LockedPackage& p,
                                     const CacheOptions& options) {
  const std::string label = package_label(p);
  if (p.sha256.empty() && p.md5.empty()) {
    return Error{ErrorKind::input,
                 label,
                 "the lock records no sha256 or md5; refusing to install unverified bytes"};
  }
  const std::string file_name = lockfile::url_filename(p.url);
  const std::string stem = strip_extension(file_name);
  if (stem.empty()) {
    return Error{ErrorKind::input, label, "URL does not name a .conda or .tar.bz2 file: " + p.url};
  }
  ENVLOCK_TRY_VOID(fsu::make_dirs(options.pkgs_dir));
  CachedPackage out;
  out.archive_path = options.pkgs_dir + "/" + file_name;
  out.extracted_dir = options.pkgs_dir + "/" + stem;
  ENVLOCK_TRY(lock, fsu::FileLock::acquire(out.archive_path + ".lock"));

  // 1. A finished extraction of exactly this archive.
  if (auto marker = read_marker(out.extracted_dir); marker && matches(p, *marker)) {
    auto info = package::read_package_info_dir(out.extracted_dir);
    if (info.ok()) {
      out.sha256 = marker->sha256;
      out.md5 = marker->md5;
      out.size = marker->size;
      out.hit = CacheHit::extracted;
      out.info = std::move(info).value();
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
    if (options.offline == Offline::yes && !is_file_url(p.url)) {
      return Error{
          ErrorKind::network,
          label,
          "not in the package cache " + options.pkgs_dir + " and --offline forbids downloading"};
    }
    channel::ExpectedFile expected{p.sha256, p.md5, std::nullopt};
    if (p.size) expected.size = static_cast<uint64_t>(*p.size);
    auto fetched = channel::download_file(p.url, out.archive_path, expected, options.download);
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
  auto extracted = package::extract_package(out.archive_path, out.extracted_dir);
  if (!extracted.ok()) return extracted.take_error().wrapped(label);
  json marker = {{"sha256", out.sha256}, {"md5", out.md5}, {"size", out.size}, {"url", p.url}};
  ENVLOCK_TRY_VOID(fsu::make_dirs(out.extracted_dir + "/info"));
  ENVLOCK_TRY_VOID(
      write_file_atomic(out.extracted_dir + k_marker, marker.dump(2), Durability::no_fsync));
  auto info = package::read_package_info_dir(out.extracted_dir);
  if (!info.ok()) return info.take_error().wrapped(label);
  out.info = std::move(info).value();
  return out;
}

}  // namespace envlock::install
