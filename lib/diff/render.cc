#include "lib/diff/render.h"

#include "lib/channel/channel.h"
#include "lib/util/text.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

namespace envlock::diff {
namespace {

// Everything shown comes from the locks, which are untrusted (diff runs as a git textconv on
// pull requests): text goes through printable() so a row stays one line without terminal
// controls.
std::string identity(const PackageSide& s) {
  return printable(s.build.empty() ? s.version : s.version + " " + s.build);
}

std::string artifact_suffix(const std::string& url) {
  size_t slash = url.rfind('/');
  std::string file = slash == std::string::npos ? url : url.substr(slash + 1);
  for (const char* ext : {".tar.bz2", ".conda", ".whl", ".tar.gz", ".zip"}) {
    std::string_view e = ext;
    if (file.size() > e.size() && file.compare(file.size() - e.size(), e.size(), e) == 0) {
      return std::string(e);
    }
  }
  return file;
}

std::string short_hash(const std::string& hex) {
  return hex.substr(0, 12);
}

// The hash both sides have (sha256 first): "sha256 <old12> → <new12>".
std::string hash_detail(const PackageChange& c) {
  const bool sha = !c.before->sha256.empty() && !c.after->sha256.empty();
  const std::string& a = sha ? c.before->sha256 : c.before->md5;
  const std::string& b = sha ? c.after->sha256 : c.after->md5;
  return std::string(sha ? "sha256 " : "md5 ") + short_hash(a) + " → " + short_hash(b);
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string depends_detail(const PackageChange& c) {
  std::vector<std::string> parts;
  for (const auto& d : c.depends_added) parts.push_back("+" + d);
  for (const auto& d : c.depends_removed) parts.push_back("-" + d);
  return "depends " + join(parts, ", ");
}

// What to show after the old identity for the kinds that keep name-version-build.
std::string raw_detail(const PackageChange& c) {
  switch (c.kind) {
    case ChangeKind::hash_changed:
      return hash_detail(c);
    case ChangeKind::moved:
      return "channel " + short_channel(c.before->channel) + " → " +
             short_channel(c.after->channel);
    case ChangeKind::repackaged:
      return "artifact " + artifact_suffix(c.before->url) + " → " + artifact_suffix(c.after->url);
    case ChangeKind::depends_changed:
      return depends_detail(c);
    default:
      return {};
  }
}

std::string detail(const PackageChange& c) {
  return printable(raw_detail(c));
}

bool keeps_identity(ChangeKind k) {
  return k == ChangeKind::hash_changed || k == ChangeKind::moved || k == ChangeKind::repackaged ||
         k == ChangeKind::depends_changed;
}

// Changes that come along with the main kind, e.g. an upgrade that also moved channel.
std::string extra_note(const PackageChange& c) {
  std::vector<std::string> notes;
  if (c.has(Aspect::channel) && c.kind != ChangeKind::moved) {
    notes.push_back("channel " + short_channel(c.before->channel) + " → " +
                    short_channel(c.after->channel));
  }
  if (c.kind == ChangeKind::hash_changed && c.has(Aspect::depends)) {
    notes.push_back(depends_detail(c));
  }
  return join(notes, "; ");
}

std::string kind_counts(const std::vector<PackageChange>& changes) {
  std::array<size_t, k_change_kinds> n{};
  for (const auto& c : changes) ++n[static_cast<size_t>(c.kind)];
  std::vector<std::string> parts;
  for (size_t k = 0; k < k_change_kinds; ++k) {
    if (n[k]) parts.push_back(std::to_string(n[k]) + " " + label(static_cast<ChangeKind>(k)));
  }
  return join(parts, ", ");
}

std::string summary_counts(const Summary& s, const std::string& sep) {
  std::vector<std::string> parts;
  for (size_t k = 0; k < k_change_kinds; ++k) {
    parts.push_back(std::to_string(s.changes[k]) + " " + label(static_cast<ChangeKind>(k)));
  }
  std::string out = join(parts, sep);
  auto add = [&](size_t n, const char* what) {
    if (n) out += sep + std::to_string(n) + " " + what;
  };
  add(s.environments_old_only,
      s.environments_old_only == 1 ? "environment only in old" : "environments only in old");
  add(s.environments_new_only,
      s.environments_new_only == 1 ? "environment only in new" : "environments only in new");
  add(s.platforms_old_only,
      s.platforms_old_only == 1 ? "platform only in old" : "platforms only in old");
  add(s.platforms_new_only,
      s.platforms_new_only == 1 ? "platform only in new" : "platforms only in new");
  out += sep + std::to_string(s.unchanged) + " unchanged";
  return out;
}

std::string describe(const LockInfo& info) {
  std::string out = printable(info.path) + " (" + lockfile::to_string(info.format) + ", ";
  if (info.environments != 1) out += std::to_string(info.environments) + " environments, ";
  return out + std::to_string(info.distinct_packages) + " packages)";
}

std::string platform_name(const std::string& p) {
  return p.empty() ? "unknown" : p;
}

size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // count UTF-8 code points
  return n;
}

std::string pad(const std::string& s, size_t width) {
  size_t w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

const char* colour_of(ChangeKind k) {
  switch (k) {
    case ChangeKind::added:
      return "\033[32m";
    case ChangeKind::removed:
      return "\033[31m";
    case ChangeKind::upgraded:
      return "\033[36m";
    case ChangeKind::downgraded:
      return "\033[33m";
    case ChangeKind::rebuilt:
      return "\033[34m";
    case ChangeKind::hash_changed:
      return "\033[1;31m";
    case ChangeKind::moved:
      return "\033[35m";
    default:
      return "\033[2m";
  }
}

void text_platform(std::ostringstream& out, const std::string& env, const PlatformDiff& p,
                   Color color) {
  const std::string where = printable(env + " / " + platform_name(p.platform));
  if (p.presence == Presence::old_only) {
    out << where << ": only in old (" << p.old_packages << " packages)\n";
    return;
  }
  if (p.presence == Presence::new_only) {
    out << where << ": only in new (" << p.new_packages << " packages)\n";
    return;
  }
  if (p.changes.empty()) return;
  if (out.tellp() > 0) out << "\n";
  out << where << " (" << p.old_packages << " → " << p.new_packages
      << " packages): " << kind_counts(p.changes) << "\n";
  size_t w_kind = 0, w_name = 0, w_before = 0;
  for (const auto& c : p.changes) {
    w_kind = std::max(w_kind, display_width(label(c.kind)));
    w_name = std::max(
        w_name, display_width(printable(c.name)) + (c.manager == lockfile::Manager::pip ? 6 : 0));
    if (c.before && c.kind != ChangeKind::removed) {
      w_before = std::max(w_before, display_width(identity(*c.before)));
    }
  }
  for (const auto& c : p.changes) {
    std::string kind = pad(label(c.kind), w_kind);
    if (color == Color::yes) kind = colour_of(c.kind) + kind + "\033[0m";
    std::string name = printable(c.manager == lockfile::Manager::pip ? "(pip) " + c.name : c.name);
    std::string row = "  " + kind + "  " + pad(name, w_name) + "  ";
    std::string before = c.before ? identity(*c.before) : "";
    if (keeps_identity(c.kind)) {
      row += pad(before, w_before) + "  " + detail(c);
    } else if (c.kind == ChangeKind::removed) {
      row += before;
    } else if (c.kind == ChangeKind::added) {
      row += identity(*c.after);
    } else {
      row += pad(before, w_before) + "  → " + identity(*c.after);
    }
    std::string note = printable(extra_note(c));
    if (!note.empty()) row += "  (" + note + ")";
    if (c.suspicious()) {
      row += color == Color::yes ? "  \033[1;31mSUSPICIOUS\033[0m" : "  SUSPICIOUS";
    }
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out << row << "\n";
  }
}

std::string md_escape(const std::string& raw) {
  std::string s = printable(raw);
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '<' || c == '>' || c == '*' || c == '_' || c == '`') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string md_code(const std::string& s) {
  if (s.empty()) return "";
  std::string t = printable(s);
  std::replace(t.begin(), t.end(), '|', '/');
  std::replace(t.begin(), t.end(), '`', '\'');  // a pipe ends a table cell even inside code
  return "`" + t + "`";
}

std::string md_identity(const std::optional<PackageSide>& s) {
  if (!s) return "";
  return s->build.empty() ? md_escape(s->version) : md_escape(s->version) + " " + md_code(s->build);
}

std::string md_row(const PackageChange& c) {
  std::string kind = c.suspicious() ? "**hash changed** ⚠️" : label(c.kind);
  std::string name = (c.manager == lockfile::Manager::pip ? "pip: " : "") + md_escape(c.name);
  std::string after = keeps_identity(c.kind) ? md_escape(detail(c)) : md_identity(c.after);
  std::string note = extra_note(c);
  if (!note.empty()) after += " (" + md_escape(note) + ")";
  return "| " + kind + " | " + name + " | " + md_identity(c.before) + " | " + after + " |\n";
}

std::string md_where(const std::string& env, const PlatformDiff& p) {
  return md_code(env) + " · " + md_escape(platform_name(p.platform));
}

// Output that must stay under a size: pieces are added whole or not at all, and `reserve`
// bytes are kept for the closing note.
class Budget {
 public:
  Budget(size_t max_bytes, size_t reserve) : m_max(max_bytes), m_reserve(reserve) {}
  bool fits(size_t more) const { return m_out.size() + more + m_reserve <= m_max; }
  bool add(const std::string& piece) {
    if (!fits(piece.size())) return false;
    m_out += piece;
    return true;
  }
  void force(const std::string& piece) { m_out += piece; }
  /// Bytes that can still be added.
  size_t room() const {
    return m_out.size() + m_reserve >= m_max ? 0 : m_max - m_out.size() - m_reserve;
  }
  const std::string& text() const { return m_out; }

 private:
  size_t m_max, m_reserve;
  std::string m_out;
};

// What was left out of the Markdown.
struct Cut {
  size_t changes = 0;  // change rows not shown
  size_t tables = 0;   // platform tables not shown at all
  size_t summary_rows = 0;
  size_t warnings = 0;
  bool any() const { return changes || tables || summary_rows || warnings; }
};

// One platform's table, as many rows as the budget takes; `cut` counts what did not fit.
// Returns false when nothing of it fitted.
bool md_platform(Budget& out, const std::string& env, const PlatformDiff& p, Cut& cut) {
  if (p.presence != Presence::both || p.changes.empty()) return true;
  const std::string head = md_where(env, p) + ": " + std::to_string(p.old_packages) + " → " +
                           std::to_string(p.new_packages) + " packages, " + kind_counts(p.changes);
  const bool fold = p.changes.size() > k_fold_rows;
  const std::string open =
      (fold ? "<details><summary>" + head + "</summary>\n\n" : "#### " + head + "\n\n") +
      "| change | package | before | after |\n|---|---|---|---|\n";
  const std::string close = fold ? "\n</details>\n\n" : "\n";
  // The longest the row counting what was left out can be.
  const std::string cut_row = "| … | " + std::to_string(p.changes.size()) +
                              " more not shown (cut to fit a comment) | | |\n";
  std::vector<std::string> rows;
  std::string whole = open;
  for (const auto& c : p.changes) {
    rows.push_back(md_row(c));
    whole += rows.back();
  }
  if (out.add(whole + close)) return true;
  // Too big: as many rows as fit, then a row counting the rest.
  if (!out.fits(open.size() + cut_row.size() + close.size())) {
    ++cut.tables;
    cut.changes += p.changes.size();
    return false;
  }
  std::string block = open;
  size_t shown = 0;
  while (shown < rows.size() &&
         out.fits(block.size() + rows[shown].size() + cut_row.size() + close.size())) {
    block += rows[shown++];
  }
  const size_t left = rows.size() - shown;
  cut.changes += left;
  block += "| … | " + std::to_string(left) + " more not shown (cut to fit a comment) | | |\n";
  out.force(block + close);
  return false;
}

// The summary table: one row per environment and platform, one column per kind that occurs.
std::vector<std::string> md_summary_rows(const DiffReport& report, std::string& header) {
  std::vector<size_t> kinds;
  for (size_t k = 0; k < k_change_kinds; ++k) {
    if (report.summary.changes[k]) kinds.push_back(k);
  }
  header = "| environment | platform | packages |";
  std::string rule = "|---|---|---|";
  for (size_t k : kinds) {
    header += std::string(" ") + label(static_cast<ChangeKind>(k)) + " |";
    rule += "---:|";
  }
  header += "\n" + rule + "\n";
  auto blanks = [&] {
    std::string b;
    for (size_t i = 0; i < kinds.size(); ++i) b += "  |";
    return b;
  };
  std::vector<std::string> rows;
  for (const auto& env : report.environments) {
    const std::string name = md_code(env.name);
    if (env.presence != Presence::both) {
      const bool old = env.presence == Presence::old_only;
      rows.push_back("| " + name + " | all | only in " + (old ? "old" : "new") + " (" +
                     std::to_string(env.platforms.size()) + " platforms) |" + blanks() + "\n");
      continue;
    }
    for (const auto& p : env.platforms) {
      std::string row = "| " + name + " | " + md_escape(platform_name(p.platform)) + " | ";
      if (p.presence != Presence::both) {
        const bool old = p.presence == Presence::old_only;
        rows.push_back(row + "only in " + (old ? "old" : "new") + " (" +
                       std::to_string(old ? p.old_packages : p.new_packages) + " packages) |" +
                       blanks() + "\n");
        continue;
      }
      std::array<size_t, k_change_kinds> n{};
      for (const auto& c : p.changes) ++n[static_cast<size_t>(c.kind)];
      row += std::to_string(p.old_packages) + " → " + std::to_string(p.new_packages) + " |";
      for (size_t k : kinds) row += " " + (n[k] ? std::to_string(n[k]) : std::string()) + " |";
      rows.push_back(row + "\n");
    }
  }
  if (rows.size() > 1) {
    std::string total = "| **total** | | |";
    for (size_t k : kinds) total += " **" + std::to_string(report.summary.changes[k]) + "** |";
    rows.push_back(total + "\n");
  }
  return rows;
}

nlohmann::ordered_json json_side(const std::optional<PackageSide>& s) {
  if (!s) return nullptr;
  nlohmann::ordered_json j;
  j["version"] = s->version;
  j["build"] = s->build;
  j["channel"] = s->channel;
  j["subdir"] = s->subdir;
  j["url"] = s->url;
  j["sha256"] =
      s->sha256.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s->sha256);
  j["md5"] = s->md5.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s->md5);
  return j;
}

nlohmann::ordered_json json_info(const LockInfo& info) {
  nlohmann::ordered_json j;
  j["path"] = info.path;
  j["format"] = lockfile::to_string(info.format);
  j["environments"] = info.environments;
  j["packages"] = info.distinct_packages;
  return j;
}

// The first `max_lines` - 2 lines of `text`, a line counting the others, and the last line.
std::string limit_lines(const std::string& text, size_t max_lines) {
  std::vector<size_t> ends;  // offset just past each '\n'
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') ends.push_back(i + 1);
  }
  if (ends.size() <= max_lines) return text;
  const size_t keep = max_lines - 2;
  const size_t left_out = ends.size() - keep - 1;
  std::string out = text.substr(0, ends[keep - 1]);
  out += "… " + std::to_string(left_out) + " more lines not shown (--max-lines " +
         std::to_string(max_lines) + ")\n";
  out += text.substr(ends[ends.size() - 2]);
  return out;
}

}  // namespace

