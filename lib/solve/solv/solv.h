#pragma once
// Thin RAII wrappers over libsolv (built with conda support). This package is the only place
// that includes libsolv headers; visibility keeps it private to lib/solve.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/spec/package_record.h"
#include "lib/util/result.h"

// Forward declarations of libsolv's C types, so users of this header need no libsolv header.
struct s_Pool;
struct s_Repo;
struct s_Solver;
struct s_Transaction;

namespace envlock::solv {

using Id = int;  ///< libsolv's Id (an index into the pool's strings, solvables, relations)

/// The repodata fields libsolv keeps for a conda solvable, as strings. md5, sha256, size,
/// timestamp, location and license are known only for repos filled by add_conda_json.
struct SolvableFields {
  std::string name, version, build, subdir, fn, md5, sha256, license;
  uint64_t build_number = 0;
  uint64_t size = 0;
  uint64_t timestamp_s = 0;          ///< libsolv stores seconds (it divides millisecond stamps)
  std::vector<std::string> depends;  ///< libsolv's rendering: "name version[ build]"
  std::vector<std::string> constrains;
  std::vector<std::string> track_features;
  int repo_index = -1;  ///< the index given to the Repo that holds it
};

/// A libsolv pool set up for conda (DISTTYPE_CONDA, no architecture). Owns its repos.
class Pool {
 public:
  Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();

  s_Pool* get() const { return m_pool; }

  /// Interns a conda MatchSpec as a libsolv dependency Id (pool_conda_matchspec).
  /// Returns 0 when libsolv cannot parse the spec.
  Id conda_matchspec(const std::string& spec);
  /// Interns a plain string.
  Id intern(std::string_view text);
  /// Builds the provides index; call after all repos are loaded and before solving.
  void create_whatprovides();
  /// Name and version of a solvable.
  std::string solvable_name(Id solvable) const;
  std::string solvable_version(Id solvable) const;
  /// The solvables that match a conda spec (after create_whatprovides()).
  std::vector<Id> what_matches(Id dep);
  /// Everything libsolv knows of a solvable.
  SolvableFields fields(Id solvable) const;
  /// The interned name of a solvable (cheap: no string copy).
  Id name_id(Id solvable) const;
  /// One more than the largest solvable Id (for flag vectors indexed by Id).
  int solvable_count() const;
  /// The zero-terminated dependency Ids a solvable requires (may contain libsolv's prereq
  /// marker, which callers skip with is_marker()); valid until the repo changes. No copy.
  const Id* requires_ptr(Id solvable) const;
  /// True for libsolv's SOLVABLE_PREREQMARKER inside a requires list.
  static bool is_marker(Id dep);
  /// The zero-terminated solvables providing `dep` (after create_whatprovides()). No copy.
  const Id* providers_ptr(Id dep);
  /// The package name a dependency Id is about ("python" for "python >=3.9").
  Id dep_name(Id dep) const;
  /// A dependency as text ("python >=3.9"), or an interned string.
  std::string dep_text(Id dep) const;

 private:
  s_Pool* m_pool;
};

/// A repository inside a Pool; the Pool frees it.
class Repo {
 public:
  /// `index` is stored with the repo and reported in SolvableFields::repo_index.
  Repo(Pool& pool, const std::string& name, int index = -1);
  s_Repo* get() const { return m_repo; }
  /// Adds the records of a conda repodata.json held in memory with libsolv's own reader
  /// (repo_add_conda). Fails with ErrorKind::input and libsolv's message when the JSON is
  /// malformed.
  Result<void> add_conda_json(std::string_view json);
  /// Adds `records`, in order, as repo_add_conda would add them: provides `name = version`,
  /// requires from depends, constrains, build string and number, track_features (what the
  /// solver reads; nothing else is stored). Dependencies libsolv cannot parse are dropped, as
  /// repo_add_conda drops them. Two additions of ours:
  /// - `tie_rank[i]` (when given and non-zero) orders record i among the builds of the same
  ///   name, version and build number, higher preferred; libsolv would otherwise prefer the
  ///   larger build string. It is stored in the build number as "<build_number>.<rank>", which
  ///   libsolv compares after the version and before the build string, and matches nowhere.
  /// - each legacy `features` entry X becomes a requirement of the name "X@" (conda's feature
  ///   record; the caller provides it).
  /// Returns the Id of the first; the others follow it. Call once.
  Id add_records(const std::vector<const spec::PackageRecord*>& records,
                 const std::vector<uint32_t>& tie_rank = {});
  /// Sets the repo's priority (higher wins, as conda's channel priority).
  void set_priority(int priority);
  /// Number of solvables in the repo.
  int size() const;

