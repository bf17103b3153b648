#include "lib/install/wheel.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/channel/url.h"
#include "lib/hash/hash.h"
#include "lib/install/fs_util.h"
#include "lib/install/link.h"
#include "lib/install/relocate.h"
#include "lib/prefix/dist_info.h"
#include "lib/pypi/metadata.h"
#include "lib/pypi/name.h"
#include "lib/pypi/record.h"
#include "lib/pypi/version.h"
#include "lib/pypi/wheel.h"
#include "lib/util/file.h"

namespace envlock::install {
namespace {

constexpr uint64_t k_max_dist_info_member = 16u << 20;  // WHEEL, RECORD, entry_points.txt

bool safe_relative(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.find('\\') != std::string_view::npos ||
      p.find('\0') != std::string_view::npos || p.find(':') == 1)
    return false;
  std::string wrapped = "/" + std::string(p) + "/";
  return wrapped.find("/../") == std::string::npos && wrapped.find("/./") == std::string::npos &&
         wrapped.find("//") == std::string::npos;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// entry_points.txt (an INI file): the console_scripts and gui_scripts lines, "name = obj".
Result<std::vector<std::string>> script_entry_points(std::string_view text,
                                                     const std::string& where) {
  std::vector<std::string> out;
  std::string section;
  size_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        return Error::at(
            ErrorKind::input, where, static_cast<int>(line_no), 1, "section header without ']'");
      }
      section = trim(std::string_view(line).substr(1, line.size() - 2));
      continue;
    }
    if (section != "console_scripts" && section != "gui_scripts") continue;
    if (line.find('=') == std::string::npos) {
      return Error::at(ErrorKind::input,
                       where,
                       static_cast<int>(line_no),
                       1,
                       "entry point is not 'name = module:function'");
    }
    out.push_back(line);
  }
  return out;
}

struct RecordLine {
  std::string sha256;  // hex
  std::optional<uint64_t> size;
};

}  // namespace

std::string relative_to(const std::string& path, const std::string& from) {
  std::vector<std::string> a, b;
  auto split = [](const std::string& s, std::vector<std::string>& out) {
    size_t start = 0;
    while (start <= s.size()) {
      size_t slash = s.find('/', start);
      if (slash == std::string::npos) slash = s.size();
      if (slash > start) out.push_back(s.substr(start, slash - start));
      start = slash + 1;
    }
  };
  split(path, a);
  split(from, b);
  size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  std::string out;
  for (size_t i = common; i < b.size(); ++i) out += "../";
  for (size_t i = common; i < a.size(); ++i) out += a[i] + (i + 1 < a.size() ? "/" : "");
  return out;
}

Result<std::string> wheel_member_target(const std::string& member, const std::string& data_dir,
                                        const std::string& dist_name, const WheelTarget& target) {
  if (!safe_relative(member)) {
    return Error{ErrorKind::input, member, "wheel member path is not a safe relative path"};
  }
  const std::string data_prefix = data_dir + "/";
  if (member.rfind(data_prefix, 0) != 0) return target.site_packages + "/" + member;
  std::string rest = member.substr(data_prefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 >= rest.size()) {
    return Error{ErrorKind::input, member, "a file directly in the wheel's .data folder"};
  }
  const std::string kind = rest.substr(0, slash);
  const std::string sub = rest.substr(slash + 1);
  const bool win = target.platform.rfind("win-", 0) == 0;
  if (kind == "purelib" || kind == "platlib") return target.site_packages + "/" + sub;
  if (kind == "scripts") return std::string(win ? "Scripts/" : "bin/") + sub;
  if (kind == "data") return sub;
  if (kind == "headers") {
    return std::string(win ? "Include/" : "include/python" + target.python_version + "/") +
           dist_name + "/" + sub;
  }
  return Error{ErrorKind::input, member, "unknown wheel .data folder '" + kind + "'"};
}

