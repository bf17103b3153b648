#pragma once
// Sharded repodata (CEP 16): a channel subdir's small index `repodata_shards.msgpack.zst`
// (zstd of msgpack {"version": 1, "info": {"base_url", "shards_base_url", "subdir"},
// "shards": {name: 32 raw sha256 bytes}}) and one content-addressed shard per package name,
// `<shards_base_url><sha256 hex>.msgpack.zst` (zstd of msgpack {"packages": {fn: record},
// "packages.conda": {fn: record}, "removed": [...]}, with sha256/md5 as raw bytes).
//
// Reading is bounded (decompressed size, nesting depth, counts, string sizes). Fetching: the
// index is cached and revalidated by ETag like repodata.json; shards are cached by their hash
// and never revalidated (a shard's name is its content); every shard is checked against the
// index's sha256 before it is used or cached.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/channel/channel.h"
#include "lib/channel/repodata.h"
#include "lib/spec/package_record.h"
#include "lib/util/result.h"

namespace envlock::channel {

/// Bounds on what the shard readers accept.
struct ShardLimits {
  /// Largest decompressed index (conda-forge's linux-64 + noarch are about 2 MB together).
  uint64_t max_index_bytes = uint64_t{64} << 20;
  /// Largest decompressed shard (conda-forge's largest shards are a few MB).
  uint64_t max_shard_bytes = uint64_t{64} << 20;
  /// Largest number of names in an index, and of records in a shard.
  size_t max_entries = 2'000'000;
  /// Largest string or byte string.
  size_t max_string = size_t{1} << 20;
  /// Deepest nesting of maps and arrays (a record's depends list is at depth 4).
  size_t max_depth = 8;
};

using Sha256 = std::array<uint8_t, 32>;

/// A parsed shard index.
struct ShardIndex {
  int version = 1;
  std::string subdir;           ///< info.subdir, "" when absent
  std::string base_url;         ///< info.base_url (where packages are), "" when absent
  std::string shards_base_url;  ///< info.shards_base_url, "" when absent
  /// (name, sha256 of the shard file), sorted by name.
  std::vector<std::pair<std::string, Sha256>> shards;

  /// The hash of `name`'s shard, or nullptr when the index has no such name.
  const Sha256* find(std::string_view name) const;
};

/// Decompresses and parses an index file. Fails with ErrorKind::input naming `where` when the
/// bytes are not one complete zstd frame, decompress beyond `limits`, are not msgpack, or do not
/// have the CEP 16 shape (a shard hash that is not 32 bytes, a name that is not a string).
Result<ShardIndex> parse_shard_index(std::string_view zst, const std::string& where,
                                     const ShardLimits& limits = {});

/// Decompresses and parses one shard into records ("packages" then "packages.conda", each in
/// file order; fn from the key, sha256/md5 as lower-case hex whether stored as bytes or text,
/// fields read as parse_repodata reads them from JSON). Records whose name is not `name` are an
/// error (a shard holds one name's records: it must not override another name's), and so is a
/// file name (key, or a record's "fn" that differs from it) that is not a plain
/// `<something>.conda` / `.tar.bz2` name (no '/', '\\', leading '.', control characters). Fails
/// with ErrorKind::input naming `where` as parse_shard_index does, or naming the record with a
/// field of the wrong type.
Result<std::vector<spec::PackageRecord>> parse_shard(std::string_view zst, std::string_view name,
                                                     const std::string& where,
                                                     const ShardLimits& limits = {});

/// One channel subdir served as shards, with its index.
struct ShardedSubdir {
  std::string subdir_url;  ///< canonical, credential-free: <base_url>/<platform>
  std::string index_url;   ///< canonical: <subdir_url>/repodata_shards.msgpack.zst
  /// Where shards are fetched: the mirror's ${VAR}s already expanded (never the index's: its
  /// shards_base_url is taken literally), credentials included; never shown.
  std::string shards_fetch;
  std::string shards_redacted;  ///< the same for messages
  ShardIndex index;
  RepodataSource source = RepodataSource::network;  ///< how the index was obtained
  int http_requests = 0;                            ///< requests made for the index
};

/// A subdir's repodata in whichever form the channel serves.
struct SubdirRepodata {
  std::shared_ptr<const ShardedSubdir> sharded;  ///< set when the channel serves shards
  std::optional<FetchedRepodata> monolithic;     ///< set otherwise
};

/// Whether to look for `repodata_shards.msgpack.zst` before repodata.json(.zst).
enum class UseShards { yes, no };

/// The repodata of `channel` for `platform`: when `use` is yes and the channel is remote, the
/// shard index (cached; revalidated by ETag / Last-Modified, a remembered 404 rechecked after
/// `options.zst_recheck`), else, when the index is absent (404/403/410), fetch_repodata().
/// Local channels always use fetch_repodata(). With --offline a cached index is used as it is.
/// Fails with ErrorKind::network for transport errors, HTTP errors other than a missing index,
/// and an index that is truncated, not zstd, not msgpack or not CEP 16 (the cached copy is
/// kept); ErrorKind::io for cache failures; as fetch_repodata() otherwise.
Result<SubdirRepodata> fetch_subdir(const Channel& channel, std::string_view platform,
                                    const FetchOptions& options, UseShards use = UseShards::yes);

/// One shard to fetch: `name`'s shard of `subdir` (which must outlive the fetch).
struct ShardWant {
  const ShardedSubdir* subdir = nullptr;
  std::string name;
};

/// What fetching shards cost so far (for progress lines and benchmarks).
struct ShardStats {
  size_t shards = 0;      ///< shards read (cache or network)
  size_t downloaded = 0;  ///< shards downloaded
  size_t requests = 0;    ///< HTTP requests made, retries and refetches included
  uint64_t bytes = 0;     ///< compressed bytes downloaded
};

/// Fetches shards in parallel over a pool of keep-alive connections that lives as long as the
/// fetcher, so that the breadth-first walk of a solve reuses its connections level after level.
class ShardFetcher {
 public:
  /// `options` supplies the cache folder, mirrors, HTTP limits and offline mode; `threads`
  /// bounds the transfers in flight.
  explicit ShardFetcher(FetchOptions options, unsigned threads = 16);
  ShardFetcher(const ShardFetcher&) = delete;
  ShardFetcher& operator=(const ShardFetcher&) = delete;
  ~ShardFetcher();

  /// The records of each wanted shard, in the order of `wants`; a name the index does not have
  /// gives no records. A cached shard is used when its bytes still hash to the index's sha256;
  /// otherwise it is downloaded, checked and cached (a shard with the wrong hash is refetched
  /// once, and never cached). Fails with ErrorKind::network naming the package and the redacted
  /// URL for a shard that is missing (404), keeps the wrong hash, cannot be fetched, or matches
  /// its hash but cannot be read (the channel served it: exit 4, as for bad repodata); with
  /// --offline for a shard not in the cache; ErrorKind::io when the cache cannot be written.
  Result<std::vector<std::vector<spec::PackageRecord>>> fetch(const std::vector<ShardWant>& wants);

  /// Totals since construction.
  ShardStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Lower-case hex of a sha256.
std::string to_hex(const Sha256& hash);

}  // namespace envlock::channel
