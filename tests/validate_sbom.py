"""validate_sbom.py SCHEMAS_DIR cyclonedx|spdx FILE: validates FILE against the official
CycloneDX 1.6 or SPDX 2.3 JSON Schema (read in place), resolving the CycloneDX schema's relative
$refs from its folder. Exit 0 valid; 1 with the first errors on stderr."""
import json
import os
import sys

import jsonschema

schemas, kind, path = sys.argv[1:4]
if kind == "cyclonedx":
    folder = os.path.join(schemas, "cyclonedx")
    store = {}
    for name in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
        with open(os.path.join(folder, name)) as f:
            doc = json.load(f)
        store[doc["$id"]] = doc
        store[name] = doc
    schema = store["bom-1.6.schema.json"]
    validator_class = jsonschema.Draft7Validator
else:
    with open(os.path.join(schemas, "spdx", "spdx-schema.json")) as f:
        schema = json.load(f)
    store = {schema["$id"]: schema}
    validator_class = jsonschema.Draft201909Validator
resolver = jsonschema.RefResolver.from_schema(schema, store=store)
validator = validator_class(schema, resolver=resolver,
                            format_checker=jsonschema.FormatChecker())
with open(path) as f:
    document = json.load(f)
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
for e in errors[:5]:
    print("%s: %s: %s" % (path, "/".join(map(str, e.absolute_path)), e.message), file=sys.stderr)
sys.exit(1 if errors else 0)
