#pragma once
// The `run` job: a command inside an installed environment, activated the way `conda run` and
// `micromamba run` activate it on Linux and macOS: PATH with <prefix>/bin first, CONDA_PREFIX,
// CONDA_DEFAULT_ENV, CONDA_SHLVL, the `env_vars` of conda-meta/state, then the packages'
// etc/conda/activate.d/*.sh scripts sourced (sorted by name) in a shell (bash, else sh).

#include <map>
#include <string>
#include <vector>

#include "lib/util/result.h"

namespace envlock::run {

/// The process environment as a map.
using EnvMap = std::map<std::string, std::string>;

/// The prefix and what to do there.
struct Options {
  std::string prefix;                ///< the environment folder (or use `name`)
  std::string name;                  ///< a named environment, found the way conda finds it
  std::vector<std::string> command;  ///< the command and its arguments
};

/// An activated environment, before its activate.d scripts ran.
struct Activation {
  std::string prefix;                ///< absolute
  EnvMap environment;                ///< the whole environment the command starts from
  std::vector<std::string> scripts;  ///< absolute paths of etc/conda/activate.d/*.sh, sorted
};

/// The largest conda-meta/state file read (conda writes a few hundred bytes).
inline constexpr std::uint64_t k_max_state_bytes = 1 << 20;

/// Resolves the prefix (`name` through conda's envs folders) and computes its activation from
/// `base` (the caller's environment). Fails with ErrorKind::usage when the folder does not
/// exist or has no conda-meta (not an environment) or the name is not found; ErrorKind::input
/// for a conda-meta/state that is not JSON, is larger than k_max_state_bytes, or whose
/// env_vars are not an object of strings (without NUL bytes) with variable names.
Result<Activation> activate(const Options& options, const EnvMap& base);

/// The environment after the activate.d scripts ran: without scripts, `activation.environment`;
/// else the environment a shell has after sourcing them (their own output goes to stderr).
/// Fails with ErrorKind::io when the shell cannot be started or fails.
Result<EnvMap> activated_environment(const Activation& activation);

/// The variables `after` sets or changes relative to `before`, as `KEY=VALUE` lines sorted by
/// name (non-printable bytes escaped), or, with Style::dockerfile, `ENV KEY="VALUE"` lines with
/// `\`, `"` and `$` escaped as a Dockerfile's ENV reads them; a value that extends the old one
/// (PATH's `/prefix/bin:` before the old PATH) is written as `"/prefix/bin:$PATH"`, so the image
/// keeps its own PATH rather than this machine's. Fails with ErrorKind::input for a dockerfile
/// value holding a newline (an ENV line cannot carry one).
enum class Style { shell, dockerfile };
Result<std::string> render_changes(const EnvMap& before, const EnvMap& after, Style style);

/// Runs `options.command` in the activation (sourcing its scripts first, in the same shell that
/// then execs the command), with stdin, stdout and stderr inherited, and waits for it. Returns
/// its exit code; 128+N when signal N ended it; 127 when it could not be executed. While it
/// runs, SIGINT, SIGTERM and SIGQUIT are ignored by this process (the command gets them) and
/// restored afterwards. Fails with ErrorKind::usage for an empty command, ErrorKind::io when no
/// process can be started.
Result<int> run_command(const Activation& activation, const std::vector<std::string>& command);

/// The process environment (environ) as a map.
EnvMap process_environment();

}  // namespace envlock::run
