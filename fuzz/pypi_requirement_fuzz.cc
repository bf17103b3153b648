// Fuzz entry point: the PyPI text formats of lib/pypi — PEP 440 versions and specifiers, PEP 508
// markers and requirements, wheel/sdist file names and tags, METADATA and RECORD. What is
// accepted must print to a form that parses again to the same thing.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/pypi/marker.h"
#include "lib/pypi/metadata.h"
#include "lib/pypi/record.h"
#include "lib/pypi/requirement.h"
#include "lib/pypi/specifier.h"
#include "lib/pypi/tags.h"
#include "lib/pypi/version.h"

using namespace envlock::pypi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const Version k_probe = Version::parse("1.2.3rc1").value();
  static const MarkerEnvironment k_env = MarkerEnvironment::for_target("linux-64", "3.11.4");

  if (auto v = Version::parse(text); v.ok()) {
    auto again = Version::parse(v->str());
    if (!again.ok() || !(*again == *v) || again->str() != v->str()) std::abort();
    auto canonical = Version::parse(v->canonical_str());
    if (!canonical.ok() || !(*canonical == *v) || canonical->hash() != v->hash()) std::abort();
    (void)(*v <=> k_probe);
  }
  if (auto s = SpecifierSet::parse(text); s.ok()) {
    auto again = SpecifierSet::parse(s->str());
    if (!again.ok() || again->str() != s->str()) std::abort();
    (void)s->contains(k_probe, Prereleases::by_specifier);
    (void)s->contains(text, Prereleases::allow);
  }
  if (auto m = Marker::parse(text); m.ok()) {
    auto again = Marker::parse(m->str());
    if (!again.ok() || again->str() != m->str()) std::abort();
    if (again->evaluate(k_env, "test") != m->evaluate(k_env, "test")) std::abort();
  }
  if (auto r = parse_requirement(text); r.ok()) {
    auto again = parse_requirement(r->str());
    if (!again.ok() || again->str() != r->str()) std::abort();
    if (r->marker) (void)r->marker->evaluate(k_env);
  }
  if (auto w = parse_wheel_filename(text); w.ok()) {
    (void)tag_priority(*w, compatible_tags({"linux-64", "3.11", std::string("2.28"), {}, {}}));
  }
  (void)parse_sdist_filename(text);
  (void)parse_tag(text);
  if (auto md = parse_metadata(text); md.ok()) {
    for (const auto& dist : md->requires_dist) (void)parse_requirement(dist);
    (void)SpecifierSet::parse(md->requires_python);
  }
  if (auto rows = parse_record(text); rows.ok()) {
    auto again = parse_record(write_record(*rows));
    if (!again.ok() || *again != *rows) std::abort();
  }
  return 0;
}
