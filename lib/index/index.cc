#include "lib/index/index.h"

#include <sys/stat.h>
#include <zstd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "lib/hash/hash.h"
#include "lib/package/package.h"
#include "lib/util/file.h"
#include "lib/util/parallel.h"
#include "lib/util/text.h"

namespace envlock::index {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Fixed zstd levels keep the output byte-deterministic. The big monolithic file gets a level
// that compresses conda-forge-scale JSON in seconds; shards are small, so they get more effort.
constexpr int k_repodata_zstd_level = 9;
constexpr int k_shard_zstd_level = 16;

/// One repodata record and the file name it is keyed by.
struct Entry {
  std::string fn;
  std::string name;
  json record;
};

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_package_file_name(std::string_view fn) {
  return ends_with(fn, ".conda") || ends_with(fn, ".tar.bz2");
}

struct ZstdContext {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZstdContext() = default;
  ZstdContext(const ZstdContext&) = delete;
  ZstdContext& operator=(const ZstdContext&) = delete;
  ~ZstdContext() { ZSTD_freeCCtx(ctx); }
};

/// One zstd frame with the content size in its header; single-threaded, so deterministic.
Result<std::string> zstd_compress(std::string_view bytes, int level, const std::string& where) {
  ZstdContext z;
  if (z.ctx == nullptr) return Error{ErrorKind::internal, where, "cannot create a zstd context"};
  ZSTD_CCtx_setParameter(z.ctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(z.ctx, ZSTD_c_contentSizeFlag, 1);
  ZSTD_CCtx_setParameter(z.ctx, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  size_t n = ZSTD_compress2(z.ctx, out.data(), out.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(n)) {
    return Error{ErrorKind::internal, where, std::string("zstd: ") + ZSTD_getErrorName(n)};
  }
  out.resize(n);
  return out;
}

/// Python's json.dumps(indent=2, sort_keys=True) for the values repodata holds (nlohmann's
/// objects are sorted maps; ensure_ascii escapes as Python does).
std::string dump_json(const json& doc) {
  return doc.dump(2, ' ', true, json::error_handler_t::replace);
}

/// `hex` as raw bytes when it is a well-formed digest of `algorithm`; nullopt otherwise (the
/// value then stays a string, as a reader that ignores what it does not know expects).
std::optional<json> digest_bytes(const json& value, hash::Algorithm algorithm) {
  if (!value.is_string()) return std::nullopt;
  const auto& hex = value.get_ref<const std::string&>();
  if (!hash::is_hex_digest(algorithm, hex)) return std::nullopt;
  std::vector<uint8_t> bytes(hex.size() / 2);
  auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return json::binary(std::move(bytes));
}

/// The record as a shard holds it: md5 and sha256 as raw bytes (CEP 16).
json shard_record(const json& record) {
  json out = record;
  if (auto it = out.find("sha256"); it != out.end()) {
    if (auto b = digest_bytes(*it, hash::Algorithm::sha256)) *it = std::move(*b);
  }
  if (auto it = out.find("md5"); it != out.end()) {
    if (auto b = digest_bytes(*it, hash::Algorithm::md5)) *it = std::move(*b);
  }
  return out;
}

const char* section_of(const std::string& fn) {
  return ends_with(fn, ".conda") ? "packages.conda" : "packages";
}

/// Writes `content` to `path` unless the file there already holds exactly these bytes (a
/// content-addressed shard written by an earlier run).
Result<void> write_if_different(const std::string& path, std::string_view content) {
  std::error_code ec;
  if (fs::is_regular_file(fs::symlink_status(path, ec)) &&
      fs::file_size(path, ec) == content.size() && !ec) {
    auto existing = read_file(path, content.size());
    if (existing.ok() && *existing == content) return Ok{};
  }
  return write_file_atomic(path, content, Durability::no_fsync);
}

Result<void> make_folder(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return io_error(path, "cannot create the folder", ec.value());
  return Ok{};
}

/// Writes every file of one subdir from its records (in any order; they are sorted here).
Result<SubdirSummary> write_entries(const std::string& dir, const std::string& subdir,
                                    std::vector<Entry> entries, json info, json removed,
                                    int repodata_version, const Options& options) {
  SubdirSummary summary;
  summary.subdir = subdir;
  summary.folder = dir;
  summary.records = entries.size();
  std::sort(
      entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.fn < b.fn; });
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].fn == entries[i - 1].fn) {
      return Error{
          ErrorKind::input, dir, "two records for one file '" + printable(entries[i].fn) + "'"};
    }
  }
  std::map<std::string, std::vector<size_t>> by_name;
  for (size_t i = 0; i < entries.size(); ++i) by_name[entries[i].name].push_back(i);
  summary.names = by_name.size();
  ENVLOCK_TRY_VOID(make_folder(dir));

  if (options.shards == Shards::yes) {
    std::string shards_dir = dir + "/" + k_shards_folder;
    ENVLOCK_TRY_VOID(make_folder(shards_dir));
    std::vector<const std::pair<const std::string, std::vector<size_t>>*> names;
    for (const auto& item : by_name) names.push_back(&item);
    std::vector<std::string> digests(names.size());
    std::vector<uint64_t> sizes(names.size());
    std::vector<std::optional<Error>> errors(names.size());
    parallel_for(names.size(), options.jobs, [&](size_t i) {
      json shard = {{"packages", json::object()},
                    {"packages.conda", json::object()},
                    {"removed", json::array()}};
      for (size_t k : names[i]->second) {
        const Entry& e = entries[k];
        shard[section_of(e.fn)][e.fn] = shard_record(e.record);
      }
      auto packed = json::to_msgpack(shard);
      auto compressed = zstd_compress(
          std::string_view(reinterpret_cast<const char*>(packed.data()), packed.size()),
          k_shard_zstd_level,
          shards_dir);
      if (!compressed.ok()) {
        errors[i] = compressed.take_error();
        return;
      }
      digests[i] = hash::hex_digest(hash::Algorithm::sha256, *compressed);
      sizes[i] = compressed->size();
      auto written =
          write_if_different(shards_dir + "/" + digests[i] + ".msgpack.zst", *compressed);
      if (!written.ok()) errors[i] = written.take_error();
    });
    for (auto& e : errors) {
      if (e) return std::move(*e);
    }
    json shards = json::object();
    for (size_t i = 0; i < names.size(); ++i) {
      summary.shard_bytes += sizes[i];
      shards[names[i]->first] = *digest_bytes(json(digests[i]), hash::Algorithm::sha256);
    }
    std::string base_url = info.contains("base_url") && info["base_url"].is_string()
                               ? info["base_url"].get<std::string>()
                               : "";
    json index = {{"version", 1},
                  {"info",
                   {{"base_url", base_url},
                    {"shards_base_url", std::string("./") + k_shards_folder + "/"},
                    {"subdir", subdir}}},
                  {"shards", std::move(shards)}};
    auto packed = json::to_msgpack(index);
    ENVLOCK_TRY(
        compressed,
        zstd_compress(std::string_view(reinterpret_cast<const char*>(packed.data()), packed.size()),
                      k_shard_zstd_level,
                      dir));
    summary.shard_index_bytes = compressed.size();
    ENVLOCK_TRY_VOID(write_file_atomic(dir + "/" + k_shard_index, compressed));
  }

  json doc = {{"info", std::move(info)},
              {"packages", json::object()},
              {"packages.conda", json::object()},
              {"removed", std::move(removed)},
              {"repodata_version", repodata_version}};
  doc["info"]["subdir"] = subdir;
  json& packages = doc["packages"];
  json& packages_conda = doc["packages.conda"];
  for (auto& e : entries) {
    (ends_with(e.fn, ".conda") ? packages_conda : packages)[e.fn] = std::move(e.record);
  }
  entries.clear();
  std::string text = dump_json(doc);
  doc = json();
  summary.repodata_bytes = text.size();
  ENVLOCK_TRY(compressed, zstd_compress(text, k_repodata_zstd_level, dir));
  ENVLOCK_TRY_VOID(write_file_atomic(dir + "/" + k_repodata_zst, compressed));
  ENVLOCK_TRY_VOID(write_file_atomic(dir + "/" + k_repodata_json, text));
  return summary;
}

