#include "lib/testing/http/http_server.h"

#include <httplib.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "lib/hash/hash.h"

namespace envlock::testing {
namespace {

enum class FaultKind {
  status,
  stall,
  truncate,
  cut,
  drip,
  wrong_length,
  redirect,
  gzip_bomb,
  zst_bomb
};

struct Fault {
  FaultKind kind = FaultKind::status;
  int remaining = 0;
  int status = 500;
  std::chrono::milliseconds stall{0};  ///< stall time, drip interval or wrong_length hold
  std::string path_suffix;
  std::string location;  ///< redirect target
  uint64_t bytes = 0;    ///< decompressed size of a bomb
};

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string http_date(time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

bool parse_http_date(const std::string& text, time_t* out) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return false;
  *out = timegm(&tm);
  return true;
}

bool read_whole(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

constexpr const char* k_pypi_json = "application/vnd.pypi.simple.v1+json";

std::string content_type_for(const std::string& path) {
  if (ends_with(path, ".json")) return "application/json";
  if (ends_with(path, ".html")) return "text/html";
  if (ends_with(path, ".zst")) return "application/zstd";
  return "application/octet-stream";
}

}  // namespace

struct HttpServer::Impl {
  std::string root;
  std::string url;
  int port = 0;
  httplib::Server server;
  std::thread thread;

  mutable std::mutex mutex;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::vector<Fault> faults;
  std::string basic_user, basic_password;
  bool basic_required = false;
  std::string token;
  std::string cache_control;
  std::vector<std::pair<std::string, int>> log;
  std::set<std::pair<std::string, int>> peers;  // (remote address, port): one per connection

  std::map<std::pair<bool, uint64_t>, std::string> bombs;  // (gzip?, size) → bytes on the wire

  // The simulated link (set_link): one bandwidth shared by every connection, as on a real link,
  // and a delay before each answer.
  std::atomic<uint64_t> rate{0};  // bytes per second; 0 = unlimited
  std::atomic<int64_t> latency_ms{0};
  std::atomic<uint64_t> sent{0};  // body bytes of files answered 200
  std::mutex link_mutex;
  std::chrono::steady_clock::time_point link_free{};  // when the link has sent what it was given

