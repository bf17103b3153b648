#include "lib/install/install.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "lib/archive/layout.h"
#include "lib/channel/channel.h"
#include "lib/install/fs_util.h"
#include "lib/install/link.h"
#include "lib/install/wheel.h"
#include "lib/lockfile/lockfile.h"
#include "lib/prefix/dist_info.h"
#include "lib/prefix/prefix.h"
#include "lib/prefix/summary.h"
#include "lib/pypi/name.h"
#include "lib/spec/platform.h"
#include "lib/util/file.h"
#include "lib/util/text.h"

namespace envlock::install {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Result<std::string> absolute_prefix(const std::string& prefix) {
  if (prefix.empty()) return Error{ErrorKind::usage, "--prefix", "is required"};
  std::error_code ec;
  fs::path p = fs::absolute(prefix, ec).lexically_normal();
  if (ec) return io_error(prefix, "resolve", ec.value());
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  if (s == "/") return Error{ErrorKind::usage, "--prefix", "refusing to install into /"};
  return s;
}

// An artifact URL's scheme is the lock's word, so one envlock cannot fetch (ftp://, data:) is
// bad input (exit 2), found before anything is fetched, not a network failure.
Result<void> fetchable_scheme(const Options& o, const lockfile::LockedPackage& p) {
  const size_t colon = p.url.find("://");
  if (colon == std::string::npos) return Ok{};
  std::string scheme = p.url.substr(0, colon);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "http" || scheme == "https" || scheme == "file") return Ok{};
  if (scheme.size() > 16) scheme = scheme.substr(0, 16) + "...";
  return Error{ErrorKind::input,
               o.lock_path,
               p.name + (p.manager == lockfile::Manager::pip ? " (pip)" : "") +
                   ": unsupported URL scheme '" + scheme + "' (use http, https or file)"};
}

// The conda packages the lock holds for `platform` (one per name); pip ones go to `pip` (one
// per PEP 503 name).
Result<std::vector<lockfile::LockedPackage>> locked_packages(
    const Options& o, const std::string& platform, std::vector<lockfile::LockedPackage>& pip) {
  auto read = lockfile::read_lock(o.lock_path);
  if (!read.ok()) {
    Error e = read.take_error();
    if (e.kind == ErrorKind::io) e.kind = ErrorKind::input;  // an unreadable input: exit 2
    return e;
  }
  lockfile::Lock whole = std::move(read).value();
  const std::string env_name =
      o.environment.empty() ? lockfile::k_default_environment : o.environment;
  auto selected = lockfile::select_environment(whole, env_name);
  if (!selected.ok()) {
    Error e = selected.take_error();
    e.kind = ErrorKind::usage;
    return e;
  }
  const lockfile::Environment* env = selected->environment(lockfile::k_default_environment);
  auto it = env->packages.find(platform);
  if (it == env->packages.end() && whole.source_format == lockfile::SourceFormat::explicit_file &&
      env->packages.size() == 1 && env->packages.begin()->first == "noarch") {
    it = env->packages.begin();  // an @EXPLICIT file of noarch packages only fits any platform
  }
  if (it == env->packages.end()) {
    bool declared = false;
    std::string names;
    for (const auto& p : whole.metadata.platforms) {
      names += (names.empty() ? "" : ", ") + p;
      declared |= p == platform;
    }
    if (!declared) {
      return Error{ErrorKind::usage,
                   o.lock_path,
                   "platform " + platform + " is not in the lock (it has: " + names + ")"};
    }
    return std::vector<lockfile::LockedPackage>{};
  }
  std::vector<lockfile::LockedPackage> out;
  std::map<std::string, const lockfile::LockedPackage*> seen;
  std::map<std::string, const lockfile::LockedPackage*> seen_pip;
  for (const auto& p : it->second) {
    if (p.manager == lockfile::Manager::pip) {
      if (p.url.empty()) {
        return Error{ErrorKind::input, o.lock_path, p.name + " (pip) has no URL to install from"};
      }
      ENVLOCK_TRY_VOID(fetchable_scheme(o, p));
      auto [at, fresh] = seen_pip.emplace(pypi::normalize_name(p.name), &p);
      if (!fresh) {
        if (at->second->url != p.url) {
          return Error{ErrorKind::input,
                       o.lock_path,
                       p.name + " (pip) is locked twice with different wheels for " + platform};
        }
        continue;
      }
      pip.push_back(p);
      continue;
    }
    if (p.url.empty()) {
      return Error{ErrorKind::input, o.lock_path, p.name + " has no URL to install from"};
    }
    ENVLOCK_TRY_VOID(fetchable_scheme(o, p));
    auto [at, fresh] = seen.emplace(p.name, &p);
    if (!fresh) {
      if (at->second->url != p.url) {
        return Error{ErrorKind::input,
                     o.lock_path,
                     p.name + " is locked twice with different artifacts for " + platform};
      }
      continue;  // the same artifact in two categories
    }
    out.push_back(p);
  }
  return out;
}

