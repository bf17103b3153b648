#include "lib/channel/http_client.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "lib/channel/headers.h"
#include "lib/channel/url.h"
#include "lib/util/text.h"

namespace envlock::channel::detail {
namespace {

// Failures that another try cannot fix: bad certificates, unusable client setup.
bool is_final(httplib::Error error) {
  switch (error) {
    case httplib::Error::SSLServerVerification:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::UnsupportedMultipartBoundaryChars:
    case httplib::Error::ExceedRedirectCount:
      return true;
    default:
      return false;
  }
}

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "connection lost or timed out while reading the answer";
    case httplib::Error::Write:
      return "connection lost while sending the request";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLServerVerification:
      return "the server's TLS certificate could not be verified";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA bundle";
    case httplib::Error::ExceedRedirectCount:
      return "too many redirects";
    default:
      return httplib::to_string(error);
  }
}

}  // namespace

std::string status_text(int status) {
  const char* text = "";
  switch (status) {
    case 400:
      text = "Bad Request";
      break;
    case 401:
      text = "Unauthorized";
      break;
    case 403:
      text = "Forbidden";
      break;
    case 404:
      text = "Not Found";
      break;
    case 408:
      text = "Request Timeout";
      break;
    case 410:
      text = "Gone";
      break;
    case 429:
      text = "Too Many Requests";
      break;
    case 500:
      text = "Internal Server Error";
      break;
    case 502:
      text = "Bad Gateway";
      break;
    case 503:
      text = "Service Unavailable";
      break;
    case 504:
      text = "Gateway Timeout";
      break;
    default:
      break;
  }
  std::string out = "HTTP " + std::to_string(status);
  if (*text != '\0') out += std::string(" ") + text;
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;

// What one GET (no retry, no redirect) produced.
struct Exchange {
  std::optional<httplib::Error> error;
  std::optional<Error> sink_error;
  std::optional<std::string> stopped;    // why the watchdog ended the transfer
  std::optional<std::string> exception;  // what escaped httplib
  bool deadline_passed = false;
  int status = 0;
  std::string etag, last_modified, cache_control, location, content_encoding, content_type;
  std::optional<uint64_t> content_length;
  bool identity = true;
  uint64_t received = 0;
};

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string seconds_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

// Ends a transfer that passes the deadline or moves slower than the minimum speed. httplib's
// read timeout only bounds the silence between two packets, so a server that drips a byte at a
// time would hold a request forever without this.
class Watchdog {
 public:
  Watchdog(httplib::Client& client, Clock::time_point deadline, const HttpOptions& options)
      : m_client(client),
        m_deadline(deadline),
        m_window(std::max(options.read_timeout, std::chrono::milliseconds(1))),
        m_min_speed(options.min_speed),
        m_deadline_text(seconds_text(options.deadline)),
        m_thread([this] { run(); }) {}
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() {
    {
      std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_cv.notify_all();
    m_thread.join();
  }

  void received(uint64_t bytes) { m_bytes += bytes; }
  /// Why the transfer was stopped, if it was.
  std::optional<std::string> reason() {
    std::lock_guard lock(m_mutex);
    return m_reason;
  }
  bool deadline_passed() {
    std::lock_guard lock(m_mutex);
    return m_deadline_passed;
  }

 private:
  void run() {
    std::unique_lock lock(m_mutex);
    Clock::time_point window_start = Clock::now();
    uint64_t bytes_at_start = 0;
    while (!m_done) {
      Clock::time_point wake = m_deadline;
      if (m_min_speed > 0) wake = std::min(wake, window_start + m_window);
      if (wake == Clock::time_point::max()) {
        // No deadline and no minimum speed: nothing to watch (and no far-future wait_until,
        // whose conversion may overflow).
        m_cv.wait(lock, [&] { return m_done; });
        return;
      }
      if (m_cv.wait_until(lock, wake, [&] { return m_done; })) return;
      Clock::time_point now = Clock::now();
      if (now >= m_deadline) {
        m_deadline_passed = true;
        m_reason = "not done within the deadline of " + m_deadline_text + " for the transfer";
        break;
      }
      if (m_min_speed > 0 && now >= window_start + m_window) {
        uint64_t got = m_bytes - bytes_at_start;
        auto window_ms = static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(m_window).count());
        if (got == 0) {
          m_reason = "timed out: nothing received in " +
                     seconds_text(std::chrono::milliseconds(window_ms));
          break;
        }
        if (got * 1000 < m_min_speed * window_ms) {
          m_reason = "slower than " + std::to_string(m_min_speed) + " bytes/s over " +
                     seconds_text(std::chrono::milliseconds(window_ms)) + " (" +
                     std::to_string(got) + (got == 1 ? " byte" : " bytes") + " received)";
          break;
        }
        window_start = now;
        bytes_at_start = m_bytes;
      }
    }
    // A stop() that lands before the request has opened its socket does nothing: repeat it
    // until the request is over.
    while (!m_done) {
      m_client.stop();
      m_cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return m_done; });
    }
  }

  httplib::Client& m_client;
  const Clock::time_point m_deadline;
  const std::chrono::milliseconds m_window;
  const uint64_t m_min_speed;
  const std::string m_deadline_text;
  std::atomic<uint64_t> m_bytes{0};
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_done = false;
  bool m_deadline_passed = false;
  std::optional<std::string> m_reason;
  std::thread m_thread;  // last: starts after every member it reads is ready
};

