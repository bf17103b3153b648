// Fuzz entry point: what lib/channel takes from HTTP response headers. The input's lines are
// header values: Content-Length, Cache-Control (max-age), ETag / Last-Modified validators,
// and a redirect Location, which is split and redacted as the client does.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/scratch.h"
#include "lib/channel/headers.h"
#include "lib/channel/url.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest = fuzz::as_text(data, size);
  while (true) {
    size_t end = rest.find('\n');
    std::string_view value = rest.substr(0, end);
    if (auto n = channel::parse_content_length(value); n && std::to_string(*n).empty()) {
      std::abort();
    }
    if (auto age = channel::parse_max_age(value); age && *age < 0) std::abort();
    (void)channel::is_safe_validator(value);
    if (auto url = channel::split_url(value); url.ok()) (void)url->redacted();
    std::string redacted = channel::redact_url(value);
    if (end == std::string_view::npos) break;
    rest = rest.substr(end + 1);
  }
  return 0;
}
