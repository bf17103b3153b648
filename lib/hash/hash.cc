#include "lib/hash/hash.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <stdexcept>

#include "lib/util/file.h"

namespace envlock::hash {
namespace {

struct EvpCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct Xxh3StateDeleter {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};

}  // namespace

struct Hasher::State {
  std::unique_ptr<EVP_MD_CTX, EvpCtxDeleter> evp;
  std::unique_ptr<XXH3_state_t, Xxh3StateDeleter> xxh;
};

const char* name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::sha256:
      return "sha256";
    case Algorithm::md5:
      return "md5";
    case Algorithm::xxh3_64:
      return "xxh3_64";
    case Algorithm::xxh3_128:
      return "xxh3_128";
  }
  return "?";
}

size_t hex_length(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::sha256:
      return 64;
    case Algorithm::md5:
      return 32;
    case Algorithm::xxh3_64:
      return 16;
    case Algorithm::xxh3_128:
      return 32;
  }
  return 0;
}

Hasher::Hasher(Algorithm algorithm) : m_algorithm(algorithm), m_state(std::make_unique<State>()) {
  switch (algorithm) {
    case Algorithm::sha256:
    case Algorithm::md5: {
      m_state->evp.reset(EVP_MD_CTX_new());
      const EVP_MD* md = algorithm == Algorithm::sha256 ? EVP_sha256() : EVP_md5();
      if (!m_state->evp || EVP_DigestInit_ex(m_state->evp.get(), md, nullptr) != 1)
        throw std::runtime_error("OpenSSL digest initialisation failed");
      break;
    }
    case Algorithm::xxh3_64:
    case Algorithm::xxh3_128:
      m_state->xxh.reset(XXH3_createState());
      if (!m_state->xxh) throw std::bad_alloc();
      if (algorithm == Algorithm::xxh3_64)
        XXH3_64bits_reset(m_state->xxh.get());
      else
        XXH3_128bits_reset(m_state->xxh.get());
      break;
  }
}

Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

void Hasher::update(std::string_view bytes) {
  switch (m_algorithm) {
    case Algorithm::sha256:
    case Algorithm::md5:
      EVP_DigestUpdate(m_state->evp.get(), bytes.data(), bytes.size());
      break;
    case Algorithm::xxh3_64:
      XXH3_64bits_update(m_state->xxh.get(), bytes.data(), bytes.size());
      break;
    case Algorithm::xxh3_128:
      XXH3_128bits_update(m_state->xxh.get(), bytes.data(), bytes.size());
      break;
  }
}

std::string Hasher::finish_hex() {
  switch (m_algorithm) {
    case Algorithm::sha256:
    case Algorithm::md5: {
      unsigned char out[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      EVP_DigestFinal_ex(m_state->evp.get(), out, &len);
      return to_hex(std::string_view(reinterpret_cast<const char*>(out), len));
    }
    case Algorithm::xxh3_64: {
      XXH64_canonical_t c;
      XXH64_canonicalFromHash(&c, XXH3_64bits_digest(m_state->xxh.get()));
      return to_hex(std::string_view(reinterpret_cast<const char*>(c.digest), sizeof c.digest));
    }
    case Algorithm::xxh3_128: {
      XXH128_canonical_t c;
      XXH128_canonicalFromHash(&c, XXH3_128bits_digest(m_state->xxh.get()));
      return to_hex(std::string_view(reinterpret_cast<const char*>(c.digest), sizeof c.digest));
    }
  }
  return {};
}

std::string hex_digest(Algorithm algorithm, std::string_view bytes) {
  Hasher h(algorithm);
  h.update(bytes);
  return h.finish_hex();
}

uint64_t xxh3_64(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

Result<FileDigest> digest_file(const std::string& path, const std::vector<Algorithm>& algorithms) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot open", errno);
  std::vector<Hasher> hashers;
  hashers.reserve(algorithms.size());
  for (Algorithm a : algorithms) hashers.emplace_back(a);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  FileDigest result;
  // 256 KiB: large enough to amortise syscalls, small enough to stay in L2 while hashing.
  std::unique_ptr<char[]> buf(new char[1 << 18]);
  for (;;) {
    ssize_t n = ::read(fd, buf.get(), 1 << 18);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return io_error(path, "cannot read", err);
    }
    if (n == 0) break;
    result.size += static_cast<uint64_t>(n);
    for (auto& h : hashers) h.update(std::string_view(buf.get(), static_cast<size_t>(n)));
  }
  ::close(fd);
  for (auto& h : hashers) result.hex.push_back(h.finish_hex());
  return result;
}

Result<std::string> hex_digest_file(Algorithm algorithm, const std::string& path) {
  ENVLOCK_TRY(d, digest_file(path, {algorithm}));
  return std::move(d.hex.front());
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = digits[b >> 4];
    out[2 * i + 1] = digits[b & 15];
  }
  return out;
}

bool is_hex_digest(Algorithm algorithm, std::string_view text) {
  if (text.size() != hex_length(algorithm)) return false;
  for (char c : text) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

std::string normalize_hex(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace envlock::hash
