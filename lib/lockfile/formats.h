#pragma once
// Per-format readers and shared helpers. Private to lib/lockfile.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/lockfile/lock.h"
#include "lib/lockfile/yaml_tree.h"
#include "lib/util/result.h"

namespace envlock::lockfile::detail {

/// Error context for one file: builds "path:line:col: message" errors at nodes.
struct Ctx {
  const std::string& path;
  Error at(const YNode& node, const std::string& message) const {
    return Error::at(ErrorKind::input, path, node.line, node.column, message);
  }
  Error at_line(int line, const std::string& message) const {
    return Error::at(ErrorKind::input, path, line, 0, message);
  }
  Error whole(const std::string& message) const {
    return Error::at(ErrorKind::input, path, 0, 0, message);
  }
};

/// A required map entry; fails "missing '<key>' in <what>".
[[nodiscard]] Result<const YNode*> require(const Ctx& ctx, const YNode& map, std::string_view key,
                                           const std::string& what);
/// The scalar text of `node`; fails "'<key>' must be a string, found <kind>".
[[nodiscard]] Result<std::string> scalar(const Ctx& ctx, const YNode& node, std::string_view key);
/// An optional scalar entry (empty when absent or null).
[[nodiscard]] Result<std::string> opt_scalar(const Ctx& ctx, const YNode& map,
                                             std::string_view key);
/// An optional integer entry.
[[nodiscard]] Result<std::optional<int64_t>> opt_int(const Ctx& ctx, const YNode& map,
                                                     std::string_view key);
/// An optional list of strings (absent or null gives an empty list).
[[nodiscard]] Result<std::vector<std::string>> opt_string_list(const Ctx& ctx, const YNode& map,
                                                               std::string_view key);
/// Parses a whole decimal integer (optional sign); nullopt when `text` is not one.
std::optional<int64_t> parse_int(std::string_view text);

/// Fills build/subdir/channel (and name/version when empty) of a conda package from its URL.
void derive_from_url(LockedPackage& package);

/// The top-level "version" of a YAML lock: nullopt when absent; fails when not an integer.
[[nodiscard]] Result<std::optional<int64_t>> lock_version(const Ctx& ctx, const YNode& root);

[[nodiscard]] Result<Lock> read_conda_lock(const Ctx& ctx, const YNode& root);
[[nodiscard]] Result<Lock> read_pixi_lock(const Ctx& ctx, const YNode& root, int64_t version);
[[nodiscard]] Result<Lock> read_env_export(const Ctx& ctx, const YNode& root);
[[nodiscard]] Result<Lock> read_explicit(const Ctx& ctx, std::string_view text);
[[nodiscard]] Result<Lock> read_micromamba_json(const Ctx& ctx, std::string_view text);


}  // namespace envlock::lockfile::detail
