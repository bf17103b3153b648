#pragma once
// Just enough of a JSON value to reproduce Python's `json.dumps(obj, sort_keys=True)` and
// pydantic's compact `model_dump_json()` byte for byte. Private to lib/lockfile.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace envlock::lockfile::detail {

struct PyJson {
  enum class Kind { null, boolean, integer, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  int64_t integer = 0;
  std::string string;
  std::vector<PyJson> array;
  std::vector<std::pair<std::string, PyJson>> object;  ///< insertion order

  // Declared here and defaulted in pyjson.cc: clang with libstdc++ otherwise instantiates the
  // member vectors' destructors while std::pair<std::string, PyJson> is still incomplete.
  PyJson();
  ~PyJson();
  PyJson(const PyJson&);
  PyJson(PyJson&&) noexcept;
  PyJson& operator=(const PyJson&);
  PyJson& operator=(PyJson&&) noexcept;

  static PyJson null() { return PyJson{}; }
  static PyJson of(bool b) {
    PyJson j;
    j.kind = Kind::boolean;
    j.boolean = b;
    return j;
  }
  static PyJson of(int64_t i) {
    PyJson j;
    j.kind = Kind::integer;
    j.integer = i;
    return j;
  }
  static PyJson of(std::string s) {
    PyJson j;
    j.kind = Kind::string;
    j.string = std::move(s);
    return j;
  }
  static PyJson of(const char* s) { return of(std::string(s)); }
  static PyJson arr() {
    PyJson j;
    j.kind = Kind::array;
    return j;
  }
  static PyJson obj() {
    PyJson j;
    j.kind = Kind::object;
    return j;
  }
  static PyJson strings(const std::vector<std::string>& xs) {
    PyJson j = arr();
    for (const auto& x : xs) j.array.push_back(of(x));
    return j;
  }
  /// Appends or replaces `key` (objects only).
  PyJson& set(const std::string& key, PyJson value);
  /// Removes `key` if present.
  void erase(const std::string& key);
  const PyJson* get(const std::string& key) const;
};

/// Python `json.dumps(value, sort_keys=True)`: separators ", " and ": ", keys sorted by code
/// point at every level, non-ASCII escaped as \uXXXX (ensure_ascii).
std::string python_dumps_sorted(const PyJson& value);

/// pydantic v2 `model_dump_json()`: no spaces, fields in insertion order, UTF-8 kept.
std::string pydantic_dump_compact(const PyJson& value);

}  // namespace envlock::lockfile::detail
