#include "lib/verify/verify.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "lib/capture/capture.h"
#include "lib/channel/identity.h"
#include "lib/channel/url.h"
#include "lib/hash/hash.h"
#include "lib/lockfile/lockfile.h"
#include "lib/prefix/summary.h"
#include "lib/pypi/name.h"
#include "lib/pypi/version.h"
#include "lib/spec/platform.h"
#include "lib/util/file.h"
#include "lib/util/parallel.h"

namespace fs = std::filesystem;

namespace envlock::verify {
namespace {

constexpr const char* k_empty_sha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_bytecode(const std::string& path) {
  return ends_with(path, ".pyc") || ends_with(path, ".pyo");
}

std::string label(const std::string& version, const std::string& build) {
  return build.empty() ? version : version + " " + build;
}

Finding package_finding(std::string code, const std::string& package, std::string expected,
                        std::string actual, std::string message) {
  // URLs and channels come from the lock and from conda-meta records that conda wrote with
  // their credentials; a finding is printed and reported, so it holds them redacted.
  Finding f;
  f.code = std::move(code);
  f.package = package;
  f.expected = channel::redact_url(expected);
  f.actual = channel::redact_url(actual);
  f.message = channel::redact_url(message);
  return f;
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::make_tuple(a.package.empty(),
                           std::cref(a.package),
                           a.manager,
                           std::cref(a.path),
                           std::cref(a.code)) < std::make_tuple(b.package.empty(),
                                                                std::cref(b.package),
                                                                b.manager,
                                                                std::cref(b.path),
                                                                std::cref(b.code));
  });
}

const char* kind_of(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISLNK(mode)) return "symlink";
  if (S_ISDIR(mode)) return "directory";
  return "special file";
}

// One file whose bytes tier 3 reads, and the entries that expect something of it.
struct HashJob {
  std::string absolute;
  std::optional<hash::FileDigest> digest;
  std::string error;
  uint64_t size = 0;  ///< as stat saw it before hashing: orders the work
};

struct PendingCheck {
  size_t job = 0;
  std::string package;
  std::string path;
  std::string expected;  // sha256
  bool prefix_replaced = false;
  /// sha256_in_prefix differs from the package's sha256, but no placeholder says why (mamba
  /// writes none; an installer that hashed a changed cache file neither): the original.
  std::string unexplained_original;
};

// Whether the file at `path` holds `prefix`, the trace every relocation (text or binary)
// leaves. Read only for the rare records that do not say which files were relocated.
bool holds_prefix(const std::string& path, const std::vector<std::string>& prefixes) {
  auto text = read_file(path);
  if (!text.ok()) return false;
  for (const auto& prefix : prefixes) {
    if (!prefix.empty() && text->find(prefix) != std::string::npos) return true;
  }
  return false;
}

void run_hash_jobs(std::vector<HashJob>& jobs, unsigned threads) {
  if (jobs.empty()) return;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // Largest files first: a big file started last would leave the other threads idle while it
  // is hashed alone (one 200 MB file among 2,000 small ones was the tail of every run).
  std::vector<size_t> order(jobs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(
      order.begin(), order.end(), [&](size_t a, size_t b) { return jobs[a].size > jobs[b].size; });
  parallel_for(order.size(), threads, [&](size_t n) {
    const size_t i = order[n];
    auto digest = hash::digest_file(jobs[i].absolute, {hash::Algorithm::sha256});
    if (digest.ok()) {
      jobs[i].digest = std::move(digest).value();
    } else {
      jobs[i].error = digest.error().message;
    }
  });
}

// Top-level names that belong to conda's bookkeeping, never to a package.
bool is_bookkeeping(const std::string& top) {
  static const std::set<std::string> names = {
      "conda-meta", "pkgs", "envs", ".nonadmin", ".condarc", ".pixi"};
  return names.count(top) > 0;
}

// Files under `dir` (recursively) that are not bytecode.
size_t count_files(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec),
       end;
       it != end;
       it.increment(ec)) {
    if (ec) break;
    if (!it->is_directory(ec) && !is_bytecode(it->path().filename().string())) ++n;
  }
  return n;
}

