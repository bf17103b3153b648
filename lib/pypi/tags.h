#pragma once
// PEP 425 compatibility tags (with PEP 600 manylinux and macOS rules), the tags a conda target
// supports, and wheel/sdist file names.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace envlock::pypi {

/// One compatibility tag ("cp311", "cp311", "manylinux_2_17_x86_64").
struct Tag {
  std::string interpreter, abi, platform;
  /// "interpreter-abi-platform".
  std::string str() const;
  bool operator==(const Tag& other) const = default;
};

/// Parses a possibly compressed tag set ("py2.py3-none-any") into its tags, in the order
/// written (interpreters outermost). Lower-cases each part. Fails with ErrorKind::input when
/// there are not exactly three non-empty '-'-separated parts.
[[nodiscard]] Result<std::vector<Tag>> parse_tag(std::string_view text);

/// What a lock targets on one platform.
struct TargetPlatform {
  std::string conda_subdir;          ///< "linux-64", "osx-arm64", "win-64", ...
  std::string python_version;        ///< "3.11" (a third component is ignored)
  std::optional<std::string> glibc;  ///< from __glibc ("2.28"); none: manylinux_2_17
  std::optional<std::string> osx;    ///< from __osx ("11.0"); none: the subdir's minimum
  std::optional<std::string> musl;   ///< "1.2": also produce musllinux tags (never by default)
};

/// Every tag a CPython `python_version` on the target supports, most preferred first, in the
/// order pip (packaging.tags.sys_tags) yields them: cpXY-cpXY-P, cpXY-abi3-P, cpXY-none-P,
/// cp3Z-abi3-P (Z from Y-1 down to 2) for every platform P in turn; then pyXY-none-P, py3-none-P,
/// py3Z-none-P (Z descending to 0); then cpXY-none-any, pyXY-none-any, py3-none-any,
/// py3Z-none-any. Platforms (platform_tags): Linux manylinux_2_X from the glibc down to 2_17
/// (2_5 on x86_64) with the legacy alias after its version (manylinux2014 = 2_17,
/// manylinux2010 = 2_12, manylinux1 = 2_5), musllinux_1_X when `musl` is set, then
/// linux_<arch>; macOS as mac_platforms; Windows win_amd64, win32 or win_arm64. Empty for an
/// unknown subdir or a python_version that is not "3.N".
std::vector<Tag> compatible_tags(const TargetPlatform& target);

/// The platform part of compatible_tags for `target`, most preferred first; empty for an
/// unknown subdir.
std::vector<std::string> platform_tags(const TargetPlatform& target);

/// The macOS platform tags of macOS `major`.`minor` on `arch` ("x86_64", "arm64", "i386",
/// "ppc", "ppc64", "intel"), as packaging.tags.mac_platforms yields them.
std::vector<std::string> mac_platforms(int major, int minor, std::string_view arch);
/// The binary formats a macOS `major`.`minor` on `arch` runs ("x86_64", "intel", "fat64",
/// "fat3", "universal2", "universal"), as packaging.tags._mac_binary_formats.
std::vector<std::string> mac_binary_formats(int major, int minor, std::string_view arch);
/// manylinux_2_X tags (with legacy aliases) for glibc `major`.`minor` on `arch`, newest first.
std::vector<std::string> manylinux_platforms(int major, int minor, std::string_view arch);

/// The CPython part: `abis` on every platform, then abi3 and none for cpXY, then abi3 of older
/// CPython 3 minors (3.2 and later), as packaging.tags.cpython_tags. `minor` < 0: major only.
std::vector<Tag> cpython_tags(int major, int minor, const std::vector<std::string>& abis,
                              const std::vector<std::string>& platforms);
/// The interpreter-independent part (pyXY/py3/py3Z with "none", then "any"), as
/// packaging.tags.compatible_tags; `interpreter` ("cp311") adds interpreter-none-any.
std::vector<Tag> python_tags(int major, int minor, std::string_view interpreter,
                             const std::vector<std::string>& platforms);

/// The parts of a wheel file name ("numpy-1.26.0-cp311-cp311-manylinux_2_17_x86_64.whl").
struct WheelName {
  std::string name;     ///< normalised (PEP 503)
  std::string version;  ///< normalised (PEP 440)
  std::string build;    ///< build tag, empty when absent
  std::vector<Tag> tags;
};

/// Parses a wheel file name. Fails with ErrorKind::input "invalid wheel filename '<text>':
/// <why>" when it does not end in ".whl", has not 5 or 6 '-'-separated parts, has an invalid
/// name, version or build tag (which must start with a digit), or a name that is not written
/// with '_' in place of '-' (as pypa/packaging refuses "foo__bar-1.0-py3-none-any.whl").
[[nodiscard]] Result<WheelName> parse_wheel_filename(std::string_view filename);

/// The index of the most preferred tag of `supported` (ordered as compatible_tags returns
/// them) that the wheel carries: lower is better; nullopt when the wheel fits none.
std::optional<int> tag_priority(const WheelName& wheel, const std::vector<Tag>& supported);

/// The parts of a source distribution file name ("requests-2.31.0.tar.gz").
struct SdistName {
  std::string name;     ///< normalised (PEP 503)
  std::string version;  ///< normalised (PEP 440)
};

/// Parses an sdist file name ending in ".tar.gz" or ".zip" (the last '-' separates name and
/// version). Fails with ErrorKind::input "invalid sdist filename '<text>': <why>".
[[nodiscard]] Result<SdistName> parse_sdist_filename(std::string_view filename);

}  // namespace envlock::pypi
