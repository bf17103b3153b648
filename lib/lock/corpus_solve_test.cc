// Solves on real repodata from the corpus (pkgs/r, pkgs/main noarch, conda's index4 test index,
// the pytorch channel): every solution must be a valid environment, which check_lock verifies
// independently of libsolv (each spec and dependency met by our MatchSpec, no constraint
// broken, nothing installed that no spec needs).

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

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

// pkgs/main alone: its complete noarch repodata and the main/linux-64 records of index4.
Corpus& main_corpus() {
  static Corpus corpus({{"pkgs/main",
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
  BOOST_TEST(text.find("which no channel provides") != std::string::npos, text);
  BOOST_TEST(text.find("need cudatoolkit (") != std::string::npos, text);
}

// Solutions agree build for build with the rattler/resolvo peer's, stored by
// bench/peer_answers.py in testdata/peer_solves/rattler.json, except where conda's rules differ
// from rattler's; each such package is listed below with our (conda's) answer.
BOOST_AUTO_TEST_CASE(solutions_match_the_rattler_peer_build_for_build) {
  // label -> name -> our answer ("-" when we install no such package).
  const std::map<std::string, std::map<std::string, std::string>> conda_differs = {
      // conda's legacy `features:` rule: scipy's py37_nomkl build has `features: nomkl`, which
      // needs the feature tracked (penalised as track_features are), and numpy-base's openblas
      // builds need `blas 1.0 openblas` (track_features nomkl); conda takes the mkl builds,
      // rattler ignores `features` and takes the newer nomkl scipy.
      {"scipy pandas",
       {{"blas", "1.0 mkl"},
        {"intel-openmp", "2018.0.3 0"},
        {"libopenblas", "-"},
        {"mkl", "2018.0.3 1"},
        {"mkl_fft", "1.0.4 py37h4414c95_1"},
        {"mkl_random", "1.0.1 py37h4414c95_1"},
        {"numpy", "1.15.0 py37h1b885b7_0"},
        {"numpy-base", "1.15.0 py37h3dfced4_0"},
        {"scipy", "1.1.0 py37hc49cb51_0"}}},
      // conda minimises the environment's track_features right after the requested versions:
      // r-base 3.5.0 needs `blas 1.0 openblas` (track_features nomkl) and mro-base does not, so
      // conda takes r-tidyverse's mro build; rattler compares features only between builds of
      // one name and takes the newer r build.
      {"r-tidyverse",
       {{"_r-mutex", "1.0.0 mro_2"},
        {"blas", "-"},
        {"bwidget", "-"},
        {"bzip2", "-"},
        {"gsl", "-"},
        {"jpeg", "-"},
        {"krb5", "-"},
        {"libedit", "-"},
        {"libopenblas", "-"},
        {"libtiff", "-"},
        {"mro-base", "3.5.0 h1c2f66e_0"},
        {"ncurses", "-"},
        {"r-assertthat", "0.2.0 mro350h576908c_0"},
        {"r-backports", "1.1.2 mro350hbc2858b_0"},
        {"r-base", "-"},
        {"r-base64enc", "0.1_3 mro350hbc2858b_0"},
        {"r-bh", "1.66.0_1 mro350h576908c_0"},
        {"r-bindr", "0.1.1 mro350h576908c_0"},
        {"r-bindrcpp", "0.2.2 mro350hc05d2f9_0"},
        {"r-broom", "0.4.4 mro350h576908c_0"},
        {"r-callr", "2.0.4 mro350h576908c_0"},
        {"r-cellranger", "1.1.0 mro350h576908c_0"},
        {"r-cli", "1.0.0 mro350h576908c_0"},
        {"r-colorspace", "1.3_2 mro350hbc2858b_0"},
        {"r-crayon", "1.3.4 mro350h576908c_0"},
        {"r-curl", "3.2 mro350_0"},
        {"r-dbi", "1.0.0 mro350h576908c_0"},
        {"r-dbplyr", "1.2.1 mro350h576908c_0"},
        {"r-debugme", "-"},
        {"r-dichromat", "2.0_0 mro350h576908c_0"},
        {"r-digest", "0.6.15 mro350hbc2858b_0"},
        {"r-dplyr", "0.7.5 mro350hc05d2f9_0"},
        {"r-evaluate", "0.10.1 mro350h576908c_0"},
        {"r-forcats", "0.3.0 mro350h576908c_0"},
        {"r-foreign", "0.8_70 mro350_0"},
        {"r-ggplot2", "2.2.1 mro350h576908c_0"},
        {"r-glue", "1.2.0 mro350hbc2858b_0"},
        {"r-gtable", "0.2.0 mro350h576908c_0"},
        {"r-haven", "1.1.1 mro350hc05d2f9_0"},
        {"r-highr", "0.6 mro350h576908c_0"},
        {"r-hms", "0.4.2 mro350h576908c_0"},
        {"r-htmltools", "0.3.6 mro350hc05d2f9_0"},
        {"r-httr", "1.3.1 mro350h576908c_0"},
        {"r-jsonlite", "1.5 mro350_0"},
        {"r-knitr", "1.20 mro350h576908c_0"},
        {"r-labeling", "0.3 mro350h576908c_0"},
        {"r-lattice", "0.20_35 mro350_0"},
        {"r-lazyeval", "0.2.1 mro350hbc2858b_0"},
        {"r-lubridate", "1.7.4 mro350hc05d2f9_0"},
        {"r-magrittr", "1.5 mro350h576908c_0"},
        {"r-markdown", "0.8 mro350hbc2858b_0"},
        {"r-mass", "7.3_49 mro350_0"},
        {"r-mime", "0.5 mro350hbc2858b_0"},
        {"r-mnormt", "1.5_5 mro350h8fdc95c_0"},
        {"r-modelr", "0.1.2 mro350h576908c_0"},
        {"r-munsell", "0.4.3 mro350h576908c_0"},
        {"r-nlme", "3.1_137 mro350_0"},
        {"r-openssl", "1.0.1 mro350hbc2858b_0"},
        {"r-pillar", "1.2.3 mro350h576908c_0"},
        {"r-pkgconfig", "2.0.1 mro350h576908c_0"},
        {"r-plogr", "0.2.0 mro350h576908c_0"},
        {"r-plyr", "1.8.4 mro350hc05d2f9_0"},
        {"r-praise", "1.0.0 mro350h576908c_0"},
        {"r-processx", "3.1.0 mro350hc05d2f9_0"},
        {"r-psych", "1.8.4 mro350h576908c_0"},
        {"r-purrr", "0.2.4 mro350hbc2858b_0"},
        {"r-r6", "2.2.2 mro350_0"},
        {"r-rcolorbrewer", "1.1_2 mro350h576908c_0"},
        {"r-rcpp", "0.12.17 mro350hc05d2f9_0"},
        {"r-readr", "1.1.1 mro350hc05d2f9_0"},
        {"r-readxl", "1.1.0 mro350hc05d2f9_0"},
        {"r-rematch", "1.0.1 mro350h576908c_0"},
        {"r-reprex", "0.1.2 mro350h576908c_0"},
        {"r-reshape2", "1.4.3 mro350hc05d2f9_0"},
        {"r-rlang", "0.2.0 mro350hbc2858b_0"},
        {"r-rmarkdown", "1.9 mro350h576908c_0"},
        {"r-rprojroot", "1.3_2 mro350h576908c_0"},
        {"r-rstudioapi", "0.7 mro350h576908c_0"},
        {"r-rvest", "0.3.2 mro350h576908c_0"},
        {"r-scales", "0.5.0 mro350hc05d2f9_0"},
        {"r-selectr", "0.4_1 mro350h576908c_0"},
        {"r-stringi", "1.1.7 mro350hc05d2f9_0"},
        {"r-stringr", "1.3.1 mro350h576908c_0"},
        {"r-testthat", "2.0.0 mro350hc05d2f9_0"},
        {"r-tibble", "1.4.2 mro350hbc2858b_0"},
        {"r-tidyr", "0.8.1 mro350hc05d2f9_0"},
        {"r-tidyselect", "0.2.4 mro350hc05d2f9_0"},
        {"r-tidyverse", "1.2.1 mro350h576908c_0"},
        {"r-utf8", "1.1.4 mro350hbc2858b_0"},
        {"r-viridislite", "0.3.0 mro350h576908c_0"},
        {"r-whisker", "0.3_2 mro350h576908c_0"},
        {"r-withr", "2.1.2 mro350h576908c_0"},
        {"r-xml2", "1.2.0 mro350hc05d2f9_0"},
        {"r-yaml", "2.1.19 mro350hbc2858b_0"},
        {"readline", "-"},
        {"tk", "-"},
        {"tktable", "-"}}},
  };
  auto stored = nlohmann::json::parse(
      testing::read_text(testing::workspace_dir() + "/testdata/peer_solves/rattler.json"));
  std::vector<solve::VirtualPackage> virtuals;
  auto split = [](const std::string& text, char sep) {
    std::vector<std::string> out(1);
    for (char ch : text) {
      if (ch == sep)
        out.emplace_back();
      else
        out.back().push_back(ch);
    }
    return out;
  };
  for (const auto& item : split(stored["virtual"].get<std::string>(), ',')) {
    auto parts = split(item, '=');
    parts.resize(3);
    virtuals.push_back({parts[0], parts[1], parts[2]});
  }
  size_t compared = 0;
  for (const auto& c : stored["cases"]) {
    std::string label = c["label"];
    BOOST_TEST_CONTEXT(label) {
      std::string channels = c["channels"];
      Corpus& corpus = channels == "r"         ? r_corpus()
                       : channels == "pytorch" ? pytorch_corpus()
                                               : main_corpus();
      solve::Request request;
      for (const auto& s : c["specs"])
        request.specs.push_back(spec::MatchSpec::parse(s.get<std::string>()).value());
      request.virtual_packages = virtuals;
      auto outcome = solve::solve(corpus.sources, request);
      BOOST_REQUIRE(outcome.ok());
      BOOST_REQUIRE(std::holds_alternative<solve::Solution>(*outcome) !=
                    c.contains("unsatisfiable"));
      if (c.contains("unsatisfiable")) continue;
      std::map<std::string, std::string> ours, peer;
      for (const auto& r : std::get<solve::Solution>(*outcome).packages)
        ours[r.name] = r.version + " " + r.build;
      for (const auto& [name, build] : c["packages"].items()) peer[name] = build;
      auto differs = conda_differs.find(label);
      std::set<std::string> names;
      for (const auto& [name, _] : ours) names.insert(name);
      for (const auto& [name, _] : peer) names.insert(name);
      for (const auto& name : names) {
        std::string a = ours.count(name) ? ours[name] : "-";
        std::string b = peer.count(name) ? peer[name] : "-";
        if (differs != conda_differs.end() && differs->second.count(name)) {
          BOOST_TEST(a == differs->second.at(name), name << ": ours " << a << ", peer " << b);
          BOOST_TEST(a != b, name << " no longer differs from the peer: " << a);
        } else {
          BOOST_TEST(a == b, name << ": ours " << a << ", peer " << b);
        }
      }
      ++compared;
    }
  }
  BOOST_TEST(compared >= 12u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::lock
