// @EXPLICIT files (CEP 23): read, and write one per platform the way conda-lock renders them.

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

#include "lib/lockfile/formats.h"
#include "lib/lockfile/lockfile.h"

namespace envlock::lockfile {
namespace detail {
namespace {

bool is_hex(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_conda_artifact(std::string_view url) {
  size_t cut = url.find_first_of("?#");
  if (cut != std::string_view::npos) url = url.substr(0, cut);
  return (url.size() > 6 && url.substr(url.size() - 6) == ".conda") ||
         (url.size() > 8 && url.substr(url.size() - 8) == ".tar.bz2");
}

}  // namespace

Result<Lock> read_explicit(const Ctx& ctx, std::string_view text) {
  Lock lock;
  lock.source_format = SourceFormat::explicit_file;
  std::string platform;
  std::string input_hash;
  std::vector<LockedPackage> packages;
  bool seen_marker = false;
  int number = 0;
  size_t start = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") start = 3;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty()) {
      if (end == text.size()) break;
      continue;
    }
    if (line[0] == '#') {
      std::string_view c = trim(line.substr(1));
      if (c.substr(0, 9) == "platform:") {
        platform = std::string(trim(c.substr(9)));
      } else if (c.substr(0, 11) == "input_hash:") {
        input_hash = std::string(trim(c.substr(11)));
      } else if (seen_marker && c.substr(0, 4) == "pip ") {
        // conda-lock: "# pip <name> @ <url>#sha256=<hex>"
        std::string_view rest = trim(c.substr(4));
        size_t at = rest.find(" @ ");
        if (at != std::string_view::npos) {
          LockedPackage p;
          p.manager = Manager::pip;
          p.name = std::string(trim(rest.substr(0, at)));
          std::string_view url = trim(rest.substr(at + 3));
          size_t frag = url.find('#');
          if (frag != std::string_view::npos) {
            std::string_view f = url.substr(frag + 1);
            if (f.substr(0, 7) == "sha256=")
              p.sha256 = lower(f.substr(7));
            else if (f.substr(0, 4) == "md5=")
              p.md5 = lower(f.substr(4));
            url = url.substr(0, frag);
          }
          p.url = std::string(url);
          // Wheel and sdist names carry the version as their second dash-part.
          std::string file = url_filename(p.url);
          size_t d1 = file.find('-');
          size_t d2 = d1 == std::string::npos ? d1 : file.find('-', d1 + 1);
          if (d1 != std::string::npos) {
            std::string v =
                file.substr(d1 + 1, d2 == std::string::npos ? std::string::npos : d2 - d1 - 1);
            for (const char* ext : {".tar.gz", ".zip", ".whl"}) {
              std::string_view e = ext;
              if (v.size() > e.size() && v.substr(v.size() - e.size()) == e) {
                v.resize(v.size() - e.size());
              }
            }
            p.version = v;
          }
          packages.push_back(std::move(p));
        }
      }
      if (end == text.size()) break;
      continue;
    }
    if (line == "@EXPLICIT") {
      if (seen_marker) return ctx.at_line(number, "a second @EXPLICIT line");
      seen_marker = true;
      if (end == text.size()) break;
      continue;
    }
    if (!seen_marker) {
      return ctx.at_line(
          number, "'" + std::string(line) + "' before the @EXPLICIT line (not an explicit file?)");
    }
    LockedPackage p;
    std::string_view url = line;
    size_t frag = url.find('#');
    if (frag != std::string_view::npos) {
      std::string_view f = url.substr(frag + 1);
      url = url.substr(0, frag);
      if (is_hex(f, 32)) {
        p.md5 = lower(f);
      } else if (f.substr(0, 7) == "sha256:" && is_hex(f.substr(7), 64)) {
        p.sha256 = lower(f.substr(7));
      } else if (is_hex(f, 64)) {
        p.sha256 = lower(f);
      } else {
        return ctx.at_line(
            number,
            "bad hash fragment '#" + std::string(f) + "' (expected 32 hex md5 or sha256:<64 hex>)");
      }
    }
    if (!is_conda_artifact(url)) {
      return ctx.at_line(
          number, "'" + std::string(url) + "' is not a conda package URL (.conda or .tar.bz2)");
    }
    p.url = std::string(url);
    p.manager = Manager::conda;
    derive_from_url(p);
    if (p.name.empty()) {
      return ctx.at_line(number, "cannot read name-version-build from '" + p.url + "'");
    }
    packages.push_back(std::move(p));
    if (end == text.size()) break;
  }
  if (!seen_marker) return ctx.whole("no @EXPLICIT line");
  if (platform.empty()) {
    for (const auto& p : packages) {
      if (!p.subdir.empty() && p.subdir != "noarch") {
        platform = p.subdir;
        break;
      }
    }
    if (platform.empty()) platform = "noarch";
  }
  for (auto& p : packages) p.platform = platform;
  lock.metadata.platforms.push_back(platform);
  if (!input_hash.empty()) lock.metadata.content_hash[platform] = input_hash;
  Environment& env = lock.environments[k_default_environment];
  env.packages[platform] = std::move(packages);
  return lock;
}

}  // namespace detail

