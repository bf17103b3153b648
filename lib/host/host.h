#pragma once
// This machine's virtual packages (what conda calls __glibc, __cuda, __archspec, __linux,
// __osx, __win) and whether they satisfy what a lock's packages need of them.
//
// A lock does not record the machine it assumed (conda-lock v1 leaves virtual packages out),
// but its packages say it in their dependencies: `__glibc >=2.17,<3.0.a0`, `__cuda`,
// `__osx >=11.0`, `__archspec 1 x86_64_v3`. Those are the needs checked here.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/lockfile/lock.h"

namespace envlock::host {

/// Reads an environment variable; nullopt when unset.
using EnvGetter = std::function<std::optional<std::string>(const std::string&)>;

/// One virtual package of a machine.
struct VirtualPackage {
  std::string version;  ///< "2.36"; "1" for __archspec, "0" for __unix/__win
  std::string build;    ///< "x86_64_v3" for __archspec, else "0"
};

/// The virtual packages of a machine by name ("__glibc" -> 2.36).
using Machine = std::map<std::string, VirtualPackage>;

/// Where the machine's facts come from: the real system calls by default; tests give their own.
struct Probes {
  std::function<std::optional<std::string>()> glibc;         ///< gnu_get_libc_version()
  std::function<std::optional<std::string>()> cuda;          ///< cuDriverGetVersion() via dlopen
  std::function<std::optional<std::string>()> archspec;      ///< from /proc/cpuinfo flags
  std::function<std::optional<std::string>()> linux_kernel;  ///< uname release, "6.1.0"
};

/// The probes of this process: glibc from gnu_get_libc_version(); CUDA from libcuda.so.1
/// (dlopen + cuDriverGetVersion; absent library or driver error: none); archspec as x86_64,
/// x86_64_v2, _v3 or _v4 from the flags of /proc/cpuinfo (aarch64, ppc64le, ... as uname
/// names them); the Linux kernel version from uname.
Probes system_probes();

/// The x86_64 microarchitecture level of a /proc/cpuinfo `flags` line: "x86_64_v4" when it has
/// every flag of the x86-64 psABI level 4, else _v3, _v2, else "x86_64".
std::string x86_64_level(const std::string& cpuinfo_flags);

/// The machine's virtual packages for `platform` (a conda subdir, e.g. "linux-64"), with
/// CONDA_OVERRIDE_GLIBC, _CUDA, _ARCHSPEC, _LINUX, _OSX, _WIN from `env` replacing what the
/// probes find, as conda honours them (an empty value removes the package). Never fails.
Machine detect(const std::string& platform, const Probes& probes, const EnvGetter& env);

/// One distinct need of the lock: a virtual package spec some packages depend on.
struct Need {
  std::string name;                   ///< "__glibc"
  std::string spec;                   ///< the constraint as written, e.g. ">=2.17,<3.0.a0"
  std::vector<std::string> packages;  ///< the packages that need it, sorted
  bool satisfied = false;
  std::string message;  ///< for people: "needs glibc >=2.34 (libfoo), this machine has 2.31"
};

/// The answer for one lock platform.
struct Check {
  std::string platform;
  Machine machine;
  std::vector<Need> needs;  ///< sorted by name, then spec
  /// True when every need is satisfied.
  bool ok() const;
  /// The unsatisfied needs.
  std::vector<const Need*> failures() const;
};

/// Checks the `__*` dependencies of `packages` (conda entries) against `machine`, and the
/// virtual packages the lock records itself (an entry `__glibc 2.28` needs `>=2.28`; an entry
/// `__archspec 1 x86_64_v3` needs that level or a higher one). A dependency that is no valid
/// spec is an unsatisfied need saying so. Never fails.
Check check(const std::vector<lockfile::LockedPackage>& packages, const Machine& machine,
            const std::string& platform);

/// Adds to `check` an unsatisfied need named "platform" (spec: the check's platform) when the
/// check's platform is neither noarch nor `machine_platform` (this machine's subdir, as
/// spec::host_platform() says): a linux-64 machine cannot run an osx-64 or win-64 environment,
/// whatever its virtual packages. Never fails.
void require_platform(Check& check, const std::string& machine_platform);
/// "this machine: __glibc=2.36, __archspec=1=x86_64_v3, ...; the lock needs: __glibc >=2.17"
/// or "cannot run this environment: needs glibc >=2.34 (libfoo), this machine has 2.31; ...".
/// One line, without the trailing newline; names from the lock are made printable.
std::string summary(const Check& check);

}  // namespace envlock::host