Result<InstalledWheel> install_wheel(const lockfile::LockedPackage& package,
                                     const std::string& wheel_path, const WheelTarget& target) {
  const std::string label = package.name + " " + package.version;
  auto fail = [&](Error e) { return e.wrapped(label); };
  auto opened = pypi::Wheel::open(wheel_path);
  if (!opened.ok()) return fail(opened.take_error());
  const pypi::Wheel& wheel = *opened;
  const std::string dist_info = wheel.dist_info();
  if (dist_info.empty() || !safe_relative(dist_info) || dist_info.find('/') != std::string::npos) {
    return Error{ErrorKind::input, label, "the wheel has no single NAME-VERSION.dist-info folder"};
  }
  const std::string data_dir = dist_info.substr(0, dist_info.size() - 10) + ".data";

  // METADATA: the wheel must be what the lock names.
  auto meta_text = wheel.metadata();
  if (!meta_text.ok()) return fail(meta_text.take_error());
  auto meta = pypi::parse_metadata(*meta_text);
  if (!meta.ok()) return fail(meta.take_error().wrapped(dist_info + "/METADATA"));
  if (pypi::normalize_name(meta->name) != pypi::normalize_name(package.name)) {
    return Error{ErrorKind::input,
                 label,
                 "the wheel is " + meta->name + ", not " + package.name + " as the lock says"};
  }
  {
    auto a = pypi::Version::parse(meta->version);
    auto b = pypi::Version::parse(package.version);
    bool same = a.ok() && b.ok() ? *a == *b : meta->version == package.version;
    if (!same) {
      return Error{ErrorKind::input,
                   label,
                   "the wheel is version " + meta->version + ", the lock says " + package.version};
    }
  }

  // WHEEL: a format this installer knows.
  auto wheel_text = wheel.wheel_file();
  if (!wheel_text.ok()) return fail(wheel_text.take_error());
  {
    std::string version;
    for (size_t start = 0; start < wheel_text->size();) {
      size_t end = wheel_text->find('\n', start);
      if (end == std::string::npos) end = wheel_text->size();
      std::string_view line = std::string_view(*wheel_text).substr(start, end - start);
      if (line.rfind("Wheel-Version:", 0) == 0) version = trim(line.substr(14));
      start = end + 1;
    }
    if (version.empty() || version.substr(0, version.find('.')) != "1") {
      return Error{ErrorKind::input,
                   label,
                   "Wheel-Version '" + version + "' in " + dist_info + "/WHEEL is not 1.x"};
    }
  }

  // RECORD: every path safe, every member listed with its hash.
  const std::string record_member = dist_info + "/RECORD";
  auto record_text = wheel.record();
  if (!record_text.ok()) return fail(record_text.take_error());
  auto record = pypi::parse_record(*record_text);
  if (!record.ok()) return fail(record.take_error().wrapped(record_member));
  std::map<std::string, RecordLine> listed;
  for (const auto& e : *record) {
    if (!safe_relative(e.path)) {
      return Error{ErrorKind::input,
                   label,
                   record_member + " names '" + e.path + "', a path outside site-packages"};
    }
    RecordLine line;
    if (e.hash_algorithm == "sha256") {
      line.sha256 = prefix::sha256_hex_of_record_hash(e.hash_b64);
      if (line.sha256.empty()) {
        return Error{ErrorKind::input, label, record_member + ": bad sha256 for " + e.path};
      }
    }
    line.size = e.size;
    listed[e.path] = line;
  }
  std::map<std::string, std::string> targets;  // member -> prefix-relative
  std::set<std::string> landed;
  for (const std::string& m : wheel.members()) {
    if (!m.empty() && m.back() == '/') continue;  // folders
    if (m == record_member || m == record_member + ".jws" || m == record_member + ".p7s") continue;
    auto it = listed.find(m);
    if (it == listed.end() || it->second.sha256.empty()) {
      return Error{ErrorKind::input, label, record_member + " gives no sha256 for " + m};
    }
    auto t = wheel_member_target(m, data_dir, meta->name, target);
    if (!t.ok()) return fail(t.take_error());
    if (!landed.insert(*t).second) {
      return Error{ErrorKind::input, label, "two wheel members land on " + *t};
    }
    targets[m] = *t;
  }

  // Entry points, parsed before anything is written.
  std::vector<std::string> entry_points;
  const std::string ep_member = dist_info + "/entry_points.txt";
  if (targets.count(ep_member)) {
    auto text = wheel.read(ep_member, k_max_dist_info_member);
    if (!text.ok()) return fail(text.take_error());
    ENVLOCK_TRY(eps, script_entry_points(*text, ep_member));
    entry_points = std::move(eps);
  }

  const bool win = target.platform.rfind("win-", 0) == 0;
  const std::string python = target.prefix + (win ? "/python.exe" : "/bin/python");
  const size_t max_shebang = max_shebang_length(target.platform);
  std::map<std::string, RecordLine> installed;  // prefix-relative -> what RECORD says
  std::set<std::string> made_dirs;
  auto put = [&](const std::string& rel, std::string_view bytes, mode_t mode) -> Result<void> {
    const std::string parent = fsu::parent_of(rel);
    if (!parent.empty() && made_dirs.insert(parent).second) {
      ENVLOCK_TRY_VOID(fsu::make_dirs(target.root + "/" + parent));
    }
    // pip writes over anything; a lock install must not: a wheel replacing bin/python3.11 or
    // lib/python3.11/os.py of a conda package leaves a prefix that no longer verifies.
    if (installed.count(rel)) {
      return Error{ErrorKind::input, rel, "two files of the wheel land here"};
    }
    if (fsu::lexists(target.root + "/" + rel) ||
        (fsu::lexists(target.prefix + "/" + rel) &&
         !(target.replaced && target.replaced->count(rel)))) {
      return Error{
          ErrorKind::input, rel, "the wheel would overwrite a file another package installs"};
    }
    ENVLOCK_TRY_VOID(fsu::write_new_file(target.root + "/" + rel, bytes, mode));
    installed[rel] = RecordLine{hash::hex_digest(hash::Algorithm::sha256, bytes), bytes.size()};
    return Ok{};
  };
  auto put_named =
      [&](const std::string& rel, std::string_view bytes, mode_t mode) -> Result<void> {
    auto r = put(rel, bytes, mode);
    if (!r.ok()) return fail(r.take_error());
    return Ok{};
  };

  auto each =
      wheel.extract_each([&](std::string_view member, std::string_view bytes) -> Result<void> {
        if (target.interrupt && target.interrupt->requested) {
          return Error{ErrorKind::io, "", "interrupted"};  // fail() names the wheel
        }
        auto t = targets.find(std::string(member));
        if (t == targets.end()) return Ok{};  // folders, RECORD and its signatures
        const RecordLine& want = listed[t->first];
        const std::string got = hash::hex_digest(hash::Algorithm::sha256, bytes);
        if (got != want.sha256 || (want.size && *want.size != bytes.size())) {
          return Error{ErrorKind::input,
                       std::string(member),
                       "differs from the wheel's RECORD (sha256 " + got + ", RECORD says " +
                           want.sha256 + ")"};
        }
        const bool script = t->second.rfind(win ? "Scripts/" : "bin/", 0) == 0 &&
                            std::string(member).rfind(data_dir + "/scripts/", 0) == 0;
        if (script && bytes.rfind("#!python", 0) == 0) {
          // pip's fix_script: the whole first line becomes the prefix python's shebang.
          size_t eol = bytes.find('\n');
          std::string_view rest = eol == std::string_view::npos ? "" : bytes.substr(eol + 1);
          std::string shebang = "#!" + python + "\n";
          if (shebang.size() - 1 > max_shebang || python.find(' ') != std::string::npos) {
            shebang = "#!/bin/sh\n'''exec' \"" + python + "\" \"$0\" \"$@\" #'''\n";
          }
          return put(t->second, shebang + std::string(rest), 0755);
        }
        return put(t->second, bytes, script ? 0755 : 0644);
      });
  if (!each.ok()) return fail(each.take_error());
  if (installed.size() != targets.size()) {
    return Error{ErrorKind::input, label, "the wheel's members could not all be read"};
  }

  InstalledWheel out;
  out.dist_info = target.site_packages + "/" + dist_info;
  for (const std::string& ep : entry_points) {
    std::string name;
    auto script = entry_point_script(ep, python, max_shebang, &name);
    if (!script.ok()) return fail(script.take_error());
    const std::string rel =
        std::string(win ? "Scripts/" : "bin/") + name + (win ? "-script.py" : "");
    ENVLOCK_TRY_VOID(put_named(rel, *script, 0755));
    out.entry_points.push_back(name);
  }

  // The installer's own dist-info files (PEP 376, PEP 610).
  ENVLOCK_TRY_VOID(put_named(out.dist_info + "/INSTALLER", "envlock\n", 0644));
  if (target.requested == Requested::yes)
    ENVLOCK_TRY_VOID(put_named(out.dist_info + "/REQUESTED", "", 0644));
  const std::string url = channel::without_credentials(package.url);
  if (!url.empty()) {
    nlohmann::json direct = {{"archive_info",
                              {{"hash", "sha256=" + hash::normalize_hex(package.sha256)},
                               {"hashes", {{"sha256", hash::normalize_hex(package.sha256)}}}}},
                             {"url", url}};
    ENVLOCK_TRY_VOID(put_named(out.dist_info + "/direct_url.json", direct.dump(), 0644));
  }

  // RECORD: every installed file relative to site-packages, sorted, itself last without hash.
  std::vector<pypi::RecordEntry> rows;
  for (const auto& [rel, line] : installed) {
    pypi::RecordEntry e;
    e.path = relative_to(rel, target.site_packages);
    e.hash_algorithm = "sha256";
    e.hash_b64 = pypi::record_hash(line.sha256).substr(7);  // after "sha256="
    e.size = line.size;
    rows.push_back(std::move(e));
    out.files.push_back(rel);
  }
  pypi::RecordEntry self;
  self.path = relative_to(out.dist_info + "/RECORD", target.site_packages);
  rows.push_back(self);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  const std::string record_rel = out.dist_info + "/RECORD";
  ENVLOCK_TRY_VOID(
      fsu::write_new_file(target.root + "/" + record_rel, pypi::write_record(rows), 0644));
  out.files.push_back(record_rel);
  std::sort(out.files.begin(), out.files.end());
  return out;
}

}  // namespace envlock::install
