#include "lib/util/errors.h"

#include "lib/util/text.h"

namespace envlock {

ToolError::ToolError(Error error)
    : std::runtime_error(error.to_string()), m_error(std::move(error)) {}

void value_or_throw(Result<void> result) {
  if (!result.ok()) throw ToolError(result.take_error());
}

std::string format_error(const std::string& tool, const Error& error) {
  // Names in errors come from packages, locks and servers: one line, no terminal controls.
  return "envlock " + printable(tool) + ": error: " + printable(error.to_string());
}

}  // namespace envlock