void find_untracked(const fs::path& root, const std::string& rel,
                    const std::set<std::string>& owned, const std::set<std::string>& owned_dirs,
                    std::vector<Finding>& out) {
  std::error_code ec;
  std::vector<std::pair<std::string, bool>> entries;  // name, is a real directory
  for (fs::directory_iterator it(root / rel, ec), end; !ec && it != end; it.increment(ec)) {
    bool dir = it->is_directory(ec) && !it->is_symlink(ec);
    entries.emplace_back(it->path().filename().string(), dir);
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& [name, dir] : entries) {
    std::string path = rel.empty() ? name : rel + "/" + name;
    if (rel.empty() && is_bookkeeping(name)) continue;
    if (owned.count(path)) continue;
    Finding f;
    f.code = "untracked";
    f.path = path;
    if (dir) {
      if (owned_dirs.count(path)) {
        find_untracked(root, path, owned, owned_dirs, out);
        continue;
      }
      size_t files = count_files(root / path);
      if (files == 0) continue;  // empty folders and __pycache__ left behind: not content
      f.path += "/";
      f.actual = std::to_string(files) + (files == 1 ? " file" : " files");
      f.message = "folder that no package owns (" + f.actual + ")";
    } else {
      if (is_bytecode(name)) continue;
      f.message = "no package owns this file";
    }
    out.push_back(std::move(f));
  }
}

}  // namespace

const char* to_string(Level level) {
  switch (level) {
    case Level::packages:
      return "packages";
    case Level::files:
      return "files";
    case Level::hashes:
      return "hashes";
  }
  return "hashes";
}

size_t Report::packages_differ() const {
  static const std::set<std::string> codes = {"package-missing",
                                              "package-extra",
                                              "version-differs",
                                              "build-differs",
                                              "channel-differs",
                                              "url-differs",
                                              "sha256-differs",
                                              "md5-differs",
                                              "size-differs",
                                              "duplicate-record"};
  std::set<std::string> names;
  for (const auto& f : findings)
    if (f.severity == Severity::drift && codes.count(f.code)) names.insert(f.package);
  return names.size();
}

size_t Report::files_missing() const {
  return std::count_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.severity == Severity::drift &&
           (f.code == "file-missing" || f.code == "type-differs" || f.code == "symlink-dangling");
  });
}

size_t Report::files_modified() const {
  return std::count_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.severity == Severity::drift &&
           (f.code == "file-size-differs" || f.code == "content-differs" || f.code == "unreadable");
  });
}

size_t Report::files_untracked() const {
  return std::count_if(
      findings.begin(), findings.end(), [](const Finding& f) { return f.code == "untracked"; });
}

bool Report::clean() const {
  return std::none_of(findings.begin(), findings.end(), [](const Finding& f) {
    return f.severity == Severity::drift;
  });
}

std::vector<Finding> compare_pip(const std::vector<prefix::InstalledDist>& dists,
                                 const std::vector<lockfile::LockedPackage>& locked) {
  std::vector<Finding> out;
  auto pip_finding = [&](std::string code,
                         const std::string& name,
                         std::string expected,
                         std::string actual,
                         std::string message) {
    Finding f = package_finding(
        std::move(code), name, std::move(expected), std::move(actual), std::move(message));
    f.manager = lockfile::Manager::pip;
    out.push_back(std::move(f));
  };
  std::map<std::string, const prefix::InstalledDist*> present;
  for (const auto& d : dists) {
    auto [it, inserted] = present.emplace(pypi::normalize_name(d.name), &d);
    if (!inserted) {
      pip_finding("duplicate-record",
                  it->first,
                  it->second->version,
                  d.version,
                  "two dist-info folders for one distribution: " + it->second->dist_info + " and " +
                      d.dist_info);
    }
  }
  std::map<std::string, const lockfile::LockedPackage*> wanted;
  for (const auto& p : locked) {
    if (p.manager == lockfile::Manager::pip) wanted.emplace(pypi::normalize_name(p.name), &p);
  }
  std::set<std::string> names;
  for (const auto& [n, _] : present) names.insert(n);
  for (const auto& [n, _] : wanted) names.insert(n);
  for (const auto& name : names) {
    auto d_it = present.find(name);
    auto l_it = wanted.find(name);
    if (d_it == present.end()) {
      pip_finding("package-missing",
                  name,
                  l_it->second->version,
                  "",
                  "in the lock (" + l_it->second->version + "), no dist-info in site-packages");
      continue;
    }
    const auto& d = *d_it->second;
    if (l_it == wanted.end()) {
      pip_finding("package-extra",
                  name,
                  "",
                  d.version,
                  "installed (" + d.version + (d.installer.empty() ? "" : ", by " + d.installer) +
                      "), not in the lock");
      continue;
    }
    const auto& l = *l_it->second;
    auto vl = pypi::Version::parse(l.version);
    auto vd = pypi::Version::parse(d.version);
    bool same = vl.ok() && vd.ok() ? *vl == *vd : l.version == d.version;
    if (!same) {
      pip_finding("version-differs",
                  name,
                  l.version,
                  d.version,
                  "lock has " + l.version + ", prefix has " + d.version);
      continue;
    }
    if (!d.archive_sha256.empty() && !l.sha256.empty() &&
        d.archive_sha256 != hash::normalize_hex(l.sha256)) {
      pip_finding("sha256-differs",
                  name,
                  hash::normalize_hex(l.sha256),
                  d.archive_sha256,
                  "same version, but installed from another wheel (direct_url.json's sha256)");
    }
  }
  sort_findings(out);
  return out;
}

