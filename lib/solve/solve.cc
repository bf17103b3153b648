#include "lib/solve/solve.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "lib/hash/hash.h"
#include "lib/solve/solv/solv.h"
#include "lib/spec/version.h"
#include "lib/util/file.h"

namespace envlock::solve {
namespace {

// Bumped whenever what we put into a .solv cache changes.
constexpr const char* k_cache_format = "envlock-solv-1-libsolv-0.7.23";

std::string cache_path(const std::string& dir, std::string_view json) {
  char name[64];
  std::snprintf(name,
                sizeof name,
                "%016" PRIx64 ".solv",
                hash::xxh3_64(json) ^ hash::xxh3_64(k_cache_format));
  return dir + "/" + name;
}

// Loads one repodata into `repo`, through the .solv cache when one is configured.
Result<void> load_repodata(solv::Repo& repo, const RepodataSource& source,
                           const std::string& cache_dir) {
  std::string cached;
  if (!cache_dir.empty()) {
    cached = cache_path(cache_dir, source.json);
    if (auto bytes = read_file(cached); bytes.ok()) {
      // A cache file that libsolv rejects is ignored; the JSON is the truth.
      if (repo.add_solv(*bytes).ok()) return Ok{};
    }
  }
  if (auto r = repo.add_conda_json(source.json); !r.ok())
    return Error{ErrorKind::input, source.origin, "malformed repodata: " + r.error().message};
  if (!cached.empty()) {
    if (auto bytes = repo.to_solv(); bytes.ok())
      (void)write_file_atomic(cached, *bytes, Durability::no_fsync);  // a cache miss is harmless
  }
  return Ok{};
}

std::string virtual_repodata(const std::vector<VirtualPackage>& packages) {
  std::string json = "{\"packages\":{";
  bool first = true;
  for (const auto& vp : packages) {
    std::string build = vp.build.empty() ? "0" : vp.build;
    std::string version = vp.version.empty() ? "0" : vp.version;
    if (!first) json += ",";
    first = false;
    json += "\"" + vp.name + "-" + version + "-" + build + ".tar.bz2\":{\"name\":\"" + vp.name +
            "\",\"version\":\"" + version + "\",\"build\":\"" + build +
            "\",\"build_number\":0,\"depends\":[]}";
  }
  return json + "}}";
}

// The fields a MatchSpec may test, without the cost of dependency strings.
spec::PackageRecord record_of(const solv::SolvableFields& f,
                              const std::vector<RepodataSource>& sources) {
  spec::PackageRecord r;
  r.name = f.name;
  r.version = f.version;
  r.build = f.build;
  r.build_number = static_cast<decltype(r.build_number)>(f.build_number);
  r.depends = f.depends;
  r.constrains = f.constrains;
  r.track_features = f.track_features;
  r.md5 = f.md5;
  r.sha256 = f.sha256;
  r.size = f.size;
  r.timestamp = static_cast<int64_t>(f.timestamp_s) * 1000;
  r.subdir = f.subdir;
  r.fn = f.fn;
  r.license = f.license;
  if (f.repo_index >= 0 && static_cast<size_t>(f.repo_index) < sources.size()) {
    const auto& src = sources[static_cast<size_t>(f.repo_index)];
    r.channel = src.channel;
    r.url = src.channel_url + "/" + f.subdir + "/" + f.fn;
  }
  return r;
}

bool has_glob(const std::string& name) {
  return name.find('*') != std::string::npos;
}

// The spec as the user wrote it, for messages.
std::string spec_text(const spec::MatchSpec& ms) {
  return ms.original.empty() ? ms.str() : ms.original;
}

// "numpy 1.2.* (available: 1.0, 1.1 in conda-forge)" style hint for a spec with no candidate.
// `too_new` counts the records of that name hidden by the exclude-newer cut-off.
std::string nothing_provides(const spec::MatchSpec& ms,
                             const std::vector<spec::PackageRecord>& near, size_t too_new) {
  std::string text = "nothing provides requested " + spec_text(ms);
  if (near.empty() && too_new)
    return text + " (every '" + ms.name + "' record is newer than the exclude-newer date)";
  if (near.empty()) return text + " (no package named '" + ms.name + "' in the channels)";
  // Newest first in conda's version order (as text, "0.16.0" would sort below "0.9.1").
  std::vector<std::pair<spec::Version, std::string>> ordered;
  std::set<std::string> versions;
  for (const auto& r : near)
    if (versions.insert(r.version).second)
      if (auto v = spec::Version::parse(r.version); v.ok()) ordered.emplace_back(*v, r.version);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return b.first < a.first;
  });
  text += " (available versions:";
  int shown = 0;
  for (auto it = ordered.begin(); it != ordered.end() && shown < 8; ++it, ++shown)
    text += " " + it->second;
  if (versions.size() > 8) text += " ...";
  return text + ")";
}

