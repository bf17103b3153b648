#pragma once
// Whole-file reading and crash-safe writing.

#include <cstddef>
#include <string>
#include <string_view>

#include "lib/util/result.h"

namespace envlock {

/// Spare capacity read_file() leaves after the bytes it returns (for SIMD JSON parsing).
inline constexpr size_t k_read_padding = 64;

/// Reads the whole file at `path`; the string has at least k_read_padding bytes of spare
/// capacity. Fails with ErrorKind::io naming the path and errno's text.
Result<std::string> read_file(const std::string& path);

/// Whether write_file_atomic flushes the file and its folder to disk before returning.
enum class Durability { fsync, no_fsync };

/// Writes `content` to `path` so that readers see either the old file or the whole new one:
/// a temporary file in the same folder, fsync (unless told not to), then rename over `path`.
/// Fails with ErrorKind::io; on failure the temporary file is removed and `path` is untouched.
Result<void> write_file_atomic(const std::string& path, std::string_view content,
                               Durability durability = Durability::fsync);

/// Removes the temporary files of write_file_atomic calls still in progress (their targets are
/// untouched). Async-signal-safe: for a signal handler that is about to end the process.
void remove_unfinished_temporaries() noexcept;

/// While it lives, `path` is an unfinished temporary that remove_unfinished_temporaries()
/// removes (for temporaries not made by write_file_atomic, e.g. a download's part file). At most
/// 32 are registered at once; a path beyond that or over 4095 bytes is not registered.
class UnfinishedTemporary {
 public:
  explicit UnfinishedTemporary(const std::string& path);
  UnfinishedTemporary(const UnfinishedTemporary&) = delete;
  UnfinishedTemporary& operator=(const UnfinishedTemporary&) = delete;
  ~UnfinishedTemporary();

 private:
  int m_slot = -1;
};

/// An Error for a failed system call on `path`, with strerror(errno) as the reason.
Error io_error(const std::string& path, const std::string& action, int errnum);

}  // namespace envlock
