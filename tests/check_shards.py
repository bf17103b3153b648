#!/usr/bin/env python3
"""A second, independent reader of envlock index output (python3-msgpack and the zstd CLI):
for each SUBDIR_DIR, checks that repodata.json.zst decompresses to repodata.json, that the CEP 16
index names one shard per package name, that each shard file's sha256 is its name and its
index entry, and that every record of repodata.json is in exactly one shard, equal to it once
md5/sha256 are turned from raw bytes back into hex. Prints one line per subdir; exits 1 on
the first disagreement.

    check_shards.py SUBDIR_DIR...
"""
import hashlib
import json
import os
import subprocess
import sys

import msgpack


def unzstd(path):
    return subprocess.run(["zstd", "-dcq", path], check=True, capture_output=True).stdout


def fail(msg):
    print("check_shards: " + msg, file=sys.stderr)
    sys.exit(1)


def check(subdir_dir):
    subdir = os.path.basename(os.path.normpath(subdir_dir))
    raw = open(os.path.join(subdir_dir, "repodata.json"), "rb").read()
    if unzstd(os.path.join(subdir_dir, "repodata.json.zst")) != raw:
        fail(subdir + ": repodata.json.zst is not repodata.json")
    repodata = json.loads(raw)
    if repodata["info"]["subdir"] != subdir:
        fail(subdir + ": info.subdir is " + repodata["info"]["subdir"])
    records = {}
    for section in ("packages", "packages.conda"):
        for fn, rec in repodata[section].items():
            records[fn] = rec
    index = msgpack.unpackb(unzstd(os.path.join(subdir_dir, "repodata_shards.msgpack.zst")))
    if index["version"] != 1 or index["info"]["subdir"] != subdir:
        fail(subdir + ": index version/subdir: %r" % (index["info"],))
    if index["info"]["shards_base_url"] != "./shards/":
        fail(subdir + ": shards_base_url " + index["info"]["shards_base_url"])
    names = {rec["name"] for rec in records.values()}
    if set(index["shards"]) != names:
        fail(subdir + ": index names differ from the record names")
    seen = {}
    for name, digest in sorted(index["shards"].items()):
        if not isinstance(digest, bytes) or len(digest) != 32:
            fail(subdir + ": shard hash of %s is not 32 raw bytes" % name)
        path = os.path.join(subdir_dir, "shards", digest.hex() + ".msgpack.zst")
        data = open(path, "rb").read()
        if hashlib.sha256(data).digest() != digest:
            fail(subdir + ": " + path + " does not hash to its name")
        shard = msgpack.unpackb(unzstd(path))
        if shard.get("removed") != []:
            fail(subdir + ": shard %s removed is %r" % (name, shard.get("removed")))
        for section in ("packages", "packages.conda"):
            for fn, rec in shard[section].items():
                if (section == "packages.conda") != fn.endswith(".conda"):
                    fail(subdir + ": %s in %s" % (fn, section))
                for key, size in (("sha256", 32), ("md5", 16)):
                    if key in rec:
                        if not isinstance(rec[key], bytes) or len(rec[key]) != size:
                            fail(subdir + ": %s %s is not %d raw bytes" % (fn, key, size))
                        rec[key] = rec[key].hex()
                if rec.get("name") != name:
                    fail(subdir + ": %s is in the shard of %s" % (fn, name))
                if fn in seen:
                    fail(subdir + ": %s is in two shards" % fn)
                seen[fn] = rec
                if records.get(fn) != rec:
                    fail(subdir + ": %s differs between the shard and repodata.json" % fn)
    if set(seen) != set(records):
        fail(subdir + ": %d records in repodata.json, %d in shards" % (len(records), len(seen)))
    print("%s: %d records in %d shards, all agree" % (subdir, len(records), len(index["shards"])))


for d in sys.argv[1:]:
    check(d)
