#include "lib/util/result.h"

#include <ostream>

namespace envlock {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
      return "usage";
    case ErrorKind::input:
      return "input";
    case ErrorKind::network:
      return "network";
    case ErrorKind::io:
      return "io";
    case ErrorKind::internal:
      return "internal";
  }
  return "internal";
}

std::ostream& operator<<(std::ostream& out, ErrorKind kind) {
  return out << to_string(kind);
}

ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
    case ErrorKind::input:
      return ExitCode::usage;
    case ErrorKind::network:
    case ErrorKind::io:
      return ExitCode::network;
    case ErrorKind::internal:
      break;
  }
  return ExitCode::usage;
}

Error Error::at(ErrorKind kind, const std::string& file, int line, int column,
                std::string message) {
  std::string where = file;
  if (line > 0) {
    where += ":" + std::to_string(line);
    if (column > 0) where += ":" + std::to_string(column);
  }
  return Error{kind, std::move(where), std::move(message)};
}

std::string Error::to_string() const {
  if (where.empty()) return message;
  return where + ": " + message;
}

Error Error::wrapped(const std::string& outer) const {
  Error e = *this;
  e.where = where.empty() ? outer : outer + ": " + where;
  return e;
}

}  // namespace envlock
