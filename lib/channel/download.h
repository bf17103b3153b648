#pragma once
// Downloading one file (a package archive) with its digests checked on the fly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/channel/channel.h"
#include "lib/channel/http.h"
#include "lib/channel/url.h"
#include "lib/util/result.h"

namespace envlock::channel {

/// What the downloaded bytes must be. At least one digest is required.
struct ExpectedFile {
  std::string sha256;            ///< hex, any case; "" = not checked
  std::string md5;               ///< hex, any case; "" = not checked
  std::optional<uint64_t> size;  ///< bytes; std::nullopt = not checked
};

struct DownloadOptions {
  HttpOptions http;
  /// Mirrors apply to the URL as for repodata.
  std::vector<Mirror> mirrors;
  ProgressSink progress;
  /// Source of ${VAR} values in the URL's credentials; empty = the process environment.
  EnvLookup env;
};

/// Fetches `url` (http, https or file://; credentials and ${VAR} templates allowed) into
/// `dest_path`: the bytes stream into a temporary file beside it while sha256/md5/size are
/// computed, and the file is renamed onto `dest_path` only when all expected values match.
/// Parent folders are created. The transfer stops as soon as more bytes arrive than
/// `expected.size`; a Content-Encoding is never undone (the archive's own bytes are hashed).
/// Fails with ErrorKind::input when the bytes disagree with `expected` (naming the redacted URL,
/// expected and actual values), ErrorKind::network for transport or HTTP errors after the
/// retries, a passed deadline, a body longer than `expected.size` or an encoded body, ErrorKind::io
/// for local files, ErrorKind::usage when no digest is given. On failure nothing is left at
/// `dest_path` (an existing file there is untouched) and the temporary file is removed.
Result<void> download_file(std::string_view url, const std::string& dest_path,
                           const ExpectedFile& expected, const DownloadOptions& options);

}  // namespace envlock::channel
