#include "lib/solve/solve.h"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "lib/hash/hash.h"
#include "lib/solve/solv/solv.h"
#include "lib/spec/repodata_index.h"
#include "lib/spec/version.h"
#include "lib/spec/version_spec.h"
#include "lib/util/file.h"
#include "lib/util/parallel.h"

namespace envlock::solve {
namespace {

// Bumped whenever the index format or what we derive from it changes.
constexpr const char* k_cache_format = "envlock-repodata-index-2";

// "<origin hash>-<content hash>.idx": one index per repodata location, replaced when the
// repodata changes, so the cache does not grow with every channel update.
std::string cache_name(const std::string& origin, uint64_t json_hash) {
  char name[64];
  std::snprintf(name,
                sizeof name,
                "%016" PRIx64 "-%016" PRIx64 ".idx",
                hash::xxh3_64(origin),
                json_hash ^ hash::xxh3_64(k_cache_format));
  return name;
}

// Removes the other indexes of the same origin as `keep` (older versions of that repodata).
void remove_stale_indexes(const std::string& dir, const std::string& keep) {
  std::error_code ec;
  const std::string prefix = keep.substr(0, 17);  // "<origin hash>-"
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name != keep && name.starts_with(prefix) && name.ends_with(".idx"))
      std::filesystem::remove(entry.path(), ec);  // best effort: a leftover is only disk space
  }
}

// The name index of one repodata, from the cache when it holds one for these bytes.
Result<spec::RepodataIndex> index_repodata(const RepodataSource& source,
                                           const std::string& cache_dir) {
  std::string name;
  if (!cache_dir.empty()) {
    name = cache_name(source.origin, source.xxh3 ? source.xxh3 : hash::xxh3_64(source.json));
    if (auto bytes = read_file(cache_dir + "/" + name); bytes.ok()) {
      // A cache file that is damaged or does not fit these bytes is ignored; the JSON is the
      // truth. The trailing xxh3 catches damage the index's own bounds checks cannot see.
      std::string_view file = *bytes;
      uint64_t sum = 0;
      if (file.size() > sizeof sum) {
        std::memcpy(&sum, file.data() + file.size() - sizeof sum, sizeof sum);
        file.remove_suffix(sizeof sum);
      }
      if (sum != 0 && sum == hash::xxh3_64(file)) {
        auto index = spec::RepodataIndex::deserialize(
            file, source.json, source.readable_past_end, source.origin);
        if (index.ok()) return index;
      }
    }
  }
  auto index = spec::RepodataIndex::build(source.json, source.readable_past_end, source.origin);
  if (index.ok() && !name.empty()) {
    std::string file = index->serialize();
    uint64_t sum = hash::xxh3_64(file);
    file.append(reinterpret_cast<const char*>(&sum), sizeof sum);
    // A failed write only costs the next run an index build.
    if (write_file_atomic(cache_dir + "/" + name, file, Durability::no_fsync).ok())
      remove_stale_indexes(cache_dir, name);
  }
  return index;
}

// index_repodata for every source, on up to one thread per core (the sources are independent;
// a platform and noarch are the usual pair). An exception in a worker is rethrown here.
std::vector<Result<spec::RepodataIndex>> index_all(const std::vector<RepodataSource>& sources,
                                                   const std::string& cache_dir) {
  std::vector<std::optional<Result<spec::RepodataIndex>>> built(sources.size());
  parallel_for(sources.size(), 0, [&](size_t i) {
    if (sources[i].form == RepodataSource::Form::shards) {
      static constexpr std::string_view k_empty = R"({"packages":{},"packages.conda":{}})";
      built[i].emplace(spec::RepodataIndex::build(k_empty, 0, sources[i].origin));
    } else {
      built[i].emplace(index_repodata(sources[i], cache_dir));
    }
  });
  std::vector<Result<spec::RepodataIndex>> out;
  out.reserve(sources.size());
  for (auto& index : built) out.push_back(std::move(*index));
  return out;
}

// A record loaded from a source, with its position in that source's file.
struct Loaded {
  uint32_t ordinal;
  spec::PackageRecord record;
};

