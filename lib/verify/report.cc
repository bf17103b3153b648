// Rendering of a verify Report: text for people, JSON for machines.

#include <map>
#include <nlohmann/json.hpp>

#include "lib/util/text.h"
#include "lib/verify/verify.h"

namespace envlock::verify {
namespace {

std::string plural(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string finding_line(const Finding& f) {
  // Paths and names come from the prefix and the lock: escaped so each finding stays one line.
  std::string line = "  " + f.code;
  if (!f.path.empty()) line += "  " + printable(f.path);
  line += ": " + printable(f.message);
  if (f.code == "content-differs") {
    line += " (expected " + printable(f.expected) + ", found " + printable(f.actual) + ")";
  }
  return line + "\n";
}

}  // namespace

std::string render_text(const Report& report) {
  std::string out;
  std::string scope =
      printable(report.platform) + ", " + std::string(to_string(report.level)) + " level";
  if (report.clean()) {
    out += "ok: " + printable(report.prefix) + " matches " + printable(report.lock) + " (" + scope +
           ": " + plural(report.packages_locked, "package", "packages");
    if (report.pip_locked > 0)
      out += ", " + plural(report.pip_locked, "pip distribution", "pip distributions");
    if (report.level != Level::packages)
      out += ", " + plural(report.files_checked, "file", "files");
    if (report.level == Level::hashes)
      out += ", " + std::to_string(report.files_hashed) + " hashed";
    out += ")\n";
  } else {
    out += plural(report.packages_differ(), "package differs", "packages differ") + ", " +
           plural(report.files_missing(), "file missing", "files missing") + ", " +
           plural(report.files_modified(), "file modified", "files modified");
    if (size_t u = report.files_untracked()) out += ", " + std::to_string(u) + " untracked";
    out += " (" + scope + ")\n";
  }
  // Drift first, grouped by package (prefix-wide findings last), then notes.
  for (Severity severity : {Severity::drift, Severity::info}) {
    std::string current = "\x01";
    size_t shown = 0;
    for (const auto& f : report.findings) {
      if (f.severity != severity) continue;
      if (severity == Severity::info && shown == 0) out += "notes:\n";
      const bool pip = f.manager == lockfile::Manager::pip;
      const std::string key = (pip ? "pip:" : "") + f.package;
      if (key != current) {
        current = key;
        auto label = report.labels.find(key);
        const std::string shown_name = (pip ? "(pip) " : "") + f.package;
        out += f.package.empty()              ? std::string("(no package)")
               : label == report.labels.end() ? printable(shown_name)
                                              : printable(shown_name + " " + label->second);
        out += "\n";
      }
      out += finding_line(f);
      ++shown;
    }
  }
  out += "host: " + host::summary(report.host) + "\n";
  return out;
}

std::string render_json(const Report& report) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["status"] = report.clean() ? "ok" : "drift";
  j["prefix"] = report.prefix;
  j["lock"] = report.lock;
  j["environment"] = report.environment;
  j["platform"] = report.platform;
  j["level"] = to_string(report.level);
  j["summary"] = {
      {"packages_locked", report.packages_locked},
      {"packages_present", report.packages_present},
      {"packages_differ", report.packages_differ()},
      {"files_checked", report.files_checked},
      {"files_missing", report.files_missing()},
      {"files_modified", report.files_modified()},
      {"files_untracked", report.files_untracked()},
      {"files_hashed", report.files_hashed},
      {"bytes_hashed", report.bytes_hashed},
      {"pip_locked", report.pip_locked},
      {"pip_present", report.pip_present},
  };
  auto& findings = j["findings"] = nlohmann::ordered_json::array();
  for (const auto& f : report.findings) {
    nlohmann::ordered_json x;
    x["severity"] = f.severity == Severity::drift ? "drift" : "info";
    x["code"] = f.code;
    x["package"] = f.package;
    x["manager"] = lockfile::to_string(f.manager);
    x["path"] = f.path;
    x["expected"] = f.expected;
    x["actual"] = f.actual;
    x["message"] = f.message;
    findings.push_back(std::move(x));
  }
  auto& host = j["host"];
  host["status"] = report.host.ok() ? "ok" : "incompatible";
  host["enforced"] = report.host_check == HostCheck::enforce;
  host["machine"] = nlohmann::ordered_json::object();
  for (const auto& [name, vp] : report.host.machine)
    host["machine"][name] = {{"version", vp.version}, {"build", vp.build}};
  host["needs"] = nlohmann::ordered_json::array();
  for (const auto& n : report.host.needs)
    host["needs"].push_back({{"name", n.name},
                             {"spec", n.spec},
                             {"packages", n.packages},
                             {"satisfied", n.satisfied},
                             {"message", n.message}});
  // Names from locks and prefixes may hold bytes that are not UTF-8: replaced, not thrown on.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace envlock::verify
