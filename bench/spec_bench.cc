// Version and MatchSpec parsing speed on real data, each beside a baseline from the same run.
// Usage: spec_bench [CORPUS_DIR]   (default: $ENVLOCK_CORPUS, else ../shared/corpus beside the
// workspace when run with `bazel run`).

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "lib/pypi/requirement.h"
#include "lib/pypi/specifier.h"
#include "lib/pypi/version.h"
#include "lib/spec/match_spec.h"
#include "lib/spec/package_record.h"
#include "lib/spec/version.h"
#include "lib/util/file.h"

namespace {

using Clock = std::chrono::steady_clock;
volatile std::size_t g_sink = 0;

// Runs `body` (one pass over the data) until at least `min_seconds` have passed; returns
// seconds per pass.
template <class F>
double seconds_per_pass(F&& body, double min_seconds = 1.0) {
  int passes = 0;
  auto start = Clock::now();
  double elapsed = 0;
  do {
    body();
    ++passes;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < min_seconds);
  return elapsed / passes;
}

std::string corpus_dir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  if (const char* env = std::getenv("ENVLOCK_CORPUS")) return env;
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    return std::string(ws) + "/../shared/corpus";
  }
  return "../shared/corpus";
}

void report(const char* what, double items, double ours, const char* baseline_name, double base) {
  std::printf("%-34s %12.0f /s   baseline (%s) %12.0f /s   ratio %.2f\n",
              what,
              items / ours,
              baseline_name,
              items / base,
              base / ours);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace envlock;
  const std::string corpus = corpus_dir(argc, argv);

  // --- versions: the 28.5k conda-forge version strings --------------------------------------
  std::vector<std::string> texts;
  {
    std::ifstream in(corpus + "/conformance/rattler/versions.txt");
    if (!in) {
      std::fprintf(
          stderr, "spec_bench: cannot read %s/conformance/rattler/versions.txt\n", corpus.c_str());
      return 2;
    }
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) texts.push_back(line);
    }
  }
  std::vector<spec::Version> versions;
  versions.reserve(texts.size());
  double parse_s = seconds_per_pass([&] {
    versions.clear();
    for (const auto& t : texts) {
      auto v = spec::Version::parse(t);
      if (v.ok()) versions.push_back(std::move(v).value());
    }
  });
  std::vector<std::string> copies;
  copies.reserve(texts.size());
  double copy_s = seconds_per_pass([&] {
    copies.clear();
    for (const auto& t : texts) copies.emplace_back(t.data(), t.size());
  });
  std::printf("versions: %zu strings, %zu parsed\n", texts.size(), versions.size());
  report("version parse", static_cast<double>(texts.size()), parse_s, "std::string copy", copy_s);

  double strtol_s = seconds_per_pass([&] {
    std::size_t sum = 0;
    for (const auto& t : texts) {
      const char* p = t.c_str();
      char* end = nullptr;
      while (*p) {
        sum += static_cast<std::size_t>(std::strtol(p, &end, 10));
        p = (end == p) ? p + 1 : end;
      }
    }
    g_sink = g_sink + sum;
  });
  report("version parse", static_cast<double>(texts.size()), parse_s, "strtol split", strtol_s);

  std::vector<spec::Version> sorted;
  double sort_s = seconds_per_pass([&] {
    sorted = versions;
    std::sort(sorted.begin(), sorted.end());
  });
  std::vector<std::string> sorted_text;
  double sort_text_s = seconds_per_pass([&] {
    sorted_text = copies;
    std::sort(sorted_text.begin(), sorted_text.end());
  });
  report("version copy+sort (per version)",
         static_cast<double>(versions.size()),
         sort_s,
         "std::string copy+sort",
         sort_text_s);
  double parse_sort_s = parse_s + sort_s;
  std::printf("%-34s %12.3f ms for %zu versions\n",
              "version parse+sort",
              parse_sort_s * 1e3,
              versions.size());

  // --- PEP 440 versions (lib/pypi): the strings above that are valid PEP 440 ----------------
  {
    std::vector<std::string> pep440_texts;
    for (const auto& t : texts) {
      if (pypi::Version::parse(t).ok()) pep440_texts.push_back(t);
    }
    std::vector<pypi::Version> pep440;
    pep440.reserve(pep440_texts.size());
    double pypi_parse_s = seconds_per_pass([&] {
      pep440.clear();
      for (const auto& t : pep440_texts) pep440.push_back(pypi::Version::parse(t).value());
    });
    std::vector<spec::Version> conda_same;
    double conda_parse_s = seconds_per_pass([&] {
      conda_same.clear();
      for (const auto& t : pep440_texts) {
        auto v = spec::Version::parse(t);
        if (v.ok()) conda_same.push_back(std::move(v).value());
      }
    });
    std::printf("pep440: %zu of the version strings are valid PEP 440\n", pep440_texts.size());
    report("pep440 version parse",
           static_cast<double>(pep440_texts.size()),
           pypi_parse_s,
           "conda Version parse",
           conda_parse_s);
    std::vector<pypi::Version> pep440_sorted;
    double pypi_sort_s = seconds_per_pass([&] {
      pep440_sorted = pep440;
      std::sort(pep440_sorted.begin(), pep440_sorted.end());
    });
    std::vector<spec::Version> conda_sorted;
    double conda_sort_s = seconds_per_pass([&] {
      conda_sorted = conda_same;
      std::sort(conda_sorted.begin(), conda_sorted.end());
    });
    report("pep440 copy+sort (per version)",
           static_cast<double>(pep440.size()),
           pypi_sort_s,
           "conda Version copy+sort",
           conda_sort_s);
    auto spec = pypi::SpecifierSet::parse(">=1.2,!=1.5.*,<4").value();
    double contains_s = seconds_per_pass([&] {
      std::size_t n = 0;
      for (const auto& v : pep440) n += spec.contains(v) ? 1 : 0;
      g_sink = g_sink + n;
    });
    std::printf("%-34s %12.0f /s   (>=1.2,!=1.5.*,<4 against each version)\n",
                "pep440 specifier contains",
                static_cast<double>(pep440.size()) / contains_s);
    const char* requirement = "requests[security,socks]>=2.8.1,==2.8.*; python_version < \"3.8\"";
    double req_s = seconds_per_pass([&] {
      for (int k = 0; k < 1000; ++k)
        g_sink = g_sink + pypi::parse_requirement(requirement)->name.size();
    });
    std::printf("%-34s %12.0f /s   (%s)\n", "pep508 requirement parse", 1000 / req_s, requirement);
  }

  // --- repodata and its depends ---------------------------------------------------------------
  const std::string repodata_path = corpus + "/repodata/conda__r_linux-64.repodata.json";
  auto json = read_file(repodata_path);
  if (!json.ok()) {
    std::fprintf(stderr, "spec_bench: %s\n", json.error().to_string().c_str());
    return 2;
  }
  auto repo = spec::parse_repodata(*json, repodata_path);
  if (!repo.ok()) {
    std::fprintf(stderr, "spec_bench: %s\n", repo.error().to_string().c_str());
    return 2;
  }
  const double records = static_cast<double>(repo->records.size());
  double repodata_s = seconds_per_pass([&] {
    auto r = spec::parse_repodata(*json, repodata_path);
    g_sink = g_sink + r->records.size();
  });
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json->data(), json->size());
  double dom_s = seconds_per_pass([&] {
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc) == simdjson::SUCCESS) g_sink = g_sink + 1;
  });
  std::printf("repodata: %s, %.0f records, %.1f MB\n",
              repodata_path.c_str(),
              records,
              static_cast<double>(json->size()) / 1e6);
  report("repodata parse (records)", records, repodata_s, "simdjson DOM only", dom_s);

  std::vector<std::string> depends;
  for (const auto& r : repo->records) {
    depends.insert(depends.end(), r.depends.begin(), r.depends.end());
  }
  std::size_t failures = 0;
  double ms_s = seconds_per_pass([&] {
    failures = 0;
    for (const auto& d : depends) {
      auto m = spec::MatchSpec::parse(d);
      if (!m.ok()) ++failures;
      g_sink = g_sink + (m.ok() ? m->name.size() : 0);
    }
  });
  std::vector<std::string> dep_copies;
  dep_copies.reserve(depends.size());
  double dep_copy_s = seconds_per_pass([&] {
    dep_copies.clear();
    for (const auto& d : depends) dep_copies.emplace_back(d.data(), d.size());
  });
  std::printf("depends: %zu strings, %zu failed to parse\n", depends.size(), failures);
  report("matchspec parse (specs)",
         static_cast<double>(depends.size()),
         ms_s,
         "std::string copy",
         dep_copy_s);
  std::printf("%-34s %12.0f /s   (all depends of a record parsed into MatchSpecs)\n",
              "matchspec parse (records)",
              records / ms_s);
  return failures == 0 ? 0 : 1;
}
