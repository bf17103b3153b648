// Fuzz entry point: a repodata.json given to `envlock index --from-repodata --shards`. Whatever
// the indexer accepts, it must write a repodata.json that our own reader accepts, with the same
// number of records.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz/scratch.h"
#include "lib/index/index.h"
#include "lib/spec/package_record.h"
#include "lib/util/file.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string k_dir = fuzz::scratch_dir() + "/index";
  std::filesystem::remove_all(k_dir);
  std::filesystem::create_directories(k_dir);
  fuzz::write_file(k_dir + "/in.json", fuzz::as_text(data, size));
  index::Options options;
  options.shards = index::Shards::yes;
  options.jobs = 1;
  auto summary = index::index_repodata_file(k_dir + "/in.json", k_dir + "/out", options);
  if (!summary.ok()) return 0;
  auto text = read_file(summary->folder + "/" + index::k_repodata_json);
  if (!text.ok()) std::abort();
  auto parsed = spec::parse_repodata(*text, "repodata.json");
  // Our reader may refuse a record field of the wrong type that the indexer passes through
  // unchanged (it keeps every key as it is); what it accepts must hold every record.
  if (parsed.ok() && parsed->records.size() != summary->records) std::abort();
  return 0;
}
