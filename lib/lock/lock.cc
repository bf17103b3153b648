#include "lib/lock/lock.h"

#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/capture/capture.h"
#include "lib/channel/channel.h"
#include "lib/channel/repodata.h"
#include "lib/channel/shards.h"
#include "lib/lock/check.h"
#include "lib/lock/pip.h"
#include "lib/lock/virtual.h"
#include "lib/lockfile/content_hash.h"
#include "lib/lockfile/lockfile.h"
#include "lib/pypi/name.h"
#include "lib/pypi/resolve.h"
#include "lib/solve/solve.h"
#include "lib/spec/environment.h"
#include "lib/spec/platform.h"
#include "lib/util/bytes.h"
#include "lib/util/file.h"
#include "lib/util/text.h"

namespace fs = std::filesystem;

namespace envlock::lock {
namespace {

struct Inputs {
  spec::EnvironmentSpec env;
  PipSection pip;  // the `pip:` lines, resolved after each platform's conda solve
  std::vector<std::string> platforms;
  lockfile::ContentHashInput hash_input;
  std::map<std::string, std::vector<spec::MatchSpec>> specs;  // per platform
  lockfile::VirtualPackageRepo virtual_packages;
  channel::ChannelConfig channel_config;
  std::vector<std::string> fetch_channels;  // as given, credentials in place; never printed
  std::string lockfile;                     // absolute
  // Channels named only in a spec ("conda-forge::numpy"): fetched after the listed ones, as
  // conda adds them; not in the lock's channels nor in the content hash (conda-lock's list).
  std::vector<std::string> spec_channels;
  // Why each spec channel is fetched (same index): a failed fetch names the spec that added it.
  std::vector<std::string> spec_channel_reasons;
  std::vector<std::string> warnings;
};

// conda adds the channel of a channel-qualified spec that the channel list lacks (at the
// lowest priority); we do the same and say so. A channel that cannot be named is an error.
Result<void> add_spec_channels(Inputs& in) {
  std::vector<channel::Channel> listed;
  for (const auto& url : in.fetch_channels) {
    auto parsed = channel::Channel::parse(url, in.channel_config);
    if (parsed.ok()) listed.insert(listed.end(), parsed->begin(), parsed->end());
  }
  for (const auto& dep : in.env.dependencies) {
    const auto& wanted = dep.spec.channel;
    if (!wanted || *wanted == "*" || wanted->find('*') != std::string::npos) continue;
    auto served = [&](const channel::Channel& ch) {
      return spec::channel_matches(*wanted, ch.canonical_name()) ||
             spec::channel_matches(*wanted, ch.base_url());
    };
    if (std::any_of(listed.begin(), listed.end(), served)) continue;
    auto parsed = channel::Channel::parse(*wanted, in.channel_config);
    if (!parsed.ok() || parsed->empty())
      return Error{ErrorKind::input,
                   dep.source(),
                   "'" + channel::redact_url(dep.spec.original) + "' names channel " +
                       channel::redact_url(*wanted) +
                       ", which is not among the channels and cannot be used" +
                       (parsed.ok() ? std::string() : ": " + parsed.error().message)};
    std::string reason = dep.source() + ": channel " + channel::redact_url(*wanted) + " of '" +
                         channel::redact_url(dep.spec.original) +
                         "' is not among the channels; added after them, as conda does";
    in.warnings.push_back(reason);
    in.spec_channels.push_back(*wanted);
    in.spec_channel_reasons.push_back(std::move(reason));
    listed.insert(listed.end(), parsed->begin(), parsed->end());
  }
  return Ok{};
}

std::string absolute(const std::string& path, const std::string& base) {
  fs::path p(path);
  return (p.is_absolute() ? p : fs::path(base) / p).lexically_normal().string();
}

// A missing or unreadable input file is an input error (exit 2), as in every tool; io (exit 4)
// is left for what we write.
template <class T>
Result<T> as_input(Result<T> r) {
  if (!r.ok() && r.error().kind == ErrorKind::io) {
    Error e = r.take_error();
    e.kind = ErrorKind::input;
    return e;
  }
  return r;
}

std::optional<std::string> getenv_string(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

// "2024-01-31" or "2024-01-31T12:00:00[Z]" → milliseconds since the epoch (UTC).
Result<int64_t> parse_date(const std::string& text) {
  struct tm tm {};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) {
    tm = {};
    end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  }
  struct tm given = tm;
  time_t seconds = timegm(&tm);
  // timegm() normalises 2024-02-30 to March 1st; a date that moved was not a real date.
  bool real = end && tm.tm_mday == given.tm_mday && tm.tm_mon == given.tm_mon &&
              tm.tm_hour == given.tm_hour && tm.tm_min == given.tm_min;
  if (!end || (*end && std::string(end) != "Z") || !real)
    return Error{ErrorKind::usage,
                 "--exclude-newer " + text,
                 "expected a date like 2024-01-31 or 2024-01-31T12:00:00Z"};
  return static_cast<int64_t>(seconds) * 1000;
}

// Step 1: environment files, platforms, channels, virtual packages, and the hash input.
// `recorded`: the existing lock when --check runs; without -f and -p it names the sources
// (relative to the lock's folder, as conda-lock writes them) and the platforms to check.
Result<Inputs> read_inputs(const Options& options, const std::string& cwd,
                           const lockfile::Lock* recorded) {
  Inputs in;
  std::vector<std::string> files = options.files;
  std::string lock_path = absolute(options.lockfile, cwd);
  if (files.empty() && recorded && !recorded->metadata.sources.empty()) {
    std::string dir = fs::path(lock_path).parent_path().string();
    for (const auto& source : recorded->metadata.sources) {
      // conda-lockfiles writes '' for a lock exported from a prefix: there is nothing to read.
      if (source.empty())
        return Error{ErrorKind::input,
                     lock_path,
                     "the lock records an empty source, so there is no input to check it "
                     "against; name the environment files with -f"};
      files.push_back(absolute(source, dir));
    }
  }
  if (files.empty()) files.push_back("environment.yml");
  for (auto& f : files) {
    f = absolute(f, cwd);
    // conda-lock also reads pyproject.toml and meta.yaml; read as YAML they fail with a
    // misleading "must be a mapping" or a YAML syntax error.
    std::string name = fs::path(f).filename().string();
    if (fs::path(f).extension() == ".toml" || name == "meta.yaml")
      return Error{ErrorKind::input,
                   f,
                   "conda-lock's " + std::string(name == "meta.yaml" ? "meta.yaml" : "TOML") +
                       " sources are not supported; only environment.yml files are"};
  }
  // Each file is read once: a pipe (`-f <(envsubst < environment.yml)`) has no second reading.
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& f : files) {
    ENVLOCK_TRY(text, as_input(read_file(f, spec::k_max_environment_bytes)));
    texts.emplace_back(f, std::move(text));
  }
  ENVLOCK_TRY(env, spec::merge_environments(texts));
  // Lines a lock cannot honour (-e, -r, VCS, URLs) fail here, before any fetch.
  ENVLOCK_TRY(pip, parse_pip_section(env));
  in.pip = std::move(pip);
  if (!env.warnings.empty() && options.strict == Strict::yes) {
    // "file:line:column: why" → where and why.
    const std::string& w = env.warnings.front();
    size_t split = w.find(": ");
    std::string why = w.substr(split + 2);
    if (size_t ignored = why.find(" is ignored"); ignored != std::string::npos)
      why.erase(ignored, 11);
    return Error{ErrorKind::input, w.substr(0, split), why + " (an error with --strict)"};
  }
  in.env = std::move(env);

