#include "lib/export/export.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/channel/identity.h"
#include "lib/channel/url.h"
#include "lib/hash/hash.h"
#include "lib/lockfile/lockfile.h"
#include "lib/prefix/prefix.h"
#include "lib/spec/platform.h"
#include "lib/util/file.h"
#include "lib/util/text.h"

namespace envlock::exporter {
namespace {

using nlohmann::ordered_json;

std::string percent_encode(std::string_view text) {
  static const char* k_hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}

// PEP 503: lowercase, runs of '-', '_', '.' become one '-'.
std::string pypi_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (out.empty() || out.back() != '-') out += '-';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// The purl `channel` qualifier: the name of a channel on anaconda.org / repo.anaconda.com (as in
// the purl spec's example `channel=main`), else the credential-free URL.
std::string purl_channel(const std::string& channel_url) {
  std::string url = channel::without_credentials(channel_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  for (std::string_view prefix : {"https://conda.anaconda.org/",
                                  "http://conda.anaconda.org/",
                                  "https://repo.anaconda.com/pkgs/",
                                  "http://repo.anaconda.com/pkgs/"}) {
    if (url.rfind(prefix, 0) == 0 && url.size() > prefix.size()) return url.substr(prefix.size());
  }
  return url;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string basename_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "YYYY-MM-DDTHH:MM:SSZ" for seconds since the epoch.
std::string iso_time(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// SOURCE_DATE_EPOCH, else the lock's created_at (its first 19 characters when they are an ISO
// date and time), else the newest package timestamp, else the epoch. Never the clock.
std::string document_time(const lockfile::Lock& lock,
                          const std::vector<const lockfile::LockedPackage*>& packages,
                          const EnvGetter& env) {
  if (auto epoch = env("SOURCE_DATE_EPOCH"); epoch && !epoch->empty() && epoch->size() < 19 &&
                                             std::all_of(epoch->begin(), epoch->end(), ::isdigit))
    return iso_time(std::stoll(*epoch));
  if (const auto& created = lock.metadata.created_at; created && created->size() >= 19) {
    const std::string& c = *created;
    const char* shape = "dddd-dd-ddTdd:dd:dd";
    bool ok = true;
    for (int i = 0; i < 19 && ok; ++i)
      ok = shape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(c[i])) != 0
                           : (c[i] == shape[i] || (i == 10 && c[i] == ' '));
    if (ok) {
      std::string out = c.substr(0, 19);
      out[10] = 'T';
      return out + "Z";
    }
  }
  int64_t newest = 0;
  for (const auto* p : packages)
    if (p->timestamp) newest = std::max(newest, *p->timestamp);
  // conda timestamps are milliseconds; very old records have seconds.
  if (newest > 100'000'000'000) newest /= 1000;
  return iso_time(newest);
}

// A name-based UUID (version 5 layout) from the sha256 of what the document describes.
std::string content_uuid(const std::string& lock_bytes, const Options& options,
                         const std::string& platform) {
  std::string h = hash::hex_digest(
      hash::Algorithm::sha256,
      lock_bytes + "\n" + to_string(options.format) + "\n" + platform + "\n" + options.environment);
  h[12] = '5';
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

// True when `text` reads as an SPDX license expression of plain ids (MIT, BSD-3-Clause AND
// Apache-2.0, GPL-2.0-or-later WITH x); conda's free-form strings ("BSD 3-Clause") are not.
bool spdx_expression(const std::string& text) {
  // pixi writes "None" for a package that declares nothing: that is no SPDX NONE.
  if (text.empty() || text == "None") return false;
  bool expect_id = true;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find(' ', i);
    if (end == std::string::npos) end = text.size();
    std::string token = text.substr(i, end - i);
    if (token.empty()) return false;
    if (expect_id) {
      for (char c : token)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '+')
          return false;
      if (token == "AND" || token == "OR" || token == "WITH") return false;
    } else if (token != "AND" && token != "OR" && token != "WITH") {
      return false;
    }
    expect_id = !expect_id;
    i = end + 1;
  }
  return !expect_id;
}

// Characters that keep `name=version=build` and `- ` items one plain YAML scalar on one line.
bool yaml_plain(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text)
    if (c <= ' ' || c >= 0x7f || c == '#' || c == '"' || c == '\'' || c == '`' || c == '{' ||
        c == '}' || c == '[' || c == ']' || c == ',' || c == '&' || c == '|' || c == '>')
      return false;
  return !(text[0] == '*' || text[0] == '!' || text[0] == '%' || text[0] == '@' || text[0] == '-' ||
           text[0] == ':' || text[0] == '?');
}

struct Chosen {
  std::string environment;
  const lockfile::Environment* env = nullptr;
  std::vector<std::string> platforms;  ///< the platforms exported
};

Result<Chosen> choose(const lockfile::Lock& lock, const Options& options) {
  Chosen chosen;
  std::string names;
  for (const auto& [n, _] : lock.environments) names += (names.empty() ? "" : ", ") + n;
  if (!options.environment.empty()) {
    chosen.env = lock.environment(options.environment);
    chosen.environment = options.environment;
  } else if ((chosen.env = lock.environment(lockfile::k_default_environment))) {
    chosen.environment = lockfile::k_default_environment;
  } else if (lock.environments.size() == 1) {
    chosen.env = &lock.environments.begin()->second;
    chosen.environment = lock.environments.begin()->first;
  }
  if (chosen.env == nullptr)
    return Error{ErrorKind::usage,
                 "--environment",
                 (options.environment.empty() ? std::string("the lock has several environments")
                                              : "no environment '" + options.environment + "'") +
                     "; it has: " + (names.empty() ? std::string("none") : names)};
  std::string platforms;
  for (const auto& [p, _] : chosen.env->packages) platforms += (platforms.empty() ? "" : ", ") + p;
  if (platforms.empty()) platforms = "none";
  const bool sbom = options.format == Format::cyclonedx || options.format == Format::spdx;
  if (!options.platform.empty()) {
    if (!chosen.env->packages.count(options.platform))
      return Error{ErrorKind::usage,
                   "--platform " + options.platform,
                   "the lock has no packages for this platform; it has: " + platforms};
    chosen.platforms = {options.platform};
  } else if (sbom) {
    for (const auto& [p, _] : chosen.env->packages) chosen.platforms.push_back(p);
  } else if (chosen.env->packages.count(spec::host_platform())) {
    chosen.platforms = {spec::host_platform()};
  } else if (chosen.env->packages.size() == 1) {
    chosen.platforms = {chosen.env->packages.begin()->first};
  } else {
    return Error{ErrorKind::usage,
                 "--platform",
                 std::string(to_string(options.format)) +
                     " holds one platform; choose one with -p: " + platforms};
  }
  return chosen;
}

// One entry per package URL (a noarch package locked for several platforms is one component),
// sorted by purl.
std::vector<std::pair<std::string, const lockfile::LockedPackage*>> components_of(
    const Chosen& chosen) {
  std::map<std::string, const lockfile::LockedPackage*> by_purl;
  for (const auto& platform : chosen.platforms)
    for (const auto& p : chosen.env->packages.at(platform))
      if (p.name.rfind("__", 0) != 0) by_purl.emplace(purl(p), &p);
  return {by_purl.begin(), by_purl.end()};
}

std::string license_of(const lockfile::LockedPackage& p,
                       const std::map<std::string, std::string>& licenses) {
  if (!p.license.empty()) return p.license;
  auto it = licenses.find(p.name + " " + p.version + " " + p.build);
  return it == licenses.end() ? std::string() : it->second;
}

std::string download_url(const lockfile::LockedPackage& p) {
  return channel::has_scheme(p.url) ? channel::redact_url(p.url) : std::string();
}

std::string render_cyclonedx(const lockfile::Lock& lock, const std::string& lock_bytes,
                             const Options& options, const Chosen& chosen,
                             const std::map<std::string, std::string>& licenses,
                             const EnvGetter& env) {
  auto components = components_of(chosen);
  std::vector<const lockfile::LockedPackage*> packages;
  for (const auto& [_, p] : components) packages.push_back(p);
  std::string platform_key;
  for (const auto& p : chosen.platforms) platform_key += p + ",";

  ordered_json bom;
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.6";
  bom["serialNumber"] = "urn:uuid:" + content_uuid(lock_bytes, options, platform_key);
  bom["version"] = 1;
  ordered_json metadata;
  metadata["timestamp"] = document_time(lock, packages, env);
  metadata["tools"]["components"] = ordered_json::array(
      {{{"type", "application"}, {"name", "envlock"}, {"version", options.tool_version}}});
  metadata["component"] = {{"type", "application"},
                           {"bom-ref", "envlock-environment"},
                           {"name", basename_of(options.lock)}};
  ordered_json properties = ordered_json::array();
  properties.push_back({{"name", "envlock:environment"}, {"value", chosen.environment}});
  for (const auto& p : chosen.platforms)
    properties.push_back({{"name", "envlock:platform"}, {"value", p}});
  metadata["properties"] = properties;
  bom["metadata"] = metadata;

  ordered_json list = ordered_json::array();
  ordered_json refs = ordered_json::array();
  for (const auto& [ref, p] : components) {
    ordered_json c;
    c["type"] = "library";
    c["bom-ref"] = ref;
    c["name"] = p->name;
    c["version"] = p->version;
    ordered_json hashes = ordered_json::array();
    if (!p->sha256.empty()) hashes.push_back({{"alg", "SHA-256"}, {"content", p->sha256}});
    if (!p->md5.empty()) hashes.push_back({{"alg", "MD5"}, {"content", p->md5}});
    if (!hashes.empty()) c["hashes"] = hashes;
    if (auto license = license_of(*p, licenses); !license.empty())
      c["licenses"] = ordered_json::array({{{"license", {{"name", license}}}}});
    c["purl"] = ref;
    if (auto url = download_url(*p); !url.empty())
      c["externalReferences"] = ordered_json::array({{{"type", "distribution"}, {"url", url}}});
    ordered_json props = ordered_json::array();
    if (p->manager == lockfile::Manager::conda && !p->build.empty())
      props.push_back({{"name", "conda:build"}, {"value", p->build}});
    if (!p->subdir.empty()) props.push_back({{"name", "conda:subdir"}, {"value", p->subdir}});
    if (!props.empty()) c["properties"] = props;
    list.push_back(std::move(c));
    refs.push_back(ref);
  }
  bom["components"] = std::move(list);
  bom["dependencies"] =
      ordered_json::array({{{"ref", "envlock-environment"}, {"dependsOn", std::move(refs)}}});
  return bom.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_spdx(const lockfile::Lock& lock, const std::string& lock_bytes,
                        const Options& options, const Chosen& chosen,
                        const std::map<std::string, std::string>& licenses, const EnvGetter& env) {
  auto components = components_of(chosen);
  std::vector<const lockfile::LockedPackage*> packages;
  for (const auto& [_, p] : components) packages.push_back(p);
  std::string platform_key;
  for (const auto& p : chosen.platforms) platform_key += p + ",";
  const std::string name = basename_of(options.lock);

  ordered_json doc;
  doc["spdxVersion"] = "SPDX-2.3";
  doc["dataLicense"] = "CC0-1.0";
  doc["SPDXID"] = "SPDXRef-DOCUMENT";
  doc["name"] = name;
  doc["documentNamespace"] = "https://spdx.org/spdxdocs/envlock-" + percent_encode(name) + "-" +
                             content_uuid(lock_bytes, options, platform_key);
  doc["creationInfo"] = {{"created", document_time(lock, packages, env)},
                         {"creators", {"Tool: envlock-" + options.tool_version}}};
  ordered_json list = ordered_json::array();
  ordered_json relationships = ordered_json::array();
  for (const auto& [ref, p] : components) {
    const std::string id =
        "SPDXRef-Package-" + hash::hex_digest(hash::Algorithm::sha256, ref).substr(0, 24);
    ordered_json s;
    s["SPDXID"] = id;
    s["name"] = p->name;
    s["versionInfo"] = p->version;
    auto url = download_url(*p);
    s["downloadLocation"] = url.empty() ? "NOASSERTION" : url;
    s["filesAnalyzed"] = false;
    ordered_json sums = ordered_json::array();
    if (!p->sha256.empty()) sums.push_back({{"algorithm", "SHA256"}, {"checksumValue", p->sha256}});
    if (!p->md5.empty()) sums.push_back({{"algorithm", "MD5"}, {"checksumValue", p->md5}});
    if (!sums.empty()) s["checksums"] = sums;
    s["licenseConcluded"] = "NOASSERTION";
    auto license = license_of(*p, licenses);
    s["licenseDeclared"] = spdx_expression(license) ? license : "NOASSERTION";
    if (!license.empty() && !spdx_expression(license))
      s["licenseComments"] = "declared by the package: " + license;
    s["copyrightText"] = "NOASSERTION";
    s["externalRefs"] = ordered_json::array({{{"referenceCategory", "PACKAGE-MANAGER"},
                                              {"referenceType", "purl"},
                                              {"referenceLocator", ref}}});
    s["primaryPackagePurpose"] = "LIBRARY";
    list.push_back(std::move(s));
    relationships.push_back({{"spdxElementId", "SPDXRef-DOCUMENT"},
                             {"relationshipType", "DESCRIBES"},
                             {"relatedSpdxElement", id}});
  }
  doc["packages"] = std::move(list);
  doc["relationships"] = std::move(relationships);
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<std::string> render_environment_yml(const Options& options, const Chosen& chosen) {
  const auto& packages = chosen.env->packages.at(chosen.platforms.front());
  std::vector<std::string> conda, pip;
  for (const auto& p : packages) {
    if (p.name.rfind("__", 0) == 0) continue;
    for (const std::string* field : {&p.name, &p.version})
      if (!yaml_plain(*field))
        return Error{ErrorKind::input,
                     options.lock,
                     "package '" + printable(p.name) + "' has a name or version that is not " +
                         "one plain YAML word"};
    if (p.manager == lockfile::Manager::pip) {
      pip.push_back(p.name + "==" + p.version);
    } else {
      if (!p.build.empty() && !yaml_plain(p.build))
        return Error{
            ErrorKind::input,
            options.lock,
            "package '" + printable(p.name) + "' has a build that is not one plain " + "YAML word"};
      conda.push_back(p.name + "=" + p.version + (p.build.empty() ? "" : "=" + p.build));
    }
  }
  std::sort(conda.begin(), conda.end());
  std::sort(pip.begin(), pip.end());
  std::string out = "name: " + (yaml_plain(chosen.environment) ? chosen.environment : "env") + "\n";
  const auto& channels = chosen.env->channels;
  out += "channels:\n";
  for (const auto& c : channels) {
    std::string url = channel::redact_url(c.url);
    out += yaml_plain(url) ? "  - " + url + "\n" : "  - '" + printable(url) + "'\n";
  }
  out += "dependencies:\n";
  for (const auto& line : conda) out += "  - " + line + "\n";
  if (!pip.empty()) {
    if (std::none_of(conda.begin(), conda.end(), [](const std::string& s) {
          return s.rfind("pip=", 0) == 0;
        }))
      out += "  - pip\n";
    out += "  - pip:\n";
    for (const auto& line : pip) out += "    - " + line + "\n";
  }
  return out;
}

}  // namespace

const char* to_string(Format format) {
  switch (format) {
    case Format::cyclonedx:
      return "cyclonedx";
    case Format::spdx:
      return "spdx";
    case Format::environment_yml:
      return "environment-yml";
    case Format::explicit_file:
      return "explicit";
  }
  return "?";
}

std::optional<Format> parse_format(const std::string& text) {
  for (Format f : {Format::cyclonedx, Format::spdx, Format::environment_yml, Format::explicit_file})
    if (text == to_string(f)) return f;
  return std::nullopt;
}

std::string purl(const lockfile::LockedPackage& package) {
  if (package.manager == lockfile::Manager::pip)
    return "pkg:pypi/" + percent_encode(pypi_name(package.name)) + "@" +
           percent_encode(package.version);
  std::string out =
      "pkg:conda/" + percent_encode(package.name) + "@" + percent_encode(package.version);
  std::vector<std::pair<std::string, std::string>> qualifiers;
  auto split = channel::split_package_url(package.url);
  // The URL's channel first: every lock format has the URL, not every one the channel.
  std::string channel_url = split ? split->channel : package.channel;
  std::string subdir = split ? split->subdir : package.subdir;
  std::string file = lockfile::url_filename(package.url);
  if (!package.build.empty()) qualifiers.emplace_back("build", package.build);
  if (!channel_url.empty()) qualifiers.emplace_back("channel", purl_channel(channel_url));
  if (!subdir.empty()) qualifiers.emplace_back("subdir", subdir);
  if (ends_with(file, ".conda")) qualifiers.emplace_back("type", "conda");
  if (ends_with(file, ".tar.bz2")) qualifiers.emplace_back("type", "tar.bz2");
  char sep = '?';
  for (const auto& [k, v] : qualifiers) {
    out += sep + k + "=" + percent_encode(v);
    sep = '&';
  }
  return out;
}

Result<std::string> render(const lockfile::Lock& lock, const std::string& lock_bytes,
                           const Options& options,
                           const std::map<std::string, std::string>& licenses,
                           const EnvGetter& env) {
  ENVLOCK_TRY(chosen, choose(lock, options));
  switch (options.format) {
    case Format::cyclonedx:
      return render_cyclonedx(lock, lock_bytes, options, chosen, licenses, env);
    case Format::spdx:
      return render_spdx(lock, lock_bytes, options, chosen, licenses, env);
    case Format::environment_yml:
      return render_environment_yml(options, chosen);
    case Format::explicit_file: {
      // A lock may carry a channel token or an index password in its URLs; the export is a
      // file to share and never repeats them (conda and pip lines alike).
      lockfile::Lock clean = lock;
      for (auto& [name, environment] : clean.environments)
        for (auto& [platform, packages] : environment.packages)
          for (auto& p : packages) p.url = channel::without_credentials(p.url);
      return lockfile::write_explicit(clean, chosen.environment, chosen.platforms.front());
    }
  }
  return Error{ErrorKind::internal, "export", "unknown format"};
}

Result<std::string> run(const Options& options, const EnvGetter& env) {
  auto read = read_file(options.lock, lockfile::k_max_lock_bytes);
  if (!read.ok()) {
    // A lock that cannot be read is bad input (exit 2), as in every tool.
    Error error = read.take_error();
    error.kind = ErrorKind::input;
    return error;
  }
  std::string bytes = std::move(read).value();
  ENVLOCK_TRY(lock, lockfile::parse_lock(bytes, options.lock));
  std::map<std::string, std::string> licenses;
  if (!options.prefix.empty()) {
    ENVLOCK_TRY(state, prefix::read_conda_meta(options.prefix));
    for (const auto& r : state.records)
      if (!r.license.empty()) licenses[r.name + " " + r.version + " " + r.build] = r.license;
  }
  return render(lock, bytes, options, licenses, env);
}

}  // namespace envlock::exporter
