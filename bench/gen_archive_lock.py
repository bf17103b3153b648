#!/usr/bin/env python3
"""Generates N tiny real conda packages (info/index.json, info/paths.json and one file each;
2/3 linux-64, 1/3 noarch) into OUT/channel and a conda-lock v1 lock of all of them with file://
URLs and their real md5/sha256 at OUT/conda-lock.yml, for the archive benchmark.

    gen_archive_lock.py OUT [N] [--format conda|tar.bz2]

`.conda` (the default, what conda-forge builds) needs the `zstd` command, run once per batch of
files. Deterministic: the same arguments give the same bytes (fixed mtimes, owners, content)."""

import hashlib
import io
import json
import os
import sys
import subprocess
import tarfile
import tempfile
import zipfile


def member(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1704067200
    info.mode = 0o644
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def tar_bytes(members, mode="w"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            member(tar, name, data)
    return buf.getvalue()


def package_members(name, version, build, subdir, i):
    payload = ("# generated file %d of %s\n" % (i, name)).encode() * (1 + i % 7)
    rel = "share/%s/data.txt" % name
    index = {"name": name, "version": version, "build": build, "build_number": 0,
             "subdir": subdir, "depends": [], "license": "MIT", "timestamp": 1704067200000}
    if subdir == "noarch":
        index["noarch"] = "generic"
    paths = {"paths_version": 1, "paths": [
        {"_path": rel, "path_type": "hardlink", "sha256": hashlib.sha256(payload).hexdigest(),
         "size_in_bytes": len(payload)}]}
    info = [("info/index.json", json.dumps(index, sort_keys=True).encode()),
            ("info/paths.json", json.dumps(paths, sort_keys=True).encode())]
    return info, [(rel, payload)]


def write_conda_packages(jobs):
    """jobs: (path, stem, info members, payload members). The inner tars are compressed by one
    zstd process per batch, then each .conda is zipped (stored, fixed dates) as conda does."""
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for k, (_, stem, info, payload) in enumerate(jobs):
            for kind, members in (("info", info), ("pkg", payload)):
                fn = os.path.join(tmp, "%d-%s.tar" % (k, kind))
                with open(fn, "wb") as f:
                    f.write(tar_bytes(members))
                names.append(fn)
        for start in range(0, len(names), 500):
            subprocess.run(["zstd", "-q", "-3", "--rm", "-f"] + names[start:start + 500],
                           check=True)
        for k, (path, stem, _, _) in enumerate(jobs):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
                parts = [("metadata.json", b'{"conda_pkg_format_version": 2}')]
                for kind in ("info", "pkg"):
                    with open(os.path.join(tmp, "%d-%s.tar.zst" % (k, kind)), "rb") as f:
                        parts.append(("%s-%s.tar.zst" % (kind, stem), f.read()))
                for name, data in parts:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_STORED
                    z.writestr(info, data)
            with open(path, "wb") as f:
                f.write(buf.getvalue())


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--format")]
    fmt = "tar.bz2" if "--format=tar.bz2" in sys.argv else "conda"
    out = os.path.abspath(args[0])
    n = int(args[1]) if len(args) > 1 else 3000
    chan = os.path.join(out, "channel")
    entries, conda_jobs = [], []
    for i in range(n):
        subdir = "noarch" if i % 3 == 2 else "linux-64"
        name, version, build = "pkg%04d" % i, "1.%d.0" % (i % 10), "h%07x_0" % i
        stem = "%s-%s-%s" % (name, version, build)
        fn = stem + "." + fmt
        os.makedirs(os.path.join(chan, subdir), exist_ok=True)
        path = os.path.join(chan, subdir, fn)
        info, payload = package_members(name, version, build, subdir, i)
        if fmt == "conda":
            conda_jobs.append((path, stem, info, payload))
        else:
            with open(path, "wb") as f:
                f.write(tar_bytes(info + payload, mode="w:bz2"))
        entries.append((name, version, build, "file://%s/%s/%s" % (chan, subdir, fn), path))
    write_conda_packages(conda_jobs)
    entries = [(name, version, build, url, hashlib.md5(open(p, "rb").read()).hexdigest(),
                hashlib.sha256(open(p, "rb").read()).hexdigest())
               for name, version, build, url, p in entries]
    with open(os.path.join(out, "conda-lock.yml"), "w") as o:
        o.write("version: 1\nmetadata:\n  content_hash:\n    linux-64: %s\n  channels:\n"
                "  - url: file://%s\n    used_env_vars: []\n  platforms:\n  - linux-64\n"
                "  sources:\n  - environment.yml\npackage:\n" % ("0" * 64, chan))
        for name, version, build, url, md5, sha in entries:
            o.write("- name: %s\n  version: '%s'\n  manager: conda\n  platform: linux-64\n"
                    "  dependencies: {}\n  url: %s\n  hash:\n    md5: %s\n    sha256: %s\n"
                    "  category: main\n  optional: false\n  build: %s\n"
                    % (name, version, url, md5, sha, build))


if __name__ == "__main__":
    main()