  in.platforms = options.platforms.empty() ? in.env.platforms : options.platforms;
  if (in.platforms.empty() && recorded) in.platforms = recorded->metadata.platforms;
  if (in.platforms.empty()) in.platforms.push_back(spec::host_platform());
  for (const auto& p : in.platforms)
    if (!spec::is_known_platform(p) || p == "noarch")
      return Error{
          ErrorKind::usage, "-p " + p, "not a conda platform (e.g. linux-64, osx-arm64, win-64)"};

  in.lockfile = absolute(options.lockfile, cwd);
  std::string lock_dir = fs::path(in.lockfile).parent_path().string();
  std::vector<lockfile::EnvironmentSource> sources;
  for (auto& [f, text] : texts)
    sources.push_back({fs::path(f).lexically_relative(lock_dir).string(), std::move(text)});
  ENVLOCK_TRY(hash_input, lockfile::content_hash_input_from_environments(sources, in.platforms));
  ENVLOCK_TRY(config, channel::load_channel_config(cwd));
  for (const auto& m : options.mirrors) {
    ENVLOCK_TRY(mirror, channel::parse_mirror(m, config));
    config.mirrors.insert(config.mirrors.begin(), mirror);  // the command line wins
  }
  // The channels as fetched (credentials in place) and as the lock records them: with each
  // credential as a ${VAR} template or redacted (Channel::lock_url), whether it came from -c or
  // from an environment file. A secret never reaches the lock, its content_hash or a message.
  std::vector<lockfile::Channel> given = hash_input.channels;
  if (!options.channels.empty()) {
    given.clear();
    for (const auto& c : options.channels) given.push_back({c, {}});
  }
  std::vector<std::string> specs;
  hash_input.channels.clear();
  for (const auto& c : given) {
    ENVLOCK_TRY(parsed, channel::Channel::parse(c.url, config));
    if (parsed.size() == 1 && (!options.channels.empty() || parsed.front().has_credentials())) {
      hash_input.channels.push_back({parsed.front().lock_url(), parsed.front().used_env_vars()});
    } else {
      hash_input.channels.push_back(c);
    }
    specs.push_back(c.url);
  }
  in.fetch_channels = std::move(specs);
  if (hash_input.channels.empty())
    return Error{
        ErrorKind::input, files.front(), "no channels: add `channels:` or pass -c CHANNEL"};
  ENVLOCK_TRY(virtuals, virtual_packages(options.virtual_packages, getenv_string));
  hash_input.virtual_packages = virtuals;
  in.virtual_packages = std::move(virtuals);
  in.channel_config = std::move(config);

