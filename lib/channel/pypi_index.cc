#include "lib/channel/pypi_index.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/channel/download.h"
#include "lib/channel/headers.h"
#include "lib/channel/http_client.h"
#include "lib/hash/hash.h"
#include "lib/pypi/metadata.h"
#include "lib/pypi/name.h"
#include "lib/pypi/tags.h"
#include "lib/pypi/version.h"
#include "lib/pypi/wheel.h"
#include "lib/util/file.h"
#include "lib/util/parallel.h"
#include "lib/util/text.h"

namespace envlock::channel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* k_json_type = "application/vnd.pypi.simple.v1+json";
// pip's Accept header: JSON preferred, HTML accepted.
constexpr const char* k_accept_any =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01";
constexpr const char* k_accept_html = "application/vnd.pypi.simple.v1+html, text/html";
constexpr size_t k_max_text = 1024;  // yanked reasons, requires-python

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hex64(uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Untrusted short text that may reach a terminal: bounded and printable.
std::string safe_text(std::string_view text) {
  return printable(text.substr(0, k_max_text));
}

// Whether the path of `url` (before any query or fragment) ends with '/'.
bool path_has_trailing_slash(std::string_view url) {
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  size_t authority = path.find("://");
  if (authority != std::string_view::npos) path = path.substr(authority + 3);
  return path.find('/') != std::string_view::npos && path.back() == '/';
}

// `url` without credentials, keeping a trailing '/' (which relative links depend on).
std::string clean_url(std::string_view url) {
  if (!has_scheme(url)) return std::string(url);
  auto parts = split_url(url);
  if (!parts) return std::string(url);
  std::string out = parts->stripped();
  if (path_has_trailing_slash(url) && (out.empty() || out.back() != '/')) out += '/';
  return out;
}

// `url` without a "user:password@" in its authority; the path is kept byte for byte (a file's
// path may hold "/t/<name>/", which is no anaconda.org token there).
std::string strip_userinfo(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::string(url);
  size_t end = url.find_first_of("/?#", sep + 3);
  std::string_view authority =
      url.substr(sep + 3, end == std::string_view::npos ? end : end - sep - 3);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, sep + 3)) + std::string(url.substr(sep + 3 + at + 1));
}

std::string ensure_slash(std::string url) {
  if (url.empty() || url.back() != '/') url += '/';
  return url;
}

