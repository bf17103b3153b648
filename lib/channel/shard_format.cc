// Reading CEP 16 shard indexes and shards (msgpack-c, bounded).

#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <msgpack.hpp>

#include "lib/channel/shards.h"

namespace envlock::channel {
namespace {

// Decompresses one or more complete zstd frames, stopping past `limit` bytes.
Result<std::string> unzstd(std::string_view data, const std::string& where, uint64_t limit,
                           const char* what) {
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> stream(ZSTD_createDStream(),
                                                                  ZSTD_freeDStream);
  if (!stream) return Error{ErrorKind::internal, where, "cannot allocate a zstd decoder"};
  ZSTD_initDStream(stream.get());
  std::string out;
  std::string buf(size_t{1} << 16, '\0');
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t last = 1;
  for (;;) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    size_t r = ZSTD_decompressStream(stream.get(), &o, &in);
    if (ZSTD_isError(r))
      return Error{ErrorKind::input, where, std::string("bad zstd data: ") + ZSTD_getErrorName(r)};
    if (out.size() + o.pos > limit)
      return Error{ErrorKind::input,
                   where,
                   std::string(what) + " is larger than the limit of " + std::to_string(limit) +
                       " bytes for repodata (decompressed)"};
    out.append(buf.data(), o.pos);
    last = r;
    if (in.pos == in.size && o.pos < o.size) break;
  }
  if (data.empty() || last != 0) return Error{ErrorKind::input, where, "truncated zstd stream"};
  return out;
}

// Unpacks exactly one msgpack document within the limits.
Result<msgpack::object_handle> unpack(const std::string& bytes, const std::string& where,
                                      const ShardLimits& limits, const char* what) {
  msgpack::unpack_limit limit(limits.max_entries,
                              limits.max_entries,
                              limits.max_string,
                              limits.max_string,
                              0,
                              limits.max_depth);
  auto invalid = [&](const std::string& why) {
    return Error{ErrorKind::input, where, std::string("not a valid msgpack ") + what + ": " + why};
  };
  try {
    std::size_t offset = 0;
    msgpack::object_handle handle =
        msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, limit);
    if (handle.get().type != msgpack::type::MAP) return invalid("not a map");
    if (offset != bytes.size()) return invalid("bytes after the map");
    return handle;
  } catch (const msgpack::insufficient_bytes&) {
    return invalid("cut short");
  } catch (const std::exception& e) {
    return invalid(e.what());
  }
}

std::string_view text_of(const msgpack::object& o) {
  return std::string_view(o.via.str.ptr, o.via.str.size);
}

bool is_text(const msgpack::object& o) {
  return o.type == msgpack::type::STR;
}

const char k_hex[] = "0123456789abcdef";

std::string hex_of(const char* data, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    auto b = static_cast<unsigned char>(data[i]);
    out += k_hex[b >> 4];
    out += k_hex[b & 15];
  }
  return out;
}