// Whether a dependency name is a pattern libsolv matches against every package name: a glob
// with '*', or a regular expression "^...$" (both case-insensitive).
bool is_name_pattern(const std::string& name) {
  return name.find('*') != std::string::npos ||
         (name.size() > 1 && name.front() == '^' && name.back() == '$');
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Whether `name` is one of the names the pattern stands for (as names_matching decides).
bool name_matches_pattern(const std::string& pattern, std::string_view name) {
  if (pattern.front() == '^') {
    try {
      std::regex re(pattern, std::regex::ECMAScript | std::regex::icase);
      return std::regex_match(name.begin(), name.end(), re);
    } catch (const std::regex_error&) {
      return false;
    }
  }
  return spec::glob_match(pattern, lowercase(name));
}

// The package names of `indexes` that the pattern `name` stands for.
std::vector<std::string> names_matching(const std::string& pattern,
                                        const std::vector<spec::RepodataIndex>& indexes) {
  std::vector<std::string> out;
  std::optional<std::regex> re;
  if (pattern.front() == '^') {
    try {
      re.emplace(pattern, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error&) {
      return out;  // libsolv matches nothing with a regex it cannot compile either
    }
  }
  for (const auto& index : indexes)
    for (std::string_view name : index.names())
      if (re ? std::regex_match(name.begin(), name.end(), *re)
             : spec::glob_match(pattern, lowercase(name)))  // the pattern is lower case already
        out.emplace_back(name);
  return out;
}

// Loads the records of every name the request can reach: the `seeds`, then transitively every
// name a loaded record depends on (in any source), breadth-first, so that sharded sources are
// asked for a whole level of names at once. Per source, in file order (sharded sources: the
// order of a repodata.json whose keys are sorted, "packages" before "packages.conda"). A record
// that cannot be read is passed over, as libsolv's reader passes over fields it cannot read;
// `malformed` counts them by name, for messages.
Result<std::vector<std::vector<Loaded>>> load_reachable(
    const std::vector<RepodataSource>& sources, const std::vector<spec::RepodataIndex>& indexes,
    ShardedRecords* shards, const std::vector<std::string>& seeds,
    std::unordered_map<std::string, size_t>& malformed) {
  std::vector<std::vector<Loaded>> loaded(sources.size());
  std::vector<std::vector<std::string>> shard_names(sources.size());
  for (size_t s = 0; s < sources.size(); ++s)
    if (sources[s].form == RepodataSource::Form::shards) shard_names[s] = shards->names(s);
  std::unordered_set<std::string> seen;
  std::vector<std::string> level;
  auto reach = [&](std::string name, std::vector<std::string>& into) {
    if (!name.empty() && seen.insert(name).second) into.push_back(std::move(name));
  };
  for (const auto& seed : seeds) reach(seed, level);
  auto keep =
      [&](size_t s, uint32_t ordinal, spec::PackageRecord record, std::vector<std::string>& next) {
        for (const auto& dep : record.depends) reach(spec::dependency_name(dep), next);
        const auto& src = sources[s];
        if (record.subdir.empty()) record.subdir = src.subdir;
        record.channel = src.channel;
        record.url = src.channel_url + "/" + src.subdir + "/" + record.fn;
        loaded[s].push_back({ordinal, std::move(record)});
      };
  while (!level.empty()) {
    std::vector<std::string> next;
    std::vector<std::string> names;
    for (auto& name : level) {
      if (!is_name_pattern(name)) {
        names.push_back(std::move(name));
        continue;
      }
      for (auto& match : names_matching(name, indexes)) reach(std::move(match), next);
      for (const auto& list : shard_names)
        for (const auto& candidate : list)
          if (name_matches_pattern(name, candidate)) reach(candidate, next);
    }
    std::vector<std::pair<size_t, std::string>> wanted;
    for (const auto& name : names)
      for (size_t s = 0; s < sources.size(); ++s)
        if (sources[s].form == RepodataSource::Form::shards) wanted.emplace_back(s, name);
    std::vector<std::vector<spec::PackageRecord>> fetched;
    if (!wanted.empty()) {
      ENVLOCK_TRY(got, shards->load(wanted));
      fetched = std::move(got);
    }
    size_t w = 0;
    for (const auto& name : names) {
      for (size_t s = 0; s < sources.size(); ++s) {
        if (sources[s].form == RepodataSource::Form::shards) {
          for (auto& record : fetched[w]) keep(s, 0, std::move(record), next);
          ++w;
          continue;
        }
        for (uint32_t ordinal : indexes[s].records_named(name)) {
          auto record = indexes[s].record(ordinal);
          if (!record.ok()) {
            ++malformed[name];
            continue;
          }
          keep(s, ordinal, std::move(record).value(), next);
        }
      }
    }
    level = std::move(next);
  }
  for (size_t s = 0; s < sources.size(); ++s) {
    auto& records = loaded[s];
    if (sources[s].form == RepodataSource::Form::shards) {
      // conda-index and rattler-index write repodata.json with sorted keys: the same order
      // here makes a sharded solve see its records exactly as a monolithic one does.
      auto key = [](const Loaded& l) {
        return std::pair(l.record.fn.ends_with(".conda"), std::string_view(l.record.fn));
      };
      std::stable_sort(records.begin(), records.end(), [&](const Loaded& a, const Loaded& b) {
        return key(a) < key(b);
      });
      for (size_t i = 0; i < records.size(); ++i) records[i].ordinal = static_cast<uint32_t>(i);
    } else {
      std::sort(records.begin(), records.end(), [](const Loaded& a, const Loaded& b) {
        return a.ordinal < b.ordinal;
      });
    }
  }
  return loaded;
}

// conda prefers a .conda file to the .tar.bz2 of the same package: the .tar.bz2 is dropped,
// and a .conda that comes later takes the .tar.bz2's place (as libsolv's reader does).
std::vector<const spec::PackageRecord*> prefer_conda_format(const std::vector<Loaded>& records) {
  std::vector<const spec::PackageRecord*> out;
  std::unordered_map<std::string_view, size_t> by_stem;  // stem -> index in out
  for (const auto& l : records) {
    std::string_view fn = l.record.fn;
    bool conda = fn.ends_with(".conda");
    if (!conda && !fn.ends_with(".tar.bz2")) {
      out.push_back(&l.record);
      continue;
    }
    std::string_view stem = fn.substr(0, fn.size() - (conda ? 6 : 8));
    auto [it, fresh] = by_stem.emplace(stem, out.size());
    bool had_conda = !fresh && out[it->second]->fn.ends_with(".conda");
    if (fresh) {
      out.push_back(&l.record);
    } else if (conda && !had_conda) {
      out[it->second] = &l.record;
    } else if (conda == had_conda) {  // the same format twice: both stay
      it->second = out.size();
      out.push_back(&l.record);
    }
  }
  return out;
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
                             const std::vector<const spec::PackageRecord*>& near, size_t too_new,
                             size_t malformed) {
  std::string text = "nothing provides requested " + spec_text(ms);
  if (near.empty() && too_new)
    return text + " (every '" + ms.name + "' record is newer than the exclude-newer date)";
  if (near.empty() && malformed)
    return text + " (the channels' " + std::to_string(malformed) + " '" + ms.name +
           "' records are malformed and were skipped)";
  if (near.empty()) return text + " (no package named '" + ms.name + "' in the channels)";
  // Newest first in conda's version order (as text, "0.16.0" would sort below "0.9.1").
  std::vector<std::pair<spec::Version, std::string>> ordered;
  std::set<std::string> versions;
  for (const auto* r : near)
    if (versions.insert(r->version).second)
      if (const auto* v = r->parsed_version()) ordered.emplace_back(*v, r->version);
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
//
// conda maximises the versions of the requested names before it minimises features, so a
// requested name's taint never travels to what depends on it: the requested package is in the
// environment at its best version whatever its dependents are, and disfavouring the builds
// made for that version would drag it down (`r-magrittr r-base`: r-base 3.5.0 needs the
// openblas blas; taint passed on to r-magrittr's r-base 3.5 builds would lock r-base 3.2.0).
std::vector<solv::Id> feature_tainted(solv::Pool& pool, const std::vector<solv::Id>& featured,
                                      const std::vector<solv::Id>& roots,
                                      const std::unordered_set<solv::Id>& requested_names) {
  if (featured.empty()) return {};
  const size_t n = static_cast<size_t>(pool.solvable_count());
  // Only what the request can reach matters: walk the dependency graph from the candidates of
  // the requested specs (a few thousand solvables, not the whole channel).
  std::vector<uint8_t> reached(n, 0);
  std::vector<solv::Id> order, work;
  for (solv::Id r : roots)
    if (!reached[r]) reached[r] = 1, work.push_back(r);
  std::unordered_set<solv::Id> deps_seen;
  while (!work.empty()) {
    solv::Id p = work.back();
    work.pop_back();
    order.push_back(p);
    for (const solv::Id* dp = pool.requires_ptr(p); *dp; ++dp) {
      if (solv::Pool::is_marker(*dp) || !deps_seen.insert(*dp).second) continue;
      for (const solv::Id* qp = pool.providers_ptr(*dp); *qp; ++qp)
        if (!reached[*qp]) reached[*qp] = 1, work.push_back(*qp);
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
      if (!tainted[*qp] || requested_names.count(pool.name_id(*qp))) return false;
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
      if (q == id || tainted[q] || pool.name_id(q) != pool.name_id(id)) continue;
      if (pool.solvable_version(q) != pool.solvable_version(id)) continue;
      // A requested name's build number is maximised before features, too.
      if (requested_names.count(pool.name_id(id)) &&
          pool.fields(q).build_number < pool.fields(id).build_number)
        continue;
      has_clean_twin = true;
      break;
    }
    if (has_clean_twin) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The preference among builds that libsolv sees as equal up to the build string (same name,
// version and build number), in the order conda, mamba and rattler agree on: a build for a
// platform before a noarch one (conda), then the build whose dependencies allow the higher
// versions (mamba, rattler; conda reaches the same through its version metrics of every
// package), then the newer timestamp, then the larger build string (conda's
// Resolve.version_key). Returns, per record in such a group, its rank (1 = least preferred);
// records alone in their group are absent.
class TieRanks {
 public:
  explicit TieRanks(const std::vector<std::vector<const spec::PackageRecord*>>& kept) {
    for (const auto& records : kept)
      for (const auto* r : records) m_by_name[r->name].push_back(r);
    // Per name, the builds sharing a version and build number end up side by side.
    std::vector<const spec::PackageRecord*> sorted, members;
    for (const auto& [_, records] : m_by_name) {
      if (records.size() < 2) continue;
      sorted = records;
      std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
        return std::tie(a->version, a->build_number) < std::tie(b->version, b->build_number);
      });
      for (size_t i = 0, j = 1; i < sorted.size(); i = j++) {
        while (j < sorted.size() && sorted[j]->version == sorted[i]->version &&
               sorted[j]->build_number == sorted[i]->build_number)
          ++j;
        if (j - i < 2) continue;
        members.assign(sorted.begin() + static_cast<std::ptrdiff_t>(i),
                       sorted.begin() + static_cast<std::ptrdiff_t>(j));
        rank(members);
      }
    }
  }

  uint32_t of(const spec::PackageRecord* r) const {
    auto it = m_rank.find(r);
    return it == m_rank.end() ? 0 : it->second;
  }

 private:
  // Groups larger than this skip the dependency vote (it costs a comparison per pair).
  static constexpr size_t k_max_vote_group = 64;

  void rank(std::vector<const spec::PackageRecord*>& members) {
    const size_t n = members.size();
    // A vote over pairs, counted per build, instead of a sort: the vote is not transitive.
    std::vector<int> wins(n, 0);
    if (n <= k_max_vote_group) {
      for (size_t a = 0; a < n; ++a)
        for (size_t b = a + 1; b < n; ++b) {
          int c = dependency_vote(*members[a], *members[b]);
          if (c > 0) ++wins[a];
          if (c < 0) ++wins[b];
        }
    }
    std::vector<size_t> order(n);
    for (size_t k = 0; k < n; ++k) order[k] = k;
    auto platform = [](const spec::PackageRecord* r) { return r->noarch.empty() ? 1 : 0; };
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const auto *ra = members[a], *rb = members[b];
      if (platform(ra) != platform(rb)) return platform(ra) < platform(rb);
      if (wins[a] != wins[b]) return wins[a] < wins[b];
      if (ra->timestamp != rb->timestamp) return ra->timestamp < rb->timestamp;
      if (ra->build != rb->build) return ra->build < rb->build;
      return ra->url < rb->url;  // the same file in two channels or subdirs
    });
    for (size_t k = 0; k < n; ++k) m_rank[members[order[k]]] = static_cast<uint32_t>(k + 1);
  }

  // > 0 when `a`'s dependencies allow higher versions than `b`'s, < 0 for the reverse: one vote
  // per dependency name both have (with different specs), for the side whose spec reaches the
  // higher version; a spec nothing satisfies loses to one something does.
  int dependency_vote(const spec::PackageRecord& a, const spec::PackageRecord& b) {
    int votes = 0;
    for (const auto& da : a.depends) {
      std::string name = spec::dependency_name(da);
      for (const auto& db : b.depends) {
        if (spec::dependency_name(db) != name) continue;
        if (da != db) {
          const spec::Version* va = highest(da);
          const spec::Version* vb = highest(db);
          if (va && (!vb || *vb < *va)) ++votes;
          if (vb && (!va || *va < *vb)) --votes;
        }
        break;
      }
    }
    return votes;
  }

  // The highest version among the records a dependency spec accepts (null: none).
  const spec::Version* highest(const std::string& dep) {
    auto [it, fresh] = m_highest.emplace(dep, nullptr);
    if (!fresh) return it->second;
    auto ms = spec::MatchSpec::parse(dep);
    if (!ms.ok()) return nullptr;
    auto named = m_by_name.find(ms->name);
    if (named == m_by_name.end()) return nullptr;
    const spec::Version* best = nullptr;
    for (const auto* r : named->second) {
      const spec::Version* v = r->parsed_version();
      if (v && (!best || *best < *v) && ms->matches(*r)) best = v;
    }
    return it->second = best;
  }

  // By name; the views point into the records, which outlive this.
  std::unordered_map<std::string_view, std::vector<const spec::PackageRecord*>> m_by_name;
  std::unordered_map<std::string, const spec::Version*> m_highest;
  std::unordered_map<const spec::PackageRecord*, uint32_t> m_rank;
};

// Names a spec can leave without candidates, for messages.
struct Counts {
  const std::unordered_map<std::string, size_t>& too_new;    // hidden by the date
  const std::unordered_map<std::string, size_t>& malformed;  // unreadable
};

// The libsolv pool of a set of records: one repo per source, then the virtual packages that
// describe the target system. Not movable: the repos point at the pool.
struct Universe {
  solv::Pool pool;
  std::vector<solv::Repo> repos;
  std::vector<spec::PackageRecord> virtual_records;
  std::vector<const spec::PackageRecord*> record_of;  // by solvable Id; null for none
  solv::Id first_virtual = 0;

  Universe(const std::vector<RepodataSource>& sources,
           const std::vector<std::vector<const spec::PackageRecord*>>& kept,
           const std::vector<int>& priority_of_source,
           const std::vector<VirtualPackage>& virtual_packages, const TieRanks& ties) {
    repos.reserve(sources.size() + 1);
    std::set<std::string> features;
    for (size_t i = 0; i < sources.size(); ++i) {
      repos.emplace_back(pool, sources[i].channel + "/" + sources[i].subdir, static_cast<int>(i));
      repos.back().set_priority(priority_of_source[i]);
      add(repos.back(), kept[i], &ties);
      for (const auto* r : kept[i]) features.insert(r->features.begin(), r->features.end());
    }
    for (const auto& vp : virtual_packages) {
      spec::PackageRecord r;
      r.name = vp.name;
      r.version = vp.version.empty() ? "0" : vp.version;
      r.build = vp.build.empty() ? "0" : vp.build;
      virtual_records.push_back(std::move(r));
    }
    // conda's legacy `features: X` needs the feature tracked: conda answers it with a record
    // "X@" (always available, track_features X) that it penalises as any tracked feature.
    for (const auto& feature : features) {
      if (feature.empty()) continue;
      spec::PackageRecord r;
      r.name = feature + "@";
      r.version = "0";
      r.build = "0";
      r.track_features = {feature};
      virtual_records.push_back(std::move(r));
    }
    first_virtual = static_cast<solv::Id>(pool.solvable_count());
    std::vector<const spec::PackageRecord*> pointers;
    for (const auto& r : virtual_records) pointers.push_back(&r);
    add(repos.emplace_back(pool, "@virtual", -1), pointers, nullptr);
    record_of.resize(static_cast<size_t>(pool.solvable_count()), nullptr);
    pool.create_whatprovides();
  }
  Universe(const Universe&) = delete;
  Universe& operator=(const Universe&) = delete;

  const spec::PackageRecord& record(solv::Id p) const { return *record_of[static_cast<size_t>(p)]; }

  // The solvables of exactly this name (what_matches also lists other names' providers).
  std::vector<solv::Id> named(const std::string& name) {
    std::vector<solv::Id> out;
    solv::Id id = pool.intern(name);
    for (solv::Id p : pool.what_matches(id))
      if (pool.name_id(p) == id && record_of[static_cast<size_t>(p)]) out.push_back(p);
    return out;
  }

 private:
  void add(solv::Repo& repo, const std::vector<const spec::PackageRecord*>& records,
           const TieRanks* ties) {
    if (records.empty()) return;
    std::vector<uint32_t> ranks;
    if (ties) {
      ranks.reserve(records.size());
      for (const auto* r : records) ranks.push_back(ties->of(r));
    }
    solv::Id first = repo.add_records(records, ranks);
    record_of.resize(static_cast<size_t>(first) + records.size(), nullptr);
    for (size_t k = 0; k < records.size(); ++k)
      record_of[static_cast<size_t>(first) + k] = records[k];
  }
};

// The records that some solution of `request` could hold, when that is fewer than `kept`;
// nullopt when nothing can be left out. A build is impossible when a dependency has no
// possible provider: none at all, or none among the builds the request allows for a requested
// name (a build for python 3.11 next to a request for python 3.12.*), and so on transitively.
// Only what can never be installed is dropped, so every solution survives.
std::optional<std::vector<std::vector<const spec::PackageRecord*>>> drop_impossible(
    Universe& u, const Request& request,
    const std::vector<std::vector<const spec::PackageRecord*>>& kept) {
  const auto n = static_cast<size_t>(u.pool.solvable_count());
  // Requested names: only the builds every spec on that name accepts can be installed.
  std::unordered_map<solv::Id, std::vector<uint8_t>> allowed;
  for (const auto& ms : request.specs) {
    std::vector<uint8_t> accepts(n, 0);
    bool any = false;
    for (solv::Id p : u.named(ms.name))
      if (ms.matches(u.record(p))) accepts[static_cast<size_t>(p)] = 1, any = true;
    if (!any) return std::nullopt;  // unsatisfiable anyway: explained on the full pool
    auto [it, fresh] = allowed.emplace(u.pool.intern(ms.name), accepts);
    if (!fresh)
      for (size_t k = 0; k < n; ++k) it->second[k] &= accepts[k];
  }
  std::vector<uint8_t> dead(n, 0);
  size_t dropped = 0;
  auto possible = [&](solv::Id dep) {
    auto pin = allowed.find(u.pool.dep_name(dep));
    for (const solv::Id* qp = u.pool.providers_ptr(dep); *qp; ++qp) {
      auto q = static_cast<size_t>(*qp);
      if (!dead[q] && (pin == allowed.end() || pin->second[q])) return true;
    }
    return false;
  };
  // To a fixed point: the rounds are as many as the longest chain of impossible builds.
  for (bool changed = true; changed;) {
    changed = false;
    for (solv::Id p = 2; p < u.first_virtual; ++p) {
      if (dead[static_cast<size_t>(p)] || !u.record_of[static_cast<size_t>(p)]) continue;
      for (const solv::Id* dp = u.pool.requires_ptr(p); *dp; ++dp) {
        if (solv::Pool::is_marker(*dp) || possible(*dp)) continue;
        dead[static_cast<size_t>(p)] = 1;
        ++dropped;
        changed = true;
        break;
      }
    }
  }
  if (dropped == 0) return std::nullopt;
  std::unordered_set<const spec::PackageRecord*> gone;
  for (solv::Id p = 2; p < u.first_virtual; ++p)
    if (dead[static_cast<size_t>(p)]) gone.insert(u.record_of[static_cast<size_t>(p)]);
  auto out = kept;
  for (auto& records : out)
    std::erase_if(records, [&](const spec::PackageRecord* r) { return gone.count(r) > 0; });
  return out;
}

// "torchvision 0.6.1 to 0.16.0 (148 builds)", "numpy 1.15.0 py37_0", "python 2.7.15, 3.6.6":
// the builds of one name, by version range.
std::string builds_text(const Universe& u, const std::set<solv::Id>& builds) {
  const auto& first = u.record(*builds.begin());
  if (builds.size() == 1) return first.name + " " + first.version + " " + first.build;
  std::vector<std::pair<const spec::Version*, std::string>> versions;
  std::set<std::string> seen;
  for (solv::Id p : builds) {
    const auto& r = u.record(p);
    if (seen.insert(r.version).second) versions.emplace_back(r.parsed_version(), r.version);
  }
  std::sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) {
    if (a.first && b.first && *a.first != *b.first) return *a.first < *b.first;
    if (!a.first != !b.first) return !a.first;  // unparsable ones first
    return a.second < b.second;
  });
  std::string text = first.name + " ";
  if (versions.size() <= 3) {
    for (size_t k = 0; k < versions.size(); ++k) text += (k ? ", " : "") + versions[k].second;
  } else {
    text += versions.front().second + " to " + versions.back().second;
  }
  return text + " (" + std::to_string(builds.size()) + " builds)";
}

