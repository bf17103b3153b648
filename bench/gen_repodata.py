#!/usr/bin/env python3
"""Deterministic generator of conda-forge-scale repodata for benchmarks.

Writes <out>/linux-64/repodata.json (465,679 records, about 243 MB by default) and
<out>/noarch/repodata.json (190,480 records, about 88 MB, compact JSON), shaped like conda-forge's:
about 25k package names with power-law version counts, python-variant builds (py310..py313), run-time
pins ("libzlib >=1.3.1,<2.0a0"), constrains, a few track_features, .conda and .tar.bz2 keys.
Dependencies point from later names to earlier ones, mostly to the first (popular) names, so the
graph has no cycles and a request closes over a few hundred packages; `specs.txt` lists request
sets that exercise the solver.

usage: gen_repodata.py OUT_DIR [--scale 1.0] [--seed 20261127]
"""
import argparse
import hashlib
import json
import os
import random

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
SYLLABLES = ["lib", "py", "ar", "zo", "net", "cu", "tex", "geo", "bio", "sci", "data", "xml",
             "img", "snd", "num", "mat", "plot", "web", "sql", "io", "crypt", "comp", "ml",
             "dask", "arrow", "proj", "hdf", "gdal", "tbb", "blas", "fft", "mpi", "qt", "gtk"]
LICENSES = ["MIT", "BSD-3-Clause", "Apache-2.0", "GPL-3.0-or-later", "LGPL-2.1-only", "MPL-2.0"]


def make_names(rng, count):
    names, seen = [], set()
    while len(names) < count:
        n = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([1, 2, 2, 3])))
        n += rng.choice(["", "", "-" + rng.choice(SYLLABLES), str(rng.randint(1, 9))])
        if rng.random() < 0.3:
            n = "r-" + n if rng.random() < 0.3 else "py" + n
        if n not in seen and n not in ("python", "numpy", "libgcc"):
            seen.add(n)
            names.append(n)
    return ["python", "libgcc", "numpy"] + names[:-3]


def versions_for(rng, count):
    major = rng.randint(0, 5)
    minor = rng.randint(0, 20)
    patch = 0
    out = []
    for _ in range(count):
        r = rng.random()
        if r < 0.6:
            patch += 1
        elif r < 0.9:
            minor, patch = minor + 1, 0
        else:
            major, minor, patch = major + 1, 0, 0
        out.append(f"{major}.{minor}.{patch}")
    return out


def upper_pin(version):
    parts = version.split(".")
    return f"{parts[0]}.{int(parts[1]) + 1}.0a0" if parts[0] == "0" else f"{int(parts[0]) + 1}.0a0"


