#pragma once
// Streaming digests: sha256 and md5 (OpenSSL EVP), xxh3-64 and xxh3-128 (xxHash).
// Digests are exchanged as lowercase hex; files are hashed in constant memory.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace envlock::hash {

enum class Algorithm { sha256, md5, xxh3_64, xxh3_128 };

/// "sha256", "md5", "xxh3_64", "xxh3_128".
const char* name(Algorithm algorithm);
/// Length of the algorithm's digest in hex characters (64, 32, 16, 32).
size_t hex_length(Algorithm algorithm);

/// An incremental digest. Not copyable; finish() may be called once.
class Hasher {
 public:
  explicit Hasher(Algorithm algorithm);
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  ~Hasher();

  Algorithm algorithm() const { return m_algorithm; }
  /// Adds bytes to the digest.
  void update(std::string_view bytes);
  /// Returns the lowercase hex digest; the Hasher must not be updated afterwards.
  std::string finish_hex();

 private:
  struct State;
  Algorithm m_algorithm;
  std::unique_ptr<State> m_state;
};

/// Lowercase hex digest of `bytes`.
std::string hex_digest(Algorithm algorithm, std::string_view bytes);

/// xxh3-64 of `bytes` as a number (cache keys, content fingerprints).
uint64_t xxh3_64(std::string_view bytes);

/// The digests of one file, computed in a single pass.
struct FileDigest {
  uint64_t size = 0;
  std::vector<std::string> hex;  ///< one per requested algorithm, in request order
};

/// Reads the file at `path` once, in fixed-size chunks, feeding every algorithm in
/// `algorithms`. Fails with ErrorKind::io naming the path.
Result<FileDigest> digest_file(const std::string& path, const std::vector<Algorithm>& algorithms);

/// Lowercase hex digest of the file at `path`. Fails with ErrorKind::io naming the path.
Result<std::string> hex_digest_file(Algorithm algorithm, const std::string& path);

/// Lowercase hex of raw bytes.
std::string to_hex(std::string_view bytes);

/// True when `text` is a well-formed hex digest of `algorithm` (any letter case).
bool is_hex_digest(Algorithm algorithm, std::string_view text);

/// `text` lowercased, for comparing digests written in upper case by other tools.
std::string normalize_hex(std::string_view text);

}  // namespace envlock::hash
