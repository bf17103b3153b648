// envlock-index: repodata.json, repodata.json.zst and CEP 16 shards for a channel folder.
#include "tools/common/cli.h"
#include "tools/index/command.h"

int main(int argc, char** argv) {
  return envlock::tools::index_command("index", envlock::cli::args_of(argc, argv));
}
