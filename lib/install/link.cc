#include "lib/install/link.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <set>

#include "lib/channel/channel.h"
#include "lib/hash/hash.h"
#include "lib/install/fs_util.h"
#include "lib/install/relocate.h"
#include "lib/util/file.h"

namespace envlock::install {

namespace fs = std::filesystem;
using package::PathType;

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

Result<void> copy_file(const std::string& from, const std::string& to, mode_t mode) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return io_error(to, "copy " + from + " to", ec.value());
  if (::chmod(to.c_str(), mode & 07777) != 0) return io_error(to, "chmod", errno);
  return Ok{};
}

// Creates the parent folders of `rel` under `root` once per folder.
class FolderMaker {
 public:
  explicit FolderMaker(std::string root) : m_root(std::move(root)) {}
  Result<void> parent_of(const std::string& rel) {
    std::string parent = fsu::parent_of(rel);
    if (parent.empty() || m_made.count(parent)) return Ok{};
    ENVLOCK_TRY_VOID(fsu::make_dirs(m_root + "/" + parent));
    m_made.insert(parent);
    return Ok{};
  }

 private:
  std::string m_root;
  std::set<std::string> m_made;
};

bool is_link_script(const std::string& path, const std::string& name) {
  for (const char* kind : {"pre-link", "post-link", "pre-unlink"}) {
    std::string base = "." + name + "-" + kind;
    for (const char* folder : {"bin/", "Scripts/", "python-scripts/"}) {
      if (path == folder + base + ".sh" || path == folder + base + ".bat") return true;
    }
  }
  return false;
}

// The channel URL conda records: the package URL without "/<subdir>/<file>", credentials
// removed.
std::string channel_of(const std::string& url) {
  std::string base = url;
  for (int i = 0; i < 2; ++i) {
    size_t slash = base.rfind('/');
    if (slash == std::string::npos) return "";
    base.resize(slash);
  }
  auto parsed = channel::Channel::parse_one(base, channel::ChannelConfig{});
  return parsed.ok() ? parsed->base_url() : url_for_disk(base);
}

Error changed_in_cache(const std::string& label, const std::string& path) {
  return Error{ErrorKind::input,
               label,
               "the package cache's copy of '" + path +
                   "' differs from the package's info/paths.json; run the install again to "
                   "extract it afresh"};
}

std::string canonical_channel(const std::string& channel_url) {
  auto parsed = channel::Channel::parse_one(channel_url, channel::ChannelConfig{});
  return parsed.ok() ? parsed->canonical_name() : channel_url;
}

}  // namespace

std::string target_path(const std::string& path, bool noarch_python,
                        const std::string& python_version, const std::string& site_packages) {
  if (!noarch_python) return path;
  if (path.rfind("site-packages/", 0) == 0) {
    if (!site_packages.empty()) return site_packages + path.substr(13);
    return "lib/python" + python_version + "/" + path;
  }
  if (path.rfind("python-scripts/", 0) == 0) return "bin/" + path.substr(15);
  return path;
}

Result<std::string> entry_point_script(const std::string& entry_point, const std::string& python,
                                       size_t max_shebang, std::string* name) {
  size_t eq = entry_point.find('=');
  size_t colon = entry_point.find(':', eq == std::string::npos ? 0 : eq);
  if (eq == std::string::npos || colon == std::string::npos) {
    return Error{ErrorKind::input, entry_point, "entry point is not 'name = module:function'"};
  }
  *name = trim(std::string_view(entry_point).substr(0, eq));
  std::string module = trim(std::string_view(entry_point).substr(eq + 1, colon - eq - 1));
  std::string func = trim(std::string_view(entry_point).substr(colon + 1));
  if (size_t bracket = func.find('['); bracket != std::string::npos)
    func = trim(func.substr(0, bracket));
  if (!package::is_safe_path_component(*name) || module.empty() || func.empty()) {
    return Error{ErrorKind::input, entry_point, "entry point is not 'name = module:function'"};
  }
  std::string import_name = func.substr(0, func.find('.'));
  std::string shebang = "#!" + python + "\n";
  if (shebang.size() - 1 > max_shebang || python.find(' ') != std::string::npos) {
    // Too long (or unquotable) for the kernel: let /bin/sh start python on the script.
    shebang = "#!/bin/sh\n'''exec' \"" + python + "\" \"$0\" \"$@\" #'''\n";
  }
  return shebang +
         "# -*- coding: utf-8 -*-\n"
         "# Entry point written by envlock install.\n"
         "import re\n"
         "import sys\n"
         "\n"
         "from " +
         module + " import " + import_name +
         "\n"
         "\n"
         "if __name__ == \"__main__\":\n"
         "    sys.argv[0] = re.sub(r\"(-script\\.pyw?|\\.exe)?$\", \"\", sys.argv[0])\n"
         "    sys.exit(" +
         func + "())\n";
}

