#include "lib/lock/virtual.h"

#include <algorithm>

namespace envlock::lock {
namespace {

bool applies_to(const std::string& name, const std::string& platform) {
  auto starts = [&](const char* p) { return platform.rfind(p, 0) == 0; };
  if (platform == "noarch") return false;
  if (name == "__glibc" || name == "__linux") return starts("linux-");
  if (name == "__osx") return starts("osx-");
  if (name == "__win") return starts("win-");
  if (name == "__unix") return starts("linux-") || starts("osx-");
  // CUDA has no macOS builds: an override (CONDA_OVERRIDE_CUDA on a Mac host, too) must not
  // give osx-* locks a __cuda that conda-lock's defaults never have there.
  if (name == "__cuda") return starts("linux-") || starts("win-");
  return true;
}

void set_package(lockfile::VirtualPackageRepo& repo, const std::string& name,
                 const std::optional<std::string>& version, const std::string& build,
                 bool only_where_present) {
  for (auto& [platform, packages] : repo.subdirs) {
    if (!applies_to(name, platform)) continue;
    auto it = std::find_if(
        packages.begin(), packages.end(), [&](const auto& vp) { return vp.name == name; });
    if (!version) {
      if (it != packages.end()) packages.erase(it);
      continue;
    }
    if (it != packages.end()) {
      it->version = *version;
      if (!build.empty()) it->build_string = build;
    } else if (!only_where_present) {
      packages.push_back({name, *version, build});
    }
  }
}

}  // namespace

Result<lockfile::VirtualPackageRepo> virtual_packages(const std::vector<std::string>& overrides,
                                                      const EnvGetter& env) {
  auto repo = lockfile::default_virtual_packages();
  struct EnvOverride {
    const char* variable;
    const char* name;
  };
  for (auto [variable, name] : {EnvOverride{"CONDA_OVERRIDE_GLIBC", "__glibc"},
                                EnvOverride{"CONDA_OVERRIDE_CUDA", "__cuda"},
                                EnvOverride{"CONDA_OVERRIDE_OSX", "__osx"},
                                EnvOverride{"CONDA_OVERRIDE_LINUX", "__linux"},
                                EnvOverride{"CONDA_OVERRIDE_WIN", "__win"}}) {
    if (!env) break;
    auto value = env(variable);
    if (!value) continue;
    std::optional<std::string> version;
    if (!value->empty()) version = *value;
    set_package(repo, name, version, "", false);
  }
  if (env) {
    if (auto arch = env("CONDA_OVERRIDE_ARCHSPEC"); arch && !arch->empty())
      set_package(repo, "__archspec", std::string("1"), *arch, false);
  }
  for (const auto& text : overrides) {
    auto eq = text.find('=');
    std::string name = text.substr(0, eq);
    if (name.rfind("__", 0) != 0 || name.size() < 3)
      return Error{ErrorKind::usage,
                   "--virtual-package " + text,
                   "a virtual package name starts with \"__\" (e.g. __glibc=2.17)"};
    std::optional<std::string> version;
    std::string build;
    if (eq != std::string::npos) {
      std::string rest = text.substr(eq + 1);
      auto eq2 = rest.find('=');
      if (eq2 != std::string::npos) {
        build = rest.substr(eq2 + 1);
        rest = rest.substr(0, eq2);
      }
      if (!rest.empty()) version = rest;
      // "__glibc==2.17" would otherwise read as "remove __glibc" with a build of "2.17".
      if (!version && eq2 != std::string::npos)
        return Error{ErrorKind::usage,
                     "--virtual-package " + text,
                     "expected NAME=VERSION[=BUILD] (one '=', e.g. __glibc=2.17), or NAME= to "
                     "remove it"};
    } else {
      version = "0";
    }
    set_package(repo, name, version, build, false);
  }
  return repo;
}

std::vector<lockfile::VirtualPackage> virtual_packages_for(const lockfile::VirtualPackageRepo& repo,
                                                           const std::string& platform) {
  std::vector<lockfile::VirtualPackage> out;
  for (const char* subdir : {"noarch", platform.c_str()}) {
    auto it = repo.subdirs.find(subdir);
    if (it == repo.subdirs.end()) continue;
    for (const auto& vp : it->second)
      if (std::none_of(out.begin(), out.end(), [&](const auto& o) { return o.name == vp.name; }))
        out.push_back(vp);
    if (platform == "noarch") break;
  }
  return out;
}

}  // namespace envlock::lock
