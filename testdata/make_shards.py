#!/usr/bin/env python3
"""Writes the CEP 16 sharded repodata of a conda channel folder from its repodata.json files.

For every CHANNEL/<subdir>/repodata.json: CHANNEL/<subdir>/repodata_shards.msgpack.zst
(zstd of msgpack {"version": 1, "info": {"base_url", "shards_base_url", "subdir"},
"shards": {name: sha256 of the shard file as 32 raw bytes}}) and one shard per package name,
CHANNEL/<subdir>/shards/<sha256 hex>.msgpack.zst (zstd of msgpack {"packages": {fn: record},
"packages.conda": {fn: record}, "removed": []}, sha256 and md5 as raw bytes, as conda-index
writes them). Keys are sorted and zstd runs at a fixed level, so the output is deterministic for a
given `zstd` version.

A stand-in for `envlock index --shards` (another branch) for tests and benchmarks. Needs
python3-msgpack and the `zstd` command.

usage: make_shards.py CHANNEL [--only-shards] [--level N]
  --only-shards   remove repodata.json(.zst) afterwards (a channel that serves shards only)
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import msgpack


def packed_record(record):
    out = {}
    for key in sorted(record):
        value = record[key]
        if key in ("sha256", "md5") and isinstance(value, str):
            try:
                value = bytes.fromhex(value)
            except ValueError:
                pass
        out[key] = value
    return out


def compress_all(paths, level):
    # One zstd process per batch: tens of thousands of shards in seconds.
    for i in range(0, len(paths), 1000):
        subprocess.run(["zstd", "-q", "-f", "--rm", "-%d" % level] + paths[i:i + 1000], check=True)


def shard_subdir(folder, level):
    with open(os.path.join(folder, "repodata.json"), "rb") as f:
        repodata = json.load(f)
    subdir = (repodata.get("info") or {}).get("subdir") or os.path.basename(folder)
    by_name = {}
    for group in ("packages", "packages.conda"):
        for fn, record in (repodata.get(group) or {}).items():
            shard = by_name.setdefault(record["name"], {"packages": {}, "packages.conda": {}})
            shard[group][fn] = packed_record(record)
    shards_dir = os.path.join(folder, "shards")
    shutil.rmtree(shards_dir, ignore_errors=True)
    os.makedirs(shards_dir)
    names = sorted(by_name)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        paths = []
        for i, name in enumerate(names):
            shard = by_name[name]
            doc = {"packages": {k: shard["packages"][k] for k in sorted(shard["packages"])},
                   "packages.conda": {k: shard["packages.conda"][k]
                                      for k in sorted(shard["packages.conda"])},
                   "removed": []}
            path = os.path.join(tmp, "%d.msgpack" % i)
            with open(path, "wb") as f:
                f.write(msgpack.packb(doc, use_bin_type=True))
            paths.append(path)
        compress_all(paths, level)
        hashes = {}
        for i, name in enumerate(names):
            path = os.path.join(tmp, "%d.msgpack.zst" % i)
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).digest()
            hashes[name] = digest
            os.replace(path, os.path.join(shards_dir, digest.hex() + ".msgpack.zst"))
        index = {"version": 1,
                 "info": {"base_url": "", "shards_base_url": "./shards/", "subdir": subdir},
                 "shards": {name: hashes[name] for name in names}}
        path = os.path.join(tmp, "repodata_shards.msgpack")
        with open(path, "wb") as f:
            f.write(msgpack.packb(index, use_bin_type=True))
        compress_all([path], level)
        os.replace(path + ".zst", os.path.join(folder, "repodata_shards.msgpack.zst"))
    return len(names)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("channel")
    parser.add_argument("--only-shards", action="store_true")
    parser.add_argument("--level", type=int, default=3)
    args = parser.parse_args()
    count = 0
    for entry in sorted(os.listdir(args.channel)):
        folder = os.path.join(args.channel, entry)
        if os.path.isfile(os.path.join(folder, "repodata.json")):
            count += shard_subdir(folder, args.level)
            if args.only_shards:
                for name in ("repodata.json", "repodata.json.zst"):
                    if os.path.exists(os.path.join(folder, name)):
                        os.remove(os.path.join(folder, name))
    if count == 0:
        sys.exit("make_shards.py: error: no <subdir>/repodata.json under " + args.channel)


if __name__ == "__main__":
    main()
