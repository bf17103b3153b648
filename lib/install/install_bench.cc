// Measures `install`: a cold install of a set of real archives (empty package cache, new
// prefix) against plain libarchive extraction of the same archives, a warm install (cache
// filled, new prefix), and the no-op install of a synthetic 3,000-package prefix.
// Usage: install_bench DEMO_CHANNEL_DIR CORPUS_DIR [RECORDS]
//   bazel run -c opt //lib/install:install_bench -- \
//     $PWD/bazel-bin/testdata/demo_channel /work/shared/corpus

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lib/hash/hash.h"
#include "lib/install/install.h"
#include "lib/lockfile/lockfile.h"
#include "lib/prefix/prefix.h"
#include "lib/util/file.h"

namespace fs = std::filesystem;
using namespace envlock;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "install_bench: %s\n", what.c_str());
  std::exit(1);
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

double median_ms(int runs, const std::function<void()>& prepare,
                 const std::function<void()>& body) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    prepare();
    auto start = std::chrono::steady_clock::now();
    body();
    times.push_back(ms_since(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Plain extraction, the baseline: libarchive straight to disk, no checks, no hashing.
void copy_entries(archive* in, const std::string& dest) {
  archive* out = archive_write_disk_new();
  archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM);
  archive_entry* entry;
  while (archive_read_next_header(in, &entry) == ARCHIVE_OK) {
    std::string path = dest + "/" + archive_entry_pathname(entry);
    archive_entry_set_pathname(entry, path.c_str());
    if (const char* hl = archive_entry_hardlink(entry)) {
      archive_entry_set_hardlink(entry, (dest + "/" + hl).c_str());
    }
    if (archive_write_header(out, entry) != ARCHIVE_OK) die(archive_error_string(out));
    const void* buf;
    size_t size;
    la_int64_t offset;
    while (archive_read_data_block(in, &buf, &size, &offset) == ARCHIVE_OK) {
      archive_write_data_block(out, buf, size, offset);
    }
    archive_write_finish_entry(out);
  }
  archive_write_free(out);
}

void plain_extract(const std::string& archive_path, const std::string& dest) {
  archive* a = archive_read_new();
  archive_read_support_format_all(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_filename(a, archive_path.c_str(), 1 << 16) != ARCHIVE_OK) die(archive_path);
  if (archive_path.size() > 6 && archive_path.substr(archive_path.size() - 6) == ".conda") {
    archive_entry* entry;
    while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
      std::string name = archive_entry_pathname(entry);
      if (name.size() < 8 || name.substr(name.size() - 8) != ".tar.zst") continue;
      std::string inner(static_cast<size_t>(archive_entry_size(entry)), '\0');
      archive_read_data(a, inner.data(), inner.size());
      archive* t = archive_read_new();
      archive_read_support_format_tar(t);
      archive_read_support_filter_zstd(t);
      archive_read_open_memory(t, inner.data(), inner.size());
      copy_entries(t, dest);
      archive_read_free(t);
    }
  } else {
    copy_entries(a, dest);
  }
  archive_read_free(a);
}

lockfile::LockedPackage locked_file(const std::string& path) {
  lockfile::LockedPackage p;
  if (!lockfile::split_conda_filename(fs::path(path).filename(), p.name, p.version, p.build))
    die(path);
  auto d = hash::digest_file(path, {hash::Algorithm::sha256, hash::Algorithm::md5});
  if (!d.ok()) die(d.error().to_string());
  p.sha256 = d->hex[0];
  p.md5 = d->hex[1];
  p.url = "file://" + path;
  p.platform = "linux-64";
  return p;
}

std::string write_lock(const std::string& path, std::vector<lockfile::LockedPackage> packages) {
  lockfile::Lock lock;
  lock.metadata.platforms = {"linux-64"};
  lock.metadata.channels = {{"bench", {}}};
  lock.metadata.content_hash["linux-64"] = std::string(64, '0');
  for (auto& p : packages) p.platform = "linux-64";
  lock.environments["default"].packages["linux-64"] = std::move(packages);
  if (!write_file_atomic(path, lockfile::write_conda_lock_v1(lock), Durability::no_fsync).ok())
    die(path);
  return path;
}

void bench_set(const std::string& title, const std::vector<std::string>& archives,
               const std::string& tmp) {
  std::vector<lockfile::LockedPackage> locked;
  uint64_t bytes = 0;
  for (const auto& a : archives) {
    locked.push_back(locked_file(a));
    bytes += fs::file_size(a);
  }
  std::string lock = write_lock(tmp + "/lock.yml", locked);
  auto reset = [&] {
    fs::remove_all(tmp + "/plain");
    fs::remove_all(tmp + "/env");
    fs::remove_all(tmp + "/pkgs");
  };
  install::Options o;
  o.lock_path = lock;
  o.prefix = tmp + "/env";
  o.pkgs_dir = tmp + "/pkgs";
  o.platform = "linux-64";
  auto install = [&] {
    auto r = install::run(o);
    if (!r.ok()) die(r.error().to_string());
  };
  const int runs = 7;
  double plain = median_ms(runs, reset, [&] {
    for (size_t i = 0; i < archives.size(); ++i)
      plain_extract(archives[i], tmp + "/plain/" + std::to_string(i));
  });
  double cold = median_ms(runs, reset, install);
  double warm = median_ms(
      runs, [&] { fs::remove_all(tmp + "/env"); }, install);
  double noop = median_ms(
      runs, [] {}, install);
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(tmp + "/env"))
    files += e.is_regular_file() ? 1 : 0;
  std::printf("%s: %zu packages, %.1f KiB of archives, %zu files in the prefix\n",
              title.c_str(),
              archives.size(),
              bytes / 1024.0,
              files);
  std::printf("  plain libarchive extraction   %8.2f ms\n", plain);
  std::printf("  install, cold cache           %8.2f ms  (%.2fx plain)\n", cold, cold / plain);
  std::printf("  install, warm cache           %8.2f ms  (%.2fx plain)\n", warm, warm / plain);
  std::printf("  install, no-op                %8.2f ms\n", noop);
}

