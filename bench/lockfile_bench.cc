// Lock parsing speed: the pangeo conda-lock.yml (3,091 entries) and the largest pixi.lock
// (ros2-nav2, ~4,200 records), with baselines from the same run: reading the file, and
// yaml-cpp's bare YAML::Load of the same text.
// Usage: lockfile_bench [CORPUS_DIR]   (default: $ENVLOCK_CORPUS, else ../shared/corpus beside
// the workspace when run with `bazel run -c opt //bench:lockfile_bench`).

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "lib/lockfile/lockfile.h"
#include "lib/util/file.h"

namespace lf = envlock::lockfile;

namespace {

std::string corpus_dir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  if (const char* env = std::getenv("ENVLOCK_CORPUS")) return env;
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    return std::string(ws) + "/../shared/corpus";
  }
  return "../shared/corpus";
}

// Best of `runs` wall-clock times of fn(), in seconds.
double best_of(int runs, const std::function<void()>& fn) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
    best = std::min(best, d.count());
  }
  return best;
}

void report(const char* what, double seconds, size_t bytes, size_t packages) {
  std::printf("  %-34s %8.2f ms  %8.1f MB/s  %10.0f packages/s\n",
              what,
              seconds * 1e3,
              bytes / seconds / 1e6,
              packages / seconds);
}

int bench_file(const std::string& path, int runs) {
  auto text = envlock::read_file(path);
  if (!text.ok()) {
    std::fprintf(stderr, "lockfile_bench: %s\n", text.error().to_string().c_str());
    return 1;
  }
  auto lock = lf::parse_lock(*text, path);
  if (!lock.ok()) {
    std::fprintf(stderr, "lockfile_bench: %s\n", lock.error().to_string().c_str());
    return 1;
  }
  size_t packages = lock->package_count();
  std::printf("%s\n  %zu bytes, %s, %zu package entries\n",
              path.c_str(),
              text->size(),
              lf::to_string(lock->source_format),
              packages);
  size_t sink = 0;
  double t_read = best_of(runs, [&] { sink += envlock::read_file(path)->size(); });
  double t_fast = best_of(runs, [&] { sink += lf::parse_lock(*text, path)->package_count(); });
  double t_cpp = best_of(runs, [&] {
    sink += lf::parse_lock(*text, path, lf::YamlReader::yaml_cpp)->package_count();
  });
  double t_load = best_of(runs, [&] { sink += YAML::Load(*text).size(); });
  double t_write = best_of(runs, [&] { sink += lf::write_conda_lock_v1(*lock).size(); });
  report("read file (baseline)", t_read, text->size(), packages);
  report("yaml-cpp YAML::Load only (baseline)", t_load, text->size(), packages);
  report("parse_lock, fast reader", t_fast, text->size(), packages);
  report("parse_lock, yaml-cpp reader", t_cpp, text->size(), packages);
  report("write_conda_lock_v1", t_write, text->size(), packages);
  std::printf(
      "  fast reader vs YAML::Load: %.1fx faster (checksum %zu)\n", t_load / t_fast, sink % 10);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus = corpus_dir(argc, argv);
  int rc = 0;
  rc |= bench_file(corpus +
                       "/lockfiles/conda-lock/pangeo-docker-images/HEAD/pangeo-notebook/"
                       "conda-lock.yml",
                   7);
  rc |= bench_file(corpus + "/lockfiles/pixi/examples/ros2-nav2/pixi.lock", 5);
  return rc;
}