  // Which specs apply to which platform follows conda-lock's selectors (except that a spec's
  // own trailing bracket is not a selector); the specs of one name are then merged, per
  // platform, since selectors may keep apart what would clash.
  std::map<std::string, std::vector<std::string>> lines;  // file → its lines
  for (size_t i = 0; i < files.size(); ++i) {
    auto& l = lines[files[i]];
    const std::string& text = sources[i].text;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      l.push_back(text.substr(start, end - start));
      if (!l.back().empty() && l.back().back() == '\r') l.back().pop_back();
      start = end + 1;
    }
  }
  // conda-lock drops a line whose selector it does not know on every platform; we do the same
  // (the content hash must agree), but not silently.
  for (const auto& dep : in.env.dependencies) {
    const auto& l = lines[dep.file];
    if (dep.line < 1 || static_cast<size_t>(dep.line) > l.size()) continue;
    if (auto sel = lockfile::unknown_selector(l[static_cast<size_t>(dep.line) - 1]))
      in.warnings.push_back(dep.source() + ": selector [" + *sel + "] of '" +
                            channel::redact_url(dep.spec.original) +
                            "' is none of conda-lock's (linux, linux64, aarch64, ppc64le, osx, "
                            "osx64, arm64, unix, win, win64); the line is left out on every "
                            "platform, as conda-lock does");
  }
  for (const auto& platform : in.platforms) {
    std::vector<spec::Dependency> applying;
    for (const auto& dep : in.env.dependencies) {
      const auto& l = lines[dep.file];
      if (dep.line >= 1 && static_cast<size_t>(dep.line) <= l.size() &&
          !lockfile::line_applies_to(l[static_cast<size_t>(dep.line) - 1], platform))
        continue;
      applying.push_back(dep);
    }
    ENVLOCK_TRY(merged, spec::merge_dependencies(applying));
    auto& specs = in.specs[platform];
    for (auto& dep : merged) specs.push_back(std::move(dep.spec));
  }
  in.hash_input = std::move(hash_input);
  ENVLOCK_TRY_VOID(add_spec_channels(in));
  return in;
}

// Step 2: repodata of every channel for the platform and noarch, in priority order.
struct Fetched {
  std::vector<Bytes> json;  // owns the bytes the sources view (Bytes storage never moves)
  std::vector<solve::RepodataSource> sources;
  // Per source: its shard index when the channel serves shards (CEP 16), else null.
  std::vector<std::shared_ptr<const channel::ShardedSubdir>> sharded;
};

std::string kilobytes(uint64_t bytes) {
  return std::to_string((bytes + 512) / 1024) + " KB";
}

// The shards of a platform's sharded sources, through the run's one fetcher (whose connections
// stay open from level to level and platform to platform).
class LockShards final : public solve::ShardedRecords {
 public:
  LockShards(const Fetched& fetched, channel::ShardFetcher& fetcher, const ProgressSink& progress)
      : m_fetched(fetched), m_fetcher(fetcher), m_progress(progress) {}

  std::vector<std::string> names(size_t source) const override {
    std::vector<std::string> out;
    for (const auto& [name, hash] : m_fetched.sharded[source]->index.shards) out.push_back(name);
    return out;
  }

  Result<std::vector<std::vector<spec::PackageRecord>>> load(
      const std::vector<std::pair<size_t, std::string>>& wanted) override {
    std::vector<channel::ShardWant> wants;
    wants.reserve(wanted.size());
    for (const auto& [source, name] : wanted)
      wants.push_back({m_fetched.sharded[source].get(), name});
    auto got = m_fetcher.fetch(wants);
    if (m_progress) {
      auto st = m_fetcher.stats();
      m_progress("shards: " + std::to_string(st.shards) + " read, " +
                 std::to_string(st.downloaded) + " downloaded (" + kilobytes(st.bytes) + ")");
    }
    return got;
  }

 private:
  const Fetched& m_fetched;
  channel::ShardFetcher& m_fetcher;
  const ProgressSink& m_progress;
};

