#pragma once
// The `lock` job: environment.yml files → a pinned, hashed conda-lock v1 lock (and @EXPLICIT
// files), one libsolv solve per platform; `--check` answers offline, without solving, whether
// an existing lock still satisfies the inputs.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/channel/http.h"
#include "lib/util/result.h"

namespace envlock::lock {

/// What `lock` writes.
enum class Kind { lock, explicit_files };
/// Whether to use the network at all.
enum class Offline { no, yes };
/// Whether warnings about the inputs (unknown keys) are errors.
enum class Strict { no, yes };
/// Whether sharded repodata (CEP 16) is used where a channel serves it.
enum class Shards { yes, no };
/// conda's channel_priority: strict, flexible (conda's default), disabled.
enum class Priority { strict, flexible, disabled };

/// Everything the command line can say.
struct Options {
  std::vector<std::string> files;      ///< -f; default "environment.yml"
  std::vector<std::string> platforms;  ///< -p; default: the files' `platforms:`, else the host
  std::vector<std::string> channels;   ///< -c; replaces the files' channels when given
  std::string lockfile = "conda-lock.yml";
  std::vector<Kind> kinds = {Kind::lock};
  /// --filename-template: the @EXPLICIT file names, beside the lock unless absolute; tokens
  /// {platform} (required with several platforms), {input-hash} (the platform's content hash)
  /// and {dev-dependencies} ("true"), as conda-lock's.
  std::string filename_template = "conda-{platform}.lock";
  bool check = false;                         ///< --check: verify, do not write
  std::vector<std::string> update;            ///< --update NAME...: relock these, hold the rest
  std::optional<std::string> exclude_newer;   ///< --exclude-newer YYYY-MM-DD[THH:MM:SS]
  std::vector<std::string> virtual_packages;  ///< --virtual-package NAME[=VERSION[=BUILD]]
  std::vector<std::string> mirrors;           ///< --mirror ORIGINAL=MIRROR
  Offline offline = Offline::no;
  Priority priority = Priority::strict;
  /// --no-shards: read repodata.json(.zst) even where the channel serves shards.
  Shards shards = Shards::yes;
  Strict strict = Strict::no;  ///< --strict: an input warning is an error (exit 2)
  std::string cache_dir;       ///< "" = $ENVLOCK_CACHE_DIR or the XDG default
  std::string working_dir;     ///< where relative paths are resolved; "" = cwd
  std::string from_prefix;     ///< --from-prefix: capture this prefix (lib/capture), no solve
  std::string from_name;       ///< --name: capture the named environment, no solve
  /// Timeouts, deadline, minimum speed and the repodata size limit of every request.
  channel::HttpOptions http;
};

/// How one platform of the lock changed.
struct PlatformChange {
  std::string platform;
  enum class How { solved, unchanged } how = How::solved;
  size_t packages = 0;
  std::vector<std::string> added;  ///< "name version build"
  std::vector<std::string> removed;
  std::vector<std::string> changed;  ///< "name old-version → new-version"
};

/// One reason a lock no longer satisfies its inputs.
struct Finding {
  std::string platform;  ///< "" for lock-wide findings
  std::string code;      ///< stable: platform-missing, spec-unsatisfied, dependency-missing, ...
  std::string message;
};

/// The result of one run: a written lock, or a check; or a solve that found no solution.
struct Report {
  enum class Outcome { locked, check_ok, check_failed, unsatisfiable } outcome = Outcome::locked;
  std::string lockfile;
  std::vector<std::string> written;  ///< files written
  std::vector<PlatformChange> platforms;
  std::vector<std::string> warnings;  ///< "file:line:column: why" about the inputs
  std::vector<Finding> findings;      ///< check: what breaks the lock
  std::map<std::string, std::vector<std::string>> problems;  ///< platform → unsat explanation
  /// platform → every rule of the unsat explanation, one line per build (for --verbose).
  std::map<std::string, std::vector<std::string>> problem_details;
};

/// How much of an unsatisfiable explanation render_text shows.
enum class Verbosity {
  brief,  ///< grouped by name and version range, at most k_brief_problem_lines lines
  full,   ///< every rule libsolv reports, one line per build
};

/// Lines of a brief unsatisfiable explanation (headers included) before it is cut with a note.
inline constexpr size_t k_brief_problem_lines = 30;

/// Progress notes for a terminal (the library never prints).
using ProgressSink = std::function<void(const std::string& line)>;

/// Runs the job. Fails with ErrorKind::input for malformed or unsupported inputs (with
/// file:line:column), ErrorKind::usage for bad options, ErrorKind::network/io for fetch and
/// file failures. Unsatisfiable specs and a failed check are a Report, not an Error.
Result<Report> run(const Options& options, const ProgressSink& progress = nullptr);

/// Exit code for a report: 0 locked/check ok, 1 check failed, 3 unsatisfiable.
int exit_code(const Report& report);

/// The report for people. An unsatisfiable report starts with one line
/// "<platform>: the specs cannot be satisfied:" (the caller makes it the error line), then the
/// explanation, indented, as `verbosity` asks.
std::string render_text(const Report& report, Verbosity verbosity = Verbosity::brief);
/// The report for machines (schemas/lock-report.schema.json).
std::string render_json(const Report& report);

}  // namespace envlock::lock
