#include "lib/pypi/tags.h"

#include <charconv>

#include "lib/pypi/name.h"
#include "lib/pypi/version.h"

namespace envlock::pypi {
namespace {

Error invalid_wheel(std::string_view filename, std::string_view why) {
  return Error{
      ErrorKind::input,
      "",
      "invalid wheel filename '" + std::string(filename.substr(0, 200)) + "': " + std::string(why)};
}

Error invalid_tag(std::string_view tag, std::string_view why) {
  return Error{ErrorKind::input,
               "",
               "invalid tag '" + std::string(tag.substr(0, 200)) + "': " + std::string(why)};
}

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  while (true) {
    std::size_t e = s.find(sep, b);
    if (e == std::string_view::npos) {
      out.push_back(s.substr(b));
      return out;
    }
    out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
}

// An interpreter tag is a Python identifier ("cp311", "py3", "_custom"); an ABI or platform
// tag is letters, digits and '_' (platforms also '.'-free by construction of the split).
bool is_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!is_ascii_alnum(c) && c != '_') return false;
  }
  return true;
}

bool is_tag_word(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_ascii_alnum(c) && c != '_') return false;
  }
  return true;
}

// "3.11" / "3.11.4" / "3" -> (3, 11) / (3, -1); false when malformed.
bool parse_major_minor(std::string_view text, int& major, int& minor) {
  auto parts = split(text, '.');
  if (parts.empty() || parts.size() > 3) return false;
  auto num = [](std::string_view s, int& out) {
    if (s.empty() || s.size() > 6) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  if (!num(parts[0], major)) return false;
  minor = -1;
  if (parts.size() >= 2 && !num(parts[1], minor)) return false;
  return true;
}

}  // namespace

std::string Tag::str() const {
  return interpreter + "-" + abi + "-" + platform;
}

Result<std::vector<Tag>> parse_tag(std::string_view text) {
  auto parts = split(text, '-');
  if (parts.size() != 3) return invalid_tag(text, "not exactly three components");
  std::vector<std::vector<std::string_view>> sets;
  for (std::string_view part : parts) {
    sets.push_back(split(part, '.'));
    for (std::string_view member : sets.back()) {
      if (member.empty()) return invalid_tag(text, "empty component");
    }
  }
  for (std::string_view interp : sets[0]) {
    if (!is_identifier(interp)) {
      return invalid_tag(text, "invalid interpreter '" + std::string(interp) + "'");
    }
  }
  for (std::size_t k = 1; k < 3; ++k) {
    for (std::string_view member : sets[k]) {
      if (!is_tag_word(member)) {
        return invalid_tag(text, "invalid component '" + std::string(member) + "'");
      }
    }
  }
  if (sets[0].size() * sets[1].size() * sets[2].size() > 4096) {
    return invalid_tag(text, "more than 4096 tags");
  }
  std::vector<Tag> out;
  for (std::string_view i : sets[0]) {
    for (std::string_view a : sets[1]) {
      for (std::string_view p : sets[2]) out.push_back(Tag{lower(i), lower(a), lower(p)});
    }
  }
  return out;
}

std::vector<std::string> mac_binary_formats(int major, int minor, std::string_view arch) {
  auto before = [&](int ma, int mi) { return major < ma || (major == ma && minor < mi); };
  auto after = [&](int ma, int mi) { return major > ma || (major == ma && minor > mi); };
  std::vector<std::string> formats{std::string(arch)};
  if (arch == "x86_64") {
    if (before(10, 4)) return {};
    formats.insert(formats.end(), {"intel", "fat64", "fat3"});
  } else if (arch == "i386") {
    if (before(10, 4)) return {};
    formats.insert(formats.end(), {"intel", "fat3", "fat"});
  } else if (arch == "ppc64") {
    if (after(10, 5) || before(10, 4)) return {};
    formats.push_back("fat64");
  } else if (arch == "ppc") {
    if (after(10, 6)) return {};
    formats.insert(formats.end(), {"fat3", "fat"});
  }
  if (arch == "arm64" || arch == "x86_64") formats.push_back("universal2");
  if (arch == "x86_64" || arch == "i386" || arch == "ppc64" || arch == "ppc" || arch == "intel") {
    formats.push_back("universal");
  }
  return formats;
}

