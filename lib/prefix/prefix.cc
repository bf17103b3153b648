#include "lib/prefix/prefix.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <simdjson.h>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "lib/util/file.h"
#include "lib/util/parallel.h"
#include "lib/util/text.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace envlock::prefix {
namespace {

// A known field with a value of the wrong type; turned into an Error at the boundary.
struct FieldError {
  std::string field;
  std::string what;
};

// A JSON syntax or encoding error, located with nlohmann (only on the error path).
Error json_error(std::string_view text, const std::string& where, const std::string& fallback) {
  try {
    json parsed = json::parse(text.begin(), text.end());
    (void)parsed;
  } catch (const json::parse_error& e) {
    auto [line, column] = line_column(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string why = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..."
    if (auto colon = why.find(": "); colon != std::string::npos) why = why.substr(colon + 2);
    return Error::at(ErrorKind::input, where, line, column, "corrupt record: " + why);
  } catch (const std::exception&) {
  }
  return Error{ErrorKind::input, where, "corrupt record: " + fallback};
}

using Element = simdjson::dom::element;
using Type = simdjson::dom::element_type;

std::string text_of(Element value, const char* field) {
  switch (value.type()) {
    case Type::STRING:
      return std::string(std::string_view(value.get_string()));
    case Type::NULL_VALUE:
      return {};
    default:
      throw FieldError{field, "expected a string"};
  }
}

int64_t int_of(Element value, const char* field) {
  switch (value.type()) {
    case Type::INT64:
      return int64_t(value.get_int64());
    case Type::UINT64:
      return static_cast<int64_t>(uint64_t(value.get_uint64()));
    case Type::DOUBLE:
      return clamp_to_int64(double(value.get_double()));
    default:
      throw FieldError{field, "expected an integer"};
  }
}

std::vector<std::string> strings_of(Element value, const char* field) {
  std::vector<std::string> out;
  if (value.type() == Type::NULL_VALUE) return out;
  if (value.type() != Type::ARRAY) throw FieldError{field, "expected a list of strings"};
  simdjson::dom::array array = value.get_array();
  out.reserve(array.size());
  for (Element item : array) {
    if (item.type() != Type::STRING) throw FieldError{field, "expected a list of strings"};
    out.emplace_back(std::string_view(item.get_string()));
  }
  return out;
}

// track_features / features: a space-separated string, or (some producers) a list.
std::string features_of(Element value, const char* field) {
  if (value.type() == Type::ARRAY) {
    std::string out;
    for (const auto& f : strings_of(value, field)) {
      if (!out.empty()) out += ' ';
      out += f;
    }
    return out;
  }
  return text_of(value, field);
}

PathData parse_path(simdjson::dom::object object) {
  PathData p;
  for (auto [key, v] : object) {
    if (key == "_path") {
      p.path = text_of(v, "paths_data.paths._path");
    } else if (key == "path_type") {
      p.path_type = package::path_type_from_string(text_of(v, "paths_data.paths.path_type"));
    } else if (key == "sha256") {
      p.sha256 = text_of(v, "paths_data.paths.sha256");
    } else if (key == "sha256_in_prefix") {
      p.sha256_in_prefix = text_of(v, "paths_data.paths.sha256_in_prefix");
    } else if (key == "size_in_bytes") {
      if (v.type() != Type::NULL_VALUE) {
        p.size_in_bytes = static_cast<uint64_t>(int_of(v, "paths_data.paths.size_in_bytes"));
      }
    } else if (key == "file_mode") {
      std::string mode = text_of(v, "paths_data.paths.file_mode");
      if (mode == "text") p.file_mode = FileMode::text;
      if (mode == "binary") p.file_mode = FileMode::binary;
    } else if (key == "prefix_placeholder") {
      p.prefix_placeholder = text_of(v, "paths_data.paths.prefix_placeholder");
    } else if (key == "no_link") {
      if (v.type() == Type::BOOL) p.no_link = bool(v.get_bool());
    }
  }
  return p;
}

void parse_paths_data(Element value, PrefixRecord& r) {
  if (value.type() == Type::NULL_VALUE) return;
  if (value.type() != Type::OBJECT) throw FieldError{"paths_data", "expected an object"};
  r.has_paths_data = true;
  for (auto [key, v] : simdjson::dom::object(value.get_object())) {
    if (key == "paths_version") {
      r.paths_version = static_cast<int>(int_of(v, "paths_data.paths_version"));
    } else if (key == "paths") {
      if (v.type() != Type::ARRAY) throw FieldError{"paths_data.paths", "expected a list"};
      simdjson::dom::array array = v.get_array();
      r.paths.reserve(array.size());
      for (Element entry : array) {
        if (entry.type() != Type::OBJECT) throw FieldError{"paths_data.paths", "expected objects"};
        r.paths.push_back(parse_path(entry.get_object()));
      }
    }
  }
}

void parse_link(Element value, PrefixRecord& r) {
  if (value.type() == Type::NULL_VALUE) return;
  if (value.type() != Type::OBJECT) throw FieldError{"link", "expected an object"};
  Link link;
  for (auto [key, v] : simdjson::dom::object(value.get_object())) {
    if (key == "source") link.source = text_of(v, "link.source");
    if (key == "type" && (v.type() == Type::INT64 || v.type() == Type::UINT64)) {
      link.type = static_cast<int>(int_of(v, "link.type"));
    }
  }
  r.link = std::move(link);
}

void parse_field(std::string_view key, Element v, PrefixRecord& r) {
  // Ordered by how often the fields appear in real records.
  if (key == "name") {
    r.name = text_of(v, "name");
  } else if (key == "version") {
    r.version = text_of(v, "version");
  } else if (key == "build") {
    r.build = text_of(v, "build");
  } else if (key == "build_number") {
    r.build_number = int_of(v, "build_number");
  } else if (key == "channel") {
    r.channel = text_of(v, "channel");
  } else if (key == "subdir") {
    r.subdir = text_of(v, "subdir");
  } else if (key == "fn") {
    r.fn = text_of(v, "fn");
  } else if (key == "url") {
    r.url = text_of(v, "url");
  } else if (key == "md5") {
    r.md5 = text_of(v, "md5");
  } else if (key == "sha256") {
    r.sha256 = text_of(v, "sha256");
  } else if (key == "size") {
    if (v.type() != Type::NULL_VALUE) r.size = static_cast<uint64_t>(int_of(v, "size"));
  } else if (key == "depends") {
    r.depends = strings_of(v, "depends");
  } else if (key == "constrains") {
    r.constrains = strings_of(v, "constrains");
  } else if (key == "track_features") {
    r.track_features = features_of(v, "track_features");
  } else if (key == "features") {
    r.features = features_of(v, "features");
  } else if (key == "noarch") {
    if (v.type() == Type::BOOL) {
      r.noarch = bool(v.get_bool()) ? "generic" : "";
    } else {
      r.noarch = text_of(v, "noarch");
    }
  } else if (key == "python_site_packages_path") {
    r.python_site_packages_path = text_of(v, "python_site_packages_path");
  } else if (key == "license") {
    r.license = text_of(v, "license");
  } else if (key == "license_family") {
    r.license_family = text_of(v, "license_family");
  } else if (key == "timestamp") {
    if (v.type() != Type::NULL_VALUE) r.timestamp = int_of(v, "timestamp");
  } else if (key == "requested_spec") {
    r.requested_spec = text_of(v, "requested_spec");
  } else if (key == "files") {
    r.files = strings_of(v, "files");
  } else if (key == "paths_data") {
    parse_paths_data(v, r);
  } else if (key == "link") {
    parse_link(v, r);
  } else if (key == "extracted_package_dir") {
    r.extracted_package_dir = text_of(v, "extracted_package_dir");
  } else if (key == "package_tarball_full_path") {
    r.package_tarball_full_path = text_of(v, "package_tarball_full_path");
  }
}

// Parses a document whose buffer already carries simdjson's padding.
Result<PrefixRecord> parse_padded(simdjson::dom::parser& parser, std::string_view text,
                                  const std::string& where) {
  PrefixRecord r;
  try {
    Element doc = parser.parse(text.data(), text.size(), false);
    if (doc.type() != Type::OBJECT) {
      return Error{ErrorKind::input, where, "corrupt record: expected a JSON object"};
    }
    for (auto [key, value] : simdjson::dom::object(doc.get_object())) parse_field(key, value, r);
  } catch (const simdjson::simdjson_error& e) {
    return json_error(text, where, e.what());
  } catch (const FieldError& e) {
    return Error{ErrorKind::input, where, "corrupt record: field '" + e.field + "': " + e.what};
  }
  for (const char* required : {"name", "version", "build"}) {
    const std::string& value = std::string_view(required) == "name"      ? r.name
                               : std::string_view(required) == "version" ? r.version
                                                                         : r.build;
    if (value.empty()) {
      return Error{ErrorKind::input,
                   where,
                   std::string("corrupt record: field '") + required + "' is missing"};
    }
  }
  return r;
}

// Reads a file into a string with simdjson's padding available past its end.
Result<std::string> read_padded(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return io_error(path, "stat", err);
  }
  std::string text;
  text.reserve(static_cast<size_t>(st.st_size) + simdjson::SIMDJSON_PADDING);
  text.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::read(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return io_error(path, "read", err);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return text;
}

Result<PrefixRecord> read_record_with(simdjson::dom::parser& parser, const std::string& path) {
  ENVLOCK_TRY(text, read_padded(path));
  text.append(simdjson::SIMDJSON_PADDING, '\0');  // within the reserved capacity: no copy
  text.resize(text.size() - simdjson::SIMDJSON_PADDING);
  ENVLOCK_TRY(record, parse_padded(parser, text, path));
  record.source_file = path;
  record.raw_json = std::move(text);
  return record;
}

}  // namespace

Result<PrefixRecord> parse_prefix_record(std::string_view json_text, const std::string& where) {
  simdjson::padded_string padded(json_text);
  simdjson::dom::parser parser;
  ENVLOCK_TRY(record, parse_padded(parser, std::string_view(padded.data(), padded.size()), where));
  record.raw_json = std::string(json_text);
  return record;
}

Result<PrefixRecord> read_prefix_record(const std::string& path) {
  simdjson::dom::parser parser;
  return read_record_with(parser, path);
}

// ---------------------------------------------------------------------------------------------
// History

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// "['a', 'b']", "[\"a\"]" (Python or JSON list literal) or "a,b".
std::vector<std::string> parse_spec_list(std::string_view text) {
  std::vector<std::string> out;
  text = trim(text);
  if (text.empty()) return out;
  if (text.front() != '[') {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(',', start);
      if (end == std::string_view::npos) end = text.size();
      auto item = trim(text.substr(start, end - start));
      if (!item.empty()) out.emplace_back(item);
      start = end + 1;
    }
    return out;
  }
  size_t i = 1;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\'' || c == '"') {
      std::string item;
      ++i;
      while (i < text.size() && text[i] != c) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        item += text[i++];
      }
      ++i;
      out.push_back(std::move(item));
    } else {
      ++i;
    }
  }
  return out;
}

