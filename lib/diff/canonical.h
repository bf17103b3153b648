#pragma once
// A lock as canonical text, one line per package, for `git diff` through a textconv driver.

#include <string>

#include "lib/diff/diff.h"
#include "lib/lockfile/lock.h"
#include "lib/util/result.h"

namespace envlock::diff {

/// One header line (`# envlock canonical lock: <format>`), then one line per package:
///   `<environment>/<platform> <manager> <name> <version> <build> <url> <hash>`
/// where a missing field is `-`, an unknown platform is `unknown`, URLs have credentials
/// replaced, and the hash is `sha256:<hex>`, else `md5:<hex>`, else `-`. Lines are sorted
/// bytewise (as `LC_ALL=C sort` sorts them); repeated entries of one artifact (categories)
/// appear once. `filter` keeps only its environment and platforms (an
/// environment name a single-environment lock lacks selects that one environment).
/// Deterministic: the same lock content in any order gives byte-identical text.
[[nodiscard]] std::string canonical_text(const lockfile::Lock& lock, const Filter& filter = {});

/// Reads the lock at `path` and renders it with canonical_text. Fails with the reader's error
/// (ErrorKind::input, also for an unreadable file).
[[nodiscard]] Result<std::string> canonical_file(const std::string& path,
                                                 const Filter& filter = {});

}  // namespace envlock::diff
