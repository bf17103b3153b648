#!/usr/bin/env python3
"""Writes seed inputs for one fuzz target into a folder, read in place from the corpus.

Usage: fuzz_seeds.py TARGET CORPUS_DIR OUT_DIR. Corpus files are never copied into the
repository: seeds live in OUT_DIR (a scratch folder of tools/fuzz.sh). Large files are cut down
(repodata keeps its first records) so that executions stay fast.
"""
import hashlib
import io
import json
import os
import sys
import tarfile

MAX_FILE = 256 * 1024


def files(root, suffixes=None, max_size=MAX_FILE):
    for base, _, names in os.walk(root):
        for name in sorted(names):
            path = os.path.join(base, name)
            if suffixes and not name.endswith(tuple(suffixes)):
                continue
            if os.path.getsize(path) <= max_size:
                yield path


def write(out, data):
    if isinstance(data, str):
        data = data.encode()
    digest = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, digest), "wb") as f:
        f.write(data)


def strings_in(value, found):
    if isinstance(value, str):
        if 0 < len(value) < 200:
            found.add(value)
    elif isinstance(value, list):
        for v in value:
            strings_in(v, found)
    elif isinstance(value, dict):
        for k, v in value.items():
            strings_in(k, found)
            strings_in(v, found)


def spec_strings(corpus, out):
    found = set()
    for path in files(os.path.join(corpus, "conformance"), [".json"]):
        with open(path, encoding="utf-8", errors="replace") as f:
            try:
                strings_in(json.load(f), found)
            except ValueError:
                pass
    for path in files(os.path.join(corpus, "conformance", "rattler"), [".txt"]):
        with open(path, encoding="utf-8", errors="replace") as f:
            found.update(line.strip() for line in f if 0 < len(line.strip()) < 200)
    for s in sorted(found)[:3000]:
        write(out, s)


def small_repodata(path):
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) <= 16 * 1024:
        return raw
    try:
        doc = json.loads(raw)
    except ValueError:
        return raw[: 16 * 1024]
    if not isinstance(doc, dict):
        return raw[: 16 * 1024]
    keys = [k for k in ("packages", "packages.conda") if isinstance(doc.get(k), dict)]
    if not keys:  # a bare {filename: record} dictionary
        return json.dumps(dict(list(doc.items())[:12]), indent=1).encode()
    for key in keys:
        doc[key] = dict(list(doc[key].items())[:12])
    return json.dumps(doc, indent=1).encode()


def repodata(corpus, out):
    for path in files(os.path.join(corpus, "repodata"), [".json"], max_size=1 << 30):
        write(out, small_repodata(path))


def shard(corpus, out):
    """Corpus repodata records as CEP 16 shards (uncompressed msgpack, one per name)."""
    try:
        import msgpack  # python3-msgpack
    except ImportError:
        return
    for path in files(os.path.join(corpus, "repodata"), [".json"], max_size=1 << 30):
        try:
            doc = json.loads(small_repodata(path))
        except ValueError:
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("packages"), dict):
            continue
        by_name = {}
        for fn, rec in doc["packages"].items():
            if isinstance(rec, dict) and isinstance(rec.get("name"), str):
                rec = dict(rec)
                for key in ("sha256", "md5"):
                    try:
                        rec[key] = bytes.fromhex(rec[key])
                    except (KeyError, TypeError, ValueError):
                        pass
                by_name.setdefault(rec["name"], {})[fn] = rec
        for name, records in list(by_name.items())[:4]:
            write(out, msgpack.packb({"packages": records, "packages.conda": {}, "removed": []},
                                     use_bin_type=True))


def package_json(corpus, out):
    for path in files(os.path.join(corpus, "packages"), [".tar.bz2"]):
        try:
            with tarfile.open(path, "r:bz2") as tar:
                parts = []
                for member in ("info/index.json", "info/paths.json", "info/link.json"):
                    try:
                        parts.append(tar.extractfile(member).read())
                    except (KeyError, AttributeError):
                        parts.append(None)
        except (tarfile.TarError, OSError, EOFError):
            continue
        present = [p for p in parts if p is not None]
        if parts[0] is not None:
            write(out, b"\0".join(p for p in parts if p is not None))


def copy_files(root, suffixes=None):
    def seeds(corpus, out):
        for path in files(os.path.join(corpus, root), suffixes):
            with open(path, "rb") as f:
                write(out, f.read())
    return seeds


TARGETS = {
    "pypi_requirement": None,
    "pypi_wheel": None,
    "spec_strings": spec_strings,
    "environment": copy_files("lockfiles", [".yml", ".yaml"]),
    "lock": copy_files("lockfiles"),
    "repodata": repodata,
    "repodata_index": repodata,
    "conda_meta": copy_files("conda-meta"),
    "package_archive": copy_files("packages", [".conda", ".tar.bz2"]),
    "package_json": package_json,
    "http_headers": None,
    "export": copy_files("lockfiles"),
    "run_state": None,
    "simple_page": None,
    "archive": None,  # its saved inputs in fuzz/archive/ only
    "shard": shard,
}


def main():
    target, corpus, out = sys.argv[1:4]
    if target not in TARGETS:
        sys.exit("unknown fuzz target %s (known: %s)" % (target, ", ".join(sorted(TARGETS))))
    os.makedirs(out, exist_ok=True)
    if TARGETS[target] is not None and os.path.isdir(corpus):
        TARGETS[target](corpus, out)


if __name__ == "__main__":
    main()