std::string quote_spec(const std::string& spec) {
  return json(spec).dump(-1, ' ', true);
}

}  // namespace

std::vector<Revision> parse_history(std::string_view text) {
  std::vector<Revision> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    if (line.size() >= 6 && line.substr(0, 3) == "==>" && line.substr(line.size() - 3) == "<==") {
      Revision r;
      r.date = std::string(trim(line.substr(3, line.size() - 6)));
      out.push_back(std::move(r));
      continue;
    }
    if (out.empty()) continue;
    Revision& r = out.back();
    if (line.front() == '#') {
      std::string_view body = trim(line.substr(1));
      if (body.substr(0, 4) == "cmd:") {
        r.cmd = std::string(trim(body.substr(4)));
      } else if (body.substr(0, 14) == "conda version:") {
        r.conda_version = std::string(trim(body.substr(14)));
      } else if (auto pos = body.find(" specs:");
                 pos != std::string_view::npos &&
                 body.substr(0, pos).find(' ') == std::string_view::npos && pos > 0) {
        r.specs[std::string(body.substr(0, pos))] = parse_spec_list(body.substr(pos + 7));
      } else {
        r.comments.emplace_back(line);
      }
    } else if (line.front() == '+') {
      r.added.emplace_back(line.substr(1));
    } else if (line.front() == '-') {
      r.removed.emplace_back(line.substr(1));
    }
  }
  return out;
}

