// Fuzz entry point: the lazy RepodataIndex over repodata.json (build, every record, and a
// round trip through its cache form), and its cache bytes read against a fixed document.

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/spec/repodata_index.h"

using envlock::spec::RepodataIndex;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // No padding past the end: the index must make its own padded copy.
  if (auto index = RepodataIndex::build(text, 0, "repodata.json"); index.ok()) {
    for (std::uint32_t i = 0; i < index->size(); ++i) (void)index->record(i);
    for (auto name : index->names()) (void)index->records_named(name);
    auto again = RepodataIndex::deserialize(index->serialize(), text, 0, "repodata.json");
    if (again.ok()) {
      for (std::uint32_t i = 0; i < again->size(); ++i) (void)again->record(i);
    }
  }
  static const std::string k_doc =
      R"({"info":{"subdir":"noarch"},"packages":{"a-1-0.tar.bz2":{"name":"a","version":"1",)"
      R"("build":"0","build_number":0,"depends":[]}},"packages.conda":{}})";
  if (auto index = RepodataIndex::deserialize(text, k_doc, 0, "cache"); index.ok()) {
    for (std::uint32_t i = 0; i < index->size(); ++i) (void)index->record(i);
    for (auto name : index->names()) (void)index->records_named(name);
  }
  return 0;
}
