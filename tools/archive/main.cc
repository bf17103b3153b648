// envlock-archive: every package of a lock as a self-contained channel, folder or tar.
#include "tools/archive/command.h"
#include "tools/common/cli.h"

int main(int argc, char** argv) {
  return envlock::tools::archive_command("archive", envlock::cli::args_of(argc, argv));
}