std::string format_revision(const Revision& r) {
  std::string out = "==> " + r.date + " <==\n";
  if (!r.cmd.empty()) out += "# cmd: " + r.cmd + "\n";
  if (!r.conda_version.empty()) out += "# conda version: " + r.conda_version + "\n";
  for (const auto& c : r.comments) out += c + "\n";
  for (const auto& d : r.removed) out += "-" + d + "\n";
  for (const auto& d : r.added) out += "+" + d + "\n";
  for (const auto& [action, specs] : r.specs) {
    out += "# " + action + " specs: [";
    for (size_t i = 0; i < specs.size(); ++i) {
      if (i) out += ", ";
      out += quote_spec(specs[i]);
    }
    out += "]\n";
  }
  return out;
}

Result<void> append_history(const std::string& prefix_dir, const Revision& revision) {
  std::string dir = prefix_dir + "/conda-meta";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error(dir, "create folder", ec.value());
  std::string path = dir + "/history";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, "open", errno);
  std::string block = format_revision(revision);
  // A file that does not end in a newline would glue our header to its last line.
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') block.insert(0, "\n");
  }
  std::string_view rest(block);
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error(path, "write", err);
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return io_error(path, "fsync", err);
  }
  ::close(fd);
  return Ok{};
}

// ---------------------------------------------------------------------------------------------
// Prefix

