#!/usr/bin/env python3
"""Stores how the rattler peer loads the repodata.json that `envlock index` writes for the demo
channel's packages (testdata/peer_solves/rattler_index.json), so that
lib/index's test compares our reading of the same files with rattler's, record by record,
without node at test time.

    cp -r ../shared/peers /tmp/peers && (cd /tmp/peers && npm ci)
    bazel build //tools/envlock //testdata:demo_channel
    python3 bench/peer_index_answers.py --peers /tmp/peers --envlock bazel-bin/tools/envlock/envlock \
        --demo bazel-bin/testdata/demo_channel

For every record the peer is asked to solve `name==version=build` (one record, its
dependencies from the same channel); what it prints for that record is the peer's loading of
it: name, version, build, build_number, subdir, file name, md5, sha256, timestamp, depends,
constrains. Re-run when the demo packages, the indexer's output or the peer change.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "testdata", "peer_solves", "rattler_index.json")
VIRTUAL = "__unix=0,__linux=5.10,__glibc=2.28,__archspec=1=x86_64"
FIELDS = ("name", "version", "build", "build_number", "subdir", "filename", "md5", "sha256",
          "timestamp", "depends", "constrains")


def copy_packages(src, dest):
    for sub in sorted(os.listdir(src)):
        d = os.path.join(src, sub)
        if not os.path.isdir(d):
            continue
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".conda") or fn.endswith(".tar.bz2"):
                os.makedirs(os.path.join(dest, sub), exist_ok=True)
                shutil.copyfile(os.path.join(d, fn), os.path.join(dest, sub, fn))


def answers_for(label, src, args, work):
    channel = os.path.join(work, label)
    copy_packages(src, channel)
    subprocess.run([args.envlock, "index", channel], check=True, stdout=subprocess.DEVNULL)
    subdirs = sorted(s for s in os.listdir(channel)
                     if os.path.exists(os.path.join(channel, s, "repodata.json")))
    out = {}
    for s in subdirs:
        # The record's own subdir (noarch: linux-64) and noarch, nothing else.
        platform = "linux-64" if s == "noarch" else s
        repodata = []
        for r in sorted({platform, "noarch"} & set(subdirs)):
            repodata += ["--repodata", "%s/%s=%s" % (label, r, os.path.join(channel, r,
                                                                             "repodata.json"))]
        doc = json.load(open(os.path.join(channel, s, "repodata.json")))
        for section in ("packages.conda", "packages"):
            for fn, rec in sorted(doc[section].items()):
                spec = "%s==%s=%s" % (rec["name"], rec["version"], rec["build"])
                p = subprocess.run(
                    ["node", os.path.join(args.peers, "solve.mjs"), "--peer", "rattler",
                     "--platform", platform, "--virtual", VIRTUAL, "--with-depends"] + repodata
                    + [spec], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                for line in p.stdout.splitlines():
                    got = json.loads(line)
                    if got.get("filename") == fn:
                        out["%s/%s/%s" % (label, s, fn)] = {k: got.get(k) for k in FIELDS}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", required=True)
    ap.add_argument("--envlock", required=True)
    ap.add_argument("--demo", required=True, help="bazel-bin/testdata/demo_channel")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="peer-index-")
    try:
        answers = answers_for("demo", args.demo, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peer = subprocess.run(["node", "-e", "console.log(require('%s/node_modules/@conda-org/rattler"
                           "/package.json').version)" % args.peers], stdout=subprocess.PIPE,
                          text=True).stdout.strip()
    with open(OUT, "w") as f:
        json.dump({"peer": "@conda-org/rattler " + peer, "virtual": VIRTUAL, "records": answers},
                  f, indent=1, sort_keys=True)
        f.write("\n")
    print("%d records -> %s" % (len(answers), OUT))
    return 0 if answers else 1


if __name__ == "__main__":
    sys.exit(main())