/// One package file of a subdir folder, and what reading it found.
struct PackageFile {
  std::string fn;
  std::string path;
  uint64_t size = 0;
};

/// The package files of `dir`, by name. Refuses symlinks and anything that is not a regular
/// file under a package extension, and unsafe file names.
Result<std::vector<PackageFile>> list_packages(const std::string& dir) {
  std::vector<PackageFile> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return io_error(dir, "cannot list the folder", ec.value());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::string fn = it->path().filename().string();
    if (!is_package_file_name(fn)) continue;
    std::string path = dir + "/" + fn;
    if (!package::is_safe_path_component(fn)) {
      return Error{ErrorKind::input, dir + "/" + printable(fn), "not a safe package file name"};
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return io_error(path, "cannot stat", errno);
    if (S_ISLNK(st.st_mode)) {
      return Error{ErrorKind::input, path, "a symbolic link; a channel's packages must be files"};
    }
    if (!S_ISREG(st.st_mode)) return Error{ErrorKind::input, path, "not a regular file"};
    files.push_back({fn, path, static_cast<uint64_t>(st.st_size)});
  }
  if (ec) return io_error(dir, "cannot list the folder", ec.value());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.fn < b.fn; });
  return files;
}

/// The records of the packages in `dir`, read and hashed on `jobs` threads, largest file first.
Result<std::vector<Entry>> read_packages(const std::string& dir, unsigned jobs) {
  ENVLOCK_TRY(files, list_packages(dir));
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return files[a].size > files[b].size;
  });
  std::vector<Entry> entries(files.size());
  std::vector<std::optional<Error>> errors(files.size());
  parallel_for(order.size(), jobs, [&](size_t n) {
    size_t i = order[n];
    const PackageFile& f = files[i];
    auto fail = [&](Error e) { errors[i] = std::move(e); };
    auto info = package::read_package_info(f.path);
    if (!info.ok()) return fail(info.take_error());
    json record;
    try {
      record = json::parse(info->index_json_text);
    } catch (const json::exception&) {
      return fail(Error{ErrorKind::input, f.path + ": info/index.json", "malformed JSON"});
    }
    auto digest = hash::digest_file(f.path, {hash::Algorithm::sha256, hash::Algorithm::md5});
    if (!digest.ok()) return fail(digest.take_error());
    record["sha256"] = digest->hex[0];
    record["md5"] = digest->hex[1];
    record["size"] = digest->size;
    entries[i] = Entry{f.fn, info->index.name, std::move(record)};
  });
  for (auto& e : errors) {
    if (e) return std::move(*e);
  }
  return entries;
}

