#include "lib/diff/diff.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_set>

#include "lib/channel/channel.h"
#include "lib/channel/identity.h"
#include "lib/channel/url.h"
#include "lib/lockfile/lockfile.h"
#include "lib/pypi/version.h"
#include "lib/spec/version.h"
#include "lib/util/parallel.h"

namespace envlock::diff {

using lockfile::LockedPackage;
using lockfile::Manager;
using lockfile::SourceFormat;

const char* to_string(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::added:
      return "added";
    case ChangeKind::removed:
      return "removed";
    case ChangeKind::upgraded:
      return "upgraded";
    case ChangeKind::downgraded:
      return "downgraded";
    case ChangeKind::rebuilt:
      return "rebuilt";
    case ChangeKind::hash_changed:
      return "hash_changed";
    case ChangeKind::moved:
      return "moved";
    case ChangeKind::repackaged:
      return "repackaged";
    case ChangeKind::depends_changed:
      return "depends_changed";
  }
  return "?";
}

const char* label(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::hash_changed:
      return "hash changed";
    case ChangeKind::depends_changed:
      return "depends changed";
    default:
      return to_string(kind);
  }
}

const char* to_string(Aspect aspect) {
  switch (aspect) {
    case Aspect::version:
      return "version";
    case Aspect::build:
      return "build";
    case Aspect::channel:
      return "channel";
    case Aspect::artifact:
      return "artifact";
    case Aspect::hash:
      return "hash";
    case Aspect::depends:
      return "depends";
  }
  return "?";
}

const char* to_string(Presence presence) {
  switch (presence) {
    case Presence::both:
      return "both";
    case Presence::old_only:
      return "old_only";
    case Presence::new_only:
      return "new_only";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, ChangeKind kind) {
  return out << to_string(kind);
}

std::ostream& operator<<(std::ostream& out, Presence presence) {
  return out << to_string(presence);
}

size_t Summary::total_changes() const {
  size_t n = 0;
  for (size_t c : changes) n += c;
  return n;
}

bool DiffReport::same() const {
  return summary.total_changes() == 0 && summary.environments_old_only == 0 &&
         summary.environments_new_only == 0 && summary.platforms_old_only == 0 &&
         summary.platforms_new_only == 0;
}

int exit_code(const DiffReport& report) {
  return report.same() ? 0 : 1;
}

std::string redact_url(const std::string& url) {
  std::string out = url;
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t host_end = out.find('/', scheme + 3);
    size_t at = out.rfind('@', host_end == std::string::npos ? out.size() : host_end);
    if (at != std::string::npos && at > scheme) out.replace(scheme + 3, at - scheme - 3, "***");
  }
  // anaconda.org tokens: .../t/<token>/...
  size_t t = out.find("/t/");
  if (t != std::string::npos) {
    size_t end = out.find('/', t + 3);
    if (end != std::string::npos && end > t + 3 && out.compare(t + 3, end - t - 3, "***") != 0) {
      out.replace(t + 3, end - t - 3, "***");
    }
  }
  return out;
}

std::string channel_of_url(const std::string& url, Manager manager) {
  if (url.empty()) return {};
  std::string u = url.substr(0, std::min(url.find('#'), url.find('?')));
  if (manager == Manager::pip) {
    size_t scheme = u.find("://");
    if (scheme == std::string::npos) return redact_url(u);
    size_t host_end = u.find('/', scheme + 3);
    return redact_url(host_end == std::string::npos ? u : u.substr(0, host_end));
  }
  // Drop "/<filename>" and then "/<subdir>".
  for (int i = 0; i < 2; ++i) {
    size_t slash = u.rfind('/');
    if (slash == std::string::npos || (slash > 0 && u[slash - 1] == '/')) break;
    u.resize(slash);
  }
  return redact_url(u);
}

