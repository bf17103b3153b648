// Fuzz entry point: one conda-meta record, read by the full reader and by the identity-only
// summary reader (which must agree on what is a valid record's identity), and history text.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz/scratch.h"
#include "lib/prefix/prefix.h"
#include "lib/prefix/summary.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  auto full = prefix::parse_prefix_record(text, "conda-meta/x-1-0.json");
  (void)prefix::parse_history(text);

  static const std::string k_prefix = [] {
    std::string p = fuzz::scratch_dir() + "/prefix";
    std::filesystem::create_directories(p + "/conda-meta");
    return p;
  }();
  fuzz::write_file(k_prefix + "/conda-meta/x-1-0.json", text);
  auto summaries = prefix::read_record_summaries(k_prefix);
  if (full.ok() && summaries.ok()) {
    if (summaries->size() != 1) std::abort();
    const auto& s = summaries->front();
    if (s.name != full->name || s.version != full->version || s.build != full->build) std::abort();
  }
  return 0;
}
