// Fetching CEP 16 shard indexes (cached, revalidated) and shards (cached by hash, in parallel
// over keep-alive connections).

#include "lib/channel/shards.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "lib/channel/http_client.h"
#include "lib/channel/part_file.h"
#include "lib/channel/url.h"
#include "lib/hash/hash.h"
#include "lib/util/file.h"
#include "lib/util/parallel.h"

namespace envlock::channel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* k_index_file = "repodata_shards.msgpack.zst";

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the cache knows about one shard index URL.
struct IndexInfo {
  std::string url;
  std::string etag;
  std::string last_modified;
  std::string sha256;  // of the cached .zst bytes
  uint64_t size = 0;
  int64_t fetched_at = 0;
  int64_t absent_checked_at = 0;  // when a 404 said the channel serves no shards; 0 = not absent
};

std::string index_dir(const std::string& root) {
  return root + "/shards/index";
}
std::string index_key(const std::string& url) {
  char buf[17];
  std::snprintf(buf,
                sizeof buf,
                "%016llx",
                static_cast<unsigned long long>(hash::xxh3_64(strip_credentials(url))));
  return buf;
}
std::string index_path(const std::string& root, const std::string& url) {
  return index_dir(root) + "/" + index_key(url) + ".msgpack.zst";
}
std::string index_info_path(const std::string& root, const std::string& url) {
  return index_dir(root) + "/" + index_key(url) + ".info.json";
}
std::string shard_path(const std::string& root, const std::string& hex) {
  return root + "/shards/by-hash/" + hex + ".msgpack.zst";
}