channel::FetchOptions fetch_options(const Inputs& in, const Options& options,
                                    const std::string& cache_root) {
  channel::FetchOptions fetch;
  fetch.offline = options.offline == Offline::yes ? channel::Offline::yes : channel::Offline::no;
  fetch.cache_dir = cache_root;
  fetch.mirrors = in.channel_config.mirrors;
  fetch.http = options.http;
  return fetch;
}

Result<void> fetch_platform(const Inputs& in, const Options& options, const std::string& platform,
                            const std::string& cache_root, const ProgressSink& progress,
                            Fetched& out) {
  channel::FetchOptions fetch = fetch_options(in, options, cache_root);
  std::vector<std::string> urls = in.fetch_channels;
  urls.insert(urls.end(), in.spec_channels.begin(), in.spec_channels.end());
  for (size_t i = 0; i < urls.size(); ++i) {
    const std::string& url = urls[i];
    ENVLOCK_TRY(channels, channel::Channel::parse(url, in.channel_config));
    for (const auto& ch : channels) {
      if (!ch.serves(platform)) continue;
      for (const std::string subdir : {platform, std::string("noarch")}) {
        if (progress) progress("fetching " + ch.redacted_url() + "/" + subdir);
        auto got = channel::fetch_subdir(
            ch,
            subdir,
            fetch,
            options.shards == Shards::no ? channel::UseShards::no : channel::UseShards::yes);
        if (!got.ok() && i >= in.fetch_channels.size()) {
          // The user never listed this channel: the warning would be lost with the lock, so the
          // error says which spec brought it in.
          Error e = got.take_error();
          e.message += " (" + in.spec_channel_reasons[i - in.fetch_channels.size()] + ")";
          return e;
        }
        if (!got.ok()) return got.take_error();
        if (got->sharded) {
          solve::RepodataSource source;
          source.channel = ch.canonical_name();
          source.channel_url = ch.base_url();
          source.subdir = subdir;
          source.origin = got->sharded->index_url;
          source.form = solve::RepodataSource::Form::shards;
          out.sources.push_back(std::move(source));
          out.sharded.push_back(got->sharded);
          continue;
        }
        auto& repodata = *got->monolithic;
        if (repodata.source == channel::RepodataSource::absent) continue;
        out.json.push_back(std::move(repodata.json));
        const Bytes& bytes = out.json.back();
        out.sources.push_back({ch.canonical_name(),
                               ch.base_url(),
                               subdir,
                               bytes,
                               repodata.url,
                               bytes.readable_past_end(),
                               repodata.xxh3});
        out.sharded.push_back(nullptr);
      }
    }
  }
  return Ok{};
}

PlatformChange compare(const std::string& platform,
                       const std::vector<lockfile::LockedPackage>* before,
                       const std::vector<lockfile::LockedPackage>& after) {
  PlatformChange change;
  change.platform = platform;
  change.packages = after.size();
  std::map<std::string, const lockfile::LockedPackage*> old_by_name, new_by_name;
  // pip entries are keyed apart: a conda and a pip distribution may share a name.
  auto key = [](const lockfile::LockedPackage& p) {
    return p.manager == lockfile::Manager::pip ? p.name + " (pip)" : p.name;
  };
  if (before)
    for (const auto& p : *before) old_by_name[key(p)] = &p;
  for (const auto& p : after) new_by_name[key(p)] = &p;
  // "version build" of conda entries, "version" of pip ones (they have no build).
  auto vb = [](const lockfile::LockedPackage& p) {
    return p.build.empty() ? p.version : p.version + " " + p.build;
  };
  for (const auto& [name, p] : new_by_name) {
    auto it = old_by_name.find(name);
    if (it == old_by_name.end())
      change.added.push_back(name + " " + vb(*p));
    else if (it->second->version != p->version || it->second->build != p->build)
      change.changed.push_back(name + " " + vb(*it->second) + " -> " + vb(*p));
  }
  for (const auto& [name, p] : old_by_name)
    if (!new_by_name.count(name)) change.removed.push_back(name + " " + vb(*p));
  return change;
}

CheckInput check_input_of(const Inputs& in) {
  CheckInput check;
  check.platforms = in.platforms;
  check.channels = in.hash_input.channels;
  check.specs = in.specs;
  check.virtual_packages = in.virtual_packages;
  return check;
}

const std::vector<lockfile::LockedPackage>* packages_of(const std::optional<lockfile::Lock>& lock,
                                                        const std::string& platform) {
  if (!lock) return nullptr;
  const lockfile::Environment* env = lock->environment(lockfile::k_default_environment);
  if (!env && lock->environments.size() == 1) env = &lock->environments.begin()->second;
  if (!env) return nullptr;
  auto it = env->packages.find(platform);
  return it == env->packages.end() ? nullptr : &it->second;
}

