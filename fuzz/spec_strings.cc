// Fuzz entry point: version strings, version specs, build-number specs and MatchSpecs.
// What is accepted must print to a form that parses again.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lib/spec/match_spec.h"
#include "lib/spec/version.h"
#include "lib/spec/version_spec.h"

using namespace envlock::spec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto v = Version::parse(text); v.ok()) {
    auto again = Version::parse(v->canonical());
    if (!again.ok() || !(*again == *v)) std::abort();
    (void)v->hash();
  }
  if (auto vs = VersionSpec::parse(text); vs.ok()) {
    if (!VersionSpec::parse(vs->str()).ok()) std::abort();
    (void)vs->contains(Version::parse("1.2.3").value());
  }
  (void)BuildNumberSpec::parse(text);
  if (auto ms = MatchSpec::parse(text); ms.ok()) {
    PackageRecord record;
    record.name = "numpy";
    record.version = "1.2.3";
    record.build = "py_0";
    (void)ms->matches(record);
  }
  return 0;
}
