#pragma once
// conda environment.yml files: name, channels, dependencies (MatchSpecs and a pip: list),
// variables, prefix; several files merged in order.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
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
  std::vector<std::string> pip_sources;  ///< "file:line:column" of each `pip` entry (same index)
  std::string pip_source;  ///< "file:line:column" of the first `pip:` section, "" when none
  std::map<std::string, std::string> variables;
  std::string prefix;
  std::vector<std::string> platforms;  ///< conda-lock's optional "platforms:" key
  /// "file:line:column: why" for what is read but not used, e.g. a top-level key that no
  /// environment file has (`dependncies:`).
  std::vector<std::string> warnings;
};

/// The largest environment file parse_environment accepts.
inline constexpr std::uint64_t k_max_environment_bytes = 16ull << 20;

/// The top-level keys an environment file may have: conda's (name, channels, dependencies,
/// variables, prefix), conda-lock's (platforms, category, pip-repositories) and
/// channel-priority.
bool is_known_environment_key(std::string_view key);

/// Parses environment.yml text; `source_name` is used in errors. An unknown top-level key is a
/// warning (with the nearest known key when one is close). Fails with ErrorKind::input
/// and "source:line:column" for YAML syntax errors, wrong node types (e.g. channels not a
/// list), unknown dependency forms, invalid match specs, and text over
/// k_max_environment_bytes.
[[nodiscard]] Result<EnvironmentSpec> parse_environment(std::string_view yaml,
                                                        const std::string& source_name);

/// Reads and merges files in order: channels are unioned keeping first appearance order;
/// every conda dependency of every file is kept, in order (merge_dependencies combines the
/// ones of one name); pip requirements of a later file replace earlier ones by requirement
/// name; variables of later files override; name and prefix come from the last file that sets
/// them. Fails with ErrorKind::io for unreadable files and ErrorKind::input as
/// parse_environment.
[[nodiscard]] Result<EnvironmentSpec> load_environment_files(const std::vector<std::string>& paths);

/// load_environment_files over texts already read ({path, text}, in order), for callers that
/// need the bytes too: a pipe (`-f <(...)`) can be read only once. Fails as parse_environment.
[[nodiscard]] Result<EnvironmentSpec> merge_environments(
    const std::vector<std::pair<std::string, std::string>>& files);

/// conda's MatchSpec.merge over a dependency list: one Dependency per package name, in
/// first-mention order and at its first place, whose spec satisfies every spec of that name
/// ("numpy >=1.10" and "numpy <1.12" give "numpy >=1.10,<1.12"). Specs without a plain name
/// ("*", globs) are kept as they are. Fails with ErrorKind::input at the later entry's
/// file:line:column naming the earlier one's file:line when two specs of one name cannot
/// hold together (see spec::merge).
[[nodiscard]] Result<std::vector<Dependency>> merge_dependencies(
    const std::vector<Dependency>& dependencies);

}  // namespace envlock::spec
