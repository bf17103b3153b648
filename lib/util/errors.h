#pragma once
// Typed exceptions for the crossing point between a Result and a tool's main(): thrown only by
// value_or_throw() and caught once, in main.

#include <stdexcept>
#include <string>

#include "lib/util/result.h"

namespace envlock {

/// The one exception type tools throw; carries the Error that caused it.
class ToolError : public std::runtime_error {
 public:
  explicit ToolError(Error error);
  const Error& error() const { return m_error; }
  ExitCode exit_code() const { return exit_code_for(m_error.kind); }

 private:
  Error m_error;
};

/// Returns the value of `result`, or throws ToolError with its error.
template <class T>
T value_or_throw(Result<T> result) {
  if (!result.ok()) throw ToolError(result.take_error());
  return std::move(result).value();
}

/// Throws ToolError if `result` holds an error.
void value_or_throw(Result<void> result);

/// The single user-facing message format: "envlock <tool>: error: <where>: <why>", always one
/// line: control characters and invalid UTF-8 are escaped (see printable() in text.h).
std::string format_error(const std::string& tool, const Error& error);

}  // namespace envlock
