#include "lib/solve/solv/solv.h"

#include <stdio_ext.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <solv/bitmap.h>
#include <solv/pool.h>
#include <solv/poolid.h>
#include <solv/repo.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/rules.h>
#include <solv/selection.h>
#include <solv/solver.h>
#include <solv/solverdebug.h>
#include <solv/solvversion.h>
#include <solv/transaction.h>
extern "C" {
#include <solv/conda.h>
#include <solv/repo_conda.h>
}

#ifndef LIBSOLV_FEATURE_CONDA
#error "envlock needs libsolv built with conda support (ENABLE_CONDA); see third_party/libsolv"
#endif

namespace envlock::solv {
namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

struct QueueGuard {
  ::Queue q;
  QueueGuard() { queue_init(&q); }
  QueueGuard(const QueueGuard&) = delete;
  QueueGuard& operator=(const QueueGuard&) = delete;
  ~QueueGuard() { queue_free(&q); }
};

}  // namespace

Pool::Pool() : m_pool(pool_create()) {
  // Conda repos leave s->arch empty: with an arch set nothing would be installable.
  pool_setdisttype(m_pool, DISTTYPE_CONDA);
}

Pool::~Pool() {
  pool_free(m_pool);
}

Id Pool::conda_matchspec(const std::string& spec) {
  return pool_conda_matchspec(m_pool, spec.c_str());
}

Id Pool::intern(std::string_view text) {
  return pool_strn2id(m_pool, text.data(), static_cast<unsigned>(text.size()), 1);
}

void Pool::create_whatprovides() {
  pool_addfileprovides(m_pool);
  pool_createwhatprovides(m_pool);
}

std::string Pool::solvable_name(Id solvable) const {
  return pool_id2str(m_pool, pool_id2solvable(m_pool, solvable)->name);
}

std::string Pool::solvable_version(Id solvable) const {
  return pool_id2str(m_pool, pool_id2solvable(m_pool, solvable)->evr);
}

std::vector<Id> Pool::what_matches(Id dep) {
  ::Pool* pool = m_pool;  // FOR_PROVIDES expects a variable named `pool`
  std::vector<Id> out;
  Id p, pp;
  FOR_PROVIDES(p, pp, dep) out.push_back(p);
  return out;
}

namespace {

std::vector<std::string> dep_strings(::Pool* pool, Solvable* s, Id key) {
  QueueGuard q;
  solvable_lookup_deparray(s, key, &q.q, -1);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(q.q.count));
  for (int i = 0; i < q.q.count; ++i) out.emplace_back(pool_dep2str(pool, q.q.elements[i]));
  return out;
}

std::string str_or_empty(const char* s) {
  return s ? s : "";
}

}  // namespace

SolvableFields Pool::fields(Id solvable) const {
  Solvable* s = pool_id2solvable(m_pool, solvable);
  SolvableFields f;
  f.name = pool_id2str(m_pool, s->name);
  f.version = pool_id2str(m_pool, s->evr);
  f.build = str_or_empty(solvable_lookup_str(s, SOLVABLE_BUILDFLAVOR));
  const char* bn = solvable_lookup_str(s, SOLVABLE_BUILDVERSION);
  f.build_number = bn ? std::strtoull(bn, nullptr, 10) : 0;
  f.license = str_or_empty(solvable_lookup_str(s, SOLVABLE_LICENSE));
  f.size = solvable_lookup_num(s, SOLVABLE_DOWNLOADSIZE, 0);
  f.timestamp_s = solvable_lookup_num(s, SOLVABLE_BUILDTIME, 0);
  Id type = 0;
  f.md5 = str_or_empty(solvable_lookup_checksum(s, SOLVABLE_PKGID, &type));
  f.sha256 = str_or_empty(solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type));
  // The location is "<subdir>/<filename>".
  std::string location = str_or_empty(solvable_lookup_location(s, nullptr));
  auto slash = location.rfind('/');
  if (slash != std::string::npos) {
    f.subdir = location.substr(0, slash);
    f.fn = location.substr(slash + 1);
  } else {
    f.fn = location;
  }
  f.depends = dep_strings(m_pool, s, SOLVABLE_REQUIRES);
  f.constrains = dep_strings(m_pool, s, SOLVABLE_CONSTRAINS);
  QueueGuard tf;
  solvable_lookup_idarray(s, SOLVABLE_TRACK_FEATURES, &tf.q);
  for (int i = 0; i < tf.q.count; ++i)
    f.track_features.emplace_back(pool_id2str(m_pool, tf.q.elements[i]));
  if (s->repo && s->repo->appdata)
    f.repo_index = static_cast<int>(reinterpret_cast<intptr_t>(s->repo->appdata)) - 1;
  return f;
}

Id Pool::name_id(Id solvable) const {
  return pool_id2solvable(m_pool, solvable)->name;
}

int Pool::solvable_count() const {
  return m_pool->nsolvables;
}

