#include "lib/pypi/resolve.h"

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "lib/pypi/marker.h"
#include "lib/pypi/name.h"

namespace envlock::pypi {
namespace {

std::string trim(std::string s) {
  size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One requirement placed on a name, with the chain that led to it.
struct Constraint {
  SpecifierSet specifier;
  std::string text;   // as written: "urllib3<3,>=1.21.1"
  std::string chain;  // "environment.yml:9:7 'requests' -> requests 2.31.0"
  bool exact =
      false;  // a single "==V" clause without a wildcard: PEP 592 lets it take yanked files
};

// A version of a name with the wheel pip would take for the target.
struct Candidate {
  Version version;
  std::optional<IndexFile> wheel;         // best compatible, not yanked
  std::optional<IndexFile> yanked_wheel;  // best compatible, yanked
  std::vector<std::string> sdists;        // source distributions of this version
  size_t incompatible_wheels = 0;
  std::string python_excluded;  // a Requires-Python of the index that excluded a wheel
};

Candidate candidate_of(const Version& v) {
  Candidate c;
  c.version = v;
  return c;
}

struct Pin {
  std::optional<Version> version;
  std::string version_text;
  IndexFile file;
  bool provided = false;
  std::string conda_name;
  std::shared_ptr<const CoreMetadata> metadata;
  std::shared_ptr<const std::vector<Requirement>> requires_dist;
  std::string chain;  // the chain of its first requirement, extended by its own name
};

struct State {
  std::map<std::string, Pin> pins;
  std::map<std::string, std::vector<Constraint>> constraints;
  std::map<std::string, std::set<std::string>> extras;
  std::vector<std::string> order;  // names in the order they were first required
};

// A failed branch and how deep it got: the deepest is what we explain.
struct Failure {
  std::vector<std::string> lines;
  size_t depth = 0;
};

bool is_exact(const std::string& specifier_text) {
  std::string s = trim(specifier_text);
  return s.rfind("==", 0) == 0 && s.find(',') == std::string::npos &&
         s.find('*') == std::string::npos;
}

class Resolver {
 public:
  Resolver(Provider& provider, const ResolveRequest& request)
      : m_provider(provider),
        m_request(request),
        m_env(MarkerEnvironment::for_target(request.target.conda_subdir,
                                            request.python_full_version)),
        m_tags(compatible_tags(request.target)) {}

  using Outcome = std::variant<Resolution, Unresolvable>;

  Result<Outcome> run() {
    auto python = Version::parse(m_request.python_full_version);
    if (!python.ok())
      return Error{ErrorKind::input,
                   "python " + m_request.python_full_version,
                   "not a PEP 440 version: " + python.error().message};
    m_python = std::move(python).value();
    State state;
    for (const auto& p : m_request.provided) {
      auto version = Version::parse(p.version);
      if (!version.ok()) continue;  // not PEP 440: resolved from the index as if absent
      Pin pin;
      pin.version = *version;
      pin.version_text = p.version;
      pin.provided = true;
      pin.conda_name = p.conda_name;
      pin.chain = "conda package " + p.conda_name + " " + p.version;
      state.pins.emplace(normalize_name(p.name), std::move(pin));
    }
    for (const auto& root : m_request.requirements) {
      const Requirement& r = root.requirement;
      if (r.marker && !r.marker->evaluate(m_env)) continue;
      auto failure = add_requirement(state, r, root.source + " '" + r.str() + "'");
      if (!m_error.ok()) return m_error.take_error();
      if (failure) return Outcome{Unresolvable{std::move(failure->lines)}};
    }
    bool solved = solve(state);
    if (!m_error.ok()) return m_error.take_error();
    if (!solved) {
      std::vector<std::string> lines = m_best.lines;
      if (m_gave_up)
        lines.insert(lines.begin(),
                     "gave up after " + std::to_string(m_rounds) +
                         " candidate versions; the deepest conflict found:");
      if (lines.empty()) lines.push_back("no resolution found");
      return Outcome{Unresolvable{std::move(lines)}};
    }
    Resolution out;
    out.rounds = m_rounds;
    for (const auto& [name, pin] : state.pins) {
      if (pin.provided) continue;
      ResolvedDistribution d;
      d.name = name;
      d.version = pin.version->str();
      d.file = pin.file;
      d.requires_python = pin.metadata->requires_python;
      const auto& extras = state.extras[name];
      d.extras.assign(extras.begin(), extras.end());
      std::set<std::string> seen;
      for (const auto& r : *pin.requires_dist) {
        if (!applies(r, extras)) continue;
        std::string dep = normalize_name(r.name);
        if (!seen.insert(dep).second) continue;
        d.dependencies.push_back(dep + " " + lock_constraint(r.specifier));
      }
      out.distributions.push_back(std::move(d));
    }
    return Outcome{std::move(out)};
  }

 private:
  // Whether a requirement of a distribution applies on the target for its base or one of
  // the requested extras.
  bool applies(const Requirement& r, const std::set<std::string>& extras) const {
    if (!r.marker) return true;
    if (r.marker->evaluate(m_env)) return true;
    for (const auto& e : extras)
      if (r.marker->evaluate(m_env, e)) return true;
    return false;
  }

  void note(const Failure& f) {
    if (m_best.lines.empty() || f.depth > m_best.depth) m_best = f;
  }

  // Adds one requirement; fails when it excludes a pinned version. Metadata errors land in
  // m_error.
  std::optional<Failure> add_requirement(State& s, const Requirement& r, const std::string& chain) {
    std::string name = normalize_name(r.name);
    if (!r.url.empty())
      return Failure{
          {chain + ": a direct URL requirement ('" + r.str() + "') is not resolved from an index"},
          s.pins.size()};
    Constraint c{r.specifier, r.str(), chain, is_exact(r.specifier.str())};
    if (!s.constraints.count(name)) s.order.push_back(name);
    auto& list = s.constraints[name];
    list.push_back(c);
    auto& known = s.extras[name];
    std::set<std::string> added;
    for (const auto& e : r.extras) {
      std::string extra = normalize_name(e);
      if (known.insert(extra).second) added.insert(extra);
    }
    auto pin = s.pins.find(name);
    if (pin == s.pins.end()) return std::nullopt;
    if (!r.specifier.contains(*pin->second.version, Prereleases::allow)) {
      Failure f;
      f.depth = s.pins.size();
      f.lines.push_back(name + " " + pin->second.version_text + " (" + pin->second.chain +
                        ") does not satisfy '" + r.str() + "' (" + chain + ")");
      if (pin->second.provided)
        f.lines.push_back("  " + name + " is provided by the conda package " +
                          pin->second.conda_name +
                          "; change the conda version or the pip requirement");
      return f;
    }
    if (!added.empty() && !pin->second.provided) return add_dependencies(s, name, added);
    return std::nullopt;
  }

  // Adds the requirements of a pinned distribution: its base ones when `extras` holds "",
  // and those of each extra named.
  std::optional<Failure> add_dependencies(State& s, const std::string& name,
                                          const std::set<std::string>& extras) {
    // Copied: adding requirements may insert into s.pins.
    Pin pin = s.pins.at(name);
    for (const auto& r : *pin.requires_dist) {
      bool take = false;
      if (!r.marker) {
        take = extras.count("") > 0;
      } else if (extras.count("") && r.marker->evaluate(m_env)) {
        take = true;
      } else {
        for (const auto& e : extras)
          if (!e.empty() && r.marker->evaluate(m_env, e) && !r.marker->evaluate(m_env)) take = true;
      }
      if (!take) continue;
      auto f = add_requirement(s, r, pin.chain + " requires '" + r.str() + "'");
      if (f) return f;
    }
    return std::nullopt;
  }

  // The versions of `name`, newest first (a preferred version first of all), each with the
  // wheel pip would take for the target. Cached.
  const std::vector<Candidate>* candidates(const std::string& name) {
    auto it = m_candidates.find(name);
    if (it != m_candidates.end()) return &it->second;
    auto files = m_provider.files(name);
    if (!files.ok()) {
      m_error = files.take_error();
      return nullptr;
    }
    std::map<Version, Candidate, std::greater<>> by_version;
    std::map<std::string, int> priority;  // filename -> tag priority
    for (const auto& f : *files) {
      if (ends_with(f.filename, ".whl")) {
        auto wheel = parse_wheel_filename(f.filename);
        if (!wheel.ok() || normalize_name(wheel->name) != name) continue;
        auto version = Version::parse(wheel->version);
        if (!version.ok()) continue;
        auto& c = by_version.try_emplace(*version, candidate_of(*version)).first->second;
        auto prio = tag_priority(*wheel, m_tags);
        bool python_ok = true;
        if (!f.requires_python.empty()) {
          auto rp = SpecifierSet::parse(f.requires_python);
          // pip ignores a Requires-Python it cannot parse; so do we.
          python_ok = !rp.ok() || rp->contains(*m_python, Prereleases::allow);
        }
        if (!prio || !python_ok) {
          ++c.incompatible_wheels;
          if (prio && !python_ok) c.python_excluded = f.requires_python;
          continue;
        }
        priority[f.filename] = *prio;
        auto& slot = f.yanked ? c.yanked_wheel : c.wheel;
        // Best tag first; between equal tags the smaller file name, so the choice is stable.
        if (!slot || *prio < priority[slot->filename] ||
            (*prio == priority[slot->filename] && f.filename < slot->filename))
          slot = f;
      } else {
        auto sdist = parse_sdist_filename(f.filename);
        if (!sdist.ok() || normalize_name(sdist->name) != name) continue;
        auto version = Version::parse(sdist->version);
        if (!version.ok()) continue;
        auto& c = by_version.try_emplace(*version, candidate_of(*version)).first->second;
        c.sdists.push_back(f.filename);
      }
    }
    std::vector<Candidate> list;
    auto preferred = m_request.preferred.find(name);
    std::optional<Version> keep;
    if (preferred != m_request.preferred.end()) {
      auto v = Version::parse(preferred->second);
      if (v.ok()) keep = *v;
    }
    for (auto& [v, c] : by_version) {
      if (keep && v == *keep)
        list.insert(list.begin(), std::move(c));
      else
        list.push_back(std::move(c));
    }
    return &m_candidates.emplace(name, std::move(list)).first->second;
  }

  Result<std::shared_ptr<const CoreMetadata>> metadata(const std::string& name,
                                                       const IndexFile& file) {
    auto it = m_metadata.find(file.url);
    if (it != m_metadata.end()) return it->second;
    ENVLOCK_TRY(meta, m_provider.metadata(name, file));
    auto shared = std::make_shared<const CoreMetadata>(std::move(meta));
    m_metadata.emplace(file.url, shared);
    return shared;
  }

  Result<std::shared_ptr<const std::vector<Requirement>>> requirements_of(
      const IndexFile& file, const CoreMetadata& meta) {
    auto it = m_requirements.find(file.url);
    if (it != m_requirements.end()) return it->second;
    std::vector<Requirement> list;
    for (const auto& text : meta.requires_dist) {
      auto r = parse_requirement(text);
      if (!r.ok())
        return Error{
            ErrorKind::input, file.filename, "Requires-Dist '" + text + "': " + r.error().message};
      list.push_back(std::move(r).value());
    }
    auto shared = std::make_shared<const std::vector<Requirement>>(std::move(list));
    m_requirements.emplace(file.url, shared);
    return shared;
  }

  std::string constraint_lines(const std::vector<Constraint>& list) const {
    std::string out;
    for (const auto& c : list) out += "\n  '" + c.text + "' (" + c.chain + ")";
    return out;
  }

  // Pins the next undecided name, recursively; true when every name is pinned.
  bool solve(State& s) {
    std::string name;
    for (const auto& n : s.order)
      if (!s.pins.count(n)) {
        name = n;
        break;
      }
    if (name.empty()) return true;
    const auto& constraints = s.constraints[name];
    const std::vector<Candidate>* cands = candidates(name);
    if (!cands) return false;
    size_t depth = s.pins.size();
    if (cands->empty()) {
      note({{"no distribution named " + name +
             " on the index, required by:" + constraint_lines(constraints)},
            depth});
      return false;
    }
    auto satisfies = [&](const Version& v, Prereleases mode) {
      return std::all_of(constraints.begin(), constraints.end(), [&](const Constraint& c) {
        return c.specifier.contains(v, mode);
      });
    };
    bool exact = std::any_of(
        constraints.begin(), constraints.end(), [](const Constraint& c) { return c.exact; });
    auto usable = [&](const Candidate& c) { return c.wheel || (exact && c.yanked_wheel); };
    // Pre-releases only when asked for, or when no final release would do (pip's rule).
    Prereleases mode = m_request.prereleases;
    if (mode == Prereleases::by_specifier &&
        std::none_of(cands->begin(), cands->end(), [&](const Candidate& c) {
          return usable(c) && satisfies(c.version, Prereleases::by_specifier);
        }))
      mode = Prereleases::allow;
    std::vector<std::string> rejected;
    for (const auto& cand : *cands) {
      if (!satisfies(cand.version, mode)) continue;
      std::string label = name + " " + cand.version.str();
      if (!usable(cand)) {
        if (cand.yanked_wheel)
          rejected.push_back(label + ": yanked (only an exact '==' pin takes a yanked file)");
        else if (!cand.python_excluded.empty())
          rejected.push_back(label + ": Requires-Python '" + cand.python_excluded +
                             "' excludes python " + m_request.python_full_version);
        else if (!cand.sdists.empty() && cand.incompatible_wheels == 0)
          rejected.push_back(label + ": only source distributions (" + cand.sdists.front() +
                             "); envlock locks wheels only");
        else
          rejected.push_back(label + ": no wheel for " + m_request.target.conda_subdir +
                             " and python " + m_request.python_full_version);
        continue;
      }
      if (++m_rounds > m_request.max_rounds) {
        m_gave_up = true;
        return false;
      }
      const IndexFile& file = cand.wheel ? *cand.wheel : *cand.yanked_wheel;
      auto meta = metadata(name, file);
      if (!meta.ok()) {
        m_error = meta.take_error();
        return false;
      }
      auto reqs = requirements_of(file, **meta);
      if (!reqs.ok()) {
        m_error = reqs.take_error();
        return false;
      }
      if (const auto& rp = (*meta)->requires_python; !rp.empty()) {
        auto spec = SpecifierSet::parse(rp);
        if (spec.ok() && !spec->contains(*m_python, Prereleases::allow)) {
          rejected.push_back(label + ": Requires-Python '" + rp + "' excludes python " +
                             m_request.python_full_version);
          continue;
        }
      }
      State next = s;
      Pin pin;
      pin.version = cand.version;
      pin.version_text = cand.version.str();
      pin.file = file;
      pin.metadata = *meta;
      pin.requires_dist = *reqs;
      pin.chain = constraints.front().chain + " -> " + label;
      next.pins.emplace(name, std::move(pin));
      std::set<std::string> extras = next.extras[name];
      extras.insert("");
      auto failure = add_dependencies(next, name, extras);
      if (!m_error.ok()) return false;
      if (failure) {
        note(*failure);
        continue;
      }
      if (solve(next)) {
        s = std::move(next);
        return true;
      }
      if (!m_error.ok() || m_gave_up) return false;
    }
    std::string text =
        "no version of " + name + " fits every requirement on it:" + constraint_lines(constraints);
    for (const auto& r : rejected) text += "\n  " + r;
    note({{text}, depth});
    return false;
  }

  Provider& m_provider;
  const ResolveRequest& m_request;
  MarkerEnvironment m_env;
  std::vector<Tag> m_tags;
  std::optional<Version> m_python;
  std::map<std::string, std::vector<Candidate>> m_candidates;
  std::map<std::string, std::shared_ptr<const CoreMetadata>> m_metadata;
  std::map<std::string, std::shared_ptr<const std::vector<Requirement>>> m_requirements;
  Result<bool> m_error = true;  // the first provider or metadata error
  Failure m_best;
  size_t m_rounds = 0;
  bool m_gave_up = false;
};

}  // namespace

std::string lock_constraint(const SpecifierSet& specifier) {
  std::vector<std::string> lower, rest;
  for (const auto& c : specifier.clauses()) {
    bool is_lower = c.op == Specifier::Op::greater || c.op == Specifier::Op::greater_equal;
    (is_lower ? lower : rest).push_back(c.str());
  }
  std::string out;
  for (const auto* group : {&lower, &rest})
    for (const auto& c : *group) out += (out.empty() ? "" : ",") + c;
  return out.empty() ? "*" : out;
}

Result<std::variant<Resolution, Unresolvable>> resolve(Provider& provider,
                                                       const ResolveRequest& request) {
  Resolver resolver(provider, request);
  return resolver.run();
}

}  // namespace envlock::pypi
