#!/usr/bin/env python3
"""Validate conda-lock v1 YAML files against conda-lock-v1.schema.json (JSON Schema 2020-12).

Usage: validate_lock.py SCHEMA LOCK.yml [LOCK.yml...]
Also checks the rules a schema cannot say: every package platform is listed in
metadata.platforms, and (name, manager, platform, category) is unique (CEP 37).
Exits 1 naming each invalid file and the first problems found.
"""
import json
import sys

import jsonschema
import yaml


def problems(validator, doc):
    out = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
           for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))]
    if out or not isinstance(doc, dict):
        return out
    platforms = set(doc["metadata"]["platforms"])
    seen = set()
    for i, p in enumerate(doc["package"]):
        if p["platform"] not in platforms:
            out.append(f"package/{i}: platform {p['platform']!r} not in metadata.platforms")
        key = (p["name"], p["manager"], p["platform"], p["category"])
        if key in seen:
            out.append(f"package/{i}: duplicate {key}")
        seen.add(key)
    return out


def main(argv):
    with open(argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in argv[2:]:
        with open(path) as f:
            doc = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        found = problems(validator, doc)
        if found:
            bad += 1
            print(f"{path}: INVALID")
            for line in found[:5]:
                print(f"  {line}")
        else:
            print(f"{path}: valid ({len(doc['package'])} packages)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
