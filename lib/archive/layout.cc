#include "lib/archive/layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/archive/tar.h"
#include "lib/channel/identity.h"
#include "lib/channel/url.h"
#include "lib/hash/hash.h"
#include "lib/package/package.h"
#include "lib/util/file.h"
#include "lib/util/text.h"

namespace envlock::archive {

namespace fs = std::filesystem;
using nlohmann::json;

std::string channel_folder(std::string_view channel_url) {
  std::string id = channel::channel_identity(channel_url);
  if (id.rfind("file://", 0) == 0) id = "file" + id.substr(7);
  std::string out;
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      // No '%': the folder is also written into file:// URLs, which are percent-decoded.
      out += c == '/' ? '+' : '_';
    }
  }
  while (!out.empty() && out.front() == '.') out.erase(0, 1);  // never "." or ".."
  if (out.empty()) out = "channel";
  if (out.size() > 200) {
    out = out.substr(0, 183) + "-" + hash::hex_digest(hash::Algorithm::sha256, id).substr(0, 16);
  }
  return out;
}

bool is_safe_relative_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!package::is_safe_path_component(part)) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Result<std::string> member_path(const lockfile::LockedPackage& p) {
  const std::string label = p.name.empty() ? p.url : p.name + "-" + p.version;
  auto bad = [&](const std::string& why) {
    return Error{ErrorKind::input, printable(channel::redact_url(label)), why};
  };
  if (p.url.empty()) return bad("the lock records no URL for it");
  const std::string url = channel::without_credentials(p.url);
  if (p.manager == lockfile::Manager::pip) {
    std::string file = channel::percent_decode(lockfile::url_filename(url));
    if (!package::is_safe_path_component(file)) {
      return bad("URL does not end in a safe file name: " + printable(channel::redact_url(url)));
    }
    return std::string(k_pypi) + "/" + file;
  }
  auto split = channel::split_package_url(url);
  if (!split || !package::is_safe_path_component(split->filename) ||
      !package::is_safe_path_component(split->subdir)) {
    return bad("URL is not <channel>/<subdir>/<package file>: " +
               printable(channel::redact_url(url)));
  }
  return std::string(k_channels) + "/" + channel_folder(split->channel) + "/" + split->subdir +
         "/" + split->filename;
}