namespace {

// The package name a dependency spec names: "foo >=1", "conda-forge::foo", "foo[build=x]".
std::string spec_name(const std::string& spec) {
  std::string_view s = spec;
  size_t colons = s.find("::");
  if (colons != std::string_view::npos) s = s.substr(colons + 2);
  size_t end = s.find_first_of(" =<>!~[;(");
  return std::string(s.substr(0, end));
}

}  // namespace

std::string write_explicit(const Lock& lock, const std::string& environment,
                           const std::string& platform) {
  std::vector<const LockedPackage*> conda, pip;
  if (const Environment* env = lock.environment(environment)) {
    auto it = env->packages.find(platform);
    if (it != env->packages.end()) {
      std::set<std::string> seen_urls;  // several categories may list one artifact
      for (const auto& p : it->second) {
        if (!seen_urls.insert(p.url).second) continue;
        (p.manager == Manager::conda ? conda : pip).push_back(&p);
      }
    }
  }
  // Kahn's algorithm, smallest name first among the ready ones; on a cycle the smallest
  // remaining name goes next.
  std::sort(conda.begin(), conda.end(), [](const LockedPackage* a, const LockedPackage* b) {
    return std::tie(a->name, a->url) < std::tie(b->name, b->url);
  });
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < conda.size(); ++i) index.emplace(conda[i]->name, i);
  std::vector<std::vector<size_t>> dependents(conda.size());
  std::vector<size_t> pending(conda.size(), 0);
  for (size_t i = 0; i < conda.size(); ++i) {
    std::set<size_t> deps;
    for (const auto& spec : conda[i]->depends) {
      auto it = index.find(spec_name(spec));
      if (it != index.end() && it->second != i) deps.insert(it->second);
    }
    pending[i] = deps.size();
    for (size_t d : deps) dependents[d].push_back(i);
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < conda.size(); ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<bool> done(conda.size(), false);
  std::vector<size_t> order;
  order.reserve(conda.size());
  while (order.size() < conda.size()) {
    size_t next;
    if (!ready.empty()) {
      next = ready.top();
      ready.pop();
      if (done[next]) continue;
    } else {
      next = 0;
      while (done[next]) ++next;
    }
    done[next] = true;
    order.push_back(next);
    for (size_t d : dependents[next]) {
      if (!done[d] && pending[d] > 0 && --pending[d] == 0) ready.push(d);
    }
  }

  std::string out = "# Generated by conda-lock.\n# platform: " + platform + "\n";
  auto hash = lock.metadata.content_hash.find(platform);
  if (hash != lock.metadata.content_hash.end()) out += "# input_hash: " + hash->second + "\n";
  out += "@EXPLICIT\n";
  for (size_t i : order) {
    const LockedPackage& p = *conda[i];
    out += p.url;
    if (!p.sha256.empty())
      out += "#sha256:" + p.sha256;
    else if (!p.md5.empty())
      out += "#" + p.md5;
    out += "\n";
  }
  std::sort(pip.begin(), pip.end(), [](const LockedPackage* a, const LockedPackage* b) {
    return a->name < b->name;
  });
  for (const LockedPackage* p : pip) {
    if (p->url.empty()) {
      // Unknown wheel (captured from a prefix): a comment pip and the reader both skip.
      out += "# pip " + p->name + "==" + p->version + " (url and sha256 unknown)\n";
      continue;
    }
    out += "# pip " + p->name + " @ " + p->url;
    if (!p->sha256.empty()) out += "#sha256=" + p->sha256;
    out += "\n";
  }
  return out;
}

}  // namespace envlock::lockfile
