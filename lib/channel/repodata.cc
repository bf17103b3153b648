#include "lib/channel/repodata.h"

#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "lib/channel/headers.h"
#include "lib/channel/http_client.h"
#include "lib/channel/part_file.h"
#include "lib/channel/url.h"
#include "lib/hash/hash.h"
#include "lib/util/file.h"

namespace envlock::channel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hex64(uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

uint64_t parse_hex64(const std::string& hex) {
  return std::strtoull(hex.c_str(), nullptr, 16);
}

std::string too_large(uint64_t limit) {
  return "larger than the limit of " + std::to_string(limit) +
         " bytes for repodata (ENVLOCK_MAX_REPODATA_SIZE)";
}

// Where decoded bytes go, 64 KiB at a time; an error stops the decoding.
using Emit = std::function<Result<void>(std::string_view bytes)>;

// Streaming zstd decompression.
class ZstdDecoder {
 public:
  ZstdDecoder() : m_stream(ZSTD_createDStream()) {}
  ZstdDecoder(const ZstdDecoder&) = delete;
  ZstdDecoder& operator=(const ZstdDecoder&) = delete;
  ~ZstdDecoder() { ZSTD_freeDStream(m_stream); }

  void reset() {
    ZSTD_initDStream(m_stream);
    m_last = 0;
    m_any = false;
  }

  /// Passes the decompressed bytes of `chunk` to `emit`, never more than 64 KiB at once, so a
  /// bomb is stopped by `emit` before it lands. Fails with ErrorKind `kind` at `where` on a bad
  /// frame, or with `emit`'s error.
  Result<void> feed(std::string_view chunk, const Emit& emit, ErrorKind kind,
                    const std::string& where) {
    ZSTD_inBuffer in{chunk.data(), chunk.size(), 0};
    std::string buf(1 << 16, '\0');
    for (;;) {
      ZSTD_outBuffer o{buf.data(), buf.size(), 0};
      size_t consumed_before = in.pos;
      size_t r = ZSTD_decompressStream(m_stream, &o, &in);
      if (ZSTD_isError(r)) {
        return Error{kind, where, std::string("bad zstd data: ") + ZSTD_getErrorName(r)};
      }
      if (o.pos > 0) ENVLOCK_TRY_VOID(emit(std::string_view(buf.data(), o.pos)));
      // Only a call that made progress says where the frame stands.
      if (in.pos != consumed_before || o.pos > 0) {
        m_last = r;
        m_any = true;
      }
      if (in.pos == in.size && o.pos < o.size) break;
    }
    return Ok{};
  }

  /// True when the stream ended at a frame boundary.
  bool complete() const { return m_any && m_last == 0; }

 private:
  ZSTD_DStream* m_stream;
  size_t m_last = 0;
  bool m_any = false;
};

Result<std::string> decompress_zst(std::string_view data, const std::string& where,
                                   uint64_t limit) {
  ZstdDecoder decoder;
  decoder.reset();
  std::string out;
  Emit collect = [&](std::string_view bytes) -> Result<void> {
    if (out.size() + bytes.size() > limit) return Error{ErrorKind::input, where, too_large(limit)};
    out.append(bytes);
    return Ok{};
  };
  ENVLOCK_TRY_VOID(decoder.feed(data, collect, ErrorKind::input, where));
  if (!decoder.complete()) return Error{ErrorKind::input, where, "truncated zstd stream"};
  return out;
}

// The first and last non-blank bytes of a stream, for looks_like_json_object without the bytes.
struct JsonEnds {
  char first = 0, last = 0;
  void update(std::string_view bytes) {
    size_t b = bytes.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return;
    if (first == 0) first = bytes[b];
    last = bytes[bytes.find_last_not_of(" \t\r\n")];
  }
  bool object() const { return first == '{' && last == '}'; }
};

// A cheap guard against cut or garbage bodies: a JSON object from first to last byte.
bool looks_like_json_object(std::string_view text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  size_t e = text.find_last_not_of(" \t\r\n");
  return b != std::string_view::npos && text[b] == '{' && text[e] == '}';
}

std::string empty_repodata(std::string_view platform) {
  json j = {{"info", {{"subdir", std::string(platform)}}},
            {"packages", json::object()},
            {"packages.conda", json::object()},
            {"repodata_version", 1}};
  return j.dump();
}

Result<FetchedRepodata> read_local(const std::string& folder, std::string_view platform,
                                   uint64_t limit, FetchedRepodata out) {
  std::string json_file = folder + "/repodata.json";
  std::string zst_file = json_file + ".zst";
  std::error_code ec;
  if (fs::exists(json_file, ec)) {
    ENVLOCK_TRY(bytes, Bytes::map_file(json_file));
    out.json = std::move(bytes);
  } else if (fs::exists(zst_file, ec)) {
    ENVLOCK_TRY(bytes, Bytes::map_file(zst_file));
    auto decoded = decompress_zst(bytes, zst_file, limit);
    if (!decoded) return decoded.take_error();
    out.json = Bytes(std::move(decoded).value());
  } else if (platform != "noarch") {
    out.json = empty_repodata(platform);
    out.source = RepodataSource::absent;
    out.xxh3 = hash::xxh3_64(out.json);
    return out;
  } else {
    return Error{ErrorKind::io, json_file, "no repodata.json in this local channel"};
  }
  if (!looks_like_json_object(out.json)) {
    return Error{ErrorKind::input, json_file, "not a repodata JSON object"};
  }
  out.source = RepodataSource::local;
  out.xxh3 = hash::xxh3_64(out.json);
  return out;
}

// One remote variant (repodata.json.zst or repodata.json) of one subdir.
struct VariantOutcome {
  enum class Kind { done, not_found };
  Kind kind = Kind::done;
  FetchedRepodata data;
};

class Fetcher {
 public:
  Fetcher(const RepodataCache& cache, const FetchOptions& options, FetchedRepodata base,
          std::string fetch_dir, std::string redacted_dir)
      : m_cache(cache),
        m_options(options),
        m_base(std::move(base)),
        m_fetch_dir(std::move(fetch_dir)),
        m_redacted_dir(std::move(redacted_dir)) {}

  // `cached` is moved into the outcome when the server answers 304.
  Result<VariantOutcome> fetch(const std::string& variant, CacheInfo info,
                               std::optional<Bytes>& cached, int* requests) {
    const std::string file = variant == "zst" ? "repodata.json.zst" : "repodata.json";
    detail::HttpRequest request{m_fetch_dir + "/" + file, m_redacted_dir + "/" + file, {}};
    info.fetch_url = m_redacted_dir + "/repodata.json";
    const bool conditional =
        cached && info.variant == variant && info.fetch_url == m_redacted_dir + "/repodata.json";
    if (conditional && !info.etag.empty()) request.headers.emplace_back("If-None-Match", info.etag);
    if (conditional && !info.last_modified.empty()) {
      request.headers.emplace_back("If-Modified-Since", info.last_modified);
    }

    // The body streams into a file beside the cache entry, never whole into memory; it
    // replaces the entry only when complete and plausible, so a failure keeps the old one.
    const std::string json_path = m_cache.json_path(m_base.url);
    std::error_code ec;
    fs::create_directories(fs::path(json_path).parent_path(), ec);
    if (ec)
      return Error{ErrorKind::io, m_cache.dir() + "/repodata", "cannot create: " + ec.message()};
    detail::PartFile part(json_path);
    std::optional<Error> open_error;
    ZstdDecoder decoder;
    std::optional<hash::Hasher> xxh3;
    JsonEnds ends;
    uint64_t size = 0;
    const uint64_t limit = m_options.http.max_body_bytes;
    Emit emit = [&](std::string_view bytes) -> Result<void> {
      // After any gzip/br/zstd decoding: the size that lands on disk and in the solver.
      if (size + bytes.size() > limit) {
        return Error{ErrorKind::network, request.redacted_url, too_large(limit)};
      }
      size += bytes.size();
      xxh3->update(bytes);
      ends.update(bytes);
      return part.write(bytes);
    };
    detail::BodySink sink;
    sink.begin = [&] {
      auto opened = part.open();
      open_error = opened ? std::nullopt : std::optional<Error>(opened.take_error());
      decoder.reset();
      xxh3.emplace(hash::Algorithm::xxh3_64);
      ends = {};
      size = 0;
    };
    sink.chunk = [&](std::string_view chunk) -> Result<void> {
      if (open_error) return *open_error;
      if (variant != "zst") return emit(chunk);
      return decoder.feed(chunk, emit, ErrorKind::network, request.redacted_url);
    };
    auto response = detail::http_get(request, m_options.http, sink, m_options.progress);
    if (!response) return response.take_error();
    *requests += response->attempts;

    VariantOutcome outcome;
    outcome.data = m_base;
    FetchedRepodata& out = outcome.data;
    out.cache_path = m_cache.json_path(m_base.url);
    const int status = response->status;
    if (status == 304 && cached) {
      info.fetched_at = now_seconds();
      if (!response->etag.empty()) info.etag = response->etag;
      if (!response->last_modified.empty()) info.last_modified = response->last_modified;
      if (!response->cache_control.empty()) info.cache_control = response->cache_control;
      ENVLOCK_TRY_VOID(m_cache.store_info(info));
      out.json = std::move(*cached);
      cached.reset();
      out.source = RepodataSource::revalidated;
      out.etag = info.etag;
      out.last_modified = info.last_modified;
      out.xxh3 = parse_hex64(info.xxh3);  // load_json checked it against the bytes
      return outcome;
    }
    if (status == 404 || (variant == "zst" && (status == 403 || status == 410))) {
      outcome.kind = VariantOutcome::Kind::not_found;
      return outcome;
    }
    if (status != 200) {
      std::string why = detail::status_text(status);
      if (status == 401 || status == 403) why += " (check the channel's credentials)";
      return Error{ErrorKind::network, request.redacted_url, why};
    }
    if (open_error) return *open_error;
    if (variant == "zst" && !decoder.complete()) {
      return Error{ErrorKind::network,
                   request.redacted_url,
                   "truncated zstd stream; the cached copy was kept"};
    }
    if (!ends.object()) {
      return Error{ErrorKind::network,
                   request.redacted_url,
                   "the answer is not a complete JSON object (truncated?); the cached copy was "
                   "kept"};
    }
    info.variant = variant;
    info.etag = response->etag;
    info.last_modified = response->last_modified;
    info.cache_control = response->cache_control;
    info.size = size;
    info.xxh3 = xxh3->finish_hex();
    out.xxh3 = parse_hex64(info.xxh3);
    info.fetched_at = now_seconds();
    // The JSON first: a crash between the two leaves a sidecar whose xxh3 no longer matches,
    // which load_json() treats as a miss.
    ENVLOCK_TRY_VOID(part.commit(json_path, Durability::no_fsync));
    ENVLOCK_TRY_VOID(m_cache.store_info(info));
    ENVLOCK_TRY(mapped, Bytes::map_file(json_path));
    out.json = std::move(mapped);
    out.source = RepodataSource::network;
    out.etag = info.etag;
    out.last_modified = info.last_modified;
    return outcome;
  }

 private:
  const RepodataCache& m_cache;
  const FetchOptions& m_options;
  FetchedRepodata m_base;
  std::string m_fetch_dir;
  std::string m_redacted_dir;
};

}  // namespace