// Whether the path of `url` ends with '/' (split_url drops it; a simple-repository page such as
// "/simple/pip/" needs it, or the server redirects to it forever).
bool has_trailing_slash(std::string_view url) {
  size_t end = url.find_first_of("?#");
  std::string_view path = url.substr(0, end);
  size_t authority = path.find("://");
  if (authority != std::string_view::npos) path = path.substr(authority + 3);
  return path.find('/') != std::string_view::npos && !path.empty() && path.back() == '/';
}

}  // namespace

struct Connections::Impl {
  std::map<std::string, std::unique_ptr<httplib::Client>> clients;
  int opened = 0;
};

Connections::Connections() : impl(std::make_unique<Impl>()) {}
Connections::~Connections() = default;
int Connections::opened() const {
  return impl->opened;
}

namespace {

Exchange get_once(const UrlParts& target, bool trailing_slash, const httplib::Headers& headers,
                  const HttpRequest& request, const HttpOptions& options,
                  Clock::time_point deadline, const BodySink& sink,
                  const std::function<void(ProgressEvent::Stage, uint64_t, uint64_t)>& report) {
  Exchange x;
  // The key holds the credentials: a connection authenticated as one user is not reused for
  // another. It never leaves this process.
  const std::string key =
      target.scheme + "://" + target.user + ":" + target.password + "@" + target.host;
  std::unique_ptr<httplib::Client> owned;
  Connections::Impl* pool = request.connections ? request.connections->impl.get() : nullptr;
  try {
    httplib::Client* kept = nullptr;
    if (pool != nullptr) {
      auto& slot = pool->clients[key];
      if (!slot) {
        slot = std::make_unique<httplib::Client>(target.scheme + "://" + target.host);
        ++pool->opened;
      }
      kept = slot.get();
    } else {
      owned = std::make_unique<httplib::Client>(target.scheme + "://" + target.host);
    }
    httplib::Client& client = kept != nullptr ? *kept : *owned;
    client.set_connection_timeout(options.connect_timeout);
    client.set_read_timeout(options.read_timeout);
    // Redirects are followed by the caller: httplib would also "follow" a 304.
    client.set_follow_location(false);
    client.set_keep_alive(pool != nullptr);
    client.set_tcp_nodelay(true);
    client.set_decompress(request.decoding == ContentDecoding::yes);
    if (target.scheme == "https") {
      client.set_ca_cert_path(options.ca_bundle);
      client.enable_server_certificate_verification(options.tls_verify == TlsVerify::yes);
    }
    if (target.has_userinfo) {
      client.set_basic_auth(percent_decode(target.user), percent_decode(target.password));
    }
    std::string path = target.token.empty() ? "" : "/t/" + target.token;
    path += target.path.empty() ? "/" : target.path;
    if (trailing_slash && path.back() != '/') path += '/';
    if (sink.begin) sink.begin();
    Watchdog watchdog(client, deadline, options);
    auto result = client.Get(
        path,
        headers,
        [&](const httplib::Response& r) {
          x.status = r.status;
          x.identity = !r.has_header("Content-Encoding") ||
                       r.get_header_value("Content-Encoding") == "identity";
          if (r.has_header("Content-Length")) {
            x.content_length = parse_content_length(r.get_header_value("Content-Length"));
          }
          if (x.status == 200) report(ProgressEvent::Stage::start, 0, x.content_length.value_or(0));
          return true;
        },
        [&](const char* data, size_t size) {
          watchdog.received(size);
          if (x.status != 200) return true;  // error bodies are not kept
          x.received += size;
          if (sink.chunk) {
            auto r = sink.chunk(std::string_view(data, size));
            if (!r) {
              x.sink_error = r.take_error();
              return false;
            }
          }
          report(ProgressEvent::Stage::bytes, x.received, x.content_length.value_or(0));
          return true;
        });
    x.stopped = watchdog.reason();
    x.deadline_passed = watchdog.deadline_passed();
    if (!result) {
      x.error = result.error();
      return x;
    }
    if (x.stopped) return x;  // stopped just as the answer completed: do not trust it
    x.status = result->status;
    // Validators go back to the server in a header and into the cache: dropped unless plain.
    x.etag = result->get_header_value("ETag");
    if (!is_safe_validator(x.etag)) x.etag.clear();
    x.last_modified = result->get_header_value("Last-Modified");
    if (!is_safe_validator(x.last_modified)) x.last_modified.clear();
    x.cache_control = result->get_header_value("Cache-Control");
    x.location = result->get_header_value("Location");
    x.content_encoding = result->get_header_value("Content-Encoding");
    x.content_type = result->get_header_value("Content-Type");
  } catch (const std::exception& e) {
    x.exception = e.what();
  }
  // A connection whose exchange failed or was cut may be in any state: never reused.
  const bool cut =
      x.status == 200 && x.identity && x.content_length && x.received != *x.content_length;
  if (pool != nullptr && (x.error || x.exception || x.stopped || x.sink_error || cut)) {
    pool->clients.erase(key);
  }
  return x;
}

// The target of a redirect; credentials go along only to the same scheme and host. Only http
// and https are followed: a server must not send us to ftp:// or into the local file system.
Result<UrlParts> follow(const UrlParts& from, const std::string& location,
                        const std::string& redacted_url) {
  std::string absolute =
      has_scheme(location) ? location : from.scheme + "://" + from.host + location;
  auto to = split_url(absolute);
  if (!to) {
    return Error{ErrorKind::network, redacted_url, "redirected to a malformed location"};
  }
  if (to->scheme != "http" && to->scheme != "https") {
    return Error{ErrorKind::network,
                 redacted_url,
                 "redirected to " + redact_url(absolute) + ": unsupported URL scheme '" +
                     to->scheme + "' (only http and https are followed)"};
  }
  if (to->scheme == from.scheme && to->host == from.host && !to->has_userinfo) {
    to->has_userinfo = from.has_userinfo;
    to->user = from.user;
    to->password = from.password;
  }
  return to;
}

}  // namespace

