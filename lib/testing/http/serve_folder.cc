// serve_folder FOLDER [PORT] [FAULT...]: serves FOLDER over HTTP on 127.0.0.1, prints the base URL
// on stdout, and serves until killed. For end-to-end shell tests.
//
// Faults (each applies to every request whose path ends with the last --only SUFFIX given
// before it, "" = all, and fires --count N times, default always):
//   --status=CODE        answer CODE with an empty body
//   --stall=MS           accept, then say nothing for MS milliseconds
//   --drip=MS            send the file one byte every MS milliseconds
//   --truncate           announce the full length, send half, close
//   --cut                send the first half with a Content-Length that matches it
//   --wrong-length=MS    announce twice the length, send the file, then hold MS milliseconds
//   --redirect=LOCATION  302 to LOCATION ("self" = the request's own path: a loop)
//   --gzip-bomb=BYTES    BYTES zeros, gzip Content-Encoding
//   --zst-bomb=BYTES     a zstd frame of BYTES zeros
// Access control (every request): --basic-auth=USER:PASSWORD, --token=TOKEN (paths /t/TOKEN/...).
// A folder is answered as a PEP 503/691 simple-repository page (index.json or index.html by the
// Accept header), so FOLDER may be the test PyPI index (//testdata/pypi:index).
// A simulated link (every request): --rate=100Mbit (also Kbit, Gbit, or bytes/s as a plain
// number, K/M/G suffixes in bytes) shared by all connections, --latency=20ms before each answer.
// --stats=FILE: on exit, writes "requests N" and "bytes N" (bodies of files answered 200).

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib/testing/http/http_server.h"

namespace {

using envlock::testing::HttpServer;

uint64_t link_rate = 0;
std::string stats_file;
std::chrono::milliseconds link_latency{0};

// "100Mbit" → 12,500,000 bytes/s; "10M" → 10 MiB/s; "5000" → 5000 bytes/s.
uint64_t parse_rate(const std::string& text) {
  size_t used = 0;
  double number = std::stod(text, &used);
  std::string unit = text.substr(used);
  const std::pair<const char*, double> units[] = {{"", 1},
                                                  {"K", 1024},
                                                  {"M", 1024 * 1024},
                                                  {"G", 1024.0 * 1024 * 1024},
                                                  {"bit", 1 / 8.0},
                                                  {"Kbit", 1e3 / 8},
                                                  {"Mbit", 1e6 / 8},
                                                  {"Gbit", 1e9 / 8}};
  for (const auto& [name, factor] : units)
    if (unit == name && number > 0) return static_cast<uint64_t>(number * factor);
  throw std::invalid_argument("--rate=" + text + ": expected e.g. 100Mbit, 10M or 5000");
}

// Arms one fault flag; throws std::invalid_argument for an unknown one.
void arm(HttpServer& server, const std::string& flag, const std::string& value, int count,
         const std::string& suffix) {
  auto ms = [&] { return std::chrono::milliseconds(std::stoll(value)); };
  if (flag == "--status") {
    server.fail_next(count, std::stoi(value), suffix);
  } else if (flag == "--stall") {
    server.stall_next(count, ms(), suffix);
  } else if (flag == "--drip") {
    server.drip_next(count, ms(), suffix);
  } else if (flag == "--truncate") {
    server.truncate_next(count, suffix);
  } else if (flag == "--cut") {
    server.cut_next(count, suffix);
  } else if (flag == "--wrong-length") {
    server.wrong_length_next(count, ms(), suffix);
  } else if (flag == "--redirect") {
    server.redirect_next(count, value == "self" ? "" : value, suffix);
  } else if (flag == "--gzip-bomb") {
    server.gzip_bomb_next(count, std::stoull(value), suffix);
  } else if (flag == "--basic-auth") {
    size_t colon = value.find(':');
    if (colon == std::string::npos) throw std::invalid_argument("--basic-auth=USER:PASSWORD");
    server.require_basic_auth(value.substr(0, colon), value.substr(colon + 1));
  } else if (flag == "--token") {
    server.require_token(value);
  } else if (flag == "--rate") {
    link_rate = parse_rate(value);
  } else if (flag == "--stats") {
    stats_file = value;
  } else if (flag == "--latency") {
    std::string v = value;
    if (v.size() > 2 && v.substr(v.size() - 2) == "ms") v.resize(v.size() - 2);
    link_latency = std::chrono::milliseconds(std::stoll(v));
  } else if (flag == "--zst-bomb") {
    server.zst_bomb_next(count, std::stoull(value), suffix);
  } else {
    throw std::invalid_argument("unknown option " + flag);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: serve_folder FOLDER [PORT] [--only=SUFFIX] [--count=N] [FAULT...]\n");
    return 2;
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // inherited by the server's threads
  try {
    std::vector<std::string> args(argv + 2, argv + argc);
    int port = 0;
    if (!args.empty() && args.front().rfind("--", 0) != 0) {
      port = std::stoi(args.front());
      args.erase(args.begin());
    }
    HttpServer server(argv[1], port);
    std::string suffix;
    int count = HttpServer::k_always;
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      size_t eq = arg.find('=');
      std::string flag = arg.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
      // The link flags also take their value as the next argument: --rate 100Mbit.
      if (eq == std::string::npos && (flag == "--rate" || flag == "--latency") &&
          i + 1 < args.size())
        value = args[++i];
      if (flag == "--only") {
        suffix = value;
      } else if (flag == "--count") {
        count = std::stoi(value);
      } else {
        arm(server, flag, value, count, suffix);
      }
    }
    if (link_rate > 0 || link_latency.count() > 0) server.set_link(link_rate, link_latency);
    std::printf("%s\n", server.url().c_str());
    std::fflush(stdout);
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    if (!stats_file.empty()) {
      if (FILE* f = std::fopen(stats_file.c_str(), "w")) {
        std::fprintf(f,
                     "requests %zu\nbytes %llu\n",
                     server.request_log().size(),
                     static_cast<unsigned long long>(server.bytes_sent()));
        std::fclose(f);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_folder: error: %s\n", e.what());
    return 4;
  }
  return 0;
}
