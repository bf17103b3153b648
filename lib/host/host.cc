#include "lib/host/host.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <sys/utsname.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "lib/spec/match_spec.h"
#include "lib/spec/package_record.h"
#include "lib/util/text.h"

namespace envlock::host {
namespace {

// x86-64 psABI microarchitecture levels, lowest first, with the /proc/cpuinfo flags each adds.
const std::vector<std::pair<std::string, std::vector<std::string>>> k_x86_64_levels = {
    {"x86_64", {}},
    {"x86_64_v2", {"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"}},
    {"x86_64_v3", {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"}},
    {"x86_64_v4", {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}},
};

// Names a machine of microarchitecture `name` can run: itself and every lower x86_64 level.
std::vector<std::string> compatible_archspecs(const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [level, _] : k_x86_64_levels) {
    out.push_back(level);
    if (level == name) return out;
  }
  return {name};
}

// A dlopen handle, closed when it goes out of scope.
class Library {
 public:
  explicit Library(const char* name) : m_handle(::dlopen(name, RTLD_LAZY | RTLD_LOCAL)) {}
  ~Library() {
    if (m_handle) ::dlclose(m_handle);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  void* symbol(const char* name) const { return m_handle ? ::dlsym(m_handle, name) : nullptr; }

 private:
  void* m_handle;
};

std::optional<std::string> probe_cuda() {
  Library cuda("libcuda.so.1");
  using GetVersion = int (*)(int*);
  auto get = reinterpret_cast<GetVersion>(cuda.symbol("cuDriverGetVersion"));
  int version = 0;
  if (get == nullptr || get(&version) != 0 || version <= 0) return std::nullopt;
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

std::optional<std::string> probe_archspec() {
  struct utsname u {};
  if (::uname(&u) != 0) return std::nullopt;
  std::string machine = u.machine;
  if (machine != "x86_64") return machine;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) return x86_64_level(line);
  return machine;
}

std::optional<std::string> probe_linux() {
  struct utsname u {};
  if (::uname(&u) != 0) return std::nullopt;
  // "6.1.0-18-amd64" -> "6.1.0", as conda keeps the dotted numbers.
  std::string release = u.release, out;
  for (char c : release) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') break;
    out += c;
  }
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out.empty() ? std::nullopt : std::optional<std::string>(out);
}

std::string short_name(const std::string& name) {
  return name.rfind("__", 0) == 0 ? name.substr(2) : name;
}

std::string packages_text(const std::vector<std::string>& packages) {
  std::string out = printable(packages.front());
  if (packages.size() > 1) out += " and " + std::to_string(packages.size() - 1) + " more";
  return out;
}

}  // namespace

std::string x86_64_level(const std::string& cpuinfo_flags) {
  std::set<std::string> flags;
  std::istringstream words(cpuinfo_flags);
  for (std::string w; words >> w;) flags.insert(w);
  std::string level = "x86_64";
  for (const auto& [name, needed] : k_x86_64_levels) {
    if (!std::all_of(needed.begin(), needed.end(), [&](const auto& f) { return flags.count(f); }))
      break;
    level = name;
  }
  return level;
}

Probes system_probes() {
  Probes p;
  p.glibc = []() -> std::optional<std::string> { return std::string(gnu_get_libc_version()); };
  p.cuda = probe_cuda;
  p.archspec = probe_archspec;
  p.linux_kernel = probe_linux;
  return p;
}

Machine detect(const std::string& platform, const Probes& probes, const EnvGetter& env) {
  Machine m;
  const bool is_linux = platform.rfind("linux", 0) == 0;
  const bool is_osx = platform.rfind("osx", 0) == 0;
  const bool is_win = platform.rfind("win", 0) == 0;
  auto set = [&](const std::string& name,
                 std::optional<std::string>
                     probed,
                 const char* override_name,
                 const std::string& build = "0") {
    if (auto o = env(override_name)) probed = o->empty() ? std::nullopt : o;
    if (probed) {
      if (name == "__archspec")
        m[name] = {"1", *probed};
      else
        m[name] = {*probed, build};
    }
  };
  if (!is_win) m["__unix"] = {"0", "0"};
  if (is_win) set("__win", std::string("0"), "CONDA_OVERRIDE_WIN");
  if (is_linux) {
    set("__linux",
        probes.linux_kernel ? probes.linux_kernel() : std::nullopt,
        "CONDA_OVERRIDE_LINUX");
    set("__glibc", probes.glibc ? probes.glibc() : std::nullopt, "CONDA_OVERRIDE_GLIBC");
  }
  // This process probes only its own system: an osx version is known only from the override.
  if (is_osx) set("__osx", std::nullopt, "CONDA_OVERRIDE_OSX");
  if (!is_osx) set("__cuda", probes.cuda ? probes.cuda() : std::nullopt, "CONDA_OVERRIDE_CUDA");
  set("__archspec", probes.archspec ? probes.archspec() : std::nullopt, "CONDA_OVERRIDE_ARCHSPEC");
  return m;
}

bool Check::ok() const {
  return std::all_of(needs.begin(), needs.end(), [](const Need& n) { return n.satisfied; });
}

std::vector<const Need*> Check::failures() const {
  std::vector<const Need*> out;
  for (const auto& n : needs)
    if (!n.satisfied) out.push_back(&n);
  return out;
}

Check check(const std::vector<lockfile::LockedPackage>& packages, const Machine& machine,
            const std::string& platform) {
  Check result;
  result.platform = platform;
  result.machine = machine;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> needs;
  for (const auto& p : packages) {
    if (p.manager != lockfile::Manager::conda) continue;
    // A virtual package the lock itself records (pixi, captured locks, some env exports): the
    // machine it was locked for had at least that version (and, for __archspec, that level).
    if (p.name.rfind("__", 0) == 0 && !p.version.empty() && p.version != "0") {
      std::string spec =
          p.name == "__archspec" ? "* " + (p.build.empty() ? "*" : p.build) : ">=" + p.version;
      needs[{p.name, spec}].insert("the lock's " + p.name);
      continue;
    }
    for (const auto& dep : p.depends) {
      if (dep.rfind("__", 0) != 0) continue;
      auto space = dep.find(' ');
      std::string name = dep.substr(0, space);
      std::string spec = space == std::string::npos ? "" : dep.substr(space + 1);
      needs[{name, spec}].insert(p.name);
    }
  }
  for (const auto& [key, who] : needs) {
    Need need;
    need.name = key.first;
    need.spec = key.second;
    need.packages.assign(who.begin(), who.end());
    const std::string wanted = short_name(need.name) + (need.spec.empty() ? "" : " " + need.spec);
    auto have = machine.find(need.name);
    auto parsed = spec::MatchSpec::parse(need.name + (need.spec.empty() ? "" : " " + need.spec));
    if (!parsed.ok()) {
      need.message = "needs " + printable(wanted) + " (" + packages_text(need.packages) +
                     "), which is no valid spec";
    } else if (have == machine.end()) {
      need.message = "needs " + printable(wanted) + " (" + packages_text(need.packages) +
                     "), this machine has none";
    } else {
      spec::PackageRecord record;
      record.name = need.name;
      record.version = have->second.version;
      std::vector<std::string> builds = need.name == "__archspec"
                                            ? compatible_archspecs(have->second.build)
                                            : std::vector<std::string>{have->second.build};
      for (const auto& build : builds) {
        record.build = build;
        need.satisfied = need.satisfied || parsed->matches(record);
      }
      const std::string has = need.name == "__archspec" ? have->second.build : have->second.version;
      need.message = "needs " + printable(wanted) + " (" + packages_text(need.packages) +
                     "), this machine has " + printable(has);
    }
    result.needs.push_back(std::move(need));
  }
  return result;
}

void require_platform(Check& check, const std::string& machine_platform) {
  if (check.platform.empty() || check.platform == "noarch" || check.platform == machine_platform)
    return;
  Need need;
  need.name = "platform";
  need.spec = check.platform;
  need.message = "the environment is for " + printable(check.platform) + ", this machine is " +
                 printable(machine_platform);
  check.needs.push_back(std::move(need));
}

std::string summary(const Check& check) {
  std::string out;
  if (check.ok()) {
    out = "this machine can run it (";
    std::string machine;
    for (const auto& [name, vp] : check.machine) {
      if (name == "__unix") continue;
      machine += (machine.empty() ? "" : ", ") + short_name(name) + " " +
                 printable(name == "__archspec" ? vp.build : vp.version);
    }
    out += machine.empty() ? std::string("no virtual packages") : machine;
    size_t needed = 0;
    for (const auto& n : check.needs) needed += n.name != "__unix";
    out += "; " + std::to_string(needed) + (needed == 1 ? " need" : " needs") + " of the lock met)";
    return out;
  }
  out = "this machine cannot run the locked environment: ";
  bool first = true;
  for (const Need* n : check.failures()) {
    out += (first ? "" : "; ") + n->message;
    first = false;
  }
  return out;
}

}  // namespace envlock::host
