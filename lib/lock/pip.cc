#include "lib/lock/pip.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "lib/channel/pypi_index.h"
#include "lib/channel/url.h"
#include "lib/pypi/marker.h"
#include "lib/pypi/metadata.h"
#include "lib/pypi/name.h"
#include "lib/pypi/requirement.h"
#include "lib/pypi/specifier.h"
#include "lib/pypi/version.h"
#include "lib/util/file.h"
#include "lib/util/text.h"

namespace envlock::lock {
namespace {

// lib/lock/data/conda_pypi_map.json, wrapped in a raw string literal by a genrule.
constexpr char k_conda_pypi_map[] =
#include "lib/lock/conda_pypi_map.inc"
    ;

const std::unordered_map<std::string, std::vector<std::string>>& conda_pypi_map() {
  static const auto map = [] {
    std::unordered_map<std::string, std::vector<std::string>> out;
    // Our own data file, checked by pip_test: it parses.
    auto json = nlohmann::json::parse(k_conda_pypi_map);
    for (const auto& [conda, names] : json.at("map").items()) {
      auto& list = out[conda];
      for (const auto& n : names) list.push_back(pypi::normalize_name(n.get<std::string>()));
    }
    return out;
  }();
  return map;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_vcs(const std::string& s) {
  for (const char* scheme : {"git+", "hg+", "svn+", "bzr+"})
    if (starts_with(s, scheme)) return true;
  return false;
}

// "--index-url URL", "--index-url=URL", "-i URL" → URL; nullopt when `line` is not `option`.
std::optional<std::string> option_value(const std::string& line, std::string_view option) {
  if (!starts_with(line, option)) return std::nullopt;
  std::string rest = line.substr(option.size());
  if (rest.empty()) return std::string();
  if (rest[0] != '=' && rest[0] != ' ' && rest[0] != '\t') return std::nullopt;
  return trim(rest.substr(1));
}

std::string dependency_name(const std::string& spec) {
  return spec.substr(0, spec.find(' '));
}

std::string dependency_constraint(const std::string& spec) {
  size_t space = spec.find(' ');
  return space == std::string::npos ? "" : trim(spec.substr(space + 1));
}

const lockfile::LockedPackage* conda_python(const std::vector<lockfile::LockedPackage>& packages) {
  for (const auto& p : packages)
    if (p.manager == lockfile::Manager::conda && p.name == "python") return &p;
  return nullptr;
}

class IndexProvider : public pypi::Provider {
 public:
  explicit IndexProvider(channel::PypiIndex index) : m_index(std::move(index)) {}

  Result<std::vector<pypi::IndexFile>> files(const std::string& name) override {
    ENVLOCK_TRY(project, m_index.project(name));
    std::vector<pypi::IndexFile> out;
    for (auto& f : project.files) {
      out.push_back({f.filename, f.url, f.sha256, f.requires_python, f.yanked});
      m_files.emplace(f.url, std::move(f));
    }
    return out;
  }

  Result<pypi::CoreMetadata> metadata(const std::string&, const pypi::IndexFile& file) override {
    auto it = m_files.find(file.url);
    if (it == m_files.end())
      return Error{ErrorKind::internal, file.url, "metadata asked for a file never listed"};
    ENVLOCK_TRY(bytes, m_index.metadata(it->second));
    auto parsed = pypi::parse_metadata(bytes);
    if (!parsed.ok()) return parsed.take_error().wrapped(channel::redact_url(file.url));
    return parsed;
  }

 private:
  channel::PypiIndex m_index;
  std::map<std::string, channel::PypiFile> m_files;  // by url
};

}  // namespace

Result<std::unique_ptr<pypi::Provider>> make_pip_provider(const PipSection& pip,
                                                          const channel::HttpOptions& http,
                                                          const std::string& cache_dir,
                                                          Offline offline) {
  channel::PypiIndexOptions options;
  options.index_url = pip.index_url;
  options.extra_index_urls = pip.extra_index_urls;
  options.offline = offline == Offline::yes ? channel::Offline::yes : channel::Offline::no;
  options.cache_dir = cache_dir;
  options.http = http;
  ENVLOCK_TRY(index, channel::PypiIndex::open(std::move(options)));
  return std::unique_ptr<pypi::Provider>(std::make_unique<IndexProvider>(std::move(index)));
}

Result<PipSection> parse_pip_section(const spec::EnvironmentSpec& env) {
  PipSection out;
  out.source = env.pip_source;
  for (size_t i = 0; i < env.pip.size(); ++i) {
    const std::string line = trim(env.pip[i]);
    const std::string where = i < env.pip_sources.size() ? env.pip_sources[i] : env.pip_source;
    auto fail = [&](const std::string& why) -> Error {
      return Error{ErrorKind::input,
                   where,
                   "pip line '" + channel::redact_url(line) + "': " + channel::redact_url(why)};
    };
    if (line.empty()) return fail("an empty requirement");
    if (line[0] == '-') {
      if (auto v = option_value(line, "--index-url"); v) {
        if (v->empty()) return fail("names no URL");
        if (v->find_first_of(" \t") != std::string::npos)
          return fail("a URL holds no space (one option per pip: line)");
        out.index_url = *v;
      } else if (auto v = option_value(line, "-i"); v) {
        if (v->empty()) return fail("names no URL");
        if (v->find_first_of(" \t") != std::string::npos)
          return fail("a URL holds no space (one option per pip: line)");
        out.index_url = *v;
      } else if (auto v = option_value(line, "--extra-index-url"); v) {
        if (v->empty()) return fail("names no URL");
        if (v->find_first_of(" \t") != std::string::npos)
          return fail("a URL holds no space (one option per pip: line)");
        out.extra_index_urls.push_back(*v);
      } else if (line == "--pre") {
        out.prereleases = pypi::Prereleases::allow;
      } else if (option_value(line, "-e") || option_value(line, "--editable")) {
        return fail(
            "editable installs cannot be locked (they have no artifact and no hash); build a "
            "wheel and publish it to an index, then require it by name");
      } else if (option_value(line, "-r") || option_value(line, "--requirement") ||
                 option_value(line, "-c") || option_value(line, "--constraint")) {
        return fail(
            "requirement and constraint files are not read; list their requirements "
            "in the pip: section");
      } else {
        return fail(
            "pip option not supported in a lock (supported: --index-url, "
            "--extra-index-url, --pre)");
      }
      continue;
    }
    if (is_vcs(line))
      return fail(
          "VCS requirements cannot be locked from an index; publish a wheel and "
          "require it by name");
    if (line.find("://") != std::string::npos && line.find('@') == std::string::npos)
      return fail("URL requirements are not supported; require the distribution by name");
    bool has_url = line.find("://") != std::string::npos;
    if (starts_with(line, ".") || starts_with(line, "/") || starts_with(line, "~") ||
        (!has_url &&
         (ends_with(line, ".whl") || ends_with(line, ".tar.gz") || ends_with(line, ".zip"))))
      return fail(
          "local paths and archives are not supported; require the distribution by "
          "name from an index");
    auto req = pypi::parse_requirement(line);
    if (!req.ok()) return fail("not a PEP 508 requirement: " + req.error().message);
    if (!req->url.empty())
      return fail(std::string(is_vcs(req->url) ? "VCS" : "direct URL") +
                  " requirements are not supported; require the distribution by name from an "
                  "index");
    out.requirements.push_back({std::move(req).value(), where});
  }
  return out;
}

std::vector<std::string> pypi_names_of(const lockfile::LockedPackage& p) {
  const auto& map = conda_pypi_map();
  if (auto it = map.find(p.name); it != map.end()) return it->second;
  bool python_dependent = std::any_of(p.depends.begin(), p.depends.end(), [](const auto& d) {
    return dependency_name(d) == "python";
  });
  if (!python_dependent) return {};
  return {pypi::normalize_name(p.name)};
}

std::vector<pypi::ProvidedDistribution> provided_distributions(
    const std::vector<lockfile::LockedPackage>& packages) {
  std::map<std::string, pypi::ProvidedDistribution> by_name;
  std::vector<const lockfile::LockedPackage*> conda;
  for (const auto& p : packages)
    if (p.manager == lockfile::Manager::conda) conda.push_back(&p);
  std::sort(conda.begin(), conda.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const auto* p : conda)
    for (const auto& name : pypi_names_of(*p)) by_name.try_emplace(name, name, p->version, p->name);
  std::vector<pypi::ProvidedDistribution> out;
  for (auto& [name, d] : by_name) out.push_back(std::move(d));
  return out;
}

Result<pypi::ResolveRequest> pip_request_for(
    const PipSection& pip, const std::string& platform,
    const std::vector<lockfile::LockedPackage>& packages,
    const std::vector<lockfile::VirtualPackage>& virtual_packages) {
  const auto* python = conda_python(packages);
  if (!python)
    return Error{ErrorKind::input,
                 pip.source,
                 "the pip: section needs python among the conda packages, and the solution for " +
                     platform + " has none; add python to the dependencies"};
  pypi::ResolveRequest r;
  r.requirements = pip.requirements;
  r.prereleases = pip.prereleases;
  r.python_full_version = python->version;
  size_t first = python->version.find('.');
  size_t second = python->version.find('.', first + 1);
  r.target.conda_subdir = platform;
  r.target.python_version = python->version.substr(0, second);
  for (const auto& vp : virtual_packages) {
    if (vp.name == "__glibc") r.target.glibc = vp.version;
    if (vp.name == "__osx") r.target.osx = vp.version;
  }
  r.provided = provided_distributions(packages);
  return r;
}

lockfile::LockedPackage locked_of(const pypi::ResolvedDistribution& d,
                                  const std::string& platform) {
  lockfile::LockedPackage p;
  p.manager = lockfile::Manager::pip;
  p.name = d.name;
  p.version = d.version;
  p.platform = platform;
  p.url = channel::without_credentials(d.file.url);
  p.sha256 = d.file.sha256;
  p.depends = d.dependencies;
  p.category = "main";
  p.optional = false;
  return p;
}

namespace {

// The requirements `extras` of the locked wheel `p` add on `env` (those a marker gives only with
// one of the extras), from its METADATA in the index client's cache; one error when that file
// is not there or not readable.
std::vector<Result<pypi::Requirement>> extra_requirements(const lockfile::LockedPackage& p,
                                                          const std::vector<std::string>& extras,
                                                          const pypi::MarkerEnvironment& env,
                                                          const std::string& cache_root) {
  std::vector<Result<pypi::Requirement>> out;
  auto unverified = [&](const std::string& why) {
    out.push_back(Error{
        ErrorKind::input, "", "cannot tell offline what its extras need (" + why + "); relock"});
    return out;
  };
  std::string sha = p.sha256;
  const bool hex = sha.size() == 64 && std::all_of(sha.begin(), sha.end(), [](char c) {
                     return std::isxdigit(static_cast<unsigned char>(c));
                   });
  if (!hex) return unverified("no sha256 for " + p.name + " " + p.version);
  for (char& c : sha) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (cache_root.empty()) return unverified("no cache");
  auto text =
      read_file(cache_root + "/pypi/metadata/" + sha + ".metadata", pypi::k_max_metadata_bytes);
  if (!text.ok())
    return unverified("the METADATA of " + p.name + " " + p.version + " is not cached");
  auto meta = pypi::parse_metadata(*text);
  if (!meta.ok()) return unverified("the cached METADATA of " + p.name + " does not parse");
  for (const auto& line : meta->requires_dist) {
    auto req = pypi::parse_requirement(line);
    if (!req.ok() || !req->marker || req->marker->evaluate(env)) continue;
    for (const auto& extra : extras) {
      if (req->marker->evaluate(env, extra)) {
        out.push_back(std::move(*req));
        break;
      }
    }
  }
  return out;
}

}  // namespace

std::vector<Finding> check_pip(const PipSection& pip, const std::string& platform,
                               const std::vector<lockfile::LockedPackage>& packages,
                               const std::vector<lockfile::VirtualPackage>& virtual_packages,
                               InputsAsLocked as_locked, const std::string& cache_root) {
  std::vector<Finding> out;
  auto add = [&](const std::string& code, const std::string& message) {
    out.push_back({platform, code, message});
  };
  std::map<std::string, const lockfile::LockedPackage*> entries;
  for (const auto& p : packages)
    if (p.manager == lockfile::Manager::pip) entries.emplace(pypi::normalize_name(p.name), &p);
  if (pip.empty() && entries.empty()) return out;
  const auto* python = conda_python(packages);
  if (!python) {
    add("pip-requirement-unsatisfied", "the pip: section needs python, and the lock has none");
    return out;
  }
  auto request = pip_request_for(pip, platform, packages, virtual_packages);
  auto env = pypi::MarkerEnvironment::for_target(platform, python->version);
  std::map<std::string, std::string> provided;
  for (const auto& d : request->provided) provided.emplace(d.name, d.version);

  // The version a name has in the lock: its pip entry, else the conda package providing it.
  auto version_of = [&](const std::string& name) -> std::optional<std::string> {
    if (auto it = entries.find(name); it != entries.end()) return it->second->version;
    if (auto it = provided.find(name); it != provided.end()) return it->second;
    return std::nullopt;
  };
  std::deque<std::string> reach;
  for (const auto& root : pip.requirements) {
    const auto& r = root.requirement;
    if (r.marker && !r.marker->evaluate(env)) continue;
    std::string name = pypi::normalize_name(r.name);
    auto version = version_of(name);
    if (!version) {
      add("pip-requirement-unsatisfied",
          root.source + ": '" + r.str() + "' has no pip entry in the lock");
    } else if (!r.specifier.contains(*version, pypi::Prereleases::allow)) {
      add("pip-requirement-unsatisfied",
          root.source + ": '" + r.str() + "' is not satisfied by the locked " + name + " " +
              *version);
    } else if (!r.extras.empty() && as_locked == InputsAsLocked::no) {
      if (auto e = entries.find(name); e != entries.end()) {
        for (auto& dep : extra_requirements(*e->second, r.extras, env, cache_root)) {
          if (!dep.ok()) {
            add("pip-requirement-unverified",
                root.source + ": '" + r.str() + "': " + dep.error().message);
            continue;
          }
          std::string dep_name = pypi::normalize_name(dep->name);
          auto locked = version_of(dep_name);
          if (!locked || !dep->specifier.contains(*locked, pypi::Prereleases::allow)) {
            add("pip-requirement-unsatisfied",
                root.source + ": '" + r.str() + "' needs '" + dep->str() + "', and the lock has " +
                    (locked ? dep_name + " " + *locked : "no " + dep_name));
          }
          reach.push_back(dep_name);
        }
      }
    }
    reach.push_back(name);
  }
  for (const auto& [name, p] : entries) {
    if (p->url.empty() || p->sha256.empty())
      add("pip-entry-unhashed", name + " " + p->version + " has no url or sha256");
    for (const auto& dep : p->depends) {
      std::string dep_name = pypi::normalize_name(dependency_name(dep));
      std::string constraint = dependency_constraint(dep);
      auto version = version_of(dep_name);
      if (!version) {
        add("pip-dependency-missing",
            name + " " + p->version + " requires " + dep_name + ", which the lock lacks");
        continue;
      }
      if (constraint.empty() || constraint == "*") continue;
      auto spec = pypi::SpecifierSet::parse(constraint);
      if (!spec.ok() || !spec->contains(*version, pypi::Prereleases::allow))
        add("pip-dependency-missing",
            name + " " + p->version + " requires " + dep_name + " " + constraint +
                ", and the lock has " + *version);
    }
  }
  std::set<std::string> reached;
  while (!reach.empty()) {
    std::string name = reach.front();
    reach.pop_front();
    if (!reached.insert(name).second) continue;
    if (auto it = entries.find(name); it != entries.end())
      for (const auto& dep : it->second->depends)
        reach.push_back(pypi::normalize_name(dependency_name(dep)));
  }
  for (const auto& [name, p] : entries)
    if (!reached.count(name))
      add("pip-entry-extra",
          name + " " + p->version + " is locked but no pip requirement needs it");
  return out;
}

}  // namespace envlock::lock
