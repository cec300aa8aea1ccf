"""Validates webhook payloads against octokit's JSON schema for their event and action.

Usage: validate_webhooks.py SCHEMA PAYLOAD.json...  (each file: {"event": ..., "payload": ...})
Prints each violation and exits 1 when any payload is invalid.
"""
import json
import sys

from jsonschema import Draft7Validator

schema = json.load(open(sys.argv[1]))
definitions = schema["definitions"]
invalid = 0
for path in sys.argv[2:]:
    delivery = json.load(open(path))
    event, payload = delivery["event"], delivery["payload"]
    action = payload.get("action")
    key = f"{event}${action}" if action else f"{event}$event"
    if key not in definitions:
        print(f"{path}: no schema for {key}")
        invalid += 1
        continue
    validator = Draft7Validator({"$ref": f"#/definitions/{key}", "definitions": definitions})
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path))
    for error in errors[:10]:
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{path}: {key}: {where}: {error.message[:300]}")
    invalid += bool(errors)
print(f"{len(sys.argv) - 2} payloads, {invalid} invalid")
sys.exit(1 if invalid else 0)
