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