// conda-lock's --filename-template for one platform. Fails with ErrorKind::usage for a token we
// do not know, or a template without {platform} when several platforms would share one name.
Result<std::string> explicit_name(const std::string& tmpl, const std::string& platform,
                                  const std::string& input_hash, size_t platforms) {
  if (tmpl.empty() || tmpl.back() == '/')
    return Error{ErrorKind::usage, "--filename-template", "names no file"};
  if (tmpl.size() >= 4 && tmpl.compare(tmpl.size() - 4, 4, ".yml") == 0)
    return Error{ErrorKind::usage,
                 "--filename-template " + tmpl,
                 "must not end in .yml (that is the unified lock's name), as in conda-lock"};
  if (platforms > 1 && tmpl.find("{platform}") == std::string::npos)
    return Error{ErrorKind::usage,
                 "--filename-template " + tmpl,
                 "must contain {platform} when more than one platform is locked"};
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out += tmpl[i];
      continue;
    }
    size_t close = tmpl.find('}', i);
    std::string token = tmpl.substr(i + 1, close == std::string::npos ? close : close - i - 1);
    if (token == "platform")
      out += platform;
    else if (token == "input-hash")
      out += input_hash;
    else if (token == "dev-dependencies")
      out += "true";
    else
      return Error{
          ErrorKind::usage,
          "--filename-template " + tmpl,
          "unknown token {" + token + "} (known: {platform}, {input-hash}, {dev-dependencies})"};
    i = close;
  }
  return out;
}

// -o and --filename-template write into folders that exist; a typo must not create a tree.
Result<void> output_folders_exist(const Options& options, const std::string& lock_path,
                                  const std::vector<std::string>& platforms) {
  std::vector<std::pair<std::string, std::string>> targets;  // option, path
  for (Kind kind : options.kinds) {
    if (kind == Kind::lock) {
      targets.emplace_back("-o " + options.lockfile, lock_path);
    } else {
      for (const auto& platform : platforms) {
        ENVLOCK_TRY(name, explicit_name(options.filename_template, platform, "", platforms.size()));
        targets.emplace_back("--filename-template " + options.filename_template,
                             absolute(name, fs::path(lock_path).parent_path().string()));
      }
    }
  }
  for (const auto& [option, path] : targets) {
    fs::path dir = fs::path(path).parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      return Error{ErrorKind::usage,
                   option,
                   fs::exists(dir, ec) ? dir.string() + " is not a folder"
                                       : "the folder " + dir.string() + " does not exist"};
  }
  return Ok{};
}

// --from-prefix / --name: the lock of an existing prefix, from its conda-meta (lib/capture).
Result<Report> run_capture(const Options& options, const std::string& cwd) {
  if (options.check || !options.update.empty() || options.platforms.size() > 1)
    return Error{
        ErrorKind::usage, "--from-prefix", "takes no --check, --update or second platform"};
  capture::Request request;
  if (!options.from_prefix.empty()) request.prefix = absolute(options.from_prefix, cwd);
  request.name = options.from_name;
  if (!options.platforms.empty()) request.platform = options.platforms.front();
  request.lockfile = absolute(options.lockfile, cwd);
  auto wants = [&](Kind k) {
    return std::count(options.kinds.begin(), options.kinds.end(), k) > 0;
  };
  request.write_lock = wants(Kind::lock);
  request.write_explicit = wants(Kind::explicit_files);
  ENVLOCK_TRY(captured, capture::capture_to_files(request));
  Report report;
  report.lockfile = options.lockfile;
  report.written = captured.written;
  report.warnings = captured.notes;
  PlatformChange change;
  change.platform = captured.platform;
  change.packages = captured.packages;
  report.platforms.push_back(change);
  return report;
}

}  // namespace

