#include "lib/lock/check.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "lib/channel/url.h"
#include "lib/lock/virtual.h"

namespace envlock::lock {
namespace {

// conda-lock v1 entries carry no build_number; conda's builds end in "_<build number>"
// ("py36h1b885b7_9"), so that is the number a [build_number=N] spec is checked against.
std::int64_t build_number_of(const lockfile::LockedPackage& p) {
  if (p.build_number) return *p.build_number;
  std::string_view tail = p.build;
  if (auto underscore = tail.rfind('_'); underscore != std::string_view::npos)
    tail = tail.substr(underscore + 1);
  std::int64_t n = 0;
  if (tail.empty() || tail.size() > 9) return 0;
  for (char c : tail) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

// What a MatchSpec may look at, from a locked entry.
spec::PackageRecord record_of(const lockfile::LockedPackage& p) {
  spec::PackageRecord r;
  r.name = p.name;
  r.version = p.version;
  r.build = p.build;
  r.build_number = build_number_of(p);
  r.md5 = p.md5;
  r.sha256 = p.sha256;
  r.subdir = p.subdir;
  r.url = p.url;
  r.fn = lockfile::url_filename(p.url);
  r.license = p.license;
  r.track_features = p.track_features;
  // The channel is the URL up to the subdir folder ("…/conda-forge/linux-64/x.conda").
  std::string base = p.url.substr(0, p.url.rfind('/'));
  r.channel = p.channel.empty() ? base.substr(0, base.rfind('/')) : p.channel;
  if (r.subdir.empty()) r.subdir = base.substr(base.rfind('/') + 1);
  return r;
}

spec::PackageRecord record_of(const lockfile::VirtualPackage& vp) {
  spec::PackageRecord r;
  r.name = vp.name;
  r.version = vp.version;
  r.build = vp.build_string.empty() ? "0" : vp.build_string;
  return r;
}

std::string describe(const lockfile::LockedPackage& p) {
  return p.name + " " + p.version + " " + p.build;
}

std::string spec_text(const spec::MatchSpec& ms) {
  return ms.original.empty() ? ms.str() : ms.original;
}

// Parsed dependency strings, shared by all platforms: the same "python >=3.12,<3.13.0a0"
// appears hundreds of times in a lock.
class SpecCache {
 public:
  const Result<spec::MatchSpec>& get(const std::string& text) {
    auto it = m_specs.find(text);
    if (it == m_specs.end()) it = m_specs.emplace(text, spec::MatchSpec::parse(text)).first;
    return it->second;
  }

 private:
  std::unordered_map<std::string, Result<spec::MatchSpec>> m_specs;
};

struct Locked {
  const lockfile::LockedPackage* package;
  spec::PackageRecord record;  // what specs are matched against, built once
};

class PlatformChecker {
 public:
  PlatformChecker(const std::string& platform, const std::vector<lockfile::LockedPackage>& packages,
                  const std::vector<lockfile::VirtualPackage>& virtuals, SpecCache& specs,
                  std::vector<Finding>& findings)
      : m_platform(platform), m_specs(specs), m_findings(findings) {
    for (const auto& p : packages)
      if (p.manager == lockfile::Manager::conda) m_locked.emplace(p.name, Locked{&p, record_of(p)});
    for (const auto& vp : virtuals) m_virtual.emplace(vp.name, record_of(vp));
  }

  void check_specs(const std::vector<spec::MatchSpec>& specs) {
    for (const auto& ms : specs) {
      if (ms.name.rfind("__", 0) == 0) {
        check_virtual(ms, "requested " + spec_text(ms));
        continue;
      }
      auto it = m_locked.find(ms.name);
      if (it == m_locked.end()) {
        add("spec-missing", "requested " + spec_text(ms) + ", but the lock has no " + ms.name);
        continue;
      }
      if (!ms.matches(it->second.record))
        add("spec-unsatisfied",
            "requested " + spec_text(ms) + ", but the lock has " + describe(*it->second.package));
      reach(ms.name);
    }
  }

  void check_dependencies() {
    for (const auto& [name, entry] : m_locked) {
      const lockfile::LockedPackage* p = entry.package;
      for (const auto& dep : p->depends) {
        const auto& ms = m_specs.get(dep);
        if (!ms.ok()) {
          add("dependency-invalid",
              describe(*p) + " has an unreadable dependency '" + dep + "': " + ms.error().message);
          continue;
        }
        if (ms->name.rfind("__", 0) == 0) {
          check_virtual(*ms, describe(*p) + " requires " + dep);
          continue;
        }
        auto it = m_locked.find(ms->name);
        if (it == m_locked.end()) {
          add("dependency-missing",
              describe(*p) + " requires " + dep + ", which is not in the lock");
        } else if (!ms->matches(it->second.record)) {
          add("dependency-unsatisfied",
              describe(*p) + " requires " + dep + ", but the lock has " +
                  describe(*it->second.package));
        }
      }
      for (const auto& constraint : p->constrains) {
        const auto& ms = m_specs.get(constraint);
        if (!ms.ok()) continue;
        auto it = m_locked.find(ms->name);
        if (it != m_locked.end() && !ms->matches(it->second.record))
          add("constraint-violated",
              describe(*p) + " constrains " + constraint + ", but the lock has " +
                  describe(*it->second.package));
      }
    }
  }

  // A locked package no requested spec leads to is left over from inputs that changed.
  void check_unneeded() {
    for (const auto& [name, entry] : m_locked)
      if (!m_reached.count(name))
        add("package-unneeded",
            describe(*entry.package) + " is not required by any requested spec");
  }

 private:
  void check_virtual(const spec::MatchSpec& ms, const std::string& what) {
    auto it = m_virtual.find(ms.name);
    if (it == m_virtual.end())
      add("virtual-missing", what + ", but " + m_platform + " has no " + ms.name);
    else if (!ms.matches(it->second))
      add("virtual-unsatisfied",
          what + ", but " + m_platform + " has " + ms.name + " " + it->second.version);
  }

  // Marks `name` and everything it depends on as needed.
  void reach(const std::string& name) {
    std::vector<std::string> stack = {name};
    while (!stack.empty()) {
      std::string n = std::move(stack.back());
      stack.pop_back();
      auto it = m_locked.find(n);
      if (it == m_locked.end() || !m_reached.insert(n).second) continue;
      for (const auto& dep : it->second.package->depends) {
        auto end = dep.find_first_of(" =<>!~[");
        stack.push_back(dep.substr(0, end));
      }
    }
  }

  void add(const char* code, std::string message) {
    m_findings.push_back({m_platform, code, std::move(message)});
  }

  std::string m_platform;
  SpecCache& m_specs;
  std::vector<Finding>& m_findings;
  std::map<std::string, Locked> m_locked;
  std::unordered_map<std::string, spec::PackageRecord> m_virtual;
  std::set<std::string> m_reached;
};

}  // namespace

lockfile::LockedPackage locked_of(const spec::PackageRecord& r, const std::string& platform) {
  lockfile::LockedPackage p;
  p.manager = lockfile::Manager::conda;
  p.name = r.name;
  p.version = r.version;
  p.build = r.build;
  p.build_number = r.build_number;
  p.url = r.url;
  p.channel = r.channel;
  p.subdir = r.subdir;
  p.platform = platform;
  p.md5 = r.md5;
  p.sha256 = r.sha256;
  if (r.size) p.size = static_cast<int64_t>(r.size);
  p.depends = r.depends;
  p.constrains = r.constrains;
  if (r.timestamp) p.timestamp = r.timestamp;
  p.license = r.license;
  p.track_features = r.track_features;
  return p;
}

std::vector<Finding> check_lock(const lockfile::Lock& lock, const CheckInput& input) {
  std::vector<Finding> findings;
  const auto& locked_platforms = lock.metadata.platforms;
  for (const auto& p : input.platforms)
    if (std::find(locked_platforms.begin(), locked_platforms.end(), p) == locked_platforms.end())
      findings.push_back({p, "platform-missing", "platform " + p + " is not in the lock"});
  for (const auto& p : locked_platforms)
    if (std::find(input.platforms.begin(), input.platforms.end(), p) == input.platforms.end())
      findings.push_back({p,
                          "platform-extra",
                          "the lock has platform " + p + ", which the inputs no longer ask for"});

  std::vector<std::string> want, have;
  for (const auto& c : input.channels) want.push_back(c.url);
  for (const auto& c : lock.metadata.channels) have.push_back(c.url);
  if (want != have) {
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      // The lock may come from elsewhere, with a literal secret in a channel URL.
      for (const auto& x : v) s += (s.empty() ? "" : ", ") + channel::redact_url(x);
      return s.empty() ? std::string("(none)") : s;
    };
    findings.push_back(
        {"",
         "channels-changed",
         "channels are now [" + join(want) + "], the lock has [" + join(have) + "]"});
  }

  const lockfile::Environment* env = lock.environment(lockfile::k_default_environment);
  if (!env && lock.environments.size() == 1) env = &lock.environments.begin()->second;
  static const std::vector<lockfile::LockedPackage> k_none;
  SpecCache specs;
  for (const auto& platform : input.platforms) {
    if (std::find(locked_platforms.begin(), locked_platforms.end(), platform) ==
        locked_platforms.end())
      continue;
    const std::vector<lockfile::LockedPackage>* packages = &k_none;
    if (env) {
      auto it = env->packages.find(platform);
      if (it != env->packages.end()) packages = &it->second;
    }
    PlatformChecker checker(platform,
                            *packages,
                            virtual_packages_for(input.virtual_packages, platform),
                            specs,
                            findings);
    auto specs = input.specs.find(platform);
    checker.check_specs(specs == input.specs.end() ? std::vector<spec::MatchSpec>{}
                                                   : specs->second);
    checker.check_dependencies();
    checker.check_unneeded();
  }
  return findings;
}

}  // namespace envlock::lock
