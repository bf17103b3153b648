// Solves on real repodata from the corpus (pkgs/r, pkgs/main noarch, conda's index4 test index,
// the pytorch channel): every solution must be a valid environment, which check_lock verifies
// independently of libsolv (each spec and dependency met by our MatchSpec, no constraint
// broken, nothing installed that no spec needs).

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "lib/lock/check.h"
#include "lib/lock/virtual.h"
#include "lib/solve/solve.h"
#include "lib/testing/testing.h"
#include "lib/util/file.h"

namespace envlock::lock {
namespace {

struct Channel {
  std::string name;
  std::string url;
  std::vector<std::string> files;  // repodata.json or legacy {filename: record} dicts
};

// One repodata.json text per subdir for a channel; legacy dicts are wrapped and split by each
// record's `subdir` (records without one are dropped: they cannot be placed).
std::map<std::string, std::string> repodata_by_subdir(const Channel& channel) {
  std::map<std::string, nlohmann::json> by_subdir;
  for (const auto& file : channel.files) {
    auto text = read_file(testing::corpus_dir() + "/repodata/" + file);
    BOOST_REQUIRE_MESSAGE(text.ok(), file);
    auto j = nlohmann::json::parse(*text);
    std::vector<std::pair<std::string, nlohmann::json>> records;
    if (j.contains("packages")) {
      for (const char* key : {"packages", "packages.conda"})
        if (j.contains(key))
          for (auto& [fn, r] : j[key].items()) records.emplace_back(fn, r);
    } else {
      for (auto& [fn, r] : j.items()) records.emplace_back(fn, r);
    }
    std::string fallback = j.contains("info") ? j["info"].value("subdir", "") : "";
    for (auto& [fn, r] : records) {
      std::string subdir = r.value("subdir", fallback);
      if (subdir.empty()) continue;
      auto& repo = by_subdir[subdir];
      if (repo.is_null())
        repo = {{"info", {{"subdir", subdir}}},
                {"packages", nlohmann::json::object()},
                {"packages.conda", nlohmann::json::object()}};
      bool conda = fn.size() > 6 && fn.compare(fn.size() - 6, 6, ".conda") == 0;
      repo[conda ? "packages.conda" : "packages"][fn] = r;
    }
  }
  std::map<std::string, std::string> out;
  for (auto& [subdir, j] : by_subdir) out[subdir] = j.dump();
  return out;
}

struct Corpus {
  std::vector<Channel> channels;
  std::vector<std::string> texts;  // owns what the sources view
  std::vector<solve::RepodataSource> sources;