Result<Report> run(const Options& options, const ProgressSink& progress) {
  std::string cwd = options.working_dir.empty() ? fs::current_path().string() : options.working_dir;
  if (!options.from_prefix.empty() || !options.from_name.empty()) return run_capture(options, cwd);

  // 1. Inputs: environment files, platforms, channels, virtual packages, hash input.
  // 1. The existing lock, if any: what --check checks (and, run bare, the inputs it records)
  // and what a relock keeps.
  std::optional<lockfile::Lock> existing;
  std::string lock_path = absolute(options.lockfile, cwd);
  if (fs::exists(lock_path)) {
    ENVLOCK_TRY(lock, as_input(lockfile::read_lock(lock_path)));
    existing = std::move(lock);
  } else if (options.check) {
    return Error{ErrorKind::input, options.lockfile, "no such lock file to check"};
  }

  // 2. Inputs: environment files, platforms, channels, virtual packages, hash input.
  ENVLOCK_TRY(in, read_inputs(options, cwd, options.check && existing ? &*existing : nullptr));
  Report report;
  report.lockfile = options.lockfile;
  report.warnings = in.env.warnings;
  report.warnings.insert(report.warnings.end(), in.warnings.begin(), in.warnings.end());

  // 3. --check: offline and without a solve.
  if (options.check) {
    report.findings = check_lock(*existing, check_input_of(in));
    for (const auto& platform : in.platforms)
      if (const auto* pkgs = packages_of(existing, platform)) {
        auto stored = existing->metadata.content_hash.find(platform);
        const bool as_locked =
            stored != existing->metadata.content_hash.end() &&
            lockfile::accepted_content_hashes(in.hash_input, platform).count(stored->second);
        auto pip = check_pip(
            in.pip,
            platform,
            *pkgs,
            virtual_packages_for(in.virtual_packages, platform),
            as_locked ? InputsAsLocked::yes : InputsAsLocked::no,
            options.cache_dir.empty() ? channel::RepodataCache::default_dir() : options.cache_dir);
        report.findings.insert(report.findings.end(), pip.begin(), pip.end());
      }
    report.outcome =
        report.findings.empty() ? Report::Outcome::check_ok : Report::Outcome::check_failed;
    for (const auto& p : in.platforms) {
      PlatformChange c;
      c.platform = p;
      c.how = PlatformChange::How::unchanged;
      if (auto* pkgs = packages_of(existing, p)) c.packages = pkgs->size();
      report.platforms.push_back(c);
    }
    return report;
  }

  ENVLOCK_TRY_VOID(output_folders_exist(options, in.lockfile, in.platforms));
  std::optional<int64_t> exclude_newer;
  if (options.exclude_newer) {
    ENVLOCK_TRY(ms, parse_date(*options.exclude_newer));
    exclude_newer = ms;
  }
  if (!options.update.empty()) {
    if (!existing)
      return Error{
          ErrorKind::usage, "--update", "there is no lock to update yet: " + options.lockfile};
    for (const auto& name : options.update) {
      bool known = false;
      for (const auto& p : in.platforms)
        if (auto* pkgs = packages_of(existing, p))
          known |= std::any_of(pkgs->begin(), pkgs->end(), [&](const auto& x) {
            // A pip name is known in any PEP 503 spelling (--update Demo_Markers).
            return x.name == name || (x.manager == lockfile::Manager::pip &&
                                      pypi::normalize_name(x.name) == pypi::normalize_name(name));
          });
      if (!known) return Error{ErrorKind::usage, "--update " + name, "not in " + options.lockfile};
    }
  }
  std::string cache_root =
      options.cache_dir.empty() ? channel::RepodataCache::default_dir() : options.cache_dir;
  std::string index_cache = cache_root + "/repodata-index";
  std::error_code ec;
  fs::create_directories(index_cache, ec);
  if (ec) index_cache.clear();  // no cache is slower, not wrong

  // 4. One solve per platform, unless the inputs did not change since the lock was made.
  auto hashes = lockfile::content_hashes(in.hash_input);
  lockfile::Lock lock;
  lock.metadata.channels = in.hash_input.channels;
  lock.metadata.platforms = in.platforms;
  lock.metadata.sources = in.hash_input.sources;
  auto& environment = lock.environments[lockfile::k_default_environment];
  environment.channels = in.hash_input.channels;
  std::unique_ptr<pypi::Provider> pip_provider;          // made at the first pip resolution, shared
  std::unique_ptr<channel::ShardFetcher> shard_fetcher;  // made when a platform is solved
  for (const auto& platform : in.platforms) {
    solve::ShardedRecords* request_shards = nullptr;
    lock.metadata.content_hash[platform] = hashes[platform];
    const auto* before = packages_of(existing, platform);
    if (before && options.update.empty() && !options.exclude_newer) {
      auto stored = existing->metadata.content_hash.find(platform);
      auto accepted = lockfile::accepted_content_hashes(in.hash_input, platform);
      // conda-lock's hash does not see everything we solve for (specs merged across files, a
      // spec ending in a bracket), so the kept packages must also still satisfy the specs.
      bool still_fits = true;
      if (stored != existing->metadata.content_hash.end() && accepted.count(stored->second)) {
        CheckInput one = check_input_of(in);
        one.platforms = {platform};
        for (const auto& f : check_lock(*existing, one))
          if (f.platform == platform && f.code != "platform-extra") still_fits = false;
        if (!check_pip(
                 in.pip, platform, *before, virtual_packages_for(in.virtual_packages, platform))
                 .empty())
          still_fits = false;
      }
      if (stored != existing->metadata.content_hash.end() && accepted.count(stored->second) &&
          still_fits) {
        environment.packages[platform] = *before;
        auto change = compare(platform, before, *before);
        change.how = PlatformChange::How::unchanged;
        report.platforms.push_back(std::move(change));
        continue;
      }
    }
    Fetched fetched;
    ENVLOCK_TRY_VOID(fetch_platform(in, options, platform, cache_root, progress, fetched));
    if (!shard_fetcher)
      shard_fetcher =
          std::make_unique<channel::ShardFetcher>(fetch_options(in, options, cache_root));
    LockShards shards(fetched, *shard_fetcher, progress);
    request_shards = &shards;
    solve::Request request;
    request.specs = in.specs[platform];
    for (const auto& vp : virtual_packages_for(in.virtual_packages, platform))
      request.virtual_packages.push_back(
          {vp.name, vp.version, vp.build_string.empty() ? "0" : vp.build_string});
    request.channel_priority = options.priority == Priority::strict ? solve::ChannelPriority::strict
                               : options.priority == Priority::flexible
                                   ? solve::ChannelPriority::flexible
                                   : solve::ChannelPriority::disabled;
    request.exclude_newer_ms = exclude_newer;
    request.cache_dir = index_cache;
    request.shards = request_shards;
    // A pip name in --update is the pip resolution's business, not the conda solve's.
    for (const auto& name : options.update)
      if (!before || std::any_of(before->begin(), before->end(), [&](const auto& p) {
            return p.manager == lockfile::Manager::conda && p.name == name;
          }))
        request.update.push_back(name);
    if (before)
      for (const auto& p : *before)
        if (p.manager == lockfile::Manager::conda)
          request.held.push_back({p.name, p.version, p.build});
    if (progress) progress("solving " + platform);
    ENVLOCK_TRY(outcome, solve::solve(fetched.sources, request));
    if (auto* unsat = std::get_if<solve::Unsatisfiable>(&outcome)) {
      report.problems[platform] = unsat->problems;
      report.problem_details[platform] = unsat->details;
      report.outcome = Report::Outcome::unsatisfiable;
      continue;
    }
    auto& packages = environment.packages[platform];
    for (const auto& r : std::get<solve::Solution>(outcome).packages)
      packages.push_back(locked_of(r, platform));
    // 4b. The pip part, for the python and virtual packages this platform was solved with.
    if (!in.pip.empty()) {
      ENVLOCK_TRY(
          pip_request,
          pip_request_for(
              in.pip, platform, packages, virtual_packages_for(in.virtual_packages, platform)));
      // The locked pip versions are tried first, except the ones --update names.
      std::set<std::string> moving;
      for (const auto& name : options.update) moving.insert(pypi::normalize_name(name));
      if (before)
        for (const auto& p : *before)
          if (p.manager == lockfile::Manager::pip && !moving.count(pypi::normalize_name(p.name)))
            pip_request.preferred[pypi::normalize_name(p.name)] = p.version;
      if (!pip_provider) {
        ENVLOCK_TRY(made, make_pip_provider(in.pip, options.http, cache_root, options.offline));
        pip_provider = std::move(made);
      }
      if (progress) progress("resolving the pip packages of " + platform);
      ENVLOCK_TRY(pip_outcome, pypi::resolve(*pip_provider, pip_request));
      if (auto* unsat = std::get_if<pypi::Unresolvable>(&pip_outcome)) {
        std::vector<std::string> lines = {"the pip: section cannot be resolved:"};
        for (const auto& l : unsat->explanation) lines.push_back(l);
        report.problems[platform] = lines;
        report.problem_details[platform] = lines;
        report.outcome = Report::Outcome::unsatisfiable;
        continue;
      }
      for (const auto& d : std::get<pypi::Resolution>(pip_outcome).distributions)
        packages.push_back(locked_of(d, platform));
    }
    report.platforms.push_back(compare(platform, before, packages));
  }
  if (report.outcome == Report::Outcome::unsatisfiable) return report;

  // 5. Write the lock (and @EXPLICIT files) atomically; nothing is written on failure. Package
  //    URLs kept from an older lock lose any credential they carried, as new ones have none.
  for (auto& [platform, packages] : environment.packages)
    for (auto& p : packages) p.url = channel::without_credentials(p.url);
  if (auto dir = fs::path(in.lockfile).parent_path(); !fs::exists(dir)) {
    fs::create_directories(dir, ec);
    if (ec) return io_error(dir.string(), "cannot create the folder", ec.value());
  }
  for (Kind kind : options.kinds) {
    if (kind == Kind::lock) {
      lockfile::WriteOptions write;
      write.lockfile_name = fs::path(in.lockfile).filename().string();
      ENVLOCK_TRY_VOID(write_file_atomic(in.lockfile, lockfile::write_conda_lock_v1(lock, write)));
      report.written.push_back(options.lockfile);
    } else {
      for (const auto& platform : in.platforms) {
        ENVLOCK_TRY(name,
                    explicit_name(options.filename_template,
                                  platform,
                                  lock.metadata.content_hash[platform],
                                  in.platforms.size()));
        std::string path = absolute(name, fs::path(in.lockfile).parent_path().string());
        ENVLOCK_TRY_VOID(write_file_atomic(
            path, lockfile::write_explicit(lock, lockfile::k_default_environment, platform)));
        report.written.push_back(fs::path(name).is_absolute()
                                     ? name
                                     : (fs::path(options.lockfile).parent_path() / name).string());
      }
    }
  }
  return report;
}

