#!/usr/bin/env python3
"""python zeep's WS-Security UsernameToken against soapbridge's SOAP facade.

    zeep_wsse.py BRIDGE_URL USER PASSWORD

The bridge serves the bank payments contract with `security:` requiring a
UsernameToken and a wsu:Timestamp. zeep reads the `?wsdl` and calls
GetPaymentStatus with PasswordText and with PasswordDigest (nonce and
created made by zeep), each with a Timestamp; then with a wrong password,
which must be a wsse:FailedAuthentication fault. One line per check;
exit 1 on any failure.
"""

import datetime
import sys

import zeep
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken
from zeep.wsse.utils import WSU

BRIDGE, USER, PASSWORD = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
failures = []


def check(name, ok, detail=""):
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else ": " + str(detail)))
    if not ok:
        failures.append(name)


def timestamp():
    now = datetime.datetime.now(datetime.timezone.utc)
    ts = WSU.Timestamp()
    ts.append(WSU.Created(now.strftime("%Y-%m-%dT%H:%M:%SZ")))
    ts.append(WSU.Expires((now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")))
    return ts


def client(password, digest):
    token = UsernameToken(USER, password, use_digest=digest, timestamp_token=timestamp())
    return zeep.Client(BRIDGE + "/soap/PaymentService?wsdl", wsse=token)


for digest in (False, True):
    kind = "PasswordDigest" if digest else "PasswordText"
    try:
        answer = client(PASSWORD, digest).service.GetPaymentStatus(paymentId="PMT-20240314-000042")
        check(f"{kind}: GetPaymentStatus answers", answer.status == "SETTLED", answer)
    except Exception as e:  # noqa: BLE001 - report any failure as a failed check
        check(f"{kind}: GetPaymentStatus answers", False, repr(e))
    try:
        client(PASSWORD + "-wrong", digest).service.GetPaymentStatus(paymentId="PMT-20240314-000042")
        check(f"{kind}: a wrong password is refused", False, "no fault")
    except Fault as f:
        check(
            f"{kind}: a wrong password is refused",
            "FailedAuthentication" in [q.localname for q in (f.subcodes or [])],
            f"code={f.code} subcodes={[q.text for q in (f.subcodes or [])]} message={f.message}",
        )

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
