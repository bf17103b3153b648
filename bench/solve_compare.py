#!/usr/bin/env python3
"""Compares our solver (bench/solve_compare.cc, libsolv) with the rattler/resolvo peer
(../shared/peers/solve.mjs) on the same corpus repodata and specs.

For each spec set it prints the packages whose version or build differ (or that only one side
installs) and both solve times. Needs node and an installed copy of the peers:

    cp -r ../shared/peers /tmp/peers && (cd /tmp/peers && npm ci)
    bazel build //bench:solve_compare
    python3 bench/solve_compare.py --ours bazel-bin/bench/solve_compare --peers /tmp/peers

Times: "first" is one cold call in a fresh process (for the peer it includes lazy WASM
compilation), "min" the best of --repeat calls; both include parsing the repodata JSON.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus",
                      "repodata")
VIRTUAL = "__unix=0,__linux=5.10,__glibc=2.28,__archspec=1=x86_64,__cuda=11.4"

# Channel lists in priority order: (channel name, [corpus files]).
R = [("pkgs/r", ["conda__r_linux-64.repodata.json"]),
     ("pkgs/main", ["conda__main_noarch.repodata.json", "conda__index4.legacy-dict.json"])]
PYTORCH = [("pytorch", ["rattler__pytorch_linux-64.repodata.json"]),
           ("pkgs/main", ["conda__main_noarch.repodata.json", "conda__index4.legacy-dict.json"])]
MAIN = [("pkgs/main", ["conda__main_noarch.repodata.json", "conda__index4.legacy-dict.json"])]

SPEC_SETS = [
    ("r-base", R, ["r-base"]),
    ("r-base 3.4", R, ["r-base 3.4.*"]),
    ("r-essentials", R, ["r-essentials"]),
    ("r-tidyverse", R, ["r-tidyverse"]),
    ("r-shiny+r-devtools", R, ["r-shiny", "r-devtools"]),
    ("r-caret r-base<3.5", R, ["r-caret", "r-base <3.5"]),
    ("r-irkernel", R, ["r-irkernel"]),
    ("pytorch", PYTORCH, ["pytorch"]),
    ("pytorch-cpu", PYTORCH, ["pytorch-cpu"]),
    ("torchvision", PYTORCH, ["torchvision"]),
    ("pytorch 1.0 + py3.6", PYTORCH, ["pytorch 1.0.*", "python 3.6.*"]),
    ("python", MAIN, ["python"]),
    ("python 2.7 + numpy", MAIN, ["python 2.7.*", "numpy"]),
    ("scipy+pandas", MAIN, ["scipy", "pandas"]),
    ("jupyter", MAIN, ["jupyter"]),
    ("conda", MAIN, ["conda"]),
]


def load_records(path):
    data = json.load(open(path))
    if isinstance(data, list):
        return [(r.get("fn") or "%s-%s-%s.tar.bz2" % (r["name"], r["version"], r["build"]), r)
                for r in data], None
    if "packages" in data:
        recs = list(data.get("packages", {}).items()) + list(data.get("packages.conda", {}).items())
        return recs, (data.get("info") or {}).get("subdir")
    return list(data.items()), None


def write_channels(channels, out):
    """Writes out/<channel>/<subdir>/repodata.json for every subdir present; returns the
    --repodata arguments (CHANNEL/SUBDIR=PATH)."""
    args = []
    for name, files in channels:
        by_subdir = {}
        for f in files:
            recs, fallback = load_records(os.path.join(CORPUS, f))
            for fn, r in recs:
                subdir = r.get("subdir") or fallback
                if subdir not in ("linux-64", "noarch"):
                    continue
                repo = by_subdir.setdefault(subdir, {"info": {"subdir": subdir}, "packages": {},
                                                     "packages.conda": {}})
                repo["packages.conda" if fn.endswith(".conda") else "packages"][fn] = r
        for subdir, repo in sorted(by_subdir.items()):
            folder = os.path.join(out, name.replace("/", "_"), subdir)
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, "repodata.json")
            with open(path, "w") as fh:
                json.dump(repo, fh)
            args += ["--repodata", "%s/%s=%s" % (name, subdir, path)]
    return args


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return {}, {"ok": False, "error": "timeout"}
    packages, summary = {}, {"ok": False, "error": p.stderr.strip()[-300:]}
    for line in p.stdout.splitlines():
        if not line.startswith("{"):
            continue
        j = json.loads(line)
        if j.get("_meta") == "summary":
            summary = j
        else:
            packages[j["name"]] = j
    return packages, summary


def ms(summary, key):
    v = summary.get(key)
    return "%.0f" % v if isinstance(v, (int, float)) else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ours", required=True, help="the solve_compare binary")
    ap.add_argument("--peers", default="/tmp/peers", help="installed copy of shared/peers")
    ap.add_argument("--peer", default="rattler")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", help="run only spec sets whose label contains this")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="solve_compare.")
    written = {}
    rows = []
    for label, channels, specs in SPEC_SETS:
        if args.only and args.only not in label:
            continue
        key = json.dumps(channels)
        if key not in written:
            written[key] = write_channels(channels, os.path.join(tmp, "c%d" % len(written)))
        repodata = written[key]
        common = repodata + ["--virtual", VIRTUAL, "--repeat", str(args.repeat)]
        ours, ours_sum = run([args.ours] + common + specs, 600)
        peer, peer_sum = run(["node", os.path.join(args.peers, "solve.mjs"), "--peer", args.peer,
                              "--lenient", "--timeout", "300"] + common + specs, 900)
        print("== %s: %s" % (label, " ".join(specs)))
        if not ours_sum.get("ok") or not peer_sum.get("ok"):
            print("   ours: %s" % ("ok" if ours_sum.get("ok") else
                                  "FAILED " + str(ours_sum.get("error"))[:400]))
            print("   peer: %s" % ("ok" if peer_sum.get("ok") else
                                  "FAILED " + str(peer_sum.get("error"))[:400]))
        diffs = []
        for name in sorted(set(ours) | set(peer)):
            a, b = ours.get(name), peer.get(name)
            fa = "%s %s" % (a["version"], a["build"]) if a else "-"
            fb = "%s %s" % (b["version"], b["build"]) if b else "-"
            if fa != fb:
                diffs.append((name, fa, fb))
        for name, fa, fb in diffs:
            print("   %-28s ours %-32s peer %s" % (name, fa, fb))
        print("   packages: ours %d, peer %d; differing %d; solve ms ours first %s min %s, "
              "peer first %s min %s" % (len(ours), len(peer), len(diffs), ms(ours_sum, "solve_ms"),
                                        ms(ours_sum, "solve_ms_min"), ms(peer_sum, "solve_ms"),
                                        ms(peer_sum, "solve_ms_min")))
        rows.append((label, len(ours), len(peer), len(diffs), ours_sum, peer_sum))
    print()
    print("| spec set | ours pkgs | peer pkgs | differ | ours ms (first/min) | peer ms (first/min) |")
    print("|---|---|---|---|---|---|")
    for label, n_ours, n_peer, n_diff, o, p in rows:
        def cell(n, s):
            return str(n) if s.get("ok") else "unsat/err"
        print("| %s | %s | %s | %d | %s / %s | %s / %s |" % (
            label, cell(n_ours, o), cell(n_peer, p), n_diff, ms(o, "solve_ms"),
            ms(o, "solve_ms_min"), ms(p, "solve_ms"), ms(p, "solve_ms_min")))


if __name__ == "__main__":
    sys.exit(main())
