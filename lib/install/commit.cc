#include "lib/install/commit.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/util/file.h"

namespace envlock::install {

using nlohmann::json;

namespace {

struct Journal {
  std::vector<std::string> remove;
  std::vector<std::string> add;
};

std::string journal_path(const std::string& prefix) {
  return txn_dir(prefix) + "/journal.json";
}

Result<std::optional<Journal>> read_journal(const std::string& prefix) {
  const std::string path = journal_path(prefix);
  if (!fsu::lexists(path)) return std::optional<Journal>{};
  ENVLOCK_TRY(text, read_file(path));
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc["remove"].is_array() || !doc["add"].is_array()) {
    return Error{
        ErrorKind::io, path, "the install journal is unreadable; restore the prefix by hand"};
  }
  Journal j;
  for (const auto& p : doc["remove"]) j.remove.push_back(p.get<std::string>());
  for (const auto& p : doc["add"]) j.add.push_back(p.get<std::string>());
  return std::optional<Journal>{std::move(j)};
}

bool is_real_dir(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Takes out what the journal removes (into backup/), then puts in what it adds (from new/).
// Each step checks the disk first, so replaying a half-applied journal is safe.
Result<void> apply_forward(const std::string& prefix, const Journal& j) {
  const std::string txn = txn_dir(prefix);
  std::set<std::string> added(j.add.begin(), j.add.end());
  for (const auto& p : j.remove) {
    const std::string live = prefix + "/" + p;
    const std::string backup = txn + "/backup/" + p;
    if (fsu::lexists(backup) || !fsu::lexists(live) || is_real_dir(live)) continue;
    if (added.count(p) && !fsu::lexists(txn + "/new/" + p)) continue;  // already the new file
    ENVLOCK_TRY_VOID(fsu::move(live, backup));
  }
  for (const auto& p : j.add) {
    const std::string staged = txn + "/new/" + p;
    if (!fsu::lexists(staged)) continue;
    if (is_real_dir(staged) && is_real_dir(prefix + "/" + p)) {
      ::rmdir(staged.c_str());  // an empty folder the package ships, already there
      continue;
    }
    ENVLOCK_TRY_VOID(fsu::move(staged, prefix + "/" + p));
  }
  return Ok{};
}

// The inverse of apply_forward, also safe on any partial state.
Result<void> apply_backward(const std::string& prefix, const Journal& j) {
  const std::string txn = txn_dir(prefix);
  for (auto it = j.add.rbegin(); it != j.add.rend(); ++it) {
    const std::string staged = txn + "/new/" + *it;
    const std::string live = prefix + "/" + *it;
    if (fsu::lexists(staged) || !fsu::lexists(live)) continue;
    ENVLOCK_TRY_VOID(fsu::move(live, staged));
  }
  for (const auto& p : j.remove) {
    const std::string backup = txn + "/backup/" + p;
    if (!fsu::lexists(backup)) continue;
    ENVLOCK_TRY_VOID(fsu::move(backup, prefix + "/" + p));
  }
  return Ok{};
}

// Removes folders under `prefix` that the change left empty (as conda does on unlink).
void prune_empty_parents(const std::string& prefix, const std::vector<std::string>& paths) {
  std::set<std::string, std::greater<>> folders;  // deepest first
  for (const auto& p : paths) {
    for (std::string d = fsu::parent_of(p); !d.empty(); d = fsu::parent_of(d)) folders.insert(d);
  }
  for (const auto& d : folders) {
    if (d == "conda-meta") continue;
    ::rmdir((prefix + "/" + d).c_str());  // fails harmlessly unless empty
  }
}

Result<void> finish(const std::string& prefix, const Journal& j) {
  prune_empty_parents(prefix, j.remove);
  if (::unlink(journal_path(prefix).c_str()) != 0 && errno != ENOENT) {
    return io_error(journal_path(prefix), "remove", errno);
  }
  return fsu::remove_tree(txn_dir(prefix));
}

Result<void> undo(const std::string& prefix, const Journal& j) {
  ENVLOCK_TRY_VOID(apply_backward(prefix, j));
  prune_empty_parents(prefix, j.add);
  if (::unlink(journal_path(prefix).c_str()) != 0 && errno != ENOENT) {
    return io_error(journal_path(prefix), "remove", errno);
  }
  return fsu::remove_tree(txn_dir(prefix));
}

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string txn_dir(const std::string& prefix) {
  return prefix + "/conda-meta/.envlock-txn";
}

const char* to_string(Recovery recovery) {
  switch (recovery) {
    case Recovery::nothing:
      return "nothing";
    case Recovery::completed:
      return "completed";
    case Recovery::rolled_back:
      return "rolled_back";
  }
  return "nothing";
}

Result<PrefixLock> PrefixLock::acquire(const std::string& prefix) {
  while (true) {
    const bool fresh = !fsu::is_dir(prefix + "/conda-meta");
    std::string path = fresh ? prefix + ".envlock.lock" : prefix + "/conda-meta/.envlock.lock";
    if (fresh) ENVLOCK_TRY_VOID(fsu::make_dirs(fsu::parent_of(prefix)));
    ENVLOCK_TRY(lock, fsu::FileLock::acquire(path));
    // Another install may have created the prefix while we waited: then its lock is the one.
    if (fresh != !fsu::is_dir(prefix + "/conda-meta")) {
      if (fresh) lock.unlink_file();  // we may have created it; waiters will retry
      continue;
    }
    PrefixLock out;
    out.m_lock = std::move(lock);
    out.m_fresh = fresh;
    return out;
  }
}

void PrefixLock::release() {
  if (m_fresh) m_lock.unlink_file();
  m_lock = fsu::FileLock{};
  m_fresh = false;
}

Result<Recovery> recover_prefix(const std::string& prefix) {
  if (!fsu::is_dir(prefix + "/conda-meta")) {
    // Fresh-install leftovers: only fresh installs (holding the sibling lock) create them.
    const std::string parent = fsu::parent_of(prefix);
    const std::string stem = base_name(prefix) + ".envlock-tmp-";
    if (DIR* dir = ::opendir(parent.empty() ? "/" : parent.c_str())) {
      std::vector<std::string> stale;
      while (dirent* e = ::readdir(dir)) {
        if (std::string_view(e->d_name).rfind(stem, 0) == 0) stale.push_back(e->d_name);
      }
      ::closedir(dir);
      for (const auto& s : stale) ENVLOCK_TRY_VOID(fsu::remove_tree(parent + "/" + s));
    }
    return Recovery::nothing;
  }
  if (!fsu::lexists(txn_dir(prefix))) return Recovery::nothing;
  ENVLOCK_TRY(journal, read_journal(prefix));
  if (!journal) {
    // Interrupted before its commit began: the prefix was never touched.
    ENVLOCK_TRY_VOID(fsu::remove_tree(txn_dir(prefix)));
    return Recovery::nothing;
  }
  auto forward = apply_forward(prefix, *journal);
  if (forward.ok()) {
    ENVLOCK_TRY_VOID(finish(prefix, *journal));
    return Recovery::completed;
  }
  auto back = undo(prefix, *journal);
  if (!back.ok()) {
    return Error{ErrorKind::io,
                 prefix,
                 "an interrupted install can neither be completed (" + forward.error().to_string() +
                     ") nor undone (" + back.error().to_string() + ")"};
  }
  return Recovery::rolled_back;
}

Result<std::string> make_fresh_staging(const std::string& prefix) {
  for (int n = 0; n < 1000; ++n) {
    std::string path =
        prefix + ".envlock-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(n);
    if (::mkdir(path.c_str(), 0755) == 0) return path;
    if (errno != EEXIST) return io_error(path, "create folder", errno);
  }
  return Error{ErrorKind::io, prefix, "cannot create a staging folder beside the prefix"};
}

Result<void> commit_fresh(const std::string& staging, const std::string& prefix) {
  if (::rename(staging.c_str(), prefix.c_str()) != 0) {
    int err = errno;
    (void)fsu::remove_tree(staging);
    if (err == ENOTEMPTY || err == EEXIST) {
      return Error{ErrorKind::io,
                   prefix,
                   "exists and is not empty, but has no conda-meta folder; "
                   "refusing to install over it"};
    }
    return io_error(prefix, "rename " + staging + " to", err);
  }
  return Ok{};
}

namespace {

// A folder of the prefix replaced by a symlink out of it (`site-packages/attrs -> /etc`) would
// make every rename and removal below it land outside the prefix. Symlinks that stay inside
// (conda packages ship some, `lib64 -> lib`) are fine.
Result<void> no_symlink_out(const std::string& prefix, const std::vector<std::string>& remove,
                            const std::vector<std::string>& add) {
  char* real = ::realpath(prefix.c_str(), nullptr);
  if (!real) return Ok{};  // nothing there to write through
  const std::string root(real);
  ::free(real);
  std::set<std::string> checked;
  for (const auto* list : {&remove, &add}) {
    for (const auto& path : *list) {
      for (size_t slash = path.find('/'); slash != std::string::npos;
           slash = path.find('/', slash + 1)) {
        const std::string folder = path.substr(0, slash);
        if (!checked.insert(folder).second) continue;
        const std::string full = prefix + "/" + folder;
        struct stat st {};
        if (::lstat(full.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) continue;
        char* target = ::realpath(full.c_str(), nullptr);
        std::string resolved = target ? target : "";
        ::free(target);
        if (resolved.empty() || (resolved != root && resolved.rfind(root + "/", 0) != 0)) {
          return Error{ErrorKind::input,
                       full,
                       "a symlink out of the prefix" +
                           (resolved.empty() ? std::string() : " (to " + resolved + ")") +
                           "; refusing to write through it"};
        }
      }
    }
  }
  return Ok{};
}

}  // namespace

Result<void> commit_update(const std::string& prefix, const std::vector<std::string>& remove,
                           const std::vector<std::string>& add, InterruptState* interrupt) {
  if (auto safe = no_symlink_out(prefix, remove, add); !safe.ok()) {
    (void)fsu::remove_tree(txn_dir(prefix));  // the staged files: nothing was applied
    return safe.take_error();
  }
  Journal j{remove, add};
  // A new file that lands on a path nobody removes (a clobber or an untracked file) is backed up
  // too, so that undoing restores it.
  std::set<std::string> removed(remove.begin(), remove.end());
  for (const auto& p : add) {
    if (!removed.count(p) && fsu::lexists(prefix + "/" + p)) j.remove.push_back(p);
  }
  json doc = {{"version", 1}, {"remove", j.remove}, {"add", j.add}};
  if (interrupt) interrupt->critical = true;
  struct Uncritical {
    InterruptState* s;
    ~Uncritical() {
      if (s) s->critical = false;
    }
  } uncritical{interrupt};
  ENVLOCK_TRY_VOID(write_file_atomic(journal_path(prefix), doc.dump()));
  auto forward = apply_forward(prefix, j);
  if (!forward.ok()) {
    auto back = undo(prefix, j);
    if (!back.ok()) {
      return forward.take_error().wrapped("install failed and could not be undone (" +
                                          back.error().to_string() +
                                          "); run envlock install again to recover");
    }
    return forward.take_error();
  }
  return finish(prefix, j);
}

}  // namespace envlock::install