std::vector<prefix::PrefixRecord> records_of_dists(
    const std::vector<prefix::InstalledDist>& dists) {
  std::vector<prefix::PrefixRecord> out;
  for (const auto& d : dists) {
    prefix::PrefixRecord r;
    r.name = "pip:" + pypi::normalize_name(d.name);
    r.version = d.version;
    r.has_paths_data = true;
    for (const auto& f : d.files) {
      prefix::PathData p;
      p.path = f.path;
      p.path_type = package::PathType::hardlink;
      p.sha256 = f.sha256;
      p.sha256_in_prefix = f.sha256;
      p.size_in_bytes = f.size;
      r.files.push_back(f.path);
      r.paths.push_back(std::move(p));
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Finding> compare_packages(const std::vector<prefix::PrefixRecord>& records,
                                      const std::vector<lockfile::LockedPackage>& locked) {
  std::vector<Finding> out;
  std::map<std::string, const prefix::PrefixRecord*> present;
  for (const auto& r : records) {
    auto [it, inserted] = present.emplace(r.name, &r);
    if (!inserted) {
      out.push_back(package_finding(
          "duplicate-record",
          r.name,
          label(it->second->version, it->second->build),
          label(r.version, r.build),
          "two conda-meta records for one package: " + record_file_name(*it->second) + " and " +
              record_file_name(r)));
    }
  }
  std::map<std::string, const lockfile::LockedPackage*> wanted;
  for (const auto& p : locked) {
    // pip packages are not in conda-meta; `__osx`-style virtual packages are not installed.
    if (p.manager != lockfile::Manager::conda || p.name.rfind("__", 0) == 0) continue;
    wanted.emplace(p.name, &p);
  }
  std::set<std::string> names;
  for (const auto& [n, _] : present) names.insert(n);
  for (const auto& [n, _] : wanted) names.insert(n);
  for (const auto& name : names) {
    auto r_it = present.find(name);
    auto l_it = wanted.find(name);
    if (r_it == present.end()) {
      const auto& l = *l_it->second;
      out.push_back(package_finding(
          "package-missing",
          name,
          label(l.version, l.build),
          "",
          "in the lock (" + label(l.version, l.build) + "), not installed in the prefix"));
      continue;
    }
    const auto& r = *r_it->second;
    if (l_it == wanted.end()) {
      out.push_back(
          package_finding("package-extra",
                          name,
                          "",
                          label(r.version, r.build),
                          "installed (" + label(r.version, r.build) + "), not in the lock"));
      continue;
    }
    const auto& l = *l_it->second;
    std::string want = label(l.version, l.build), have = label(r.version, r.build);
    if (l.version != r.version) {
      out.push_back(package_finding(
          "version-differs", name, want, have, "lock has " + want + ", prefix has " + have));
      continue;
    }
    if (!l.build.empty() && l.build != r.build) {
      out.push_back(package_finding("build-differs",
                                    name,
                                    want,
                                    have,
                                    "lock has build " + l.build + ", prefix has " + r.build));
      continue;
    }
    bool same_artifact = true;  // whether the archive hashes are comparable
    std::string r_channel = capture::channel_of(r);
    if (!l.url.empty() && !r.url.empty() && !channel::same_package_url(l.url, r.url)) {
      if (!channel::same_channel(l.channel, r_channel)) {
        out.push_back(
            package_finding("channel-differs",
                            name,
                            l.channel,
                            r_channel,
                            "lock has channel " + l.channel + ", prefix has " + r_channel));
      } else {
        out.push_back(package_finding(
            "url-differs", name, l.url, r.url, "lock has " + l.url + ", prefix has " + r.url));
      }
      same_artifact = lockfile::url_filename(l.url) == lockfile::url_filename(r.url);
    } else if ((l.url.empty() || r.url.empty()) && !channel::same_channel(l.channel, r_channel)) {
      out.push_back(package_finding("channel-differs",
                                    name,
                                    l.channel,
                                    r_channel,
                                    "lock has channel " + l.channel + ", prefix has " + r_channel));
    }
    if (!same_artifact) continue;
    std::string l_sha = hash::normalize_hex(l.sha256), r_sha = hash::normalize_hex(r.sha256);
    std::string l_md5 = hash::normalize_hex(l.md5), r_md5 = hash::normalize_hex(r.md5);
    if (!l_sha.empty() && !r_sha.empty()) {
      if (l_sha != r_sha)
        out.push_back(package_finding("sha256-differs",
                                      name,
                                      l_sha,
                                      r_sha,
                                      "same " + want + ", but a different archive (sha256)"));
    } else if (!l_md5.empty() && !r_md5.empty()) {
      if (l_md5 != r_md5)
        out.push_back(package_finding(
            "md5-differs", name, l_md5, r_md5, "same " + want + ", but a different archive (md5)"));
    } else if (l.size && r.size && static_cast<uint64_t>(*l.size) != *r.size) {
      out.push_back(package_finding("size-differs",
                                    name,
                                    std::to_string(*l.size),
                                    std::to_string(*r.size),
                                    "same " + want + ", but a different archive (size)"));
    }
  }
  sort_findings(out);
  return out;
}

void check_files(const std::string& prefix_dir, const std::vector<prefix::PrefixRecord>& records,
                 Level level, Untracked untracked, unsigned jobs, Report& report) {
  if (level == Level::packages) return;
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(prefix_dir, ec), ec);
  std::vector<Finding>& out = report.findings;
  std::set<std::string> owned, owned_dirs;
  std::vector<HashJob> hash_jobs;
  std::map<std::string, size_t> job_of;  // absolute path -> index in hash_jobs
  std::vector<PendingCheck> pending;

  auto add = [&](Severity severity,
                 std::string code,
                 const std::string& package,
                 const std::string& path,
                 std::string expected,
                 std::string actual,
                 std::string message) {
    Finding f;
    f.severity = severity;
    f.code = std::move(code);
    f.package = package;
    f.path = path;
    f.expected = std::move(expected);
    f.actual = std::move(actual);
    f.message = std::move(message);
    out.push_back(std::move(f));
  };
  auto own = [&](const std::string& path) {
    owned.insert(path);
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1))
      owned_dirs.insert(path.substr(0, slash));
  };

  // A folder replaced by a symlink out of the prefix (`site-packages/attrs -> /etc`): whatever
  // is found below it is not the prefix's, however well it matches. Per folder, once.
  const std::string root_text = root.string();
  std::map<std::string, std::string> escapes;  // folder -> "" or where its symlink leads
  auto escape_of = [&](const std::string& path) -> std::pair<std::string, std::string> {
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      const std::string folder = path.substr(0, slash);
      auto [it, fresh] = escapes.emplace(folder, "");
      if (fresh) {
        const std::string full = root_text + "/" + folder;
        struct stat st;
        if (::lstat(full.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
          char* real = ::realpath(full.c_str(), nullptr);
          std::string resolved = real ? real : "";
          ::free(real);
          if (!resolved.empty() && resolved != root_text && resolved.rfind(root_text + "/", 0) != 0)
            it->second = resolved;
        }
      }
      if (!it->second.empty()) return {folder, it->second};
    }
    return {};
  };

  for (const auto& record : records) {
    const std::string& pkg = record.name;
    bool softlinked = record.link && record.link->type == 2;  // files are links into pkgs/
    std::vector<prefix::PathData> entries = record.paths;
    if (entries.empty() && !record.files.empty()) {
      add(Severity::info,
          "no-paths-data",
          pkg,
          "",
          "",
          "",
          "the record lists files without paths_data: presence checked, contents not");
      for (const auto& file : record.files) {
        prefix::PathData d;
        d.path = file;
        d.path_type = package::PathType::unknown;
        entries.push_back(std::move(d));
      }
    }
    for (const auto& e : entries) {
      if (e.path.empty() || e.path_type == package::PathType::linked_package_record) continue;
      own(e.path);
      ++report.files_checked;
      std::string absolute = (root / e.path).string();
      if (auto [folder, target] = escape_of(e.path); !folder.empty()) {
        add(Severity::drift,
            "type-differs",
            pkg,
            e.path,
            "",
            "",
            "reached through " + folder + ", a symlink out of the prefix (to " + target + ")");
        continue;
      }
      struct stat st;
      if (::lstat(absolute.c_str(), &st) != 0) {
        if (is_bytecode(e.path) || e.path_type == package::PathType::pyc_file) {
          add(Severity::info,
              "pyc-missing",
              pkg,
              e.path,
              "",
              "",
              "compiled bytecode is absent; Python writes it again on import");
        } else {
          add(Severity::drift, "file-missing", pkg, e.path, "", "", "listed by the record, absent");
        }
        continue;
      }
      std::string actual_kind = kind_of(st.st_mode);
      if (e.path_type == package::PathType::directory) {
        if (!S_ISDIR(st.st_mode))
          add(Severity::drift,
              "type-differs",
              pkg,
              e.path,
              "directory",
              actual_kind,
              "should be a directory, is a " + actual_kind);
        continue;
      }
      if (e.path_type == package::PathType::softlink) {
        if (!S_ISLNK(st.st_mode)) {
          add(Severity::drift,
              "type-differs",
              pkg,
              e.path,
              "symlink",
              actual_kind,
              "should be a symlink, is a " + actual_kind);
          continue;
        }
        struct stat target;
        if (::stat(absolute.c_str(), &target) != 0) {
          // Where the link points, as a prefix path: drift when a package owns that path.
          std::error_code lec;
          fs::path link_target = fs::read_symlink(absolute, lec);
          fs::path resolved =
              (link_target.is_absolute() ? link_target
                                         : fs::path(e.path).parent_path() / link_target)
                  .lexically_normal();
          fs::path relative = resolved.is_absolute() ? resolved.lexically_relative(root) : resolved;
          bool inside = !relative.empty() && *relative.begin() != "..";
          add(inside ? Severity::drift : Severity::info,
              "symlink-dangling",
              pkg,
              e.path,
              "",
              link_target.string(),
              "symlink to " + link_target.string() + " resolves to nothing");
        }
        continue;
      }
      bool accept_symlink = softlinked || e.path_type == package::PathType::unknown;
      if (!S_ISREG(st.st_mode) && !(accept_symlink && S_ISLNK(st.st_mode))) {
        add(Severity::drift,
            "type-differs",
            pkg,
            e.path,
            "file",
            actual_kind,
            "should be a file, is a " + actual_kind);
        continue;
      }
      if (level != Level::hashes || is_bytecode(e.path) ||
          e.path_type == package::PathType::pyc_file || e.path_type == package::PathType::unknown)
        continue;
      std::string in_prefix = hash::normalize_hex(e.sha256_in_prefix);
      std::string original = hash::normalize_hex(e.sha256);
      bool replaced = !in_prefix.empty() ? in_prefix != original : !e.prefix_placeholder.empty();
      std::string expected = !in_prefix.empty() ? in_prefix : (replaced ? "" : original);
      if (expected.empty()) {
        if (replaced && !original.empty())
          add(Severity::info,
              "unverifiable",
              pkg,
              e.path,
              "",
              "",
              "prefix-replaced at install, and the record has no sha256_in_prefix");
        continue;
      }
      if (S_ISLNK(st.st_mode) && ::stat(absolute.c_str(), &st) != 0) {
        add(Severity::drift, "file-missing", pkg, e.path, "", "", "a link to nothing");
        continue;
      }
      if (!replaced && e.size_in_bytes && *e.size_in_bytes != static_cast<uint64_t>(st.st_size)) {
        add(Severity::drift,
            "file-size-differs",
            pkg,
            e.path,
            std::to_string(*e.size_in_bytes),
            std::to_string(st.st_size),
            std::to_string(st.st_size) + " bytes, expected " + std::to_string(*e.size_in_bytes));
        continue;
      }
      auto [it, inserted] = job_of.emplace(absolute, hash_jobs.size());
      if (inserted) {
        hash_jobs.push_back({absolute, std::nullopt, "", static_cast<uint64_t>(st.st_size)});
      }
      const bool unexplained = replaced && e.prefix_placeholder.empty() && !original.empty() &&
                               e.path_type == package::PathType::hardlink;
      pending.push_back(
          {it->second, pkg, e.path, expected, replaced, unexplained ? original : std::string()});
    }
  }

  run_hash_jobs(hash_jobs, jobs);
  for (const auto& job : hash_jobs) {
    if (!job.digest) continue;
    ++report.files_hashed;
    report.bytes_hashed += job.digest->size;
  }
  for (const auto& p : pending) {
    const HashJob& job = hash_jobs[p.job];
    if (!job.digest) {
      add(Severity::drift, "unreadable", p.package, p.path, "", "", job.error);
      continue;
    }
    const std::string& actual = job.digest->hex[0];
    if (!p.unexplained_original.empty() && actual == p.expected &&
        actual != p.unexplained_original &&
        !holds_prefix(job.absolute,
                      {root.string(), fs::absolute(prefix_dir, ec).lexically_normal().string()})) {
      // Not the package's bytes, and nothing relocated: a record must not vouch for it.
      add(Severity::drift,
          "content-differs",
          p.package,
          p.path,
          p.unexplained_original,
          actual,
          "sha256 differs from the package's sha256, and the file was not relocated (its "
          "record's sha256_in_prefix cannot vouch for it)");
      continue;
    }
    if (actual != p.expected) {
      add(Severity::drift,
          "content-differs",
          p.package,
          p.path,
          p.expected,
          actual,
          std::string("sha256 differs from the record's ") +
              (p.prefix_replaced ? "sha256_in_prefix" : "sha256"));
    }
  }
  if (untracked == Untracked::yes) find_untracked(root, "", owned, owned_dirs, out);
}

