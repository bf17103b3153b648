// Fuzz entry point: a simple-repository project page as lib/channel's PyPI client reads it,
// through both parsers (PEP 691 JSON and PEP 503 HTML), and the relative-URL resolution every
// link goes through.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz/scratch.h"
#include "lib/channel/pypi_index.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  const char* page = "https://index.example/simple/project/";
  for (auto* parse : {&channel::parse_simple_json, &channel::parse_simple_html}) {
    auto files = parse(text, page, "page", 1000);
    if (!files.ok()) continue;
    if (files->size() > 1000) std::abort();
    for (const auto& f : *files) {
      // Every file name is plain and every URL absolute.
      if (f.filename.empty() || f.filename.find('/') != std::string::npos) std::abort();
      if (f.url.find("://") == std::string::npos) std::abort();
    }
  }
  (void)channel::resolve_url(page, text.substr(0, 256));
  return 0;
}
