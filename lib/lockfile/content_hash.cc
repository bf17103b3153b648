#include "lib/lockfile/content_hash.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "lib/hash/hash.h"
#include "lib/lockfile/pyjson.h"

namespace envlock::lockfile {
namespace {

using detail::PyJson;

constexpr int64_t k_virtual_timestamp = 1577854800000;  // conda-lock's DEFAULT_TIME
const char* const k_fixed_subdirs[] = {
    "noarch", "linux-aarch64", "linux-ppc64le", "linux-64", "osx-64", "osx-arm64", "win-64"};

PyJson opt(const std::optional<std::string>& s) {
  return s ? PyJson::of(*s) : PyJson::null();
}

PyJson dependency_json(const HashDependency& d) {
  PyJson j = PyJson::obj();
  j.set("name", PyJson::of(d.name));
  j.set("manager", PyJson::of(to_string(d.manager)));
  j.set("category", PyJson::of(d.category));
  std::vector<std::string> extras = d.extras;
  std::sort(extras.begin(), extras.end());
  j.set("extras", PyJson::strings(extras));
  j.set("markers", opt(d.markers));
  switch (d.kind) {
    case HashDependency::Kind::versioned:
      j.set("version", PyJson::of(d.version));
      j.set("build", opt(d.build));
      j.set("conda_channel", opt(d.conda_channel));
      j.set("hash", opt(d.hash));
      break;
    case HashDependency::Kind::url:
      j.set("url", PyJson::of(d.url));
      j.set("hashes", PyJson::strings(d.hashes));
      break;
    case HashDependency::Kind::vcs:
      j.set("source", PyJson::of(d.source));
      j.set("vcs", PyJson::of(d.vcs));
      j.set("rev", opt(d.rev));
      j.set("subdirectory", opt(d.subdirectory));
      break;
    case HashDependency::Kind::path:
      j.set("path", PyJson::of(d.path));
      j.set("is_directory", PyJson::of(d.is_directory));
      j.set("subdirectory", opt(d.subdirectory));
      break;
  }
  return j;
}

PyJson subdir_repodata(const std::string& subdir, const std::vector<VirtualPackage>& packages,
                       SpuriousBuildNumber spurious) {
  PyJson rd = PyJson::obj();
  PyJson info = PyJson::obj();
  info.set("subdir", PyJson::of(subdir));
  rd.set("info", std::move(info));
  PyJson pkgs = PyJson::obj();
  for (const VirtualPackage& vp : packages) {
    std::string build = vp.build_string.empty() ? "0" : vp.build_string;
    if (spurious == SpuriousBuildNumber::reinsert && !vp.build_string.empty()) {
      build = vp.build_string + "_0";
    }
    PyJson p = PyJson::obj();
    p.set("name", PyJson::of(vp.name));
    p.set("version", PyJson::of(vp.version));
    p.set("build_string", PyJson::of(vp.build_string));
    p.set("build_number", PyJson::of(int64_t{0}));
    p.set("noarch", PyJson::of(""));
    p.set("depends", PyJson::arr());
    p.set("timestamp", PyJson::of(k_virtual_timestamp));
    p.set("package_type", PyJson::of("virtual_system"));
    p.set("build", PyJson::of(build));
    p.set("subdir", PyJson::of(subdir));
    pkgs.set(vp.name + "-" + vp.version + "-" + build + ".tar.bz2", std::move(p));
  }
  rd.set("packages", std::move(pkgs));
  return rd;
}

PyJson repodata_for(const VirtualPackageRepo& repo, const std::string& subdir,
                    SpuriousBuildNumber spurious) {
  auto it = repo.subdirs.find(subdir);
  bool fixed = std::find(std::begin(k_fixed_subdirs), std::end(k_fixed_subdirs), subdir) !=
               std::end(k_fixed_subdirs);
  if (it == repo.subdirs.end() && !fixed) return PyJson::obj();  // vpr_data.get(p, {})
  static const std::vector<VirtualPackage> k_empty;
  return subdir_repodata(subdir, it == repo.subdirs.end() ? k_empty : it->second, spurious);
}

}  // namespace

VirtualPackageRepo default_virtual_packages(const std::string& cuda_version) {
  VirtualPackageRepo repo;
  auto linux_like = [&](const std::string& subdir, const std::string& arch) {
    auto& v = repo.subdirs[subdir];
    v.push_back({"__unix", "0", ""});
    v.push_back({"__linux", "5.10", ""});
    v.push_back({"__archspec", "1", arch});
    v.push_back({"__glibc", "2.28", ""});
    if (!cuda_version.empty()) v.push_back({"__cuda", cuda_version, ""});
  };
  linux_like("linux-64", "x86_64");
  linux_like("linux-aarch64", "aarch64");
  linux_like("linux-ppc64le", "ppc64le");
  repo.subdirs["osx-64"] = {{"__unix", "0", ""},
                            {"__archspec", "1", "x86_64"},
                            {"__osx", "11.0", ""},
                            {"__osx", "10.15", ""}};
  repo.subdirs["osx-arm64"] = {
      {"__unix", "0", ""}, {"__archspec", "1", "arm64"}, {"__osx", "11.0", ""}};
  auto& win = repo.subdirs["win-64"];
  win.push_back({"__win", "0", ""});
  win.push_back({"__archspec", "1", "x86_64"});
  if (!cuda_version.empty()) win.push_back({"__cuda", cuda_version, ""});
  return repo;
}

std::string content_hash_json(const ContentHashInput& input, const std::string& platform,
                              SpuriousBuildNumber spurious, NewNulls nulls) {
  PyJson content = PyJson::obj();
  PyJson channels = PyJson::arr();
  for (const Channel& c : input.channels) {
    PyJson ch = PyJson::obj();
    ch.set("url", PyJson::of(c.url));
    ch.set("used_env_vars", PyJson::strings(c.used_env_vars));
    channels.array.push_back(PyJson::of(detail::pydantic_dump_compact(ch)));
  }
  content.set("channels", std::move(channels));
  std::vector<const HashDependency*> deps;
  if (auto it = input.dependencies.find(platform); it != input.dependencies.end()) {
    for (const auto& d : it->second) deps.push_back(&d);
  }
  std::stable_sort(deps.begin(), deps.end(), [](const HashDependency* a, const HashDependency* b) {
    return std::tie(a->manager, a->name) < std::tie(b->manager, b->name);
  });
  PyJson specs = PyJson::arr();
  for (const HashDependency* d : deps) {
    PyJson j = dependency_json(*d);
    if (nulls == NewNulls::remove) {
      for (const char* key : {"markers", "subdirectory"}) {
        const PyJson* v = j.get(key);
        if (v && v->kind == PyJson::Kind::null) j.erase(key);
      }
    }
    specs.array.push_back(std::move(j));
  }
  content.set("specs", std::move(specs));
  if (!input.pip_repositories.empty()) {
    PyJson repos = PyJson::arr();
    for (const auto& url : input.pip_repositories) {
      PyJson r = PyJson::obj();
      r.set("url", PyJson::of(url));
      repos.array.push_back(PyJson::of(detail::pydantic_dump_compact(r)));
    }
    content.set("pip_repositories", std::move(repos));
  }
  if (input.virtual_packages) {
    PyJson vph = PyJson::obj();
    vph.set("noarch", repodata_for(*input.virtual_packages, "noarch", spurious));
    vph.set(platform, repodata_for(*input.virtual_packages, platform, spurious));
    content.set("virtual_package_hash", std::move(vph));
  }
  return detail::python_dumps_sorted(content);
}

std::string content_hash(const ContentHashInput& input, const std::string& platform,
                         SpuriousBuildNumber spurious, NewNulls nulls) {
  return hash::hex_digest(hash::Algorithm::sha256,
                          content_hash_json(input, platform, spurious, nulls));
}

std::map<std::string, std::string> content_hashes(const ContentHashInput& input) {
  std::map<std::string, std::string> out;
  for (const auto& [platform, deps] : input.dependencies) {
    out[platform] = content_hash(input, platform);
  }
  return out;
}

std::set<std::string> accepted_content_hashes(const ContentHashInput& input,
                                              const std::string& platform) {
  std::vector<ContentHashInput> variants{input};
  if (platform == "osx-64" && input.virtual_packages) {
    // With and without the redundant __osx 10.15 next to __osx 11.0.
    ContentHashInput other = input;
    auto& osx = other.virtual_packages->subdirs["osx-64"];
    bool has_11 = std::any_of(osx.begin(), osx.end(), [](const VirtualPackage& v) {
      return v.name == "__osx" && v.version == "11.0" && v.build_string.empty();
    });
    if (has_11) {
      auto it = std::find_if(osx.begin(), osx.end(), [](const VirtualPackage& v) {
        return v.name == "__osx" && v.version == "10.15" && v.build_string.empty();
      });
      if (it != osx.end())
        osx.erase(it);
      else
        osx.push_back({"__osx", "10.15", ""});
      variants.push_back(std::move(other));
    }
  }
  std::set<std::string> out;
  for (const auto& v : variants) {
    for (auto spurious : {SpuriousBuildNumber::omit, SpuriousBuildNumber::reinsert}) {
      for (auto nulls : {NewNulls::keep, NewNulls::remove}) {
        if (!v.virtual_packages && spurious == SpuriousBuildNumber::reinsert) continue;
        out.insert(content_hash(v, platform, spurious, nulls));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// environment.yml -> ContentHashInput, as conda-lock's environment.yml parser does it.
namespace {

// conda-build's platform selectors that conda-lock honours.
const std::map<std::string, std::set<std::string>> k_sel = {
    {"linux-64", {"linux64", "unix", "linux"}},
    {"linux-aarch64", {"aarch64", "unix", "linux"}},
    {"linux-ppc64le", {"ppc64le", "unix", "linux"}},
    {"osx-64", {"osx64", "osx", "unix"}},
    {"osx-arm64", {"arm64", "osx", "unix"}},
    {"win-64", {"win", "win64"}},
};

bool selector_matches(const std::string& cond, const std::string& platform) {
  auto it = k_sel.find(platform);
  return it != k_sel.end() && it->second.count(cond) > 0;
}

// The selector of a line, as conda-lock's `(.+?)\s*(#.*)?\[([^\[\]]+)\](?(2)[^\(\)]*)$` finds
// it: after a '#', the last "[cond]" followed only by non-parenthesis characters; without a
// '#', a "[cond]" closing the line.
std::optional<std::string> line_selector(const std::string& line) {
  size_t hash = line.find('#', 1);
  if (hash != std::string::npos) {
    for (size_t close = line.size(); close-- > hash;) {
      if (line[close] == '(' || line[close] == ')') break;
      if (line[close] != ']') continue;
      size_t open = line.find_last_of("[]", close - 1);
      if (open == std::string::npos || open <= hash || line[open] != '[') continue;
      if (close - open < 2) continue;
      return line.substr(open + 1, close - open - 1);
    }
  }
  if (!line.empty() && line.back() == ']') {
    size_t open = line.find_last_of("[]", line.size() - 2);
    if (open != std::string::npos && open >= 1 && line[open] == '[' && line.size() - open > 2) {
      return line.substr(open + 1, line.size() - open - 2);
    }
  }
  return std::nullopt;
}

std::string filter_selectors(const std::string& text, const std::string& platform) {
  std::string out;
  size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    start = end + 1;
    size_t nonspace = line.find_first_not_of(" \t");
    bool comment = nonspace != std::string::npos && line[nonspace] == '#';
    if (!comment) {
      auto sel = line_selector(line);
      if (!sel || selector_matches(*sel, platform)) {
        if (!first) out += "\n";
        out += line;
        first = false;
      }
    }
    if (end == text.size()) break;
  }
  return out;
}

// conda's _parse_version_plus_build: the leftmost ' ' or '=' not preceded by one of "=!|,<>~"
// that leaves a non-empty version and a build free of "-=,|<>~".
void split_version_build(const std::string& s, std::string& version,
                         std::optional<std::string>& build) {
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] != ' ' && s[i] != '=') continue;
    if (std::string_view("=!|,<>~").find(s[i - 1]) != std::string_view::npos) continue;
    std::string rest = s.substr(i + 1);
    if (rest.empty() || rest.find_first_of("-=,|<>~") != std::string::npos) continue;
    version = s.substr(0, i);
    size_t a = rest.find_first_not_of(' ');
    size_t b = rest.find_last_not_of(' ');
    build = a == std::string::npos ? std::string() : rest.substr(a, b - a + 1);
    version.erase(std::remove(version.begin(), version.end(), ' '), version.end());
    return;
  }
  version = s;
  version.erase(std::remove(version.begin(), version.end(), ' '), version.end());
  build.reset();
}

// VersionSpec's normalised text: "1.2*" -> "1.2.*"; everything else as given.
std::string normalize_version_spec(const std::string& v) {
  if (v.empty()) return v;
  if (v.find_first_of("()|,^$") != std::string::npos) return v;
  if (v[0] == '<' || v[0] == '>' || v[0] == '=' || v[0] == '!' || v[0] == '~') return v;
  if (v == "*") return v;
  std::string stripped = v;
  while (!stripped.empty() && stripped.back() == '*') stripped.pop_back();
  if (stripped.find('*') != std::string::npos) return v;
  if (v.back() == '*' && (v.size() < 2 || v.substr(v.size() - 2) != ".*")) {
    return v.substr(0, v.size() - 1) + ".*";
  }
  return v;
}

std::string canonical_channel(std::string channel) {
  for (const char* alias : {"https://conda.anaconda.org/", "http://conda.anaconda.org/"}) {
    std::string_view a = alias;
    if (channel.rfind(a, 0) == 0) channel = channel.substr(a.size());
  }
  while (!channel.empty() && channel.back() == '/') channel.pop_back();
  return channel;
}

// conda_spec_to_versioned_dep: MatchSpec(spec) -> name, version, build, channel.
Result<HashDependency> conda_spec(const std::string& raw, const std::string& category,
                                  const std::string& path) {
  std::string s = raw;
  if (size_t hash = s.find('#'); hash != std::string::npos) s = s.substr(0, hash);
  auto trim = [](std::string t) {
    size_t a = t.find_first_not_of(" \t");
    size_t b = t.find_last_not_of(" \t");
    return a == std::string::npos ? std::string() : t.substr(a, b - a + 1);
  };
  s = trim(s);
  HashDependency d;
  d.category = category;
  // "[key=value, ...]" at the end.
  std::optional<std::string> bracket_build, bracket_version;
  if (!s.empty() && s.back() == ']') {
    size_t open = s.rfind('[');
    if (open == std::string::npos) {
      return Error{ErrorKind::input, path, "cannot parse conda spec '" + raw + "'"};
    }
    std::string inner = s.substr(open + 1, s.size() - open - 2);
    s = trim(s.substr(0, open));
    size_t pos = 0;
    while (pos < inner.size()) {
      size_t comma = inner.find(',', pos);
      std::string item = trim(inner.substr(pos, comma == std::string::npos ? comma : comma - pos));
      pos = comma == std::string::npos ? inner.size() : comma + 1;
      size_t eq = item.find('=');
      if (eq == std::string::npos) continue;
      std::string key = trim(item.substr(0, eq));
      std::string value = trim(item.substr(eq + 1));
      if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'')) {
        value = value.substr(1, value.size() - 2);
      }
      if (key == "build") bracket_build = value;
      if (key == "version") bracket_version = value;
    }
  }
  if (size_t colons = s.rfind("::"); colons != std::string::npos) {
    std::string channel = s.substr(0, colons);
    if (size_t slash = channel.find('/');
        slash != std::string::npos && channel.find("://") == std::string::npos) {
      channel = channel.substr(0, slash);  // "channel/subdir::name"
    }
    d.conda_channel = canonical_channel(channel);
    s = s.substr(colons + 2);
  }
  size_t name_end = s.find_first_of(" =<>!~");
  d.name = s.substr(0, name_end);
  if (d.name.empty()) {
    return Error{ErrorKind::input, path, "cannot parse conda spec '" + raw + "'"};
  }
  std::string rest = name_end == std::string::npos ? "" : trim(s.substr(name_end));
  std::string version;
  std::optional<std::string> build;
  if (!rest.empty()) {
    split_version_build(rest, version, build);
    if (version == "==" || version == "=") {
      // conda treats these as errors later; keep the text
    } else if (!version.empty() && version[0] == '=') {
      std::string test = version.substr(1);
      if (version.rfind("==", 0) == 0 && !build) {
        version = version.substr(2);
      } else if (test.find_first_of("=,|") == std::string::npos) {
        if (!build && !test.empty() && test.back() != '*')
          version = test + "*";
        else
          version = test;
      }
    }
  }
  if (bracket_version) version = *bracket_version;
  if (bracket_build) build = bracket_build;
  d.version = normalize_version_spec(version);
  d.build = build;
  return d;
}