 private:
  Pool* m_pool;
  s_Repo* m_repo;
};

/// libsolv job flags we use, re-exported so callers need no libsolv header.
enum class Job { install, lock, favor, disfavor, update };

/// A request: pairs of (job, dependency or solvable).
class Request {
 public:
  /// Install one package matching the conda spec `dep` (an Id from conda_matchspec).
  void install_spec(Id dep) { m_items.push_back({Job::install, dep, false}); }
  /// Install one of `solvables` (a spec whose candidates were selected by our own matcher).
  void install_one_of(std::vector<Id> solvables) {
    m_items.push_back({Job::install, 0, false, std::move(solvables)});
  }
  /// Keep `solvable` exactly (SOLVER_LOCK).
  void lock_solvable(Id solvable) { m_items.push_back({Job::lock, solvable, true}); }
  /// Prefer `solvable` when it fits (SOLVER_FAVOR).
  void favor_solvable(Id solvable) { m_items.push_back({Job::favor, solvable, true}); }
  /// Avoid `solvable` when there is a choice (SOLVER_DISFAVOR).
  void disfavor_solvable(Id solvable) { m_items.push_back({Job::disfavor, solvable, true}); }

  struct Item {
    Job job;
    Id what;
    bool is_solvable;
    std::vector<Id> one_of;  ///< when non-empty: SOLVER_SOLVABLE_ONE_OF over these
  };
  const std::vector<Item>& items() const { return m_items; }

 private:
  std::vector<Item> m_items;
};

/// One rule of an unsolvable problem, as libsolv reports it (solver_ruleinfo).
struct ProblemRule {
  enum class Kind {
    job,                  ///< a job of the request (`job` is its item index)
    nothing_provides,     ///< `source` needs `dep`, which nothing provides
    needs_uninstallable,  ///< `source` needs `dep`, whose providers cannot be installed
    same_name,            ///< `source` and `target` are builds of one name
    conflicts,            ///< `source` conflicts with `target` (through `dep`)
    constrains,           ///< `source` has the constraint `dep`, which `target` breaks
    other,                ///< anything else; `text` says what
  };
  Kind kind = Kind::other;
  Id source = 0, target = 0, dep = 0;  ///< solvable, solvable, dependency (0: none)
  int job = -1;
  std::string text;  ///< libsolv's sentence for the rule
};

/// A solver over a Pool.
class Solver {
 public:
  explicit Solver(Pool& pool);
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;
  ~Solver();

  /// Solves; returns the number of problems (0 on success).
  int solve(const Request& request);
  /// One description per problem: libsolv's text for each rule involved, except rules that
  /// come from a job of the request, which `describe_job(item index)` names instead.
  std::vector<std::string> problem_texts(
      const std::function<std::string(int item)>& describe_job = nullptr);
  /// The rules of every problem (after a failed solve), in libsolv's order, duplicates removed.
  std::vector<std::vector<ProblemRule>> problem_rules();
  /// The solvables the solution installs (after a successful solve), in pool order.
  std::vector<Id> installed_solvables();

 private:
  Pool* m_pool;
  s_Solver* m_solver;
};

}  // namespace envlock::solv
