// serve_folder FOLDER [PORT]: serves FOLDER over HTTP on 127.0.0.1, prints the base URL on
// stdout, and serves until killed. For end-to-end shell tests.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "lib/testing/http/http_server.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: serve_folder FOLDER [PORT]\n");
    return 2;
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // inherited by the server's threads
  try {
    int port = argc == 3 ? std::atoi(argv[2]) : 0;
    envlock::testing::HttpServer server(argv[1], port);
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
