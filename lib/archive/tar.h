#pragma once
// Deterministic tar writing and safe tar unpacking (libarchive only inside tar.cc).

#include <cstdint>
#include <string>
#include <vector>

#include "lib/archive/layout.h"
#include "lib/util/result.h"

namespace envlock::archive {

enum class Compression { none, zstd };

/// Writes the regular files `relative_paths` (already sorted, each under `root`) into a tar at
/// `out_path`: ustar/pax ("pax restricted": extended headers only for long names), every member
/// a regular file with mode 0644, owner and group 0 with no names, mtime `mtime`; zstd
/// (libarchive's default level, single-threaded) when asked. The same files give the same bytes.
/// Fails with ErrorKind::io.
Result<void> write_tar(const std::string& root, const std::vector<std::string>& relative_paths,
                       const std::string& out_path, Compression compression, int64_t mtime);

/// Unpacks the tar at `path` (any compression libarchive reads) into the existing empty folder
/// `dest`, refusing what OpenedArchive::open lists.
Result<void> unpack_tar(const std::string& path, const std::string& dest,
                        const UnpackLimits& limits);

}  // namespace envlock::archive