// A file name from an index: a plain name, no path, nothing a file system or terminal treats
// specially.
bool is_plain_filename(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// "1.x" → ok; another major version is a format we do not know (PEP 629/691: clients fail).
Result<void> check_api_version(std::string_view version, std::string_view where) {
  std::string_view major = version.substr(0, version.find('.'));
  if (major == "1") return Ok{};
  return Error{
      ErrorKind::input,
      std::string(where),
      "unsupported simple-repository API version '" + safe_text(version) + "' (envlock reads 1.x)"};
}

Result<std::string> checked_sha256(std::string_view value, std::string_view what,
                                   std::string_view where) {
  std::string hex = hash::normalize_hex(value);
  if (!hash::is_hex_digest(hash::Algorithm::sha256, hex)) {
    return Error{ErrorKind::input,
                 std::string(where),
                 std::string(what) + ": '" + safe_text(value) + "' is not a sha256 digest"};
  }
  return hex;
}

// The last path component of `url`, percent-decoded (PEP 503: the file name).
std::string url_filename(std::string_view url) {
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  size_t slash = path.rfind('/');
  return percent_decode(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// ---- URL resolution (RFC 3986 §5.2) ---------------------------------------------------------

std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  const bool absolute = !path.empty() && path[0] == '/';
  if (absolute) i = 1;
  bool trailing = false;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    std::string_view seg =
        path.substr(i, slash == std::string_view::npos ? std::string_view::npos : slash - i);
    trailing = false;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing = true;
    } else if (seg == ".") {
      trailing = true;
    } else {
      out.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    i = slash + 1;
  }
  std::string result = absolute ? "/" : "";
  for (size_t k = 0; k < out.size(); ++k) {
    if (k > 0) result += '/';
    result += out[k];
  }
  if (trailing && (result.empty() || result.back() != '/')) result += '/';
  return result;
}

// ---- HTML -----------------------------------------------------------------------------------

// HTML character references: the five named ones pages use and numeric ones; anything else is
// kept as written.
std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    size_t semi = text.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += '&';
      continue;
    }
    std::string_view name = text.substr(i + 1, semi - i - 1);
    if (name == "amp") {
      out += '&';
    } else if (name == "lt") {
      out += '<';
    } else if (name == "gt") {
      out += '>';
    } else if (name == "quot") {
      out += '"';
    } else if (name == "apos") {
      out += '\'';
    } else if (name.size() >= 2 && name[0] == '#') {
      bool hex = name[1] == 'x' || name[1] == 'X';
      std::string_view digits = name.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      bool ok = !digits.empty();
      for (char c : digits) {
        int v = (c >= '0' && c <= '9')          ? c - '0'
                : (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (hex && c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                : -1;
        if (v < 0) {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
        if (cp > 0x10FFFF) cp = 0x110000;  // stays out of range without overflowing
      }
      if (!ok) {
        out += '&';
        continue;
      }
      append_utf8(out, cp);
    } else {
      out += '&';
      continue;
    }
    i = semi;
  }
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

struct Tag {
  std::string name;                                             // lowercase
  std::vector<std::pair<std::string, std::string>> attributes;  // names lowercase, decoded
  bool has(std::string_view key) const {
    for (const auto& [k, v] : attributes) {
      if (k == key) return true;
    }
    return false;
  }
  std::string get(std::string_view key) const {
    for (const auto& [k, v] : attributes) {
      if (k == key) return v;
    }
    return "";
  }
};

// Reads the tag starting at text[i] == '<' (not a comment); returns the index after its '>'
// (text.size() when unterminated).
size_t read_tag(std::string_view text, size_t i, Tag* tag) {
  size_t j = i + 1;
  tag->name.clear();
  tag->attributes.clear();
  while (j < text.size() && !is_space(text[j]) && text[j] != '>' && text[j] != '/') {
    tag->name += lower(text[j++]);
  }
  while (j < text.size()) {
    while (j < text.size() && (is_space(text[j]) || text[j] == '/')) ++j;
    if (j >= text.size()) break;
    if (text[j] == '>') return j + 1;
    std::string key;
    while (j < text.size() && !is_space(text[j]) && text[j] != '=' && text[j] != '>' &&
           text[j] != '/') {
      key += lower(text[j++]);
    }
    while (j < text.size() && is_space(text[j])) ++j;
    std::string value;
    if (j < text.size() && text[j] == '=') {
      ++j;
      while (j < text.size() && is_space(text[j])) ++j;
      if (j < text.size() && (text[j] == '"' || text[j] == '\'')) {
        char quote = text[j++];
        size_t end = text.find(quote, j);
        if (end == std::string_view::npos) end = text.size();
        value = decode_entities(text.substr(j, end - j));
        j = end + 1;
      } else {
        size_t start = j;
        while (j < text.size() && !is_space(text[j]) && text[j] != '>') ++j;
        value = decode_entities(text.substr(start, j - start));
      }
    }
    // At most 64 attributes are kept: a real anchor has five.
    if (!key.empty() && tag->attributes.size() < 64) tag->attributes.emplace_back(key, value);
  }
  return text.size();
}

// The value of a "sha256=<hex>" PEP 658/714 attribute or a "#sha256=<hex>" fragment part.
Result<std::string> hash_from_pair(std::string_view pair, std::string_view what,
                                   std::string_view where) {
  size_t eq = pair.find('=');
  if (eq == std::string_view::npos || pair.substr(0, eq) != "sha256") return std::string();
  return checked_sha256(pair.substr(eq + 1), what, where);
}

// ---- page cache -----------------------------------------------------------------------------

struct PageInfo {
  std::string url;        // credential-free page URL
  std::string final_url;  // credential-free URL after redirects (relative links resolve here)
  std::string kind;       // "json", "html" or "absent"
  std::string etag, last_modified, cache_control;
  uint64_t size = 0;
  std::string xxh3;
  int64_t fetched_at = 0;
};

class PageCache {
 public:
  explicit PageCache(std::string root) : m_dir(std::move(root) + "/pypi/pages") {}

  std::string key(std::string_view url) const { return hex64(hash::xxh3_64(clean_url(url))); }
  std::string body_path(std::string_view url) const { return m_dir + "/" + key(url) + ".body"; }
  std::string info_path(std::string_view url) const {
    return m_dir + "/" + key(url) + ".info.json";
  }

  std::optional<PageInfo> load_info(std::string_view url) const {
    auto text = read_file(info_path(url), 1 << 20);
    if (!text) return std::nullopt;
    try {
      json j = json::parse(*text);
      PageInfo info;
      info.url = j.value("url", "");
      info.final_url = j.value("final_url", "");
      info.kind = j.value("kind", "");
      info.etag = j.value("etag", "");
      info.last_modified = j.value("last_modified", "");
      info.cache_control = j.value("cache_control", "");
      info.size = j.value("size", uint64_t{0});
      info.xxh3 = j.value("xxh3", "");
      info.fetched_at = j.value("fetched_at", int64_t{0});
      if (info.url != clean_url(url)) return std::nullopt;  // a key collision
      return info;
    } catch (const json::exception&) {
      return std::nullopt;
    }
  }

  // The cached body when it matches its sidecar (a torn or altered entry counts as missing).
  std::optional<std::string> load_body(std::string_view url, const PageInfo& info,
                                       uint64_t max_bytes) const {
    if (info.kind == "absent") return std::string();
    auto body = read_file(body_path(url), max_bytes);
    if (!body || body->size() != info.size || hex64(hash::xxh3_64(*body)) != info.xxh3) {
      return std::nullopt;
    }
    return std::move(body).value();
  }

  Result<void> store(PageInfo info, std::string_view body) const {
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec) return Error{ErrorKind::io, m_dir, "cannot create: " + ec.message()};
    info.size = body.size();
    info.xxh3 = hex64(hash::xxh3_64(body));
    // The body first: a crash between the two leaves a sidecar that no longer matches.
    ENVLOCK_TRY_VOID(write_file_atomic(body_path(info.url), body, Durability::no_fsync));
    return store_info(info);
  }

  Result<void> store_info(const PageInfo& info) const {
    json j = {{"url", clean_url(info.url)},
              {"final_url", clean_url(info.final_url)},
              {"kind", info.kind},
              {"etag", info.etag},
              {"last_modified", info.last_modified},
              {"cache_control", info.cache_control},
              {"size", info.size},
              {"xxh3", info.xxh3},
              {"fetched_at", info.fetched_at}};
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec) return Error{ErrorKind::io, m_dir, "cannot create: " + ec.message()};
    return write_file_atomic(info_path(info.url), j.dump(2) + "\n", Durability::no_fsync);
  }

 private:
  std::string m_dir;
};