// A prefix of `count` records cycled from the corpus's real records (renamed), and its lock.
// Only records of at most `max_bytes` are cycled (the corpus mixes 1 KB records with 5 MB ones).
void bench_noop(const std::string& corpus, size_t count, uint64_t max_bytes,
                const std::string& tmp) {
  std::vector<fs::path> sources;
  for (const auto& e : fs::recursive_directory_iterator(corpus + "/conda-meta")) {
    if (e.path().extension() == ".json" &&
        e.path().string().find("/negative/") == std::string::npos &&
        fs::file_size(e.path()) <= max_bytes)
      sources.push_back(e.path());
  }
  std::sort(sources.begin(), sources.end());
  std::string prefix = tmp + "/big";
  fs::remove_all(prefix);
  fs::create_directories(prefix + "/conda-meta");
  std::vector<lockfile::LockedPackage> locked;
  uint64_t meta_bytes = 0;
  for (size_t i = 0; i < count; ++i) {
    auto r = prefix::read_prefix_record(sources[i % sources.size()].string());
    if (!r.ok()) continue;
    r->name = "pkg" + std::to_string(i) + "-" + r->name;
    std::string text = prefix::write_prefix_record(*r);
    meta_bytes += text.size();
    if (!write_file_atomic(
             prefix + "/conda-meta/" + prefix::record_file_name(*r), text, Durability::no_fsync)
             .ok())
      die("write record");
    lockfile::LockedPackage p;
    p.name = r->name;
    p.version = r->version;
    p.build = r->build;
    p.md5 = r->md5;
    p.sha256 = r->sha256;
    p.url = r->url.empty() ? "https://example.invalid/linux-64/" + r->name + ".conda" : r->url;
    locked.push_back(p);
  }
  std::string lock = write_lock(tmp + "/big.yml", locked);
  install::Options o;
  o.lock_path = lock;
  o.prefix = prefix;
  o.platform = "linux-64";
  o.pkgs_dir = tmp + "/unused-pkgs";
  double noop = median_ms(
      9,
      [] {},
      [&] {
        auto r = install::run(o);
        if (!r.ok()) die(r.error().to_string());
        if (!r->up_to_date) die("the synthetic prefix should be up to date");
      });
  double read_lock_ms = median_ms(
      9, [] {}, [&] { (void)lockfile::read_lock(lock); });
  double read_meta_ms = median_ms(
      9, [] {}, [&] { (void)prefix::read_conda_meta(prefix); });
  std::printf(
      "no-op install, %zu packages (%.1f MiB of conda-meta, records <= %llu KiB): %.2f ms "
      "(read_lock %.2f ms, read_conda_meta %.2f ms)\n",
      locked.size(),
      meta_bytes / 1048576.0,
      static_cast<unsigned long long>(max_bytes / 1024),
      noop,
      read_lock_ms,
      read_meta_ms);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) die("usage: install_bench DEMO_CHANNEL_DIR CORPUS_DIR [RECORDS]");
  std::string demo = argv[1], corpus = argv[2];
  size_t records = argc > 3 ? std::stoul(argv[3]) : 3000;
  std::string tmp =
      fs::temp_directory_path() / ("envlock-install-bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  bench_set("demo environment",
            {demo + "/linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda",
             demo + "/linux-64/zlib-1.3.1-h4d5e6f7_0.tar.bz2",
             demo + "/linux-64/libfoo-1.2.0-h1234567_0.conda",
             demo + "/linux-64/libbar-2.1.0-h89abcde_0.conda",
             demo + "/linux-64/demo-tool-0.4.0-hfedcba9_0.conda",
             demo + "/noarch/demo-py-1.1.0-pyh7654321_0.conda"},
            tmp);
  bench_set("corpus packages",
            {demo + "/linux-64/python-3.12.2-h0a1b2c3_0_cpython.conda",
             corpus + "/packages/conda_format_repo/linux-64/zlib-1.2.11-h7b6447c_3.conda",
             corpus + "/packages/legacy_repodata/noarch/moto-1.3.7-py_0.tar.bz2",
             corpus + "/packages/rattler/andes-1.8.3-pyhd8ed1ab_0.conda"},
            tmp);
  bench_noop(corpus, records, 64 * 1024, tmp);
  bench_noop(corpus, records, uint64_t{1} << 40, tmp);
  fs::remove_all(tmp);
  return 0;
}
