#!/usr/bin/python3
"""validate_events.py: checks change events against schemas/change-event.schema.json.

usage: validate_events.py [FILE...]   (standard input when no FILE is given)

Reads one event (a Kafka message value) per line. Empty lines are tombstones and are counted,
not validated. Each event must be valid JSON, valid against the schema (JSON Schema draft
2020-12), and obey what the schema cannot say: a column named in "unchanged" is absent from
"after". Prints "N events valid (M tombstones)" and exits 0, or prints the first failure (file,
line, the event, the reason) and exits 1.
"""
import json
import os
import sys

import jsonschema

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas",
                      "change-event.schema.json")


def problem(event):
    """The first problem of EVENT beyond the schema, or None."""
    after = event.get("after")
    for col in event.get("unchanged", []):
        if isinstance(after, dict) and col in after:
            return "column %r is listed in unchanged and present in after" % col
    return None


def main(argv):
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    names = argv[1:] or ["-"]
    valid = tombstones = 0
    for name in names:
        stream = sys.stdin if name == "-" else open(name, encoding="utf-8")
        with stream:
            for lineno, line in enumerate(stream, 1):
                line = line.rstrip("\n")
                if not line:
                    tombstones += 1
                    continue
                where = "%s:%d" % ("stdin" if name == "-" else name, lineno)
                try:
                    event = json.loads(line)
                except ValueError as e:
                    print("%s: not JSON (%s): %s" % (where, e, line[:2000]))
                    return 1
                error = jsonschema.exceptions.best_match(validator.iter_errors(event))
                reason = None
                if error is not None:
                    path = "/".join(str(p) for p in error.absolute_path) or "(top)"
                    reason = "at %s: %s" % (path, error.message)
                else:
                    reason = problem(event)
                if reason:
                    print("%s: invalid event: %s\n  event: %s" % (where, reason, line[:2000]))
                    return 1
                valid += 1
    print("%d events valid (%d tombstones)" % (valid, tombstones))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