Result<LinkedPackage> link_package(const lockfile::LockedPackage& package,
                                   const CachedPackage& cached, const LinkTarget& target) {
  const package::PackageInfo& info = cached.info;
  const std::string label = package_label(package);
  const bool noarch_python =
      info.index.noarch == "python" || (info.link && info.link->noarch_type == "python");
  if (noarch_python && target.python_version.empty()) {
    return Error{ErrorKind::input,
                 label,
                 "noarch: python package, but the lock has no python for this platform to "
                 "choose lib/pythonX.Y/site-packages"};
  }
  const size_t max_shebang = max_shebang_length(target.platform);
  LinkedPackage out;
  prefix::PrefixRecord& r = out.record;
  FolderMaker folders(target.root);
  bool all_hardlinked = true;

  for (const package::PathEntry& e : info.paths) {
    const std::string src = cached.extracted_dir + "/" + e.path;
    if (target.interrupt && target.interrupt->requested) {
      return Error{ErrorKind::io, label, "interrupted"};
    }
    const std::string rel =
        target_path(e.path, noarch_python, target.python_version, target.site_packages);
    const std::string dst = target.root + "/" + rel;
    if (cached.skipped_empty_links.count(e.path)) {
      // Extraction could not make it: not in the prefix, so not in the record either (verify
      // would report it missing).
      out.skipped_empty_links.push_back(rel);
      continue;
    }
    if (is_link_script(e.path, info.index.name)) out.link_scripts.push_back(rel);
    struct stat st;
    if (::lstat(src.c_str(), &st) != 0) {
      return Error{ErrorKind::input,
                   label,
                   "the package lists '" + e.path + "' but the archive does not hold it"};
    }
    ENVLOCK_TRY_VOID(folders.parent_of(rel));
    if (!S_ISDIR(st.st_mode) && fsu::lexists(dst)) ::unlink(dst.c_str());  // clobber

    prefix::PathData pd;
    pd.path = rel;
    pd.sha256 = e.sha256;
    pd.size_in_bytes = e.size_in_bytes;
    pd.no_link = e.no_link;
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      fs::path link_target = fs::read_symlink(src, ec);
      if (ec) return io_error(src, "read symlink", ec.value());
      if (::symlink(link_target.c_str(), dst.c_str()) != 0) return io_error(dst, "symlink", errno);
      pd.path_type = PathType::softlink;
    } else if (S_ISDIR(st.st_mode)) {
      ENVLOCK_TRY_VOID(fsu::make_dirs(dst));
      pd.path_type = PathType::directory;
    } else if (S_ISREG(st.st_mode)) {
      pd.path_type = PathType::hardlink;
      if (!e.prefix_placeholder.empty()) {
        // Relocated files are always new copies: the cache must keep the placeholder.
        ENVLOCK_TRY(data, read_file(src));
        if (e.path_type == PathType::hardlink && !e.sha256.empty() &&
            hash::hex_digest(hash::Algorithm::sha256, data) != hash::normalize_hex(e.sha256)) {
          return changed_in_cache(label, e.path);
        }
        std::string rewritten;
        if (e.file_mode == package::FileMode::binary) {
          ENVLOCK_TRY(b,
                      replace_prefix_binary(
                          data, e.prefix_placeholder, target.prefix, label + ": " + e.path));
          rewritten = std::move(b);
        } else {
          rewritten = replace_prefix_text(data, e.prefix_placeholder, target.prefix, max_shebang);
        }
        ENVLOCK_TRY_VOID(fsu::write_new_file(dst, rewritten, st.st_mode));
        if (pd.sha256.empty() || e.path_type != PathType::hardlink) {
          // As below: a file where paths.json names a link is recorded by its own bytes.
          pd.sha256 = hash::hex_digest(hash::Algorithm::sha256, data);
          pd.size_in_bytes = data.size();
        }
        if (!pd.size_in_bytes) pd.size_in_bytes = data.size();
        pd.sha256_in_prefix = hash::hex_digest(hash::Algorithm::sha256, rewritten);
        pd.prefix_placeholder = e.prefix_placeholder;
        pd.file_mode = e.file_mode ? e.file_mode : package::FileMode::text;
        ++out.relocated;
      } else {
        bool linked = false;
        if (!e.no_link) {
          linked = ::link(src.c_str(), dst.c_str()) == 0;
          if (!linked && errno != EXDEV && errno != EPERM && errno != EMLINK) {
            return io_error(dst, "hard link " + src + " to", errno);
          }
        }
        if (linked) {
          ++out.hardlinked;
        } else {
          ENVLOCK_TRY_VOID(copy_file(src, dst, st.st_mode));
          ++out.copied;
          if (!e.no_link) all_hardlinked = false;
        }
        if (e.path_type == PathType::hardlink && e.size_in_bytes &&
            *e.size_in_bytes != static_cast<uint64_t>(st.st_size)) {
          return changed_in_cache(label, e.path);  // ensure_package checked it moments ago
        }
        if (!pd.size_in_bytes) pd.size_in_bytes = static_cast<uint64_t>(st.st_size);
        // The package's digest describes this file (ensure_package checked the cache copy)
        // unless the file is not what paths.json says (old converted packages hold some
        // symlinks as empty files): then hash it.
        const bool described = e.path_type == PathType::hardlink && !pd.sha256.empty();
        if (described) {
          pd.sha256_in_prefix = pd.sha256;
        } else {
          ENVLOCK_TRY(digest, hash::hex_digest_file(hash::Algorithm::sha256, src));
          if (pd.sha256.empty() || e.path_type != PathType::hardlink) {
            // paths.json's digest and size describe another file (a link's target): the
            // record describes the archive's own bytes instead.
            pd.sha256 = digest;
            pd.size_in_bytes = static_cast<uint64_t>(st.st_size);
          }
          pd.sha256_in_prefix = digest;
        }
      }
    } else {
      return Error{ErrorKind::input, label, "'" + e.path + "' is not a file, folder or symlink"};
    }
    r.files.push_back(rel);
    r.paths.push_back(std::move(pd));
  }

  if (noarch_python && info.link) {
    const std::string python = target.prefix + "/bin/python";
    for (const std::string& ep : info.link->entry_points) {
      std::string name;
      auto script = entry_point_script(ep, python, max_shebang, &name);
      if (!script.ok()) return script.take_error().wrapped(label);
      const std::string rel = "bin/" + name;
      ENVLOCK_TRY_VOID(folders.parent_of(rel));
      const std::string dst = target.root + "/" + rel;
      if (fsu::lexists(dst)) ::unlink(dst.c_str());
      ENVLOCK_TRY_VOID(fsu::write_new_file(dst, *script, 0755));
      prefix::PathData pd;
      pd.path = rel;
      pd.path_type = PathType::unix_python_entry_point;
      pd.sha256_in_prefix = hash::hex_digest(hash::Algorithm::sha256, *script);
      pd.size_in_bytes = script->size();
      r.files.push_back(rel);
      r.paths.push_back(std::move(pd));
    }
  }

  const package::IndexJson& ix = info.index;
  r.name = ix.name.empty() ? package.name : ix.name;
  r.version = ix.version.empty() ? package.version : ix.version;
  r.build = ix.build.empty() ? package.build : ix.build;
  r.build_number = ix.build_number;
  r.depends = ix.depends;
  r.constrains = ix.constrains;
  r.subdir = ix.subdir.empty() ? package.subdir : ix.subdir;
  r.noarch = noarch_python ? "python" : ix.noarch;
  r.python_site_packages_path = ix.python_site_packages_path;
  r.license = ix.license;
  r.timestamp = ix.timestamp;
  r.track_features = ix.track_features;
  r.url = url_for_disk(package.url);
  r.fn = lockfile::url_filename(package.url);
  r.channel = channel_of(package.url);
  r.md5 = cached.md5;
  r.sha256 = cached.sha256;
  r.size = cached.size;
  r.requested_spec = canonical_channel(r.channel) + "/" + r.subdir + "::" + r.name +
                     "==" + r.version + "=" + r.build + "[sha256=" + r.sha256 + "]";
  r.paths_version = 1;
  r.has_paths_data = true;
  r.link = prefix::Link{cached.extracted_dir, all_hardlinked ? 1 : 3};
  r.extracted_package_dir = cached.extracted_dir;
  r.package_tarball_full_path = cached.archive_path;
  return out;
}

}  // namespace envlock::install
