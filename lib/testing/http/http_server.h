#pragma once
// A real HTTP server on 127.0.0.1 serving a folder, for tests of channels, repodata fetching and
// package downloads. It answers conditional requests (ETag, Last-Modified, 304) and can be told to
// misbehave the way real servers and attackers do: fail with a status, stall, drip, send a short
// body or a lying Content-Length, redirect in a loop or to a foreign scheme, or answer with a
// gzip or zstd bomb.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace envlock::testing {

/// Serves the files under a folder over HTTP on 127.0.0.1 from construction until destruction.
/// A request for a folder is answered as a PEP 503/691 simple repository does: its index.json
/// (Content-Type application/vnd.pypi.simple.v1+json) when the Accept header names that type
/// and the file exists, else its index.html (text/html).
/// Thread-safe: fault switches may be flipped while requests are in flight.
class HttpServer {
 public:
  /// Starts serving `root`. `port` 0 lets the OS choose. Throws std::runtime_error when the
  /// socket cannot be bound or the server does not start.
  explicit HttpServer(std::string root, int port = 0);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  /// Stops the server; stalled requests are released at once.
  ~HttpServer();

  /// "http://127.0.0.1:<port>", without a trailing slash.
  const std::string& url() const;
  int port() const;

  /// The next `count` requests whose path ends with `path_suffix` ("" = any path) are answered
  /// with `status` and an empty body.
  void fail_next(int count, int status = 500, std::string path_suffix = "");
  /// The next `count` matching requests wait `duration` (or until the server stops) before being
  /// answered normally, so a client with a shorter read timeout gives up first.
  void stall_next(int count, std::chrono::milliseconds duration, std::string path_suffix = "");
  /// The next `count` matching requests announce the full Content-Length but send only the first
  /// half of the file, then close the connection.
  void truncate_next(int count, std::string path_suffix = "");
  /// The next `count` matching requests are answered with the first half of the file and a
  /// Content-Length that matches it (a consistent but cut body, e.g. a cut zstd frame).
  void cut_next(int count, std::string path_suffix = "");

  /// The next `count` matching requests get the file one byte per `interval` (full
  /// Content-Length announced), like a server that is alive but useless.
  void drip_next(int count, std::chrono::milliseconds interval, std::string path_suffix = "");
  /// The next `count` matching requests announce twice the file's length, send the file, then
  /// keep the connection open without sending more until `hold` passes (or the server stops).
  void wrong_length_next(int count, std::chrono::milliseconds hold, std::string path_suffix = "");
  /// The next `count` matching requests are answered "302 Found" with `location` ("" = the
  /// request's own path: a redirect loop; "ftp://..." a foreign scheme).
  void redirect_next(int count, std::string location, std::string path_suffix = "");
  /// The next `count` matching requests are answered with `decompressed_bytes` zero bytes sent
  /// gzip-compressed ("Content-Encoding: gzip"; about 1/1000 of the size on the wire).
  void gzip_bomb_next(int count, uint64_t decompressed_bytes, std::string path_suffix = "");
  /// The next `count` matching requests are answered with one zstd frame that decompresses to
  /// `decompressed_bytes` zero bytes (served as the file itself, e.g. a repodata.json.zst).
  void zst_bomb_next(int count, uint64_t decompressed_bytes, std::string path_suffix = "");
  /// A count that never runs out, for the fault switches above.
  static constexpr int k_always = 1 << 30;

  /// Every request must carry HTTP basic auth with these credentials (else 401).
  void require_basic_auth(std::string user, std::string password);
  /// Every request path must start with "/t/<token>/" (else 403); the prefix is removed before
  /// the file is looked up.
  void require_token(std::string token);
  /// Simulates a network link: every answer waits `latency` before it starts (one round trip),
  /// and the bodies of every connection share `bytes_per_second` (0 = unlimited). For the
  /// cold-path benchmark; fault modes are not slowed.
  void set_link(uint64_t bytes_per_second, std::chrono::milliseconds latency);
  /// Sends this Cache-Control header with every 200 and 304 answer ("" = none).
  void set_cache_control(std::string value);

  /// How many requests arrived for `path` exactly as requested (e.g. "/c/linux-64/repodata.json").
  int request_count(const std::string& path) const;
  /// How many requests for `path` were answered with `status`.
  int status_count(const std::string& path, int status) const;
  /// How many TCP connections requests arrived on so far (kept-alive connections count once).
  int connection_count() const;
  /// Body bytes of the files answered 200 so far (fault answers not counted).
  uint64_t bytes_sent() const;
  /// All requests so far, in arrival order, as "<path> <status>".
  std::vector<std::string> request_log() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Writes `content` compressed with zstd to `path` (e.g. a repodata.json.zst sibling); throws
/// std::runtime_error on failure.
void write_zst(const std::string& path, std::string_view content);

/// A gzip stream (RFC 1952) of `bytes` zero bytes; throws std::runtime_error on failure.
std::string gzip_zeros(uint64_t bytes);
/// A zstd frame of `bytes` zero bytes; throws std::runtime_error on failure.
std::string zst_zeros(uint64_t bytes);

}  // namespace envlock::testing