std::vector<std::string> mac_platforms(int major, int minor, std::string_view arch) {
  std::vector<std::string> out;
  auto emit = [&](int ma, int mi, const std::string& format) {
    out.push_back("macosx_" + std::to_string(ma) + "_" + std::to_string(mi) + "_" + format);
  };
  if (major == 10) {
    // Before macOS 11 every yearly release bumped the minor number.
    for (int m = minor; m >= 0; --m) {
      for (const auto& f : mac_binary_formats(10, m, arch)) emit(10, m, f);
    }
  }
  if (major >= 11) {
    // From 11 on the major number is the yearly release; minors are mid-year updates.
    for (int ma = major; ma > 10; --ma) {
      for (const auto& f : mac_binary_formats(ma, 0, arch)) emit(ma, 0, f);
    }
    // x86_64 runs binaries built for 10.x; arm64 only universal2 ones (the x86_64 half sets
    // their older minimum).
    for (int m = 16; m > 3; --m) {
      if (arch == "x86_64") {
        for (const auto& f : mac_binary_formats(10, m, arch)) emit(10, m, f);
      } else {
        emit(10, m, "universal2");
      }
    }
  }
  return out;
}

std::vector<std::string> manylinux_platforms(int major, int minor, std::string_view arch) {
  std::vector<std::string> out;
  if (major != 2) return out;  // glibc 3 does not exist; see conformance_exceptions.md
  int oldest = (arch == "x86_64" || arch == "i686") ? 5 : 17;
  std::string a(arch);
  for (int m = minor; m >= oldest; --m) {
    out.push_back("manylinux_2_" + std::to_string(m) + "_" + a);
    if (m == 17 && (arch == "x86_64" || arch == "i686" || arch == "aarch64" || arch == "armv7l" ||
                    arch == "ppc64" || arch == "ppc64le" || arch == "s390x")) {
      out.push_back("manylinux2014_" + a);
    } else if (m == 12 && (arch == "x86_64" || arch == "i686")) {
      out.push_back("manylinux2010_" + a);
    } else if (m == 5 && (arch == "x86_64" || arch == "i686")) {
      out.push_back("manylinux1_" + a);
    }
  }
  return out;
}

std::vector<std::string> platform_tags(const TargetPlatform& target) {
  std::string_view subdir = target.conda_subdir;
  auto linux_arch = [&]() -> std::string {
    if (subdir == "linux-64") return "x86_64";
    if (subdir == "linux-32") return "i686";
    if (subdir == "linux-aarch64") return "aarch64";
    if (subdir == "linux-ppc64le") return "ppc64le";
    if (subdir == "linux-s390x") return "s390x";
    if (subdir == "linux-armv7l") return "armv7l";
    return "";
  }();
  std::vector<std::string> out;
  if (!linux_arch.empty()) {
    int ma = 2, mi = 17;
    if (target.glibc && !parse_major_minor(*target.glibc, ma, mi)) return {};
    if (mi < 0) mi = 0;
    out = manylinux_platforms(ma, mi, linux_arch);
    if (target.musl) {
      int mma = 1, mmi = 0;
      if (!parse_major_minor(*target.musl, mma, mmi)) return {};
      if (mma == 1) {
        for (int m = std::max(mmi, 0); m >= 0; --m) {
          out.push_back("musllinux_1_" + std::to_string(m) + "_" + linux_arch);
        }
      }
    }
    out.push_back("linux_" + linux_arch);
    return out;
  }
  if (subdir == "osx-64" || subdir == "osx-arm64") {
    bool arm = subdir == "osx-arm64";
    int ma = arm ? 11 : 10, mi = arm ? 0 : 13;
    if (target.osx && !parse_major_minor(*target.osx, ma, mi)) return {};
    if (mi < 0) mi = 0;
    if (arm && ma < 11) ma = 11, mi = 0;  // no arm64 macOS before 11.0
    return mac_platforms(ma, mi, arm ? "arm64" : "x86_64");
  }
  if (subdir == "win-64") return {"win_amd64"};
  if (subdir == "win-32") return {"win32"};
  if (subdir == "win-arm64") return {"win_arm64"};
  return {};
}

std::vector<Tag> cpython_tags(int major, int minor, const std::vector<std::string>& abis,
                              const std::vector<std::string>& platforms) {
  std::string interp =
      "cp" + std::to_string(major) + (minor >= 0 ? std::to_string(minor) : std::string());
  std::vector<Tag> out;
  for (const auto& abi : abis) {
    if (abi == "abi3" || abi == "none") continue;  // yielded below, once
    for (const auto& p : platforms) out.push_back(Tag{interp, abi, p});
  }
  // abi3 exists from CPython 3.2 on.
  bool abi3 = major == 3 && minor >= 2;
  if (abi3) {
    for (const auto& p : platforms) out.push_back(Tag{interp, "abi3", p});
  }
  for (const auto& p : platforms) out.push_back(Tag{interp, "none", p});
  if (abi3) {
    for (int m = minor - 1; m > 1; --m) {
      for (const auto& p : platforms) out.push_back(Tag{"cp3" + std::to_string(m), "abi3", p});
    }
  }
  return out;
}