def generate(out_dir, subdir, n_records, n_names, rng, python_versions_ref):
    names = make_names(rng, n_names)
    if subdir == "noarch":
        # python and libgcc live in linux-64 only; the prefix keeps the two name sets apart.
        names = ["n-" + n for n in names[3:]]
    # Power-law share of records per name (a few names have thousands of builds).
    weights = [1.0 / (i + 1) ** 0.9 for i in range(len(names))]
    rng.shuffle(weights)
    total_w = sum(weights)
    plan = [max(1, int(n_records * w / total_w)) for w in weights]
    # Python-variant names get whole versions (one build per python), so that every version
    # a dependency pin selects exists for every python; the other names absorb the remainder.
    variant = [subdir == "linux-64" and i > 2 and rng.random() < 0.35 for i in range(len(names))]
    if subdir == "linux-64":
        plan[0] = len(PYTHONS) * 8  # python: eight releases of each minor, whatever its weight
    for i, v in enumerate(variant):
        if v:
            plan[i] = max(len(PYTHONS), (plan[i] + len(PYTHONS) - 1) // len(PYTHONS) * len(PYTHONS))
    diff = n_records - sum(plan)
    i = 0
    while diff != 0:
        j = i % len(plan)
        step = 1 if diff > 0 else -1
        if not variant[j] and plan[j] + step >= 1:
            plan[j] += step
            diff -= step
        i += 1
    packages, packages_conda = {}, {}
    published = {}  # name -> list of versions, for dependency pins
    ts0 = 1_500_000_000_000
    for idx, (name, count) in enumerate(zip(names, plan)):
        is_python = name == "python"
        python_variant = variant[idx]
        builds_per_version = len(PYTHONS) if python_variant else rng.choice([1, 1, 2, 3])
        if is_python:
            builds_per_version = 1  # one build per release, so every minor is published
        n_versions = max(1, -(-count // builds_per_version))
        if is_python:
            vers = [f"{p}.{k}" for p in PYTHONS for k in range(max(1, count // len(PYTHONS)))]
        elif name == "libgcc":
            vers = [f"{13 + k // 10}.{k % 10}.0" for k in range(n_versions)]
        else:
            vers = versions_for(rng, n_versions)
        published[name] = vers
        # Dependencies: earlier names only (acyclic), picked once per name with some churn.
        n_deps = 0 if idx < 3 else min(idx, rng.choice([0, 1, 2, 3, 3, 4, 5, 6, 8]))
        # Skewed towards the first (most depended-on) names, as in conda-forge where most
        # packages need a few popular ones (libgcc, zlib, numpy): closures of a few hundred
        # packages, not of most of the channel (a uniform pick made 10k-package solves).
        base_deps = sorted({int(idx * rng.random() ** 3) for _ in range(n_deps)}) if idx else []
        made = 0
        for vi, version in enumerate(vers):
            for b in range(builds_per_version):
                if made >= count:
                    break
                made += 1
                build_number = rng.choice([0, 0, 0, 1, 2])
                depends = []
                if python_variant:
                    py = PYTHONS[b % len(PYTHONS)]
                    major, minor = py.split(".")
                    depends.append(f"python >={py},<{major}.{int(minor) + 1}.0a0")
                    build = f"py{major}{minor}h{rng.getrandbits(28):07x}_{build_number}"
                elif is_python:
                    build = f"h{rng.getrandbits(28):07x}_{build_number}_cpython"
                else:
                    build = f"h{rng.getrandbits(28):07x}_{build_number}"
                for d in base_deps:
                    dn = names[d]
                    dv = published.get(dn)
                    if not dv or dn == "python":
                        continue
                    # Lower bounds rise with this package's own version but stay in the older
                    # half of the dependency's versions; upper bounds admit its newest version.
                    # So newest-of-everything always solves, and older pins in specs.txt force
                    # the solver to search.
                    pin = dv[int((len(dv) - 1) * 0.5 * (vi + 1) / len(vers))]
                    style = rng.random()
                    if style < 0.55:
                        depends.append(f"{dn} >={pin},<{upper_pin(dv[-1])}")
                    elif style < 0.8:
                        depends.append(f"{dn} >={pin}")
                    else:
                        depends.append(dn)
                if subdir == "linux-64" and rng.random() < 0.4:
                    depends.append("__glibc >=2.17,<3.0.a0")
                if subdir == "linux-64" and idx > 50 and rng.random() < 0.3:
                    depends.append("libgcc >=13")
                rec = {
                    "build": build,
                    "build_number": build_number,
                    "depends": sorted(set(depends)),
                    "license": rng.choice(LICENSES),
                    "md5": hashlib.md5(f"{name}{version}{build}".encode()).hexdigest(),
                    "name": name,
                    "sha256": hashlib.sha256(f"{name}{version}{build}".encode()).hexdigest(),
                    "size": rng.randint(2_000, 60_000_000),
                    "subdir": subdir,
                    "timestamp": ts0 + idx * 1000 + vi * 86_400_000,
                    "version": version,
                }
                if rng.random() < 0.05:
                    cn = names[rng.randrange(0, max(1, idx))] if idx else "python"
                    # At least its oldest version: constrains narrow, never rule a name out.
                    rec["constrains"] = [f"{cn} >={published.get(cn, ['0'])[0]}"]
                if rng.random() < 0.01:
                    rec["track_features"] = "debug"
                if subdir == "noarch":
                    rec["noarch"] = "python" if rng.random() < 0.8 else "generic"
                    if rec["noarch"] == "python":
                        rec["depends"] = sorted(set(rec["depends"] + ["python >=3.9"]))
                fn = f"{name}-{version}-{build}"
                if rng.random() < 0.6:
                    packages_conda[fn + ".conda"] = rec
                else:
                    packages[fn + ".tar.bz2"] = rec
    os.makedirs(os.path.join(out_dir, subdir), exist_ok=True)
    doc = {"info": {"subdir": subdir}, "packages": packages, "packages.conda": packages_conda,
           "removed": [], "repodata_version": 1}
    path = os.path.join(out_dir, subdir, "repodata.json")
    with open(path, "w") as f:
        # linux-64 one key per line (as conda-forge writes it); noarch compact, so both files
        # have conda-forge's sizes (about 243 MB and 87 MB).
        if subdir == "noarch":
            json.dump(doc, f, separators=(",", ":"), sort_keys=True)
        else:
            json.dump(doc, f, indent=1, sort_keys=True)
    return names, published


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    names, published = generate(args.out, "linux-64", int(465_679 * args.scale),
                                int(25_000 * args.scale) or 50, rng, None)
    generate(args.out, "noarch", int(190_480 * args.scale), int(12_000 * args.scale) or 30, rng, None)
    # linux-64's names, most depended-on first (for the cold-path requests of bench/run).
    with open(os.path.join(args.out, "names.txt"), "w") as f:
        f.write("".join(n + "\n" for n in names))
    # Request sets: deep names (late in the order have the longest dependency chains).
    picks = random.Random(args.seed + 1)
    with open(os.path.join(args.out, "specs.txt"), "w") as f:
        for size in (1, 5, 20):
            chosen = picks.sample(names[len(names) // 2:], size)
            f.write(";".join(["python 3.12.*"] + chosen) + "\n")
        # The same kind of request with a few names held below their newest version.
        chosen = picks.sample(names[len(names) // 2:], 10)
        held = [f"{n} <={published[n][len(published[n]) // 2]}" for n in chosen[:3]
                if len(published[n]) > 2]
        f.write(";".join(["python 3.11.*"] + held + chosen[3:]) + "\n")


if __name__ == "__main__":
    main()
