// envlock-export: a lock as a CycloneDX/SPDX SBOM, a pinned environment.yml or @EXPLICIT.
#include "tools/common/cli.h"
#include "tools/export/command.h"

int main(int argc, char** argv) {
  return envlock::tools::export_command("export", envlock::cli::args_of(argc, argv));
}