// parse_python_requirement(..., normalize_name=False) for `pip:` entries.
Result<HashDependency> pip_spec(const std::string& raw, const std::string& category,
                                const std::string& path) {
  HashDependency d;
  d.manager = Manager::pip;
  d.category = category;
  std::string req = raw;
  size_t semi = req.find(';');
  if (semi != std::string::npos) {
    std::string markers = req.substr(semi + 1);
    size_t a = markers.find_first_not_of(' ');
    size_t b = markers.find_last_not_of(' ');
    if (a != std::string::npos) d.markers = markers.substr(a, b - a + 1);
    req = req.substr(0, semi);
  }
  size_t i = 0;
  while (i < req.size() && req[i] == ' ') ++i;
  size_t name_start = i;
  while (i < req.size() && (std::isalnum(static_cast<unsigned char>(req[i])) || req[i] == '-' ||
                            req[i] == '_' || req[i] == '.')) {
    ++i;
  }
  d.name = req.substr(name_start, i - name_start);
  if (d.name.empty()) {
    return Error{ErrorKind::input, path, "cannot parse pip requirement '" + raw + "'"};
  }
  while (i < req.size() && req[i] == ' ') ++i;
  if (i < req.size() && req[i] == '[') {
    size_t close = req.find(']', i);
    if (close == std::string::npos) {
      return Error{ErrorKind::input, path, "cannot parse pip requirement '" + raw + "'"};
    }
    std::string inner = req.substr(i + 1, close - i - 1);
    size_t pos = 0;
    while (pos <= inner.size()) {
      size_t comma = inner.find(',', pos);
      std::string e = inner.substr(pos, comma == std::string::npos ? comma : comma - pos);
      e.erase(std::remove(e.begin(), e.end(), ' '), e.end());
      if (!e.empty()) d.extras.push_back(e);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    i = close + 1;
  }
  std::string rest = req.substr(i);
  size_t a = rest.find_first_not_of(' ');
  rest = a == std::string::npos ? "" : rest.substr(a);
  if (!rest.empty() && rest[0] == '@') {
    std::string url = rest.substr(1);
    url.erase(0, url.find_first_not_of(' '));
    while (!url.empty() && url.back() == ' ') url.pop_back();
    d.kind = HashDependency::Kind::url;
    size_t frag = url.find('#');
    std::string fragment = frag == std::string::npos ? "" : url.substr(frag + 1);
    d.url = url.substr(0, frag);
    std::replace(fragment.begin(), fragment.end(), '=', ':');
    d.hashes = {fragment};
    return d;
  }
  // "a>=1, <2" -> ">=1,<2"
  rest.erase(std::remove(rest.begin(), rest.end(), ' '), rest.end());
  if (rest.size() >= 2 && rest.front() == '(' && rest.back() == ')') {
    rest = rest.substr(1, rest.size() - 2);
  }
  d.version = rest.empty() ? "*" : rest;
  return d;
}

Result<std::vector<HashDependency>> parse_for_platform(const EnvironmentSource& source,
                                                       const std::string& platform,
                                                       const std::string& category) {
  YAML::Node doc;
  try {
    doc = YAML::Load(filter_selectors(source.text, platform));
  } catch (const YAML::Exception& e) {
    return Error::at(ErrorKind::input,
                     source.path,
                     e.mark.line + 1,
                     e.mark.column + 1,
                     "invalid YAML: " + e.msg);
  }
  std::vector<HashDependency> out;
  YAML::Node deps = doc["dependencies"];
  if (!deps || deps.IsNull()) return out;
  if (!deps.IsSequence()) {
    return Error::at(
        ErrorKind::input, source.path, deps.Mark().line + 1, 0, "'dependencies' must be a list");
  }
  std::vector<YAML::Node> mappings;
  for (const auto& item : deps) {
    if (item.IsScalar()) {
      ENVLOCK_TRY(d, conda_spec(item.Scalar(), category, source.path));
      out.push_back(std::move(d));
    } else if (item.IsMap()) {
      mappings.push_back(item);
    }
  }
  for (const auto& m : mappings) {
    YAML::Node pip = m["pip"];
    if (!pip || pip.IsNull()) continue;
    if (!pip.IsSequence()) {
      return Error::at(
          ErrorKind::input, source.path, pip.Mark().line + 1, 0, "'pip' must be a list");
    }
    for (const auto& spec : pip) {
      if (!spec.IsScalar()) continue;
      const std::string& text = spec.Scalar();
      // Editable installs are not locked, and option lines (--index-url URL, --pre) are not
      // requirements: conda-lock refuses them, and a rotated index credential must not
      // change the hash.
      if (text.rfind("-", 0) == 0) continue;
      ENVLOCK_TRY(d, pip_spec(text, category, source.path));
      out.push_back(std::move(d));
    }
    HashDependency pip_dep;  // conda-lock makes sure pip itself is installed
    pip_dep.name = "pip";
    pip_dep.version = "*";
    out.push_back(std::move(pip_dep));
  }
  return out;
}

}  // namespace

