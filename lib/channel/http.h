#pragma once
// Options shared by every network operation of lib/channel, and the progress sink.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace envlock::channel {

/// Whether HTTPS server certificates are verified.
enum class TlsVerify { yes, no };

/// Transport settings. Retries cover connection errors, timeouts, truncated bodies and 5xx
/// answers; 4xx answers are final.
struct HttpOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{60'000};
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

}  // namespace envlock::channel
