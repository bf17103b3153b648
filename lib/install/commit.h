#pragma once
// Making an install atomic. Everything new is first built in a staging folder beside or inside
// the prefix; the prefix itself changes only in a commit step made of renames:
//
// - a fresh prefix is built whole in `<prefix>.envlock-tmp-<pid>-<n>` and renamed into place
//   (one rename: there is no state in between);
// - an existing prefix gets a journal, `<prefix>/conda-meta/.envlock-txn/journal.json`, written
//   (atomically) only once the new files are staged in `.envlock-txn/new/`. It lists the paths
//   to take out (moved to `.envlock-txn/backup/`) and the paths to put in (moved from `new/`).
//   Every step is a rename whose done-ness can be seen on disk, so the next run replays an
//   interrupted journal to completion, or undoes it when completing fails.
//
// A journal that is absent means nothing in the prefix was touched: leftover staging folders
// are simply deleted. Installs into one prefix are serialised with an flock (see PrefixLock).

#include <atomic>
#include <string>
#include <vector>

#include "lib/install/fs_util.h"
#include "lib/util/result.h"

namespace envlock::install {

/// Shared with a signal handler: the handler sets `requested`. While `critical` is true the
/// install is in its commit step and must not be abandoned (the handler then only records the
/// request; the install finishes the commit and returns). While `cleanup` is true the install
/// is staging and stops itself at the next file, removing its staging folder, and returns an
/// "interrupted" error (the handler then only records the request too).
struct InterruptState {
  std::atomic<bool> requested{false};
  std::atomic<bool> critical{false};
  std::atomic<bool> cleanup{false};
};

/// The staging folder of updates: `<prefix>/conda-meta/.envlock-txn`.
std::string txn_dir(const std::string& prefix);

/// Exclusive access to a prefix: an flock on `<prefix>/conda-meta/.envlock.lock` when the
/// prefix has a conda-meta folder, else on the sibling file `<prefix>.envlock.lock` (removed
/// again when the lock is released after a fresh install).
class PrefixLock {
 public:
  /// Waits for the lock. Fails with ErrorKind::io.
  static Result<PrefixLock> acquire(const std::string& prefix);
  /// True when the prefix had no conda-meta folder when the lock was taken.
  bool fresh() const { return m_fresh; }
  /// Releases the lock, deleting a sibling lock file.
  void release();
  PrefixLock(PrefixLock&&) = default;
  PrefixLock& operator=(PrefixLock&&) = default;
  ~PrefixLock() { release(); }

 private:
  PrefixLock() = default;
  fsu::FileLock m_lock;
  bool m_fresh = false;
};

/// What recover_prefix() found.
enum class Recovery { nothing, completed, rolled_back };
const char* to_string(Recovery recovery);

/// Under the prefix lock: deletes staging leftovers of interrupted fresh installs
/// (`<prefix>.envlock-tmp-*`) and of updates interrupted before their journal was written, and
/// finishes (or, if that fails, undoes) an update interrupted after it. Fails with ErrorKind::io
/// when neither finishing nor undoing works; the journal is then kept for the next try.
Result<Recovery> recover_prefix(const std::string& prefix);

/// A new, empty staging folder for a fresh prefix: `<prefix>.envlock-tmp-<pid>-<n>`.
Result<std::string> make_fresh_staging(const std::string& prefix);

/// Renames the finished `staging` folder onto `prefix` (absent or an empty folder). Fails with
/// ErrorKind::io (the staging folder is then removed).
Result<void> commit_fresh(const std::string& staging, const std::string& prefix);

/// The commit of an update. `remove` are prefix-relative paths to take out (missing ones are
/// skipped), `add` prefix-relative paths staged under `txn_dir(prefix)/new`. Writes the journal,
/// applies it, removes folders that became empty, deletes the journal and the staging folder.
/// On a failure midway the applied steps are undone; if undoing fails too the journal stays
/// for recover_prefix(). `interrupt` (may be null) is marked critical throughout. Fails with
/// ErrorKind::input, before anything changes, when a folder on the way to a path is a symlink
/// that leads out of the prefix (or nowhere).
Result<void> commit_update(const std::string& prefix, const std::vector<std::string>& remove,
                           const std::vector<std::string>& add, InterruptState* interrupt);

}  // namespace envlock::install
