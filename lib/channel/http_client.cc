#include "lib/channel/http_client.h"

#include <httplib.h>

#include <optional>
#include <thread>

#include "lib/channel/headers.h"
#include "lib/channel/url.h"

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

// What one GET (no retry, no redirect) produced.
struct Exchange {
  std::optional<httplib::Error> error;
  std::optional<Error> sink_error;
  int status = 0;
  std::string etag, last_modified, cache_control, location;
  std::optional<uint64_t> content_length;
  bool identity = true;
  uint64_t received = 0;
};

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

Exchange get_once(const UrlParts& target, const httplib::Headers& headers,
                  const HttpOptions& options, const BodySink& sink,
                  const std::function<void(ProgressEvent::Stage, uint64_t, uint64_t)>& report) {
  Exchange x;
  httplib::Client client(target.scheme + "://" + target.host);
  client.set_connection_timeout(options.connect_timeout);
  client.set_read_timeout(options.read_timeout);
  // Redirects are followed by the caller: httplib would also "follow" a 304.
  client.set_follow_location(false);
  client.set_keep_alive(false);
  if (target.scheme == "https") {
    client.set_ca_cert_path(options.ca_bundle);
    client.enable_server_certificate_verification(options.tls_verify == TlsVerify::yes);
  }
  if (target.has_userinfo) {
    client.set_basic_auth(percent_decode(target.user), percent_decode(target.password));
  }
  std::string path = target.token.empty() ? "" : "/t/" + target.token;
  path += target.path.empty() ? "/" : target.path;
  if (sink.begin) sink.begin();
  auto result = client.Get(
      path,
      headers,
      [&](const httplib::Response& r) {
        x.status = r.status;
        x.identity = !r.has_header("Content-Encoding");
        if (r.has_header("Content-Length")) {
          x.content_length = parse_content_length(r.get_header_value("Content-Length"));
        }
        if (x.status == 200) report(ProgressEvent::Stage::start, 0, x.content_length.value_or(0));
        return true;
      },
      [&](const char* data, size_t size) {
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
  if (!result) {
    x.error = result.error();
    return x;
  }
  x.status = result->status;
  // Validators go back to the server in a header and into the cache: dropped unless plain.
  x.etag = result->get_header_value("ETag");
  if (!is_safe_validator(x.etag)) x.etag.clear();
  x.last_modified = result->get_header_value("Last-Modified");
  if (!is_safe_validator(x.last_modified)) x.last_modified.clear();
  x.cache_control = result->get_header_value("Cache-Control");
  x.location = result->get_header_value("Location");
  return x;
}

// The target of a redirect; credentials go along only to the same scheme and host.
Result<UrlParts> follow(const UrlParts& from, const std::string& location) {
  std::string absolute =
      has_scheme(location) ? location : from.scheme + "://" + from.host + location;
  ENVLOCK_TRY(to, split_url(absolute));
  if (to.scheme == from.scheme && to.host == from.host && !to.has_userinfo) {
    to.has_userinfo = from.has_userinfo;
    to.user = from.user;
    to.password = from.password;
  }
  return to;
}

}  // namespace

Result<HttpResponse> http_get(const HttpRequest& request, const HttpOptions& options,
                              const BodySink& sink, const ProgressSink& progress) {
  ENVLOCK_TRY(parts, split_url(request.url));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return Error{ErrorKind::usage, request.redacted_url, "not an http(s) URL"};
  }
  httplib::Headers headers(request.headers.begin(), request.headers.end());
  headers.emplace("User-Agent", "envlock");

  const int attempts = std::max(1, options.attempts);
  std::string last_reason;
  auto delay = options.backoff;
  int tried = 0;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      if (progress) {
        progress({ProgressEvent::Stage::retry, request.redacted_url, 0, 0, attempt, last_reason});
      }
      std::this_thread::sleep_for(delay);
      delay *= 2;
    }
    tried = attempt;
    auto report = [&](ProgressEvent::Stage stage, uint64_t bytes, uint64_t total) {
      if (progress) progress({stage, request.redacted_url, bytes, total, attempt, ""});
    };
    UrlParts target = parts;
    Exchange x;
    for (int hop = 0;; ++hop) {
      x = get_once(target, headers, options, sink, report);
      if (x.error || x.sink_error || !is_redirect(x.status) || x.location.empty()) break;
      if (hop == 10) {
        return Error{ErrorKind::network, request.redacted_url, "too many redirects"};
      }
      ENVLOCK_TRY(next, follow(target, x.location));
      target = std::move(next);
    }
    if (x.sink_error) return *x.sink_error;
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
    out.body_bytes = x.received;
    out.attempts = attempt;
    if (out.status == 200) report(ProgressEvent::Stage::done, x.received, x.received);
    return out;
  }
  return Error{
      ErrorKind::network,
      request.redacted_url,
      last_reason + " (after " + std::to_string(tried) + (tried == 1 ? " try)" : " tries)")};
}

}  // namespace envlock::channel::detail
