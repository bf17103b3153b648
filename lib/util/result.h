#pragma once
// Expected failures as values: Result<T> holds a T or an Error. A domain "no" (unsatisfiable,
// drift found) is not an Error; it is part of T.

#include <cassert>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace envlock {

/// What kind of failure an Error is; decides the tool's exit code.
enum class ErrorKind {
  usage,     ///< bad command line
  input,     ///< malformed or inconsistent input file (YAML, JSON, lock, spec, archive)
  network,   ///< HTTP failure, timeout, truncated body
  io,        ///< local file system failure
  internal,  ///< a bug: an invariant did not hold
};

/// Process exit codes shared by every tool (see DESIGN.md).
enum class ExitCode : int {
  ok = 0,
  difference = 1,     ///< drift or difference found: the answer, not a failure
  usage = 2,          ///< usage or input error
  unsatisfiable = 3,  ///< the specs cannot be solved
  network = 4,        ///< network or I/O failure
  interrupted = 130,
};

/// "usage", "input", "network", "io" or "internal".
const char* to_string(ErrorKind kind);
std::ostream& operator<<(std::ostream& out, ErrorKind kind);

/// Maps an error kind to the exit code its tool returns.
ExitCode exit_code_for(ErrorKind kind);

/// A failure: `where` is a file (with :line:column when known) or the thing that failed,
/// `message` says why. Rendered as "<where>: <message>".
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string where;
  std::string message;

  /// An error located in a file; line and column are 1-based, 0 means unknown.
  static Error at(ErrorKind kind, const std::string& file, int line, int column,
                  std::string message);
  /// "<where>: <message>", or just the message when `where` is empty.
  std::string to_string() const;
  /// The same error with `outer` put in front of `where` ("outer: where: message").
  Error wrapped(const std::string& outer) const;
};

/// A T or an Error. Accessing the wrong alternative is a bug (asserted).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(m_v);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(m_v);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(m_v));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(m_v);
  }
  Error&& take_error() {
    assert(!ok());
    return std::get<1>(std::move(m_v));
  }

 private:
  std::variant<T, Error> m_v;
};

/// Success with no value.
struct Ok {};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}
  Result(Error error) : m_error(std::move(error)) {}

  bool ok() const { return !m_error.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *m_error;
  }
  Error&& take_error() {
    assert(!ok());
    return std::move(*m_error);
  }

 private:
  std::optional<Error> m_error;
};

}  // namespace envlock

/// Evaluates `expr` (a Result); on error returns the error from the enclosing function,
/// otherwise declares `var` holding the value.
#define ENVLOCK_TRY(var, expr)                                \
  auto var##_result_ = (expr);                                \
  if (!var##_result_.ok()) return var##_result_.take_error(); \
  auto var = std::move(var##_result_).value()

/// Evaluates `expr` (a Result<void>); on error returns the error.
#define ENVLOCK_TRY_VOID(expr)                            \
  do {                                                    \
    auto envlock_r_ = (expr);                             \
    if (!envlock_r_.ok()) return envlock_r_.take_error(); \
  } while (0)