std::string short_channel(const std::string& channel) {
  if (channel.find("***") != std::string::npos) return channel;  // already redacted: show as is
  auto parsed = channel::Channel::parse_one(channel, {});
  return parsed ? parsed->canonical_name() : channel;
}

std::string render_text(const DiffReport& report, Color color, size_t max_lines) {
  std::ostringstream out;
  out << "old: " << describe(report.old_lock) << "\n";
  out << "new: " << describe(report.new_lock) << "\n";
  for (const auto& env : report.environments) {
    if (env.presence != Presence::both) {
      const bool old = env.presence == Presence::old_only;
      size_t packages = 0;
      for (const auto& p : env.platforms) packages += old ? p.old_packages : p.new_packages;
      out << "\nenvironment " << printable(env.name) << ": only in " << (old ? "old" : "new")
          << " (" << env.platforms.size() << " platforms, " << packages << " packages)\n";
      continue;
    }
    std::ostringstream block;
    for (const auto& p : env.platforms) text_platform(block, env.name, p, color);
    if (!block.str().empty()) out << "\n" << block.str();
  }
  out << "\n"
      << (report.same() ? "no differences; " : "")
      << "summary: " << summary_counts(report.summary, ", ") << "\n";
  return max_lines == 0 ? out.str() : limit_lines(out.str(), std::max<size_t>(max_lines, 3));
}