  // Waits until `bytes` more have gone through the link; false when the server stops.
  bool through_link(size_t bytes) {
    const uint64_t r = rate.load();
    if (r == 0) return true;
    std::chrono::steady_clock::time_point done;
    {
      std::lock_guard lock(link_mutex);
      auto now = std::chrono::steady_clock::now();
      if (link_free < now) link_free = now;
      link_free += std::chrono::nanoseconds(static_cast<int64_t>(bytes * 1'000'000'000.0 / r));
      done = link_free;
    }
    std::unique_lock lock(mutex);
    return !stop_cv.wait_until(lock, done, [&] { return stopping; });
  }

  void add(Fault fault) {
    std::lock_guard lock(mutex);
    faults.push_back(std::move(fault));
  }

  // Sleeps `duration` unless the server stops first; false when it stops.
  bool wait_or_stop(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex);
    return !stop_cv.wait_for(lock, duration, [&] { return stopping; });
  }

  // Takes the first matching armed fault, if any. Caller holds the mutex.
  bool take_fault(const std::string& path, Fault* out) {
    for (auto& f : faults) {
      if (f.remaining > 0 && ends_with(path, f.path_suffix)) {
        --f.remaining;
        *out = f;
        return true;
      }
    }
    return false;
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    const std::string raw_path = req.path;
    if (int64_t ms = latency_ms.load(); ms > 0) wait_or_stop(std::chrono::milliseconds(ms));
    std::unique_lock lock(mutex);
    // Logged on arrival (status 0 until answered) so stalled requests are counted too.
    const size_t entry = log.size();
    log.emplace_back(raw_path, 0);
    peers.emplace(req.remote_addr, req.remote_port);
    auto answer = [&](int status) {
      res.status = status;
      log[entry].second = status;
    };
    if (basic_required) {
      auto expected = httplib::make_basic_authentication_header(basic_user, basic_password);
      if (req.get_header_value("Authorization") != expected.second) {
        res.set_header("WWW-Authenticate", "Basic realm=\"test\"");
        return answer(401);
      }
    }
    std::string path = raw_path;
    if (!token.empty()) {
      std::string prefix = "/t/" + token + "/";
      if (path.rfind(prefix, 0) != 0) return answer(403);
      path = path.substr(prefix.size() - 1);
    }
    Fault fault;
    bool faulty = take_fault(raw_path, &fault);
    if (faulty && fault.kind == FaultKind::status) return answer(fault.status);
    if (faulty && fault.kind == FaultKind::stall) {
      stop_cv.wait_for(lock, fault.stall, [&] { return stopping; });
      if (stopping) return answer(503);
    }
    if (faulty && fault.kind == FaultKind::redirect) {
      res.set_header("Location", fault.location.empty() ? raw_path : fault.location);
      return answer(302);
    }
    if (faulty && (fault.kind == FaultKind::gzip_bomb || fault.kind == FaultKind::zst_bomb)) {
      const bool gzip = fault.kind == FaultKind::gzip_bomb;
      auto& cached = bombs[{gzip, fault.bytes}];
      if (cached.empty()) cached = gzip ? gzip_zeros(fault.bytes) : zst_zeros(fault.bytes);
      if (gzip) res.set_header("Content-Encoding", "gzip");
      // A type httplib never compresses, so the bytes go out exactly as made.
      res.set_content(cached, gzip ? "application/octet-stream" : "application/zstd");
      return answer(200);
    }
    if (path.find("/../") != std::string::npos || ends_with(path, "/..")) return answer(400);
    std::string file = root + path;
    struct stat st {};
    // A folder is a PEP 503/691 simple-repository page: index.json when the client accepts
    // the JSON form (and it exists), else index.html.
    bool pypi_json = false;
    if (::stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      if (!ends_with(file, "/")) file += "/";
      struct stat json_st {};
      pypi_json = req.get_header_value("Accept").find(k_pypi_json) != std::string::npos &&
                  ::stat((file + "index.json").c_str(), &json_st) == 0;
      file += pypi_json ? "index.json" : "index.html";
      res.set_header("Vary", "Accept");
    }
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return answer(404);
    std::string body;
    if (!read_whole(file, &body)) return answer(500);

    std::string etag = "\"" + hash::hex_digest(hash::Algorithm::xxh3_64, body) + "\"";
    std::string last_modified = http_date(st.st_mtime);
    res.set_header("ETag", etag);
    res.set_header("Last-Modified", last_modified);
    if (!cache_control.empty()) res.set_header("Cache-Control", cache_control);

    if (req.has_header("If-None-Match")) {
      if (req.get_header_value("If-None-Match") == etag) return answer(304);
    } else if (req.has_header("If-Modified-Since")) {
      time_t since = 0;
      if (parse_http_date(req.get_header_value("If-Modified-Since"), &since) &&
          since >= st.st_mtime) {
        return answer(304);
      }
    }
    const std::string type = pypi_json ? k_pypi_json : content_type_for(file);
    if (faulty && fault.kind == FaultKind::truncate) {
      auto shared = std::make_shared<std::string>(std::move(body));
      res.set_content_provider(
          shared->size(), type, [shared](size_t offset, size_t, httplib::DataSink& sink) {
            size_t half = shared->size() / 2;
            if (offset < half) sink.write(shared->data() + offset, half - offset);
            return false;  // abort: the connection closes short of Content-Length
          });
      return answer(200);
    }
    if (faulty && fault.kind == FaultKind::drip) {
      auto shared = std::make_shared<std::string>(std::move(body));
      auto interval = fault.stall;
      res.set_content_provider(
          shared->size(),
          type,
          [this, shared, interval](size_t offset, size_t, httplib::DataSink& sink) {
            if (!wait_or_stop(interval)) return false;
            return sink.write(shared->data() + offset, 1);
          });
      return answer(200);
    }
    if (faulty && fault.kind == FaultKind::wrong_length) {
      auto shared = std::make_shared<std::string>(std::move(body));
      auto hold = fault.stall;
      res.set_content_provider(
          shared->size() * 2,
          type,
          [this, shared, hold](size_t offset, size_t, httplib::DataSink& sink) {
            if (offset < shared->size())
              return sink.write(shared->data() + offset, shared->size() - offset);
            wait_or_stop(hold);
            return false;
          });
      return answer(200);
    }
    if (faulty && fault.kind == FaultKind::cut) body.resize(body.size() / 2);
    if (rate.load() > 0) {
      auto shared = std::make_shared<std::string>(std::move(body));
      res.set_content_provider(
          shared->size(), type, [this, shared](size_t offset, size_t, httplib::DataSink& sink) {
            size_t n = std::min<size_t>(shared->size() - offset, 16 * 1024);
            if (!through_link(n)) return false;
            sent += n;
            return sink.write(shared->data() + offset, n);
          });
      return answer(200);
    }
    sent += body.size();
    res.set_content(std::move(body), type);
    answer(200);
  }
};

HttpServer::HttpServer(std::string root, int port) : m_impl(std::make_unique<Impl>()) {
  Impl& impl = *m_impl;
  impl.root = std::move(root);
  while (!impl.root.empty() && impl.root.back() == '/') impl.root.pop_back();
  impl.server.set_keep_alive_max_count(100);
  impl.server.set_tcp_nodelay(true);
  // A keep-alive connection holds a worker until it closes: enough workers for clients that
  // keep a pool of connections open (the shard fetcher's 16), plus the tests' one-shot ones.
  impl.server.new_task_queue = [] { return new httplib::ThreadPool(48); };
  impl.server.Get(R"(/.*)", [&impl](const httplib::Request& req, httplib::Response& res) {
    impl.handle(req, res);
  });
  if (port == 0) {
    impl.port = impl.server.bind_to_any_port("127.0.0.1");
  } else {
    impl.port = impl.server.bind_to_port("127.0.0.1", port) ? port : -1;
  }
  if (impl.port <= 0) throw std::runtime_error("HttpServer: cannot bind 127.0.0.1");
  impl.url = "http://127.0.0.1:" + std::to_string(impl.port);
  impl.thread = std::thread([&impl] { impl.server.listen_after_bind(); });
  for (int i = 0; i < 2000 && !impl.server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!impl.server.is_running()) {
    impl.server.stop();
    impl.thread.join();
    throw std::runtime_error("HttpServer: server did not start");
  }
}

HttpServer::~HttpServer() {
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->stopping = true;
  }
  m_impl->stop_cv.notify_all();
  m_impl->server.stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
}

void HttpServer::set_link(uint64_t bytes_per_second, std::chrono::milliseconds latency) {
  m_impl->rate = bytes_per_second;
  m_impl->latency_ms = latency.count();
}

uint64_t HttpServer::bytes_sent() const {
  return m_impl->sent.load();
}

const std::string& HttpServer::url() const {
  return m_impl->url;
}
int HttpServer::port() const {
  return m_impl->port;
}

namespace {

// A fault of `kind` for the next `count` requests whose path ends with `suffix`.
Fault fault_of(FaultKind kind, int count, std::string suffix) {
  Fault f;
  f.kind = kind;
  f.remaining = count;
  f.path_suffix = std::move(suffix);
  return f;
}

}  // namespace

void HttpServer::fail_next(int count, int status, std::string path_suffix) {
  Fault f = fault_of(FaultKind::status, count, std::move(path_suffix));
  f.status = status;
  m_impl->add(std::move(f));
}

void HttpServer::stall_next(int count, std::chrono::milliseconds duration,
                            std::string path_suffix) {
  Fault f = fault_of(FaultKind::stall, count, std::move(path_suffix));
  f.stall = duration;
  m_impl->add(std::move(f));
}

void HttpServer::truncate_next(int count, std::string path_suffix) {
  m_impl->add(fault_of(FaultKind::truncate, count, std::move(path_suffix)));
}

void HttpServer::cut_next(int count, std::string path_suffix) {
  m_impl->add(fault_of(FaultKind::cut, count, std::move(path_suffix)));
}

void HttpServer::drip_next(int count, std::chrono::milliseconds interval, std::string path_suffix) {
  Fault f = fault_of(FaultKind::drip, count, std::move(path_suffix));
  f.stall = interval;
  m_impl->add(std::move(f));
}

void HttpServer::wrong_length_next(int count, std::chrono::milliseconds hold,
                                   std::string path_suffix) {
  Fault f = fault_of(FaultKind::wrong_length, count, std::move(path_suffix));
  f.stall = hold;
  m_impl->add(std::move(f));
}

void HttpServer::redirect_next(int count, std::string location, std::string path_suffix) {
  Fault f = fault_of(FaultKind::redirect, count, std::move(path_suffix));
  f.location = std::move(location);
  m_impl->add(std::move(f));
}

void HttpServer::gzip_bomb_next(int count, uint64_t decompressed_bytes, std::string path_suffix) {
  Fault f = fault_of(FaultKind::gzip_bomb, count, std::move(path_suffix));
  f.bytes = decompressed_bytes;
  m_impl->add(std::move(f));
}

void HttpServer::zst_bomb_next(int count, uint64_t decompressed_bytes, std::string path_suffix) {
  Fault f = fault_of(FaultKind::zst_bomb, count, std::move(path_suffix));
  f.bytes = decompressed_bytes;
  m_impl->add(std::move(f));
}

void HttpServer::require_basic_auth(std::string user, std::string password) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->basic_required = true;
  m_impl->basic_user = std::move(user);
  m_impl->basic_password = std::move(password);
}

void HttpServer::require_token(std::string token) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->token = std::move(token);
}