const char* to_string(RepodataSource source) {
  switch (source) {
    case RepodataSource::network:
      return "network";
    case RepodataSource::revalidated:
      return "revalidated";
    case RepodataSource::cache:
      return "cache";
    case RepodataSource::local:
      return "local";
    case RepodataSource::absent:
      return "absent";
  }
  return "?";
}

RepodataCache::RepodataCache(std::string dir) : m_dir(std::move(dir)) {}

std::string RepodataCache::default_dir() {
  if (const char* d = std::getenv("ENVLOCK_CACHE_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/envlock";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cache/envlock";
}

std::string RepodataCache::key(std::string_view canonical_url) {
  // Defensive: a caller passing a URL with credentials still gets a secret-free key.
  return hex64(hash::xxh3_64(strip_credentials(canonical_url)));
}

std::string RepodataCache::json_path(std::string_view canonical_url) const {
  return m_dir + "/repodata/" + key(canonical_url) + ".json";
}

std::string RepodataCache::info_path(std::string_view canonical_url) const {
  return m_dir + "/repodata/" + key(canonical_url) + ".info.json";
}

std::optional<CacheInfo> RepodataCache::load_info(std::string_view canonical_url) const {
  auto text = read_file(info_path(canonical_url));
  if (!text) return std::nullopt;
  try {
    json j = json::parse(*text);
    CacheInfo info;
    info.url = j.value("url", "");
    info.fetch_url = j.value("fetch_url", "");
    info.variant = j.value("variant", "");
    info.etag = j.value("etag", "");
    info.last_modified = j.value("last_modified", "");
    info.cache_control = j.value("cache_control", "");
    info.size = j.value("size", uint64_t{0});
    info.xxh3 = j.value("xxh3", "");
    info.fetched_at = j.value("fetched_at", int64_t{0});
    if (j.contains("has_zst") && j["has_zst"].is_object()) {
      const auto& z = j["has_zst"];
      if (z.contains("value") && z["value"].is_boolean()) info.has_zst = z["value"].get<bool>();
      info.zst_checked_at = z.value("checked_at", int64_t{0});
    }
    if (info.url != strip_credentials(canonical_url)) return std::nullopt;  // a key collision
    return info;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::optional<Bytes> RepodataCache::load_json(std::string_view canonical_url,
                                              const CacheInfo& info) const {
  if (info.xxh3.empty()) return std::nullopt;
  auto bytes = Bytes::map_file(json_path(canonical_url));
  if (!bytes || bytes->size() != info.size || hex64(hash::xxh3_64(*bytes)) != info.xxh3) {
    return std::nullopt;
  }
  return std::move(bytes).value();
}

Result<void> RepodataCache::store_info(const CacheInfo& info) const {
  json j = {{"url", strip_credentials(info.url)},
            {"fetch_url", redact_url(info.fetch_url)},
            {"variant", info.variant},
            {"etag", info.etag},
            {"last_modified", info.last_modified},
            {"cache_control", info.cache_control},
            {"size", info.size},
            {"xxh3", info.xxh3},
            {"fetched_at", info.fetched_at}};
  if (info.has_zst) {
    j["has_zst"] = {{"value", *info.has_zst}, {"checked_at", info.zst_checked_at}};
  }
  std::error_code ec;
  fs::create_directories(m_dir + "/repodata", ec);
  if (ec) return Error{ErrorKind::io, m_dir + "/repodata", "cannot create: " + ec.message()};
  return write_file_atomic(info_path(info.url), j.dump(2) + "\n", Durability::no_fsync);
}

Result<void> RepodataCache::store(const CacheInfo& info, std::string_view bytes) const {
  std::error_code ec;
  fs::create_directories(m_dir + "/repodata", ec);
  if (ec) return Error{ErrorKind::io, m_dir + "/repodata", "cannot create: " + ec.message()};
  // The JSON first: a crash between the two writes leaves a sidecar whose xxh3 no longer
  // matches, which load_json() treats as a miss.
  ENVLOCK_TRY_VOID(write_file_atomic(json_path(info.url), bytes, Durability::no_fsync));
  return store_info(info);
}

Result<FetchedRepodata> fetch_repodata(const Channel& channel, std::string_view platform,
                                       const FetchOptions& options) {
  FetchedRepodata base;
  base.subdir_url = channel.subdir_url(platform);
  base.url = base.subdir_url + "/repodata.json";
  if (channel.is_local())
    return read_local(channel.local_path() + "/" + std::string(platform),
                      platform,
                      options.http.max_body_bytes,
                      std::move(base));

  FetchLocation location =
      apply_mirrors(channel.credential_url() + "/" + std::string(platform), options.mirrors);
  if (auto folder = file_url_to_path(location.url)) {
    return read_local(*folder, platform, options.http.max_body_bytes, std::move(base));
  }

  RepodataCache cache(options.cache_dir.empty() ? RepodataCache::default_dir() : options.cache_dir);
  base.cache_path = cache.json_path(base.url);
  std::optional<CacheInfo> info = cache.load_info(base.url);
  std::optional<Bytes> cached;
  if (info) cached = cache.load_json(base.url, *info);
  const int64_t now = now_seconds();

  auto from_cache = [&](RepodataSource source) {
    FetchedRepodata out = base;
    out.json = std::move(*cached);
    out.source = source;
    out.xxh3 = parse_hex64(info->xxh3);  // load_json checked it against the bytes
    out.etag = info->etag;
    out.last_modified = info->last_modified;
    return out;
  };
  if (options.offline == Offline::yes) {
    if (cached) return from_cache(RepodataSource::cache);
    return Error{
        ErrorKind::network,
        base.url,
        "not in the repodata cache (" + base.cache_path + ") and --offline forbids downloading it"};
  }
  if (cached && options.freshness == CacheFreshness::trust_max_age) {
    auto age = parse_max_age(info->cache_control);
    if (age && now - info->fetched_at < *age) return from_cache(RepodataSource::cache);
  }

  EnvLookup env = options.env ? options.env : process_env();
  ENVLOCK_TRY(fetch_dir, expand_env(location.url, env, location.redacted_url));
  Fetcher fetcher(cache, options, base, fetch_dir, location.redacted_url);
  CacheInfo next = info.value_or(CacheInfo{});
  next.url = base.url;
  int requests = 0;

  const bool zst_known_absent = next.has_zst.has_value() && !*next.has_zst &&
                                now - next.zst_checked_at < options.zst_recheck.count();
  if (options.prefer_zst == PreferZst::yes && !zst_known_absent) {
    CacheInfo with_zst = next;
    with_zst.has_zst = true;
    with_zst.zst_checked_at = now;
    ENVLOCK_TRY(outcome, fetcher.fetch("zst", with_zst, cached, &requests));
    if (outcome.kind == VariantOutcome::Kind::done) {
      outcome.data.http_requests = requests;
      return std::move(outcome.data);
    }
    next.has_zst = false;
    next.zst_checked_at = now;
    if (info) ENVLOCK_TRY_VOID(cache.store_info(next));
  }
  ENVLOCK_TRY(outcome, fetcher.fetch("json", next, cached, &requests));
  if (outcome.kind == VariantOutcome::Kind::done) {
    outcome.data.http_requests = requests;
    return std::move(outcome.data);
  }
  if (platform == "noarch") {
    return Error{ErrorKind::network,
                 location.redacted_url + "/repodata.json",
                 "HTTP 404 Not Found (no such channel?)"};
  }
  // conda treats a missing platform folder as an empty one; cached so --offline agrees.
  FetchedRepodata out = base;
  out.json = empty_repodata(platform);
  out.source = RepodataSource::absent;
  out.xxh3 = hash::xxh3_64(out.json);
  out.http_requests = requests;
  next.variant = "absent";
  next.fetch_url = location.redacted_url + "/repodata.json";
  next.etag.clear();
  next.last_modified.clear();
  next.size = out.json.size();
  next.xxh3 = hex64(out.xxh3);
  next.fetched_at = now;
  ENVLOCK_TRY_VOID(cache.store(next, out.json));
  return out;
}

}  // namespace envlock::channel
