#!/usr/bin/env python3
"""Builds the hostile packages of tests/install_hostile.sh: real .tar.bz2 archives, each one
lie or escape that envlock install must refuse, one with a symlink to "" that it installs
without that link, plus one good package for the tampered-cache case. Deterministic (fixed mtimes and member order).

    python3 tests/hostile_packages.py OUT_DIR     # writes OUT_DIR/linux-64/<case>-1.0-0.tar.bz2

Each case's archive is named after the case, so that a lock written from the file name names
what the lock "should" hold; the archive's own info/index.json may then disagree with it.
"""

import hashlib
import io
import json
import os
import sys
import tarfile

MTIME = 1704067200


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Zeros(io.RawIOBase):
    """`size` zero bytes, read lazily: a bomb without holding it in memory."""

    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.left)
        buffer[:n] = b"\0" * n
        self.left -= n
        return n


def member(name, kind="file", data=b"", target="", mode=0o644, size=None):
    return dict(name=name, kind=kind, data=data, target=target, mode=mode, size=size)


def index_json(name, version="1.0", build="0", **extra):
    doc = {"name": name, "version": version, "build": build, "build_number": 0,
           "depends": [], "subdir": "linux-64", "license": "MIT"}
    doc.update(extra)
    return json.dumps(doc, sort_keys=True).encode()


def paths_json(entries):
    return json.dumps({"paths_version": 1, "paths": entries}, sort_keys=True).encode()


def file_entry(path, data, size=None, digest=None):
    return {"_path": path, "path_type": "hardlink", "sha256": digest or sha(data),
            "size_in_bytes": len(data) if size is None else size}


def write_tar_bz2(path, members):
    with tarfile.open(path, "w:bz2", compresslevel=1) as t:
        for m in members:
            info = tarfile.TarInfo(m["name"])
            info.mtime = MTIME
            info.mode = m["mode"]
            fileobj = None
            if m["kind"] == "file":
                if m["size"] is not None:
                    info.size = m["size"]
                    fileobj = Zeros(m["size"])
                else:
                    info.size = len(m["data"])
                    fileobj = io.BytesIO(m["data"])
            elif m["kind"] == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = m["target"]
            elif m["kind"] == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = m["target"]
            elif m["kind"] == "chardev":
                info.type = tarfile.CHRTYPE
                info.devmajor, info.devminor = 1, 3
            elif m["kind"] == "fifo":
                info.type = tarfile.FIFOTYPE
            t.addfile(info, fileobj)


def package(name, payload, index=None, paths=None):
    """Members of a package: info/index.json, info/paths.json (from `payload` unless given),
    then the payload."""
    if paths is None:
        paths = [file_entry(m["name"], m["data"]) for m in payload if m["kind"] == "file"]
    return ([member("info/index.json", data=index or index_json(name)),
             member("info/paths.json", data=paths_json(paths))] + payload)


def cases():
    ok = member("share/ok.txt", data=b"fine\n")
    out = {}
    # 1. Identity: the package is not what the lock says, or its names climb out of conda-meta.
    out["name-escape"] = package("name-escape", [ok],
                                 index=index_json("../../outside/PWNED"))
    out["version-slash"] = package("version-slash", [ok],
                                   index=index_json("version-slash", version="1.0/../.."))
    out["other-name"] = package("other-name", [ok], index=index_json("zlib"))
    # 2. Members that are not what paths.json says.
    out["size-bomb"] = package("size-bomb", [member("lib/bomb", size=32 << 20)],
                               paths=[file_entry("lib/bomb", b"abc")])
    out["sha-lie"] = package("sha-lie", [member("lib/x", data=b"evil bytes\n")],
                             paths=[file_entry("lib/x", b"good bytes\n")])
    out["size-cap"] = package("size-cap", [member("lib/a", data=b"a" * (3 << 20)),
                                           member("lib/b", data=b"b" * (3 << 20))])
    out["paths-json-escape"] = package("paths-json-escape", [ok],
                                       paths=[file_entry("../../outside/x", b"fine\n")])
    # 9. A component over 255 bytes: a malformed package.
    out["long-name"] = package("long-name", [member("lib/" + "n" * 300, data=b"x")], paths=[])
    # Files in conda-meta/, named by paths.json or by an old package's info/files: they would
    # overwrite another package's record or the history.
    out["conda-meta-record"] = package(
        "conda-meta-record", [member("conda-meta/zlib-1.3.1-h4d5e6f7_0.json", data=b"{}")])
    out["conda-meta-legacy"] = [member("info/index.json", data=index_json("conda-meta-legacy")),
                                member("info/files", data=b"conda-meta/history\n"),
                                member("conda-meta/history", data=b"# cmd: forged\n")]
    # What install already refused: escapes, devices, duplicates.
    out["dotdot"] = package("dotdot", [member("../../outside/dotdot", data=b"x")], paths=[])
    out["absolute"] = package("absolute", [member("/tmp/envlock-hostile-absolute", data=b"x")],
                              paths=[])
    out["symlink-abs"] = package("symlink-abs", [member("etc/passwd", "symlink", target="/etc/passwd")],
                                 paths=[])
    out["symlink-up"] = package("symlink-up", [member("a/b", "symlink", target="../../outside")],
                                paths=[])
    out["symlink-through"] = package("symlink-through", [
        member("lnk", "symlink", target="."), member("lnk/x", data=b"x")], paths=[])
    out["hardlink-out"] = package("hardlink-out", [member("lib/h", "hardlink", target="/etc/passwd")],
                                  paths=[])
    out["device"] = package("device", [member("dev/null", "chardev")], paths=[])
    out["fifo"] = package("fifo", [member("pipe", "fifo")], paths=[])
    out["duplicate"] = package("duplicate", [member("bin/tool", data=b"one"),
                                             member("bin/tool", data=b"two")], paths=[])
    # A symlink with an empty target (as in real converted packages): installed without it.
    out["empty-link"] = package("empty-link", [ok, member("lib/libz.so.1", "symlink", target="")],
                                paths=[file_entry("share/ok.txt", b"fine\n"),
                                       {"_path": "lib/libz.so.1", "path_type": "softlink"}])
    # A good package for the tampered-cache case.
    out["good"] = package("good", [member("lib/libgood.a", data=b"the package's bytes\n" * 64),
                                   ok])
    return out


def main():
    out = os.path.join(sys.argv[1], "linux-64")
    os.makedirs(out, exist_ok=True)
    for name, members in cases().items():
        write_tar_bz2(os.path.join(out, "%s-1.0-0.tar.bz2" % name), members)


if __name__ == "__main__":
    main()
