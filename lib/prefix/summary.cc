#include "lib/prefix/summary.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <simdjson.h>
#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include "lib/util/file.h"
#include "lib/util/parallel.h"

namespace envlock::prefix {

namespace {

Result<PrefixRecord> read_summary(simdjson::ondemand::parser& parser, const std::string& path,
                                  std::string& buffer) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return io_error(path, "stat", err);
  }
  size_t size = static_cast<size_t>(st.st_size);
  buffer.resize(size + simdjson::SIMDJSON_PADDING);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, buffer.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  PrefixRecord r;
  r.source_file = path;
  try {
    auto doc = parser.iterate(buffer.data(), done, buffer.size());
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key();
      std::string* target = key == "name"      ? &r.name
                            : key == "version" ? &r.version
                            : key == "build"   ? &r.build
                            : key == "sha256"  ? &r.sha256
                            : key == "md5"     ? &r.md5
                            : key == "url"     ? &r.url
                            : key == "channel" ? &r.channel
                            : key == "subdir"  ? &r.subdir
                                               : nullptr;
      if (!target) {
        if (key == "size") {
          auto value = field.value();
          if (value.type() == simdjson::ondemand::json_type::number) {
            uint64_t size = 0;
            if (!value.get_uint64().get(size)) r.size = size;
          }
        }
        continue;  // everything else is skipped unparsed
      }
      auto value = field.value();
      if (value.type() == simdjson::ondemand::json_type::string) {
        *target = std::string(std::string_view(value.get_string()));
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    return Error{ErrorKind::input, path, std::string("malformed JSON: ") + e.what()};
  }
  if (r.name.empty() || r.version.empty() || r.build.empty()) {
    return Error{ErrorKind::input, path, "record without name, version or build"};
  }
  return r;
}

}  // namespace

Result<std::vector<PrefixRecord>> read_record_summaries(const std::string& prefix_dir) {
  const std::string meta = prefix_dir + "/conda-meta";
  DIR* dir = ::opendir(meta.c_str());
  if (!dir) return io_error(meta, "open folder", errno);
  std::vector<std::string> files;
  while (dirent* e = ::readdir(dir)) {
    std::string_view n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".json" && n.substr(0, 2) != "._") {
      files.push_back(meta + "/" + std::string(n));
    }
  }
  ::closedir(dir);
  std::sort(files.begin(), files.end());

  std::vector<std::optional<Result<PrefixRecord>>> results(files.size());
  size_t n_threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  n_threads = std::min(n_threads, std::max<size_t>(1, files.size() / 64));
  // One parser per thread: a block of records each, handed out in order.
  const size_t block = (files.size() + n_threads - 1) / n_threads;
  parallel_for(n_threads, static_cast<unsigned>(n_threads), [&](size_t t) {
    simdjson::ondemand::parser parser;
    std::string buffer;
    for (size_t i = t * block; i < std::min(files.size(), (t + 1) * block); ++i)
      results[i] = read_summary(parser, files[i], buffer);
  });

  std::vector<PrefixRecord> out;
  out.reserve(files.size());
  for (auto& r : results) {
    if (!r->ok()) return r->take_error();
    out.push_back(std::move(*r).value());
  }
  return out;
}

}  // namespace envlock::prefix
