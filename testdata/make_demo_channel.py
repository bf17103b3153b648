#!/usr/bin/env python3
"""Builds the demo conda channel: tiny but real packages in both .conda and .tar.bz2 form,
with repodata.json for linux-64, osx-64 and noarch.

Deterministic: fixed mtimes, uids, member order and compression settings, so two runs give
byte-identical output (given the same `zstd` version). Needs Python 3 and the `zstd` command.

    python3 testdata/make_demo_channel.py --out /tmp/demo_channel
"""

import argparse
import bz2
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

MTIME = 1704067200  # 2024-01-01T00:00:00Z
TIMESTAMP_MS = MTIME * 1000
# conda-build style placeholders: long, so binary replacement always has room.
PLACEHOLDER = "/opt/envlock-demo/build_env_" + "placehold_" * 8
CHANNEL_NAME = "envlock-demo"


def text_script(body):
    return ("#!/bin/sh\n" + body).encode()


def python_files(version):
    short = ".".join(version.split(".")[:2])
    script = text_script(
        'echo "Python %s (envlock demo)"\n'
        'echo "prefix: %s"\n' % (version, PLACEHOLDER))
    return [
        ("bin/python" + short, "file", script, 0o755, "text"),
        ("bin/python", "symlink", "python" + short, None, None),
        ("bin/python3", "symlink", "python" + short, None, None),
        ("lib/python%s/os.py" % short, "file", b"# the demo stdlib\nsep = '/'\n", 0o644, None),
        ("lib/python%s/site-packages/README.txt" % short, "file",
         b"This is the site-packages directory.\n", 0o644, None),
    ]


def zlib_files(version):
    soname = "libz.so.%s" % version
    blob = b"\x7fELF\x02\x01\x01" + ("zlib %s demo library\n" % version).encode() * 4
    return [
        ("include/zlib.h", "file", ("#define ZLIB_VERSION \"%s\"\n" % version).encode(), 0o644,
         None),
        ("lib/" + soname, "file", blob, 0o755, None),
        ("lib/libz.so.1", "symlink", soname, None, None),
        ("lib/libz.so", "symlink", soname, None, None),
    ]


def libfoo_files(version):
    pc = ("prefix=%s\nlibdir=${prefix}/lib\nincludedir=${prefix}/include\n\n"
          "Name: foo\nDescription: demo library with a text-mode prefix\nVersion: %s\n"
          "Libs: -L${libdir} -lfoo\nCflags: -I${includedir}\n" % (PLACEHOLDER, version)).encode()
    return [
        ("include/foo.h", "file", b"int foo(void);\n", 0o644, None),
        ("lib/libfoo.so.1", "file", b"\x7fELF\x02\x01\x01foo " + version.encode(), 0o755, None),
        ("lib/libfoo.so", "symlink", "libfoo.so.1", None, None),
        ("lib/pkgconfig/foo.pc", "file", pc, 0o644, "text"),
    ]


def libbar_files(version):
    # A binary with the placeholder inside a NUL-terminated string, as compilers leave it.
    blob = (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 24 + ("libbar %s" % version).encode() +
            b"\x00" + PLACEHOLDER.encode() + b"/share/libbar/data\x00" + b"\x00" * 32 +
            bytes(range(256)))
    return [
        ("lib/libbar.so.2", "file", blob, 0o755, "binary"),
        ("lib/libbar.so", "symlink", "libbar.so.2", None, None),
        ("share/libbar/data", "file", b"bar data\n", 0o644, None),
    ]


def demo_tool_files(version):
    return [
        ("bin/demo-tool", "file", text_script('echo "demo-tool %s"\n' % version), 0o755, None),
        ("bin/dt", "symlink", "demo-tool", None, None),
        ("share/demo-tool/VERSION", "file", (version + "\n").encode(), 0o644, None),
    ]


def demo_py_files(version):
    return [
        ("site-packages/demo_py/__init__.py", "file",
         ('__version__ = "%s"\n' % version).encode(), 0o644, None),
        ("site-packages/demo_py/cli.py", "file",
         b"def main():\n    print('demo-py says hello')\n    return 0\n", 0o644, None),
        ("site-packages/demo_py-%s.dist-info/METADATA" % version, "file",
         ("Metadata-Version: 2.1\nName: demo-py\nVersion: %s\n" % version).encode(), 0o644,
         None),
    ]


