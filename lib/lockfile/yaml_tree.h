#pragma once
// A small YAML document tree with source positions, read either by a fast reader for the
// block-YAML subset lock files use, or by yaml-cpp for anything else. Private to lib/lockfile.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/lockfile/lockfile.h"
#include "lib/util/result.h"

namespace envlock::lockfile::detail {

/// One YAML node. Scalars keep their text; `quoted` tells "null" the string from null.
struct YNode {
  enum class Kind { null, scalar, seq, map };
  Kind kind = Kind::null;
  bool quoted = false;
  int line = 0;    ///< 1-based, 0 when unknown
  int column = 0;  ///< 1-based, 0 when unknown
  std::string text;
  std::vector<YNode> items;                            ///< seq
  std::vector<std::pair<std::string, YNode>> entries;  ///< map, in file order

  // Declared here and defaulted in yaml_tree.cc: clang with libstdc++ otherwise instantiates
  // the member vectors' destructors while std::pair<std::string, YNode> is still incomplete.
  YNode();
  ~YNode();
  YNode(const YNode&);
  YNode(YNode&&) noexcept;
  YNode& operator=(const YNode&);
  YNode& operator=(YNode&&) noexcept;

  bool is_null() const { return kind == Kind::null; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_seq() const { return kind == Kind::seq; }
  bool is_map() const { return kind == Kind::map; }
  /// The value under `key` in a map, or nullptr (also for non-maps).
  const YNode* find(std::string_view key) const;
  /// "a map", "a list", "a string" or "null": for error messages.
  const char* kind_name() const;
};

/// Which reader produced a tree (for benchmarks and tests).
enum class YamlPath { fast, yaml_cpp };

/// Parses `text` as one YAML document. With YamlReader::yaml_cpp the fast reader is skipped.
/// Fails with ErrorKind::input "<path>:<line>:<col>: <what>" on malformed YAML or duplicate
/// map keys.
[[nodiscard]] Result<YNode> parse_yaml(std::string_view text, const std::string& path,
                                       YamlReader reader = YamlReader::automatic,
                                       YamlPath* used_path = nullptr);

}  // namespace envlock::lockfile::detail
