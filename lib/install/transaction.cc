#include "lib/install/transaction.h"

#include <algorithm>
#include <map>

#include "lib/hash/hash.h"

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

}  // namespace envlock::install
