#!/usr/bin/env python3
"""Checks every rule file against Jurisdictions/schema/rule.schema.json (shape only; `breachclock
rules validate` checks the rest). Scalars are read as text, so type mismatches are not reported here."""
import glob, json, os, sys

try:
    import jsonschema, yaml
except ImportError:
    # A check that cannot run fails: a skipped schema check would look like a passed one.
    print("schema check cannot run: install python3's jsonschema and PyYAML (python3 -m pip install jsonschema pyyaml)")
    sys.exit(1)

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Jurisdictions")
schema = json.load(open(os.path.join(root, "schema", "rule.schema.json")))
validator = jsonschema.Draft202012Validator(schema)
failures = 0
files = [f for f in sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True)) if "/calendars/" not in f]
for path in files:
    document = yaml.load(open(path), Loader=yaml.BaseLoader)
    errors = [e for e in validator.iter_errors(document) if "is not of type" not in e.message]
    for error in errors:
        failures += 1
        where = "/".join(str(p) for p in error.path)
        print(f"{os.path.relpath(path, root)}: {where}: {error.message}")
print(f"schema: {len(files)} rule files, {failures} problems")
sys.exit(1 if failures else 0)