// One configured index.
struct IndexEntry {
  std::string clean;       // credential-free, ends with '/'
  std::string redacted;    // for messages, ends with '/'
  std::string with_creds;  // as configured (credentials, ${VAR} templates), ends with '/'
  UrlParts parts;          // of with_creds
};

// One page as fetched or cached.
struct Page {
  std::string kind;  // "json", "html", "absent"
  std::string body;
  std::string final_url;  // credential-free
  PageSource source = PageSource::network;
  int requests = 0;
};

std::string content_kind(std::string_view content_type, std::string_view body) {
  std::string type;
  for (char c : content_type.substr(0, content_type.find(';'))) {
    if (!is_space(c)) type += lower(c);
  }
  if (type == k_json_type || type == "application/json") return "json";
  if (type == "text/html" || type == "application/vnd.pypi.simple.v1+html") return "html";
  // A static file server that does not know the type: the first byte tells.
  size_t b = body.find_first_not_of(" \t\r\n");
  if (b != std::string_view::npos && body[b] == '{') return "json";
  if (b != std::string_view::npos && body[b] == '<') return "html";
  return "";
}

}  // namespace

std::string resolve_url(std::string_view base, std::string_view reference) {
  reference = reference.substr(0, reference.find('#'));
  if (has_scheme(reference)) return std::string(reference);
  size_t scheme_end = base.find("://");
  if (scheme_end == std::string_view::npos) return std::string(reference);
  std::string_view scheme = base.substr(0, scheme_end);
  if (starts_with(reference, "//")) return std::string(scheme) + ":" + std::string(reference);
  size_t path_start = base.find('/', scheme_end + 3);
  std::string_view authority = base.substr(0, path_start);
  std::string_view base_path =
      path_start == std::string_view::npos ? std::string_view("/") : base.substr(path_start);
  base_path = base_path.substr(0, base_path.find_first_of("?#"));
  if (reference.empty()) return std::string(base.substr(0, base.find('#')));
  if (reference[0] == '?')
    return std::string(authority) + std::string(base_path) + std::string(reference);
  std::string_view ref_path = reference.substr(0, reference.find('?'));
  std::string_view query =
      reference.find('?') == std::string_view::npos ? "" : reference.substr(reference.find('?'));
  std::string merged;
  if (!ref_path.empty() && ref_path[0] == '/') {
    merged = std::string(ref_path);
  } else {
    merged = std::string(base_path.substr(0, base_path.rfind('/') + 1)) + std::string(ref_path);
  }
  return std::string(authority) + remove_dot_segments(merged) + std::string(query);
}

