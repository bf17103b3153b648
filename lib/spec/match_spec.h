#pragma once
// conda MatchSpec (CEP 29): a query over package records, e.g.
// "conda-forge/linux-64::numpy >=1.20,<2 py3*[md5=...]".

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/spec/package_record.h"
#include "lib/spec/version_spec.h"
#include "lib/util/result.h"

namespace envlock::spec {

/// A parsed MatchSpec. Unset fields match anything. String fields follow conda: "^...$" is a
/// regex, '*' a glob, else exact; names and licenses compare case-insensitively.
struct MatchSpec {
  std::string name = "*";  ///< lower case; may be a glob or "*"
  std::optional<VersionSpec> version;
  std::optional<StringMatcher> build;
  std::optional<BuildNumberSpec> build_number;
  std::optional<std::string> channel;  ///< canonical channel name or URL ("*" = any)
  std::optional<std::string> subdir;
  std::optional<std::string> namespace_;  ///< the middle part of "channel:namespace:name"
  std::optional<std::string> md5;
  std::optional<std::string> sha256;
  std::optional<std::string> url;
  std::optional<std::string> fn;
  std::optional<StringMatcher> license;
  std::optional<StringMatcher> license_family;
  std::optional<std::vector<std::string>> track_features;  ///< sorted, unique
  std::optional<std::vector<std::string>> features;        ///< sorted, unique
  /// Condition of a conditional dependency (repodata v3 "[when=...]"), kept verbatim; it says
  /// when the dependency applies and takes no part in matches().
  std::optional<std::string> when;
  bool optional = false;  ///< legacy "(optional)" marker
  std::string original;   ///< the text parsed

  /// Parses every form conda accepts: "name", "name version", "name version build",
  /// "name=ver=build", "name==ver", operators glued to the name ("numpy>=1.8"),
  /// "channel::name", "channel/subdir::name", "channel:namespace:name", bracket keys
  /// ("name[version='>=1',build=py3*,build_number='>=2',md5=...]", quoted with ' or "),
  /// a trailing "@" (legacy feature), "# comment" and " if ..." suffixes, package URLs and
  /// file paths ending in .conda/.tar.bz2. Fails with ErrorKind::input
  /// ("invalid match spec '...': why") for a missing or invalid name, unbalanced brackets,
  /// unknown bracket keys, empty bracket values, and invalid version/build-number specs.
  [[nodiscard]] static Result<MatchSpec> parse(std::string_view text);

  /// True when every set field matches the record.
  bool matches(const PackageRecord& record) const;

  /// conda's canonical str(MatchSpec), e.g. "conda-forge/linux-64::numpy==1.7=py27_0",
  /// "numpy=1.7", "numpy[version='>=1.7,<2',build=py3*]".
  std::string str() const;

  /// True when only the name is constrained (and it is not "*").
  bool is_name_only() const;
};

/// conda's MatchSpec.merge of two specs for one package name: unset fields take the other's
/// value, versions combine as "both" (">=1.10" and "<1.12" give ">=1.10,<1.12"), equal fields
/// stay. Fails with ErrorKind::input ("why", no place) when the two cannot hold together: other
/// names, different channels, subdirs, hashes, URLs, file names or build numbers, builds that
/// differ (unless one is a glob the other's exact build matches), and versions that provably
/// share no version (pins such as "3.6.*" and "3.7.*", or ranges such as ">=2" and "<1").
/// Version sets that may still meet are combined and left for the solver to judge.
[[nodiscard]] Result<MatchSpec> merge(const MatchSpec& a, const MatchSpec& b);

/// The canonical channel name and subdir conda derives from a channel string:
/// "https://conda.anaconda.org/conda-forge/linux-64" -> ("conda-forge", "linux-64"),
/// "pkgs/main" and "https://repo.anaconda.com/pkgs/main" -> "defaults", other URLs stay URLs.
struct ChannelName {
  std::string name;
  std::string subdir;
};
ChannelName canonical_channel(std::string_view channel);

/// conda's ChannelMatch: does a spec's channel accept a record's channel (name or URL)?
/// "defaults" accepts its members (pkgs/main, pkgs/r, pkgs/msys2 and their URLs).
bool channel_matches(std::string_view spec_channel, std::string_view record_channel);

/// CEP 26 package-name rule (after lower-casing); virtual packages start with "__".
bool is_valid_package_name(std::string_view name);

}  // namespace envlock::spec
