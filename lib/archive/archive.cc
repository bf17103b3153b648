#include "lib/archive/archive.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/archive/tar.h"
#include "lib/channel/identity.h"
#include "lib/channel/url.h"
#include "lib/hash/hash.h"
#include "lib/index/index.h"
#include "lib/lockfile/lockfile.h"
#include "lib/package/package.h"
#include "lib/util/file.h"
#include "lib/util/parallel.h"
#include "lib/util/text.h"

namespace envlock::archive {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string label_of(const lockfile::LockedPackage& p) {
  return p.build.empty() ? p.name + "-" + p.version : p.name + "-" + p.version + "-" + p.build;
}

// One artifact to archive: the first lock entry naming it, and what was found for it.
struct Artifact {
  lockfile::LockedPackage package;
  std::string path;  // archive-relative
  std::string sha256;
  std::string md5;
  uint64_t size = 0;
  bool downloaded = false;
  std::string index_json;  // a conda package's info/index.json text
};

struct Digests {
  std::string sha256, md5;
  uint64_t size = 0;
};

bool matches(const lockfile::LockedPackage& p, const Digests& d) {
  if (p.size && static_cast<uint64_t>(*p.size) != d.size) return false;
  if (!p.sha256.empty()) return hash::normalize_hex(p.sha256) == d.sha256;
  return hash::normalize_hex(p.md5) == d.md5;
}

Result<Digests> digest(const std::string& path) {
  ENVLOCK_TRY(d, hash::digest_file(path, {hash::Algorithm::sha256, hash::Algorithm::md5}));
  return Digests{d.hex[0], d.hex[1], d.size};
}

// The lock entries to archive, one per archive path, in lock order.
Result<std::vector<Artifact>> collect(const lockfile::Lock& lock, const Options& o,
                                      std::vector<std::string>& platforms_out) {
  std::set<std::string> wanted(o.platforms.begin(), o.platforms.end());
  std::set<std::string> found_platforms;
  std::vector<Artifact> out;
  std::map<std::string, size_t> by_path;
  std::map<std::string, std::string> folders;  // channels/<folder> → channel identity
  bool env_found = o.environment.empty();
  for (const auto& [env_name, env] : lock.environments) {
    if (!o.environment.empty() && env_name != o.environment) continue;
    env_found = true;
    for (const auto& [platform, packages] : env.packages) {
      if (!wanted.empty() && !wanted.count(platform)) continue;
      found_platforms.insert(platform);
      for (const auto& p : packages) {
        if (p.sha256.empty() && p.md5.empty()) {
          return Error{ErrorKind::input,
                       o.lock_path,
                       printable(label_of(p)) + " has no sha256 or md5; refusing unverified bytes"};
        }
        auto path = member_path(p);
        if (!path.ok()) return path.take_error().wrapped(o.lock_path);
        if (p.manager == lockfile::Manager::conda) {
          auto split = channel::split_package_url(channel::without_credentials(p.url));
          const std::string id = split ? channel::channel_identity(split->channel) : "";
          const std::string folder = path->substr(0, path->find('/', sizeof("channels")));
          auto [seen, first_time] = folders.emplace(folder, id);
          if (!first_time && seen->second != id) {
            return Error{ErrorKind::input,
                         o.lock_path,
                         "channels " + printable(channel::redact_url(seen->second)) + " and " +
                             printable(channel::redact_url(id)) + " would share the folder " +
                             printable(folder)};
          }
        }
        auto [at, fresh] = by_path.emplace(*path, out.size());
        if (!fresh) {
          const auto& first = out[at->second].package;
          const bool same = !p.sha256.empty() && !first.sha256.empty()
                                ? hash::normalize_hex(p.sha256) == hash::normalize_hex(first.sha256)
                                : hash::normalize_hex(p.md5) == hash::normalize_hex(first.md5);
          if (!same) {
            return Error{ErrorKind::input,
                         o.lock_path,
                         "two different artifacts would be archived at " + printable(*path) + " (" +
                             printable(label_of(first)) + " and " + printable(label_of(p)) + ")"};
          }
          continue;
        }
        Artifact artifact;
        artifact.package = p;
        artifact.path = *path;
        out.push_back(std::move(artifact));
      }
    }
  }
  if (!env_found) {
    return Error{ErrorKind::usage,
                 o.lock_path,
                 "environment " + printable(o.environment) + " is not in the lock"};
  }
  for (const auto& p : wanted) {
    if (!found_platforms.count(p)) {
      std::string names;
      for (const auto& q : lock.metadata.platforms) names += (names.empty() ? "" : ", ") + q;
      return Error{ErrorKind::usage,
                   o.lock_path,
                   "platform " + printable(p) + " is not in the lock (it has: " + names + ")"};
    }
  }
  platforms_out.assign(found_platforms.begin(), found_platforms.end());
  return out;
}

// 1970-01-01T00:00:00Z style.
std::string rfc3339(int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "2024-05-01T12:00:00[.ffffff][Z|+00:00]" → seconds; std::nullopt when it does not parse.
std::optional<int64_t> parse_created_at(const std::string& text) {
  std::tm tm{};
  int y, mo, d, h, mi, s;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(::timegm(&tm));
}

int64_t archive_epoch(const lockfile::Lock& lock, const Options& o) {
  if (o.source_date_epoch) return std::max<int64_t>(0, *o.source_date_epoch);
  if (lock.metadata.created_at) {
    if (auto t = parse_created_at(*lock.metadata.created_at)) return std::max<int64_t>(0, *t);
  }
  int64_t newest = 0;
  for (const auto& [_, env] : lock.environments) {
    for (const auto& [__, packages] : env.packages) {
      for (const auto& p : packages) {
        if (p.timestamp) newest = std::max(newest, *p.timestamp / 1000);
      }
    }
  }
  return newest;
}

Result<void> make_parents(const std::string& root, const std::string& relative) {
  for (size_t slash = relative.find('/'); slash != std::string::npos;
       slash = relative.find('/', slash + 1)) {
    std::string dir = root + "/" + relative.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return io_error(dir, "create", errno);
  }
  return Ok{};
}

// Copies `from` to the new file `to`: a reflink where the file system has them, else the
// kernel's copy_file_range, else read/write.
Result<void> copy_file(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return io_error(from, "open", errno);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    int e = errno;
    ::close(in);
    return io_error(to, "create", e);
  }
  auto fail = [&](const std::string& path, const char* what, int e) {
    ::close(in);
    ::close(out);
    ::unlink(to.c_str());
    return io_error(path, what, e);
  };
  struct stat st {};
  if (::fstat(in, &st) != 0) return fail(from, "stat", errno);
  off_t left = st.st_size;
  bool kernel = true;
  while (left > 0) {
    ssize_t n = -1;
    if (kernel) {
      n = ::copy_file_range(in, nullptr, out, nullptr, static_cast<size_t>(left), 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
        kernel = false;
        continue;
      }
    } else {
      char buf[1 << 16];
      n = ::read(in, buf, sizeof buf);
      if (n > 0) {
        for (ssize_t done = 0; done < n;) {
          ssize_t w = ::write(out, buf + done, n - done);
          if (w < 0) {
            if (errno == EINTR) continue;
            return fail(to, "write", errno);
          }
          done += w;
        }
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(from, "copy", errno);
    }
    if (n == 0) break;  // the file shrank; the hash check before caught any real change
    left -= n;
  }
  ::close(in);
  if (::close(out) != 0) {
    int e = errno;
    ::unlink(to.c_str());
    return io_error(to, "write", e);
  }
  return Ok{};
}

// Every regular file under root, as sorted relative paths; `odd` gets everything else
// (symlinks, devices) that is not a folder.
Result<void> walk(const std::string& root, const std::string& relative,
                  std::vector<std::string>& files, std::vector<std::string>* odd) {
  const std::string dir_path = relative.empty() ? root : root + "/" + relative;
  DIR* dir = ::opendir(dir_path.c_str());
  if (!dir) return io_error(dir_path, "read", errno);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    const std::string rel = relative.empty() ? n : relative + "/" + n;
    struct stat st {};
    if (::lstat((root + "/" + rel).c_str(), &st) != 0)
      return io_error(root + "/" + rel, "stat", errno);
    if (S_ISDIR(st.st_mode)) {
      ENVLOCK_TRY_VOID(walk(root, rel, files, odd));
    } else if (S_ISREG(st.st_mode)) {
      files.push_back(rel);
    } else if (odd) {
      odd->push_back(rel);
    }
  }
  return Ok{};
}

// Removes a staging folder unless released.
struct StageGuard {
  std::string path;
  ~StageGuard() {
    if (!path.empty()) {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  }
};

// The record kept beside a cached file, `<pkgs>/<file>.envlock.json`: its digests, the size,
// mtime and inode they were computed for, and a conda package's info/index.json. A file whose
// size, mtime and inode still match is not hashed again (as install trusts the stamps of its
// extractions); the cache only ever replaces files by renaming new ones over them.
struct CacheRecord {
  Digests digests;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  std::string index_json;
};

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::optional<CacheRecord> read_cache_record(const std::string& path, const struct stat& st) {
  auto text = read_file(path, 4 << 20);
  if (!text.ok()) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  CacheRecord r;
  r.digests.sha256 = doc.value("sha256", "");
  r.digests.md5 = doc.value("md5", "");
  r.digests.size = doc.value("size", uint64_t{0});
  r.mtime_ns = doc.value("mtime_ns", int64_t{0});
  r.inode = doc.value("inode", uint64_t{0});
  r.index_json = doc.value("index_json", "");
  if (r.digests.size != static_cast<uint64_t>(st.st_size) || r.mtime_ns != mtime_ns(st) ||
      r.inode != static_cast<uint64_t>(st.st_ino) || r.digests.sha256.empty() ||
      r.digests.md5.empty()) {
    return std::nullopt;
  }
  return r;
}

Result<void> fetch_one(Artifact& a, const std::string& stage, const Options& o) {
  const auto& p = a.package;
  const std::string label = printable(label_of(p));
  const std::string file = a.path.substr(a.path.rfind('/') + 1);
  const std::string cached = o.pkgs_dir + "/" + file;
  const std::string record_path = cached + ".envlock.json";
  const bool conda = p.manager == lockfile::Manager::conda;
  std::optional<Digests> have;
  std::optional<CacheRecord> record;
  if (struct stat st{}; ::lstat(cached.c_str(), &st) == 0) {
    if (S_ISREG(st.st_mode)) record = read_cache_record(record_path, st);
    if (record && matches(p, record->digests)) {
      have = record->digests;
    } else {
      record.reset();
      auto d = S_ISREG(st.st_mode) ? digest(cached) : Result<Digests>(Error{});
      if (d.ok() && matches(p, *d)) {
        have = *d;
      } else {
        ::unlink(cached.c_str());  // partial, corrupt or another artifact: fetch again
      }
    }
  }
  if (!have) {
    if (o.offline == Offline::yes && !channel::file_url_to_path(p.url)) {
      return Error{ErrorKind::network,
                   label,
                   "not in the package cache " + o.pkgs_dir + " and --offline forbids downloading"};
    }
    channel::ExpectedFile expected{p.sha256, p.md5, std::nullopt};
    if (p.size) expected.size = static_cast<uint64_t>(*p.size);
    auto fetched = channel::download_file(p.url, cached, expected, o.download);
    if (!fetched.ok()) return fetched.take_error().wrapped(label);
    ENVLOCK_TRY(d, digest(cached));
    if (!matches(p, d)) {  // replaced under us by another process: never archive unchecked bytes
      return Error{ErrorKind::input, label, "the cached file changed while it was archived"};
    }
    have = d;
    a.downloaded = true;
  }
  if (!record || (conda && record->index_json.empty())) {
    CacheRecord fresh;
    fresh.digests = *have;
    if (conda) {
      auto info = package::read_package_info(cached);
      if (!info.ok()) return info.take_error().wrapped(label);
      fresh.index_json = std::move(info->index_json_text);
    }
    struct stat st {};
    if (::stat(cached.c_str(), &st) != 0) return io_error(cached, "stat", errno);
    fresh.mtime_ns = mtime_ns(st);
    fresh.inode = static_cast<uint64_t>(st.st_ino);
    nlohmann::json doc{{"sha256", fresh.digests.sha256},
                       {"md5", fresh.digests.md5},
                       {"size", fresh.digests.size},
                       {"mtime_ns", fresh.mtime_ns},
                       {"inode", fresh.inode},
                       {"index_json", fresh.index_json}};
    // Best effort: without the record the next archive hashes the file again.
    (void)write_file_atomic(record_path, doc.dump(), Durability::no_fsync);
    record = std::move(fresh);
  }
  a.sha256 = have->sha256;
  a.md5 = have->md5;
  a.size = have->size;
  a.index_json = std::move(record->index_json);
  // A hard link costs no data written; across file systems (or where links are not allowed),
  // a copy. The cache never changes a file in place (a new download is a new file renamed over
  // the old one), so a linked archive file keeps the checked bytes.
  if (::link(cached.c_str(), (stage + "/" + a.path).c_str()) == 0) return Ok{};
  return copy_file(cached, stage + "/" + a.path);
}

// repodata.json (and .zst) for every channels/<channel>/<subdir> folder of the stage, noarch
// always: each package's info/index.json (every key) plus md5, sha256 and size, exactly the
// packages beside it. The records are the ones kept in the cache, so no package is read again;
// lib/index writes them. Returns the stage-relative paths of the files written.
Result<std::vector<std::string>> write_channel_indexes(const std::string& stage,
                                                       const std::vector<Artifact>& artifacts,
                                                       int jobs) {
  using nlohmann::json;
  std::map<std::string, std::map<std::string, json>> repodata;  // channel folder → subdir → doc
  for (const auto& a : artifacts) {
    if (a.package.manager != lockfile::Manager::conda) continue;
    const size_t file_slash = a.path.rfind('/');
    const size_t subdir_slash = a.path.rfind('/', file_slash - 1);
    const std::string folder = a.path.substr(0, subdir_slash);
    const std::string subdir = a.path.substr(subdir_slash + 1, file_slash - subdir_slash - 1);
    const std::string file = a.path.substr(file_slash + 1);
    json record = json::parse(a.index_json, nullptr, false);
    if (!record.is_object()) {
      return Error{ErrorKind::input, a.path, "info/index.json is not a JSON object"};
    }
    record["md5"] = a.md5;
    record["sha256"] = a.sha256;
    record["size"] = a.size;
    auto& docs = repodata[folder];
    for (const auto& sub : {subdir, std::string("noarch")}) {
      if (!docs.count(sub)) {
        docs[sub] = json{{"info", {{"subdir", sub}}},
                         {"packages", json::object()},
                         {"packages.conda", json::object()},
                         {"repodata_version", 1}};
      }
    }
    const bool is_conda = file.size() > 6 && file.compare(file.size() - 6, 6, ".conda") == 0;
    docs[subdir][is_conda ? "packages.conda" : "packages"][file] = std::move(record);
  }
  index::Options options;
  options.jobs = static_cast<unsigned>(std::max(1, jobs));
  std::vector<std::string> written;
  const std::string scratch = stage + "/.repodata.json";
  for (const auto& [folder, docs] : repodata) {
    for (const auto& [subdir, doc] : docs) {
      ENVLOCK_TRY_VOID(write_file_atomic(scratch, doc.dump(), Durability::no_fsync));
      options.subdir = subdir;
      auto r = index::index_repodata_file(scratch, stage + "/" + folder, options);
      ::unlink(scratch.c_str());
      if (!r.ok()) return r.take_error();
      for (const char* f : {index::k_repodata_json, index::k_repodata_zst}) {
        written.push_back(folder + "/" + subdir + "/" + f);
      }
    }
  }
  return written;
}

}  // namespace

OutputKind output_kind(const std::string& out) {
  if (ends_with(out, ".tar.zst") || ends_with(out, ".tzst")) return OutputKind::tar_zst;
  if (ends_with(out, ".tar")) return OutputKind::tar;
  return OutputKind::folder;
}

Result<Report> create(const Options& o) {
  if (o.out.empty()) return Error{ErrorKind::usage, "-o", "is required"};
  if (o.pkgs_dir.empty()) return Error{ErrorKind::usage, "--pkgs-dir", "is required"};
  Report report;
  report.kind = output_kind(o.out);
  std::error_code ec;
  std::string out = fs::absolute(o.out, ec).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  report.out = o.out;
  const std::string parent = fs::path(out).parent_path().string();
  if (!fs::is_directory(parent, ec)) {
    return Error{ErrorKind::usage, o.out, "its folder " + parent + " does not exist"};
  }
  if (struct stat st{}; ::lstat(out.c_str(), &st) == 0) {
    if (report.kind != OutputKind::folder || !S_ISDIR(st.st_mode) || !fs::is_empty(out, ec)) {
      return Error{ErrorKind::usage, o.out, "already exists; archive into a new path"};
    }
  }

  auto lock_bytes = read_file(o.lock_path, lockfile::k_max_lock_bytes);
  if (!lock_bytes.ok()) {
    Error e = lock_bytes.take_error();
    if (e.kind == ErrorKind::io) e.kind = ErrorKind::input;  // an unreadable input: exit 2
    return e;
  }
  auto read = lockfile::read_lock(o.lock_path);
  if (!read.ok()) {
    Error e = read.take_error();
    if (e.kind == ErrorKind::io) e.kind = ErrorKind::input;
    return e;
  }
  const lockfile::Lock lock = std::move(read).value();
  const std::string lock_name = fs::path(o.lock_path).filename().string();
  if (!package::is_safe_path_component(lock_name) || lock_name == k_manifest ||
      lock_name == k_channels || lock_name == k_pypi) {
    return Error{ErrorKind::usage,
                 o.lock_path,
                 "the lock's file name cannot be kept in an archive; rename it"};
  }
  Manifest manifest;
  ENVLOCK_TRY(artifacts, collect(lock, o, manifest.platforms));
  const int64_t epoch = archive_epoch(lock, o);

  StageGuard stage;
  std::string templ = parent + "/." + fs::path(out).filename().string() + ".envlock-XXXXXX";
  if (!::mkdtemp(templ.data())) return io_error(templ, "create", errno);
  stage.path = templ;
  // An interrupt (tools/common/cli.cc) removes the stage too: no partial output is left.
  TemporaryRegistration stage_registration(stage.path, TemporaryKind::folder);
  if (::mkdir((stage.path + "/" + k_channels).c_str(), 0755) != 0) {
    return io_error(stage.path + "/" + k_channels, "create", errno);
  }
  fs::create_directories(o.pkgs_dir, ec);
  if (ec) return io_error(o.pkgs_dir, "create", ec.value());

  // Every folder once, before the workers start (not a mkdir per file).
  {
    std::set<std::string> folders;
    for (const auto& a : artifacts) folders.insert(a.path.substr(0, a.path.rfind('/') + 1));
    for (const auto& f : folders) ENVLOCK_TRY_VOID(make_parents(stage.path, f));
  }
  std::vector<std::optional<Error>> errors(artifacts.size());
  std::atomic<bool> failed{false};
  parallel_for(artifacts.size(), static_cast<unsigned>(std::max(1, o.jobs)), [&](size_t i) {
    if (failed) return;
    auto r = fetch_one(artifacts[i], stage.path, o);
    if (!r.ok()) {
      errors[i] = r.take_error();
      failed = true;
    }
  });
  for (auto& e : errors) {
    if (e) return std::move(*e);
  }

  ENVLOCK_TRY(index_files, write_channel_indexes(stage.path, artifacts, o.jobs));
  ENVLOCK_TRY_VOID(
      write_file_atomic(stage.path + "/" + lock_name, *lock_bytes, Durability::no_fsync));

  // The manifest: every file; the artifacts' digests are the ones just checked.
  std::map<std::string, const Artifact*> known;
  for (const auto& a : artifacts) known.emplace(a.path, &a);
  // What the stage holds is known: the artifacts, each subdir's repodata, the lock.
  std::vector<std::string> files;
  for (const auto& a : artifacts) files.push_back(a.path);
  for (const auto& f : index_files) files.push_back(f);
  files.push_back(lock_name);
  std::sort(files.begin(), files.end());
  manifest.envlock_version = o.envlock_version;
  manifest.created = rfc3339(epoch);
  manifest.lock = lock_name;
  manifest.files.resize(files.size());
  std::vector<std::optional<Error>> hash_errors(files.size());
  parallel_for(files.size(), static_cast<unsigned>(std::max(1, o.jobs)), [&](size_t i) {
    auto& e = manifest.files[i];
    e.path = files[i];
    if (auto it = known.find(files[i]); it != known.end()) {
      e.sha256 = it->second->sha256;
      e.size = it->second->size;
      return;
    }
    auto d = hash::digest_file(stage.path + "/" + files[i], {hash::Algorithm::sha256});
    if (!d.ok()) {
      hash_errors[i] = d.take_error();
      return;
    }
    e.sha256 = d->hex[0];
    e.size = d->size;
  });
  for (auto& e : hash_errors) {
    if (e) return std::move(*e);
  }
  ENVLOCK_TRY_VOID(write_file_atomic(
      stage.path + "/" + k_manifest, render_manifest(manifest), Durability::no_fsync));
  report.packages = artifacts.size();
  for (const auto& a : artifacts) report.downloaded += a.downloaded ? 1 : 0;
  report.files = manifest.files.size() + 1;
  for (const auto& f : manifest.files) report.bytes += f.size;
  report.created = manifest.created;

  if (report.kind == OutputKind::folder) {
    if (::chmod(stage.path.c_str(), 0755) != 0) return io_error(stage.path, "chmod", errno);
    if (::rename(stage.path.c_str(), out.c_str()) != 0) return io_error(out, "create", errno);
    stage.path.clear();
    return report;
  }
  files.push_back(k_manifest);
  std::sort(files.begin(), files.end());
  const std::string tmp = stage.path + ".tar";
  StageGuard tmp_guard{tmp};
  TemporaryRegistration tmp_registration(tmp);
  ENVLOCK_TRY_VOID(
      write_tar(stage.path,
                files,
                tmp,
                report.kind == OutputKind::tar_zst ? Compression::zstd : Compression::none,
                epoch));
  ENVLOCK_TRY(sha, hash::hex_digest_file(hash::Algorithm::sha256, tmp));
  report.sha256 = sha;
  if (::chmod(tmp.c_str(), 0644) != 0) return io_error(tmp, "chmod", errno);
  if (::rename(tmp.c_str(), out.c_str()) != 0) return io_error(out, "create", errno);
  tmp_guard.path.clear();
  return report;
}

std::string render_text(const Report& r) {
  char size[64];
  std::snprintf(size, sizeof size, "%.1f MiB", static_cast<double>(r.bytes) / (1 << 20));
  std::string out = "archived " + std::to_string(r.packages) + " packages (" +
                    std::to_string(r.downloaded) + " downloaded) into " + printable(r.out) + ": " +
                    std::to_string(r.files) + " files, " + size + ", dated " + r.created + "\n";
  if (!r.sha256.empty()) out += "sha256 " + r.sha256 + "  " + printable(r.out) + "\n";
  return out;
}

const char* to_string(Finding::Kind kind) {
  switch (kind) {
    case Finding::Kind::altered:
      return "altered";
    case Finding::Kind::missing:
      return "missing";
    case Finding::Kind::extra:
      return "extra";
    case Finding::Kind::not_regular:
      return "not-regular";
    case Finding::Kind::lock_missing:
      return "lock-missing";
    case Finding::Kind::lock_differs:
      return "lock-differs";
  }
  return "altered";
}

Result<VerifyReport> verify(const VerifyOptions& o) {
  VerifyReport report;
  report.archive = o.archive;
  ENVLOCK_TRY(opened, OpenedArchive::open(o.archive));
  const std::string& root = opened.root();
  const Manifest& manifest = opened.manifest();

  std::vector<std::string> files, odd;
  ENVLOCK_TRY_VOID(walk(root, "", files, &odd));
  const std::set<std::string> present(files.begin(), files.end());
  for (const auto& p : odd) {
    report.findings.push_back(
        {Finding::Kind::not_regular, p, "a symlink or special file; an archive holds files only"});
  }
  std::set<std::string> listed;
  std::map<std::string, Digests> digests;  // of the files that are present
  std::vector<const ManifestEntry*> to_hash;
  for (const auto& e : manifest.files) {
    listed.insert(e.path);
    if (!present.count(e.path)) {
      report.findings.push_back({Finding::Kind::missing, e.path, "listed in MANIFEST.json"});
    } else {
      to_hash.push_back(&e);
    }
  }
  std::vector<std::optional<Result<Digests>>> hashed(to_hash.size());
  parallel_for(
      to_hash.size(), 0, [&](size_t i) { hashed[i] = digest(root + "/" + to_hash[i]->path); });
  for (size_t i = 0; i < to_hash.size(); ++i) {
    if (!hashed[i]->ok()) return hashed[i]->take_error();
    const Digests& d = hashed[i]->value();
    const auto& e = *to_hash[i];
    digests[e.path] = d;
    ++report.files_checked;
    if (d.sha256 != e.sha256 || d.size != e.size) {
      report.findings.push_back({Finding::Kind::altered,
                                 e.path,
                                 "sha256 " + d.sha256 + ", size " + std::to_string(d.size) +
                                     "; MANIFEST.json says " + e.sha256 + ", size " +
                                     std::to_string(e.size)});
    }
  }
  for (const auto& f : files) {
    if (f != k_manifest && !listed.count(f)) {
      report.findings.push_back({Finding::Kind::extra, f, "not listed in MANIFEST.json"});
    }
  }

  std::string lock_path = o.lock_path;
  if (lock_path.empty()) {
    report.lock = manifest.lock + " (in the archive)";
    auto p = regular_member(root, manifest.lock);
    if (!p.ok()) return p.take_error().wrapped(o.archive);
    lock_path = *p;
  } else {
    report.lock = o.lock_path;
  }
  auto read = lockfile::read_lock(lock_path);
  if (!read.ok()) {
    Error e = read.take_error();
    if (e.kind == ErrorKind::io) e.kind = ErrorKind::input;
    return e;
  }
  Options co;
  co.lock_path = lock_path;
  co.platforms = o.platforms;
  std::vector<std::string> platforms;
  ENVLOCK_TRY(artifacts, collect(*read, co, platforms));
  for (const auto& a : artifacts) {
    ++report.packages_checked;
    const auto& p = a.package;
    auto it = digests.find(a.path);
    if (it == digests.end()) {
      if (!present.count(a.path)) {
        report.findings.push_back({Finding::Kind::lock_missing,
                                   a.path,
                                   printable(label_of(p)) + " of the lock is not in the archive"});
        continue;
      }
      ENVLOCK_TRY(d, digest(root + "/" + a.path));  // present but not in the manifest
      it = digests.emplace(a.path, d).first;
    }
    if (!matches(p, it->second)) {
      report.findings.push_back(
          {Finding::Kind::lock_differs,
           a.path,
           printable(label_of(p)) + ": " +
               (p.sha256.empty() ? "md5 " + it->second.md5 + ", the lock says " + p.md5
                                 : "sha256 " + it->second.sha256 + ", the lock says " +
                                       hash::normalize_hex(p.sha256))});
    }
  }
  std::sort(report.findings.begin(), report.findings.end(), [](const auto& a, const auto& b) {
    return std::tie(a.path, a.kind) < std::tie(b.path, b.kind);
  });
  return report;
}

std::string render_text(const VerifyReport& r) {
  std::string out;
  for (const auto& f : r.findings) {
    out += std::string(to_string(f.kind)) + ": " + printable(f.path) + ": " + printable(f.detail) +
           "\n";
  }
  out += "archive " + printable(r.archive) + ": " + std::to_string(r.files_checked) +
         " files checked against MANIFEST.json, " + std::to_string(r.packages_checked) +
         " packages of " + printable(r.lock) + ": ";
  out += r.findings.empty() ? "ok\n" : std::to_string(r.findings.size()) + " problems\n";
  return out;
}

}  // namespace envlock::archive