Result<std::vector<PypiFile>> parse_simple_json(std::string_view body, std::string_view page_url,
                                                std::string_view where, size_t max_files) {
  const std::string at(where);
  ENVLOCK_TRY_VOID(check_json_nesting(body, at, 16));
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::exception& e) {
    return Error{ErrorKind::input, at, std::string("not a PEP 691 JSON page: ") + e.what()};
  }
  auto bad = [&](const std::string& why) {
    return Error{ErrorKind::input, at, "not a PEP 691 JSON page: " + why};
  };
  if (!doc.is_object()) return bad("not a JSON object");
  if (!doc.contains("meta") || !doc["meta"].is_object() || !doc["meta"].contains("api-version") ||
      !doc["meta"]["api-version"].is_string()) {
    return bad("no meta.api-version");
  }
  ENVLOCK_TRY_VOID(check_api_version(doc["meta"]["api-version"].get<std::string>(), at));
  if (!doc.contains("files") || !doc["files"].is_array()) return bad("no files list");
  const auto& files = doc["files"];
  if (files.size() > max_files) {
    return Error{ErrorKind::input,
                 at,
                 "lists " + std::to_string(files.size()) + " files, more than the limit of " +
                     std::to_string(max_files)};
  }
  std::vector<PypiFile> out;
  out.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    const std::string which = "files[" + std::to_string(i) + "]";
    if (!f.is_object()) return bad(which + " is not an object");
    if (!f.contains("filename") || !f["filename"].is_string() || !f.contains("url") ||
        !f["url"].is_string()) {
      return bad(which + " needs a filename and a url");
    }
    PypiFile file;
    file.filename = f["filename"].get<std::string>();
    if (!is_plain_filename(file.filename)) {
      return bad(which + ": '" + safe_text(file.filename) + "' is not a plain file name");
    }
    file.url = strip_userinfo(resolve_url(page_url, f["url"].get<std::string>()));
    if (f.contains("hashes")) {
      if (!f["hashes"].is_object()) return bad(which + ".hashes is not an object");
      if (f["hashes"].contains("sha256")) {
        if (!f["hashes"]["sha256"].is_string()) return bad(which + ".hashes.sha256 not a string");
        ENVLOCK_TRY(
            sha,
            checked_sha256(f["hashes"]["sha256"].get<std::string>(), which + ".hashes.sha256", at));
        file.sha256 = std::move(sha);
      }
    }
    if (f.contains("size") && !f["size"].is_null()) {
      if (!f["size"].is_number_unsigned()) return bad(which + ".size is not a byte count");
      file.size = f["size"].get<uint64_t>();
    }
    if (f.contains("requires-python") && f["requires-python"].is_string()) {
      file.requires_python = safe_text(f["requires-python"].get<std::string>());
    }
    if (f.contains("yanked")) {
      const auto& y = f["yanked"];
      if (y.is_boolean()) {
        file.yanked = y.get<bool>();
      } else if (y.is_string()) {
        file.yanked = true;
        file.yanked_reason = safe_text(y.get<std::string>());
      } else if (!y.is_null()) {
        return bad(which + ".yanked is neither a boolean nor a string");
      }
    }
    // PEP 714: "core-metadata" is the key; "dist-info-metadata" the older one.
    for (const char* key : {"core-metadata", "dist-info-metadata"}) {
      if (!f.contains(key)) continue;
      const auto& m = f[key];
      if (m.is_boolean()) {
        file.has_metadata = m.get<bool>();
      } else if (m.is_object()) {
        file.has_metadata = true;
        if (m.contains("sha256") && m["sha256"].is_string()) {
          ENVLOCK_TRY(
              sha,
              checked_sha256(m["sha256"].get<std::string>(), which + "." + key + ".sha256", at));
          file.metadata_sha256 = std::move(sha);
        }
      } else if (!m.is_null()) {
        return bad(which + "." + key + " is neither a boolean nor an object");
      }
      break;
    }
    out.push_back(std::move(file));
  }
  return out;
}

Result<std::vector<PypiFile>> parse_simple_html(std::string_view body, std::string_view page_url,
                                                std::string_view where, size_t max_files) {
  const std::string at(where);
  std::vector<PypiFile> out;
  std::string base(page_url);
  bool saw_html = false;
  Tag tag;
  size_t i = 0;
  while ((i = body.find('<', i)) != std::string_view::npos) {
    if (body.substr(i, 4) == "<!--") {
      size_t end = body.find("-->", i + 4);
      i = end == std::string_view::npos ? body.size() : end + 3;
      continue;
    }
    const size_t start = i;
    i = read_tag(body, i, &tag);
    if (tag.name.empty() || tag.name[0] == '/' || tag.name[0] == '!') {
      saw_html = saw_html || iequals(body.substr(start, 9), "<!doctype");
      continue;
    }
    saw_html = true;
    if (tag.name == "base" && tag.has("href")) {
      base = resolve_url(page_url, tag.get("href"));
    } else if (tag.name == "meta" && tag.get("name") == "pypi:repository-version") {
      ENVLOCK_TRY_VOID(check_api_version(tag.get("content"), at));
    } else if (tag.name == "a" && tag.has("href")) {
      if (out.size() >= max_files) {
        return Error{ErrorKind::input,
                     at,
                     "lists more files than the limit of " + std::to_string(max_files)};
      }
      // The position is found only for an error: counting lines for every anchor would make
      // a large page quadratic.
      auto located = [&](Error e) {
        const auto [line, column] = line_column(body, start);
        e.where = at + ":" + std::to_string(line) + ":" + std::to_string(column);
        return e;
      };
      const std::string href = tag.get("href");
      PypiFile file;
      file.url = strip_userinfo(resolve_url(base, href));
      // A link to a folder ("../", a static server's listing) is no file: skipped.
      if (path_has_trailing_slash(file.url)) continue;
      file.filename = url_filename(file.url);
      if (!is_plain_filename(file.filename)) {
        return located(Error{
            ErrorKind::input, at, "'" + safe_text(file.filename) + "' is not a plain file name"});
      }
      size_t hash_at = href.find('#');
      if (hash_at != std::string::npos) {
        auto sha = hash_from_pair(std::string_view(href).substr(hash_at + 1), "#sha256", at);
        if (!sha) return located(sha.take_error());
        file.sha256 = std::move(sha).value();
      }
      if (tag.has("data-requires-python")) {
        file.requires_python = safe_text(tag.get("data-requires-python"));
      }
      if (tag.has("data-yanked")) {
        file.yanked = true;
        file.yanked_reason = safe_text(tag.get("data-yanked"));
      }
      const char* key = tag.has("data-core-metadata")        ? "data-core-metadata"
                        : tag.has("data-dist-info-metadata") ? "data-dist-info-metadata"
                                                             : nullptr;
      if (key != nullptr) {
        std::string value = tag.get(key);
        file.has_metadata = value != "false";
        auto sha = hash_from_pair(value, key, at);
        if (!sha) return located(sha.take_error());
        file.metadata_sha256 = std::move(sha).value();
      }
      out.push_back(std::move(file));
    }
  }
  if (!saw_html) {
    return Error{ErrorKind::input, at, "not a PEP 503 HTML page (no HTML tags)"};
  }
  return out;
}