std::string python_version_of(const std::vector<lockfile::LockedPackage>& locked) {
  for (const auto& p : locked) {
    if (p.name == "python") return prefix::python_xy(p.version);
  }
  return "";
}

// The pip names the environment file asked for: the lock's pip entries that no other pip entry
// depends on (conda-lock records no "requested" flag).
std::set<std::string> requested_pip_names(const std::vector<lockfile::LockedPackage>& pip) {
  std::set<std::string> depended;
  for (const auto& p : pip) {
    for (const auto& d : p.depends) {
      size_t end = d.find_first_of(" ;[<>=!~(");
      std::string name = pypi::normalize_name(d.substr(0, end));
      if (name != pypi::normalize_name(p.name)) depended.insert(name);
    }
  }
  std::set<std::string> out;
  for (const auto& p : pip) {
    std::string n = pypi::normalize_name(p.name);
    if (!depended.count(n)) out.insert(n);
  }
  return out;
}

// Where pip distributions live before the install: the installed python's site-packages when
// it is the locked python's X.Y, else the locked python's default one.
std::string pip_site_packages(const std::string& platform, const std::string& locked_xy,
                              const std::vector<prefix::PrefixRecord>& installed) {
  for (const auto& r : installed) {
    if (r.name == "python" && prefix::python_xy(r.version) == locked_xy) {
      return prefix::site_packages_dir(platform, locked_xy, r.python_site_packages_path);
    }
  }
  return prefix::site_packages_dir(platform, locked_xy);
}

// CEP 17: the python record's python_site_packages_path, from the python this install links
// or, failing that, the one installed; "" when neither says.
std::string site_packages_of(const std::vector<lockfile::LockedPackage>& link,
                             const std::vector<CachedPackage>& cached,
                             const std::vector<prefix::PrefixRecord>& installed) {
  for (size_t i = 0; i < link.size() && i < cached.size(); ++i) {
    if (link[i].name == "python") return cached[i].info.index.python_site_packages_path;
  }
  for (const auto& r : installed) {
    if (r.name != "python") continue;
    // A record is prefix content, not a package: use it only when it names a path inside.
    const auto& p = r.python_site_packages_path;
    if (p.empty() || p.front() == '/' || ("/" + p + "/").find("/../") != std::string::npos) {
      return "";
    }
    return p;
  }
  return "";
}

bool is_empty_dir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return false;
  bool empty = true;
  while (dirent* e = ::readdir(dir)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") {
      empty = false;
      break;
    }
  }
  ::closedir(dir);
  return empty;
}

