#pragma once
// Immutable bytes that are either a read-only map of a file or an owned string, so that large
// inputs (a 240 MB repodata.json) are parsed where the page cache already holds them.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "lib/util/result.h"

namespace envlock {

class Bytes {
 public:
  Bytes() = default;
  /// Owns `text`; its spare capacity counts as readable padding.
  Bytes(std::string text);  // NOLINT: implicit on purpose, a string is a kind of Bytes

  /// Maps the file at `path` read-only, with at least k_read_padding readable (zero) bytes
  /// after its end; files that cannot be mapped are read instead. Fails with ErrorKind::io
  /// naming the path. The file must not be truncated in place while mapped (a later read of
  /// the lost pages would raise SIGBUS); files we replace are renamed over, which keeps the
  /// mapped inode intact.
  static Result<Bytes> map_file(const std::string& path);

  std::string_view view() const { return m_view; }
  operator std::string_view() const { return m_view; }  // NOLINT: implicit on purpose
  const char* data() const { return m_view.data(); }
  std::size_t size() const { return m_view.size(); }
  bool empty() const { return m_view.empty(); }
  /// Bytes that may be read after the end (for SIMD parsers).
  std::size_t readable_past_end() const { return m_padding; }

 private:
  struct Storage;
  std::shared_ptr<const Storage> m_storage;  // shared: copies are cheap and immutable
  std::string_view m_view;
  std::size_t m_padding = 0;
};

}  // namespace envlock