// A wheel's METADATA must name the distribution its file name does (pip refuses the
// mismatch too): an index cannot slip another project's dependencies in.
Result<void> agrees_with_filename(const PypiFile& file, std::string_view bytes) {
  auto wheel = pypi::parse_wheel_filename(file.filename);
  if (!wheel) return Ok{};  // not a wheel: nothing to compare with
  const std::string where = redact_url(file.url);
  auto meta = pypi::parse_metadata(bytes);
  if (!meta) return meta.take_error().wrapped(where);
  auto version = pypi::Version::parse(meta->version);
  const std::string normalized = version ? version->str() : meta->version;
  if (pypi::normalize_name(meta->name) != wheel->name || normalized != wheel->version) {
    return Error{ErrorKind::input,
                 where,
                 "its METADATA names " + safe_text(meta->name) + " " + safe_text(meta->version) +
                     ", the file name " + wheel->name + " " + wheel->version};
  }
  return Ok{};
}

// ---- the client -----------------------------------------------------------------------------

struct PypiIndex::Impl {
  // Keep-alive connections, one set per concurrent project() call.
  class Lease {
   public:
    explicit Lease(const Impl& impl) : m_impl(impl) {
      std::lock_guard lock(impl.idle_mutex);
      if (!impl.idle.empty()) {
        m_connections = std::move(impl.idle.back());
        impl.idle.pop_back();
      } else {
        m_connections = std::make_unique<detail::Connections>();
      }
      m_opened_before = m_connections->opened();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      std::lock_guard lock(m_impl.idle_mutex);
      m_impl.opened_total += m_connections->opened() - m_opened_before;
      m_impl.idle.push_back(std::move(m_connections));
    }
    detail::Connections* get() { return m_connections.get(); }

   private:
    const Impl& m_impl;
    std::unique_ptr<detail::Connections> m_connections;
    int m_opened_before = 0;
  };

  mutable std::mutex idle_mutex;
  mutable std::vector<std::unique_ptr<detail::Connections>> idle;
  mutable int opened_total = 0;

  PypiIndexOptions options;
  std::vector<IndexEntry> indexes;
  PageCache cache;
  EnvLookup env;
  std::string cache_root;

  Impl(PypiIndexOptions o, std::string root)
      : options(std::move(o)), cache(root), cache_root(std::move(root)) {
    env = options.env ? options.env : process_env();
  }

  // `clean` (credential-free) with the credentials of the index on the same scheme and host.
  std::string with_credentials(const std::string& clean) const {
    auto parts = split_url(clean);
    if (!parts) return clean;
    for (const auto& index : indexes) {
      if (index.parts.scheme != parts->scheme || index.parts.host != parts->host) continue;
      std::string out = index.parts.scheme + "://";
      if (index.parts.has_userinfo) {
        out += index.parts.user;
        if (!index.parts.password.empty()) out += ":" + index.parts.password;
        out += "@";
      }
      out += index.parts.host;
      if (!index.parts.token.empty()) out += "/t/" + index.parts.token;
      size_t path = clean.find('/', clean.find("://") + 3);
      return out + (path == std::string::npos ? "" : clean.substr(path));
    }
    return clean;
  }

  Result<Page> read_local(const std::string& folder, const std::string& clean_page) const {
    Page page;
    page.final_url = clean_page;
    page.source = PageSource::network;
    for (const char* name : {"index.json", "index.html"}) {
      std::string path = folder + "/" + name;
      std::error_code ec;
      if (!fs::is_regular_file(path, ec)) continue;
      ENVLOCK_TRY(body, read_file(path, options.max_page_bytes));
      page.body = std::move(body);
      page.kind = name == std::string("index.json") ? "json" : "html";
      return page;
    }
    page.kind = "absent";
    return page;
  }

