#!/usr/bin/env python3
"""Checks soapbridge's OpenAPI documents with an independent validator.

    check_openapi.py DOC.json [SAMPLES.json]

DOC.json must be a valid OpenAPI 3.1 document (openapi-spec-validator).
SAMPLES.json, when given, is a list of {"method", "path", "status", "body"}
(`path` as the document names it, with its {parameters}): answers
the live REST facade gave; each body must validate (jsonschema, draft
2020-12) against the document's schema for that path and status.
Prints one line per check; exit 1 on any failure.
"""

import json
import sys

import jsonschema
from openapi_spec_validator import validate


def pointer_token(s):
    return s.replace("~", "~0").replace("/", "~1")


def main():
    doc = json.load(open(sys.argv[1]))
    validate(doc)
    print(f"ok    {sys.argv[1]} is a valid OpenAPI {doc['openapi']} document")
    failures = 0
    if len(sys.argv) > 2:
        for s in json.load(open(sys.argv[2])):
            method = s.get("method", "post").lower()
            responses = doc["paths"][s["path"]][method]["responses"]
            status = str(s["status"])
            content = responses[status]["content"]
            media = next(iter(content))
            ref = "#/paths/{}/{}/responses/{}/content/{}/schema".format(
                pointer_token(s["path"]), method, status, pointer_token(media))
            schema = dict(doc)
            schema["$ref"] = ref
            try:
                jsonschema.Draft202012Validator(schema).validate(s["body"])
                print(f"ok    {method.upper()} {s['path']} {status} answer fits its schema")
            except jsonschema.ValidationError as e:
                failures += 1
                print(f"FAIL  {s['path']} {status}: {e.message} at {list(e.absolute_path)}")
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