int exit_code(const Report& report) {
  switch (report.outcome) {
    case Report::Outcome::locked:
    case Report::Outcome::check_ok:
      return 0;
    case Report::Outcome::check_failed:
      return 1;
    case Report::Outcome::unsatisfiable:
      return 3;
  }
  return 2;
}

std::string render_text(const Report& report, Verbosity verbosity) {
  // Names, specs and problems come from repodata and locks: each printed line is passed
  // through printable() so it stays one line without terminal controls.
  const auto& P = printable;
  std::string out;
  switch (report.outcome) {
    case Report::Outcome::check_ok: {
      out += "ok: " + P(report.lockfile) + " satisfies the inputs (";
      for (size_t i = 0; i < report.platforms.size(); ++i)
        out += (i ? ", " : "") + P(report.platforms[i].platform);
      return out + ")\n";
    }
    case Report::Outcome::check_failed: {
      out += P(report.lockfile) +
             " no longer satisfies the inputs: " + std::to_string(report.findings.size()) +
             (report.findings.size() == 1 ? " problem\n" : " problems\n");
      for (const auto& f : report.findings)
        out +=
            "  " + P((f.platform.empty() ? std::string() : f.platform + ": ") + f.message) + "\n";
      return out;
    }
    case Report::Outcome::unsatisfiable: {
      const auto& by_platform =
          verbosity == Verbosity::full ? report.problem_details : report.problems;
      std::vector<std::string> lines;
      for (const auto& [platform, problems] : by_platform) {
        lines.push_back(P(platform) + ": the specs cannot be satisfied:");
        for (const auto& problem : problems) {
          size_t start = 0;
          while (start <= problem.size()) {
            size_t end = problem.find('\n', start);
            if (end == std::string::npos) end = problem.size();
            lines.push_back("  " + P(problem.substr(start, end - start)));
            start = end + 1;
          }
        }
      }
      size_t shown = lines.size();
      if (verbosity == Verbosity::brief && lines.size() > k_brief_problem_lines)
        shown = k_brief_problem_lines - 1;
      for (size_t i = 0; i < shown; ++i) out += lines[i] + "\n";
      if (shown < lines.size())
        out += "  ... " + std::to_string(lines.size() - shown) +
               " more lines (--verbose shows every build)\n";
      return out;
    }
    case Report::Outcome::locked:
      break;
  }
  for (const auto& c : report.platforms) {
    out += P(c.platform) + ": " + std::to_string(c.packages) + " packages" +
           (c.how == PlatformChange::How::unchanged ? " (inputs unchanged, kept)" : "") + "\n";
    for (const auto& a : c.added) out += "  + " + P(a) + "\n";
    for (const auto& r : c.removed) out += "  - " + P(r) + "\n";
    for (const auto& u : c.changed) out += "  ~ " + P(u) + "\n";
  }
  for (const auto& w : report.written) out += "wrote " + P(w) + "\n";
  return out;
}