  // One page: from the cache when allowed, else fetched (conditionally when cached).
  Result<Page> fetch_page(const IndexEntry& index, const std::string& normalized,
                          detail::Connections* connections) const {
    const std::string clean_page = index.clean + normalized + "/";
    const std::string redacted_page = index.redacted + normalized + "/";
    if (auto folder = file_url_to_path(clean_page)) return read_local(*folder, clean_page);

    std::optional<PageInfo> info = cache.load_info(clean_page);
    std::optional<std::string> cached;
    if (info) cached = cache.load_body(clean_page, *info, options.max_page_bytes);
    auto from_cache = [&](PageSource source) {
      Page page;
      page.kind = info->kind;
      page.body = std::move(*cached);
      page.final_url = info->final_url.empty() ? clean_page : info->final_url;
      page.source = source;
      return page;
    };
    if (options.offline == Offline::yes) {
      if (cached) return from_cache(PageSource::cache);
      return Error{ErrorKind::network,
                   redacted_page,
                   "not in the index cache (" + cache.body_path(clean_page) +
                       ") and --offline forbids downloading it"};
    }
    if (cached && options.freshness == CacheFreshness::trust_max_age) {
      auto age = parse_max_age(info->cache_control);
      if (age && now_seconds() - info->fetched_at < *age) return from_cache(PageSource::cache);
    }

    ENVLOCK_TRY(fetch_url, expand_env(index.with_creds + normalized + "/", env, redacted_page));
    int requests = 0;
    for (const char* accept : {k_accept_any, k_accept_html}) {
      detail::HttpRequest request{fetch_url, redacted_page, {{"Accept", accept}}};
      request.connections = connections;
      if (cached && !info->etag.empty()) request.headers.emplace_back("If-None-Match", info->etag);
      if (cached && !info->last_modified.empty()) {
        request.headers.emplace_back("If-Modified-Since", info->last_modified);
      }
      std::string body;
      detail::BodySink sink;
      sink.begin = [&] { body.clear(); };
      sink.chunk = [&](std::string_view chunk) -> Result<void> {
        if (body.size() + chunk.size() > options.max_page_bytes) {
          return Error{ErrorKind::network,
                       redacted_page,
                       "the page is larger than the limit of " +
                           std::to_string(options.max_page_bytes) + " bytes"};
        }
        body.append(chunk);
        return Ok{};
      };
      ENVLOCK_TRY(response, detail::http_get(request, options.http, sink, options.progress));
      requests += response.attempts;
      const int status = response.status;
      if (status == 406 && accept == k_accept_any) continue;  // JSON refused: ask for HTML
      if (status == 304 && cached) {
        PageInfo next = *info;
        next.fetched_at = now_seconds();
        if (!response.etag.empty()) next.etag = response.etag;
        if (!response.last_modified.empty()) next.last_modified = response.last_modified;
        if (!response.cache_control.empty()) next.cache_control = response.cache_control;
        ENVLOCK_TRY_VOID(cache.store_info(next));
        Page page = from_cache(PageSource::revalidated);
        page.requests = requests;
        return page;
      }
      PageInfo next;
      next.url = clean_page;
      next.final_url = clean_url(response.final_url.empty() ? fetch_url : response.final_url);
      next.fetched_at = now_seconds();
      Page page;
      page.final_url = next.final_url;
      page.requests = requests;
      page.source = PageSource::network;
      if (status == 404) {
        // Not on this index; remembered so that --offline gives the same answer.
        next.kind = "absent";
        ENVLOCK_TRY_VOID(cache.store(next, ""));
        page.kind = "absent";
        return page;
      }
      if (status != 200) {
        std::string why = detail::status_text(status);
        if (status == 401 || status == 403) why += " (check the index's credentials)";
        return Error{ErrorKind::network, redacted_page, why};
      }
      next.kind = content_kind(response.content_type, body);
      if (next.kind.empty()) {
        return Error{ErrorKind::input,
                     redacted_page,
                     "the answer is neither a PEP 691 JSON page nor an HTML page (Content-Type '" +
                         safe_text(response.content_type) + "')"};
      }
      // Parsed before caching: a garbage page never replaces a good cached one.
      if (next.kind == "json") {
        ENVLOCK_TRY_VOID(parse_simple_json(body, page.final_url, redacted_page, options.max_files));
      } else {
        ENVLOCK_TRY_VOID(parse_simple_html(body, page.final_url, redacted_page, options.max_files));
      }
      next.etag = response.etag;
      next.last_modified = response.last_modified;
      next.cache_control = response.cache_control;
      ENVLOCK_TRY_VOID(cache.store(next, body));
      page.kind = next.kind;
      page.body = std::move(body);
      return page;
    }
    return Error{ErrorKind::network, redacted_page, "HTTP 406 Not Acceptable for JSON and HTML"};
  }