std::string render_markdown(const DiffReport& report, size_t max_bytes) {
  // Room for the closing note (its longest form is under 400 bytes).
  constexpr size_t k_note_reserve = 512;
  max_bytes = std::max<size_t>(max_bytes, 2048);
  Budget out(max_bytes, k_note_reserve);
  std::ostringstream head;
  head << "### envlock diff\n\n";
  head << "**old** " << md_code(report.old_lock.path) << " ("
       << lockfile::to_string(report.old_lock.format) << ", " << report.old_lock.distinct_packages
       << " packages) → **new** " << md_code(report.new_lock.path) << " ("
       << lockfile::to_string(report.new_lock.format) << ", " << report.new_lock.distinct_packages
       << " packages)\n\n";
  head << "**Summary:** " << (report.same() ? "no differences; " : "")
       << summary_counts(report.summary, " · ") << "\n\n";
  out.force(head.str());
  Cut cut;

  std::string table_head;
  std::vector<std::string> rows = md_summary_rows(report, table_head);
  if (!rows.empty() && out.add(table_head)) {
    size_t shown = 0;
    while (shown < rows.size() && out.add(rows[shown])) ++shown;
    cut.summary_rows = rows.size() - shown;
    out.force("\n");
  } else {
    cut.summary_rows = rows.size();
  }

  std::vector<std::string> suspicious;
  for (const auto& env : report.environments) {
    for (const auto& p : env.platforms) {
      for (const auto& c : p.changes) {
        if (c.suspicious()) {
          suspicious.push_back("> - " + md_where(env.name, p) + ": " + md_escape(c.name) + " " +
                               md_identity(c.before) + " (" + md_escape(hash_detail(c)) + ")\n");
        }
      }
    }
  }
  if (!suspicious.empty()) {
    std::ostringstream warn;
    warn << "> [!WARNING]\n> **" << suspicious.size()
         << " package(s) changed hash at the same name-version-build** (the bytes behind an "
            "identical identity changed):\n";
    // At most half of the room left, so that some tables still show what else changed.
    const size_t warn_limit =
        out.text().size() +
        (out.room() > warn.str().size() ? out.room() - warn.str().size() : 0) / 2;
    if (out.add(warn.str())) {
      size_t shown = 0;
      while (shown < suspicious.size() &&
             out.text().size() + suspicious[shown].size() <= warn_limit &&
             out.add(suspicious[shown])) {
        ++shown;
      }
      cut.warnings = suspicious.size() - shown;
      if (cut.warnings) out.force("> - … " + std::to_string(cut.warnings) + " more\n");
    } else {
      cut.warnings = suspicious.size();
    }
    out.force("\n");
  }

  bool room = true;
  for (const auto& env : report.environments) {
    if (env.presence != Presence::both) continue;  // in the summary table
    for (const auto& p : env.platforms) {
      if (p.presence != Presence::both || p.changes.empty()) continue;
      if (!room) {
        ++cut.tables;
        cut.changes += p.changes.size();
        continue;
      }
      room = md_platform(out, env.name, p, cut);
    }
  }
  if (cut.any()) {
    std::ostringstream note;
    note << "> [!NOTE]\n> **Cut to fit a comment** (" << max_bytes << " bytes):";
    if (cut.changes) {
      note << " " << cut.changes << " of " << report.summary.total_changes()
           << " changes not listed";
      if (cut.tables) note << " (" << cut.tables << " tables left out)";
      note << ";";
    }
    if (cut.summary_rows) note << " " << cut.summary_rows << " summary rows left out;";
    if (cut.warnings) note << " " << cut.warnings << " hash changes not listed;";
    note << " `envlock diff` (text) or `--format json` lists everything.\n";
    out.force(note.str());
  }
  return out.text();
}