std::optional<IndexInfo> load_index_info(const std::string& root, const std::string& url) {
  auto text = read_file(index_info_path(root, url), 1 << 16);
  if (!text) return std::nullopt;
  try {
    json j = json::parse(*text);
    IndexInfo info;
    info.url = j.value("url", "");
    info.etag = j.value("etag", "");
    info.last_modified = j.value("last_modified", "");
    info.sha256 = j.value("sha256", "");
    info.size = j.value("size", uint64_t{0});
    info.fetched_at = j.value("fetched_at", int64_t{0});
    info.absent_checked_at = j.value("absent_checked_at", int64_t{0});
    if (info.url != url) return std::nullopt;  // a key collision
    return info;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

Result<void> store_index_info(const std::string& root, const IndexInfo& info) {
  json j = {{"url", info.url},
            {"etag", info.etag},
            {"last_modified", info.last_modified},
            {"sha256", info.sha256},
            {"size", info.size},
            {"fetched_at", info.fetched_at},
            {"absent_checked_at", info.absent_checked_at}};
  std::error_code ec;
  fs::create_directories(index_dir(root), ec);
  if (ec) return Error{ErrorKind::io, index_dir(root), "cannot create: " + ec.message()};
  return write_file_atomic(index_info_path(root, info.url), j.dump(2) + "\n", Durability::no_fsync);
}

// The cached index bytes when they match their sidecar.
std::optional<std::string> load_index_bytes(const std::string& root, const IndexInfo& info) {
  if (info.sha256.empty()) return std::nullopt;
  auto bytes = read_file(index_path(root, info.url), info.size);
  if (!bytes || bytes->size() != info.size ||
      hash::hex_digest(hash::Algorithm::sha256, *bytes) != info.sha256)
    return std::nullopt;
  return std::move(bytes).value();
}

// Where the shards of a subdir are: CEP 16's shards_base_url, relative to the index's folder
// unless absolute; empty means "./shards/". A ".." is refused: a hostile index must not point
// shard requests elsewhere on the server by path tricks (an absolute URL is explicit).
Result<std::pair<std::string, std::string>> shards_location(const std::string& base,
                                                            const std::string& fetch_dir,
                                                            const std::string& redacted_dir,
                                                            const std::string& where) {
  std::string rel = base.empty() ? "./shards/" : base;
  if (!rel.ends_with('/')) rel += '/';
  if (has_scheme(rel)) {
    auto parts = split_url(rel);
    if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
      return Error{ErrorKind::network, where, "shards_base_url must be an http(s) URL"};
    std::string shown = redact_url(rel);  // which may drop the trailing '/'
    if (!shown.ends_with('/')) shown += '/';
    return std::pair{rel, shown};
  }
  for (size_t i = 0; i <= rel.size();) {
    size_t j = rel.find('/', i);
    if (j == std::string::npos) j = rel.size();
    if (rel.substr(i, j - i) == "..")
      return Error{ErrorKind::network, where, "shards_base_url must not contain '..'"};
    i = j + 1;
  }
  if (rel.starts_with('/')) {
    ENVLOCK_TRY(parts, split_url(fetch_dir));
    ENVLOCK_TRY(shown, split_url(redacted_dir));
    auto root = [](const UrlParts& p, std::string_view url) {
      // scheme://[userinfo@]host[/t/token]: everything before the path.
      size_t cut = url.size() - p.path.size();
      return std::string(url.substr(0, cut));
    };
    return std::pair{root(parts, fetch_dir) + rel, root(shown, redacted_dir) + rel};
  }
  while (rel.starts_with("./")) rel.erase(0, 2);
  return std::pair{fetch_dir + "/" + rel, redacted_dir + "/" + rel};
}

}  // namespace

Result<SubdirRepodata> fetch_subdir(const Channel& channel, std::string_view platform,
                                    const FetchOptions& options, UseShards use) {
  auto monolithic = [&]() -> Result<SubdirRepodata> {
    ENVLOCK_TRY(fetched, fetch_repodata(channel, platform, options));
    SubdirRepodata out;
    out.monolithic = std::move(fetched);
    return out;
  };
  if (use == UseShards::no || channel.is_local()) return monolithic();
  FetchLocation location =
      apply_mirrors(channel.credential_url() + "/" + std::string(platform), options.mirrors);
  if (file_url_to_path(location.url)) return monolithic();

  const std::string root =
      options.cache_dir.empty() ? RepodataCache::default_dir() : options.cache_dir;
  auto sub = std::make_shared<ShardedSubdir>();
  sub->subdir_url = channel.subdir_url(platform);
  sub->index_url = sub->subdir_url + "/" + k_index_file;
  const std::string redacted = location.redacted_url + "/" + k_index_file;
  std::optional<IndexInfo> info = load_index_info(root, sub->index_url);
  std::optional<std::string> cached;
  if (info) cached = load_index_bytes(root, *info);
  const int64_t now = now_seconds();

  EnvLookup env = options.env ? options.env : process_env();
  ENVLOCK_TRY(fetch_dir, expand_env(location.url, env, location.redacted_url));
  ShardLimits limits;
  limits.max_index_bytes = std::min(limits.max_index_bytes, options.http.max_body_bytes);
  auto finish = [&](const std::string& bytes, RepodataSource source) -> Result<SubdirRepodata> {
    auto index = parse_shard_index(bytes, redacted, limits);
    if (!index) {
      Error e = index.take_error();
      e.kind = ErrorKind::network;  // the channel served it: exit 4, as for bad repodata
      if (source != RepodataSource::network)
        e.message += " (cached copy; it was removed)";
      else
        e.message += "; the cached copy was kept";
      if (source != RepodataSource::network) {
        std::error_code ec;
        fs::remove(index_path(root, sub->index_url), ec);
      }
      return e;
    }
    sub->index = std::move(index).value();
    ENVLOCK_TRY(
        where,
        shards_location(sub->index.shards_base_url, fetch_dir, location.redacted_url, redacted));
    sub->shards_fetch = where.first;
    sub->shards_redacted = where.second;
    sub->source = source;
    SubdirRepodata out;
    out.sharded = std::move(sub);
    return out;
  };

  if (options.offline == Offline::yes) {
    if (cached) return finish(*cached, RepodataSource::cache);
    return monolithic();
  }
  if (info && info->absent_checked_at != 0 && !cached &&
      now - info->absent_checked_at < options.zst_recheck.count())
    return monolithic();

  detail::HttpRequest request{fetch_dir + "/" + k_index_file, redacted, {}};
  if (cached && !info->etag.empty()) request.headers.emplace_back("If-None-Match", info->etag);
  if (cached && !info->last_modified.empty())
    request.headers.emplace_back("If-Modified-Since", info->last_modified);
  std::string body;
  const uint64_t limit = limits.max_index_bytes;
  detail::BodySink sink;
  sink.begin = [&] { body.clear(); };
  sink.chunk = [&](std::string_view chunk) -> Result<void> {
    if (body.size() + chunk.size() > limit)
      return Error{ErrorKind::network,
                   redacted,
                   "larger than the limit of " + std::to_string(limit) +
                       " bytes for repodata (ENVLOCK_MAX_REPODATA_SIZE)"};
    body.append(chunk);
    return Ok{};
  };
  auto answer = detail::http_get(request, options.http, sink, options.progress);
  // The index is only a faster way to the same records: a transport failure or an HTTP error is
  // reported by the repodata.json request that follows (which names the file users know).
  if (!answer) return monolithic();
  detail::HttpResponse response = std::move(answer).value();
  sub->http_requests = response.attempts;
  IndexInfo next = info.value_or(IndexInfo{});
  next.url = sub->index_url;
  if (response.status == 304 && cached) {
    next.fetched_at = now;
    if (!response.etag.empty()) next.etag = response.etag;
    if (!response.last_modified.empty()) next.last_modified = response.last_modified;
    ENVLOCK_TRY_VOID(store_index_info(root, next));
    return finish(*cached, RepodataSource::revalidated);
  }
  if (response.status == 404 || response.status == 410) {
    // No shards here: remembered, so that the monolithic path pays the probe once per period.
    next = IndexInfo{};
    next.url = sub->index_url;
    next.absent_checked_at = now;
    ENVLOCK_TRY_VOID(store_index_info(root, next));
    std::error_code ec;
    fs::remove(index_path(root, sub->index_url), ec);
    ENVLOCK_TRY(fetched, monolithic());
    return fetched;
  }
  if (response.status != 200) return monolithic();
  // Parsed before it is cached: a bad answer never replaces a good entry.
  ENVLOCK_TRY(out, finish(body, RepodataSource::network));
  std::error_code ec;
  fs::create_directories(index_dir(root), ec);
  if (ec) return Error{ErrorKind::io, index_dir(root), "cannot create: " + ec.message()};
  ENVLOCK_TRY_VOID(write_file_atomic(index_path(root, next.url), body, Durability::no_fsync));
  next.etag = response.etag;
  next.last_modified = response.last_modified;
  next.sha256 = hash::hex_digest(hash::Algorithm::sha256, body);
  next.size = body.size();
  next.fetched_at = now;
  next.absent_checked_at = 0;
  ENVLOCK_TRY_VOID(store_index_info(root, next));
  return out;
}

// ---- ShardFetcher -------------------------------------------------------------------------

struct ShardFetcher::Impl {
  FetchOptions options;
  unsigned threads;
  std::string root;
  ShardLimits limits;

  std::mutex mutex;
  // Idle keep-alive connections per "scheme://userinfo@host" (in memory only).
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle;
  ShardStats stats;

  std::unique_ptr<httplib::Client> checkout(const std::string& key, const UrlParts& target) {
    {
      std::lock_guard lock(mutex);
      auto& list = idle[key];
      if (!list.empty()) {
        auto client = std::move(list.back());
        list.pop_back();
        return client;
      }
    }
    auto client = std::make_unique<httplib::Client>(target.scheme + "://" + target.host);
    client->set_connection_timeout(options.http.connect_timeout);
    client->set_read_timeout(options.http.read_timeout);
    client->set_follow_location(false);
    client->set_keep_alive(true);
    client->set_decompress(false);
    if (target.scheme == "https") {
      client->set_ca_cert_path(options.http.ca_bundle);
      client->enable_server_certificate_verification(options.http.tls_verify == TlsVerify::yes);
    }
    if (target.has_userinfo)
      client->set_basic_auth(percent_decode(target.user), percent_decode(target.password));
    return client;
  }
  void give_back(const std::string& key, std::unique_ptr<httplib::Client> client) {
    std::lock_guard lock(mutex);
    idle[key].push_back(std::move(client));
  }

  // One shard's bytes from the server, retried as http_get retries (transport errors, 5xx,
  // cut bodies). Fails with ErrorKind::network.
  Result<std::string> download(const std::string& url, const std::string& shown,
                               const std::string& name) {
    ENVLOCK_TRY(target, split_url(url));
    if (target.scheme != "http" && target.scheme != "https")
      return Error{ErrorKind::network, shown, "unsupported URL scheme '" + target.scheme + "'"};
    const std::string key =
        target.scheme + "://" + target.user + ":" + target.password + "@" + target.host;
    std::string path = target.token.empty() ? "" : "/t/" + target.token;
    path += target.path;
    httplib::Headers headers{{"User-Agent", "envlock"}, {"Accept-Encoding", "identity"}};
    const int attempts = std::max(1, options.http.attempts);
    auto delay = options.http.backoff;
    const auto deadline = options.http.deadline.count() > 0 ? Clock::now() + options.http.deadline
                                                            : Clock::time_point::max();
    std::string reason;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      if (attempt > 1) {
        if (Clock::now() + delay >= deadline) break;
        std::this_thread::sleep_for(delay);
        delay *= 2;
      }
      auto client = checkout(key, target);
      std::string body;
      bool too_large = false, late = false;
      httplib::Result res = client->Get(path, headers, [&](const char* data, size_t size) {
        if (body.size() + size > limits.max_shard_bytes) return !(too_large = true);
        if (Clock::now() >= deadline) return !(late = true);
        body.append(data, size);
        return true;
      });
      {
        std::lock_guard lock(mutex);
        ++stats.requests;
      }
      if (too_large)
        return Error{ErrorKind::network,
                     shown,
                     "the shard of '" + name + "' is larger than " +
                         std::to_string(limits.max_shard_bytes) + " bytes"};
      if (late)
        return Error{ErrorKind::network, shown, "not done within the deadline for the transfer"};
      if (!res) {
        reason = httplib::to_string(res.error());
        continue;  // the connection is dropped with the client
      }
      const int status = res->status;
      if (status >= 500) {
        reason = detail::status_text(status);
        give_back(key, std::move(client));
        continue;
      }
      if (res->has_header("Content-Length") &&
          res->get_header_value("Content-Length") != std::to_string(body.size())) {
        reason = "truncated answer";
        continue;
      }
      give_back(key, std::move(client));
      if (status == 404)
        return Error{
            ErrorKind::network,
            shown,
            "HTTP 404 Not Found: the shard index lists '" + name + "' but its shard is missing"};
      if (status != 200) {
        std::string why = detail::status_text(status);
        if (status == 401 || status == 403) why += " (check the channel's credentials)";
        return Error{ErrorKind::network, shown, why + " (the shard of '" + name + "')"};
      }
      std::lock_guard lock(mutex);
      ++stats.downloaded;
      stats.bytes += body.size();
      return body;
    }
    return Error{
        ErrorKind::network,
        shown,
        reason + " (the shard of '" + name + "', after " + std::to_string(attempts) + " tries)"};
  }

  Result<std::vector<spec::PackageRecord>> one(const ShardWant& want) {
    const Sha256* expected = want.subdir->index.find(want.name);
    if (expected == nullptr) return std::vector<spec::PackageRecord>{};
    const std::string hex = to_hex(*expected);
    const std::string file = shard_path(root, hex);
    const std::string shown = want.subdir->shards_redacted + hex + ".msgpack.zst";
    auto records_of = [&](const std::string& bytes) -> Result<std::vector<spec::PackageRecord>> {
      auto records = parse_shard(bytes, want.name, shown, limits);
      if (!records) {
        Error e = records.take_error();
        e.kind = ErrorKind::network;
        return e;
      }
      std::lock_guard lock(mutex);
      ++stats.shards;
      return records;
    };
    if (auto bytes = read_file(file, limits.max_shard_bytes); bytes.ok()) {
      // Immutable, never revalidated; but a damaged file is no entry.
      if (hash::hex_digest(hash::Algorithm::sha256, *bytes) == hex) return records_of(*bytes);
    }
    if (options.offline == Offline::yes)
      return Error{ErrorKind::network,
                   shown,
                   "the shard of '" + want.name + "' is not in the cache (" + file +
                       ") and --offline forbids downloading it"};
    // Never expand_env() here: shards_fetch comes from the index, and a hostile
    // "${AWS_SECRET_ACCESS_KEY}" in its shards_base_url would send the variable to the server.
    // The user's own ${VAR}s in the channel URL were expanded before the index was joined to it.
    const std::string fetch_url = want.subdir->shards_fetch + hex + ".msgpack.zst";
    std::string got_hash;
    for (int round = 0; round < 2; ++round) {  // a wrong hash is refetched once
      ENVLOCK_TRY(body, download(fetch_url, shown, want.name));
      got_hash = hash::hex_digest(hash::Algorithm::sha256, body);
      if (got_hash != hex) continue;
      std::error_code ec;
      fs::create_directories(fs::path(file).parent_path(), ec);
      if (ec) return Error{ErrorKind::io, fs::path(file).parent_path().string(), ec.message()};
      detail::PartFile part(file);
      ENVLOCK_TRY_VOID(part.open());
      ENVLOCK_TRY_VOID(part.write(body));
      ENVLOCK_TRY_VOID(part.commit(file, Durability::no_fsync));
      return records_of(body);
    }
    return Error{ErrorKind::network,
                 shown,
                 "the shard of '" + want.name + "' has sha256 " + got_hash + ", not the index's " +
                     hex + " (refused twice, not cached)"};
  }
};

ShardFetcher::ShardFetcher(FetchOptions options, unsigned threads)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->root = options.cache_dir.empty() ? RepodataCache::default_dir() : options.cache_dir;
  m_impl->options = std::move(options);
  m_impl->threads = std::max(1u, threads);
}

ShardFetcher::~ShardFetcher() = default;

Result<std::vector<std::vector<spec::PackageRecord>>> ShardFetcher::fetch(
    const std::vector<ShardWant>& wants) {
  std::vector<std::optional<Result<std::vector<spec::PackageRecord>>>> got(wants.size());
  parallel_for(wants.size(), std::min<unsigned>(m_impl->threads, wants.size()), [&](size_t i) {
    got[i].emplace(m_impl->one(wants[i]));
  });
  std::vector<std::vector<spec::PackageRecord>> out;
  out.reserve(wants.size());
  for (auto& r : got) {
    if (!r->ok()) return r->take_error();
    out.push_back(std::move(*r).value());
  }
  return out;
}

ShardStats ShardFetcher::stats() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->stats;
}

}  // namespace envlock::channel