int64_t clamp_double(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9.2e18) return std::numeric_limits<int64_t>::max();
  if (d <= -9.2e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

// "<name>-<version>-<build>.conda" or ".tar.bz2", taken literally in URLs and file names: no
// '/', '\\', '%', '?', '#', leading '.',
// or control character.
bool plain_package_file_name(std::string_view fn) {
  if (fn.empty() || fn.front() == '.') return false;
  for (char c : fn)
    if (c == '/' || c == '\\' || c == '%' || c == '?' || c == '#' ||
        static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return false;
  for (std::string_view ext : {std::string_view(".conda"), std::string_view(".tar.bz2")})
    if (fn.size() > ext.size() && fn.ends_with(ext)) return true;
  return false;
}

// One record, read with the rules parse_record applies to JSON.
Result<spec::PackageRecord> read_record(std::string_view fn, const msgpack::object& value,
                                        const std::string& where_shard) {
  std::string where = where_shard + ": record '" + std::string(fn) + "'";
  if (value.type != msgpack::type::MAP)
    return Error{ErrorKind::input, where, "record must be a map"};
  spec::PackageRecord r;
  r.fn = std::string(fn);
  auto wrong = [&](std::string_view field, const char* what) {
    return Error{ErrorKind::input, where, "'" + std::string(field) + "' must be " + what};
  };
  auto str =
      [&](const msgpack::object& v, std::string& out, std::string_view field) -> Result<void> {
    if (v.type == msgpack::type::NIL) return Ok{};
    if (!is_text(v)) return wrong(field, "a string");
    out = std::string(text_of(v));
    return Ok{};
  };
  auto hash = [&](const msgpack::object& v,
                  std::string& out,
                  std::string_view field,
                  size_t bytes) -> Result<void> {
    if (v.type == msgpack::type::NIL) return Ok{};
    if (v.type == msgpack::type::BIN) {
      if (v.via.bin.size != bytes) return wrong(field, "a hash of the right length");
      out = hex_of(v.via.bin.ptr, v.via.bin.size);
      return Ok{};
    }
    return str(v, out, field);
  };
  auto integer =
      [&](const msgpack::object& v, int64_t& out, std::string_view field) -> Result<void> {
    switch (v.type) {
      case msgpack::type::NIL:
        return Ok{};
      case msgpack::type::POSITIVE_INTEGER:
        out = v.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                  ? std::numeric_limits<int64_t>::max()
                  : static_cast<int64_t>(v.via.u64);
        return Ok{};
      case msgpack::type::NEGATIVE_INTEGER:
        out = v.via.i64;
        return Ok{};
      case msgpack::type::FLOAT32:
      case msgpack::type::FLOAT64:
        out = clamp_double(v.via.f64);
        return Ok{};
      default:
        return wrong(field, "a number");
    }
  };
  // A list of strings; nil is empty; with `split`, "a b" / "a,b" text is accepted as well.
  auto list = [&](const msgpack::object& v,
                  std::vector<std::string>& out,
                  std::string_view field,
                  bool split) -> Result<void> {
    out.clear();
    if (v.type == msgpack::type::NIL) return Ok{};
    if (split && is_text(v)) {
      std::string_view t = text_of(v);
      size_t i = 0;
      while (i < t.size()) {
        size_t j = t.find_first_of(" ,", i);
        if (j == std::string_view::npos) j = t.size();
        if (j > i) out.emplace_back(t.substr(i, j - i));
        i = j + 1;
      }
      return Ok{};
    }
    if (v.type != msgpack::type::ARRAY) return wrong(field, "a list of strings");
    for (uint32_t i = 0; i < v.via.array.size; ++i) {
      const auto& item = v.via.array.ptr[i];
      if (!is_text(item)) return wrong(field, "a list of strings");
      out.emplace_back(text_of(item));
    }
    return Ok{};
  };
  for (uint32_t i = 0; i < value.via.map.size; ++i) {
    const auto& kv = value.via.map.ptr[i];
    if (!is_text(kv.key)) continue;
    std::string_view key = text_of(kv.key);
    const msgpack::object& v = kv.val;
    if (key == "name") {
      ENVLOCK_TRY_VOID(str(v, r.name, key));
    } else if (key == "version") {
      ENVLOCK_TRY_VOID(str(v, r.version, key));
    } else if (key == "build") {
      ENVLOCK_TRY_VOID(str(v, r.build, key));
    } else if (key == "build_number") {
      ENVLOCK_TRY_VOID(integer(v, r.build_number, key));
    } else if (key == "depends" || key == "requires") {
      std::vector<std::string> deps;
      ENVLOCK_TRY_VOID(list(v, deps, key, false));
      for (auto& dep : deps)
        if (std::find(r.depends.begin(), r.depends.end(), dep) == r.depends.end())
          r.depends.push_back(std::move(dep));
    } else if (key == "constrains") {
      ENVLOCK_TRY_VOID(list(v, r.constrains, key, false));
    } else if (key == "track_features") {
      ENVLOCK_TRY_VOID(list(v, r.track_features, key, true));
    } else if (key == "features") {
      ENVLOCK_TRY_VOID(list(v, r.features, key, true));
    } else if (key == "md5") {
      ENVLOCK_TRY_VOID(hash(v, r.md5, key, 16));
    } else if (key == "sha256") {
      ENVLOCK_TRY_VOID(hash(v, r.sha256, key, 32));
    } else if (key == "size") {
      int64_t size = 0;
      ENVLOCK_TRY_VOID(integer(v, size, key));
      r.size = static_cast<uint64_t>(size);
    } else if (key == "timestamp") {
      int64_t ts = 0;
      ENVLOCK_TRY_VOID(integer(v, ts, key));
      r.timestamp = spec::PackageRecord::timestamp_to_ms(ts);
    } else if (key == "subdir") {
      ENVLOCK_TRY_VOID(str(v, r.subdir, key));
    } else if (key == "noarch") {
      if (v.type == msgpack::type::BOOLEAN)
        r.noarch = v.via.boolean ? "generic" : "";
      else
        ENVLOCK_TRY_VOID(str(v, r.noarch, key));
    } else if (key == "license") {
      ENVLOCK_TRY_VOID(str(v, r.license, key));
    } else if (key == "license_family") {
      ENVLOCK_TRY_VOID(str(v, r.license_family, key));
    } else if (key == "url") {
      ENVLOCK_TRY_VOID(str(v, r.url, key));
    } else if (key == "channel") {
      ENVLOCK_TRY_VOID(str(v, r.channel, key));
    } else if (key == "package_type") {
      ENVLOCK_TRY_VOID(str(v, r.package_type, key));
    } else if (key == "fn") {
      ENVLOCK_TRY_VOID(str(v, r.fn, key));
    }
  }
  if (r.name.empty() || r.version.empty())
    return Error{ErrorKind::input, where, "record needs 'name' and 'version'"};
  return r;
}

}  // namespace

const Sha256* ShardIndex::find(std::string_view name) const {
  auto it =
      std::lower_bound(shards.begin(), shards.end(), name, [](const auto& e, std::string_view n) {
        return e.first < n;
      });
  if (it == shards.end() || it->first != name) return nullptr;
  return &it->second;
}

std::string to_hex(const Sha256& hash) {
  return hex_of(reinterpret_cast<const char*>(hash.data()), hash.size());
}

Result<ShardIndex> parse_shard_index(std::string_view zst, const std::string& where,
                                     const ShardLimits& limits) {
  ENVLOCK_TRY(bytes, unzstd(zst, where, limits.max_index_bytes, "the shard index"));
  ENVLOCK_TRY(handle, unpack(bytes, where, limits, "shard index"));
  const msgpack::object& root = handle.get();
  ShardIndex index;
  bool has_shards = false;
  auto bad = [&](const std::string& why) { return Error{ErrorKind::input, where, why}; };
  for (uint32_t i = 0; i < root.via.map.size; ++i) {
    const auto& kv = root.via.map.ptr[i];
    if (!is_text(kv.key)) continue;
    std::string_view key = text_of(kv.key);
    if (key == "version") {
      if (kv.val.type != msgpack::type::POSITIVE_INTEGER || kv.val.via.u64 != 1)
        return bad("unsupported shard index version (only version 1 is read)");
    } else if (key == "info") {
      if (kv.val.type != msgpack::type::MAP) return bad("'info' must be a map");
      for (uint32_t j = 0; j < kv.val.via.map.size; ++j) {
        const auto& f = kv.val.via.map.ptr[j];
        if (!is_text(f.key)) continue;
        std::string_view field = text_of(f.key);
        std::string* out = field == "subdir"            ? &index.subdir
                           : field == "base_url"        ? &index.base_url
                           : field == "shards_base_url" ? &index.shards_base_url
                                                        : nullptr;
        if (out == nullptr || f.val.type == msgpack::type::NIL) continue;
        if (!is_text(f.val)) return bad("'info." + std::string(field) + "' must be a string");
        *out = std::string(text_of(f.val));
      }
    } else if (key == "shards") {
      if (kv.val.type != msgpack::type::MAP) return bad("'shards' must be a map");
      has_shards = true;
      index.shards.reserve(kv.val.via.map.size);
      for (uint32_t j = 0; j < kv.val.via.map.size; ++j) {
        const auto& e = kv.val.via.map.ptr[j];
        if (!is_text(e.key) || e.key.via.str.size == 0) return bad("a shard name must be a string");
        if (e.val.type != msgpack::type::BIN || e.val.via.bin.size != 32)
          return bad("the shard of '" + std::string(text_of(e.key)) + "' must be a 32-byte sha256");
        Sha256 h;
        std::copy_n(reinterpret_cast<const uint8_t*>(e.val.via.bin.ptr), 32, h.begin());
        index.shards.emplace_back(std::string(text_of(e.key)), h);
      }
    }
  }
  if (!has_shards) return bad("not a shard index: no 'shards' map");
  std::sort(index.shards.begin(), index.shards.end(), [](const auto& a, const auto& b) {
    return a.first < b.first;
  });
  for (size_t i = 1; i < index.shards.size(); ++i)
    if (index.shards[i].first == index.shards[i - 1].first)
      return bad("the name '" + index.shards[i].first + "' is listed twice");
  return index;
}

Result<std::vector<spec::PackageRecord>> parse_shard(std::string_view zst, std::string_view name,
                                                     const std::string& where,
                                                     const ShardLimits& limits) {
  ENVLOCK_TRY(bytes, unzstd(zst, where, limits.max_shard_bytes, "the shard"));
  ENVLOCK_TRY(handle, unpack(bytes, where, limits, "shard"));
  const msgpack::object& root = handle.get();
  std::vector<spec::PackageRecord> out;
  for (const char* group : {"packages", "packages.conda"}) {
    for (uint32_t i = 0; i < root.via.map.size; ++i) {
      const auto& kv = root.via.map.ptr[i];
      if (!is_text(kv.key) || text_of(kv.key) != group) continue;
      if (kv.val.type == msgpack::type::NIL) continue;
      if (kv.val.type != msgpack::type::MAP)
        return Error{ErrorKind::input, where, "'" + std::string(group) + "' must be a map"};
      for (uint32_t j = 0; j < kv.val.via.map.size; ++j) {
        const auto& rec = kv.val.via.map.ptr[j];
        if (!is_text(rec.key))
          return Error{ErrorKind::input, where, "a package file name must be a string"};
        ENVLOCK_TRY(record, read_record(text_of(rec.key), rec.val, where));
        // The file name becomes a URL path and a cache file name: a hostile "../x.conda" or
        // "a/b.conda" must not reach either (a record's own "fn" may only repeat its key).
        if (record.fn != text_of(rec.key) || !plain_package_file_name(record.fn))
          return Error{ErrorKind::input,
                       where + ": record '" + std::string(text_of(rec.key)) + "'",
                       "not a plain package file name ending in .conda or .tar.bz2"};
        if (record.name != name)
          return Error{
              ErrorKind::input,
              where + ": record '" + record.fn + "'",
              "a record named '" + record.name + "' in the shard of '" + std::string(name) + "'"};
        out.push_back(std::move(record));
      }
    }
  }
  return out;
}

}  // namespace envlock::channel
