// envlock-verify: does a prefix match its lock? Packages, files, hashes; exit 0, 1 or 2.
#include "tools/common/cli.h"
#include "tools/verify/command.h"

int main(int argc, char** argv) {
  return envlock::tools::verify_command("verify", envlock::cli::args_of(argc, argv));
}
