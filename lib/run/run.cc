#include "lib/run/run.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "lib/capture/capture.h"
#include "lib/util/file.h"
#include "lib/util/text.h"

extern char** environ;

namespace envlock::run {
namespace fs = std::filesystem;
namespace {

bool variable_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string single_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_path() {
  return ::access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
}

// The text a shell runs: source every script (their output to stderr when `quiet_scripts`),
// then exec "$@".
std::string shell_script(const std::vector<std::string>& scripts, bool quiet_scripts) {
  std::string text;
  for (const auto& s : scripts)
    text +=
        quiet_scripts ? "{ . " + single_quoted(s) + "; } 1>&2\n" : ". " + single_quoted(s) + "\n";
  return text + "exec \"$@\"\n";
}

std::vector<std::string> env_strings(const EnvMap& env) {
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Restores the signal dispositions it replaced when it goes out of scope.
class IgnoredSignals {
 public:
  IgnoredSignals() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    for (size_t i = 0; i < k_signals.size(); ++i) ::sigaction(k_signals[i], &ignore, &m_old[i]);
  }
  ~IgnoredSignals() {
    for (size_t i = 0; i < k_signals.size(); ++i) ::sigaction(k_signals[i], &m_old[i], nullptr);
  }
  IgnoredSignals(const IgnoredSignals&) = delete;
  IgnoredSignals& operator=(const IgnoredSignals&) = delete;

 private:
  static constexpr std::array<int, 3> k_signals{SIGINT, SIGTERM, SIGQUIT};
  std::array<struct sigaction, 3> m_old{};
};

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  void reset() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