std::string render_json(const DiffReport& report) {
  using json = nlohmann::ordered_json;
  json j;
  j["version"] = 1;
  j["old"] = json_info(report.old_lock);
  j["new"] = json_info(report.new_lock);
  j["same"] = report.same();
  json summary;
  for (size_t k = 0; k < k_change_kinds; ++k) {
    summary[to_string(static_cast<ChangeKind>(k))] = report.summary.changes[k];
  }
  summary["unchanged"] = report.summary.unchanged;
  summary["environments_old_only"] = report.summary.environments_old_only;
  summary["environments_new_only"] = report.summary.environments_new_only;
  summary["platforms_old_only"] = report.summary.platforms_old_only;
  summary["platforms_new_only"] = report.summary.platforms_new_only;
  j["summary"] = summary;
  json envs = json::array();
  for (const auto& env : report.environments) {
    json e;
    e["name"] = env.name;
    e["presence"] = to_string(env.presence);
    json platforms = json::array();
    for (const auto& p : env.platforms) {
      json pj;
      pj["platform"] = p.platform;
      pj["presence"] = to_string(p.presence);
      pj["old_packages"] = p.old_packages;
      pj["new_packages"] = p.new_packages;
      json changes = json::array();
      for (const auto& c : p.changes) {
        json cj;
        cj["kind"] = to_string(c.kind);
        cj["manager"] = lockfile::to_string(c.manager);
        cj["name"] = c.name;
        cj["suspicious"] = c.suspicious();
        json aspects = json::array();
        for (Aspect a : k_aspects) {
          if (c.has(a)) aspects.push_back(to_string(a));
        }
        cj["changed"] = aspects;
        cj["before"] = json_side(c.before);
        cj["after"] = json_side(c.after);
        cj["depends_added"] = c.depends_added;
        cj["depends_removed"] = c.depends_removed;
        changes.push_back(std::move(cj));
      }
      pj["changes"] = std::move(changes);
      platforms.push_back(std::move(pj));
    }
    e["platforms"] = std::move(platforms);
    envs.push_back(std::move(e));
  }
  j["environments"] = std::move(envs);
  // Names from locks and prefixes may hold bytes that are not UTF-8: replaced, not thrown on.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace envlock::diff
