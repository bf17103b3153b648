#!/usr/bin/env python3
"""Stores the rattler/resolvo peer's answers for the spec sets that lib/lock's corpus test
compares our solver with, build for build (testdata/peer_solves/rattler.json).

Re-run it when the spec sets change or the peer is upgraded; the test itself needs no node:

    cp -r ../shared/peers /tmp/peers && (cd /tmp/peers && npm ci)
    python3 bench/peer_answers.py --peers /tmp/peers

The channels are the corpus files of bench/solve_compare.py (written out as repodata.json per
subdir, as the peer reads them); the virtual packages are the test's.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import solve_compare  # noqa: E402  (channel lists and the repodata writer)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "testdata", "peer_solves", "rattler.json")
VIRTUAL = "__unix=0,__linux=5.10,__glibc=2.28,__archspec=1=x86_64"

CHANNELS = {"main": solve_compare.MAIN, "r": solve_compare.R, "pytorch": solve_compare.PYTORCH}

# (label, channels, specs): conda's 2018 pkgs/main (index4) and pkgs/r.
SPEC_SETS = [
    ("python", "main", ["python"]),
    ("python 2.7 numpy", "main", ["python 2.7.*", "numpy"]),
    ("python 3.6 pyqt", "main", ["python 3.6.*", "pyqt"]),
    ("python 2.7 functools32", "main", ["python 2.7.*", "functools32"]),
    ("python 2.7 jupyter", "main", ["python 2.7.*", "jupyter"]),
    ("jupyter", "main", ["jupyter"]),
    ("conda", "main", ["conda"]),
    ("python 3.6 flask requests", "main", ["python 3.6.*", "flask", "requests >=2.18"]),
    ("python 3.5 pandas", "main", ["python 3.5.*", "pandas"]),
    ("python 3.6 matplotlib", "main", ["python 3.6.*", "matplotlib"]),
    ("scipy pandas", "main", ["scipy", "pandas"]),
    ("nomkl numpy", "main", ["nomkl", "numpy"]),
    ("r-base", "r", ["r-base"]),
    ("r-base 3.4", "r", ["r-base 3.4.*"]),
    ("r-essentials", "r", ["r-essentials"]),
    ("r-shiny r-devtools", "r", ["r-shiny", "r-devtools"]),
    ("r-tidyverse", "r", ["r-tidyverse"]),
    ("r-magrittr r-base", "r", ["r-magrittr", "r-base"]),
    ("pytorch-cpu", "pytorch", ["pytorch-cpu"]),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peers", default="/tmp/peers", help="installed copy of shared/peers")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="peer_answers.")
    written = {}
    cases = []
    peer_version = None
    for label, channels, specs in SPEC_SETS:
        if channels not in written:
            written[channels] = solve_compare.write_channels(CHANNELS[channels],
                                                             os.path.join(tmp, channels))
        cmd = ["node", os.path.join(args.peers, "solve.mjs"), "--peer", "rattler", "--lenient",
               "--timeout", "300", "--virtual", VIRTUAL] + written[channels] + specs
        packages, summary = solve_compare.run(cmd, 900)
        peer_version = summary.get("peer_version", peer_version)
        case = {"label": label, "channels": channels, "specs": specs}
        if summary.get("ok"):
            case["packages"] = {n: "%s %s" % (p["version"], p["build"])
                                for n, p in sorted(packages.items())}
        else:
            case["unsatisfiable"] = True
        cases.append(case)
        print("%-28s %s" % (label, "%d packages" % len(packages) if summary.get("ok")
                            else "unsatisfiable"), file=sys.stderr)
    with open(args.out, "w") as fh:
        json.dump({"peer": "rattler %s (@conda-org/rattler, resolvo)" % peer_version,
                   "virtual": VIRTUAL, "cases": cases}, fh, indent=1, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    sys.exit(main())
