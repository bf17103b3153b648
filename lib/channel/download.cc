#include "lib/channel/download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "lib/channel/http_client.h"
#include "lib/channel/part_file.h"
#include "lib/hash/hash.h"
#include "lib/util/file.h"

namespace envlock::channel {
namespace {

namespace fs = std::filesystem;

// Running digests of the bytes written.
struct Digests {
  std::optional<hash::Hasher> sha256, md5;
  uint64_t size = 0;

  void reset(const ExpectedFile& expected) {
    sha256.reset();
    md5.reset();
    if (!expected.sha256.empty()) sha256.emplace(hash::Algorithm::sha256);
    if (!expected.md5.empty()) md5.emplace(hash::Algorithm::md5);
    size = 0;
  }
  void update(std::string_view bytes) {
    if (sha256) sha256->update(bytes);
    if (md5) md5->update(bytes);
    size += bytes.size();
  }
};

Result<void> check(Digests& digests, const ExpectedFile& expected, const std::string& where) {
  std::vector<std::string> problems;
  if (expected.size && *expected.size != digests.size) {
    problems.push_back("size mismatch: expected " + std::to_string(*expected.size) +
                       " bytes, got " + std::to_string(digests.size));
  }
  if (digests.sha256) {
    std::string actual = digests.sha256->finish_hex();
    if (actual != hash::normalize_hex(expected.sha256)) {
      problems.push_back("sha256 mismatch: expected " + hash::normalize_hex(expected.sha256) +
                         ", got " + actual);
    }
  }
  if (digests.md5) {
    std::string actual = digests.md5->finish_hex();
    if (actual != hash::normalize_hex(expected.md5)) {
      problems.push_back("md5 mismatch: expected " + hash::normalize_hex(expected.md5) + ", got " +
                         actual);
    }
  }
  if (problems.empty()) return Ok{};
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "; ") + p;
  return Error{ErrorKind::input, where, message};
}

Result<void> copy_local(const std::string& source, detail::PartFile& temp, Digests& digests,
                        const ProgressSink& progress, const std::string& redacted) {
  int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(source, "cannot open", errno);
  std::vector<char> buf(1 << 16);
  uint64_t done = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error(source, "cannot read", err);
    }
    if (n == 0) break;
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    digests.update(chunk);
    auto w = temp.write(chunk);
    if (!w) {
      ::close(fd);
      return w;
    }
    done += static_cast<uint64_t>(n);
    if (progress) progress({ProgressEvent::Stage::bytes, redacted, done, 0, 1, ""});
  }
  ::close(fd);
  return Ok{};
}

}  // namespace

Result<void> download_file(std::string_view url, const std::string& dest_path,
                           const ExpectedFile& expected, const DownloadOptions& options) {
  FetchLocation location = apply_mirrors(url, options.mirrors);
  const std::string& redacted = location.redacted_url;
  if (expected.sha256.empty() && expected.md5.empty()) {
    return Error{ErrorKind::usage, redacted, "refusing to download without a sha256 or md5"};
  }
  std::error_code ec;
  fs::path parent = fs::path(dest_path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) return Error{ErrorKind::io, parent.string(), "cannot create: " + ec.message()};

  detail::PartFile temp(dest_path);
  Digests digests;
  if (auto local = file_url_to_path(location.url)) {
    ENVLOCK_TRY_VOID(temp.open());
    digests.reset(expected);
    ENVLOCK_TRY_VOID(copy_local(*local, temp, digests, options.progress, redacted));
  } else {
    EnvLookup env = options.env ? options.env : process_env();
    ENVLOCK_TRY(fetch_url, expand_env(location.url, env, redacted));
    std::optional<Error> open_error;
    detail::BodySink sink;
    sink.begin = [&] {
      auto r = temp.open();
      if (!r) open_error = r.take_error();
      digests.reset(expected);
    };
    sink.chunk = [&](std::string_view chunk) -> Result<void> {
      if (open_error) return *open_error;
      if (expected.size && digests.size + chunk.size() > *expected.size) {
        return Error{ErrorKind::network,
                     redacted,
                     "the server sends more than the " + std::to_string(*expected.size) +
                         " bytes expected; stopped"};
      }
      digests.update(chunk);
      return temp.write(chunk);
    };
    // Package archives are compressed already: take the bytes as stored, never a server's
    // transfer encoding, which could unfold a small answer into gigabytes on disk.
    detail::HttpRequest request{fetch_url, redacted, {}, detail::ContentDecoding::no};
    auto response = detail::http_get(request, options.http, sink, options.progress);
    if (!response) return response.take_error();
    if (open_error) return *open_error;
    if (response->status == 200 && !response->content_encoding.empty()) {
      return Error{ErrorKind::network,
                   redacted,
                   "the server sent the file with Content-Encoding: " + response->content_encoding +
                       " though the bytes as stored were asked for"};
    }
    if (response->status != 200) {
      std::string why = detail::status_text(response->status);
      if (response->status == 401 || response->status == 403) {
        why += " (check the channel's credentials)";
      }
      return Error{ErrorKind::network, redacted, why};
    }
  }
  ENVLOCK_TRY_VOID(check(digests, expected, redacted));
  return temp.commit(dest_path, Durability::fsync);
}

}  // namespace envlock::channel