 private:
  int m_fd;
};

int status_to_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

EnvMap process_environment() {
  EnvMap out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

Result<Activation> activate(const Options& options, const EnvMap& base) {
  Activation a;
  std::string where = options.prefix;
  if (options.prefix.empty()) {
    if (options.name.empty())
      return Error{ErrorKind::usage, "--prefix", "give the environment with --prefix or -n"};
    ENVLOCK_TRY(found, capture::find_named_prefix(options.name, capture::process_environment()));
    where = found;
  }
  std::error_code ec;
  fs::path prefix = fs::absolute(where, ec).lexically_normal();
  if (ec || !fs::is_directory(prefix, ec)) return Error{ErrorKind::usage, where, "no such folder"};
  if (!fs::is_directory(prefix / "conda-meta", ec))
    return Error{ErrorKind::usage, where, "not a conda environment (it has no conda-meta folder)"};
  a.prefix = prefix.string();
  if (a.prefix.size() > 1 && a.prefix.back() == '/') a.prefix.pop_back();

  a.environment = base;
  auto& env = a.environment;
  auto path = env.find("PATH");
  env["PATH"] =
      a.prefix + "/bin" + (path == env.end() || path->second.empty() ? "" : ":" + path->second);
  env["CONDA_PREFIX"] = a.prefix;
  env["CONDA_DEFAULT_ENV"] = options.prefix.empty() ? options.name : a.prefix;
  int level = 0;
  if (auto it = base.find("CONDA_SHLVL"); it != base.end()) {
    try {
      level = std::max(0, std::stoi(it->second));
    } catch (...) {
      level = 0;
    }
  }
  env["CONDA_SHLVL"] = std::to_string(level + 1);
  env["CONDA_PROMPT_MODIFIER"] = "(" + env["CONDA_DEFAULT_ENV"] + ") ";

  // conda-meta/state: {"env_vars": {"NAME": "value", ...}} (conda env config vars set).
  const std::string state_path = a.prefix + "/conda-meta/state";
  if (fs::exists(state_path, ec)) {
    auto text = read_file(state_path, k_max_state_bytes);
    if (!text.ok()) {
      Error e = text.take_error();
      e.kind = ErrorKind::input;
      return e;
    }
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object())
      return Error{ErrorKind::input, state_path, "not a JSON object"};
    if (auto vars = json.find("env_vars"); vars != json.end()) {
      if (!vars->is_object())
        return Error{ErrorKind::input, state_path, "env_vars must be an object"};
      for (const auto& [k, v] : vars->items()) {
        if (!variable_name(k) || !v.is_string())
          return Error{
              ErrorKind::input,
              state_path,
              "env_vars: '" + printable(k) + "' is not a variable name with a string value"};
        // An environment string ends at its first NUL: the command would see another value.
        if (v.get_ref<const std::string&>().find('\0') != std::string::npos)
          return Error{ErrorKind::input,
                       state_path,
                       "env_vars: the value of '" + printable(k) +
                           "' holds a NUL byte, which no environment variable can"};
        env[k] = v.get<std::string>();
      }
    }
  }

  const fs::path activate_d = prefix / "etc" / "conda" / "activate.d";
  if (fs::is_directory(activate_d, ec)) {
    for (const auto& entry : fs::directory_iterator(activate_d, ec)) {
      if (entry.path().extension() == ".sh" && entry.is_regular_file(ec))
        a.scripts.push_back(entry.path().string());
    }
    std::sort(a.scripts.begin(), a.scripts.end());
  }
  return a;
}

Result<EnvMap> activated_environment(const Activation& activation) {
  if (activation.scripts.empty()) return activation.environment;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return io_error("pipe", "create", errno);
  Fd read_end(fds[0]), write_end(fds[1]);
  std::vector<std::string> args = {shell_path(),
                                   "-c",
                                   shell_script(activation.scripts, true),
                                   "envlock-run",
                                   "/usr/bin/env",
                                   "-0"};
  if (::access("/usr/bin/env", X_OK) != 0) args[4] = "/bin/env";
  auto envs = env_strings(activation.environment);
  auto argv = c_strings(args);
  auto envp = c_strings(envs);
  pid_t pid = ::fork();
  if (pid < 0) return io_error("fork", "start a process", errno);
  if (pid == 0) {
    ::dup2(write_end.get(), STDOUT_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  write_end.reset();
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (status_to_code(status) != 0)
    return Error{
        ErrorKind::io,
        activation.prefix + "/etc/conda/activate.d",
        "the activation shell failed (exit " + std::to_string(status_to_code(status)) + ")"};
  EnvMap result;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\0', start);
    if (end == std::string::npos) end = out.size();
    std::string_view entry(out.data() + start, end - start);
    auto eq = entry.find('=');
    if (eq != std::string_view::npos && eq > 0)
      result[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
    start = end + 1;
  }
  // Variables the shell itself sets, not the activation.
  for (const char* shell_own : {"_", "SHLVL", "PWD", "OLDPWD"}) {
    auto it = activation.environment.find(shell_own);
    if (it == activation.environment.end())
      result.erase(shell_own);
    else
      result[shell_own] = it->second;
  }
  return result;
}

Result<std::string> render_changes(const EnvMap& before, const EnvMap& after, Style style) {
  std::string out;
  for (const auto& [k, v] : after) {
    auto it = before.find(k);
    if (it != before.end() && it->second == v) continue;
    if (style == Style::shell) {
      out += printable(k) + "=" + printable(v) + "\n";
      continue;
    }
    if (v.find('\n') != std::string::npos) {
      return Error{ErrorKind::input,
                   printable(k),
                   "the value holds a newline, which a Dockerfile ENV line cannot carry"};
    }
    // `/prefix/bin:` + the old PATH: the image's own PATH follows, not this machine's.
    std::string_view added = v;
    bool extends = false;
    if (it != before.end() && !it->second.empty() && v.size() > it->second.size() + 1 &&
        v.compare(v.size() - it->second.size(), it->second.size(), it->second) == 0 &&
        v[v.size() - it->second.size() - 1] == ':') {
      added = std::string_view(v).substr(0, v.size() - it->second.size());
      extends = true;
    }
    std::string quoted;
    for (char c : added) {
      if (c == '\\' || c == '"' || c == '$') quoted += '\\';
      quoted += c;
    }
    if (extends) quoted += "$" + k;
    out += "ENV " + printable(k) + "=\"" + quoted + "\"\n";
  }
  return out;
}

Result<int> run_command(const Activation& activation, const std::vector<std::string>& command) {
  if (command.empty()) return Error{ErrorKind::usage, "--", "no command to run"};
  std::vector<std::string> args;
  if (activation.scripts.empty()) {
    args = command;
  } else {
    args = {shell_path(), "-c", shell_script(activation.scripts, false), "envlock-run"};
    args.insert(args.end(), command.begin(), command.end());
  }
  auto envs = env_strings(activation.environment);
  auto argv = c_strings(args);
  auto envp = c_strings(envs);
  // The command is looked up in the activated PATH, as after `conda activate`; the candidates
  // are made before fork() so that the child only calls execve.
  std::vector<std::string> candidates;
  if (args[0].find('/') != std::string::npos) {
    candidates.push_back(args[0]);
  } else {
    auto it = activation.environment.find("PATH");
    const std::string path = it == activation.environment.end() ? "" : it->second;
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find(':', start);
      if (end == std::string::npos) end = path.size();
      std::string dir = path.substr(start, end - start);
      candidates.push_back((dir.empty() ? std::string(".") : dir) + "/" + args[0]);
      start = end + 1;
    }
  }
  IgnoredSignals ignored;
  pid_t pid = ::fork();
  if (pid < 0) return io_error("fork", "start a process", errno);
  if (pid == 0) {
    // Ignored dispositions survive exec: the command gets the defaults back.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGQUIT, SIG_DFL);
    for (const auto& candidate : candidates) ::execve(candidate.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return io_error("waitpid", "wait for the command", errno);
  }
  return status_to_code(status);
}

}  // namespace envlock::run
