// Real archives from the corpus: metadata, extraction, both formats of one package.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "lib/hash/hash.h"
#include "lib/package/package.h"
#include "lib/testing/testing.h"

namespace fs = std::filesystem;

namespace envlock::package {
namespace {

std::string packages_dir() {
  return envlock::testing::corpus_dir() + "/packages";
}

// Every real archive in the corpus except the deliberate negative samples.
std::vector<std::string> corpus_archives() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(packages_dir())) {
    std::string path = e.path().string();
    if (!e.is_regular_file() || !archive_format_of(path)) continue;
    if (path.find("/malformed/") != std::string::npos) continue;
    out.push_back(path);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const ExtractedEntry* find_entry(const ExtractedPackage& pkg, const std::string& path) {
  for (const auto& e : pkg.entries) {
    if (e.path == path) return &e;
  }
  return nullptr;
}

BOOST_AUTO_TEST_CASE(every_corpus_archive_extracts_and_matches_its_paths_json) {
  auto archives = corpus_archives();
  BOOST_TEST(archives.size() >= 100u);
  envlock::testing::TempDir tmp;
  int checked_files = 0, with_paths_json = 0, info_only = 0, n = 0, skipped_links = 0;
  for (const auto& archive : archives) {
    BOOST_TEST_CONTEXT(archive) {
      auto info = read_package_info(archive);
      BOOST_TEST_REQUIRE(info.ok(), (info.ok() ? "" : info.error().to_string()));
      BOOST_TEST(!info->index.name.empty());
      std::string dest = tmp / ("pkg" + std::to_string(n++));
      auto extracted = extract_package(archive, dest);
      BOOST_TEST_REQUIRE(extracted.ok(), (extracted.ok() ? "" : extracted.error().to_string()));
      if ((archive.find("/conda_format_repo/linux-64/") != std::string::npos ||
           archive.find("/conda_format_repo/osx-64/") != std::string::npos) &&
          archive_format_of(archive) == ArchiveFormat::conda) {
        // conda's conda_format_repo .conda files lost their link targets in conversion:
        // symlinks to "", which no file system can hold: not created, named.
        BOOST_TEST(extracted->skipped_empty_links.size() == 2u);
      } else {
        BOOST_TEST(extracted->skipped_empty_links.empty());
      }
      for (const auto& link : extracted->skipped_empty_links) {
        ++skipped_links;
        BOOST_TEST(!fs::exists(fs::symlink_status(dest + "/" + link)), link);
        BOOST_TEST(find_entry(*extracted, link) == nullptr, link);
      }
      BOOST_TEST(fs::is_regular_file(dest + "/info/index.json"));
      // The folder's own metadata reads back the same.
      auto from_dir = read_package_info_dir(dest);
      BOOST_TEST_REQUIRE(from_dir.ok());
      BOOST_TEST(from_dir->paths.size() == info->paths.size());
      BOOST_TEST(from_dir->index.build == info->index.build);
      if (info->paths_source == PathsSource::paths_json) ++with_paths_json;
      if (info->paths_source != PathsSource::paths_json) continue;  // checked below
      bool has_payload = std::any_of(
          extracted->entries.begin(), extracted->entries.end(), [](const ExtractedEntry& e) {
            return e.path.rfind("info", 0) != 0;
          });
      if (!has_payload && !info->paths.empty()) {
        // conda-index keeps info-only copies of packages as test data; nothing else may lack
        // its payload.
        BOOST_TEST(archive.find("/conda-index/") != std::string::npos);
        ++info_only;
        continue;
      }
      for (const auto& p : info->paths) {
        BOOST_TEST_CONTEXT(p.path) {
          const ExtractedEntry* e = find_entry(*extracted, p.path);
          const auto& skipped = extracted->skipped_empty_links;
          if (std::find(skipped.begin(), skipped.end(), p.path) != skipped.end()) {
            BOOST_TEST((p.path_type == PathType::softlink));
            continue;
          }
          BOOST_TEST_REQUIRE(e != nullptr);
          if (p.path_type == PathType::softlink) {
            if (e->type == PathType::softlink) {
              BOOST_TEST(fs::is_symlink(dest + "/" + p.path));
            } else {
              // conda's conda_format_repo test packages lost their link targets in
              // conversion: the .tar.bz2 holds an empty file there.
              BOOST_TEST(archive.find("/conda_format_repo/") != std::string::npos);
              BOOST_TEST(e->size == 0u);
            }
          } else if (p.path_type == PathType::hardlink) {
            BOOST_TEST((e->type == PathType::hardlink));
            BOOST_TEST(fs::file_size(dest + "/" + p.path) == e->size);
            if (p.size_in_bytes) BOOST_TEST(e->size == *p.size_in_bytes);
            if (!p.sha256.empty()) {
              BOOST_TEST(e->sha256 == p.sha256);
              ++checked_files;
            } else {
              // Only rattler's generated sparse-test omits hashes.
              BOOST_TEST(archive.find("/sparse/") != std::string::npos);
            }
          }
        }
      }
    }
  }
  BOOST_TEST(with_paths_json >= 80);
  BOOST_TEST(info_only <= 5);
  BOOST_TEST(checked_files >= 100);
  BOOST_TEST(skipped_links == 4);
}

using TreeItem = std::tuple<std::string, int, std::string, std::string>;

std::vector<TreeItem> tree_of(const ExtractedPackage& pkg) {
  std::vector<TreeItem> out;
  for (const auto& e : pkg.entries) {
    out.emplace_back(e.path,
                     static_cast<int>(e.type),
                     e.sha256,
                     e.type == PathType::softlink ? e.link_target : "");
  }
  std::sort(out.begin(), out.end());
  return out;
}

BOOST_AUTO_TEST_CASE(both_formats_of_a_package_extract_to_identical_trees) {
  const std::vector<std::string> stems = {
      "conda_format_repo/linux-64/zlib-1.2.11-h7b6447c_3",
      "conda_format_repo/osx-64/zlib-1.2.11-h1de35cc_3",
      "conda_format_repo/win-32/zlib-1.2.11-h62dcd97_3",
      "conda_format_repo/win-64/zlib-1.2.11-h62dcd97_3",
      "cph/mock-2.0.0-py37_1000",
      "conda-index/archives/conda-index-pkg-a-1.0-py27h5e241af_0",
      "conda-index/index_hotfix_pkgs/osx-64/revoke_test-1.0-0",
  };
  envlock::testing::TempDir tmp;
  int n = 0;
  for (const auto& stem : stems) {
    BOOST_TEST_CONTEXT(stem) {
      std::string base = packages_dir() + "/" + stem;
      auto a = extract_package(base + ".conda", tmp / ("a" + std::to_string(n)));
      auto b = extract_package(base + ".tar.bz2", tmp / ("b" + std::to_string(n)));
      ++n;
      BOOST_TEST_REQUIRE(a.ok(), (a.ok() ? "" : a.error().to_string()));
      BOOST_TEST_REQUIRE(b.ok(), (b.ok() ? "" : b.error().to_string()));
      auto ta = tree_of(*a), tb = tree_of(*b);
      BOOST_TEST(ta.size() > 3u);
      BOOST_TEST(b->skipped_empty_links.empty());
      // Where the .conda holds a link to "" (skipped), the .tar.bz2 holds an empty file.
      for (const auto& link : a->skipped_empty_links) {
        auto it = std::find_if(
            tb.begin(), tb.end(), [&](const TreeItem& t) { return std::get<0>(t) == link; });
        BOOST_TEST_REQUIRE((it != tb.end()), link);
        BOOST_TEST(std::get<1>(*it) == static_cast<int>(PathType::hardlink));
        BOOST_TEST(std::get<2>(*it) == hash::hex_digest(hash::Algorithm::sha256, ""));
        tb.erase(it);
      }
      BOOST_TEST(a->skipped_empty_links.size() ==
                 (stem.find("/win-") == std::string::npos && stem.find("zlib") != std::string::npos
                      ? 2u
                      : 0u));
      BOOST_TEST((ta == tb));
      auto ia = read_package_info(base + ".conda");
      auto ib = read_package_info(base + ".tar.bz2");
      BOOST_TEST_REQUIRE(ia.ok());
      BOOST_TEST_REQUIRE(ib.ok());
      BOOST_TEST((ia->format == ArchiveFormat::conda));
      BOOST_TEST((ib->format == ArchiveFormat::tar_bz2));
      BOOST_TEST(ia->index.depends == ib->index.depends);
      BOOST_TEST(ia->paths.size() == ib->paths.size());
    }
  }
}

BOOST_AUTO_TEST_CASE(legacy_packages_list_their_paths_from_info_files) {
  struct Case {
    std::string file;
    std::string name;
    std::string noarch;
    size_t min_paths;
  };
  const std::vector<Case> cases = {
      {"flask-0.11.1-py_0.tar.bz2", "flask", "python", 10},
      {"fly-2.5.2-0.tar.bz2", "fly", "", 1},
      {"nano-2.4.1-0.tar.bz2", "nano", "", 10},
  };
  envlock::testing::TempDir tmp;
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.file) {
      std::string archive = packages_dir() + "/conda-index/archives/" + c.file;
      auto info = read_package_info(archive);
      BOOST_TEST_REQUIRE(info.ok(), (info.ok() ? "" : info.error().to_string()));
      BOOST_TEST((info->paths_source == PathsSource::legacy_files));
      BOOST_TEST(info->index.name == c.name);
      BOOST_TEST(info->index.noarch == c.noarch);
      BOOST_TEST(info->paths.size() >= c.min_paths);
      auto extracted = extract_package(archive, tmp / c.name);
      BOOST_TEST_REQUIRE(extracted.ok());
      // These test archives carry only info/ (the payload was stripped upstream): the path
      // list must be exactly the lines of info/files.
      std::ifstream files(tmp / (c.name + "/info/files"));
      std::vector<std::string> lines;
      for (std::string line; std::getline(files, line);) {
        if (!line.empty()) lines.push_back(line);
      }
      BOOST_TEST_REQUIRE(lines.size() == info->paths.size());
      for (size_t i = 0; i < lines.size(); ++i) {
        BOOST_TEST(info->paths[i].path == lines[i]);
        BOOST_TEST(info->paths[i].sha256.empty());
        BOOST_TEST(!info->paths[i].size_in_bytes.has_value());
        BOOST_TEST((info->paths[i].path_type == PathType::hardlink));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(text_and_binary_prefix_placeholders_are_read) {
  auto osx =
      read_package_info(packages_dir() + "/conda_format_repo/osx-64/zlib-1.2.11-h1de35cc_3.conda");
  BOOST_TEST_REQUIRE(osx.ok());
  int text = 0, binary = 0;
  for (const auto& p : osx->paths) {
    if (p.prefix_placeholder.empty()) {
      BOOST_TEST(!p.file_mode.has_value());
      continue;
    }
    BOOST_TEST_REQUIRE(p.file_mode.has_value());
    (*p.file_mode == FileMode::text ? text : binary)++;
    if (*p.file_mode == FileMode::binary) {
      BOOST_TEST(p.prefix_placeholder.find("_h_env_placehold") != std::string::npos);
    }
  }
  BOOST_TEST(binary == 3);
  BOOST_TEST(text == 1);

  auto pkg_a = read_package_info(
      packages_dir() + "/conda-index/archives/conda-index-pkg-a-1.0-py27h5e241af_0.tar.bz2");
  BOOST_TEST_REQUIRE(pkg_a.ok());
  int text_a = 0;
  for (const auto& p : pkg_a->paths) {
    if (p.file_mode == FileMode::text) ++text_a;
    BOOST_TEST((p.file_mode != FileMode::binary));
  }
  BOOST_TEST(text_a == 2);
  BOOST_TEST(pkg_a->index.subdir == "osx-64");
}

BOOST_AUTO_TEST_CASE(noarch_python_link_json_lists_entry_points) {
  auto info = read_package_info(packages_dir() +
                                "/conda-index/archives/conda-index-pkg-a-1.0-pyhed9eced_1.tar.bz2");
  BOOST_TEST_REQUIRE(info.ok());
  BOOST_TEST(info->index.noarch == "python");
  BOOST_TEST_REQUIRE(info->link.has_value());
  BOOST_TEST(info->link->noarch_type == "python");
  BOOST_TEST(info->link->entry_points.size() == 2u);
  for (const auto& ep : info->link->entry_points) {
    BOOST_TEST(ep.find(" = ") != std::string::npos, ep);
  }
  auto andes = read_package_info(packages_dir() + "/rattler/andes-1.8.3-pyhd8ed1ab_0.conda");
  BOOST_TEST_REQUIRE(andes.ok());
  BOOST_TEST_REQUIRE(andes->link.has_value());
  BOOST_TEST(!andes->link->entry_points.empty());
  BOOST_TEST(andes->index.timestamp.has_value());
}

BOOST_AUTO_TEST_CASE(symlinks_and_hardlinks_inside_a_package_are_kept) {
  envlock::testing::TempDir tmp;
  auto pkg =
      extract_package(packages_dir() + "/rattler/sparse/symlink-test-1.0.0-0.conda", tmp / "s");
  BOOST_TEST_REQUIRE(pkg.ok(), (pkg.ok() ? "" : pkg.error().to_string()));
  BOOST_TEST(fs::read_symlink(tmp / "s/lib/liblink.so").string() == "libreal.so.1");
  BOOST_TEST(fs::hard_link_count(tmp / "s/lib/libreal.so.1") == 2u);
  const ExtractedEntry* hard = find_entry(*pkg, "lib/libhard.so");
  BOOST_TEST_REQUIRE(hard != nullptr);
  BOOST_TEST(hard->link_target == "lib/libreal.so.1");
  BOOST_TEST(hard->sha256 == find_entry(*pkg, "lib/libreal.so.1")->sha256);
}

BOOST_AUTO_TEST_CASE(malformed_conda_layout_is_refused_and_leaves_nothing) {
  envlock::testing::TempDir tmp;
  std::string archive =
      packages_dir() + "/malformed/ca-certificates-2024.7.4-hbcca054_0.MALFORMED-nested-dirs.conda";
  auto pkg = extract_package(archive, tmp / "out/ca");
  BOOST_TEST_REQUIRE(!pkg.ok());
  BOOST_TEST((pkg.error().kind == ErrorKind::input));
  std::string text = pkg.error().to_string();
  BOOST_TEST(text.find("MALFORMED-nested-dirs.conda") != std::string::npos, text);
  BOOST_TEST(text.find("Users/jcorreia") != std::string::npos, text);
  BOOST_TEST(!fs::exists(tmp / "out/ca"));
  BOOST_TEST(fs::is_empty(tmp / "out"));
  auto info = read_package_info(archive);
  BOOST_TEST(!info.ok());
}

BOOST_AUTO_TEST_CASE(missing_archive_is_an_io_error_and_odd_names_are_input_errors) {
  auto missing = read_package_info("/nonexistent/x-1-0.conda");
  BOOST_TEST_REQUIRE(!missing.ok());
  BOOST_TEST((missing.error().kind == ErrorKind::io));
  auto odd = read_package_info(packages_dir() + "/PROVENANCE.md");
  BOOST_TEST_REQUIRE(!odd.ok());
  BOOST_TEST((odd.error().kind == ErrorKind::input));
}

BOOST_AUTO_TEST_CASE(existing_destination_is_not_overwritten) {
  envlock::testing::TempDir tmp;
  envlock::testing::write_text(tmp / "dest/keep.txt", "mine");
  auto pkg =
      extract_package(packages_dir() + "/rattler/empty-0.1.0-h4616a5c_0.conda", tmp / "dest");
  BOOST_TEST_REQUIRE(!pkg.ok());
  BOOST_TEST((pkg.error().kind == ErrorKind::io));
  BOOST_TEST(fs::exists(tmp / "dest/keep.txt"));
}

}  // namespace
}  // namespace envlock::package
