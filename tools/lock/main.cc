// envlock-lock: solve environment.yml into a conda-lock v1 lock; --check it offline.
#include "tools/common/cli.h"
#include "tools/lock/command.h"

int main(int argc, char** argv) {
  return envlock::tools::lock_command("lock", envlock::cli::args_of(argc, argv));
}