Result<void> check_subdir_name(const std::string& subdir) {
  if (!package::is_safe_path_component(subdir) || subdir[0] == '.') {
    return Error{ErrorKind::usage, "--subdir", "'" + printable(subdir) + "' is not a subdir name"};
  }
  return Ok{};
}

}  // namespace

Result<Report> index_channel(const std::string& folder, const Options& options) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return Error{ErrorKind::usage, folder, "not a folder (a channel folder of <subdir>/ folders)"};
  }
  std::vector<std::string> subdirs;
  if (!options.subdir.empty()) {
    ENVLOCK_TRY_VOID(check_subdir_name(options.subdir));
    subdirs.push_back(options.subdir);
  } else {
    fs::directory_iterator it(folder, ec);
    if (ec) return io_error(folder, "cannot list the folder", ec.value());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      std::error_code ec2;
      if (it->is_symlink(ec2) || !it->is_directory(ec2)) continue;
      if (!package::is_safe_path_component(name)) {
        return Error{ErrorKind::input, folder + "/" + printable(name), "not a safe subdir name"};
      }
      subdirs.push_back(name);
    }
    if (ec) return io_error(folder, "cannot list the folder", ec.value());
    if (std::find(subdirs.begin(), subdirs.end(), "noarch") == subdirs.end()) {
      subdirs.push_back("noarch");
    }
    std::sort(subdirs.begin(), subdirs.end());
  }
  Report report;
  for (const auto& subdir : subdirs) {
    std::string dir = folder + "/" + subdir;
    struct stat st {};
    if (::lstat(dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return Error{ErrorKind::input, dir, "a symbolic link; a subdir must be a folder"};
    }
    std::vector<Entry> entries;
    if (fs::is_directory(dir, ec)) {
      ENVLOCK_TRY(read, read_packages(dir, options.jobs));
      entries = std::move(read);
    } else if (!options.subdir.empty() && subdir != "noarch") {
      return Error{ErrorKind::usage, dir, "no such subdir folder"};
    }
    if (entries.empty() && subdir != "noarch" && options.subdir.empty()) continue;
    ENVLOCK_TRY(
        summary,
        write_entries(dir, subdir, std::move(entries), json::object(), json::array(), 1, options));
    report.subdirs.push_back(std::move(summary));
  }
  return report;
}

