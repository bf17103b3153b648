// envlock-install: create or update a conda prefix exactly from a lock.
#include "tools/common/cli.h"
#include "tools/install/command.h"

int main(int argc, char** argv) {
  return envlock::tools::install_command("install", envlock::cli::args_of(argc, argv));
}
