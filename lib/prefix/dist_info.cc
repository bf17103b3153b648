#include "lib/prefix/dist_info.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/hash/hash.h"
#include "lib/pypi/metadata.h"
#include "lib/pypi/record.h"
#include "lib/util/file.h"

namespace envlock::prefix {
namespace {

bool safe_relative(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.find('\\') != std::string_view::npos ||
      p.find('\0') != std::string_view::npos)
    return false;
  std::string wrapped = "/" + std::string(p) + "/";
  return wrapped.find("/../") == std::string::npos;
}

// `base/rel` made lexically normal; nullopt when it leaves the root ('..' above it) or `rel`
// is absolute.
std::optional<std::string> join_inside(const std::string& base, std::string_view rel) {
  if (rel.empty() || rel.front() == '/' || rel.find('\0') != std::string_view::npos ||
      rel.find('\\') != std::string_view::npos)
    return std::nullopt;
  std::vector<std::string> parts;
  auto push = [&](std::string_view path) -> bool {
    size_t start = 0;
    while (start <= path.size()) {
      size_t slash = path.find('/', start);
      if (slash == std::string_view::npos) slash = path.size();
      std::string_view c = path.substr(start, slash - start);
      if (c == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else if (!c.empty() && c != ".") {
        parts.emplace_back(c);
      }
      start = slash + 1;
    }
    return true;
  };
  if (!push(base) || !push(rel) || parts.empty()) return std::nullopt;
  std::string out;
  for (const auto& c : parts) out += (out.empty() ? "" : "/") + c;
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::optional<std::string> read_small(const std::string& path) {
  auto r = read_file(path, k_max_dist_info_file_bytes);
  if (!r.ok()) return std::nullopt;
  return std::move(r).value();
}

void read_direct_url(const std::string& text, InstalledDist& d) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return;
  if (auto u = doc.find("url"); u != doc.end() && u->is_string()) d.url = u->get<std::string>();
  auto info = doc.find("archive_info");
  if (info == doc.end() || !info->is_object()) return;
  if (auto hashes = info->find("hashes"); hashes != info->end() && hashes->is_object()) {
    if (auto s = hashes->find("sha256"); s != hashes->end() && s->is_string()) {
      d.archive_sha256 = s->get<std::string>();
    }
  }
  if (d.archive_sha256.empty()) {
    if (auto h = info->find("hash"); h != info->end() && h->is_string()) {
      std::string v = h->get<std::string>();
      if (v.rfind("sha256=", 0) == 0) d.archive_sha256 = v.substr(7);
    }
  }
  std::transform(d.archive_sha256.begin(),
                 d.archive_sha256.end(),
                 d.archive_sha256.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (d.archive_sha256.size() != 64 ||
      d.archive_sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    d.archive_sha256.clear();
  }
}

}  // namespace

std::string python_xy(std::string_view version) {
  size_t first = version.find('.');
  if (first == std::string_view::npos) return std::string(version);
  size_t second = version.find_first_of(".+-_", first + 1);
  return std::string(version.substr(0, second));
}

std::string site_packages_dir(std::string_view platform, std::string_view xy,
                              std::string_view cep17) {
  if (!cep17.empty() && safe_relative(cep17)) {
    std::string out(cep17);
    while (!out.empty() && out.back() == '/') out.pop_back();
    return out;
  }
  if (platform.rfind("win-", 0) == 0) return "Lib/site-packages";
  if (xy.empty()) return "";
  return "lib/python" + std::string(xy) + "/site-packages";
}

std::string site_packages_of(const std::vector<PrefixRecord>& records, std::string_view platform) {
  for (const auto& r : records) {
    if (r.name != "python") continue;
    return site_packages_dir(platform, python_xy(r.version), r.python_site_packages_path);
  }
  return "";
}

std::string sha256_hex_of_record_hash(std::string_view b64) {
  auto bytes = pypi::decode_urlsafe_b64(b64);
  if (!bytes || bytes->size() != 32) return "";
  return hash::to_hex(*bytes);
}

Result<std::vector<InstalledDist>> read_dist_infos(const std::string& prefix_dir,
                                                   const std::string& site_packages,
                                                   DistDetail detail) {
  std::vector<InstalledDist> out;
  if (site_packages.empty()) return out;
  const std::string dir = prefix_dir + "/" + site_packages;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    return io_error(dir, "list", errno);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() <= 10 || n.compare(n.size() - 10, 10, ".dist-info") != 0) continue;
    names.push_back(std::move(n));
    if (names.size() > k_max_dist_infos) {
      ::closedir(d);
      return Error{ErrorKind::input,
                   dir,
                   "more than " + std::to_string(k_max_dist_infos) + " .dist-info folders"};
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    const std::string abs = dir + "/" + n;
    struct stat st;
    if (::stat(abs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    InstalledDist dist;
    dist.dist_info = site_packages + "/" + n;
    std::string stem = n.substr(0, n.size() - 10);
    size_t dash = stem.find('-');
    dist.name = stem.substr(0, dash);
    if (dash != std::string::npos) dist.version = stem.substr(dash + 1);
    if (auto text = detail == DistDetail::full ? read_small(abs + "/METADATA") : std::nullopt) {
      if (auto meta = pypi::parse_metadata(*text); meta.ok()) {
        if (!meta->name.empty()) dist.name = meta->name;
        if (!meta->version.empty()) dist.version = meta->version;
      }
    }
    if (auto text = read_small(abs + "/INSTALLER")) {
      dist.installer = trim(std::string_view(*text).substr(0, text->find('\n')));
    }
    struct stat rq;
    dist.requested = ::lstat((abs + "/REQUESTED").c_str(), &rq) == 0;
    if (auto text = read_small(abs + "/direct_url.json")) read_direct_url(*text, dist);
    if (auto text = detail != DistDetail::identity ? read_small(abs + "/RECORD") : std::nullopt) {
      if (auto record = pypi::parse_record(*text); record.ok()) {
        dist.has_record = true;
        std::set<std::string> seen;
        for (const auto& entry : *record) {
          auto path = join_inside(site_packages, entry.path);
          if (!path) {
            dist.outside.push_back(entry.path);
            continue;
          }
          if (!seen.insert(*path).second) continue;
          DistFile f;
          f.path = *path;
          if (entry.hash_algorithm == "sha256")
            f.sha256 = sha256_hex_of_record_hash(entry.hash_b64);
          f.size = entry.size;
          dist.files.push_back(std::move(f));
        }
      }
    }
    out.push_back(std::move(dist));
  }
  return out;
}

std::vector<InstalledDist> pip_managed(std::vector<InstalledDist> dists,
                                       const std::vector<PrefixRecord>& records) {
  std::set<std::string> owned_dirs;
  for (const auto& r : records) {
    auto add = [&](const std::string& path) {
      size_t slash = path.rfind('/');
      if (slash == std::string::npos) return;
      std::string parent = path.substr(0, slash);
      if (parent.size() > 10 && parent.compare(parent.size() - 10, 10, ".dist-info") == 0)
        owned_dirs.insert(parent);
    };
    for (const auto& f : r.files) add(f);
    for (const auto& p : r.paths) add(p.path);
  }
  std::vector<InstalledDist> out;
  for (auto& d : dists) {
    if (d.installer == "conda" || owned_dirs.count(d.dist_info)) continue;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace envlock::prefix