Result<HttpResponse> http_get(const HttpRequest& request, const HttpOptions& options,
                              const BodySink& sink, const ProgressSink& progress) {
  ENVLOCK_TRY(parts, split_url(request.url));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return Error{ErrorKind::network,
                 request.redacted_url,
                 "unsupported URL scheme '" + parts.scheme + "' (use http, https or file)"};
  }
  httplib::Headers headers(request.headers.begin(), request.headers.end());
  headers.emplace("User-Agent", "envlock");
  if (request.decoding == ContentDecoding::no) headers.emplace("Accept-Encoding", "identity");

  const Clock::time_point deadline =
      options.deadline.count() > 0 ? Clock::now() + options.deadline : Clock::time_point::max();
  const int attempts = std::max(1, options.attempts);
  std::string last_reason;
  auto delay = options.backoff;
  int tried = 0;
  bool out_of_time = false;
  auto failed = [&](const std::string& reason) {
    return Error{ErrorKind::network,
                 request.redacted_url,
                 reason + " (after " + std::to_string(tried) + (tried == 1 ? " try)" : " tries)")};
  };
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      if (progress) {
        progress({ProgressEvent::Stage::retry, request.redacted_url, 0, 0, attempt, last_reason});
      }
      if (Clock::now() + delay >= deadline) {
        out_of_time = true;
        break;
      }
      std::this_thread::sleep_for(delay);
      delay *= 2;
    }
    tried = attempt;
    auto report = [&](ProgressEvent::Stage stage, uint64_t bytes, uint64_t total) {
      if (progress) progress({stage, request.redacted_url, bytes, total, attempt, ""});
    };
    UrlParts target = parts;
    bool trailing_slash = has_trailing_slash(request.url);
    Exchange x;
    for (int hop = 0;; ++hop) {
      x = get_once(target, trailing_slash, headers, request, options, deadline, sink, report);
      if (x.error || x.sink_error || x.exception || x.stopped || !is_redirect(x.status) ||
          x.location.empty()) {
        break;
      }
      if (hop == 10) {
        return Error{ErrorKind::network, request.redacted_url, "too many redirects"};
      }
      ENVLOCK_TRY(next, follow(target, x.location, request.redacted_url));
      target = std::move(next);
      trailing_slash = has_trailing_slash(x.location);
    }
    if (x.sink_error) return *x.sink_error;
    if (x.exception) return failed("the transfer failed: " + *x.exception);
    if (x.stopped) {
      last_reason = *x.stopped;
      if (x.deadline_passed) return failed(last_reason);
      continue;
    }
    if (x.error) {
      last_reason = describe(*x.error);
      if (is_final(*x.error)) break;
      continue;
    }
    if (x.status >= 500) {
      last_reason = status_text(x.status);
      continue;
    }
    if (x.status == 200 && x.identity && x.content_length && x.received != *x.content_length) {
      last_reason = "truncated answer: received " + std::to_string(x.received) + " of " +
                    std::to_string(*x.content_length) + " bytes";
      continue;
    }
    HttpResponse out;
    out.status = x.status;
    out.etag = x.etag;
    out.last_modified = x.last_modified;
    out.cache_control = x.cache_control;
    out.content_encoding = x.content_encoding == "identity" ? "" : x.content_encoding;
    out.content_type = x.content_type;
    out.final_url = target.with_credentials() + (trailing_slash ? "/" : "");
    out.body_bytes = x.received;
    out.attempts = attempt;
    if (out.status == 200) report(ProgressEvent::Stage::done, x.received, x.received);
    return out;
  }
  if (out_of_time) {
    return failed(last_reason + "; no time left for another try within the deadline of " +
                  seconds_text(options.deadline));
  }
  return failed(last_reason);
}

}  // namespace envlock::channel::detail

