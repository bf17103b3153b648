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
    for (const auto& arg : args) {
      size_t eq = arg.find('=');
      std::string flag = arg.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
      if (flag == "--only") {
        suffix = value;
      } else if (flag == "--count") {
        count = std::stoi(value);
      } else {
        arm(server, flag, value, count, suffix);
      }
    }
    std::printf("%s\n", server.url().c_str());
    std::fflush(stdout);
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_folder: error: %s\n", e.what());
    return 4;
  }
  return 0;
}