Result<Report> run(const Options& options) {
  Report report;
  if (!options.prefix.empty()) {
    report.prefix = options.prefix;
  } else if (!options.name.empty()) {
    ENVLOCK_TRY(found, capture::find_named_prefix(options.name, capture::process_environment()));
    report.prefix = found;
  } else {
    return Error{ErrorKind::usage, "--prefix", "say which prefix to verify (--prefix or --name)"};
  }
  if (options.lock.empty())
    return Error{ErrorKind::usage, "--lock", "say which lock to verify against"};
  std::error_code ec;
  // Not is_regular_file: a pipe (`-l <(git show HEAD:conda-lock.yml)`) is a lock too.
  auto status = fs::status(options.lock, ec);
  if (!fs::exists(status)) return Error{ErrorKind::usage, options.lock, "no such lock file"};
  if (fs::is_directory(status))
    return Error{ErrorKind::usage, options.lock, "is a directory, not a lock file"};
  report.lock = options.lock;
  report.level = options.level;

  // The package tier compares identities only: the summary reader skips files and paths_data.
  prefix::PrefixState state;
  if (options.level == Level::packages) {
    ENVLOCK_TRY(records, prefix::read_record_summaries(report.prefix));
    state.prefix = report.prefix;
    state.records = std::move(records);
    std::stable_sort(state.records.begin(), state.records.end(), [](const auto& a, const auto& b) {
      return a.name < b.name;
    });
  } else {
    ENVLOCK_TRY(full, prefix::read_conda_meta(report.prefix));
    state = std::move(full);
  }
  ENVLOCK_TRY(lock, lockfile::read_lock(options.lock));

  // The environment: the one named, else "default", else the only one.
  const lockfile::Environment* env = nullptr;
  std::string names;
  for (const auto& [n, _] : lock.environments) names += (names.empty() ? "" : ", ") + n;
  if (!options.environment.empty()) {
    env = lock.environment(options.environment);
    report.environment = options.environment;
  } else if ((env = lock.environment(lockfile::k_default_environment))) {
    report.environment = lockfile::k_default_environment;
  } else if (lock.environments.size() == 1) {
    env = &lock.environments.begin()->second;
    report.environment = lock.environments.begin()->first;
  }
  if (env == nullptr) {
    return Error{ErrorKind::usage,
                 "--environment",
                 (options.environment.empty() ? std::string("the lock has several environments")
                                              : "no environment '" + options.environment + "'") +
                     "; it has: " + names};
  }

  // The platform: the one given, else the prefix's, else the host's (or the lock's only one).
  std::string platforms;
  for (const auto& [p, _] : env->packages) platforms += (platforms.empty() ? "" : ", ") + p;
  if (!options.platform.empty()) {
    report.platform = options.platform;
  } else if (auto p = capture::prefix_platform(state)) {
    report.platform = *p;
  } else {
    report.platform = spec::host_platform();
    if (!env->packages.count(report.platform) && env->packages.size() == 1)
      report.platform = env->packages.begin()->first;
  }
  auto packages = env->packages.find(report.platform);
  if (packages == env->packages.end()) {
    return Error{ErrorKind::usage,
                 "--platform " + report.platform,
                 "the lock has no packages for this platform; it has: " +
                     (platforms.empty() ? std::string("none") : platforms)};
  }
  for (const auto& p : packages->second) {
    if (p.manager == lockfile::Manager::pip) {
      ++report.pip_locked;
    } else if (p.name.rfind("__", 0) != 0) {
      ++report.packages_locked;
    }
  }
  report.packages_present = state.records.size();
  for (const auto& p : packages->second) {
    if (p.manager == lockfile::Manager::pip) {
      report.labels["pip:" + pypi::normalize_name(p.name)] = p.version;
    } else {
      report.labels[p.name] = label(p.version, p.build);
    }
  }
  for (const auto& r : state.records) report.labels[r.name] = label(r.version, r.build);
  report.findings = compare_packages(state.records, packages->second);
  report.host_check = options.host;
  report.host =
      host::check(packages->second,
                  host::detect(report.platform,
                               host::system_probes(),
                               [](const std::string& name) {
                                 const char* value = std::getenv(name.c_str());
                                 return value ? std::optional<std::string>(value) : std::nullopt;
                               }),
                  report.platform);
  host::require_platform(report.host, spec::host_platform());

  // pip distributions: the dist-infos of the prefix python's site-packages that conda does not
  // own. Their RECORD is read only for the file tiers.
  std::vector<prefix::InstalledDist> dists;
  const std::string site_packages = prefix::site_packages_of(state.records, report.platform);
  if (!site_packages.empty()) {
    ENVLOCK_TRY(
        found,
        prefix::read_dist_infos(report.prefix,
                                site_packages,
                                options.level == Level::packages ? prefix::DistDetail::identity
                                                                 : prefix::DistDetail::full));
    // Summaries list no files: a dist-info without INSTALLER (conda packages' usually say
    // "conda") is checked against the full records' files before it counts as pip's.
    const bool unsure =
        options.level == Level::packages &&
        std::any_of(found.begin(), found.end(), [](const auto& d) { return d.installer.empty(); });
    if (unsure) {
      ENVLOCK_TRY(full, prefix::read_conda_meta(report.prefix));
      dists = prefix::pip_managed(std::move(found), full.records);
    } else {
      dists = prefix::pip_managed(std::move(found), state.records);
    }
  }
  report.pip_present = dists.size();
  for (const auto& d : dists) report.labels["pip:" + pypi::normalize_name(d.name)] = d.version;
  auto pip_findings = compare_pip(dists, packages->second);
  report.findings.insert(report.findings.end(), pip_findings.begin(), pip_findings.end());
  std::vector<prefix::PrefixRecord> checked = std::move(state.records);
  auto pip_records = records_of_dists(dists);
  checked.insert(checked.end(),
                 std::make_move_iterator(pip_records.begin()),
                 std::make_move_iterator(pip_records.end()));
  const size_t before = report.findings.size();
  check_files(report.prefix, checked, options.level, options.untracked, options.jobs, report);
  for (size_t i = before; i < report.findings.size(); ++i) {
    Finding& f = report.findings[i];
    if (f.package.rfind("pip:", 0) == 0) {
      f.package = f.package.substr(4);
      f.manager = lockfile::Manager::pip;
    }
  }
  for (const auto& d : dists) {
    for (const auto& path : d.outside) {
      Finding f;
      f.severity = Severity::info;
      f.code = "unverifiable";
      f.package = pypi::normalize_name(d.name);
      f.manager = lockfile::Manager::pip;
      f.path = path;
      f.message = "RECORD names a path outside the prefix; not checked";
      report.findings.push_back(std::move(f));
    }
  }
  sort_findings(report.findings);
  return report;
}

int exit_code(const Report& report) {
  if (report.host_check == HostCheck::enforce && !report.host.ok()) return 1;
  return report.clean() ? 0 : 1;
}

}  // namespace envlock::verify
