#pragma once
// Whole-file reading and crash-safe writing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/util/result.h"

namespace envlock {

/// Spare capacity read_file() leaves after the bytes it returns (for SIMD JSON parsing).
inline constexpr size_t k_read_padding = 64;

/// No size limit for read_file().
inline constexpr std::uint64_t k_any_size = UINT64_MAX;

/// Reads the whole file at `path`; the string has at least k_read_padding bytes of spare
/// capacity. Fails with ErrorKind::io naming the path and errno's text, and with
/// ErrorKind::input "<path>: larger than <N> MiB, the limit for this file" when the file holds
/// more than `max_bytes` (checked before reading, and again while reading a growing file).
Result<std::string> read_file(const std::string& path, std::uint64_t max_bytes = k_any_size);

/// Whether write_file_atomic flushes the file and its folder to disk before returning.
enum class Durability { fsync, no_fsync };

/// Writes `content` to `path` so that readers see either the old file or the whole new one:
/// a temporary file in the same folder, fsync (unless told not to), then rename over `path`.
/// Fails with ErrorKind::io; on failure the temporary file is removed and `path` is untouched.
Result<void> write_file_atomic(const std::string& path, std::string_view content,
                               Durability durability = Durability::fsync);

/// Removes the temporary files of write_file_atomic calls still in progress, and of every live
/// TemporaryRegistration (their targets are untouched; a folder goes with everything in it,
/// symlinks removed, never followed). Async-signal-safe: for a signal handler that is about to
/// end the process.
void remove_unfinished_temporaries() noexcept;

/// What a TemporaryRegistration names: one file, or a staging folder and all it holds.
enum class TemporaryKind { file, folder };

/// While alive, names `path` to remove_unfinished_temporaries() (a download's part file, a
/// temporary being written, a staging folder). One of a fixed number of slots; when all are
/// taken (or the path is longer than 4095 bytes) it is not registered and an interrupt leaves
/// it behind.
class TemporaryRegistration {
 public:
  explicit TemporaryRegistration(const std::string& path, TemporaryKind kind = TemporaryKind::file);
  TemporaryRegistration(const TemporaryRegistration&) = delete;
  TemporaryRegistration& operator=(const TemporaryRegistration&) = delete;
  ~TemporaryRegistration();

 private:
  int m_slot = -1;
};

/// An Error for a failed system call on `path`, with strerror(errno) as the reason.
Error io_error(const std::string& path, const std::string& action, int errnum);

}  // namespace envlock
