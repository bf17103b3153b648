#include "lib/install/transaction.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "lib/hash/hash.h"
#include "lib/pypi/name.h"
#include "lib/pypi/version.h"

namespace envlock::install {

const char* to_string(Change::Kind kind) {
  switch (kind) {
    case Change::Kind::add:
      return "add";
    case Change::Kind::remove:
      return "remove";
    case Change::Kind::replace:
      return "replace";
  }
  return "add";
}

bool record_matches(const prefix::PrefixRecord& record, const lockfile::LockedPackage& locked) {
  if (record.name != locked.name || record.version != locked.version ||
      record.build != locked.build) {
    return false;
  }
  if (!record.sha256.empty() && !locked.sha256.empty()) {
    return hash::normalize_hex(record.sha256) == hash::normalize_hex(locked.sha256);
  }
  if (!record.md5.empty() && !locked.md5.empty()) {
    return hash::normalize_hex(record.md5) == hash::normalize_hex(locked.md5);
  }
  if (!record.url.empty() && !locked.url.empty()) return record.url == locked.url;
  return true;
}

Transaction plan_transaction(const std::vector<lockfile::LockedPackage>& locked,
                             const std::vector<prefix::PrefixRecord>& installed) {
  std::map<std::string, const prefix::PrefixRecord*> by_name;
  // A prefix may (wrongly) hold two records of one name; every extra one is unlinked.
  std::vector<const prefix::PrefixRecord*> duplicates;
  for (const auto& r : installed) {
    auto [it, fresh] = by_name.emplace(r.name, &r);
    if (!fresh) duplicates.push_back(&r);
  }
  std::map<std::string, const lockfile::LockedPackage*> wanted;
  for (const auto& p : locked) wanted.emplace(p.name, &p);

  Transaction t;
  for (const auto& [name, p] : wanted) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      t.link.push_back(*p);
      t.changes.push_back({Change::Kind::add, name, "", "", p->version, p->build});
    } else if (!record_matches(*it->second, *p)) {
      t.unlink.push_back(*it->second);
      t.link.push_back(*p);
      t.changes.push_back({Change::Kind::replace,
                           name,
                           it->second->version,
                           it->second->build,
                           p->version,
                           p->build});
    }
  }
  for (const auto& [name, r] : by_name) {
    if (wanted.count(name)) continue;
    t.unlink.push_back(*r);
    t.changes.push_back({Change::Kind::remove, name, r->version, r->build, "", ""});
  }
  for (const auto* r : duplicates) {
    t.unlink.push_back(*r);
    t.changes.push_back({Change::Kind::remove, r->name, r->version, r->build, "", ""});
  }
  auto by = [](const auto& a, const auto& b) { return a.name < b.name; };
  std::stable_sort(t.unlink.begin(), t.unlink.end(), by);
  std::stable_sort(t.link.begin(), t.link.end(), by);
  std::stable_sort(t.changes.begin(), t.changes.end(), by);
  return t;
}

namespace {

bool same_pip_version(const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto va = pypi::Version::parse(a);
  auto vb = pypi::Version::parse(b);
  return va.ok() && vb.ok() && *va == *vb;
}

}  // namespace

bool dist_matches(const prefix::InstalledDist& dist, const lockfile::LockedPackage& locked) {
  if (pypi::normalize_name(dist.name) != pypi::normalize_name(locked.name) ||
      !same_pip_version(dist.version, locked.version) || dist.installer != "envlock") {
    return false;
  }
  if (!dist.archive_sha256.empty() && !locked.sha256.empty()) {
    return dist.archive_sha256 == hash::normalize_hex(locked.sha256);
  }
  return true;
}

std::vector<std::string> dist_removals(const std::string& prefix_dir,
                                       const prefix::InstalledDist& dist) {
  std::vector<std::string> out;
  auto keep = [&](const std::string& path) {
    if (path == "conda-meta" || path.rfind("conda-meta/", 0) == 0) return;
    out.push_back(path);
  };
  for (const auto& f : dist.files) keep(f.path);
  std::error_code ec;
  const std::filesystem::path root(prefix_dir);
  for (std::filesystem::recursive_directory_iterator it(root / dist.dist_info, ec), end;
       !ec && it != end;
       it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) {
      keep(std::filesystem::relative(it->path(), root, ec).string());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::set<std::string> damaged_dists(const std::string& prefix_dir,
                                    const std::vector<prefix::InstalledDist>& dists) {
  std::set<std::string> out;
  for (const auto& d : dists) {
    if (d.installer != "envlock" || !d.has_record) continue;
    struct stat record;
    if (::stat((prefix_dir + "/" + d.dist_info + "/RECORD").c_str(), &record) != 0) {
      out.insert(d.dist_info);
      continue;
    }
    for (const auto& f : d.files) {
      struct stat st;
      if (::lstat((prefix_dir + "/" + f.path).c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
          (f.size && *f.size != static_cast<uint64_t>(st.st_size)) ||
          st.st_mtim.tv_sec > record.st_mtim.tv_sec ||
          (st.st_mtim.tv_sec == record.st_mtim.tv_sec &&
           st.st_mtim.tv_nsec > record.st_mtim.tv_nsec)) {
        out.insert(d.dist_info);
        break;
      }
    }
  }
  return out;
}

PipTransaction plan_pip(const std::vector<lockfile::LockedPackage>& locked,
                        const std::vector<prefix::InstalledDist>& installed,
                        const std::set<std::string>& damaged) {
  std::map<std::string, const lockfile::LockedPackage*> wanted;
  for (const auto& p : locked) wanted.emplace(pypi::normalize_name(p.name), &p);
  std::map<std::string, std::vector<const prefix::InstalledDist*>> present;
  for (const auto& d : installed) present[pypi::normalize_name(d.name)].push_back(&d);

  PipTransaction t;
  for (const auto& [key, p] : wanted) {
    auto it = present.find(key);
    if (it == present.end()) {
      t.link.push_back(*p);
      Change c{Change::Kind::add, p->name, "", "", p->version, ""};
      c.manager = lockfile::Manager::pip;
      t.changes.push_back(std::move(c));
      continue;
    }
    if (it->second.size() == 1 && dist_matches(*it->second.front(), *p) &&
        !damaged.count(it->second.front()->dist_info))
      continue;
    for (const auto* d : it->second) t.unlink.push_back(*d);
    t.link.push_back(*p);
    Change c{Change::Kind::replace, p->name, it->second.front()->version, "", p->version, ""};
    c.manager = lockfile::Manager::pip;
    t.changes.push_back(std::move(c));
  }
  for (const auto& [key, dists] : present) {
    if (wanted.count(key)) continue;
    for (const auto* d : dists) {
      if (d->installer != "envlock") continue;
      t.unlink.push_back(*d);
      Change c{Change::Kind::remove, d->name, d->version, "", "", ""};
      c.manager = lockfile::Manager::pip;
      t.changes.push_back(std::move(c));
    }
  }
  std::stable_sort(t.unlink.begin(), t.unlink.end(), [](const auto& a, const auto& b) {
    return a.dist_info < b.dist_info;
  });
  std::stable_sort(t.changes.begin(), t.changes.end(), [](const auto& a, const auto& b) {
    return a.name < b.name;
  });
  return t;
}

}  // namespace envlock::install
