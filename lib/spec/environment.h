#pragma once
// conda environment.yml files: name, channels, dependencies (MatchSpecs and a pip: list),
// variables, prefix; several files merged in order.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lib/spec/match_spec.h"
#include "lib/util/result.h"

namespace envlock::spec {

/// One conda dependency with where it was written.
struct Dependency {
  MatchSpec spec;
  std::string file;
  int line = 0;    ///< 1-based
  int column = 0;  ///< 1-based
  /// "file:line:column".
  std::string source() const;
};

/// The content of one or more merged environment.yml files.
struct EnvironmentSpec {
  std::string name;
  std::vector<std::string> channels;
  std::vector<Dependency> dependencies;  ///< conda dependencies, first-mention order
  std::vector<std::string> pip;          ///< pip requirement strings, kept verbatim
  std::string pip_source;  ///< "file:line:column" of the first `pip:` section, "" when none
  std::map<std::string, std::string> variables;
  std::string prefix;
  std::vector<std::string> platforms;  ///< conda-lock's optional "platforms:" key
};

/// The largest environment file parse_environment accepts.
inline constexpr std::uint64_t k_max_environment_bytes = 16ull << 20;

/// Parses environment.yml text; `source_name` is used in errors. Fails with ErrorKind::input
/// and "source:line:column" for YAML syntax errors, wrong node types (e.g. channels not a
/// list), unknown dependency forms, invalid match specs, and text over
/// k_max_environment_bytes.
[[nodiscard]] Result<EnvironmentSpec> parse_environment(std::string_view yaml,
                                                        const std::string& source_name);

/// Reads and merges files in order, as conda-lock does: channels are unioned keeping first
/// appearance order; a later dependency with the same package name replaces the earlier one
/// in its place; pip requirements likewise by requirement name; variables of later files
/// override; name and prefix come from the last file that sets them. Fails with ErrorKind::io
/// for unreadable files and ErrorKind::input as parse_environment.
[[nodiscard]] Result<EnvironmentSpec> load_environment_files(const std::vector<std::string>& paths);

}  // namespace envlock::spec
