#include "lib/diff/render.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

namespace envlock::diff {
namespace {

PackageSide side(const std::string& version, const std::string& build,
                 const std::string& sha = std::string(64, 'a')) {
  const std::string channel = "https://conda.anaconda.org/conda-forge";
  return PackageSide{version,
                     build,
                     channel,
                     "linux-64",
                     channel + "/linux-64/x-" + version + "-" + build + ".conda",
                     sha,
                     ""};
}

PackageChange change(ChangeKind kind, const std::string& name, std::optional<PackageSide> before,
                     std::optional<PackageSide> after, unsigned aspects = 0) {
  PackageChange c;
  c.kind = kind;
  c.name = name;
  c.before = std::move(before);
  c.after = std::move(after);
  c.aspects = aspects;
  return c;
}

DiffReport sample(size_t extra_upgrades = 0) {
  DiffReport r;
  r.old_lock = LockInfo{"old/conda-lock.yml", lockfile::SourceFormat::conda_lock_v1, 1, 4};
  r.new_lock = LockInfo{"new/pixi.lock", lockfile::SourceFormat::pixi_v6, 1, 4};
  PlatformDiff p;
  p.platform = "linux-64";
  p.old_packages = 4;
  p.new_packages = 4;
  p.changes.push_back(
      change(ChangeKind::added, "virtualizarr", std::nullopt, side("2.2.1", "pyh_0")));
  p.changes.push_back(change(ChangeKind::removed, "crc32c", side("2.8", "py312h_1"), std::nullopt));
  p.changes.push_back(
      change(ChangeKind::upgraded,
             "python",
             side("3.12.1", "h1_0_cpython"),
             side("3.12.2", "h2_0_cpython"),
             static_cast<unsigned>(Aspect::version) | static_cast<unsigned>(Aspect::build)));
  for (size_t i = 0; i < extra_upgrades; ++i) {
    p.changes.push_back(change(ChangeKind::upgraded,
                               "lib" + std::to_string(i),
                               side("1", "h_0"),
                               side("2", "h_0"),
                               static_cast<unsigned>(Aspect::version)));
  }
  p.changes.push_back(change(ChangeKind::hash_changed,
                             "openssl",
                             side("3.0.0", "h_0"),
                             side("3.0.0", "h_0", std::string(64, 'c')),
                             static_cast<unsigned>(Aspect::hash)));
  r.environments.push_back(EnvironmentDiff{"default", Presence::both, {p}});
  PlatformDiff osx;
  osx.platform = "osx-64";
  osx.presence = Presence::new_only;
  osx.new_packages = 7;
  r.environments[0].platforms.push_back(osx);
  r.summary.changes[static_cast<size_t>(ChangeKind::added)] = 1;
  r.summary.changes[static_cast<size_t>(ChangeKind::removed)] = 1;
  r.summary.changes[static_cast<size_t>(ChangeKind::upgraded)] = 1 + extra_upgrades;
  r.summary.changes[static_cast<size_t>(ChangeKind::hash_changed)] = 1;
  r.summary.platforms_new_only = 1;
  r.summary.unchanged = 1;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(render)

BOOST_AUTO_TEST_CASE(text_is_aligned_marks_suspicious_and_counts_every_kind) {
  const std::string text = render_text(sample());
  BOOST_TEST(text ==
             "old: old/conda-lock.yml (conda-lock-v1, 4 packages)\n"
             "new: new/pixi.lock (pixi-v6, 4 packages)\n"
             "\n"
             "default / linux-64 (4 → 4 packages): 1 added, 1 removed, 1 upgraded, 1 hash changed\n"
             "  added         virtualizarr  2.2.1 pyh_0\n"
             "  removed       crc32c        2.8 py312h_1\n"
             "  upgraded      python        3.12.1 h1_0_cpython  → 3.12.2 h2_0_cpython\n"
             "  hash changed  openssl       3.0.0 h_0            sha256 aaaaaaaaaaaa → "
             "cccccccccccc  SUSPICIOUS\n"
             "default / osx-64: only in new (7 packages)\n"
             "\n"
             "summary: 1 added, 1 removed, 1 upgraded, 0 downgraded, 0 rebuilt, 1 hash changed, "
             "0 moved, 0 repackaged, 0 depends changed, 1 platform only in new, 1 unchanged\n");
  BOOST_TEST(text.find('\033') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(text_colours_only_when_asked) {
  const std::string coloured = render_text(sample(), Color::yes);
  BOOST_TEST(coloured.find("\033[32madded") != std::string::npos);
  BOOST_TEST(coloured.find("\033[1;31mSUSPICIOUS\033[0m") != std::string::npos);
  BOOST_TEST(render_text(sample(), Color::no) == render_text(sample(), Color::no));
}

BOOST_AUTO_TEST_CASE(markdown_has_a_table_a_warning_and_folds_long_sections) {
  const std::string md = render_markdown(sample());
  BOOST_TEST(md.find("| change | package | before | after |") != std::string::npos);
  BOOST_TEST(md.find("| upgraded | python | 3.12.1 `h1_0_cpython` | 3.12.2 `h2_0_cpython` |") !=
             std::string::npos);
  BOOST_TEST(md.find("> [!WARNING]") != std::string::npos);
  BOOST_TEST(md.find("openssl 3.0.0 `h_0`") != std::string::npos);
  BOOST_TEST(md.find("<details>") == std::string::npos);  // 4 rows: shown open
  BOOST_TEST(md.find("only in new (7 packages)") != std::string::npos);

  const std::string long_md = render_markdown(sample(k_fold_rows));
  BOOST_TEST(long_md.find("<details><summary>`default` · linux-64: 4 → 4 packages, 1 added, "
                          "1 removed, 11 upgraded, 1 hash changed</summary>") != std::string::npos);
  BOOST_TEST(long_md.find("</details>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(markdown_starts_with_a_summary_table) {
  const std::string md = render_markdown(sample());
  const size_t table = md.find(
      "| environment | platform | packages | added | removed | upgraded "
      "| hash changed |\n|---|---|---|---:|---:|---:|---:|\n");
  BOOST_REQUIRE(table != std::string::npos);
  BOOST_TEST(md.find("| `default` | linux-64 | 4 → 4 | 1 | 1 | 1 | 1 |\n") != std::string::npos);
  BOOST_TEST(md.find("| `default` | osx-64 | only in new (7 packages) |  |  |  |  |\n") !=
             std::string::npos);
  BOOST_TEST(md.find("| **total** | | | **1** | **1** | **1** | **1** |") != std::string::npos);
  BOOST_TEST(table < md.find("> [!WARNING]"));
  BOOST_TEST(md.find("> [!WARNING]") < md.find("#### `default` · linux-64"));
  BOOST_TEST(md.find("Cut to fit") == std::string::npos);
}

// A diff far over GitHub's comment limit: 3 environments × 4 platforms × 1,500 changes, one in
// ten a hash change (18,000 changes, 1,800 of them hash changes).
DiffReport huge() {
  DiffReport r;
  r.old_lock = LockInfo{"old/pixi.lock", lockfile::SourceFormat::pixi_v6, 3, 6000};
  r.new_lock = LockInfo{"new/pixi.lock", lockfile::SourceFormat::pixi_v6, 3, 6000};
  for (const char* env : {"default", "docs", "test"}) {
    EnvironmentDiff e{env, Presence::both, {}};
    for (const char* platform : {"linux-64", "osx-64", "osx-arm64", "win-64"}) {
      PlatformDiff p;
      p.platform = platform;
      p.old_packages = p.new_packages = 1500;
      for (size_t i = 0; i < 1500; ++i) {
        const std::string name = "package-with-a-long-name-" + std::to_string(i);
        if (i % 10 == 0) {
          p.changes.push_back(change(ChangeKind::hash_changed,
                                     name,
                                     side("1.0", "h_0"),
                                     side("1.0", "h_0", std::string(64, 'c')),
                                     static_cast<unsigned>(Aspect::hash)));
        } else {
          p.changes.push_back(change(ChangeKind::upgraded,
                                     name,
                                     side("1.0", "h_0"),
                                     side("2.0", "h_0"),
                                     static_cast<unsigned>(Aspect::version)));
        }
        ++r.summary.changes[static_cast<size_t>(p.changes.back().kind)];
      }
      e.platforms.push_back(std::move(p));
    }
    r.environments.push_back(std::move(e));
  }
  return r;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

BOOST_AUTO_TEST_CASE(markdown_of_a_huge_diff_is_cut_to_fit_a_github_comment) {
  const DiffReport r = huge();
  BOOST_TEST(render_text(r).size() > 10 * k_github_comment_limit);
  for (size_t limit : {k_markdown_max_bytes, size_t{20000}, size_t{3000}}) {
    BOOST_TEST_CONTEXT("limit " << limit) {
      const std::string md = render_markdown(r, limit);
      BOOST_TEST(md.size() <= limit);
      BOOST_TEST(md.size() > limit - 1200);  // the room is used, not wasted
      BOOST_TEST(md.starts_with("### envlock diff\n"));
      // The summary table is whole and first, then the warning, then the tables.
      BOOST_TEST(md.find("| **total** | | | **16200** | **1800** |") != std::string::npos);
      BOOST_TEST(md.find("| **total** |") < md.find("> [!WARNING]"));
      BOOST_TEST(count(md, "<details>") == count(md, "</details>"));
      // What is shown and what the note counts add up to every change.
      const size_t shown =
          count(md, "| upgraded | package-") + count(md, "| **hash changed** ⚠️ | package-");
      const std::string note = "changes not listed";
      BOOST_REQUIRE(md.find(note) != std::string::npos);
      const size_t of = md.rfind(" of ", md.find(note));
      const size_t start = md.rfind(": ", of) + 2;
      const size_t not_listed = std::stoul(md.substr(start, of - start));
      BOOST_TEST(shown + not_listed == 18000u);
      BOOST_TEST(md.ends_with("`--format json` lists everything.\n"));
    }
  }
  // The hash changes are listed before any table, in at most half the room; at the smallest
  // size they are cut too.
  const std::string big = render_markdown(r);
  BOOST_TEST(count(big, "> - `") > 100u);
  BOOST_TEST(count(big, "| upgraded | package-") > 100u);
  BOOST_TEST(big.find("> - `") < big.find("<details>"));
  BOOST_TEST(render_markdown(r, 3000).find("hash changes not listed") != std::string::npos);
  BOOST_TEST(render_markdown(r) == render_markdown(r));
}

BOOST_AUTO_TEST_CASE(text_max_lines_keeps_the_head_and_the_summary) {
  const std::string all = render_text(sample(20));
  BOOST_TEST(render_text(sample(20), Color::no, 1000) == all);
  BOOST_TEST(render_text(sample(20), Color::no, count(all, "\n")) == all);
  const std::string cut = render_text(sample(20), Color::no, 6);
  BOOST_TEST(count(cut, "\n") == 6u);
  BOOST_TEST(cut.starts_with("old: old/conda-lock.yml"));
  BOOST_TEST(cut.find("\n… 26 more lines not shown (--max-lines 6)\nsummary: 1 added") !=
             std::string::npos);
  BOOST_TEST(count(render_text(sample(20), Color::no, 1), "\n") == 3u);  // at least 3
}

BOOST_AUTO_TEST_CASE(json_has_stable_fields) {
  auto j = nlohmann::json::parse(render_json(sample()));
  BOOST_TEST(j["version"] == 1);
  BOOST_TEST(j["same"] == false);
  BOOST_TEST(j["old"]["format"] == "conda-lock-v1");
  BOOST_TEST(j["new"]["packages"] == 4);
  BOOST_TEST(j["summary"]["hash_changed"] == 1);
  BOOST_TEST(j["summary"]["platforms_new_only"] == 1);
  const auto& p = j["environments"][0]["platforms"][0];
  BOOST_TEST(p["platform"] == "linux-64");
  BOOST_TEST(p["changes"].size() == 4u);
  BOOST_TEST(p["changes"][0]["kind"] == "added");
  BOOST_TEST(p["changes"][0]["before"].is_null());
  BOOST_TEST(p["changes"][2]["changed"] == nlohmann::json::array({"version", "build"}));
  BOOST_TEST(p["changes"][3]["suspicious"] == true);
  BOOST_TEST(p["changes"][3]["after"]["sha256"] == std::string(64, 'c'));
  BOOST_TEST(p["changes"][3]["after"]["md5"].is_null());
  BOOST_TEST(j["environments"][0]["platforms"][1]["presence"] == "new_only");
}

BOOST_AUTO_TEST_CASE(short_channel_drops_the_anaconda_prefix_only) {
  BOOST_TEST(short_channel("https://conda.anaconda.org/conda-forge") == "conda-forge");
  BOOST_TEST(short_channel("https://prefix.dev/conda-forge") == "https://prefix.dev/conda-forge");
}

BOOST_AUTO_TEST_CASE(hostile_names_stay_on_their_line_in_every_text_format) {
  // Lock contents are pull-request input: a name with a newline, an escape and a bidi override.
  const std::string evil = "x\nenvlock diff: no differences\x1b[2K\xe2\x80\xae";
  DiffReport r = sample();
  auto& changes = r.environments[0].platforms[0].changes;
  changes[0].name = evil;
  changes[1].before->version = evil;
  changes[3].after->channel = evil;
  changes[3].aspects |= static_cast<unsigned>(Aspect::channel);
  r.environments[0].name = "env\r";
  for (const std::string& out : {render_text(r), render_text(r, Color::yes), render_markdown(r)}) {
    BOOST_TEST(out.find("no differences\x1b") == std::string::npos);
    BOOST_TEST(out.find("\n"
                        "envlock diff") == std::string::npos);
    BOOST_TEST(out.find('\r') == std::string::npos);
    BOOST_TEST(out.find("\xe2\x80\xae") == std::string::npos);
    BOOST_TEST(out.find("x\\nenvlock diff: no differences\\x1b[2K\\u{202e}") != std::string::npos,
               out);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace envlock::diff
