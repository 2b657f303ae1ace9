"""schemathesis hooks for soapbridge's REST facade (SCHEMATHESIS_HOOKS).

`not_an_unmapped_server_error`: a 5xx answer is acceptable only as the
problem document of a fault the SOAP backend itself answered
(`urn:soapbridge:problem:soap-fault`, the issue's "mapped upstream fault").
Any other 5xx, or a 5xx that is not a problem document, fails.
"""

import json

import schemathesis


@schemathesis.check
def not_an_unmapped_server_error(ctx, response, case):
    if response.status_code < 500:
        return None
    try:
        body = json.loads(response.text)
    except ValueError:
        raise AssertionError(f"a {response.status_code} answer that is not a problem document")
    if body.get("type") != "urn:soapbridge:problem:soap-fault":
        raise AssertionError(f"a {response.status_code} answer of type {body.get('type')}: {body.get('title')}")
    return None