  Result<PypiProject> project(std::string_view name) const {
    if (!pypi::is_valid_name(name)) {
      return Error{ErrorKind::usage,
                   safe_text(name),
                   "not a valid Python project name (PEP 508: letters, digits, '-', '_', '.')"};
    }
    PypiProject out;
    out.name = pypi::normalize_name(name);
    std::set<std::pair<std::string, std::string>> seen;  // (filename, sha256)
    Lease lease(*this);
    for (const auto& index : indexes) {
      ENVLOCK_TRY(page, fetch_page(index, out.name, lease.get()));
      out.http_requests += page.requests;
      out.sources.push_back(page.source);
      out.found.push_back(page.kind != "absent");
      if (page.kind == "absent") continue;
      const std::string where = index.redacted + out.name + "/";
      Result<std::vector<PypiFile>> files =
          page.kind == "json"
              ? parse_simple_json(page.body, page.final_url, where, options.max_files)
              : parse_simple_html(page.body, page.final_url, where, options.max_files);
      if (!files) return files.take_error();
      for (auto& file : *files) {
        // An absolute link that repeats the index's own token: the token is not kept.
        if (!index.parts.token.empty()) {
          const std::string segment = "/t/" + index.parts.token + "/";
          if (size_t at = file.url.find(segment); at != std::string::npos) {
            file.url.erase(at, segment.size() - 1);
          }
        }
        if (!seen.emplace(file.filename, file.sha256).second) continue;
        file.index_url = index.clean;
        out.files.push_back(std::move(file));
      }
    }
    return out;
  }

  // The METADATA read out of the wheel itself (downloaded hash-checked into the cache).
  Result<std::string> wheel_metadata(const PypiFile& file) const {
    const std::string redacted = redact_url(file.url);
    if (file.filename.size() < 4 || file.filename.substr(file.filename.size() - 4) != ".whl") {
      return Error{ErrorKind::input,
                   redacted,
                   "not a wheel and the index offers no .metadata file: its dependencies "
                   "cannot be known without building it"};
    }
    if (file.sha256.empty()) {
      return Error{ErrorKind::input,
                   redacted,
                   "the index gives no sha256 for this wheel; envlock reads only checked files"};
    }
    if (file.size && *file.size > options.max_wheel_bytes) {
      return Error{ErrorKind::input,
                   redacted,
                   "the wheel is larger than the limit of " +
                       std::to_string(options.max_wheel_bytes) + " bytes"};
    }
    const std::string path = cache_root + "/pypi/wheels/" + file.sha256 + "/" + file.filename;
    std::error_code ec;
    bool have = false;
    if (fs::is_regular_file(path, ec)) {
      auto digest = hash::hex_digest_file(hash::Algorithm::sha256, path);
      have = digest && *digest == file.sha256;
    }
    if (!have) {
      DownloadOptions download;
      download.http = options.http;
      download.progress = options.progress;
      download.env = env;
      ExpectedFile expected;
      expected.sha256 = file.sha256;
      expected.size = file.size;
      ENVLOCK_TRY_VOID(download_file(with_credentials(file.url), path, expected, download));
    }
    ENVLOCK_TRY(wheel, pypi::Wheel::open(path));
    return wheel.metadata();
  }

  std::string metadata_cache_path(const PypiFile& file) const {
    return cache_root + "/pypi/metadata/" + file.sha256 + ".metadata";
  }

  // Fetches a small file (a .metadata) into memory, bounded.
  Result<std::string> fetch_small(const std::string& clean, uint64_t max_bytes, int* status) const {
    const std::string redacted = redact_url(clean);
    if (auto local = file_url_to_path(clean)) {
      std::error_code ec;
      if (!fs::is_regular_file(*local, ec)) {
        *status = 404;
        return std::string();
      }
      *status = 200;
      return read_file(*local, max_bytes);
    }
    ENVLOCK_TRY(fetch_url, expand_env(with_credentials(clean), env, redacted));
    std::string body;
    detail::BodySink sink;
    sink.begin = [&] { body.clear(); };
    sink.chunk = [&](std::string_view chunk) -> Result<void> {
      if (body.size() + chunk.size() > max_bytes) {
        return Error{ErrorKind::network,
                     redacted,
                     "larger than the limit of " + std::to_string(max_bytes) + " bytes"};
      }
      body.append(chunk);
      return Ok{};
    };
    detail::HttpRequest request{fetch_url, redacted, {}};
    Lease lease(*this);
    request.connections = lease.get();
    ENVLOCK_TRY(response, detail::http_get(request, options.http, sink, options.progress));
    *status = response.status;
    if (response.status == 200 || response.status == 404) return body;
    std::string why = detail::status_text(response.status);
    if (response.status == 401 || response.status == 403) why += " (check the index's credentials)";
    return Error{ErrorKind::network, redacted, why};
  }
};