// Fetches and extracts every package, `jobs` at a time. Returns the first error (by lock order)
// after all workers stopped.
Result<std::vector<CachedPackage>> fetch_all(
    const std::vector<lockfile::LockedPackage>& link, const Options& o,
    const ProgressSink& progress, Report& report,
    const std::map<std::string, std::string>* archive_files) {
  CacheOptions cache;
  cache.archive_files = archive_files;
  if (!archive_files) {
    ENVLOCK_TRY(config, channel::load_channel_config(fs::current_path().string()));
    for (const auto& m : o.mirrors) {
      ENVLOCK_TRY(mirror, channel::parse_mirror(m, config));
      config.mirrors.insert(config.mirrors.begin(), mirror);  // the command line wins
    }
    cache.download.mirrors = config.mirrors;
  }
  cache.pkgs_dir = o.pkgs_dir.empty() ? default_pkgs_dir() : o.pkgs_dir;
  cache.offline = o.offline;
  cache.download.http = o.http;
  cache.extract.max_total_bytes = o.max_package_bytes;
  std::vector<std::optional<Result<CachedPackage>>> results(link.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  // An exception leaving a thread would end the process (std::terminate); the first one is
  // carried to this thread and rethrown, so the tool's one error boundary reports it.
  std::exception_ptr escaped;
  std::mutex escaped_mutex;
  auto work = [&] {
    while (!failed) {
      size_t i = next++;
      if (i >= link.size()) return;
      const std::string label = package_label(link[i]);
      CacheOptions mine = cache;
      if (progress) {
        mine.download.progress = [&, i, label](const channel::ProgressEvent& e) {
          progress({ProgressEvent::Stage::download, label, i + 1, link.size(), e.bytes, e.total});
        };
      }
      auto r = ensure_package(link[i], mine);
      if (!r.ok()) failed = true;
      if (r.ok() && progress) {
        progress({ProgressEvent::Stage::extract, label, i + 1, link.size(), r->size, r->size});
      }
      results[i] = std::move(r);
    }
  };
  auto worker = [&] {
    try {
      work();
    } catch (...) {
      failed = true;
      std::lock_guard lock(escaped_mutex);
      if (!escaped) escaped = std::current_exception();
    }
  };
  const size_t n_threads = std::min<size_t>(std::max(1, o.jobs), std::max<size_t>(link.size(), 1));
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n_threads; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (escaped) std::rethrow_exception(escaped);
  std::vector<CachedPackage> out;
  for (auto& r : results) {
    if (!r) continue;  // not reached after a failure
    if (!r->ok()) return r->take_error();
    if (r->value().hit == CacheHit::downloaded) {
      ++report.downloaded;
    } else {
      ++report.from_cache;
    }
    out.push_back(std::move(*r).value());
  }
  return out;
}

std::string now_for_history() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string history_name(const prefix::PrefixRecord& r) {
  std::string channel = r.channel;
  if (channel.rfind("https://conda.anaconda.org/", 0) == 0) channel = channel.substr(27);
  return channel + "::" + r.name + "-" + r.version + "-" + r.build;
}

// Every path a record owns in the prefix, plus its own file.
void owned_paths(const prefix::PrefixRecord& r, std::vector<std::string>& out) {
  if (!r.files.empty()) {
    out.insert(out.end(), r.files.begin(), r.files.end());
  } else {
    for (const auto& p : r.paths) out.push_back(p.path);
  }
  std::string file = r.source_file.empty() ? prefix::record_file_name(r)
                                           : fs::path(r.source_file).filename().string();
  out.push_back("conda-meta/" + file);
}

void list_tree(const std::string& root, const std::string& rel, std::vector<std::string>& out) {
  DIR* dir = ::opendir((root + (rel.empty() ? "" : "/" + rel)).c_str());
  if (!dir) return;
  std::vector<std::pair<std::string, bool>> entries;
  while (dirent* e = ::readdir(dir)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    std::string child = rel.empty() ? n : rel + "/" + n;
    struct stat st;
    bool is_dir = ::lstat((root + "/" + child).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    entries.emplace_back(child, is_dir);
  }
  ::closedir(dir);
  for (const auto& [child, is_dir] : entries) {
    // An empty folder a package ships is added as itself; others only through their files.
    if (is_dir && !is_empty_dir(root + "/" + child)) {
      list_tree(root, child, out);
    } else {
      out.push_back(child);
    }
  }
}

}  // namespace

std::string to_string(const ProgressEvent& e) {
  static const char* names[] = {"download", "extract", "link", "commit"};
  std::string out = names[static_cast<int>(e.stage)];
  if (!e.package.empty()) out += " " + e.package;
  if (e.count) out += " (" + std::to_string(e.index) + "/" + std::to_string(e.count) + ")";
  if (e.stage == ProgressEvent::Stage::download && e.bytes) {
    out += " " + std::to_string(e.bytes / 1024) + " KiB";
    if (e.total) out += " of " + std::to_string(e.total / 1024) + " KiB";
  }
  return out;
}

Result<Report> run(const Options& o, const ProgressSink& sink) {
  std::mutex progress_mutex;
  ProgressSink progress;
  if (sink) {
    progress = [&](const ProgressEvent& e) {
      std::lock_guard<std::mutex> guard(progress_mutex);
      sink(e);
    };
  }
  Report report;
  ENVLOCK_TRY(prefix_dir, absolute_prefix(o.prefix));
  report.prefix = prefix_dir;
  report.platform = o.platform.empty() ? spec::host_platform() : o.platform;
  report.environment = o.environment;

  // What the lock wants, before touching anything.
  std::vector<lockfile::LockedPackage> pip_locked;
  ENVLOCK_TRY(locked, locked_packages(o, report.platform, pip_locked));
  const std::string python_xy = python_version_of(locked);
  if (!pip_locked.empty() && python_xy.empty()) {
    return Error{ErrorKind::input,
                 o.lock_path,
                 "pip packages need a python among the conda packages of " + report.platform};
  }
  // An archive is checked whole against the lock before anything else: a tampered or
  // incomplete one is refused even when the prefix already matches.
  archive::OpenedArchive opened;
  std::optional<std::map<std::string, std::string>> archive_files;
  if (!o.archive.empty()) {
    auto a = archive::OpenedArchive::open(o.archive);
    if (!a.ok()) {
      Error e = a.take_error();
      if (e.kind == ErrorKind::io) e.kind = ErrorKind::input;  // an unreadable input: exit 2
      return e.wrapped("--archive");
    }
    opened = std::move(a).value();
    std::vector<lockfile::LockedPackage> all = locked;
    all.insert(all.end(), pip_locked.begin(), pip_locked.end());
    ENVLOCK_TRY(files, archive::locate_packages(opened, all));
    archive_files = std::move(files);
  }
  // The no-op answer needs no lock: with no transaction in progress, conda-meta is read once
  // (and site-packages' dist-info folders by name) and nothing is created, not even the lock
  // file.
  if (fsu::is_dir(prefix_dir + "/conda-meta") && !fsu::lexists(txn_dir(prefix_dir))) {
    ENVLOCK_TRY(summaries, prefix::read_record_summaries(prefix_dir));
    if (plan_transaction(locked, summaries).empty()) {
      std::vector<prefix::InstalledDist> dists;
      if (!python_xy.empty()) {
        // RECORD too when pip packages are locked: their files are checked by stat for damage.
        ENVLOCK_TRY(
            found,
            prefix::read_dist_infos(
                prefix_dir,
                pip_site_packages(report.platform, python_xy, summaries),
                pip_locked.empty() ? prefix::DistDetail::identity : prefix::DistDetail::record));
        dists = prefix::pip_managed(std::move(found), summaries);
      }
      if (plan_pip(pip_locked, dists, damaged_dists(prefix_dir, dists)).empty()) {
        report.up_to_date = true;
        return report;
      }
    }
  }
  // One install per prefix at a time.
  ENVLOCK_TRY(prefix_lock, PrefixLock::acquire(prefix_dir));
  // Finish (or undo) what an interrupted install left.
  ENVLOCK_TRY(recovered, recover_prefix(prefix_dir));
  report.recovered = recovered;
  const bool fresh = prefix_lock.fresh();
  if (fresh && fsu::lexists(prefix_dir) && !is_empty_dir(prefix_dir)) {
    return Error{ErrorKind::usage,
                 prefix_dir,
                 "exists and is not empty, but has no conda-meta folder; refusing to install "
                 "over it"};
  }
  // What is installed: only conda-meta is read, no file is hashed.
  std::vector<prefix::PrefixRecord> installed;
  if (!fresh) {
    ENVLOCK_TRY(state, prefix::read_conda_meta(prefix_dir));
    installed = std::move(state.records);
  }
  Transaction t = plan_transaction(locked, installed);
  report.changes = t.changes;
  PipTransaction pip_t;
  if (!fresh && !python_xy.empty()) {
    ENVLOCK_TRY(found,
                prefix::read_dist_infos(prefix_dir,
                                        pip_site_packages(report.platform, python_xy, installed),
                                        prefix::DistDetail::full));
    auto dists = prefix::pip_managed(std::move(found), installed);
    pip_t = plan_pip(pip_locked, dists, damaged_dists(prefix_dir, dists));
  } else {
    pip_t = plan_pip(pip_locked, {});
  }
  report.changes.insert(report.changes.end(), pip_t.changes.begin(), pip_t.changes.end());
  if (t.empty() && pip_t.empty() && !fresh) {
    report.up_to_date = true;
    return report;
  }

  // Every archive verified and extracted in the cache before the prefix is touched; every
  // wheel hash-checked.
  ENVLOCK_TRY(cached,
              fetch_all(t.link, o, progress, report, archive_files ? &*archive_files : nullptr));
  std::vector<CachedWheel> wheels;
  {
    CacheOptions cache;
    cache.pkgs_dir = o.pkgs_dir.empty() ? default_pkgs_dir() : o.pkgs_dir;
    cache.offline = o.offline;
    cache.download.http = o.http;
    cache.archive_files = archive_files ? &*archive_files : nullptr;
    for (size_t i = 0; i < pip_t.link.size(); ++i) {
      const auto& p = pip_t.link[i];
      const std::string label = p.name + "-" + p.version;
      if (progress) {
        cache.download.progress = [&, i, label](const channel::ProgressEvent& e) {
          progress(
              {ProgressEvent::Stage::download, label, i + 1, pip_t.link.size(), e.bytes, e.total});
        };
      }
      ENVLOCK_TRY(w, ensure_wheel(p, cache));
      if (w.hit == CacheHit::downloaded) {
        ++report.downloaded;
      } else {
        ++report.from_cache;
      }
      wheels.push_back(std::move(w));
    }
  }
  const std::string site_packages = prefix::site_packages_dir(
      report.platform, python_xy, site_packages_of(t.link, cached, installed));
  const std::set<std::string> requested = requested_pip_names(pip_locked);
  const bool conda_changes = fresh || !t.empty();

  // Stage the new files: a whole new tree for a fresh prefix, else only the new packages.
  // From here an interrupt no longer exits at once: staging stops at the next file and removes
  // what was staged, the staging folder included however early the signal lands.
  if (o.interrupt) o.interrupt->cleanup = true;
  std::string root;
  auto prepared = [&]() -> Result<void> {
    if (fresh) {
      ENVLOCK_TRY(staging, make_fresh_staging(prefix_dir));
      root = staging;
    } else {
      ENVLOCK_TRY_VOID(fsu::remove_tree(txn_dir(prefix_dir)));
      root = txn_dir(prefix_dir) + "/new";
    }
    return Ok{};
  }();
  if (!prepared.ok()) {
    if (o.interrupt) o.interrupt->cleanup = false;
    return prepared.take_error();
  }
  // What the commit takes out of an existing prefix: the only files a wheel may write over.
  std::vector<std::string> remove;
  if (!fresh) {
    for (const auto& r : t.unlink) owned_paths(r, remove);
    if (conda_changes) remove.push_back("conda-meta/history");
    for (const auto& d : pip_t.unlink) {
      auto paths = dist_removals(prefix_dir, d);
      remove.insert(remove.end(), paths.begin(), paths.end());
    }
    std::sort(remove.begin(), remove.end());
    remove.erase(std::unique(remove.begin(), remove.end()), remove.end());
  }
  const std::set<std::string> replaced(remove.begin(), remove.end());
  auto stage = [&]() -> Result<void> {
    ENVLOCK_TRY_VOID(fsu::make_dirs(root));
    // Wheels after the conda packages: they land in the locked python's site-packages.
    auto install_wheels = [&]() -> Result<void> {
      for (size_t i = 0; i < pip_t.link.size(); ++i) {
        const auto& p = pip_t.link[i];
        if (progress) {
          progress({ProgressEvent::Stage::link,
                    p.name + "-" + p.version,
                    i + 1,
                    pip_t.link.size(),
                    0,
                    0});
        }
        WheelTarget wt{
            root,
            prefix_dir,
            report.platform,
            python_xy,
            site_packages,
            requested.count(pypi::normalize_name(p.name)) ? Requested::yes : Requested::no,
            o.interrupt,
            &replaced};
        ENVLOCK_TRY(done, install_wheel(p, wheels[i].path, wt));
        report.wheels_installed += 1;
        report.files_written += done.files.size() - 1;  // RECORD itself
      }
      return Ok{};
    };
    // Only the pip side changes: conda-meta is left as it is (no history revision either).
    if (!conda_changes) return install_wheels();
    ENVLOCK_TRY_VOID(fsu::make_dirs(root + "/conda-meta"));
    if (fresh) {
      // The lock file later installs take, there from the start: a no-op run creates nothing.
      ENVLOCK_TRY_VOID(
          write_file_atomic(root + "/conda-meta/.envlock.lock", "", Durability::no_fsync));
    }
    LinkTarget target{root,
                      prefix_dir,
                      report.platform,
                      python_version_of(locked),
                      site_packages_of(t.link, cached, installed),
                      o.interrupt};
    prefix::Revision revision;
    revision.date = now_for_history();
    revision.cmd = o.command_line;
    revision.comments.push_back("# envlock version: 0.1.0");
    for (const auto& r : t.unlink) revision.removed.push_back(history_name(r));
    for (size_t i = 0; i < t.link.size(); ++i) {
      if (progress) {
        progress(
            {ProgressEvent::Stage::link, package_label(t.link[i]), i + 1, t.link.size(), 0, 0});
      }
      ENVLOCK_TRY(linked, link_package(t.link[i], cached[i], target));
      report.files_linked += linked.hardlinked;
      report.files_copied += linked.copied;
      report.files_relocated += linked.relocated;
      report.link_scripts_not_run.insert(report.link_scripts_not_run.end(),
                                         linked.link_scripts.begin(),
                                         linked.link_scripts.end());
      for (auto& path : linked.skipped_empty_links) {
        report.empty_symlinks_skipped.push_back({package_label(t.link[i]), std::move(path)});
      }
      ENVLOCK_TRY_VOID(
          write_file_atomic(root + "/conda-meta/" + prefix::record_file_name(linked.record),
                            prefix::write_prefix_record(linked.record),
                            Durability::no_fsync));
      revision.added.push_back(history_name(linked.record));
    }
    std::string history;
    if (!fresh && fsu::lexists(prefix_dir + "/conda-meta/history")) {
      ENVLOCK_TRY(old, read_file(prefix_dir + "/conda-meta/history"));
      history = std::move(old);
      if (!history.empty() && history.back() != '\n') history += '\n';
    }
    history += prefix::format_revision(revision);
    ENVLOCK_TRY_VOID(
        write_file_atomic(root + "/conda-meta/history", history, Durability::no_fsync));
    return install_wheels();
  };
  auto staged = stage();
  if (staged.ok() && o.interrupt && o.interrupt->requested) {
    staged = Error{ErrorKind::io, prefix_dir, "interrupted"};
  }
  if (!staged.ok()) {
    (void)fsu::remove_tree(fresh ? root : txn_dir(prefix_dir));
    if (o.interrupt) o.interrupt->cleanup = false;
    return staged.take_error();
  }

  // The commit: renames only.
  if (progress) progress({ProgressEvent::Stage::commit, "", 0, 0, 0, 0});
  if (o.interrupt) {
    o.interrupt->critical = true;  // before cleanup ends: no moment where a signal exits
    o.interrupt->cleanup = false;
  }
  if (fresh) {
    auto committed = commit_fresh(root, prefix_dir);
    if (o.interrupt) o.interrupt->critical = false;
    ENVLOCK_TRY_VOID(std::move(committed));
  } else {
    std::vector<std::string> add;
    list_tree(root, "", add);
    ENVLOCK_TRY_VOID(commit_update(prefix_dir, remove, add, o.interrupt));
  }
  return report;
}

std::string render_text(const Report& r) {
  if (r.up_to_date) {
    std::string out = r.prefix + ": already up to date\n";
    if (r.recovered != Recovery::nothing) {
      out = std::string("note: an interrupted install was ") +
            (r.recovered == Recovery::completed ? "completed" : "undone") + "\n" + out;
    }
    return out;
  }
  std::string out;
  if (r.recovered != Recovery::nothing) {
    out += std::string("note: an interrupted install was ") +
           (r.recovered == Recovery::completed ? "completed" : "undone") + "\n";
  }
  size_t added = 0, removed = 0, replaced = 0;
  auto label = [](const std::string& version, const std::string& build) {
    return version + (build.empty() ? "" : " " + build);
  };
  for (const auto& c : r.changes) {
    const std::string name = (c.manager == lockfile::Manager::pip ? "(pip) " : "") + c.name;
    switch (c.kind) {
      case Change::Kind::add:
        ++added;
        out += "  + " + name + " " + label(c.new_version, c.new_build) + "\n";
        break;
      case Change::Kind::remove:
        ++removed;
        out += "  - " + name + " " + label(c.old_version, c.old_build) + "\n";
        break;
      case Change::Kind::replace:
        ++replaced;
        out += "  ~ " + name + " " + label(c.old_version, c.old_build) + " -> " +
               label(c.new_version, c.new_build) + "\n";
        break;
    }
  }
  out += r.prefix + ": " + std::to_string(added) + " added, " + std::to_string(removed) +
         " removed, " + std::to_string(replaced) + " replaced (" + std::to_string(r.downloaded) +
         " downloaded, " + std::to_string(r.from_cache) + " from the cache)\n";
  for (const auto& s : r.link_scripts_not_run) out += "note: link script not run: " + s + "\n";
  for (const auto& s : r.empty_symlinks_skipped) {
    out += "warning: " + s.package + ": symlink " + s.path +
           " has an empty target; not created, not recorded\n";
  }
  for (const auto& s : r.skipped) out += "note: not installed: " + s.name + " (" + s.reason + ")\n";
  // Names and paths come from locks, packages and conda-meta: each line stays one line,
  // without terminal controls.
  std::string safe;
  for (size_t start = 0; start < out.size();) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    safe += printable(std::string_view(out).substr(start, end - start)) + "\n";
    start = end + 1;
  }
  return safe;
}