const Id* Pool::requires_ptr(Id solvable) const {
  static const Id k_none = 0;
  Solvable* s = pool_id2solvable(m_pool, solvable);
  if (!s->dep_requires || !s->repo) return &k_none;
  return s->repo->idarraydata + s->dep_requires;
}

bool Pool::is_marker(Id dep) {
  return dep == SOLVABLE_PREREQMARKER;
}

const Id* Pool::providers_ptr(Id dep) {
  return pool_whatprovides_ptr(m_pool, dep);
}

Id Pool::dep_name(Id dep) const {
  while (ISRELDEP(dep)) dep = GETRELDEP(m_pool, dep)->name;
  return dep;
}

std::string Pool::dep_text(Id dep) const {
  return pool_dep2str(m_pool, dep);
}

Repo::Repo(Pool& pool, const std::string& name, int index)
    : m_pool(&pool), m_repo(repo_create(pool.get(), name.c_str())) {
  // appdata holds index + 1 so that 0 keeps meaning "no index".
  m_repo->appdata = reinterpret_cast<void*>(static_cast<intptr_t>(index + 1));
}

Result<void> Repo::add_conda_json(std::string_view json) {
  // fmemopen rejects size 0; an empty buffer is malformed repodata anyway.
  if (json.empty()) return Error{ErrorKind::input, "repodata", "empty document"};
  FilePtr f(fmemopen(const_cast<char*>(json.data()), json.size(), "r"));
  if (!f) return Error{ErrorKind::internal, "repodata", "fmemopen failed"};
  // libsolv's JSON reader calls getc() per byte; without this each call takes the FILE lock.
  __fsetlocking(f.get(), FSETLOCKING_BYCALLER);
  if (repo_add_conda(m_repo, f.get(), 0) != 0)
    return Error{ErrorKind::input, "repodata", pool_errstr(m_pool->get())};
  repo_internalize(m_repo);
  return Ok{};
}

Id Repo::add_records(const std::vector<const spec::PackageRecord*>& records,
                     const std::vector<uint32_t>& tie_rank) {
  ::Pool* pool = m_pool->get();
  Repodata* data = repo_add_repodata(m_repo, 0);
  Id first = repo_add_solvable_block(m_repo, static_cast<int>(records.size()));
  auto id_of = [&](const std::string& s) {
    return pool_strn2id(pool, s.data(), static_cast<unsigned>(s.size()), 1);
  };
  for (size_t i = 0; i < records.size(); ++i) {
    const spec::PackageRecord& r = *records[i];
    Id handle = first + static_cast<Id>(i);
    Solvable* s = pool_id2solvable(pool, handle);
    s->name = id_of(r.name);
    s->evr = r.version.empty() ? ID_EMPTY : id_of(r.version);
    for (const auto& dep : r.depends)
      if (Id id = pool_conda_matchspec(pool, dep.c_str()))
        s->dep_requires = repo_addid_dep(m_repo, s->dep_requires, id, 0);
    for (const auto& dep : r.constrains)
      if (Id id = pool_conda_matchspec(pool, dep.c_str()))
        repodata_add_idarray(data, handle, SOLVABLE_CONSTRAINS, id);
    for (const auto& feature : r.features)
      if (!feature.empty())
        s->dep_requires = repo_addid_dep(m_repo, s->dep_requires, id_of(feature + "@"), 0);
    if (!r.build.empty())
      repodata_add_poolstr_array(data, handle, SOLVABLE_BUILDFLAVOR, r.build.c_str());
    // libsolv compares build numbers as conda versions: "4.12" sorts after "4.9" and after "4".
    std::string build_number = std::to_string(r.build_number);
    if (i < tie_rank.size() && tie_rank[i] != 0) build_number += "." + std::to_string(tie_rank[i]);
    repodata_set_str(data, handle, SOLVABLE_BUILDVERSION, build_number.c_str());
    for (const auto& feature : r.track_features) {
      // repo_add_conda trims blanks around array items and skips empty ones.
      size_t b = feature.find_first_not_of(" \t");
      if (b == std::string::npos) continue;
      size_t e = feature.find_last_not_of(" \t");
      repodata_add_idarray(
          data,
          handle,
          SOLVABLE_TRACK_FEATURES,
          pool_strn2id(pool, feature.data() + b, static_cast<unsigned>(e - b + 1), 1));
    }
    s->dep_provides =
        repo_addid_dep(m_repo, s->dep_provides, pool_rel2id(pool, s->name, s->evr, REL_EQ, 1), 0);
  }
  repodata_internalize(data);
  return first;
}

void Repo::set_priority(int priority) {
  m_repo->priority = priority;
}

int Repo::size() const {
  return m_repo->nsolvables;
}

Solver::Solver(Pool& pool) : m_pool(&pool), m_solver(solver_create(pool.get())) {}