std::string render_manifest(const Manifest& m) {
  json files = json::array();
  for (const auto& f : m.files) {
    files.push_back(json{{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
  }
  json doc{{"format", k_manifest_format},
           {"version", k_manifest_version},
           {"envlock_version", m.envlock_version},
           {"created", m.created},
           {"lock", m.lock},
           {"platforms", m.platforms},
           {"files", std::move(files)}};
  return doc.dump(2) + "\n";  // nlohmann's objects are sorted maps: keys in byte order
}

Result<Manifest> parse_manifest(std::string_view text, const std::string& where) {
  auto bad = [&](const std::string& why) { return Error{ErrorKind::input, where, why}; };
  if (text.size() > k_max_manifest_bytes) return bad("larger than the limit for a manifest");
  ENVLOCK_TRY_VOID(check_json_nesting(text, where));
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return bad("not a JSON object");
  if (doc.value("format", "") != k_manifest_format || !doc.contains("version") ||
      !doc["version"].is_number_integer()) {
    return bad("not an envlock archive manifest (no \"format\": \"envlock-archive\")");
  }
  if (doc["version"].get<int64_t>() != k_manifest_version) {
    return bad("manifest version " + std::to_string(doc["version"].get<int64_t>()) +
               " is not one this envlock reads (1)");
  }
  Manifest m;
  auto str = [&](const char* key) -> Result<std::string> {
    if (!doc.contains(key) || !doc[key].is_string()) {
      return bad(std::string("\"") + key + "\" must be a string");
    }
    return doc[key].get<std::string>();
  };
  ENVLOCK_TRY(version, str("envlock_version"));
  ENVLOCK_TRY(created, str("created"));
  ENVLOCK_TRY(lock, str("lock"));
  m.envlock_version = std::move(version);
  m.created = std::move(created);
  m.lock = std::move(lock);
  if (!package::is_safe_path_component(m.lock) || m.lock == k_manifest) {
    return bad("\"lock\" is not a file name: '" + printable(m.lock) + "'");
  }
  if (doc.contains("platforms") && doc["platforms"].is_array()) {
    for (const auto& p : doc["platforms"]) {
      if (p.is_string()) m.platforms.push_back(p.get<std::string>());
    }
  }
  if (!doc.contains("files") || !doc["files"].is_array()) return bad("\"files\" must be a list");
  const auto& files = doc["files"];
  if (files.size() > k_max_manifest_files) return bad("lists more files than the limit");
  std::set<std::string> seen;
  for (const auto& f : files) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("sha256") ||
        !f["sha256"].is_string() || !f.contains("size") || !f["size"].is_number_unsigned()) {
      return bad("every file needs a string path, a string sha256 and a size");
    }
    ManifestEntry e{
        f["path"].get<std::string>(), f["sha256"].get<std::string>(), f["size"].get<uint64_t>()};
    if (!is_safe_relative_path(e.path) || e.path == k_manifest) {
      return bad("file path '" + printable(e.path) + "' is not a path inside the archive");
    }
    if (!hash::is_hex_digest(hash::Algorithm::sha256, e.sha256)) {
      return bad("file " + printable(e.path) + ": sha256 is not a sha256");
    }
    e.sha256 = hash::normalize_hex(e.sha256);
    if (!seen.insert(e.path).second) return bad("file " + printable(e.path) + " is listed twice");
    m.files.push_back(std::move(e));
  }
  std::sort(
      m.files.begin(), m.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return m;
}

OpenedArchive::OpenedArchive(OpenedArchive&& other) noexcept
    : m_root(std::move(other.m_root)),
      m_name(std::move(other.m_name)),
      m_manifest(std::move(other.m_manifest)),
      m_owned(other.m_owned),
      m_registration(std::move(other.m_registration)) {
  other.m_owned = false;
}

OpenedArchive& OpenedArchive::operator=(OpenedArchive&& other) noexcept {
  if (this != &other) {
    remove_owned();
    m_root = std::move(other.m_root);
    m_name = std::move(other.m_name);
    m_manifest = std::move(other.m_manifest);
    m_owned = other.m_owned;
    m_registration = std::move(other.m_registration);
    other.m_owned = false;
  }
  return *this;
}

OpenedArchive::~OpenedArchive() {
  remove_owned();
}

void OpenedArchive::remove_owned() noexcept {
  if (m_owned && !m_root.empty()) {
    std::error_code ec;
    fs::remove_all(fs::path(m_root).parent_path(), ec);  // the mkdtemp folder around it
  }
  m_owned = false;
  m_registration.reset();
}

Result<OpenedArchive> OpenedArchive::open(const std::string& path, const UnpackLimits& limits,
                                          const std::string& temp_parent) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return io_error(path, "open", errno);
  OpenedArchive out;
  out.m_name = path;
  if (S_ISDIR(st.st_mode)) {
    out.m_root = fs::absolute(path).lexically_normal().string();
    while (out.m_root.size() > 1 && out.m_root.back() == '/') out.m_root.pop_back();
    ENVLOCK_TRY_VOID(out.read_manifest());
    return out;
  }
  if (!S_ISREG(st.st_mode)) {
    return Error{ErrorKind::input, path, "neither a folder nor a tar file"};
  }
  std::string parent = temp_parent;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = parent + "/envlock-archive-XXXXXX";
  if (!::mkdtemp(templ.data())) return io_error(templ, "create", errno);
  out.m_root = templ + "/archive";
  out.m_owned = true;  // removed on every return below unless moved out
  // And by an interrupt while a large tar unpacks or install runs from it.
  out.m_registration = std::make_unique<TemporaryRegistration>(templ, TemporaryKind::folder);
  if (::mkdir(out.m_root.c_str(), 0755) != 0) return io_error(out.m_root, "create", errno);
  ENVLOCK_TRY_VOID(unpack_tar(path, out.m_root, limits));
  ENVLOCK_TRY_VOID(out.read_manifest());
  return out;
}

Result<void> OpenedArchive::read_manifest() {
  auto at = regular_member(m_root, k_manifest);
  if (!at.ok()) {
    Error e = at.take_error();
    if (e.kind == ErrorKind::input) e.message += "; not an envlock archive";
    return e.wrapped(m_name);
  }
  ENVLOCK_TRY(text, read_file(*at, k_max_manifest_bytes));
  ENVLOCK_TRY(manifest, parse_manifest(text, m_name + ": " + k_manifest));
  m_manifest = std::move(manifest);
  return Ok{};
}

Result<std::string> regular_member(const std::string& root, const std::string& relative) {
  std::string at = root;
  size_t start = 0;
  while (true) {
    size_t slash = relative.find('/', start);
    at += "/" + relative.substr(start, slash == std::string::npos ? slash : slash - start);
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return Error{ErrorKind::input, printable(relative), "not in the archive"};
      }
      return io_error(at, "stat", errno);
    }
    if (S_ISLNK(st.st_mode)) {
      return Error{ErrorKind::input,
                   printable(relative),
                   "is a symlink in the archive; refusing to follow it"};
    }
    if (slash == std::string::npos) {
      if (!S_ISREG(st.st_mode)) {
        return Error{ErrorKind::input, printable(relative), "is not a regular file"};
      }
      return at;
    }
    if (!S_ISDIR(st.st_mode)) {
      return Error{ErrorKind::input, printable(relative), "not in the archive"};
    }
    start = slash + 1;
  }
}

Result<std::map<std::string, std::string>> locate_packages(
    const OpenedArchive& archive, const std::vector<lockfile::LockedPackage>& packages) {
  std::map<std::string, std::string> out;
  for (const auto& p : packages) {
    if (out.count(p.url)) continue;
    const std::string label = p.name + "-" + p.version + "-" + p.build;
    ENVLOCK_TRY(relative, member_path(p));
    auto full = regular_member(archive.root(), relative);
    if (!full.ok()) {
      Error e = full.take_error();
      if (e.kind != ErrorKind::input) return e;
      return Error{ErrorKind::input,
                   printable(label),
                   relative + " " + e.message + " " + printable(archive.name())};
    }
    if (p.sha256.empty() && p.md5.empty()) {
      return Error{ErrorKind::input,
                   printable(label),
                   "the lock records no sha256 or md5; refusing unverified bytes"};
    }
    ENVLOCK_TRY(d, hash::digest_file(*full, {hash::Algorithm::sha256, hash::Algorithm::md5}));
    const bool by_sha = !p.sha256.empty();
    const std::string want = hash::normalize_hex(by_sha ? p.sha256 : p.md5);
    const std::string& got = by_sha ? d.hex[0] : d.hex[1];
    if (got != want || (p.size && static_cast<uint64_t>(*p.size) != d.size)) {
      return Error{ErrorKind::input,
                   printable(label),
                   relative + " in the archive " + printable(archive.name()) +
                       " is not the locked file (" + (by_sha ? "sha256" : "md5") + " expected " +
                       want + ", found " + got + "; size " + std::to_string(d.size) +
                       "); refusing it"};
    }
    out.emplace(p.url, std::move(full).value());
  }
  return out;
}

}  // namespace envlock::archive