std::string render_json(const Report& report) {
  nlohmann::ordered_json j;
  const char* outcome = "locked";
  switch (report.outcome) {
    case Report::Outcome::locked:
      outcome = "locked";
      break;
    case Report::Outcome::check_ok:
      outcome = "check_ok";
      break;
    case Report::Outcome::check_failed:
      outcome = "check_failed";
      break;
    case Report::Outcome::unsatisfiable:
      outcome = "unsatisfiable";
      break;
  }
  j["outcome"] = outcome;
  j["lockfile"] = report.lockfile;
  j["written"] = report.written;
  auto& platforms = j["platforms"] = nlohmann::ordered_json::array();
  for (const auto& c : report.platforms) {
    nlohmann::ordered_json p;
    p["platform"] = c.platform;
    p["how"] = c.how == PlatformChange::How::unchanged ? "unchanged" : "solved";
    p["packages"] = c.packages;
    p["added"] = c.added;
    p["removed"] = c.removed;
    p["changed"] = c.changed;
    platforms.push_back(std::move(p));
  }
  j["warnings"] = report.warnings;
  auto& findings = j["findings"] = nlohmann::ordered_json::array();
  for (const auto& f : report.findings)
    findings.push_back({{"platform", f.platform}, {"code", f.code}, {"message", f.message}});
  j["problems"] = nlohmann::ordered_json::object();
  for (const auto& [platform, problems] : report.problems) j["problems"][platform] = problems;
  // Names from locks and prefixes may hold bytes that are not UTF-8: replaced, not thrown on.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace envlock::lock
