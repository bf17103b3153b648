#pragma once
// Prefix relocation as conda does it: the build prefix recorded in a package (its placeholder)
// is replaced by the install prefix, in text files (any length) and in binaries (inside
// NUL-terminated strings, padded with NULs so that offsets do not move).

#include <string>
#include <string_view>

#include "lib/util/result.h"

namespace envlock::install {

/// The longest shebang line the target platform's kernel accepts (127 on Linux, 512 on macOS);
/// conda rewrites longer ones.
size_t max_shebang_length(std::string_view platform);

/// Text mode: every occurrence of `placeholder` in `data` becomes `new_prefix`; then, when the
/// first line is a shebang longer than `max_shebang` (or its interpreter's folder holds an
/// escaped space), it is rewritten to `#!/usr/bin/env <interpreter name><options>`.
/// Never fails.
std::string replace_prefix_text(std::string_view data, std::string_view placeholder,
                                std::string_view new_prefix, size_t max_shebang);

/// Binary mode: each NUL-terminated string that starts with `placeholder` has every occurrence
/// of the placeholder replaced by `new_prefix` and is padded with NULs to its old length, so the
/// file keeps its size and layout. An occurrence with no NUL after it is left alone (conda does
/// the same). Fails with ErrorKind::usage when `new_prefix` is longer than `placeholder` and the
/// file holds an occurrence (the string cannot grow); `where` names the file in the message.
Result<std::string> replace_prefix_binary(std::string_view data, std::string_view placeholder,
                                          std::string_view new_prefix, const std::string& where);

}  // namespace envlock::install