void HttpServer::set_cache_control(std::string value) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->cache_control = std::move(value);
}

int HttpServer::request_count(const std::string& path) const {
  std::lock_guard lock(m_impl->mutex);
  int n = 0;
  for (const auto& [p, status] : m_impl->log) n += (p == path);
  return n;
}

int HttpServer::status_count(const std::string& path, int status) const {
  std::lock_guard lock(m_impl->mutex);
  int n = 0;
  for (const auto& [p, s] : m_impl->log) n += (p == path && s == status);
  return n;
}

int HttpServer::connection_count() const {
  std::lock_guard lock(m_impl->mutex);
  return static_cast<int>(m_impl->peers.size());
}

std::vector<std::string> HttpServer::request_log() const {
  std::lock_guard lock(m_impl->mutex);
  std::vector<std::string> out;
  for (const auto& [p, s] : m_impl->log) out.push_back(p + " " + std::to_string(s));
  return out;
}

void write_zst(const std::string& path, std::string_view content) {
  std::string out(ZSTD_compressBound(content.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), content.data(), content.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  std::ofstream file(path, std::ios::binary);
  file << out;
  if (!file.good()) throw std::runtime_error("cannot write " + path);
}

std::string gzip_zeros(uint64_t bytes) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
  std::string zeros(1 << 20, '\0'), out;
  char buf[1 << 16];
  uint64_t left = bytes;
  int flush = Z_NO_FLUSH;
  do {
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
    left -= n;
    flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, flush);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  } while (flush != Z_FINISH);
  deflateEnd(&z);
  return out;
}

std::string zst_zeros(uint64_t bytes) {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  if (ctx == nullptr) throw std::runtime_error("zstd: cannot create a context");
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, 1);
  ZSTD_CCtx_setPledgedSrcSize(ctx, bytes);
  std::string zeros(1 << 20, '\0'), out;
  std::string buf(ZSTD_CStreamOutSize(), '\0');
  uint64_t left = bytes;
  for (;;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, zeros.size()));
    left -= n;
    ZSTD_EndDirective mode = left == 0 ? ZSTD_e_end : ZSTD_e_continue;
    ZSTD_inBuffer in{zeros.data(), n, 0};
    size_t remaining = 0;
    do {
      ZSTD_outBuffer o{buf.data(), buf.size(), 0};
      remaining = ZSTD_compressStream2(ctx, &o, &in, mode);
      if (ZSTD_isError(remaining)) {
        ZSTD_freeCCtx(ctx);
        throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(remaining));
      }
      out.append(buf.data(), o.pos);
    } while (mode == ZSTD_e_end ? remaining != 0 : in.pos < in.size);
    if (mode == ZSTD_e_end) break;
  }
  ZSTD_freeCCtx(ctx);
  return out;
}

}  // namespace envlock::testing