namespace {

// PEP 503 normalisation for pip names; conda names are compared as written.
std::string match_name(const LockedPackage& p) {
  if (p.manager != Manager::pip) return p.name;
  std::string out;
  out.reserve(p.name.size());
  for (char c : p.name) {
    if (c == '-' || c == '_' || c == '.') {
      if (out.empty() || out.back() != '-') out.push_back('-');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

// The channel of a package as written: from its URL when it has one, else its channel field.
std::string written_channel(const LockedPackage& p) {
  if (!p.url.empty()) return channel_of_url(p.url, p.manager);
  return redact_url(p.channel);
}

// The channel of a package for people: a bare conda name ("conda-forge", "pkgs/main") becomes
// its URL as conda resolves it; `defaults` (several channels) stays a name.
std::string channel_of(const LockedPackage& p) {
  std::string c = written_channel(p);
  while (!c.empty() && c.back() == '/') c.pop_back();
  if (p.url.empty() && p.manager == Manager::conda && c.find("://") == std::string::npos) {
    if (auto resolved = channel::Channel::parse_one(c, {})) return resolved->base_url();
  }
  return c;
}

// Whether two entries come from one channel: pip compares hosts, conda asks lib/channel (one
// channel under two names is no move). An unknown channel matches.
bool same_channel(const LockedPackage& a, const LockedPackage& b) {
  if (a.manager == Manager::pip) {
    // The index host without credentials: a password added or rotated is no move.
    auto host = [](const LockedPackage& p) {
      return p.url.empty() ? redact_url(p.channel)
                           : channel_of_url(channel::without_credentials(p.url), p.manager);
    };
    std::string ha = host(a), hb = host(b);
    return ha.empty() || hb.empty() || ha == hb;
  }
  std::string ca = written_channel(a), cb = written_channel(b);
  return channel::same_channel(ca, cb);
}

bool records_depends(SourceFormat format) {
  return format != SourceFormat::explicit_file && format != SourceFormat::env_export &&
         format != SourceFormat::micromamba_json;
}

// Whitespace collapsed, "name *" written as "name", sorted, duplicates dropped.
std::vector<std::string> normalized_depends(const std::vector<std::string>& depends) {
  std::vector<std::string> out;
  out.reserve(depends.size());
  for (const std::string& d : depends) {
    std::string s;
    bool space = false;
    for (char c : d) {
      if (c == ' ' || c == '\t') {
        space = !s.empty();
      } else {
        if (space) s.push_back(' ');
        space = false;
        s.push_back(c);
      }
    }
    if (s.size() > 2 && s.compare(s.size() - 2, 2, " *") == 0) s.resize(s.size() - 2);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Dependencies as name → set of comma-separated constraint parts. conda-lock v1 keeps them in
// a map, so two specs of one name ("numpy >=1.23" and "numpy >=1.25 ; extra == 'dev'") become
// one ("numpy >=1.23,>=1.25 ; extra == 'dev'"); this key is equal for both spellings. A conda
// constraint with '|' is kept whole (',' binds tighter than '|'); "name *" adds nothing.
std::map<std::string, std::set<std::string>> depends_key(const std::vector<std::string>& specs,
                                                         Manager manager) {
  std::map<std::string, std::set<std::string>> key;
  for (const std::string& spec : specs) {
    size_t space = spec.find(' ');
    std::string name = spec.substr(0, space);
    std::set<std::string>& parts = key[name];
    if (space == std::string::npos) continue;
    std::string rest = spec.substr(space + 1);
    if (rest == "*") continue;
    if (manager == Manager::conda && rest.find('|') != std::string::npos) {
      parts.insert(rest);
      continue;
    }
    size_t start = 0;
    while (true) {
      size_t comma = rest.find(',', start);
      parts.insert(rest.substr(start, comma == std::string::npos ? comma : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return key;
}

// pip: PEP 440 order; conda: VersionOrder. A version the manager's rules cannot parse falls
// back to text.
int compare_versions(const std::string& a, const std::string& b, Manager manager) {
  if (manager == Manager::pip) {
    auto va = pypi::Version::parse(a);
    auto vb = pypi::Version::parse(b);
    if (va.ok() && vb.ok()) {
      auto c = *va <=> *vb;
      if (c != 0) return c < 0 ? -1 : 1;
    }
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  auto va = spec::Version::parse(a);
  auto vb = spec::Version::parse(b);
  if (va.ok() && vb.ok()) {
    int c = va->compare(*vb);
    if (c != 0) return c;
  }
  return a < b ? -1 : (a > b ? 1 : 0);
}

bool pep440_equal(const std::string& a, const std::string& b) {
  auto va = pypi::Version::parse(a);
  auto vb = pypi::Version::parse(b);
  return va.ok() && vb.ok() && *va == *vb;
}

PackageSide side_of(const LockedPackage& p) {
  return PackageSide{
      p.version, p.build, channel_of(p), p.subdir, redact_url(p.url), p.sha256, p.md5};
}

struct Side {
  const LockedPackage* p;
  std::string key;  // match_name
};

// Compares two entries matched by (manager, name). nullopt when they are the same.
std::optional<PackageChange> compare(const Side& o, const Side& n, bool both_record_depends) {
  const LockedPackage& a = *o.p;
  const LockedPackage& b = *n.p;
  unsigned aspects = 0;
  auto set = [&](Aspect x) { aspects |= static_cast<unsigned>(x); };
  // pip versions are equal by PEP 440 ("1.0" is "1.0.0", "2.0-rc1" is "2.0rc1").
  if (a.version != b.version && (a.manager != Manager::pip || !pep440_equal(a.version, b.version)))
    set(Aspect::version);
  if (a.build != b.build) set(Aspect::build);
  bool same_artifact = true;
  // The same URL is the same channel and file (the common case, so it is checked first).
  if (a.url != b.url || a.url.empty()) {
    if (!same_channel(a, b)) set(Aspect::channel);
    std::string file_a = a.url.empty() ? std::string() : lockfile::url_filename(a.url);
    std::string file_b = b.url.empty() ? std::string() : lockfile::url_filename(b.url);
    if (!file_a.empty() && !file_b.empty() && file_a != file_b) {
      set(Aspect::artifact);
      same_artifact = false;
    }
  }
  // A hash is only comparable for the same file, and only one both sides record.
  if (same_artifact && !(aspects & static_cast<unsigned>(Aspect::version)) &&
      !(aspects & static_cast<unsigned>(Aspect::build))) {
    if (!a.sha256.empty() && !b.sha256.empty()) {
      if (a.sha256 != b.sha256) set(Aspect::hash);
    } else if (!a.md5.empty() && !b.md5.empty() && a.md5 != b.md5) {
      set(Aspect::hash);
    }
  }
  std::vector<std::string> dep_added, dep_removed;
  if (both_record_depends && a.depends != b.depends &&
      !lockfile::same_dependencies(a.depends, b.depends)) {
    auto da = normalized_depends(a.depends);
    auto db = normalized_depends(b.depends);
    if (da != db && depends_key(da, a.manager) != depends_key(db, b.manager)) {
      set(Aspect::depends);
      std::set_difference(
          db.begin(), db.end(), da.begin(), da.end(), std::back_inserter(dep_added));
      std::set_difference(
          da.begin(), da.end(), db.begin(), db.end(), std::back_inserter(dep_removed));
    }
  }
  if (aspects == 0) return std::nullopt;

  PackageChange c;
  c.manager = a.manager;
  c.name = b.name;
  c.aspects = aspects;
  c.before = side_of(a);
  c.after = side_of(b);
  if (c.has(Aspect::version)) {
    c.kind = compare_versions(a.version, b.version, a.manager) < 0 ? ChangeKind::upgraded
                                                                   : ChangeKind::downgraded;
  } else if (c.has(Aspect::build)) {
    c.kind = ChangeKind::rebuilt;
  } else if (c.has(Aspect::hash)) {
    c.kind = ChangeKind::hash_changed;
  } else if (c.has(Aspect::channel)) {
    c.kind = ChangeKind::moved;
  } else if (c.has(Aspect::artifact)) {
    c.kind = ChangeKind::repackaged;
  } else {
    c.kind = ChangeKind::depends_changed;
  }
  if (!c.has(Aspect::version) && !c.has(Aspect::build)) {
    c.depends_added = std::move(dep_added);
    c.depends_removed = std::move(dep_removed);
  }
  return c;
}

PackageChange one_sided(const Side& s, ChangeKind kind) {
  PackageChange c;
  c.kind = kind;
  c.manager = s.p->manager;
  c.name = s.p->name;
  (kind == ChangeKind::added ? c.after : c.before) = side_of(*s.p);
  return c;
}

// Entries of one platform sorted by (manager, name, version, build, url), with duplicates of
// the same artifact (conda-lock categories) merged into one.
std::vector<Side> prepare(const std::vector<LockedPackage>& packages) {
  std::vector<Side> out;
  out.reserve(packages.size());
  for (const LockedPackage& p : packages) out.push_back(Side{&p, match_name(p)});
  std::sort(out.begin(), out.end(), [](const Side& x, const Side& y) {
    return std::tie(x.p->manager, x.key, x.p->version, x.p->build, x.p->url) <
           std::tie(y.p->manager, y.key, y.p->version, y.p->build, y.p->url);
  });
  out.erase(std::unique(out.begin(),
                        out.end(),
                        [](const Side& x, const Side& y) {
                          return x.p->manager == y.p->manager && x.key == y.key &&
                                 x.p->version == y.p->version && x.p->build == y.p->build &&
                                 x.p->url == y.p->url;
                        }),
            out.end());
  return out;
}

bool same_group(const Side& x, const Side& y) {
  return x.p->manager == y.p->manager && x.key == y.key;
}

bool group_less(const Side& x, const Side& y) {
  return std::tie(x.p->manager, x.key) < std::tie(y.p->manager, y.key);
}

// Pairs two groups of the same (manager, name): identical artifacts first, then the rest in
// version order; what is left over is added or removed.
void diff_group(std::vector<Side> olds, std::vector<Side> news, bool depends, PlatformDiff& out) {
  if (olds.size() == 1 && news.size() == 1) {
    if (auto c = compare(olds[0], news[0], depends)) out.changes.push_back(std::move(*c));
    return;
  }
  auto identical = [](const Side& x, const Side& y) {
    return x.p->version == y.p->version && x.p->build == y.p->build && x.p->url == y.p->url;
  };
  std::vector<Side> rest_old;
  for (const Side& o : olds) {
    auto it =
        std::find_if(news.begin(), news.end(), [&](const Side& n) { return identical(o, n); });
    if (it == news.end()) {
      rest_old.push_back(o);
      continue;
    }
    if (auto c = compare(o, *it, depends)) out.changes.push_back(std::move(*c));
    news.erase(it);
  }
  auto by_version = [](const Side& x, const Side& y) {
    int c = compare_versions(x.p->version, y.p->version, x.p->manager);
    return c != 0 ? c < 0 : std::tie(x.p->build, x.p->url) < std::tie(y.p->build, y.p->url);
  };
  std::sort(rest_old.begin(), rest_old.end(), by_version);
  std::sort(news.begin(), news.end(), by_version);
  size_t n = std::min(rest_old.size(), news.size());
  for (size_t i = 0; i < n; ++i) {
    if (auto c = compare(rest_old[i], news[i], depends)) out.changes.push_back(std::move(*c));
  }
  for (size_t i = n; i < rest_old.size(); ++i) {
    out.changes.push_back(one_sided(rest_old[i], ChangeKind::removed));
  }
  for (size_t i = n; i < news.size(); ++i) {
    out.changes.push_back(one_sided(news[i], ChangeKind::added));
  }
}

PlatformDiff diff_platform(const std::string& platform, const std::vector<LockedPackage>& old_pkgs,
                           const std::vector<LockedPackage>& new_pkgs, bool depends) {
  PlatformDiff out;
  out.platform = platform;
  std::vector<Side> olds = prepare(old_pkgs);
  std::vector<Side> news = prepare(new_pkgs);
  out.old_packages = olds.size();
  out.new_packages = news.size();
  size_t i = 0, j = 0;
  while (i < olds.size() || j < news.size()) {
    if (j == news.size() || (i < olds.size() && group_less(olds[i], news[j]))) {
      out.changes.push_back(one_sided(olds[i++], ChangeKind::removed));
    } else if (i == olds.size() || group_less(news[j], olds[i])) {
      out.changes.push_back(one_sided(news[j++], ChangeKind::added));
    } else {
      size_t i2 = i + 1, j2 = j + 1;
      while (i2 < olds.size() && same_group(olds[i2], olds[i])) ++i2;
      while (j2 < news.size() && same_group(news[j2], news[j])) ++j2;
      diff_group({olds.begin() + i, olds.begin() + i2},
                 {news.begin() + j, news.begin() + j2},
                 depends,
                 out);
      i = i2;
      j = j2;
    }
  }
  auto version_of = [](const PackageChange& c) {
    return c.after ? c.after->version : c.before->version;
  };
  std::sort(
      out.changes.begin(), out.changes.end(), [&](const PackageChange& x, const PackageChange& y) {
        return std::make_tuple(x.kind, x.manager, x.name, version_of(x)) <
               std::make_tuple(y.kind, y.manager, y.name, version_of(y));
      });
  return out;
}

// Platform → its packages, without copying them.
using PlatformMap = std::map<std::string, const std::vector<LockedPackage>*>;

PlatformMap view_of(const lockfile::Environment* env) {
  PlatformMap out;
  if (env == nullptr) return out;
  for (const auto& [platform, packages] : env->packages) out.emplace(platform, &packages);
  return out;
}

// An environment export does not know its platform (""): give it the one platform being
// compared, when that is unambiguous.
PlatformMap resolve_unknown_platform(const PlatformMap& mine, const PlatformMap& other,
                                     const Filter& filter) {
  if (mine.size() != 1 || !mine.begin()->first.empty()) return mine;
  if (filter.platforms.size() == 1) return {{filter.platforms[0], mine.begin()->second}};
  if (other.size() == 1) return {{other.begin()->first, mine.begin()->second}};
  return mine;
}

bool wanted(const std::string& platform, const Filter& filter) {
  return filter.platforms.empty() ||
         std::find(filter.platforms.begin(), filter.platforms.end(), platform) !=
             filter.platforms.end();
}

EnvironmentDiff diff_environment(const std::string& name, const lockfile::Environment* old_env,
                                 const lockfile::Environment* new_env, bool depends,
                                 const Filter& filter, std::set<std::string>& seen_platforms) {
  EnvironmentDiff out;
  out.name = name;
  out.presence = old_env == nullptr   ? Presence::new_only
                 : new_env == nullptr ? Presence::old_only
                                      : Presence::both;
  PlatformMap olds = view_of(old_env);
  PlatformMap news = view_of(new_env);
  if (old_env && new_env) {
    olds = resolve_unknown_platform(olds, news, filter);
    news = resolve_unknown_platform(news, olds, filter);
  }
  std::set<std::string> platforms;
  for (const auto& [p, _] : olds) platforms.insert(p);
  for (const auto& [p, _] : news) platforms.insert(p);
  for (const std::string& p : platforms) {
    if (!wanted(p, filter)) continue;
    seen_platforms.insert(p);
    auto o = olds.find(p);
    auto n = news.find(p);
    static const std::vector<LockedPackage> k_none;
    PlatformDiff pd = diff_platform(
        p, o == olds.end() ? k_none : *o->second, n == news.end() ? k_none : *n->second, depends);
    if (o == olds.end() || n == news.end()) {
      // One-sided: reported as a whole, its packages are not listed one by one.
      pd.presence = o == olds.end() ? Presence::new_only : Presence::old_only;
      pd.changes.clear();
    }
    out.platforms.push_back(std::move(pd));
  }
  return out;
}

LockInfo info_of(const lockfile::Lock& lock, const std::string& path) {
  LockInfo info;
  info.path = path;
  info.format = lock.source_format;
  info.environments = lock.environments.size();
  std::unordered_set<std::string_view> urls;
  std::set<std::tuple<Manager,
                      std::string_view,
                      std::string_view,
                      std::string_view,
                      std::string_view>>
      others;  // without a URL: (manager, name, version, build, platform)
  for (const auto& [_, env] : lock.environments) {
    for (const auto& [platform, packages] : env.packages) {
      for (const LockedPackage& p : packages) {
        if (!p.url.empty()) {
          urls.insert(p.url);
        } else {
          others.emplace(p.manager, p.name, p.version, p.build, platform);
        }
      }
    }
  }
  info.distinct_packages = urls.size() + others.size();
  return info;
}

std::string names_of(const lockfile::Lock& lock) {
  std::string out;
  for (const auto& [name, _] : lock.environments) out += (out.empty() ? "" : ", ") + name;
  return out;
}

const lockfile::Environment* pick(const lockfile::Lock& lock, const std::string& name) {
  if (const auto* env = lock.environment(name)) return env;
  if (lock.environments.size() == 1) return &lock.environments.begin()->second;
  return nullptr;
}

}  // namespace

Error as_input_error(Error error) {
  if (error.kind == ErrorKind::io) error.kind = ErrorKind::input;
  return error;
}

Result<DiffReport> diff_locks(const lockfile::Lock& old_lock, const std::string& old_path,
                              const lockfile::Lock& new_lock, const std::string& new_path,
                              const Filter& filter) {
  DiffReport report;
  report.old_lock = info_of(old_lock, old_path);
  report.new_lock = info_of(new_lock, new_path);
  const bool depends =
      records_depends(old_lock.source_format) && records_depends(new_lock.source_format);
  std::set<std::string> seen_platforms;

  // Which environment of each side is compared with which.
  std::vector<std::tuple<std::string, const lockfile::Environment*, const lockfile::Environment*>>
      pairs;
  if (filter.environment) {
    const std::string& name = *filter.environment;
    const auto* o = pick(old_lock, name);
    const auto* n = pick(new_lock, name);
    if (o == nullptr || n == nullptr) {
      const bool old_lacks = o == nullptr;
      return Error{ErrorKind::usage,
                   old_lacks ? old_path : new_path,
                   "no environment '" + name +
                       "' (it has: " + names_of(old_lacks ? old_lock : new_lock) + ")"};
    }
    pairs.emplace_back(name, o, n);
  } else if (old_lock.environments.size() == 1 && new_lock.environments.size() == 1) {
    pairs.emplace_back(new_lock.environments.begin()->first,
                       &old_lock.environments.begin()->second,
                       &new_lock.environments.begin()->second);
  } else {
    std::set<std::string> names;
    for (const auto& [name, _] : old_lock.environments) names.insert(name);
    for (const auto& [name, _] : new_lock.environments) names.insert(name);
    for (const std::string& name : names) {
      pairs.emplace_back(name, old_lock.environment(name), new_lock.environment(name));
    }
  }

  for (const auto& [name, o, n] : pairs) {
    EnvironmentDiff env = diff_environment(name, o, n, depends, filter, seen_platforms);
    if (env.presence == Presence::old_only) ++report.summary.environments_old_only;
    if (env.presence == Presence::new_only) ++report.summary.environments_new_only;
    if (env.presence == Presence::both) {
      for (const PlatformDiff& p : env.platforms) {
        if (p.presence == Presence::old_only) ++report.summary.platforms_old_only;
        if (p.presence == Presence::new_only) ++report.summary.platforms_new_only;
        for (const PackageChange& c : p.changes) {
          ++report.summary.changes[static_cast<size_t>(c.kind)];
        }
        if (p.presence == Presence::both) {
          report.summary.unchanged += p.new_packages;
          for (const PackageChange& c : p.changes) {
            if (c.after) --report.summary.unchanged;
          }
        }
      }
    }
    report.environments.push_back(std::move(env));
  }
  for (const std::string& p : filter.platforms) {
    if (!seen_platforms.count(p)) {
      return Error{ErrorKind::usage, "--platform " + p, "neither lock has this platform"};
    }
  }
  return report;
}

Result<DiffReport> diff_files(const std::string& old_path, const std::string& new_path,
                              const Filter& filter) {
  // The two reads are independent; on two cores they overlap almost fully.
  std::optional<Result<lockfile::Lock>> old_lock, new_lock;
  parallel_for(2, 2, [&](size_t i) {
    if (i == 0) old_lock.emplace(lockfile::read_lock(old_path));
    if (i == 1) new_lock.emplace(lockfile::read_lock(new_path));
  });
  if (!old_lock->ok()) return as_input_error(old_lock->take_error());
  if (!new_lock->ok()) return as_input_error(new_lock->take_error());
  return diff_locks(old_lock->value(), old_path, new_lock->value(), new_path, filter);
}

}  // namespace envlock::diff
