// Fetching every project page of the test PyPI index (//testdata/pypi:index) from the real test
// server with a fixed latency per request: one project after another (jobs 1) against the
// batch API (PypiIndex::projects, jobs 8, keep-alive). Prints both wall times and the ratio.
//
//   bazel run -c opt //bench:pypi_index_bench -- [LATENCY_MS] [ROUNDS]
//
// Each round uses a fresh cache, so every page is a 200 (the cold path).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "lib/channel/pypi_index.h"
#include "lib/testing/http/http_server.h"

namespace fs = std::filesystem;
using namespace envlock;

namespace {

double run(const std::string& url, const std::vector<std::string>& names, unsigned jobs,
           const std::string& cache, int* connections) {
  fs::remove_all(cache);
  channel::PypiIndexOptions options;
  options.index_url = url + "/simple/";
  options.cache_dir = cache;
  options.jobs = jobs;
  auto index = channel::PypiIndex::open(options);
  if (!index.ok()) {
    std::fprintf(stderr, "%s\n", index.error().to_string().c_str());
    std::exit(1);
  }
  auto start = std::chrono::steady_clock::now();
  if (jobs == 1) {
    for (const auto& name : names) {
      if (!index->project(name).ok()) std::exit(1);
    }
  } else {
    for (const auto& r : index->projects(names)) {
      if (!r.ok()) std::exit(1);
    }
  }
  *connections = index->connections_opened();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int latency_ms = argc > 1 ? std::atoi(argv[1]) : 20;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  const char* runfiles = std::getenv("RUNFILES_DIR");
  std::string root = std::string(runfiles ? runfiles : ".") + "/envlock/testdata/pypi/index";
  if (!fs::is_directory(root)) root = "testdata/pypi/index";
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(root + "/simple")) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  testing::HttpServer server(root);
  server.stall_next(testing::HttpServer::k_always, std::chrono::milliseconds(latency_ms));
  const std::string cache = fs::temp_directory_path() / "envlock-pypi-index-bench";
  std::printf(
      "%zu project pages, %d ms per request, %d rounds\n", names.size(), latency_ms, rounds);
  for (int round = 0; round < rounds; ++round) {
    int serial_connections = 0, batch_connections = 0;
    double serial = run(server.url(), names, 1, cache, &serial_connections);
    double batch = run(server.url(), names, 8, cache, &batch_connections);
    std::printf(
        "one by one %.3f s (%d connections), batch of 8 threads %.3f s (%d connections): "
        "%.2fx\n",
        serial,
        serial_connections,
        batch,
        batch_connections,
        batch / serial);
  }
  fs::remove_all(cache);
  return 0;
}