// "cudatoolkit >=10.2,<10.3" or "cudatoolkit (>=9.2,<9.3 | >=10.1,<10.2 | 6 more)".
std::string deps_text(const std::string& name, const std::set<std::string>& deps) {
  if (deps.size() == 1) return *deps.begin();
  std::string text = name + " (";
  size_t shown = 0;
  for (const auto& dep : deps) {
    if (shown == 3) {
      text += " | " + std::to_string(deps.size() - shown) + " more";
      break;
    }
    std::string_view rest = dep;
    if (rest.starts_with(name)) rest.remove_prefix(name.size());
    while (rest.starts_with(' ')) rest.remove_prefix(1);
    text += (shown++ ? " | " : "") + std::string(rest.empty() ? "*" : rest);
  }
  return text + ")";
}

// One problem's rules as lines a person can read: the requested specs first, then one line per
// package name, cause and other name (every build of torchvision that needs a missing
// cudatoolkit on one line, with the version range and the count), in libsolv's order.
std::string grouped_explanation(const Universe& u, const std::vector<solv::ProblemRule>& rules,
                                const std::function<std::string(int)>& describe_job) {
  using Kind = solv::ProblemRule::Kind;
  struct Group {
    Kind kind;
    std::string other;  // the dependency's or the target's name
    std::set<solv::Id> sources, targets;
    std::set<std::string> deps;
  };
  std::vector<std::string> requested, lines;
  std::vector<Group> groups;
  std::map<std::tuple<Kind, solv::Id, std::string>, size_t> group_of;  // -> index in groups
  std::vector<std::pair<bool, size_t>> order;  // (is a group, index) in first-seen order
  auto known = [&](solv::Id p) {
    return p > 0 && p < u.pool.solvable_count() && u.record_of[static_cast<size_t>(p)];
  };
  for (const auto& rule : rules) {
    if (rule.kind == Kind::job) {
      std::string line = describe_job(rule.job);
      if (std::find(requested.begin(), requested.end(), line) == requested.end())
        requested.push_back(std::move(line));
      continue;
    }
    bool by_dep = rule.kind == Kind::nothing_provides || rule.kind == Kind::needs_uninstallable;
    bool grouped = rule.kind != Kind::other && known(rule.source) &&
                   (by_dep ? rule.dep != 0 : known(rule.target));
    if (!grouped) {
      if (std::find(lines.begin(), lines.end(), rule.text) == lines.end()) {
        order.emplace_back(false, lines.size());
        lines.push_back(rule.text);
      }
      continue;
    }
    std::string other =
        by_dep ? u.pool.dep_text(u.pool.dep_name(rule.dep)) : u.record(rule.target).name;
    solv::Id name = u.pool.name_id(rule.source);
    auto [it, fresh] = group_of.emplace(std::make_tuple(rule.kind, name, other), groups.size());
    if (fresh) {
      order.emplace_back(true, groups.size());
      groups.push_back({rule.kind, other, {}, {}, {}});
    }
    Group& g = groups[it->second];
    g.sources.insert(rule.source);
    if (known(rule.target)) g.targets.insert(rule.target);
    if (rule.dep) g.deps.insert(u.pool.dep_text(rule.dep));
  }
  std::string text;
  for (const auto& line : requested) text += (text.empty() ? "" : "\n") + line;
  for (const auto& [is_group, index] : order) {
    std::string line;
    if (!is_group) {
      line = lines[index];
    } else {
      const Group& g = groups[index];
      std::string who = builds_text(u, g.sources);
      bool one = g.sources.size() == 1;
      switch (g.kind) {
        case Kind::nothing_provides:
          line = who + (one ? " needs " : " need ") + deps_text(g.other, g.deps) +
                 ", which no channel provides";
          break;
        case Kind::needs_uninstallable:
          line = who + (one ? " needs " : " need ") + deps_text(g.other, g.deps) +
                 ", but no build of it can be installed with the rest";
          break;
        case Kind::same_name: {
          std::set<solv::Id> all = g.sources;
          all.insert(g.targets.begin(), g.targets.end());
          line = "only one of " + builds_text(u, all) + " can be installed";
          break;
        }
        case Kind::conflicts:
          line = who + (one ? " conflicts with " : " conflict with ") + builds_text(u, g.targets);
          break;
        case Kind::constrains:
          line = who + (one ? " constrains " : " constrain ") + deps_text(g.other, g.deps) +
                 ", which " + builds_text(u, g.targets) + " breaks";
          break;
        default:
          break;
      }
    }
    text += (text.empty() ? "" : "\n") + line;
  }
  return text;
}

