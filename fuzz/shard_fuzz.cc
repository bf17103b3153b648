// Fuzz entry point: CEP 16 shard indexes and shards as lib/channel reads them. The input is
// tried as the .zst file itself (the zstd reader) and, compressed here, as the msgpack inside it
// (so that the fuzzer's mutations reach the msgpack reader instead of dying in zstd).

#include <zstd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/channel/shards.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string packed(ZSTD_compressBound(size), '\0');
  size_t n = ZSTD_compress(packed.data(), packed.size(), data, size, 1);
  packed.resize(ZSTD_isError(n) ? 0 : n);
  envlock::channel::ShardLimits limits;
  limits.max_index_bytes = limits.max_shard_bytes = 1 << 20;  // what a fuzzer can reach anyway
  for (std::string_view bytes : {raw, std::string_view(packed)}) {
    (void)envlock::channel::parse_shard_index(bytes, "index", limits);
    (void)envlock::channel::parse_shard(bytes, "numpy", "shard", limits);
  }
  return 0;
}
