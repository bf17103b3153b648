// solve_compare: our libsolv solve on local repodata files, printed like the peers' solve.mjs
// (one JSON object per package, then a summary line), so bench/solve_compare.py can compare
// the two on the same inputs.
//
//   solve_compare --repodata CHANNEL/SUBDIR=PATH [...] [--virtual __glibc=2.28,__unix]
//                 [--channel-priority strict|disabled] [--repeat N] SPEC...
//
// PATH is a plain repodata.json (the driver converts legacy dicts). solve_ms covers parsing
// the JSON into libsolv and the solve, as the peers' does; no .solv cache is used.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lib/solve/solve.h"
#include "lib/spec/match_spec.h"
#include "lib/util/file.h"

namespace {

using envlock::solve::RepodataSource;

int usage(const std::string& why) {
  std::cerr << "solve_compare: " << why
            << "\nusage: solve_compare --repodata CHANNEL/SUBDIR=PATH [...] [--virtual V,...] "
               "[--channel-priority strict|disabled] [--repeat N] SPEC...\n";
  return 2;
}

std::string channel_url(const std::string& channel) {
  if (channel.find("://") != std::string::npos) return channel;
  if (channel.rfind("pkgs/", 0) == 0) return "https://repo.anaconda.com/" + channel;
  return "https://conda.anaconda.org/" + channel;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> texts;
  std::vector<RepodataSource> sources;
  envlock::solve::Request request;
  int repeat = 1;
  texts.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string { return i + 1 < args.size() ? args[++i] : ""; };
    if (a == "--repodata") {
      std::string v = value();
      auto eq = v.find('=');
      auto slash = v.rfind('/', eq);
      if (eq == std::string::npos || slash == std::string::npos)
        return usage("bad --repodata " + v);
      auto text = envlock::read_file(v.substr(eq + 1));
      if (!text.ok()) return usage(text.error().message);
      texts.push_back(std::move(*text));
      std::string channel = v.substr(0, slash);
      sources.push_back({channel,
                         channel_url(channel),
                         v.substr(slash + 1, eq - slash - 1),
                         texts.back(),
                         v.substr(eq + 1),
                         texts.back().capacity() - texts.back().size()});
    } else if (a == "--virtual") {
      std::string list = value();
      size_t start = 0;
      while (start < list.size()) {
        size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        std::string item = list.substr(start, end - start);
        start = end + 1;
        envlock::solve::VirtualPackage vp;
        auto e1 = item.find('=');
        vp.name = item.substr(0, e1);
        vp.version = "0";
        if (e1 != std::string::npos) {
          auto e2 = item.find('=', e1 + 1);
          vp.version = item.substr(e1 + 1, e2 == std::string::npos ? e2 : e2 - e1 - 1);
          if (e2 != std::string::npos) vp.build = item.substr(e2 + 1);
        }
        request.virtual_packages.push_back(vp);
      }
    } else if (a == "--channel-priority") {
      std::string v = value();
      request.channel_priority = v == "disabled" ? envlock::solve::ChannelPriority::disabled
                                                 : envlock::solve::ChannelPriority::strict;
    } else if (a == "--repeat") {
      repeat = std::max(1, std::atoi(value().c_str()));
    } else if (a.rfind("--", 0) == 0) {
      return usage("unknown option " + a);
    } else {
      auto ms = envlock::spec::MatchSpec::parse(a);
      if (!ms.ok()) return usage(ms.error().message);
      request.specs.push_back(*ms);
    }
  }
  if (sources.empty() || request.specs.empty()) return usage("need --repodata and a SPEC");

  std::vector<double> times;
  envlock::Result<envlock::solve::Outcome> outcome = envlock::solve::Outcome{};
  for (int r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    outcome = envlock::solve::solve(sources, request);
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  nlohmann::ordered_json summary = {{"_meta", "summary"}, {"peer", "envlock-libsolv"}};
  summary["solve_ms"] = times.front();
  summary["solve_ms_min"] = *std::min_element(times.begin(), times.end());
  if (!outcome.ok()) {
    summary["ok"] = false;
    summary["error"] = outcome.error().message;
    std::cout << summary.dump() << "\n";
    return 1;
  }
  if (auto* unsat = std::get_if<envlock::solve::Unsatisfiable>(&*outcome)) {
    summary["ok"] = false;
    std::string text;
    for (const auto& p : unsat->problems) text += p + "\n";
    summary["error"] = text;
    std::cout << summary.dump() << "\n";
    return 1;
  }
  const auto& packages = std::get<envlock::solve::Solution>(*outcome).packages;
  for (const auto& p : packages) {
    nlohmann::ordered_json j = {{"name", p.name},
                                {"version", p.version},
                                {"build", p.build},
                                {"build_number", p.build_number},
                                {"channel", p.channel},
                                {"subdir", p.subdir},
                                {"filename", p.fn},
                                {"timestamp", p.timestamp},
                                {"depends", p.depends}};
    std::cout << j.dump() << "\n";
  }
  summary["ok"] = true;
  summary["n_packages"] = packages.size();
  std::cout << summary.dump() << "\n";
  return 0;
}
