#!/usr/bin/env python3
"""Checks every rule file against Jurisdictions/schema/rule.schema.json (shape only; `breachclock
rules validate` checks the rest). Scalars are read as text (YAML's base loader), so a scalar where the
schema wants a number or a boolean is not reported here; a list where it wants a mapping is.

  scripts/check-schema.py               the rules database
  scripts/check-schema.py --agreement   Tests/Fixtures/rule-agreement: every file under accepted/ must
                                        pass and every file under refused/ must fail, the verdicts the
                                        Swift decoder must give the same files (RuleAgreementTests)"""
import glob, json, os, sys

try:
    import jsonschema, yaml
except ImportError:
    # A check that cannot run fails: a skipped schema check would look like a passed one.
    print("schema check cannot run: install python3's jsonschema and PyYAML (python3 -m pip install jsonschema pyyaml)")
    sys.exit(1)

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "Jurisdictions")
schema = json.load(open(os.path.join(root, "schema", "rule.schema.json")))
validator = jsonschema.Draft202012Validator(schema)
SCALAR_TYPES = {"number", "integer", "boolean", "null"}


def problems(path):
    document = yaml.load(open(path), Loader=yaml.BaseLoader)
    found = []
    for error in validator.iter_errors(document):
        if error.validator == "type" and isinstance(error.instance, str):
            wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            if set(wanted) <= SCALAR_TYPES:
                continue  # a scalar read as text; the decoder checks its type
        found.append(("/".join(str(p) for p in error.path), error.message))
    return found


if sys.argv[1:] == ["--agreement"]:
    folder = os.path.join(here, "..", "Tests", "Fixtures", "rule-agreement")
    disagreements = 0
    for verdict in ("accepted", "refused"):
        for path in sorted(glob.glob(os.path.join(folder, verdict, "*.yaml"))):
            found = problems(path)
            if (verdict == "accepted") != (not found):
                disagreements += 1
                print(f"{verdict}/{os.path.basename(path)}: the schema {'refuses' if found else 'accepts'} it: {found[:1]}")
    print(f"schema agreement: {disagreements} disagreements")
    sys.exit(1 if disagreements else 0)

failures = 0
files = [f for f in sorted(glob.glob(os.path.join(root, "**", "*.yaml"), recursive=True)) if "/calendars/" not in f]
for path in files:
    for where, message in problems(path):
        failures += 1
        print(f"{os.path.relpath(path, root)}: {where}: {message}")
print(f"schema: {len(files)} rule files, {failures} problems")
sys.exit(1 if failures else 0)