Solver::~Solver() {
  solver_free(m_solver);
}

int Solver::solve(const Request& request) {
  QueueGuard jobs;
  for (const auto& item : request.items()) {
    Id how = item.is_solvable ? SOLVER_SOLVABLE : SOLVER_SOLVABLE_PROVIDES;
    switch (item.job) {
      case Job::install:
        how |= SOLVER_INSTALL;
        break;
      case Job::lock:
        how |= SOLVER_LOCK;
        break;
      case Job::favor:
        how |= SOLVER_FAVOR;
        break;
      case Job::disfavor:
        how |= SOLVER_DISFAVOR;
        break;
      case Job::update:
        how |= SOLVER_UPDATE;
        break;
    }
    if (!item.one_of.empty()) {
      QueueGuard sel;
      for (Id p : item.one_of) queue_push(&sel.q, p);
      how = (how & ~SOLVER_SELECTMASK) | SOLVER_SOLVABLE_ONE_OF;
      queue_push2(&jobs.q, how, pool_queuetowhatprovides(m_pool->get(), &sel.q));
      continue;
    }
    queue_push2(&jobs.q, how, item.what);
  }
  return solver_solve(m_solver, &jobs.q);
}

std::vector<std::string> Solver::problem_texts(
    const std::function<std::string(int item)>& describe_job) {
  std::vector<std::string> out;
  int count = solver_problem_count(m_solver);
  for (Id problem = 1; problem <= count; ++problem) {
    QueueGuard rules;
    solver_findallproblemrules(m_solver, problem, &rules.q);
    std::vector<std::string> lines;
    for (int i = 0; i < rules.q.count; ++i) {
      Id rid = rules.q.elements[i];
      std::string line;
      if (describe_job && solver_ruleclass(m_solver, rid) == SOLVER_RULE_JOB) {
        // Job indices step by two (how, what) in the job queue.
        line = describe_job(solver_rule2jobidx(m_solver, rid) / 2);
      } else {
        Id source, target, dep;
        SolverRuleinfo type = solver_ruleinfo(m_solver, rid, &source, &target, &dep);
        line = solver_problemruleinfo2str(m_solver, type, source, target, dep);
      }
      if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
    }
    std::string text;
    for (const auto& line : lines) text += (text.empty() ? "" : "\n") + line;
    if (text.empty()) text = solver_problem2str(m_solver, problem);
    out.push_back(std::move(text));
  }
  return out;
}

std::vector<std::vector<ProblemRule>> Solver::problem_rules() {
  std::vector<std::vector<ProblemRule>> out;
  int count = solver_problem_count(m_solver);
  for (Id problem = 1; problem <= count; ++problem) {
    QueueGuard rules;
    solver_findallproblemrules(m_solver, problem, &rules.q);
    std::vector<ProblemRule> found;
    for (int i = 0; i < rules.q.count; ++i) {
      Id rid = rules.q.elements[i];
      ProblemRule rule;
      if (solver_ruleclass(m_solver, rid) == SOLVER_RULE_JOB) {
        rule.kind = ProblemRule::Kind::job;
        rule.job = solver_rule2jobidx(m_solver, rid) / 2;  // (how, what) pairs in the queue
      } else {
        SolverRuleinfo type = solver_ruleinfo(m_solver, rid, &rule.source, &rule.target, &rule.dep);
        rule.text = solver_problemruleinfo2str(m_solver, type, rule.source, rule.target, rule.dep);
        switch (type) {
          case SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP:
            rule.kind = ProblemRule::Kind::nothing_provides;
            break;
          case SOLVER_RULE_PKG_REQUIRES:
            rule.kind = ProblemRule::Kind::needs_uninstallable;
            break;
          case SOLVER_RULE_PKG_SAME_NAME:
            rule.kind = ProblemRule::Kind::same_name;
            break;
          case SOLVER_RULE_PKG_CONFLICTS:
            rule.kind = ProblemRule::Kind::conflicts;
            break;
          case SOLVER_RULE_PKG_CONSTRAINS:
            rule.kind = ProblemRule::Kind::constrains;
            break;
          default:
            rule.kind = ProblemRule::Kind::other;
        }
      }
      bool seen = std::any_of(found.begin(), found.end(), [&](const ProblemRule& r) {
        return r.kind == rule.kind && r.source == rule.source && r.target == rule.target &&
               r.dep == rule.dep && r.job == rule.job && r.text == rule.text;
      });
      if (!seen) found.push_back(std::move(rule));
    }
    out.push_back(std::move(found));
  }
  return out;
}

std::vector<Id> Solver::installed_solvables() {
  QueueGuard decisions;
  solver_get_decisionqueue(m_solver, &decisions.q);
  std::vector<Id> out;
  for (int i = 0; i < decisions.q.count; ++i) {
    Id p = decisions.q.elements[i];
    if (p > 0 && p != SYSTEMSOLVABLE) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace envlock::solv