Result<ContentHashInput> content_hash_input_from_environments(
    const std::vector<EnvironmentSource>& sources, const std::vector<std::string>& platforms) {
  ContentHashInput input;
  input.virtual_packages = default_virtual_packages();
  std::vector<std::vector<Channel>> channel_lists;
  std::vector<std::vector<std::string>> repo_lists;
  // platform -> (manager, name) -> index into the platform's list
  std::map<std::string, std::map<std::pair<Manager, std::string>, size_t>> seen;
  for (const EnvironmentSource& source : sources) {
    YAML::Node doc;
    try {
      doc = YAML::Load(source.text);
    } catch (const YAML::Exception& e) {
      return Error::at(ErrorKind::input,
                       source.path,
                       e.mark.line + 1,
                       e.mark.column + 1,
                       "invalid YAML: " + e.msg);
    }
    if (!doc.IsMap()) {
      return Error::at(ErrorKind::input, source.path, 0, 0, "an environment file must be a map");
    }
    std::vector<Channel> channels;
    if (YAML::Node ch = doc["channels"]; ch && ch.IsSequence()) {
      for (const auto& c : ch) {
        if (!c.IsScalar()) continue;
        if (c.Scalar() == "nodefaults") continue;  // conda-lock overrides channels anyway
        channels.push_back(Channel{c.Scalar(), {}});
      }
    }
    channel_lists.push_back(std::move(channels));
    std::vector<std::string> repos;
    if (YAML::Node r = doc["pip-repositories"]; r && r.IsSequence()) {
      for (const auto& x : r) {
        if (x.IsScalar()) repos.push_back(x.Scalar());
      }
    }
    repo_lists.push_back(std::move(repos));
    std::string category = "main";
    if (YAML::Node c = doc["category"]; c && c.IsScalar() && !c.Scalar().empty()) {
      category = c.Scalar();
    }
    for (const std::string& platform : platforms) {
      ENVLOCK_TRY(deps, parse_for_platform(source, platform, category));
      auto& list = input.dependencies[platform];
      auto& index = seen[platform];
      for (auto& d : deps) {
        auto key = std::make_pair(d.manager, d.name);
        auto it = index.find(key);
        if (it == index.end()) {
          index.emplace(key, list.size());
          list.push_back(std::move(d));
        } else {
          list[it->second] = std::move(d);  // a later file overrides
        }
      }
    }
    input.sources.push_back(source.path);
  }
  // unify_package_sources: every list must be a suffix of the longest one.
  auto unify = [](const auto& lists, auto& out) -> bool {
    if (lists.empty()) return true;
    size_t best = 0;
    for (size_t i = 1; i < lists.size(); ++i) {
      if (lists[i].size() > lists[best].size()) best = i;
    }
    out = lists[best];
    for (const auto& l : lists) {
      if (l.size() > out.size()) return false;
      if (!std::equal(l.begin(), l.end(), out.end() - static_cast<std::ptrdiff_t>(l.size()))) {
        return false;
      }
    }
    return true;
  };
  if (!unify(channel_lists, input.channels)) {
    return Error{ErrorKind::input,
                 sources.empty() ? "" : sources.back().path,
                 "channel lists of the environment files disagree (each must end the longest)"};
  }
  if (!unify(repo_lists, input.pip_repositories)) {
    return Error{ErrorKind::input,
                 sources.empty() ? "" : sources.back().path,
                 "pip-repositories of the environment files disagree"};
  }
  return input;
}

bool line_applies_to(const std::string& line, const std::string& platform) {
  auto sel = line_selector(line);
  if (!sel) return true;
  bool commented = line.find('#', 1) != std::string::npos;
  if (!commented) {
    bool names_a_platform = std::any_of(
        k_sel.begin(), k_sel.end(), [&](const auto& entry) { return entry.second.count(*sel); });
    if (!names_a_platform) return true;
  }
  return selector_matches(*sel, platform);
}

std::optional<std::string> unknown_selector(const std::string& line) {
  auto sel = line_selector(line);
  if (!sel || line.find('#', 1) == std::string::npos) return std::nullopt;
  bool known = std::any_of(
      k_sel.begin(), k_sel.end(), [&](const auto& entry) { return entry.second.count(*sel); });
  if (known) return std::nullopt;
  return sel;
}

}  // namespace envlock::lockfile