Result<SubdirSummary> index_repodata_file(const std::string& repodata_path,
                                          const std::string& out_dir, const Options& options) {
  if (!options.subdir.empty()) ENVLOCK_TRY_VOID(check_subdir_name(options.subdir));
  ENVLOCK_TRY(text, read_file(repodata_path, k_max_repodata_bytes));
  ENVLOCK_TRY_VOID(check_json_nesting(text, repodata_path));
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    auto [line, column] = line_column(text, e.byte > 0 ? e.byte - 1 : 0);
    return Error::at(ErrorKind::input, repodata_path, line, column, "malformed JSON");
  } catch (const json::exception&) {
    return Error{ErrorKind::input, repodata_path, "malformed JSON: a number out of range"};
  }
  text = std::string();
  auto bad = [&](const std::string& why) { return Error{ErrorKind::input, repodata_path, why}; };
  if (!doc.is_object()) return bad("not repodata: expected a JSON object");
  json info = json::object();
  if (auto it = doc.find("info"); it != doc.end()) {
    if (!it->is_object()) return bad("'info' is not an object");
    info = std::move(*it);
  }
  std::string subdir = options.subdir;
  if (subdir.empty() && info.contains("subdir") && info["subdir"].is_string()) {
    subdir = info["subdir"].get<std::string>();
  }
  if (subdir.empty()) subdir = "noarch";
  if (!package::is_safe_path_component(subdir) || subdir[0] == '.') {
    return bad("info.subdir '" + printable(subdir) + "' is not a subdir name");
  }
  json removed = json::array();
  if (auto it = doc.find("removed"); it != doc.end()) {
    if (!it->is_array()) return bad("'removed' is not a list");
    for (const auto& r : *it) {
      if (!r.is_string()) return bad("'removed' holds something that is not a file name");
    }
    removed = std::move(*it);
  }
  int version = 1;
  if (auto it = doc.find("repodata_version"); it != doc.end()) {
    if (!it->is_number_integer()) return bad("'repodata_version' is not an integer");
    version = it->get<int>();
  }
  std::vector<Entry> entries;
  for (const char* section : {"packages", "packages.conda"}) {
    auto it = doc.find(section);
    if (it == doc.end()) continue;
    if (!it->is_object()) return bad(std::string("'") + section + "' is not an object");
    if (entries.size() + it->size() > k_max_records) {
      return bad("more than " + std::to_string(k_max_records) + " records");
    }
    for (auto& [fn, record] : it->items()) {
      std::string where = std::string(section) + "." + printable(fn);
      if (!package::is_safe_path_component(fn) || !is_package_file_name(fn)) {
        return bad(where + ": not a safe .conda or .tar.bz2 file name");
      }
      if ((std::string_view(section) == "packages.conda") != ends_with(fn, ".conda")) {
        return bad(where + ": the file name's extension does not belong in '" + section + "'");
      }
      if (!record.is_object()) return bad(where + ": the record is not an object");
      auto name = record.find("name");
      if (name == record.end() || !name->is_string() || name->get_ref<std::string&>().empty()) {
        return bad(where + ": the record has no name");
      }
      entries.push_back(Entry{fn, name->get<std::string>(), std::move(record)});
    }
  }
  doc = json();
  return write_entries(out_dir + "/" + subdir,
                       subdir,
                       std::move(entries),
                       std::move(info),
                       std::move(removed),
                       version,
                       options);
}

Result<SubdirSummary> write_subdir(const std::string& subdir_dir, const std::string& subdir,
                                   const std::vector<spec::PackageRecord>& records,
                                   const Options& options) {
  if (!package::is_safe_path_component(subdir) || subdir[0] == '.') {
    return Error{ErrorKind::input, subdir_dir, "'" + printable(subdir) + "' is not a subdir name"};
  }
  std::vector<Entry> entries;
  entries.reserve(records.size());
  for (const auto& r : records) {
    if (!package::is_safe_path_component(r.fn) || !is_package_file_name(r.fn)) {
      return Error{ErrorKind::input,
                   subdir_dir,
                   "'" + printable(r.fn) + "' is not a safe .conda or .tar.bz2 file name"};
    }
    json j = {{"name", r.name},
              {"version", r.version},
              {"build", r.build},
              {"build_number", r.build_number},
              {"depends", r.depends},
              {"subdir", r.subdir.empty() ? subdir : r.subdir}};
    auto set = [&](const char* key, const std::string& value) {
      if (!value.empty()) j[key] = value;
    };
    if (!r.constrains.empty()) j["constrains"] = r.constrains;
    if (!r.track_features.empty()) {
      std::string joined;
      for (const auto& f : r.track_features) joined += (joined.empty() ? "" : " ") + f;
      j["track_features"] = joined;
    }
    if (!r.features.empty()) {
      std::string joined;
      for (const auto& f : r.features) joined += (joined.empty() ? "" : " ") + f;
      j["features"] = joined;
    }
    set("license", r.license);
    set("license_family", r.license_family);
    set("md5", r.md5);
    set("sha256", r.sha256);
    set("noarch", r.noarch);
    if (r.size != 0) j["size"] = r.size;
    if (r.timestamp != 0) j["timestamp"] = r.timestamp;
    entries.push_back(Entry{r.fn, r.name, std::move(j)});
  }
  return write_entries(
      subdir_dir, subdir, std::move(entries), json::object(), json::array(), 1, options);
}

std::string render_text(const Report& report) {
  std::ostringstream out;
  for (const auto& s : report.subdirs) {
    out << printable(s.subdir) << ": " << s.records << " records, " << s.names
        << " names; repodata.json " << s.repodata_bytes << " bytes";
    if (s.shard_index_bytes != 0) {
      out << "; " << s.names << " shards " << s.shard_bytes << " bytes, index "
          << s.shard_index_bytes << " bytes";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace envlock::index
