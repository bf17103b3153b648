#pragma once
// Private to lib/channel: one GET with retries over cpp-httplib (or a file:// read).

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/channel/http.h"
#include "lib/util/result.h"

namespace envlock::channel::detail {

/// Whether a Content-Encoding (gzip, br) is undone before the body reaches the sink.
enum class ContentDecoding { yes, no };

/// Keep-alive connections that http_get calls passing it reuse: one per scheme, host and
/// credentials, kept open between requests. Not thread-safe: one per thread. A connection that
/// failed is closed and opened again by the next request.
class Connections {
 public:
  Connections();
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;
  ~Connections();
  /// How many connections (clients) were opened so far.
  int opened() const;

  struct Impl;
  std::unique_ptr<Impl> impl;
};

struct HttpRequest {
  std::string url;           ///< credentials expanded; never printed
  std::string redacted_url;  ///< for messages
  std::vector<std::pair<std::string, std::string>> headers;
  /// `no` asks for the bytes as stored (Accept-Encoding: identity) and hands any encoded body
  /// over as it came, so a compression bomb stays its own small size.
  ContentDecoding decoding = ContentDecoding::yes;
  /// Reuse a kept-alive connection from here (nullptr = a new connection, closed after).
  Connections* connections = nullptr;
};

struct HttpResponse {
  int status = 0;
  std::string etag;
  std::string last_modified;
  std::string cache_control;
  std::string content_encoding;  ///< "" when the body came as stored
  std::string content_type;      ///< the Content-Type header as sent ("" when absent)
  /// Where the answer came from after redirects, credentials in place (never print it); equal
  /// to the request's url when there was no redirect.
  std::string final_url;
  uint64_t body_bytes = 0;
  int attempts = 0;  ///< how many tries were made
};

/// Receives the body of a 200 answer in chunks; `begin` is called before each try so the sink
/// can start over. An error from `chunk` aborts the request without retrying.
struct BodySink {
  std::function<void()> begin;
  std::function<Result<void>(std::string_view chunk)> chunk;
};

/// GETs `request` with the retries, timeouts, deadline and minimum speed of `options`; redirects
/// are followed (at most 10, http and https only). Returns the final answer (any status below
/// 500, or 5xx after the last try). Fails with ErrorKind::network after the last try for
/// transport errors (naming the redacted URL, the reason and the number of tries), at once for
/// a redirect loop, a redirect to another scheme or a passed deadline, or with the sink's
/// error. Never throws: an exception inside the transfer becomes ErrorKind::network.
Result<HttpResponse> http_get(const HttpRequest& request, const HttpOptions& options,
                              const BodySink& sink, const ProgressSink& progress);

/// "404 Not Found" style text for a status.
std::string status_text(int status);

}  // namespace envlock::channel::detail
