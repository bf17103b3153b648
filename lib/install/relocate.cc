#include "lib/install/relocate.h"

namespace envlock::install {

size_t max_shebang_length(std::string_view platform) {
  return platform.rfind("osx-", 0) == 0 ? 512 : 127;
}

namespace {

std::string replace_all(std::string_view data, std::string_view from, std::string_view to,
                        size_t* count = nullptr) {
  std::string out;
  out.reserve(data.size());
  size_t start = 0;
  size_t n = 0;
  while (true) {
    size_t hit = from.empty() ? std::string_view::npos : data.find(from, start);
    if (hit == std::string_view::npos) break;
    out.append(data.substr(start, hit - start));
    out.append(to);
    start = hit + from.size();
    ++n;
  }
  out.append(data.substr(start));
  if (count) *count = n;
  return out;
}

// Rewrites an over-long `#!/long/prefix/bin/exe opts` first line to `#!/usr/bin/env exe opts`.
void shorten_shebang(std::string& data, size_t max_shebang) {
  if (data.rfind("#!", 0) != 0) return;
  size_t eol = data.find('\n');
  std::string_view line = std::string_view(data).substr(0, eol);
  // The interpreter path ends at the first space that is not escaped.
  size_t exe_end = 2;
  while (exe_end < line.size() && !(line[exe_end] == ' ' && line[exe_end - 1] != '\\')) ++exe_end;
  std::string_view exe = line.substr(2, exe_end - 2);
  size_t slash = exe.rfind('/');
  if (slash == std::string_view::npos) return;
  std::string_view folder = exe.substr(0, slash);
  if (line.size() <= max_shebang && folder.find("\\ ") == std::string_view::npos) return;
  std::string replacement =
      "#!/usr/bin/env " + std::string(exe.substr(slash + 1)) + std::string(line.substr(exe_end));
  data.replace(0, line.size(), replacement);
}

}  // namespace

std::string replace_prefix_text(std::string_view data, std::string_view placeholder,
                                std::string_view new_prefix, size_t max_shebang) {
  std::string out = replace_all(data, placeholder, new_prefix);
  shorten_shebang(out, max_shebang);
  return out;
}

Result<std::string> replace_prefix_binary(std::string_view data, std::string_view placeholder,
                                          std::string_view new_prefix, const std::string& where) {
  std::string out(data);
  if (placeholder.empty()) return out;
  size_t pos = 0;
  while (true) {
    size_t hit = out.find(placeholder, pos);
    if (hit == std::string::npos) break;
    size_t nul = out.find('\0', hit + placeholder.size());
    if (nul == std::string::npos) break;
    std::string_view segment = std::string_view(out).substr(hit, nul - hit);
    size_t count = 0;
    std::string replaced = replace_all(segment, placeholder, new_prefix, &count);
    if (replaced.size() > segment.size()) {
      return Error{ErrorKind::usage,
                   where,
                   "the prefix '" + std::string(new_prefix) + "' (" +
                       std::to_string(new_prefix.size()) +
                       " bytes) is longer than the binary placeholder (" +
                       std::to_string(placeholder.size()) +
                       " bytes) it must replace; install into a shorter prefix"};
    }
    replaced.append(segment.size() - replaced.size(), '\0');
    out.replace(hit, segment.size(), replaced);
    pos = nul + 1;
  }
  return out;
}

}  // namespace envlock::install
