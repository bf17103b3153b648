// Reads any supported lock and prints it as conda-lock v1 (default) or as an @EXPLICIT file.
//   roundtrip_tool LOCK                      conda-lock v1 of the "default" (or only) environment
//   roundtrip_tool LOCK --env NAME           another environment of a pixi.lock
//   roundtrip_tool LOCK --explicit PLATFORM  @EXPLICIT for one platform
//   roundtrip_tool LOCK --summary            format, environments, platforms, package counts
//   roundtrip_tool LOCK --content-hash       recompute content_hash from metadata.sources
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "lib/lockfile/content_hash.h"
#include "lib/lockfile/lockfile.h"
#include "lib/util/file.h"

namespace lf = envlock::lockfile;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: roundtrip_tool LOCK [--env NAME] [--explicit PLATFORM] [--summary]\n";
    return 2;
  }
  std::string env = lf::k_default_environment;
  std::string explicit_platform;
  bool summary = false;
  bool content_hash = false;
  std::string cuda = "11.4";
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--env" && i + 1 < argc)
      env = argv[++i];
    else if (a == "--explicit" && i + 1 < argc)
      explicit_platform = argv[++i];
    else if (a == "--summary")
      summary = true;
    else if (a == "--content-hash")
      content_hash = true;
    else if (a == "--cuda" && i + 1 < argc)
      cuda = argv[++i];
  }
  auto lock = lf::read_lock(argv[1]);
  if (!lock.ok()) {
    std::cerr << "roundtrip_tool: error: " << lock.error().to_string() << "\n";
    return 2;
  }
  if (content_hash) {
    std::string dir = argv[1];
    dir = dir.find('/') == std::string::npos ? "." : dir.substr(0, dir.rfind('/'));
    std::vector<lf::EnvironmentSource> sources;
    for (const auto& src : lock->metadata.sources) {
      auto text = envlock::read_file(src.rfind('/', 0) == 0 ? src : dir + "/" + src);
      if (!text.ok()) {
        std::cerr << "roundtrip_tool: error: " << text.error().to_string() << "\n";
        return 2;
      }
      sources.push_back({src, *text});
    }
    auto input = lf::content_hash_input_from_environments(sources, lock->metadata.platforms);
    if (!input.ok()) {
      std::cerr << "roundtrip_tool: error: " << input.error().to_string() << "\n";
      return 2;
    }
    input->virtual_packages = lf::default_virtual_packages(cuda);
    int bad = 0;
    for (const auto& platform : lock->metadata.platforms) {
      std::string stored = lock->metadata.content_hash.count(platform)
                               ? lock->metadata.content_hash.at(platform)
                               : "";
      auto accepted = lf::accepted_content_hashes(*input, platform);
      bool ok = accepted.count(stored) > 0;
      bad += !ok;
      std::cout << platform << " " << (ok ? "match" : "MISMATCH") << " "
                << lf::content_hash(*input, platform) << "\n";
      if (!ok && std::getenv("ROUNDTRIP_DUMP"))
        std::cout << lf::content_hash_json(*input, platform) << "\n";
    }
    return bad ? 1 : 0;
  }
  if (summary) {
    std::cout << lf::to_string(lock->source_format) << " packages=" << lock->package_count()
              << "\n";
    for (const auto& [name, e] : lock->environments) {
      for (const auto& [platform, pkgs] : e.packages) {
        std::cout << "  " << name << " " << platform << " " << pkgs.size() << "\n";
      }
    }
    return 0;
  }
  if (!explicit_platform.empty()) {
    std::cout << lf::write_explicit(*lock, env, explicit_platform);
    return 0;
  }
  lf::WriteOptions options;
  options.environment = env;
  std::cout << lf::write_conda_lock_v1(*lock, options);
  return 0;
}
