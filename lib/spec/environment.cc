#include "lib/spec/environment.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "lib/util/file.h"

namespace envlock::spec {
namespace {

Error at(const std::string& file, const YAML::Mark& mark, const std::string& message) {
  int line = mark.line >= 0 ? mark.line + 1 : 0;
  int column = mark.column >= 0 ? mark.column + 1 : 0;
  return Error::at(ErrorKind::input, file, line, column, message);
}

// yaml-cpp accepts a quoted scalar that is still open at the end of the document (it reads on
// to the end); YAML forbids that, and in a list it would fold the following items into one.
Result<void> quote_closed(std::string_view text, const std::string& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.pos < 0 || static_cast<size_t>(mark.pos) >= text.size()) return Ok{};
  const char quote = text[static_cast<size_t>(mark.pos)];
  if (quote != '"' && quote != '\'') return Ok{};
  for (size_t i = static_cast<size_t>(mark.pos) + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escaped character, perhaps a quote
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside single quotes
        continue;
      }
      return Ok{};
    }
  }
  return at(file, mark, std::string("unterminated quoted string (no closing ") + quote + ")");
}

Result<std::vector<std::string>> string_sequence(std::string_view text, const YAML::Node& node,
                                                 const std::string& file, const char* key) {
  std::vector<std::string> out;
  if (node.IsNull()) return out;
  if (!node.IsSequence()) return at(file, node.Mark(), std::string("'") + key + "' must be a list");
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      return at(file, item.Mark(), std::string("'") + key + "' entries must be strings");
    }
    ENVLOCK_TRY_VOID(quote_closed(text, file, item));
    out.push_back(item.Scalar());
  }
  return out;
}

// The requirement name of a pip line ("requests[socks]>=2" -> "requests"), lower case.
std::string pip_name(const std::string& requirement) {
  std::string name;
  for (char c : requirement) {
    if (c == '=' || c == '<' || c == '>' || c == '!' || c == '~' || c == '[' || c == ';' ||
        c == '@' || c == ' ') {
      break;
    }
    name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : (c == '_' ? '-' : c);
  }
  return name;
}

const char* const k_known_keys[] = {"name",
                                    "channels",
                                    "dependencies",
                                    "variables",
                                    "prefix",
                                    "platforms",
                                    "channel-priority",
                                    "category",
                                    "pip-repositories"};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

bool is_known_environment_key(std::string_view key) {
  return std::find(std::begin(k_known_keys), std::end(k_known_keys), key) != std::end(k_known_keys);
}

std::string Dependency::source() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Result<EnvironmentSpec> parse_environment(std::string_view yaml, const std::string& file) {
  if (yaml.size() > k_max_environment_bytes) {
    return Error{ErrorKind::input,
                 file,
                 "larger than " + std::to_string(k_max_environment_bytes >> 20) +
                     " MiB, the limit for an environment file"};
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return at(file, e.mark, "invalid YAML: " + e.msg);
  }
  EnvironmentSpec env;
  if (root.IsNull()) return env;
  if (!root.IsMap()) return at(file, root.Mark(), "environment file must be a mapping");
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      if (key == "name" || key == "prefix") {
        if (value.IsNull()) continue;
        if (!value.IsScalar()) return at(file, value.Mark(), "'" + key + "' must be a string");
        (key == "name" ? env.name : env.prefix) = value.Scalar();
      } else if (key == "channels") {
        ENVLOCK_TRY(list, string_sequence(yaml, value, file, "channels"));
        env.channels = std::move(list);
      } else if (key == "platforms") {
        ENVLOCK_TRY(list, string_sequence(yaml, value, file, "platforms"));
        env.platforms = std::move(list);
      } else if (key == "variables") {
        if (value.IsNull()) continue;
        if (!value.IsMap()) return at(file, value.Mark(), "'variables' must be a mapping");
        for (const auto& var : value) {
          if (!var.second.IsScalar() && !var.second.IsNull()) {
            return at(file, var.second.Mark(), "variable values must be strings");
          }
          env.variables[var.first.as<std::string>()] =
              var.second.IsNull() ? std::string() : var.second.Scalar();
        }
      } else if (key == "dependencies") {
        if (value.IsNull()) continue;
        if (!value.IsSequence()) return at(file, value.Mark(), "'dependencies' must be a list");
        for (const auto& item : value) {
          if (item.IsScalar()) {
            ENVLOCK_TRY_VOID(quote_closed(yaml, file, item));
            auto spec = MatchSpec::parse(item.Scalar());
            if (!spec.ok()) return at(file, item.Mark(), spec.error().message);
            Dependency dep;
            dep.spec = std::move(spec).value();
            dep.file = file;
            dep.line = item.Mark().line + 1;
            dep.column = item.Mark().column + 1;
            env.dependencies.push_back(std::move(dep));
          } else if (item.IsMap() && item.size() == 1 && item["pip"]) {
            ENVLOCK_TRY(list, string_sequence(yaml, item["pip"], file, "pip"));
            env.pip.insert(env.pip.end(), list.begin(), list.end());
            for (const auto& line : item["pip"])
              env.pip_sources.push_back(file + ":" + std::to_string(line.Mark().line + 1) + ":" +
                                        std::to_string(line.Mark().column + 1));
            if (env.pip_source.empty())
              env.pip_source = file + ":" + std::to_string(item.Mark().line + 1) + ":" +
                               std::to_string(item.Mark().column + 1);
          } else {
            return at(
                file, item.Mark(), "a dependency must be a match spec string or a 'pip:' list");
          }
        }
      }
      if (!is_known_environment_key(key)) {
        const YAML::Mark mark = entry.first.Mark();
        std::string why = "unknown key '" + key + "' is ignored";
        for (const char* known : k_known_keys)
          if (edit_distance(key, known) <= 2) {
            why += " (did you mean '" + std::string(known) + "'?)";
            break;
          }
        env.warnings.push_back(file + ":" + std::to_string(mark.line + 1) + ":" +
                               std::to_string(mark.column + 1) + ": " + why);
      } else if (key == "channel-priority") {
        // Known (so no "did you mean"), but neither conda nor conda-lock reads it from an
        // environment file and neither do we: a `disabled` here must not pass for one in force.
        const YAML::Mark mark = entry.first.Mark();
        env.warnings.push_back(file + ":" + std::to_string(mark.line + 1) + ":" +
                               std::to_string(mark.column + 1) +
                               ": key 'channel-priority' is ignored: environment files do not set "
                               "it; pass --channel-priority");
      }
    }
  } catch (const YAML::Exception& e) {
    return at(file, e.mark, "invalid environment file: " + e.msg);
  }
  return env;
}

