// envlock-diff: semantic diff of two locks of any supported format; a git textconv driver.
#include "tools/common/cli.h"
#include "tools/diff/command.h"

int main(int argc, char** argv) {
  return envlock::tools::diff_command("diff", envlock::cli::args_of(argc, argv));
}