// Solves `request` over the pool `u` (steps 4 to 8 of solve()).
Result<Outcome> solve_in(Universe& u, const Request& request, const Counts& counts) {
  // 4. Jobs: each requested spec becomes "install one of" the candidates our own MatchSpec
  //    accepts, so bracket keys, channels and build globs mean exactly what conda means.
  solv::Request jobs;
  std::vector<solv::Id> roots;
  std::set<std::string> requested_features;
  std::vector<std::string> job_names;
  std::vector<std::string> missing;
  for (const auto& ms : request.specs) {
    std::vector<solv::Id> candidates;  // (also the roots of the feature-taint walk)
    std::vector<const spec::PackageRecord*> near;
    for (solv::Id p : u.named(ms.name)) {
      if (ms.matches(u.record(p)))
        candidates.push_back(p);
      else
        near.push_back(&u.record(p));
    }
    if (candidates.empty()) {
      auto count = [&](const auto& map) {
        auto it = map.find(ms.name);
        return it == map.end() ? size_t{0} : it->second;
      };
      missing.push_back(nothing_provides(ms, near, count(counts.too_new), count(counts.malformed)));
      continue;
    }
    roots.insert(roots.end(), candidates.begin(), candidates.end());
    // A feature every candidate of a requested spec tracks (`nomkl`) is in the solution
    // anyway; conda counts each feature once, so it costs nothing more elsewhere.
    std::set<std::string> common(u.record(candidates.front()).track_features.begin(),
                                 u.record(candidates.front()).track_features.end());
    for (solv::Id p : candidates)
      std::erase_if(common, [&](const std::string& f) {
        const auto& tf = u.record(p).track_features;
        return std::find(tf.begin(), tf.end(), f) == tf.end();
      });
    requested_features.insert(common.begin(), common.end());
    jobs.install_one_of(std::move(candidates));
    job_names.push_back(spec_text(ms));
  }
  if (!missing.empty()) return Outcome{Unsatisfiable{missing, missing}};

  // 5. Updated names: a solve without the held packages tells which build a full relock would
  //    take; requiring it below moves NAME there, and the held packages that cannot stay with
  //    it move too (a mere absence of its hold would let the others keep NAME where it was).
  std::set<std::string> updating(request.update.begin(), request.update.end());
  if (!updating.empty()) {
    solv::Solver fresh(u.pool);
    if (fresh.solve(jobs) == 0) {
      for (solv::Id p : fresh.installed_solvables()) {
        const auto& r = u.record(p);
        if (!updating.count(r.name)) continue;
        jobs.install_one_of({p});
        job_names.push_back("--update " + r.name + " (to " + r.version + " " + r.build + ")");
      }
    }
  }

  // 6. Held packages: prefer what the lock has unless the name is being updated.
  for (const auto& held : request.held) {
    if (updating.count(held.name)) continue;
    for (solv::Id p : u.named(held.name))
      if (u.record(p).version == held.version && u.record(p).build == held.build)
        jobs.favor_solvable(p);
  }

  // 7. conda deprioritises track_features (e.g. the `nomkl` blas). libsolv already prefers a
  //    candidate without features, but not a build that merely *depends* on one; such builds
  //    are disfavoured when a build of the same name and version without that taint exists.
  std::vector<solv::Id> featured;  // (with conda's "X@" records for legacy features)
  for (solv::Id p = 0; p < u.pool.solvable_count(); ++p) {
    if (!u.record_of[static_cast<size_t>(p)]) continue;
    const auto& tf = u.record(p).track_features;
    if (std::any_of(tf.begin(), tf.end(), [&](const std::string& f) {
          return !requested_features.count(f);
        }))
      featured.push_back(p);
  }
  std::unordered_set<solv::Id> requested_names;
  for (const auto& ms : request.specs) requested_names.insert(u.pool.intern(ms.name));
  for (solv::Id p : feature_tainted(u.pool, featured, roots, requested_names))
    jobs.disfavor_solvable(p);

  // 8. Solve; a failure is explained in terms of the requested specs.
  solv::Solver solver(u.pool);
  if (solver.solve(jobs) != 0) {
    auto describe_job = [&](int item) {
      if (item >= 0 && static_cast<size_t>(item) < job_names.size())
        return "requested " + job_names[static_cast<size_t>(item)];
      return std::string("a held package");
    };
    Unsatisfiable unsat;
    unsat.details = solver.problem_texts(describe_job);
    for (const auto& rules : solver.problem_rules())
      unsat.problems.push_back(grouped_explanation(u, rules, describe_job));
    return Outcome{std::move(unsat)};
  }

  Solution solution;
  for (solv::Id p : solver.installed_solvables())
    if (p < u.first_virtual)
      solution.packages.push_back(u.record(p));  // virtual ones are not installed
  std::sort(solution.packages.begin(), solution.packages.end(), [](const auto& a, const auto& b) {
    return a.name < b.name;
  });
  return Outcome{std::move(solution)};
}

}  // namespace

