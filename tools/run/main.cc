// envlock-run: a command inside an installed environment, activated as `conda run` does.
#include "tools/common/cli.h"
#include "tools/run/command.h"

int main(int argc, char** argv) {
  return envlock::tools::run_command("run", envlock::cli::args_of(argc, argv));
}