std::string render_json(const Report& r) {
  json changes = json::array();
  for (const auto& c : r.changes) {
    json j = {
        {"kind", to_string(c.kind)}, {"name", c.name}, {"manager", lockfile::to_string(c.manager)}};
    if (c.kind != Change::Kind::add)
      j["old"] = {{"version", c.old_version}, {"build", c.old_build}};
    if (c.kind != Change::Kind::remove)
      j["new"] = {{"version", c.new_version}, {"build", c.new_build}};
    changes.push_back(std::move(j));
  }
  json skipped = json::array();
  for (const auto& s : r.skipped) skipped.push_back({{"name", s.name}, {"reason", s.reason}});
  json empty_links = json::array();
  for (const auto& s : r.empty_symlinks_skipped) {
    empty_links.push_back({{"package", s.package}, {"path", s.path}});
  }
  json doc = {
      {"prefix", r.prefix},
      {"platform", r.platform},
      {"environment", r.environment},
      {"up_to_date", r.up_to_date},
      {"recovered", to_string(r.recovered)},
      {"changes", changes},
      {"link_scripts_not_run", r.link_scripts_not_run},
      {"empty_symlinks_skipped", empty_links},
      {"skipped", skipped},
      {"counts",
       {{"downloaded", r.downloaded},
        {"from_cache", r.from_cache},
        {"hardlinked", r.files_linked},
        {"copied", r.files_copied},
        {"relocated", r.files_relocated},
        {"wheels", r.wheels_installed},
        {"wheel_files", r.files_written}}},
  };
  return doc.dump(2) + "\n";
}

}  // namespace envlock::install
