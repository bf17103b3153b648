// The baseline of the `install` cold row of bench/run: plain libarchive extraction of conda
// archives, nothing else (no download, no hash, no safety checks, no linking, no conda-meta).
//   extract_baseline [--jobs N] DEST ARCHIVE...
// Each ARCHIVE is extracted into DEST/<index>/: a .tar.bz2 directly, a .conda by reading its
// inner pkg-*.tar.zst and info-*.tar.zst members from the zip. With --jobs N, N threads take
// the archives in turn (as install extracts with --jobs N). Exit 0, or 1 with a message.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
using Reader = std::unique_ptr<archive, ReadFree>;
using Writer = std::unique_ptr<archive, WriteFree>;

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool fail(const std::string& what, archive* a) {
  std::fprintf(
      stderr,
      "extract_baseline: %s: %s\n",
      what.c_str(),
      a != nullptr && archive_error_string(a) != nullptr ? archive_error_string(a) : "failed");
  return false;
}

// Copies every entry of `in` below `dest` (paths and hardlink targets prefixed).
bool copy_entries(archive* in, const std::string& dest) {
  Writer out(archive_write_disk_new());
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM);
  archive_entry* entry = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(in, &entry)) == ARCHIVE_OK) {
    std::string path = dest + "/" + archive_entry_pathname(entry);
    archive_entry_set_pathname(entry, path.c_str());
    if (const char* link = archive_entry_hardlink(entry)) {
      archive_entry_set_hardlink(entry, (dest + "/" + link).c_str());
    }
    if (archive_write_header(out.get(), entry) != ARCHIVE_OK) return fail(path, out.get());
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((rc = archive_read_data_block(in, &block, &size, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(out.get(), block, size, offset) != ARCHIVE_OK)
        return fail(path, out.get());
    }
    if (rc != ARCHIVE_EOF) return fail(path, in);
    archive_write_finish_entry(out.get());
  }
  return rc == ARCHIVE_EOF || fail(dest, in);
}

bool extract(const std::string& path, const std::string& dest) {
  Reader outer(archive_read_new());
  archive_read_support_format_all(outer.get());
  archive_read_support_filter_all(outer.get());
  if (archive_read_open_filename(outer.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    return fail(path, outer.get());
  if (!ends_with(path, ".conda")) return copy_entries(outer.get(), dest);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(outer.get(), &entry) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(entry);
    if (!ends_with(name, ".tar.zst")) continue;
    std::string inner(static_cast<size_t>(archive_entry_size(entry)), '\0');
    if (archive_read_data(outer.get(), inner.data(), inner.size()) !=
        static_cast<la_ssize_t>(inner.size()))
      return fail(path + ":" + name, outer.get());
    Reader tar(archive_read_new());
    archive_read_support_format_tar(tar.get());
    archive_read_support_filter_zstd(tar.get());
    if (archive_read_open_memory(tar.get(), inner.data(), inner.size()) != ARCHIVE_OK ||
        !copy_entries(tar.get(), dest))
      return fail(path + ":" + name, tar.get());
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  unsigned jobs = 1;
  if (argc > 2 && std::string_view(argv[1]) == "--jobs") {
    jobs = static_cast<unsigned>(std::max(1, std::atoi(argv[2])));
    first = 3;
  }
  if (argc < first + 2) {
    std::fprintf(stderr, "usage: extract_baseline [--jobs N] DEST ARCHIVE...\n");
    return 2;
  }
  std::string dest = argv[first];
  const int count = argc - first - 1;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (int i; !failed && (i = next++) < count;) {
      if (!extract(argv[first + 1 + i], dest + "/" + std::to_string(i))) failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < jobs; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return failed ? 1 : 0;
}
