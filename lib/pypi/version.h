#pragma once
// PEP 440 versions: parsing (with the spec's normalisations), the total order and the
// normalised text.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace envlock::pypi {

/// The longest version text parse() accepts.
inline constexpr std::size_t k_max_version_length = 256;

/// A PEP 440 version. Comparison is the spec's total order: epoch, release (trailing zeros
/// ignored: 1.0 == 1.0.0), then dev < pre < (none) < post with the local part last
/// (1.0 < 1.0+local; numeric local segments above alphanumeric ones).
class Version {
 public:
  /// One segment of the local version label: a number or a lower-case alphanumeric string.
  struct LocalPart {
    std::uint64_t number = 0;
    std::string text;  ///< empty when the segment is a number
    bool is_number() const { return text.empty(); }
    std::strong_ordering operator<=>(const LocalPart& other) const;
    bool operator==(const LocalPart& other) const = default;
  };
  /// The kind of pre-release, in PEP 440 order.
  enum class Pre : std::uint8_t { a, b, rc };

  Version() = default;

  /// Parses `text` as PEP 440 with the spec's normalisations (case, surrounding whitespace, a
  /// leading 'v', alternate spellings "alpha"/"beta"/"c"/"pre"/"preview"/"rev"/"r", separators
  /// '-', '_', '.' and implicit numbers such as "1.0a" or "1.0-1"). Fails with
  /// ErrorKind::input "invalid version '<text>': <why>" for anything else, for text longer than
  /// k_max_version_length and for numbers that do not fit 64 bits.
  [[nodiscard]] static Result<Version> parse(std::string_view text);

  /// The normalised form ("1!1.0a1.post2.dev3+ubuntu.1").
  std::string str() const;
  /// str() without the local part.
  std::string public_str() const;
  /// Epoch and release only ("1!1.0").
  std::string base_str() const;
  /// The local label normalised ("ubuntu.1"), empty when there is none.
  std::string local() const;

  std::uint64_t epoch() const { return m_epoch; }
  /// The release numbers as written (trailing zeros kept).
  const std::vector<std::uint64_t>& release() const { return m_release; }
  std::optional<std::pair<Pre, std::uint64_t>> pre() const;
  std::optional<std::uint64_t> post() const;
  std::optional<std::uint64_t> dev() const;
  const std::vector<LocalPart>& local_parts() const { return m_local; }

  /// True for a dev release or a pre-release ("1.0a1", "1.0.dev0", "1.0a1.post1.dev0").
  bool is_prerelease() const { return m_has_dev || m_has_pre; }
  bool is_postrelease() const { return m_has_post; }
  bool is_devrelease() const { return m_has_dev; }
  bool has_local() const { return !m_local.empty(); }

  /// The PEP 440 total order.
  std::strong_ordering operator<=>(const Version& other) const;
  /// PEP 440 equality (1.0 == 1.0.0; local parts compared).
  bool operator==(const Version& other) const { return (*this <=> other) == 0; }
  /// Consistent with ==.
  std::size_t hash() const;

 private:
  std::uint64_t m_epoch = 0;
  std::vector<std::uint64_t> m_release;
  std::uint64_t m_pre_number = 0;
  std::uint64_t m_post = 0;
  std::uint64_t m_dev = 0;
  std::vector<LocalPart> m_local;
  Pre m_pre = Pre::a;
  bool m_has_pre = false;
  bool m_has_post = false;
  bool m_has_dev = false;
};

}  // namespace envlock::pypi
