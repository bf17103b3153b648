#pragma once
// A client of Python package indexes (the "simple repository API"): a project's page in the
// PEP 691 JSON form first and the PEP 503 HTML form as fallback, with the files' hashes, sizes,
// Requires-Python (PEP 503 data-requires-python), yanked state (PEP 592) and core-metadata
// availability (PEP 658/714); the METADATA of a file (its ".metadata" sibling, else read out of
// the wheel); hash-checked downloads. Pages are cached under the envlock cache folder and
// revalidated with ETag / Last-Modified like repodata; --offline works from the cache.
//
// Index URLs may carry credentials ("https://user:pass@host/simple/", "/t/<token>/", "${VAR}"
// templates); they are used for fetching only. Every URL this client returns, every message
// and every cache file name or sidecar is credential-free (redact_url / without_credentials).
//
// Untrusted input: a page is bounded (bytes, files), every filename is a plain name, every hash
// is checked for form, and an answer that is neither a PEP 691 JSON document nor an HTML page
// is an error.
//
// Use (the resolver): open one PypiIndex per lock run; projects() for each round of names the
// resolution reaches (parallel, keep-alive); pick files with pypi::parse_wheel_filename /
// tag_priority, skipping yanked files unless pinned with "==" (PEP 592) and files whose
// requires_python excludes the target python; metadata() for the chosen file's
// Requires-Dist; PypiFile::url and sha256 go into the lock as they are.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/channel/http.h"
#include "lib/channel/repodata.h"
#include "lib/channel/url.h"
#include "lib/util/result.h"

namespace envlock::channel {

/// The public PyPI index, the default `index_url` (as pip's).
inline constexpr const char* k_pypi_index_url = "https://pypi.org/simple/";

/// One file of a project as an index lists it.
struct PypiFile {
  std::string filename;  ///< a plain file name (checked: no '/', '\\', NUL, "..")
  /// Absolute and credential-free (fragment removed): what a lock records. Relative links are
  /// resolved against the page's URL (after redirects).
  std::string url;
  std::string index_url;         ///< the index it came from, credential-free
  std::string sha256;            ///< lowercase hex; "" when the index gives none
  std::optional<uint64_t> size;  ///< bytes, when the index says (PEP 700)
  std::string requires_python;   ///< "" when none (PEP 503 data-requires-python / PEP 691)
  bool yanked = false;           ///< PEP 592
  std::string yanked_reason;     ///< "" when yanked without a reason (control characters removed)
  /// Whether a PEP 658 "<url>.metadata" file exists (PEP 714 core-metadata, or the older
  /// dist-info-metadata key).
  bool has_metadata = false;
  std::string metadata_sha256;  ///< lowercase hex of that file, when the index gives it
};

/// Where a project page came from.
enum class PageSource {
  network,      ///< downloaded (200)
  revalidated,  ///< the server answered 304; the cached page was used
  cache,        ///< the cached page was used without asking (offline, or fresh by max-age)
};

/// One project's files over every configured index.
struct PypiProject {
  std::string name;  ///< PEP 503-normalised
  /// The union of every index's files (pip's behaviour: no index takes priority), in index
  /// order then page order. A file listed by two indexes (same filename and sha256) is kept
  /// once, from the first.
  std::vector<PypiFile> files;
  /// Per index (in order): whether it knows the project (false for a 404).
  std::vector<bool> found;
  /// How each index's page was obtained (`network` for a 404 that was fetched).
  std::vector<PageSource> sources;
  int http_requests = 0;  ///< requests made, retries included
};

/// Options of PypiIndex.
struct PypiIndexOptions {
  /// pip's --index-url; credentials and ${VAR} templates allowed.
  std::string index_url = k_pypi_index_url;
  /// pip's --extra-index-url, searched as well (a union, as pip does).
  std::vector<std::string> extra_index_urls;
  Offline offline = Offline::no;
  /// Cache root ("" = RepodataCache::default_dir()); pages live under "<root>/pypi/".
  std::string cache_dir;
  HttpOptions http;
  /// Whether a cached page younger than its Cache-Control max-age is used without asking.
  CacheFreshness freshness = CacheFreshness::always_revalidate;
  ProgressSink progress;
  /// Source of ${VAR} values in credentials; empty = the process environment.
  EnvLookup env;
  /// Largest project page (after decoding). PyPI's largest pages are a few tens of MB.
  uint64_t max_page_bytes = uint64_t{64} << 20;
  /// Most files on one page.
  size_t max_files = 200'000;
  /// Largest ".metadata" file or METADATA member.
  uint64_t max_metadata_bytes = uint64_t{16} << 20;
  /// Largest wheel downloaded only to read its METADATA (no ".metadata" on the index).
  uint64_t max_wheel_bytes = uint64_t{2} << 30;
  /// Threads for projects() (0 = 8: the work is waiting on the network, not the CPU).
  unsigned jobs = 0;
};

/// A client of one index plus extra indexes. Thread-safe: const methods may run concurrently.
class PypiIndex {
 public:
  /// Fails with ErrorKind::usage when an index URL is not an http(s):// or file:// URL.
  static Result<PypiIndex> open(PypiIndexOptions options);