  explicit Corpus(std::vector<Channel> cs) : channels(std::move(cs)) {
    texts.reserve(channels.size() * 2);
    for (const auto& c : channels) {
      for (auto& [subdir, text] : repodata_by_subdir(c)) {
        if (subdir != "linux-64" && subdir != "noarch") continue;
        texts.push_back(std::move(text));
        sources.push_back({c.name, c.url, subdir, texts.back(), c.name + "/" + subdir});
      }
    }
  }
};

// pkgs/r, then pkgs/main (its complete noarch repodata and the main/linux-64 records of conda's
// index4 test index, which also holds the r and conda-forge records those depend on).
Corpus& r_corpus() {
  static Corpus corpus(
      {{"pkgs/r", "https://repo.anaconda.com/pkgs/r", {"conda__r_linux-64.repodata.json"}},
       {"pkgs/main",
        "https://repo.anaconda.com/pkgs/main",
        {"conda__main_noarch.repodata.json", "conda__index4.legacy-dict.json"}}});
  return corpus;
}

// The pytorch channel first, then index4 and pkgs/main noarch for python, numpy, mkl, ...
Corpus& pytorch_corpus() {
  static Corpus corpus({{"pytorch",
                         "https://conda.anaconda.org/pytorch",
                         {"rattler__pytorch_linux-64.repodata.json"}},
                        {"pkgs/main",
                         "https://repo.anaconda.com/pkgs/main",
                         {"conda__main_noarch.repodata.json", "conda__index4.legacy-dict.json"}}});
  return corpus;
}

struct Case {
  const char* label;
  Corpus& (*corpus)();
  std::vector<std::string> specs;
  std::map<std::string, std::string> expect;  // name → version prefix the solution must have
};

// Solves `c` and checks the solution with check_lock; returns the solution.
std::vector<spec::PackageRecord> solve_and_check(const Case& c) {
  Corpus& corpus = c.corpus();
  solve::Request request;
  for (const auto& s : c.specs) request.specs.push_back(spec::MatchSpec::parse(s).value());
  auto virtuals = virtual_packages({}, nullptr).value();
  for (const auto& vp : virtual_packages_for(virtuals, "linux-64"))
    request.virtual_packages.push_back({vp.name, vp.version, vp.build_string});
  auto start = std::chrono::steady_clock::now();
  auto outcome = solve::solve(corpus.sources, request);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  BOOST_REQUIRE(outcome.ok());
  if (auto* unsat = std::get_if<solve::Unsatisfiable>(&*outcome)) {
    std::string text;
    for (const auto& p : unsat->problems) text += p + "\n";
    BOOST_FAIL(std::string(c.label) + " is unsatisfiable:\n" + text);
  }
  const auto& solution = std::get<solve::Solution>(*outcome).packages;
  BOOST_TEST_MESSAGE(c.label << ": " << solution.size() << " packages in " << ms.count() << " ms");

  lockfile::Lock lock;
  lock.metadata.platforms = {"linux-64"};
  for (const auto& ch : corpus.channels) lock.metadata.channels.push_back({ch.name, {}});
  auto& packages = lock.environments[lockfile::k_default_environment].packages["linux-64"];
  for (const auto& r : solution) packages.push_back(locked_of(r, "linux-64"));
  CheckInput input;
  input.platforms = {"linux-64"};
  input.channels = lock.metadata.channels;
  input.specs["linux-64"] = request.specs;
  input.virtual_packages = virtuals;
  auto findings = check_lock(lock, input);
  std::string text;
  for (const auto& f : findings) text += f.code + ": " + f.message + "\n";
  BOOST_TEST(text == "", c.label << " solution is not valid:\n" << text);

  std::map<std::string, const spec::PackageRecord*> by_name;
  for (const auto& r : solution) {
    BOOST_TEST(by_name.emplace(r.name, &r).second, c.label << ": " << r.name << " twice");
    std::string base;
    for (const auto& ch : corpus.channels)
      if (ch.name == r.channel) base = ch.url + "/" + r.subdir + "/";
    BOOST_TEST((!base.empty() && r.url.rfind(base, 0) == 0u), r.url << " in " << r.channel);
    BOOST_TEST(r.md5.size() == 32u, r.name);
  }
  for (const auto& [name, prefix] : c.expect) {
    auto it = by_name.find(name);
    BOOST_TEST_REQUIRE((it != by_name.end()), c.label << " has no " << name);
    BOOST_TEST(it->second->version.rfind(prefix, 0) == 0u,
               c.label << ": " << name << " " << it->second->version << " is not " << prefix);
  }
  return solution;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(corpus_solves)

BOOST_AUTO_TEST_CASE(solutions_are_valid_environments) {
  // Expected versions are what both we and the rattler/resolvo peer pick (bench/solve_compare).
  std::vector<Case> cases = {
      {"r-base", r_corpus, {"r-base"}, {{"r-base", "3.5.0"}, {"libgcc-ng", "8.2"}}},
      {"r-base 3.4", r_corpus, {"r-base 3.4.*"}, {{"r-base", "3.4.3"}}},
      {"r-essentials", r_corpus, {"r-essentials"}, {{"r-essentials", "3.5.0"}}},
      {"r-tidyverse", r_corpus, {"r-tidyverse"}, {{"r-tidyverse", "1.2.1"}}},
      {"r-shiny r-devtools", r_corpus, {"r-shiny", "r-devtools"}, {}},
      {"r-caret r-base<3.5", r_corpus, {"r-caret", "r-base <3.5"}, {{"r-base", "3.4."}}},
      {"r-irkernel", r_corpus, {"r-irkernel"}, {{"r-irkernel", "0.8.11"}}},
      {"pytorch-cpu", pytorch_corpus, {"pytorch-cpu"}, {{"python", "3.6"}}},
      {"python", r_corpus, {"python"}, {{"python", "3.7.0"}, {"openssl", "1.0.2p"}}},
      {"python 2.7 numpy", r_corpus, {"python 2.7.*", "numpy"}, {{"numpy", "1.15.0"}}},
      {"scipy pandas", r_corpus, {"scipy", "pandas"}, {}},
      {"jupyter", r_corpus, {"jupyter"}, {}},
      {"conda", r_corpus, {"conda"}, {{"conda", "4.5.10"}}},
      {"python 3.6 flask requests",
       r_corpus,
       {"python 3.6.*", "flask", "requests >=2.18"},
       {{"python", "3.6"}}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.label) {
      solve_and_check(c);
    }
  }
}

// The pytorch channel needs cudatoolkit, ninja, dataclasses, ... that no corpus file has: the
// solve must fail and say why, as the peer does, not return a broken environment.
BOOST_AUTO_TEST_CASE(pytorch_without_its_dependencies_is_unsatisfiable) {
  solve::Request request;
  request.specs.push_back(spec::MatchSpec::parse("pytorch").value());
  request.virtual_packages = {{"__glibc", "2.28", "0"}, {"__unix", "0", "0"}};
  auto outcome = solve::solve(pytorch_corpus().sources, request);
  BOOST_REQUIRE(outcome.ok());
  BOOST_REQUIRE(std::holds_alternative<solve::Unsatisfiable>(*outcome));
  std::string text;
  for (const auto& p : std::get<solve::Unsatisfiable>(*outcome).problems) text += p + "\n";
  BOOST_TEST(text.find("requested pytorch") != std::string::npos, text);
  BOOST_TEST(text.find("nothing provides") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::lock
