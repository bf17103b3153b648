// Repodata load and solve at scale. One mode per process, so peak RSS is that mode's own:
//   solve_bench simdjson REPODATA...            baseline: simdjson parse of the same bytes
//   solve_bench cold     REPODATA... -- SPEC... parse + pool without cache, then solve
//   solve_bench cached   REPODATA... -- SPEC... the same through the repodata index cache (run
//   twice)
// Prints one JSON line: {"mode","ms_load_and_solve","ms_read","packages","peak_rss_mb"}.
#include <sys/resource.h>

#include <simdjson.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "lib/solve/solve.h"
#include "lib/util/file.h"

using namespace envlock;
using Clock = std::chrono::steady_clock;

static double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

static long peak_rss_mb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: solve_bench simdjson|cold|cached REPODATA... [-- SPEC...]\n");
    return 2;
  }
  std::string mode = argv[1];
  std::vector<std::string> files, specs;
  bool in_specs = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--")
      in_specs = true;
    else
      (in_specs ? specs : files).push_back(a);
  }
  auto t0 = Clock::now();
  std::vector<std::string> bytes;
  for (const auto& f : files) {
    auto r = read_file(f);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
      return 2;
    }
    bytes.push_back(std::move(*r));
  }
  double read_ms = ms_since(t0);
  auto t1 = Clock::now();
  size_t packages = 0;
  if (mode == "simdjson") {
    simdjson::dom::parser parser;
    for (const auto& b : bytes) {
      simdjson::dom::element doc;
      if (parser.parse(b).get(doc)) return 2;
      for (const char* key : {"packages", "packages.conda"}) {
        simdjson::dom::object obj;
        if (!doc[key].get(obj)) packages += obj.size();
      }
    }
  } else {
    std::vector<solve::RepodataSource> sources;
    for (size_t i = 0; i < files.size(); ++i) {
      std::string subdir = std::filesystem::path(files[i]).parent_path().filename().string();
      sources.push_back({"bench",
                         "https://example.invalid/bench",
                         subdir,
                         bytes[i],
                         files[i],
                         bytes[i].capacity() - bytes[i].size()});
    }
    solve::Request request;
    for (const auto& s : specs) request.specs.push_back(spec::MatchSpec::parse(s).value());
    request.virtual_packages = {
        {"__glibc", "2.28", "0"}, {"__unix", "0", "0"}, {"__linux", "5.10", "0"}};
    if (mode == "cached") {
      request.cache_dir = (std::filesystem::temp_directory_path() / "envlock-solve-bench").string();
      std::filesystem::create_directories(request.cache_dir);
    }
    auto outcome = solve::solve(sources, request);
    if (!outcome.ok()) {
      std::fprintf(stderr, "%s\n", outcome.error().to_string().c_str());
      return 2;
    }
    if (auto* s = std::get_if<solve::Solution>(&*outcome))
      packages = s->packages.size();
    else {
      std::fprintf(stderr,
                   "unsatisfiable: %s\n",
                   std::get<solve::Unsatisfiable>(*outcome).problems.front().c_str());
      return 3;
    }
  }
  std::printf(
      "{\"mode\":\"%s\",\"ms_load_and_solve\":%.1f,\"ms_read\":%.1f,\"packages\":%zu,\"peak_rss_"
      "mb\":%ld}\n",
      mode.c_str(),
      ms_since(t1),
      read_ms,
      packages,
      peak_rss_mb());
  return 0;
}