Result<Outcome> solve(const std::vector<RepodataSource>& sources, const Request& request) {
  for (const auto& ms : request.specs)
    if (has_glob(ms.name))
      return Error{ErrorKind::input, spec_text(ms), "a package name glob cannot be locked"};

  // 1. Records: index every repodata by name, then parse only the names the request reaches.
  std::vector<spec::RepodataIndex> indexes;
  indexes.reserve(sources.size());
  for (auto& index : index_all(sources, request.cache_dir)) {
    if (!index.ok()) return index.error();  // the first failing source, in channel order
    indexes.push_back(std::move(index).value());
  }
  std::vector<std::string> seeds;
  for (const auto& ms : request.specs) seeds.push_back(ms.name);
  for (const auto& held : request.held) seeds.push_back(held.name);
  for (const auto& name : request.update) seeds.push_back(name);
  std::unordered_map<std::string, size_t> malformed;  // name -> records that could not be read
  if (request.shards == nullptr)
    for (const auto& src : sources)
      if (src.form == RepodataSource::Form::shards)
        return Error{ErrorKind::internal, src.origin, "a sharded source without a shard loader"};
  ENVLOCK_TRY(loaded, load_reachable(sources, indexes, request.shards, seeds, malformed));

  // 2. Exclusions: records newer than the cut-off, and (strict priority) names shadowed by a
  //    higher-priority channel never enter the pool.
  std::map<std::string, int> channel_rank;
  std::vector<int> rank_of_source;
  for (const auto& src : sources) {
    auto [it, _] = channel_rank.emplace(src.channel, static_cast<int>(channel_rank.size()));
    rank_of_source.push_back(it->second);
  }
  // The .conda/.tar.bz2 choice comes first, as when libsolv read the whole file: a .conda
  // that is too new hides its .tar.bz2 twin too.
  std::vector<std::vector<const spec::PackageRecord*>> kept(loaded.size());
  std::unordered_map<std::string, size_t> too_new;  // name -> records hidden by the date
  std::unordered_map<std::string, int> best_rank;
  for (size_t i = 0; i < loaded.size(); ++i) {
    kept[i] = prefer_conda_format(loaded[i]);
    if (request.exclude_newer_ms) {
      std::erase_if(kept[i], [&](const spec::PackageRecord* r) {
        if (r->timestamp <= *request.exclude_newer_ms) return false;
        ++too_new[r->name];
        return true;
      });
    }
    for (const auto* r : kept[i]) {
      auto [it, inserted] = best_rank.emplace(r->name, rank_of_source[i]);
      if (!inserted) it->second = std::min(it->second, rank_of_source[i]);
    }
  }
  if (request.channel_priority == ChannelPriority::strict) {
    // A spec that names its channel ("bioconda::samtools") asks for that channel's builds even
    // where a higher channel has the name.
    auto asked_from = [&](const std::string& name, const RepodataSource& src) {
      return std::any_of(request.specs.begin(), request.specs.end(), [&](const auto& ms) {
        return ms.name == name && ms.channel && *ms.channel != "*" &&
               (spec::channel_matches(*ms.channel, src.channel) ||
                spec::channel_matches(*ms.channel, src.channel_url));
      });
    };
    for (size_t i = 0; i < kept.size(); ++i)
      std::erase_if(kept[i], [&](const spec::PackageRecord* r) {
        return rank_of_source[i] > best_rank.at(r->name) && !asked_from(r->name, sources[i]);
      });
  }

  // libsolv prefers a higher repo priority over a higher version and falls back to a lower one
  // only when needed: conda's flexible priority (and, after the filter above, strict). With
  // priority disabled every repo is equal.
  std::vector<int> priority_of_source;
  for (int rank : rank_of_source)
    priority_of_source.push_back(request.channel_priority == ChannelPriority::disabled
                                     ? 0
                                     : static_cast<int>(channel_rank.size()) - rank);
  Counts counts{too_new, malformed};

  // 3. Builds that no solution can hold are left out of the pool: libsolv writes a rule for
  //    every pair of builds of a name, so dropping a name's builds for other pythons (say)
  //    spares it most of its work. A request found unsatisfiable without them is solved again
  //    with every build, so that the explanation is the one libsolv gives on everything.
  TieRanks ties(kept);
  Universe full(sources, kept, priority_of_source, request.virtual_packages, ties);
  auto possible = drop_impossible(full, request, kept);
  if (possible) {
    Universe pruned(sources, *possible, priority_of_source, request.virtual_packages, ties);
    ENVLOCK_TRY(outcome, solve_in(pruned, request, counts));
    if (std::holds_alternative<Solution>(outcome)) return outcome;
  }
  return solve_in(full, request, counts);
}

}  // namespace envlock::solve