namespace envlock::channel {

Result<HttpOptions> with_environment_limits(
    HttpOptions options,
    const std::function<std::optional<std::string>(const std::string&)>& lookup) {
  // A plain count where no unit makes sense (seconds); a size with "K", "M", "G" otherwise.
  auto number = [](const std::string& text, bool unit_allowed) -> std::optional<uint64_t> {
    if (!unit_allowed && !text.empty() && !std::isdigit(static_cast<unsigned char>(text.back())))
      return std::nullopt;
    return parse_size(text);
  };
  auto bad = [](const std::string& name, const std::string& what) {
    return Error{ErrorKind::usage, name, "expected " + what};
  };
  if (auto v = lookup("ENVLOCK_DEADLINE"); v && !v->empty()) {
    auto n = number(*v, false);
    if (!n || *n > 10'000'000) return bad("ENVLOCK_DEADLINE", "a number of seconds");
    options.deadline = std::chrono::seconds(*n);
  }
  if (auto v = lookup("ENVLOCK_MIN_SPEED"); v && !v->empty()) {
    auto n = number(*v, true);
    if (!n) return bad("ENVLOCK_MIN_SPEED", "bytes per second, e.g. 1024 or 1K");
    options.min_speed = *n;
  }
  if (auto v = lookup("ENVLOCK_MAX_REPODATA_SIZE"); v && !v->empty()) {
    auto n = number(*v, true);
    if (!n || *n == 0) return bad("ENVLOCK_MAX_REPODATA_SIZE", "a size in bytes, e.g. 2G");
    options.max_body_bytes = *n;
  }
  return options;
}

}  // namespace envlock::channel
