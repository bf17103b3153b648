// Fuzz entry point: a wheel's bytes (a zip) through lib/pypi's Wheel: the member list and its
// path checks, METADATA and RECORD read and parsed, every member inflated (bounded).

#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/scratch.h"
#include "lib/pypi/metadata.h"
#include "lib/pypi/record.h"
#include "lib/pypi/wheel.h"

using namespace envlock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = fuzz::scratch_dir() + "/demo-1.0-py3-none-any.whl";
  fuzz::write_file(path, fuzz::as_text(data, size));
  auto wheel = pypi::Wheel::open(path);
  if (!wheel.ok()) return 0;
  for (const auto& member : wheel->members()) {
    if (!pypi::is_safe_member_path(member)) std::abort();  // open() let an unsafe path through
  }
  if (auto md = wheel->metadata(); md.ok()) (void)pypi::parse_metadata(*md);
  if (auto record = wheel->record(); record.ok()) (void)pypi::parse_record(*record);
  std::size_t seen = 0;
  auto walked = wheel->extract_each([&](std::string_view member, std::string_view) -> Result<void> {
    if (member != wheel->members()[seen]) std::abort();
    ++seen;
    return Ok{};
  });
  if (walked.ok() && seen != wheel->members().size()) std::abort();
  return 0;
}
