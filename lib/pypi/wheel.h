#pragma once
// Reading a wheel (a zip archive) safely: bounded member count and sizes, every member path
// checked, contents read into memory on request.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace envlock::pypi {

/// Bounds on a wheel: members, the uncompressed size of one member and of all of them.
inline constexpr std::size_t k_max_wheel_members = 200000;
inline constexpr std::uint64_t k_max_wheel_member_bytes = 2ull << 30;
inline constexpr std::uint64_t k_max_wheel_total_bytes = 16ull << 30;
/// The largest METADATA or RECORD Wheel::metadata / Wheel::record read.
inline constexpr std::uint64_t k_max_wheel_metadata_bytes = 16ull << 20;

/// True when `path` is a safe relative member path: not empty, no leading '/', no '\\', no
/// NUL or other control byte, no drive letter ("C:"), no "." or ".." or empty component
/// (a trailing '/' of a folder entry is allowed).
bool is_safe_member_path(std::string_view path);

/// An opened wheel: its member list is read (and checked) on open; contents are read on
/// demand by reopening the file, so a Wheel holds no file handle between calls.
class Wheel {
 public:
  /// Opens the zip at `path` and lists its members. Fails with ErrorKind::io when the file
  /// cannot be read, ErrorKind::input "<path>: <why>" when it is not a zip, holds a member
  /// whose path is unsafe (is_safe_member_path) or a symlink/device, has two members with the
  /// same path, more than k_max_wheel_members members, a member declared larger than
  /// k_max_wheel_member_bytes, or no single "*.dist-info/" folder holding METADATA.
  [[nodiscard]] static Result<Wheel> open(const std::filesystem::path& path);

  /// File members (folders left out), in archive order.
  const std::vector<std::string>& members() const { return m_members; }
  /// True when `member` is a file member.
  bool has(std::string_view member) const;
  /// The bytes of `member`. Fails with ErrorKind::input when it is absent or larger than
  /// `max_bytes` (checked while reading, not trusted from the header), ErrorKind::io on read
  /// errors.
  [[nodiscard]] Result<std::string> read(std::string_view member, std::uint64_t max_bytes) const;
  /// The "NAME-VERSION.dist-info" folder name (no trailing '/').
  const std::string& dist_info() const { return m_dist_info; }
  /// The bytes of dist_info()/METADATA (at most k_max_wheel_metadata_bytes).
  [[nodiscard]] Result<std::string> metadata() const;
  /// The bytes of dist_info()/RECORD (at most k_max_wheel_metadata_bytes).
  [[nodiscard]] Result<std::string> record() const;
  /// The bytes of dist_info()/WHEEL (at most k_max_wheel_metadata_bytes).
  [[nodiscard]] Result<std::string> wheel_file() const;

  /// Calls `visit` for every file member in archive order with its whole contents, stopping at
  /// the first error `visit` returns (which is returned). Enforces k_max_wheel_member_bytes
  /// per member and k_max_wheel_total_bytes in all while reading.
  [[nodiscard]] Result<void> extract_each(
      const std::function<Result<void>(std::string_view member, std::string_view bytes)>& visit)
      const;

  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
  std::vector<std::string> m_members;
  std::string m_dist_info;
};

}  // namespace envlock::pypi
