#include "lib/diff/render.h"

#include "lib/util/text.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

namespace envlock::diff {
namespace {

constexpr const char* k_anaconda = "https://conda.anaconda.org/";

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

void md_platform(std::ostringstream& out, const std::string& env, const PlatformDiff& p) {
  const std::string where = md_code(env) + " · " + md_escape(platform_name(p.platform));
  if (p.presence != Presence::both) {
    const bool old = p.presence == Presence::old_only;
    out << "- " << where << ": only in " << (old ? "old" : "new") << " ("
        << (old ? p.old_packages : p.new_packages) << " packages)\n\n";
    return;
  }
  if (p.changes.empty()) return;
  const std::string head = where + ": " + std::to_string(p.old_packages) + " → " +
                           std::to_string(p.new_packages) + " packages, " + kind_counts(p.changes);
  const bool fold = p.changes.size() > k_fold_rows;
  if (fold) {
    out << "<details><summary>" << head << "</summary>\n\n";
  } else {
    out << "#### " << head << "\n\n";
  }
  out << "| change | package | before | after |\n|---|---|---|---|\n";
  for (const auto& c : p.changes) {
    std::string kind = c.suspicious() ? "**hash changed** ⚠️" : label(c.kind);
    std::string name = (c.manager == lockfile::Manager::pip ? "pip: " : "") + md_escape(c.name);
    std::string after = keeps_identity(c.kind) ? md_escape(detail(c)) : md_identity(c.after);
    std::string note = extra_note(c);
    if (!note.empty()) after += " (" + md_escape(note) + ")";
    out << "| " << kind << " | " << name << " | " << md_identity(c.before) << " | " << after
        << " |\n";
  }
  out << (fold ? "\n</details>\n\n" : "\n");
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

}  // namespace

std::string short_channel(const std::string& channel) {
  std::string_view prefix = k_anaconda;
  if (channel.size() > prefix.size() && channel.compare(0, prefix.size(), prefix) == 0) {
    return channel.substr(prefix.size());
  }
  return channel;
}

std::string render_text(const DiffReport& report, Color color) {
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
  return out.str();
}

std::string render_markdown(const DiffReport& report) {
  std::ostringstream out;
  out << "### envlock diff\n\n";
  out << "**old** " << md_code(report.old_lock.path) << " ("
      << lockfile::to_string(report.old_lock.format) << ", " << report.old_lock.distinct_packages
      << " packages) → **new** " << md_code(report.new_lock.path) << " ("
      << lockfile::to_string(report.new_lock.format) << ", " << report.new_lock.distinct_packages
      << " packages)\n\n";
  out << "**Summary:** " << (report.same() ? "no differences; " : "")
      << summary_counts(report.summary, " · ") << "\n\n";

  std::vector<std::string> suspicious;
  for (const auto& env : report.environments) {
    for (const auto& p : env.platforms) {
      for (const auto& c : p.changes) {
        if (c.suspicious()) {
          suspicious.push_back(md_code(env.name) + " · " + md_escape(platform_name(p.platform)) +
                               ": " + md_escape(c.name) + " " + md_identity(c.before) + " (" +
                               md_escape(hash_detail(c)) + ")");
        }
      }
    }
  }
  if (!suspicious.empty()) {
    out << "> [!WARNING]\n> **" << suspicious.size()
        << " package(s) changed hash at the same name-version-build** (the bytes behind an "
           "identical identity changed):\n";
    for (const auto& s : suspicious) out << "> - " << s << "\n";
    out << "\n";
  }
  for (const auto& env : report.environments) {
    if (env.presence != Presence::both) {
      out << "- environment " << md_code(env.name) << ": only in "
          << (env.presence == Presence::old_only ? "old" : "new") << " (" << env.platforms.size()
          << " platforms)\n\n";
      continue;
    }
    for (const auto& p : env.platforms) md_platform(out, env.name, p);
  }
  return out.str();
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
