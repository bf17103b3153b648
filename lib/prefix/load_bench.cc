// Measures read_conda_meta: each real corpus prefix, and a synthetic 3,000-record prefix made
// by copying the corpus records (cycled, renamed) into a temporary folder.
// Usage: load_bench CORPUS_DIR [RECORDS]

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "lib/prefix/prefix.h"

namespace fs = std::filesystem;

namespace {

double best_ms(const std::string& prefix, int runs, size_t* records) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto state = envlock::prefix::read_conda_meta(prefix);
    auto end = std::chrono::steady_clock::now();
    if (!state.ok()) {
      std::fprintf(stderr, "%s\n", state.error().to_string().c_str());
      std::exit(1);
    }
    *records = state->records.size();
    best = std::min(best, std::chrono::duration<double, std::milli>(end - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: load_bench CORPUS_DIR [RECORDS]\n");
    return 2;
  }
  std::string corpus = argv[1];
  size_t wanted = argc > 2 ? std::stoul(argv[2]) : 3000;
  std::string envs = corpus + "/conda-meta/conda-env_metadata";
  for (const auto& env : fs::directory_iterator(envs)) {
    size_t records = 0;
    double ms = best_ms(env.path().string(), 5, &records);
    std::printf("%-22s %4zu records  %7.2f ms\n", env.path().filename().c_str(), records, ms);
  }

  std::vector<fs::path> sources;
  for (const auto& e : fs::recursive_directory_iterator(corpus + "/conda-meta")) {
    std::string p = e.path().string();
    if (e.path().extension() == ".json" && p.find("/negative/") == std::string::npos) {
      sources.push_back(e.path());
    }
  }
  std::sort(sources.begin(), sources.end());
  fs::path tmp = fs::temp_directory_path() / ("envlock-load-bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp / "conda-meta");
  uintmax_t bytes = 0;
  for (size_t i = 0; i < wanted; ++i) {
    const fs::path& src = sources[i % sources.size()];
    fs::copy_file(src, tmp / "conda-meta" / (std::to_string(i) + "-" + src.filename().string()));
    bytes += fs::file_size(src);
  }
  size_t records = 0;
  double ms = best_ms(tmp.string(), 5, &records);
  std::printf("synthetic              %4zu records  %7.2f ms  (%.1f MB of JSON)\n",
              records,
              ms,
              static_cast<double>(bytes) / 1e6);
  fs::remove_all(tmp);
  return 0;
}
