#pragma once
// Options shared by every network operation of lib/channel, and the progress sink.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "lib/util/result.h"

namespace envlock::channel {

/// Whether HTTPS server certificates are verified.
enum class TlsVerify { yes, no };

/// Transport settings. Retries cover connection errors, timeouts, slow transfers, truncated
/// bodies and 5xx answers; 4xx answers, redirects to other schemes, a passed deadline and an
/// oversized body are final.
struct HttpOptions {
  /// Longest wait for the TCP (and TLS) connection.
  std::chrono::milliseconds connect_timeout{30'000};
  /// Longest silence while waiting for the answer or the next bytes of it; also the window of
  /// the minimum-speed rule.
  std::chrono::milliseconds read_timeout{30'000};
  /// The whole transfer (every try, redirect and backoff) must end within this; 0 = no limit.
  /// Generous, so that a slow real link passes: 2 GB at 300 KB/s takes under two hours.
  std::chrono::milliseconds deadline{2 * 3600 * 1000};
  /// A transfer that receives fewer than this many bytes per second, averaged over each
  /// `read_timeout` window, is abandoned (and retried): a server that drips a byte at a time
  /// never trips the read timeout. 0 = no minimum.
  uint64_t min_speed = 1024;
  /// Largest decoded body kept in memory (repodata; after gzip/br/zstd decoding). conda-forge's
  /// linux-64 repodata.json is about 250 MB.
  uint64_t max_body_bytes = uint64_t{1} << 30;
  /// Total tries per request (1 = no retry).
  int attempts = 3;
  /// Pause before the second try; doubled before each further try.
  std::chrono::milliseconds backoff{250};
  TlsVerify tls_verify = TlsVerify::yes;
  /// CA bundle used to verify HTTPS servers.
  std::string ca_bundle = "/etc/ssl/certs/ca-certificates.crt";
};

/// One progress report. URLs are always redacted.
struct ProgressEvent {
  enum class Stage { start, bytes, retry, done };
  Stage stage = Stage::start;
  std::string url;
  uint64_t bytes = 0;  ///< bytes received so far (this attempt)
  uint64_t total = 0;  ///< expected bytes, 0 when unknown
  int attempt = 1;     ///< 1-based try number
  std::string reason;  ///< why a retry happens (Stage::retry)
};

/// Receives progress; the library never prints. May be empty.
using ProgressSink = std::function<void(const ProgressEvent&)>;

/// `options` with the limits that the environment overrides: ENVLOCK_DEADLINE (seconds, 0 = no
/// limit), ENVLOCK_MIN_SPEED (bytes per second, 0 = no minimum), ENVLOCK_MAX_REPODATA_SIZE
/// (bytes, or with a K, M or G suffix); an empty value counts as unset. `lookup` returns a
/// variable's value, std::nullopt when unset. Fails with ErrorKind::usage naming the variable when
/// a value is not a number.
Result<HttpOptions> with_environment_limits(
    HttpOptions options,
    const std::function<std::optional<std::string>(const std::string&)>& lookup);

}  // namespace envlock::channel