// Solvables whose dependencies can only be met by records with track_features (directly or
// through other such solvables), among those with an untainted twin of the same name and
// version: the ones conda would not pick over the twin. Work is proportional to the packages
// that depend on featured names, not to the pool.
std::vector<solv::Id> feature_tainted(solv::Pool& pool, const std::vector<solv::Id>& featured,
                                      const std::vector<uint8_t>& excluded,
                                      const std::vector<solv::Id>& roots) {
  if (featured.empty()) return {};
  const size_t n = static_cast<size_t>(pool.solvable_count());
  // Only what the request can reach matters: walk the dependency graph from the candidates of
  // the requested specs (a few thousand solvables, not the whole channel).
  std::vector<uint8_t> reached(n, 0);
  std::vector<solv::Id> order, work;
  for (solv::Id r : roots)
    if (!excluded[r] && !reached[r]) reached[r] = 1, work.push_back(r);
  std::unordered_set<solv::Id> deps_seen;
  while (!work.empty()) {
    solv::Id p = work.back();
    work.pop_back();
    order.push_back(p);
    for (const solv::Id* dp = pool.requires_ptr(p); *dp; ++dp) {
      if (solv::Pool::is_marker(*dp) || !deps_seen.insert(*dp).second) continue;
      for (const solv::Id* qp = pool.providers_ptr(*dp); *qp; ++qp)
        if (!excluded[*qp] && !reached[*qp]) reached[*qp] = 1, work.push_back(*qp);
    }
  }
  std::vector<uint8_t> tainted(n, 0);
  bool any_featured = false;
  for (solv::Id p : featured)
    if (reached[p]) tainted[p] = 1, any_featured = true;
  if (!any_featured) return {};
  // A dependency all of whose providers are tainted taints its owner; repeat to a fixed point
  // (the number of rounds is the depth of the chains, a handful).
  auto all_tainted = [&](solv::Id dep) {
    bool any = false;
    for (const solv::Id* qp = pool.providers_ptr(dep); *qp; ++qp) {
      if (excluded[*qp]) continue;
      if (!tainted[*qp]) return false;
      any = true;
    }
    return any;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (solv::Id p : order) {
      if (tainted[p]) continue;
      for (const solv::Id* dp = pool.requires_ptr(p); *dp; ++dp) {
        if (!solv::Pool::is_marker(*dp) && all_tainted(*dp)) {
          tainted[p] = 1;
          changed = true;
          break;
        }
      }
    }
  }
  std::vector<solv::Id> out;
  for (solv::Id id : order) {
    if (!tainted[id]) continue;
    bool has_clean_twin = false;
    for (const solv::Id* qp = pool.providers_ptr(pool.name_id(id)); *qp; ++qp) {
      solv::Id q = *qp;
      if (q == id || excluded[q] || tainted[q] || pool.name_id(q) != pool.name_id(id)) continue;
      if (pool.solvable_version(q) == pool.solvable_version(id)) {
        has_clean_twin = true;
        break;
      }
    }
    if (has_clean_twin) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<Outcome> solve(const std::vector<RepodataSource>& sources, const Request& request) {
  solv::Pool pool;

  // 1. Channels: one repo per channel and subdir; channel order decides priority.
  std::map<std::string, int> channel_rank;
  std::vector<int> rank_of_source;
  for (const auto& src : sources) {
    auto [it, _] = channel_rank.emplace(src.channel, static_cast<int>(channel_rank.size()));
    rank_of_source.push_back(it->second);
  }
  std::vector<solv::Repo> repos;
  repos.reserve(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    repos.emplace_back(pool, sources[i].channel + "/" + sources[i].subdir, static_cast<int>(i));
    repos.back().set_priority(static_cast<int>(channel_rank.size()) - rank_of_source[i]);
    ENVLOCK_TRY_VOID(load_repodata(repos.back(), sources[i], request.cache_dir));
  }

  // 2. Virtual packages describe the target system.
  solv::Repo virtual_repo(pool, "@virtual", -1);
  if (!request.virtual_packages.empty())
    ENVLOCK_TRY_VOID(virtual_repo.add_conda_json(virtual_repodata(request.virtual_packages)));

  // 3. Exclusions: records newer than the cut-off, and (strict priority) names shadowed by a
  //    higher-priority channel. Excluded solvables are invisible to the solver.
  std::set<solv::Id> excluded;
  std::set<solv::Id> too_new;
  std::unordered_map<solv::Id, int> best_rank;
  std::vector<solv::Id> featured;  // records with track_features
  for (size_t i = 0; i < repos.size(); ++i) {
    for (solv::Id p : repos[i].solvables()) {
      if (request.exclude_newer_ms &&
          static_cast<int64_t>(pool.timestamp_s(p)) * 1000 > *request.exclude_newer_ms) {
        excluded.insert(p);
        too_new.insert(p);
        continue;
      }
      if (pool.track_feature_count(p) > 0) featured.push_back(p);
      auto [it, inserted] = best_rank.emplace(pool.name_id(p), rank_of_source[i]);
      if (!inserted) it->second = std::min(it->second, rank_of_source[i]);
    }
  }
  if (request.channel_priority == ChannelPriority::strict) {
    for (size_t i = 0; i < repos.size(); ++i)
      for (solv::Id p : repos[i].solvables())
        if (!excluded.count(p) && rank_of_source[i] > best_rank[pool.name_id(p)])
          excluded.insert(p);
  }
  pool.exclude(std::vector<solv::Id>(excluded.begin(), excluded.end()));
  pool.create_whatprovides();

  // 4. Jobs: each requested spec becomes "install one of" the candidates our own MatchSpec
  //    accepts, so bracket keys, channels and build globs mean exactly what conda means.
  solv::Request jobs;
  std::vector<solv::Id> roots;
  std::vector<std::string> job_names;
  std::vector<std::string> missing;
  for (const auto& ms : request.specs) {
    if (has_glob(ms.name))
      return Error{ErrorKind::input, spec_text(ms), "a package name glob cannot be locked"};
    std::vector<solv::Id> candidates;  // (also the roots of the feature-taint walk)
    std::vector<spec::PackageRecord> near;
    for (solv::Id p : pool.what_matches(pool.intern(ms.name))) {
      if (excluded.count(p) || pool.name_id(p) != pool.intern(ms.name)) continue;
      auto f = pool.fields(p);
      auto record = f.repo_index >= 0 ? record_of(f, sources) : record_of(f, {});
      if (ms.matches(record))
        candidates.push_back(p);
      else
        near.push_back(std::move(record));
    }
    if (candidates.empty()) {
      size_t hidden_by_date = std::count_if(too_new.begin(), too_new.end(), [&](solv::Id p) {
        return pool.name_id(p) == pool.intern(ms.name);
      });
      missing.push_back(nothing_provides(ms, near, hidden_by_date));
      continue;
    }
    roots.insert(roots.end(), candidates.begin(), candidates.end());
    jobs.install_one_of(std::move(candidates));
    job_names.push_back(spec_text(ms));
  }
  if (!missing.empty()) return Outcome{Unsatisfiable{std::move(missing)}};

  // 5. Updated names: a solve without the held packages tells which build a full relock would
  //    take; requiring it below moves NAME there, and the held packages that cannot stay with
  //    it move too (a mere absence of its hold would let the others keep NAME where it was).
  std::set<std::string> updating(request.update.begin(), request.update.end());
  if (!updating.empty()) {
    solv::Solver fresh(pool);
    if (fresh.solve(jobs) == 0) {
      for (solv::Id p : fresh.installed_solvables()) {
        std::string name = pool.solvable_name(p);
        if (!updating.count(name)) continue;
        jobs.install_one_of({p});
        job_names.push_back("--update " + name + " (to " + pool.solvable_version(p) + " " +
                            pool.solvable_build(p) + ")");
      }
    }
  }

  // 6. Held packages: prefer what the lock has unless the name is being updated.
  for (const auto& held : request.held) {
    if (updating.count(held.name)) continue;
    for (solv::Id p : pool.what_matches(pool.intern(held.name))) {
      if (excluded.count(p) || pool.name_id(p) != pool.intern(held.name)) continue;
      if (pool.solvable_version(p) == held.version && pool.solvable_build(p) == held.build)
        jobs.favor_solvable(p);
    }
  }

  // 7. conda deprioritises track_features (e.g. the `nomkl` blas). libsolv already prefers a
  //    candidate without features, but not a build that merely *depends* on one; such builds
  //    are disfavoured when a build of the same name and version without that taint exists.
  std::vector<uint8_t> excluded_flags(static_cast<size_t>(pool.solvable_count()), 0);
  for (solv::Id p : excluded) excluded_flags[static_cast<size_t>(p)] = 1;
  for (solv::Id p : feature_tainted(pool, featured, excluded_flags, roots)) jobs.disfavor_solvable(p);

  // 8. Solve; a failure is explained in terms of the requested specs.
  solv::Solver solver(pool);
  if (solver.solve(jobs) != 0) {
    auto problems = solver.problem_texts([&](int item) {
      if (item >= 0 && static_cast<size_t>(item) < job_names.size())
        return "requested " + job_names[static_cast<size_t>(item)];
      return std::string("a held package");
    });
    return Outcome{Unsatisfiable{std::move(problems)}};
  }

  Solution solution;
  for (solv::Id p : solver.installed_solvables()) {
    auto f = pool.fields(p);
    if (f.repo_index < 0) continue;  // virtual packages are not installed
    solution.packages.push_back(record_of(f, sources));
  }
  std::sort(solution.packages.begin(), solution.packages.end(), [](const auto& a, const auto& b) {
    return a.name < b.name;
  });
  return Outcome{std::move(solution)};
}

}  // namespace envlock::solve