Result<PrefixState> read_conda_meta(const std::string& prefix_dir) {
  std::string meta = prefix_dir + "/conda-meta";
  std::error_code ec;
  if (!fs::is_directory(meta, ec)) {
    return Error{ErrorKind::input, prefix_dir, "not a conda prefix: no conda-meta folder"};
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(meta, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    if (name.rfind("._", 0) == 0) continue;  // macOS AppleDouble companions, not records
    names.push_back(std::move(name));
  }
  if (ec) return io_error(meta, "list", ec.value());
  std::sort(names.begin(), names.end());

  PrefixState state;
  state.prefix = prefix_dir;
  state.records.reserve(names.size());
  // Records are independent: parse them on a few threads, each with its own parser. The first
  // failing file in name order is reported, so the error does not depend on scheduling.
  std::vector<std::optional<Result<PrefixRecord>>> results(names.size());
  unsigned jobs = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  if (names.size() < 64) jobs = 1;
  const size_t block = (names.size() + jobs - 1) / jobs;
  parallel_for(jobs, jobs, [&](size_t t) {
    simdjson::dom::parser parser;  // one per thread: a block of records each
    for (size_t i = t * block; i < std::min(names.size(), (t + 1) * block); ++i)
      results[i].emplace(read_record_with(parser, meta + "/" + names[i]));
  });
  for (auto& result : results) {
    if (!result->ok()) return result->take_error();
    state.records.push_back(std::move(*result).value());
  }
  std::stable_sort(state.records.begin(),
                   state.records.end(),
                   [](const PrefixRecord& a, const PrefixRecord& b) { return a.name < b.name; });

  std::string history = meta + "/history";
  if (fs::exists(history, ec)) {
    ENVLOCK_TRY(text, read_file(history));
    state.history = parse_history(text);
  }
  return state;
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {

// Sets `key` to `value` unless the value is empty and the original JSON has the key with a
// non-string value (null, a list) that the model folded into "".
void put_text(json& doc, const char* key, const std::string& value, bool always) {
  auto it = doc.find(key);
  if (value.empty()) {
    if (it != doc.end()) {
      if (it->is_string()) *it = value;
      return;
    }
    if (!always) return;
  }
  if (it != doc.end() && it->is_array() && !value.empty()) {
    // A list-valued features field stays a list.
    json list = json::array();
    size_t start = 0;
    while (start < value.size()) {
      size_t end = value.find(' ', start);
      if (end == std::string::npos) end = value.size();
      if (end > start) list.push_back(value.substr(start, end - start));
      start = end + 1;
    }
    *it = list;
    return;
  }
  doc[key] = value;
}

json path_json(const PathData& p, json base) {
  if (!base.is_object()) base = json::object();
  base["_path"] = p.path;
  if (p.path_type != PathType::unknown) base["path_type"] = package::to_string(p.path_type);
  if (!p.sha256.empty()) base["sha256"] = p.sha256;
  if (!p.sha256_in_prefix.empty()) base["sha256_in_prefix"] = p.sha256_in_prefix;
  if (p.size_in_bytes) base["size_in_bytes"] = *p.size_in_bytes;
  if (p.file_mode) base["file_mode"] = package::to_string(*p.file_mode);
  if (!p.prefix_placeholder.empty()) base["prefix_placeholder"] = p.prefix_placeholder;
  if (p.no_link || base.contains("no_link")) base["no_link"] = p.no_link;
  return base;
}

}  // namespace

std::string write_prefix_record(const PrefixRecord& r) {
  json doc = json::object();
  if (!r.raw_json.empty()) {
    doc = json::parse(r.raw_json, nullptr, false);
    if (!doc.is_object()) doc = json::object();
  }
  put_text(doc, "name", r.name, true);
  put_text(doc, "version", r.version, true);
  put_text(doc, "build", r.build, true);
  doc["build_number"] = r.build_number;
  put_text(doc, "channel", r.channel, true);
  put_text(doc, "subdir", r.subdir, true);
  put_text(doc, "fn", r.fn, true);
  put_text(doc, "url", r.url, true);
  put_text(doc, "md5", r.md5, true);
  put_text(doc, "sha256", r.sha256, false);
  if (r.size) doc["size"] = *r.size;
  const bool fresh = r.raw_json.empty();
  auto put_list = [&](const char* key, const std::vector<std::string>& list) {
    if (fresh || !list.empty() || doc.contains(key)) doc[key] = list;
  };
  put_list("depends", r.depends);
  put_list("constrains", r.constrains);
  put_text(doc, "track_features", r.track_features, false);
  put_text(doc, "features", r.features, false);
  put_text(doc, "noarch", r.noarch, false);
  put_text(doc, "python_site_packages_path", r.python_site_packages_path, false);
  put_text(doc, "license", r.license, false);
  put_text(doc, "license_family", r.license_family, false);
  if (r.timestamp) doc["timestamp"] = *r.timestamp;
  put_text(doc, "requested_spec", r.requested_spec, false);
  put_list("files", r.files);
  if (r.has_paths_data || !r.paths.empty() || fresh) {
    json paths_data = doc.contains("paths_data") && doc["paths_data"].is_object()
                          ? doc["paths_data"]
                          : json::object();
    json old_paths = paths_data.contains("paths") ? paths_data["paths"] : json::array();
    json paths = json::array();
    for (size_t i = 0; i < r.paths.size(); ++i) {
      json base;
      if (old_paths.is_array() && i < old_paths.size() && old_paths[i].is_object() &&
          old_paths[i].value("_path", "") == r.paths[i].path) {
        base = std::move(old_paths[i]);
      }
      paths.push_back(path_json(r.paths[i], std::move(base)));
    }
    paths_data["paths"] = std::move(paths);
    paths_data["paths_version"] = r.paths_version;
    doc["paths_data"] = std::move(paths_data);
  }
  if (r.link) {
    json link = doc.contains("link") && doc["link"].is_object() ? doc["link"] : json::object();
    link["source"] = r.link->source;
    link["type"] = r.link->type;
    doc["link"] = std::move(link);
  }
  put_text(doc, "extracted_package_dir", r.extracted_package_dir, false);
  put_text(doc, "package_tarball_full_path", r.package_tarball_full_path, false);
  return doc.dump(2, ' ', true);
}

std::string record_file_name(const PrefixRecord& r) {
  return r.name + "-" + r.version + "-" + r.build + ".json";
}

}  // namespace envlock::prefix
