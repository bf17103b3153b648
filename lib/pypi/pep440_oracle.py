#!/usr/bin/python3
"""Prints PEP 440 answers of pip's vendored pypa/packaging for generated version strings.

One JSON array per line: [text, normalised or null]. The strings are built from a fixed seed out
of the pieces PEP 440 versions are made of, so the same run gives the same lines; version_pip_test
compares lib/pypi's Version with them.
"""
import json
import random
import sys

from pip._vendor.packaging.version import InvalidVersion, Version

PIECES = ["1", "0", "2", "10", "01", "007", ".", "-", "_", "a", "b", "c", "rc", "alpha", "beta",
          "pre", "preview", "post", "rev", "r", "dev", "+", "!", "v", "V", "local", "x", "1a",
          " ", "\t", "DEV", "Post", "RC", "12345678901"]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    rng = random.Random(440)
    seen = set()
    while len(seen) < count:
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 9)))
        if text in seen:
            continue
        seen.add(text)
        try:
            answer = str(Version(text))
        except InvalidVersion:
            answer = None
        print(json.dumps([text, answer]))


if __name__ == "__main__":
    main()
