#!/usr/bin/env python3
"""Deterministic real-shaped conda packages for bench/run's `install` row: at least 300 MB of
`.conda` archives (and a few `.tar.bz2`) shaped like a scientific environment's, built the way
testdata/make_demo_channel.py builds its packages (real tar, zip and zstd; paths.json with every
file's sha256 and size), so that `envlock install` checks and extracts them like real ones.

    make_install_packages.py OUT_DIR [--mb 320] [--seed 300]

Writes OUT_DIR/linux-64/<name>-<version>-<build>.conda|.tar.bz2 and OUT_DIR/packages.json (file
list). The mix, per package kind:
  - shared libraries: 1-4 `lib/*.so` files of 256 KB-40 MB (log-uniform), machine-code-like (bytes from a
    16-symbol alphabet, zero runs and random blocks: zstd -3 compresses them about 2x);
  - python libraries: 40-400 `.py`/`.pyi` files of 1-40 KB of generated source (compresses
    5-10x) and a few `.so` extension modules;
  - headers: 50-300 `include/*.h` files of 0.5-30 KB;
  - data: 1-6 files of 256 KB-24 MB (log-uniform) of random bytes (already compressed content: incompressible);
  - a few `.tar.bz2` packages of mixed content.
zstd level 3 (conda-build's default for .conda is higher, but the level changes the
decompression speed little and the generation time a lot). Needs the `zstd` command.
"""
import argparse
import bz2
import hashlib
import json
import math
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testdata"))
sys.dont_write_bytecode = True
import make_demo_channel as demo  # noqa: E402  (tar_bytes, zip_bytes, dumps)

WORDS = ("def class return import self None True False for in if else elif while try except "
         "numpy array value index data frame shape dtype axis result config path name items "
         "len range dict list tuple int float str bytes open read write close").split()


def zstd3(data):
    return subprocess.run(["zstd", "-3", "-q", "-c", "-"], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def source_text(rng, size):
    lines, n = [], 0
    while n < size:
        indent = "    " * rng.randint(0, 3)
        line = indent + " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12)))
        line += "(%s)" % ", ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3)))
        lines.append(line)
        n += len(line) + 1
    return ("\n".join(lines) + "\n").encode()[:size]


def machine_code(rng, size):
    """Bytes that compress like a shared library: opcode-ish words, zero padding, tables."""
    alphabet = rng.randbytes(16)
    table = bytes(alphabet[b & 15] for b in range(256))
    out = bytearray()
    while len(out) < size:
        kind = rng.random()
        n = rng.randint(512, 16384)
        if kind < 0.5:
            out += rng.randbytes(n).translate(table)
        elif kind < 0.8:
            out += bytes(n)
        else:
            out += rng.randbytes(n)
    return bytes(out[:size])


def log_size(rng, low, high):
    """A size between low and high, uniform in log scale (most files small, a few large)."""
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


def files_for(kind, rng, name):
    files = []  # (path, data)
    if kind == "shlib":
        for i in range(rng.randint(1, 4)):
            files.append(("lib/lib%s%s.so.%d" % (name, "" if i == 0 else "_%d" % i, rng.randint(1, 9)),
                          machine_code(rng, log_size(rng, 256 << 10, 40 << 20))))
        for i in range(rng.randint(5, 40)):
            files.append(("include/%s/h%03d.h" % (name, i), source_text(rng, rng.randint(500, 30000))))
    elif kind == "python":
        mod = name.replace("-", "_")
        for i in range(rng.randint(40, 400)):
            ext = "pyi" if rng.random() < 0.1 else "py"
            files.append(("lib/python3.12/site-packages/%s/m%03d/f%03d.%s" % (mod, i % 17, i, ext),
                          source_text(rng, rng.randint(1000, 40000))))
        for i in range(rng.randint(0, 3)):
            files.append(("lib/python3.12/site-packages/%s/_ext%d.cpython-312-x86_64-linux-gnu.so"
                          % (mod, i), machine_code(rng, rng.randint(200 << 10, 8 << 20))))
    elif kind == "headers":
        for i in range(rng.randint(50, 300)):
            files.append(("include/%s/%s_%03d.h" % (name, name, i), source_text(rng, rng.randint(500, 30000))))
    else:  # data
        for i in range(rng.randint(1, 6)):
            files.append(("share/%s/blob%02d.dat" % (name, i), rng.randbytes(log_size(rng, 256 << 10, 24 << 20))))
    files.append(("share/doc/%s/LICENSE" % name, source_text(rng, 1500)))
    return sorted(files)


def build(name, version, build_string, files, fmt):
    payload = [(p, "file", d, 0o755 if p.endswith(".so") or ".so." in p else 0o644)
               for p, d in files]
    paths = [{"_path": p, "path_type": "hardlink", "sha256": hashlib.sha256(d).hexdigest(),
              "size_in_bytes": len(d)} for p, d in files]
    index = {"arch": "x86_64", "build": build_string, "build_number": 0, "depends": [],
             "license": "BSD-3-Clause", "name": name, "platform": "linux",
             "subdir": "linux-64", "timestamp": 1704067200000, "version": version}
    info = sorted([
        ("info/files", ("\n".join(p for p, _ in files) + "\n").encode()),
        ("info/index.json", demo.dumps(index)),
        ("info/paths.json", demo.dumps({"paths": paths, "paths_version": 1})),
    ])
    info_members = [(p, "file", d, 0o644) for p, d in info]
    stem = "%s-%s-%s" % (name, version, build_string)
    if fmt == ".tar.bz2":
        return stem + fmt, bz2.compress(demo.tar_bytes(info_members + payload), 6)
    return stem + fmt, demo.zip_bytes([
        ("metadata.json", demo.dumps({"conda_pkg_format_version": 2})),
        ("info-%s.tar.zst" % stem, zstd3(demo.tar_bytes(info_members))),
        ("pkg-%s.tar.zst" % stem, zstd3(demo.tar_bytes(payload))),
    ])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=320, help="archive megabytes to reach (default 320)")
    ap.add_argument("--seed", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = os.path.join(args.out, "linux-64")
    os.makedirs(out, exist_ok=True)
    total, written, i = args.mb * 1_000_000, [], 0
    kinds = ["shlib", "python", "python", "headers", "data"]
    while sum(size for _, size in written) < total:
        kind = kinds[i % len(kinds)]
        name = "bench-%s-%03d" % (kind, i)
        fmt = ".tar.bz2" if i % 23 == 7 else ".conda"
        fn, data = build(name, "1.%d.0" % (i % 7), "h%07x_0" % rng.getrandbits(28),
                         files_for(kind, rng, name), fmt)
        with open(os.path.join(out, fn), "wb") as f:
            f.write(data)
        written.append((fn, len(data)))
        i += 1
    with open(os.path.join(args.out, "packages.json"), "w") as f:
        json.dump([os.path.join(out, fn) for fn, _ in written], f, indent=1)
    print("%d packages, %.0f MB of archives" % (len(written), sum(s for _, s in written) / 1e6))


if __name__ == "__main__":
    main()
