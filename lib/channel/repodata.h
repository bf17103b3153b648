#pragma once
// Fetching a channel's repodata.json for one platform, with an on-disk cache revalidated by
// ETag / Last-Modified, repodata.json.zst preferred when the server has it, and an offline mode.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/channel/channel.h"
#include "lib/channel/http.h"
#include "lib/util/bytes.h"
#include "lib/util/result.h"

namespace envlock::channel {

/// What the cache knows about one repodata URL (stored as "<key>.info.json" beside
/// "<key>.json"). URLs are credential-free.
struct CacheInfo {
  std::string url;        ///< canonical repodata URL (…/<platform>/repodata.json)
  std::string fetch_url;  ///< where it was fetched from (a mirror, redacted), may equal url
  std::string variant;    ///< "zst", "json" or "absent" (a 404 platform folder)
  std::string etag;
  std::string last_modified;
  std::string cache_control;
  uint64_t size = 0;            ///< bytes of the decompressed JSON
  std::string xxh3;             ///< xxh3-64 hex of the decompressed JSON
  int64_t fetched_at = 0;       ///< unix seconds of the last 200 or 304
  std::optional<bool> has_zst;  ///< whether "repodata.json.zst" exists, when known
  int64_t zst_checked_at = 0;   ///< unix seconds of that probe
};

/// Repodata files on disk under `<dir>/repodata/`. File names are a hash of the credential-free
/// canonical URL, so no secret reaches the file system.
class RepodataCache {
 public:
  /// A cache rooted at `dir`; nothing is created until store().
  explicit RepodataCache(std::string dir);
  /// $ENVLOCK_CACHE_DIR, else $XDG_CACHE_HOME/envlock, else ~/.cache/envlock.
  static std::string default_dir();

  const std::string& dir() const { return m_dir; }
  /// 16 hex digits identifying `canonical_url` (xxh3-64 of the credential-free URL).
  static std::string key(std::string_view canonical_url);
  std::string json_path(std::string_view canonical_url) const;
  std::string info_path(std::string_view canonical_url) const;

  /// The sidecar of `canonical_url`, or std::nullopt when absent or unreadable.
  std::optional<CacheInfo> load_info(std::string_view canonical_url) const;
  /// The cached JSON when it exists and matches its sidecar's size and xxh3; std::nullopt
  /// otherwise (a torn or tampered entry counts as missing).
  std::optional<Bytes> load_json(std::string_view canonical_url, const CacheInfo& info) const;
  /// Writes the JSON, then its sidecar, each atomically. Fails with ErrorKind::io.
  Result<void> store(const CacheInfo& info, std::string_view json) const;
  /// Rewrites only the sidecar (after a 304 or a zst probe). Fails with ErrorKind::io.
  Result<void> store_info(const CacheInfo& info) const;

 private:
  std::string m_dir;
};

enum class Offline { no, yes };
/// Whether to try "repodata.json.zst" before "repodata.json".
enum class PreferZst { yes, no };
/// Whether a cache entry younger than its Cache-Control max-age is used without asking.
enum class CacheFreshness { always_revalidate, trust_max_age };

struct FetchOptions {
  Offline offline = Offline::no;
  /// Cache root; "" = RepodataCache::default_dir().
  std::string cache_dir;
  std::vector<Mirror> mirrors;
  HttpOptions http;
  PreferZst prefer_zst = PreferZst::yes;
  /// How long a remembered "no .zst here" stands before probing again.
  std::chrono::seconds zst_recheck{14 * 24 * 3600};
  CacheFreshness freshness = CacheFreshness::always_revalidate;
  ProgressSink progress;
  /// Source of ${VAR} values in credentials; empty = the process environment.
  EnvLookup env;
};

enum class RepodataSource {
  network,      ///< downloaded (200)
  revalidated,  ///< the server answered 304; the cached bytes were used
  cache,        ///< the cache was used without asking (offline, or fresh by max-age)
  local,        ///< read from a file:// or local-path channel
  absent,       ///< the platform folder does not exist (404); empty repodata
};

/// "network", "revalidated", "cache", "local", "absent".
const char* to_string(RepodataSource source);

struct FetchedRepodata {
  Bytes json;              ///< decompressed repodata.json bytes (a file map when on disk)
  std::string url;         ///< canonical, credential-free: <subdir_url>/repodata.json
  std::string subdir_url;  ///< canonical, credential-free: <base_url>/<platform>
  RepodataSource source = RepodataSource::network;
  uint64_t xxh3 = 0;  ///< xxh3-64 of `json`
  std::string etag;
  std::string last_modified;
  std::string cache_path;  ///< the cached JSON file ("" for local channels)
  int http_requests = 0;   ///< requests made, retries included
};

/// Returns the repodata of `channel` for `platform` ("linux-64", "noarch", ...).
/// Local channels are read in place (repodata.json, else repodata.json.zst; no cache). Remote
/// channels: mirrors decide the fetch URL; the cached copy is revalidated (If-None-Match /
/// If-Modified-Since; 304 → cache); .zst is tried first unless remembered absent; a 404 for a
/// platform other than noarch yields empty repodata (RepodataSource::absent), as conda does.
/// Fails with ErrorKind::network for transport errors after the retries, HTTP errors, a
/// truncated or undecodable body (the cache keeps its previous entry), and offline without a
/// cache entry (the message names the redacted URL); ErrorKind::io for cache or local files;
/// ErrorKind::usage for a credential ${VAR} that is not set. No message contains a credential.
Result<FetchedRepodata> fetch_repodata(const Channel& channel, std::string_view platform,
                                       const FetchOptions& options);

}  // namespace envlock::channel