  PypiIndex(PypiIndex&&) noexcept;
  PypiIndex& operator=(PypiIndex&&) noexcept;
  ~PypiIndex();

  /// The configured indexes, credential-free, each ending with '/'.
  std::vector<std::string> index_urls() const;

  /// The files of project `name` (any spelling; it is normalised) on every index.
  /// Asks "<index>/<normalized>/" with "Accept: application/vnd.pypi.simple.v1+json" first
  /// (HTML accepted at lower quality); a 406 asks again for HTML only. The answer's
  /// Content-Type decides the parser (JSON or HTML; by the first byte when the type says
  /// neither). A 404 means "not on this index" (cached too, so --offline agrees).
  /// Fails with ErrorKind::usage for a name that is not a valid project name;
  /// ErrorKind::network for transport errors after the retries, 401/403/other 4xx, 5xx, a page
  /// over max_page_bytes, or --offline without a cache entry; ErrorKind::input for a page
  /// that does not parse (garbage, an unsupported api-version major, bad hashes, bad file
  /// names, more than max_files files); ErrorKind::io for cache files. Messages name the
  /// redacted page URL.
  Result<PypiProject> project(std::string_view name) const;

  /// project() for every name, in parallel (options.jobs threads, each reusing its keep-alive
  /// connections); results in the order of `names`. A name given twice (in any spelling) is
  /// fetched once.
  std::vector<Result<PypiProject>> projects(const std::vector<std::string>& names) const;

  /// The core metadata (METADATA bytes, for pypi::parse_metadata) of `file`: its PEP 658
  /// "<url>.metadata" when the index announces one (checked against metadata_sha256 when
  /// given; a 404 falls through), else the wheel itself is downloaded (hash-checked against
  /// `file.sha256`, kept under "<cache>/pypi/wheels/<sha256>/") and its METADATA read out of it
  /// with pypi::Wheel. For a wheel, the METADATA's Name and Version must be the file name's
  /// (PEP 503/440-normalised). Cached by the file's sha256 (a file's METADATA never changes);
  /// --offline answers from that cache only. Fails with ErrorKind::input for a hash mismatch,
  /// a METADATA that does not parse or names another distribution, a file that is not a wheel
  /// (an sdist's dependencies are unknown without building it), a wheel without sha256 or over
  /// max_wheel_bytes, an unreadable wheel; ErrorKind::network for transport and HTTP errors,
  /// a .metadata over max_metadata_bytes, or --offline without a cache entry; ErrorKind::io for
  /// the cache.
  Result<std::string> metadata(const PypiFile& file) const;

  /// Downloads `file` to `dest_path`, checked against its sha256 and size (see
  /// download_file). Credentials of the index the file came from are used when the file is on
  /// the same scheme and host. Fails with ErrorKind::input when the index gave no sha256.
  Result<void> download(const PypiFile& file, const std::string& dest_path) const;

  /// How many HTTP connections pages and metadata files used so far (they are kept alive and
  /// reused; downloads of whole files open their own). For tests and measurements.
  int connections_opened() const;

 private:
  struct Impl;
  explicit PypiIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

/// `reference` (absolute, "//host/…", "/path", or relative with "../") resolved against
/// `base` (an absolute URL) per RFC 3986; the fragment of `reference` is dropped.
std::string resolve_url(std::string_view base, std::string_view reference);

/// Parses a PEP 691 JSON project page fetched from `page_url` (credential-free; relative URLs
/// resolve against it). Fails with ErrorKind::input at `where` as documented for project().
Result<std::vector<PypiFile>> parse_simple_json(std::string_view body, std::string_view page_url,
                                                std::string_view where, size_t max_files);

/// Parses a PEP 503 HTML project page (anchors with href, data-requires-python, data-yanked,
/// data-core-metadata / data-dist-info-metadata; a <base href> is honoured). Linear in the
/// page's size. Fails with ErrorKind::input at `where`.
Result<std::vector<PypiFile>> parse_simple_html(std::string_view body, std::string_view page_url,
                                                std::string_view where, size_t max_files);

}  // namespace envlock::channel