std::vector<Tag> python_tags(int major, int minor, std::string_view interpreter,
                             const std::vector<std::string>& platforms) {
  std::vector<std::string> range;
  std::string maj = std::to_string(major);
  if (minor >= 0) range.push_back("py" + maj + std::to_string(minor));
  range.push_back("py" + maj);
  for (int m = minor - 1; m >= 0; --m) range.push_back("py" + maj + std::to_string(m));
  std::vector<Tag> out;
  for (const auto& r : range) {
    for (const auto& p : platforms) out.push_back(Tag{r, "none", p});
  }
  if (!interpreter.empty()) out.push_back(Tag{std::string(interpreter), "none", "any"});
  for (const auto& r : range) out.push_back(Tag{r, "none", "any"});
  return out;
}

std::vector<Tag> compatible_tags(const TargetPlatform& target) {
  int major = 0, minor = 0;
  if (!parse_major_minor(target.python_version, major, minor) || major != 3 || minor < 0) {
    return {};
  }
  std::vector<std::string> platforms = platform_tags(target);
  if (platforms.empty()) return {};
  std::string interp = "cp3" + std::to_string(minor);
  std::vector<Tag> out = cpython_tags(major, minor, {interp}, platforms);
  std::vector<Tag> rest = python_tags(major, minor, interp, platforms);
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

Result<WheelName> parse_wheel_filename(std::string_view filename) {
  constexpr std::string_view ext = ".whl";
  if (filename.size() > 1024) return invalid_wheel(filename, "longer than 1024 bytes");
  if (filename.size() < ext.size() || filename.substr(filename.size() - ext.size()) != ext) {
    return invalid_wheel(filename, "does not end in '.whl'");
  }
  auto parts = split(filename.substr(0, filename.size() - ext.size()), '-');
  if (parts.size() != 5 && parts.size() != 6) {
    return invalid_wheel(filename, "not 5 or 6 '-'-separated parts");
  }
  std::string_view name = parts[0];
  // Name: letters (any script), digits, '_' and '.'; "__" cannot come from escaping a name.
  if (name.empty()) return invalid_wheel(filename, "empty project name");
  if (name.find("__") != std::string_view::npos) {
    return invalid_wheel(filename, "invalid project name '" + std::string(name) + "'");
  }
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (!is_ascii_alnum(c) && c != '_' && c != '.' && u < 0x80) {
      return invalid_wheel(filename, "invalid project name");
    }
  }
  auto version = Version::parse(parts[1]);
  if (!version) return invalid_wheel(filename, "invalid version '" + std::string(parts[1]) + "'");
  WheelName out;
  out.name = normalize_name(name);
  out.version = version->str();
  if (parts.size() == 6) {
    std::string_view build = parts[2];
    if (build.empty() || !(build[0] >= '0' && build[0] <= '9')) {
      return invalid_wheel(filename,
                           "build tag '" + std::string(build) + "' does not start with a digit");
    }
    for (char c : build) {
      if (!is_ascii_alnum(c) && c != '_' && c != '.') {
        return invalid_wheel(filename, "invalid build tag");
      }
    }
    out.build = std::string(build);
  }
  std::size_t t = parts.size() - 3;
  std::string tag_text =
      std::string(parts[t]) + "-" + std::string(parts[t + 1]) + "-" + std::string(parts[t + 2]);
  auto tags = parse_tag(tag_text);
  if (!tags) return invalid_wheel(filename, tags.error().message);
  out.tags = std::move(*tags);
  return out;
}

std::optional<int> tag_priority(const WheelName& wheel, const std::vector<Tag>& supported) {
  std::optional<int> best;
  for (const Tag& t : wheel.tags) {
    for (std::size_t k = 0; k < supported.size(); ++k) {
      if (best && static_cast<int>(k) >= *best) break;
      if (supported[k] == t) {
        best = static_cast<int>(k);
        break;
      }
    }
  }
  return best;
}

Result<SdistName> parse_sdist_filename(std::string_view filename) {
  auto bad = [&](std::string_view why) {
    return Error{ErrorKind::input,
                 "",
                 "invalid sdist filename '" + std::string(filename.substr(0, 200)) +
                     "': " + std::string(why)};
  };
  if (filename.size() > 1024) return bad("longer than 1024 bytes");
  std::string_view stem;
  if (filename.ends_with(".tar.gz")) {
    stem = filename.substr(0, filename.size() - 7);
  } else if (filename.ends_with(".zip")) {
    stem = filename.substr(0, filename.size() - 4);
  } else {
    return bad("does not end in '.tar.gz' or '.zip'");
  }
  std::size_t dash = stem.rfind('-');
  if (dash == std::string_view::npos) return bad("no '-' between name and version");
  std::string name = normalize_name(stem.substr(0, dash));
  if (name.empty()) return bad("empty project name");
  auto version = Version::parse(stem.substr(dash + 1));
  if (!version) return bad("invalid version '" + std::string(stem.substr(dash + 1)) + "'");
  return SdistName{std::move(name), version->str()};
}

}  // namespace envlock::pypi
