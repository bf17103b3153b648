#include "lib/spec/package_record.h"

#include <simdjson.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "lib/spec/repodata_record.h"
#include "lib/util/text.h"

namespace envlock::spec {

const Version* PackageRecord::parsed_version() const {
  if (!m_version_cache || m_version_cache_key != version) {
    auto parsed = Version::parse(version);
    m_version_cache_key = version;
    if (!parsed.ok()) {
      m_version_cache.reset();
      return nullptr;
    }
    m_version_cache = std::move(parsed).value();
  }
  return &*m_version_cache;
}

std::int64_t PackageRecord::timestamp_to_ms(std::int64_t value) {
  if (value != 0 && value < 253402300799LL) return value * 1000;
  return value;
}

Result<PackageRecord> record_from_filename(std::string_view filename) {
  std::string_view stem = filename;
  for (std::string_view ext : {".conda", ".tar.bz2"}) {
    if (stem.size() > ext.size() && stem.substr(stem.size() - ext.size()) == ext) {
      stem.remove_suffix(ext.size());
      break;
    }
  }
  auto last = stem.rfind('-');
  auto middle = last == std::string_view::npos || last == 0 ? std::string_view::npos
                                                            : stem.rfind('-', last - 1);
  if (middle == std::string_view::npos || middle == 0) {
    return Error{ErrorKind::input,
                 "",
                 "package file name '" + std::string(filename) + "' is not name-version-build"};
  }
  PackageRecord r;
  r.name = std::string(stem.substr(0, middle));
  r.version = std::string(stem.substr(middle + 1, last - middle - 1));
  r.build = std::string(stem.substr(last + 1));
  r.fn = std::string(filename);
  return r;
}

namespace detail {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Finds where nlohmann's parser stops, without building a document (a late error in a 240 MB
// repodata would otherwise cost gigabytes of DOM).
struct ErrorFinder : nlohmann::json_sax<nlohmann::json> {
  std::size_t byte = 0;
  std::string why;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    byte = position;
    why = e.what();
    return false;
  }
};

Error json_location_error(std::string_view json, const std::string& source) {
  // simdjson reports no position; nlohmann's parser does.
  ErrorFinder finder;
  try {
    if (nlohmann::json::sax_parse(json.begin(), json.end(), &finder))
      return Error{ErrorKind::input, source, "malformed JSON"};
  } catch (const std::exception& e) {
    return Error{ErrorKind::input, source, std::string("malformed JSON: ") + e.what()};
  }
  std::size_t byte = finder.byte == 0 ? 0 : finder.byte - 1;
  auto [line, column] = line_column(json, byte);
  std::string why = finder.why;
  auto pos = why.find("syntax error");
  if (pos != std::string::npos) why = why.substr(pos);
  return Error::at(ErrorKind::input,
                   source,
                   line,
                   column,
                   "malformed JSON (byte " + std::to_string(byte) + "): " + why);
}

Result<std::vector<std::string>> string_list(element value, const std::string& where,
                                             const char* field, Joined joined) {
  std::vector<std::string> out;
  if (value.type() == element_type::NULL_VALUE) return out;
  if (value.type() == element_type::STRING && joined == Joined::split) {
    // track_features/features are often one "a b" or "a,b" string.
    std::string_view s = value.get_string().value_unsafe();
    std::size_t i = 0;
    auto separator = [](char c) { return c == ' ' || c == '\t' || c == ','; };
    while (i < s.size()) {
      while (i < s.size() && separator(s[i])) ++i;
      std::size_t j = i;
      while (j < s.size() && !separator(s[j])) ++j;
      if (j > i) out.emplace_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  }
  if (value.type() != element_type::ARRAY) {
    return Error{ErrorKind::input, where, std::string("'") + field + "' must be a list of strings"};
  }
  // Keep the array in a local: value_unsafe() on a temporary would dangle in a range-for.
  simdjson::dom::array array = value.get_array().value_unsafe();
  for (element item : array) {
    if (item.type() != element_type::STRING) {
      return Error{
          ErrorKind::input, where, std::string("'") + field + "' must be a list of strings"};
    }
    std::string_view text = item.get_string().value_unsafe();
    if (joined == Joined::split) {
      // As libsolv reads feature arrays: blanks around an item are dropped, empty items too.
      auto b = text.find_first_not_of(" \t");
      if (b == std::string_view::npos) continue;
      text = text.substr(b, text.find_last_not_of(" \t") - b + 1);
    }
    out.emplace_back(text);
  }
  return out;
}

Result<PackageRecord> parse_record(std::string_view fn, element value, const Repodata& repo,
                                   const std::string& source) {
  std::string where = source + ": record '" + std::string(fn) + "'";
  if (value.type() != element_type::OBJECT) {
    return Error{ErrorKind::input, where, "record must be an object"};
  }
  PackageRecord r;
  r.fn = std::string(fn);
  auto str = [&](element v, std::string& out, const char* field) -> Result<void> {
    if (v.type() == element_type::NULL_VALUE) return Ok{};
    if (v.type() != element_type::STRING) {
      return Error{ErrorKind::input, where, std::string("'") + field + "' must be a string"};
    }
    out = std::string(v.get_string().value_unsafe());
    return Ok{};
  };
  auto integer = [&](element v, std::int64_t& out, const char* field) -> Result<void> {
    if (v.type() == element_type::NULL_VALUE) return Ok{};
    if (v.type() == element_type::INT64) {
      out = v.get_int64().value_unsafe();
    } else if (v.type() == element_type::UINT64) {
      out = static_cast<std::int64_t>(v.get_uint64().value_unsafe());
    } else if (v.type() == element_type::DOUBLE) {
      out = clamp_to_int64(v.get_double().value_unsafe());
    } else {
      return Error{ErrorKind::input, where, std::string("'") + field + "' must be a number"};
    }
    return Ok{};
  };
  simdjson::dom::object object = value.get_object().value_unsafe();
  for (auto field : object) {
    std::string_view key = field.key;
    element v = field.value;
    if (key == "name")
      ENVLOCK_TRY_VOID(str(v, r.name, "name"));
    else if (key == "version")
      ENVLOCK_TRY_VOID(str(v, r.version, "version"));
    else if (key == "build")
      ENVLOCK_TRY_VOID(str(v, r.build, "build"));
    else if (key == "build_number")
      ENVLOCK_TRY_VOID(integer(v, r.build_number, "build_number"));
    else if (key == "depends" || key == "requires") {
      // "requires" is the conda 1.x spelling; libsolv reads both into one list, so do we.
      ENVLOCK_TRY(list, string_list(v, where, key == "depends" ? "depends" : "requires"));
      for (auto& dep : list)
        if (std::find(r.depends.begin(), r.depends.end(), dep) == r.depends.end())
          r.depends.push_back(std::move(dep));
    } else if (key == "constrains") {
      ENVLOCK_TRY(list, string_list(v, where, "constrains"));
      r.constrains = std::move(list);
    } else if (key == "track_features") {
      ENVLOCK_TRY(list, string_list(v, where, "track_features", Joined::split));
      r.track_features = std::move(list);
    } else if (key == "features") {
      ENVLOCK_TRY(list, string_list(v, where, "features", Joined::split));
      r.features = std::move(list);
    } else if (key == "md5")
      ENVLOCK_TRY_VOID(str(v, r.md5, "md5"));
    else if (key == "sha256")
      ENVLOCK_TRY_VOID(str(v, r.sha256, "sha256"));
    else if (key == "size") {
      std::int64_t size = 0;
      ENVLOCK_TRY_VOID(integer(v, size, "size"));
      r.size = static_cast<std::uint64_t>(size);
    } else if (key == "timestamp") {
      std::int64_t ts = 0;
      ENVLOCK_TRY_VOID(integer(v, ts, "timestamp"));
      r.timestamp = PackageRecord::timestamp_to_ms(ts);
    } else if (key == "subdir")
      ENVLOCK_TRY_VOID(str(v, r.subdir, "subdir"));
    else if (key == "noarch") {
      if (v.type() == element_type::BOOL) {
        r.noarch = v.get_bool().value_unsafe() ? "generic" : "";
      } else {
        ENVLOCK_TRY_VOID(str(v, r.noarch, "noarch"));
      }
    } else if (key == "license")
      ENVLOCK_TRY_VOID(str(v, r.license, "license"));
    else if (key == "license_family")
      ENVLOCK_TRY_VOID(str(v, r.license_family, "license_family"));
    else if (key == "url")
      ENVLOCK_TRY_VOID(str(v, r.url, "url"));
    else if (key == "channel")
      ENVLOCK_TRY_VOID(str(v, r.channel, "channel"));
    else if (key == "package_type")
      ENVLOCK_TRY_VOID(str(v, r.package_type, "package_type"));
    else if (key == "fn")
      ENVLOCK_TRY_VOID(str(v, r.fn, "fn"));
  }
  if (r.name.empty() || r.version.empty()) {
    return Error{ErrorKind::input, where, "record needs 'name' and 'version'"};
  }
  if (r.subdir.empty()) r.subdir = repo.subdir;
  if (r.url.empty() && !repo.base_url.empty()) {
    r.url = repo.base_url;
    if (r.url.back() != '/') r.url += '/';
    r.url += r.fn;
  }
  return r;
}

}  // namespace detail

using detail::element;
using detail::element_type;

Result<Repodata> parse_repodata(std::string_view json, const std::string& source_name) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json.data(), json.size());
  element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    return detail::json_location_error(json, source_name);
  }
  if (doc.type() != element_type::OBJECT) {
    return Error{ErrorKind::input, source_name, "repodata must be a JSON object"};
  }
  Repodata repo;
  element info;
  if (doc["info"].get(info) == simdjson::SUCCESS && info.type() == element_type::OBJECT) {
    std::string_view s;
    if (info["subdir"].get(s) == simdjson::SUCCESS) repo.subdir = std::string(s);
    if (info["base_url"].get(s) == simdjson::SUCCESS) repo.base_url = std::string(s);
  }
  std::int64_t version = 0;
  if (doc["repodata_version"].get(version) == simdjson::SUCCESS) {
    repo.repodata_version = static_cast<int>(version);
  }
  for (const char* section : {"packages", "packages.conda"}) {
    element packages;
    if (doc[section].get(packages) != simdjson::SUCCESS ||
        packages.type() == element_type::NULL_VALUE) {
      continue;
    }
    if (packages.type() != element_type::OBJECT) {
      return Error{
          ErrorKind::input, source_name, std::string("'") + section + "' must be an object"};
    }
    simdjson::dom::object object = packages.get_object().value_unsafe();
    repo.records.reserve(repo.records.size() + object.size());
    for (auto entry : object) {
      ENVLOCK_TRY(record, detail::parse_record(entry.key, entry.value, repo, source_name));
      repo.records.push_back(std::move(record));
    }
  }
  element removed;
  if (doc["removed"].get(removed) == simdjson::SUCCESS) {
    ENVLOCK_TRY(list, detail::string_list(removed, source_name, "removed"));
    repo.removed = std::move(list);
  }
  return repo;
}

}  // namespace envlock::spec
