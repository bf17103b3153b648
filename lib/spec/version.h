#pragma once
// conda version strings (CEP 33, conda's VersionOrder): parsing, total order, hashing and the
// "starts with" relation used by fuzzy specs.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/spec/small_vector.h"
#include "lib/util/result.h"

namespace envlock::spec {

/// A parsed conda version. Comparison follows conda's VersionOrder exactly: epoch, then the
/// main components, then the local part (after '+'); missing components count as 0, so
/// 1.1 == 1.1.0; within a component a string sorts below a number, "dev" below other
/// strings, "post" above every number; comparison is case-insensitive.
class Version {
 public:
  /// One run of digits, letters or stars inside a component (internal; public for tests).
  struct Atom {
    enum class Kind : std::uint8_t { string, dev, number, big_number, post };
    std::uint64_t number = 0;  ///< value of a number
    std::uint32_t offset = 0;  ///< text of a string or big number, in str()
    std::uint32_t length = 0;
    Kind kind = Kind::number;
  };

  Version() = default;

  /// Parses `text` (surrounding whitespace ignored). Fails with ErrorKind::input naming the
  /// text, the reason and the 1-based column for: empty text, characters outside
  /// [A-Za-z0-9*.+!_] (a '-' is accepted when there is no '_'), a non-numeric or repeated epoch
  /// '!', a repeated local '+', or an empty component ("1..2", "1.2+", "+1").
  [[nodiscard]] static Result<Version> parse(std::string_view text);

  /// The text as given, without surrounding whitespace.
  const std::string& str() const { return m_str; }
  /// conda's normalised form: lower case, '-' turned into '_' when the text had no '_'.
  std::string canonical() const;

  /// -1, 0 or 1 in conda's VersionOrder.
  int compare(const Version& other) const;
  std::strong_ordering operator<=>(const Version& other) const {
    int c = compare(other);
    return c < 0 ? std::strong_ordering::less
                 : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
  }
  /// conda equality: 1.0 == 1.0.0, 1.1.a1 == 1.1.0a1, case-insensitive.
  bool operator==(const Version& other) const { return compare(other) == 0; }
  /// Consistent with ==.
  std::size_t hash() const;

  /// conda's VersionOrder.startswith: equal on every component of `prefix` but its last, whose
  /// last atom must be a string prefix (strings) or equal (numbers). Drives "=1.2" and "1.2.*".
  bool starts_with(const Version& prefix) const;
  /// True when the version has a local part ("+...").
  bool has_local() const { return m_local_begin < m_comp_end.size(); }

  /// The parse as conda prints VersionOrder(v).version, e.g. "[[0], [1], [1, 'a', 1]]"; with
  /// `Part::local` the local part ("[]" when absent). For conformance tests.
  enum class Part { main, local };
  std::string debug_components(Part part = Part::main) const;

 private:
  friend struct VersionImpl;

  std::string m_str;
  SmallVector<Atom, 8> m_atoms;
  SmallVector<std::uint16_t, 8> m_comp_end;  ///< end index (in m_atoms) of each component
  std::uint16_t m_local_begin = 0;           ///< first component of the local part
  bool m_dashes = false;                     ///< '-' in the text means '_'
};

struct VersionHash {
  std::size_t operator()(const Version& v) const { return v.hash(); }
};

}  // namespace envlock::spec
