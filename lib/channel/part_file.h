#pragma once
// Private to lib/channel: a temporary file beside a destination that a transfer streams into and
// that replaces the destination only when the transfer is complete and checked.

#include <memory>
#include <string>
#include <string_view>

#include "lib/util/file.h"
#include "lib/util/result.h"

namespace envlock::channel::detail {

/// "<dest>.part.<pid>.<random>", removed on destruction unless committed.
class PartFile {
 public:
  explicit PartFile(const std::string& dest);
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;
  ~PartFile();

  /// Creates or truncates the file (again, for a retry). Fails with ErrorKind::io.
  Result<void> open();
  /// Appends `bytes`. Fails with ErrorKind::io.
  Result<void> write(std::string_view bytes);
  /// Flushes (with Durability::fsync) and renames the file onto `dest`. Fails with
  /// ErrorKind::io; the file is then still removed on destruction.
  Result<void> commit(const std::string& dest, Durability durability);

 private:
  void close();
  std::string m_path;
  int m_fd = -1;
  bool m_committed = false;
  // Removed by the SIGINT/SIGTERM handler too, which ends the process without unwinding.
  std::unique_ptr<UnfinishedTemporary> m_registration;
};

}  // namespace envlock::channel::detail