PypiIndex::PypiIndex(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
PypiIndex::PypiIndex(PypiIndex&&) noexcept = default;
PypiIndex& PypiIndex::operator=(PypiIndex&&) noexcept = default;
PypiIndex::~PypiIndex() = default;

Result<PypiIndex> PypiIndex::open(PypiIndexOptions options) {
  std::string root = options.cache_dir.empty() ? RepodataCache::default_dir() : options.cache_dir;
  std::vector<std::string> urls{options.index_url};
  urls.insert(urls.end(), options.extra_index_urls.begin(), options.extra_index_urls.end());
  auto impl = std::make_unique<Impl>(std::move(options), root);
  std::set<std::string> seen;
  for (const auto& url : urls) {
    auto parts = split_url(url);
    if (!parts ||
        (parts->scheme != "http" && parts->scheme != "https" && parts->scheme != "file")) {
      return Error{ErrorKind::usage,
                   redact_url(url),
                   "an index URL must be an http://, https:// or file:// URL"};
    }
    IndexEntry entry;
    entry.with_creds = ensure_slash(url);
    entry.clean = ensure_slash(clean_url(url));
    entry.redacted = ensure_slash(redact_url(url));
    entry.parts = *parts;
    if (!seen.insert(entry.clean).second) continue;  // the same index twice: asked once
    impl->indexes.push_back(std::move(entry));
  }
  return PypiIndex(std::move(impl));
}

std::vector<std::string> PypiIndex::index_urls() const {
  std::vector<std::string> out;
  for (const auto& index : m_impl->indexes) out.push_back(index.clean);
  return out;
}

int PypiIndex::connections_opened() const {
  std::lock_guard lock(m_impl->idle_mutex);
  return m_impl->opened_total;
}

Result<PypiProject> PypiIndex::project(std::string_view name) const {
  return m_impl->project(name);
}

std::vector<Result<PypiProject>> PypiIndex::projects(const std::vector<std::string>& names) const {
  // The same normalised name twice is fetched once (two threads would race on one cache entry).
  std::vector<std::string> unique;
  std::vector<size_t> slot(names.size());
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string key =
        pypi::is_valid_name(names[i]) ? pypi::normalize_name(names[i]) : "\x01" + names[i];
    auto [it, inserted] = position.emplace(key, unique.size());
    if (inserted) unique.push_back(names[i]);
    slot[i] = it->second;
  }
  std::vector<std::optional<Result<PypiProject>>> results(unique.size());
  const unsigned jobs = m_impl->options.jobs == 0 ? 8 : m_impl->options.jobs;
  parallel_for(unique.size(),
               std::min<unsigned>(jobs, std::max<size_t>(unique.size(), 1)),
               [&](size_t i) { results[i].emplace(m_impl->project(unique[i])); });
  std::vector<Result<PypiProject>> out;
  out.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) out.push_back(*results[slot[i]]);
  return out;
}

Result<std::string> PypiIndex::metadata(const PypiFile& file) const {
  const Impl& impl = *m_impl;
  const std::string redacted = redact_url(file.url);
  const bool cacheable = hash::is_hex_digest(hash::Algorithm::sha256, file.sha256);
  auto check = [&](const std::string& bytes, const std::string& where) -> Result<void> {
    if (file.metadata_sha256.empty()) return Ok{};
    std::string actual = hash::hex_digest(hash::Algorithm::sha256, bytes);
    if (actual == file.metadata_sha256) return Ok{};
    return Error{
        ErrorKind::input,
        where,
        "sha256 mismatch: the index announced " + file.metadata_sha256 + ", got " + actual};
  };
  if (cacheable) {
    if (auto cached = read_file(impl.metadata_cache_path(file), impl.options.max_metadata_bytes);
        cached && check(*cached, redacted)) {
      return std::move(cached).value();
    }
  }
  if (impl.options.offline == Offline::yes) {
    return Error{ErrorKind::network,
                 redacted,
                 "its METADATA is not in the cache and --offline forbids downloading it"};
  }
  std::optional<std::string> bytes;
  if (file.has_metadata) {
    int status = 0;
    ENVLOCK_TRY(body,
                impl.fetch_small(file.url + ".metadata", impl.options.max_metadata_bytes, &status));
    if (status == 200) {
      ENVLOCK_TRY_VOID(check(body, redacted + ".metadata"));
      bytes = std::move(body);
    }
  }
  if (!bytes) {
    ENVLOCK_TRY(from_wheel, impl.wheel_metadata(file));
    bytes = std::move(from_wheel);
  }
  ENVLOCK_TRY_VOID(agrees_with_filename(file, *bytes));
  if (cacheable) {
    std::error_code ec;
    fs::create_directories(impl.cache_root + "/pypi/metadata", ec);
    if (ec) return Error{ErrorKind::io, impl.cache_root + "/pypi/metadata", ec.message()};
    ENVLOCK_TRY_VOID(
        write_file_atomic(impl.metadata_cache_path(file), *bytes, Durability::no_fsync));
  }
  return std::move(*bytes);
}

Result<void> PypiIndex::download(const PypiFile& file, const std::string& dest_path) const {
  const Impl& impl = *m_impl;
  if (file.sha256.empty()) {
    return Error{ErrorKind::input,
                 redact_url(file.url),
                 "the index gives no sha256 for this file; envlock downloads only checked files"};
  }
  DownloadOptions options;
  options.http = impl.options.http;
  options.progress = impl.options.progress;
  options.env = impl.env;
  ExpectedFile expected;
  expected.sha256 = file.sha256;
  expected.size = file.size;
  return download_file(impl.with_credentials(file.url), dest_path, expected, options);
}

}  // namespace envlock::channel