def demo_data_files(version):
    return [("share/demo-data/data.txt", "file", ("demo data %s\n" % version).encode(), 0o644,
             None)]


# name, version, build, build_number, subdirs, depends, files, noarch, entry_points
PACKAGES = [
    ("python", "3.11.8", "h0a1b2c3_0_cpython", 0, ["linux-64", "osx-64"], ["zlib >=1.3"],
     python_files, None, []),
    ("python", "3.12.1", "h0a1b2c3_0_cpython", 0, ["linux-64", "osx-64"], ["zlib >=1.3"],
     python_files, None, []),
    ("python", "3.12.2", "h0a1b2c3_0_cpython", 0, ["linux-64"], ["zlib >=1.3.1"],
     python_files, None, []),
    ("zlib", "1.3.0", "h4d5e6f7_0", 0, ["linux-64", "osx-64"], [], zlib_files, None, []),
    ("zlib", "1.3.1", "h4d5e6f7_0", 0, ["linux-64", "osx-64"], [], zlib_files, None, []),
    ("libfoo", "1.0.0", "h1234567_0", 0, ["linux-64"], ["zlib >=1.3,<2"], libfoo_files, None,
     []),
    ("libfoo", "1.2.0", "h1234567_0", 0, ["linux-64", "osx-64"], ["zlib >=1.3,<2"],
     libfoo_files, None, []),
    # A rebuild of the same version: new build string and build number.
    ("libfoo", "1.2.0", "h1234567_1", 1, ["linux-64"], ["zlib >=1.3.1,<2"], libfoo_files, None,
     []),
    ("libbar", "2.0.0", "h89abcde_0", 0, ["linux-64"], ["libfoo >=1.2"], libbar_files, None, []),
    ("libbar", "2.1.0", "h89abcde_0", 0, ["linux-64"], ["libfoo >=1.2"], libbar_files, None, []),
    ("demo-tool", "0.3.0", "hfedcba9_0", 0, ["linux-64"], ["libbar >=2", "zlib"],
     demo_tool_files, None, []),
    ("demo-tool", "0.4.0", "hfedcba9_0", 0, ["linux-64"], ["libbar >=2.1", "zlib"],
     demo_tool_files, None, []),
    ("demo-py", "1.0.0", "pyh7654321_0", 0, ["noarch"], ["python >=3.11"], demo_py_files,
     "python", ["demo-py = demo_py.cli:main"]),
    ("demo-py", "1.1.0", "pyh7654321_0", 0, ["noarch"], ["python >=3.11", "libfoo"],
     demo_py_files, "python", ["demo-py = demo_py.cli:main"]),
    ("demo-data", "2024.1", "h0000000_0", 0, ["noarch"], [], demo_data_files, "generic", []),
]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def tar_bytes(members):
    """members: list of (path, kind, data_or_target, mode), already in archive order."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, kind, data, mode in members:
            info = tarfile.TarInfo(path)
            info.mtime = MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = data
                info.mode = 0o777
                tar.addfile(info)
            else:
                info.mode = mode
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def zstd_bytes(data):
    result = subprocess.run(["zstd", "-19", "-q", "-c", "-"], input=data, check=True,
                            stdout=subprocess.PIPE)
    return result.stdout


def zip_bytes(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return out.getvalue()


def dumps(obj):
    return (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()


def build_package(spec, subdir):
    name, version, build, build_number, _, depends, make_files, noarch, entry_points = spec
    files = sorted(make_files(version), key=lambda f: f[0])
    by_path = {f[0]: f for f in files}

    paths = []
    has_prefix = []
    payload = []
    for path, kind, data, mode, placeholder_mode in files:
        entry = {"_path": path}
        if kind == "symlink":
            target = by_path[os.path.normpath(os.path.join(os.path.dirname(path), data))]
            entry["path_type"] = "softlink"
            entry["sha256"] = sha256(target[2])
            entry["size_in_bytes"] = len(target[2])
        else:
            entry["path_type"] = "hardlink"
            entry["sha256"] = sha256(data)
            entry["size_in_bytes"] = len(data)
        if placeholder_mode:
            entry["file_mode"] = placeholder_mode
            entry["prefix_placeholder"] = PLACEHOLDER
            has_prefix.append("%s %s %s" % (PLACEHOLDER, placeholder_mode, path))
        paths.append(entry)
        payload.append((path, kind, data, mode))

    index = {
        "build": build,
        "build_number": build_number,
        "depends": depends,
        "license": "BSD-3-Clause",
        "name": name,
        "subdir": subdir,
        "timestamp": TIMESTAMP_MS,
        "version": version,
    }
    if noarch:
        index["noarch"] = noarch
    else:
        index["arch"] = "x86_64"
        index["platform"] = subdir.split("-")[0]

    info = [
        ("info/about.json", dumps({"summary": "%s, a package of the envlock demo channel" % name,
                                   "license": "BSD-3-Clause"})),
        ("info/files", ("\n".join(p[0] for p in files) + "\n").encode()),
        ("info/index.json", dumps(index)),
        ("info/paths.json", dumps({"paths": paths, "paths_version": 1})),
    ]
    if has_prefix:
        info.append(("info/has_prefix", ("\n".join(has_prefix) + "\n").encode()))
    if noarch:
        link = {"noarch": {"type": noarch}, "package_metadata_version": 1}
        if noarch == "python":
            link["noarch"]["entry_points"] = entry_points
        info.append(("info/link.json", dumps(link)))
    info.sort()
    info_members = [(p, "file", d, 0o644) for p, d in info]

    stem = "%s-%s-%s" % (name, version, build)
    tarbz2 = bz2.compress(tar_bytes(info_members + payload), 9)
    conda = zip_bytes([
        ("metadata.json", dumps({"conda_pkg_format_version": 2})),
        ("info-%s.tar.zst" % stem, zstd_bytes(tar_bytes(info_members))),
        ("pkg-%s.tar.zst" % stem, zstd_bytes(tar_bytes(payload))),
    ])
    return stem, index, {".tar.bz2": tarbz2, ".conda": conda}


def record(index, data):
    rec = dict(index)
    rec["md5"] = hashlib.md5(data).hexdigest()
    rec["sha256"] = sha256(data)
    rec["size"] = len(data)
    return rec


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="channel folder to (re)create")
    args = parser.parse_args()
    out = args.out
    if os.path.exists(out):
        shutil.rmtree(out)
    subdirs = {}
    for spec in PACKAGES:
        for subdir in spec[4]:
            stem, index, archives = build_package(spec, subdir)
            repo = subdirs.setdefault(subdir, {"packages": {}, "packages.conda": {}})
            os.makedirs(os.path.join(out, subdir), exist_ok=True)
            for ext, data in archives.items():
                with open(os.path.join(out, subdir, stem + ext), "wb") as f:
                    f.write(data)
                key = "packages.conda" if ext == ".conda" else "packages"
                repo[key][stem + ext] = record(index, data)
    for subdir in ("linux-64", "osx-64", "noarch"):
        repo = subdirs.get(subdir, {"packages": {}, "packages.conda": {}})
        repodata = {
            "info": {"subdir": subdir},
            "packages": repo["packages"],
            "packages.conda": repo["packages.conda"],
            "removed": [],
            "repodata_version": 1,
        }
        os.makedirs(os.path.join(out, subdir), exist_ok=True)
        with open(os.path.join(out, subdir, "repodata.json"), "wb") as f:
            f.write(dumps(repodata))
    names = sorted({spec[0] for spec in PACKAGES})
    channeldata = {
        "channeldata_version": 1,
        "packages": {n: {"subdirs": sorted({s for spec in PACKAGES if spec[0] == n
                                            for s in spec[4]})} for n in names},
        "subdirs": ["linux-64", "noarch", "osx-64"],
    }
    with open(os.path.join(out, "channeldata.json"), "wb") as f:
        f.write(dumps(channeldata))
    return 0


if __name__ == "__main__":
    sys.exit(main())