Result<EnvironmentSpec> load_environment_files(const std::vector<std::string>& paths) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& path : paths) {
    ENVLOCK_TRY(text, read_file(path, k_max_environment_bytes));
    files.emplace_back(path, std::move(text));
  }
  return merge_environments(files);
}

Result<EnvironmentSpec> merge_environments(
    const std::vector<std::pair<std::string, std::string>>& files) {
  EnvironmentSpec merged;
  for (const auto& [path, text] : files) {
    ENVLOCK_TRY(env, parse_environment(text, path));
    if (!env.name.empty()) merged.name = env.name;
    if (!env.prefix.empty()) merged.prefix = env.prefix;
    for (auto& channel : env.channels) {
      if (std::find(merged.channels.begin(), merged.channels.end(), channel) ==
          merged.channels.end()) {
        merged.channels.push_back(channel);
      }
    }
    for (auto& platform : env.platforms) {
      if (std::find(merged.platforms.begin(), merged.platforms.end(), platform) ==
          merged.platforms.end()) {
        merged.platforms.push_back(platform);
      }
    }
    for (auto& dep : env.dependencies) merged.dependencies.push_back(std::move(dep));
    for (auto& w : env.warnings) merged.warnings.push_back(std::move(w));
    if (merged.pip_source.empty()) merged.pip_source = env.pip_source;
    for (size_t i = 0; i < env.pip.size(); ++i) {
      const std::string& req = env.pip[i];
      const std::string& where = env.pip_sources[i];
      // Option lines (--extra-index-url ...) are all kept; requirements replace by name.
      auto same =
          req.rfind("-", 0) == 0
              ? merged.pip.end()
              : std::find_if(merged.pip.begin(), merged.pip.end(), [&](const std::string& p) {
                  return pip_name(p) == pip_name(req);
                });
      if (same != merged.pip.end()) {
        *same = req;
        merged.pip_sources[same - merged.pip.begin()] = where;
      } else {
        merged.pip.push_back(req);
        merged.pip_sources.push_back(where);
      }
    }
    for (auto& [k, v] : env.variables) merged.variables[k] = v;
  }
  return merged;
}

Result<std::vector<Dependency>> merge_dependencies(const std::vector<Dependency>& dependencies) {
  std::vector<Dependency> out;
  std::map<std::string, size_t> by_name;
  std::vector<std::vector<const Dependency*>> sources;  // per out entry: what it came from
  for (const auto& dep : dependencies) {
    const std::string& name = dep.spec.name;
    bool plain_name = name.find_first_of("*?[") == std::string::npos;
    auto it = plain_name ? by_name.find(name) : by_name.end();
    if (it == by_name.end()) {
      if (plain_name) by_name.emplace(name, out.size());
      out.push_back(dep);
      sources.push_back({&dep});
      continue;
    }
    Dependency& into = out[it->second];
    // Against each earlier spec of the name, so the message names the one it clashes with.
    for (const Dependency* earlier : sources[it->second]) {
      auto pair = merge(earlier->spec, dep.spec);
      if (!pair.ok())
        return Error::at(ErrorKind::input,
                         dep.file,
                         dep.line,
                         dep.column,
                         "'" + dep.spec.original + "' conflicts with '" + earlier->spec.original +
                             "' at " + earlier->file + ":" + std::to_string(earlier->line) + " (" +
                             pair.error().message + ")");
    }
    auto combined = merge(into.spec, dep.spec);
    if (!combined.ok())
      return Error::at(ErrorKind::input,
                       dep.file,
                       dep.line,
                       dep.column,
                       "'" + dep.spec.original + "' conflicts with the earlier specs of " + name +
                           " (" + combined.error().message + ")");
    into.spec = std::move(combined).value();
    sources[it->second].push_back(&dep);
  }
  return out;
}

}  // namespace envlock::spec
