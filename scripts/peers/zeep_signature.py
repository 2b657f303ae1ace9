#!/usr/bin/env python3
"""python zeep's X.509 signature (zeep.wsse.signature.BinarySignature, over
python-xmlsec) against soapbridge's SOAP facade.

    zeep_signature.py BRIDGE_URL KEY.pem CERT.pem OTHER_KEY.pem OTHER_CERT.pem

The bridge serves the bank payments contract requiring a signature over Body
and Timestamp and signs its responses with KEY/CERT. zeep adds a
wsu:Timestamp, signs it and the Body with RSA-SHA256 (certificate in a
BinarySecurityToken), calls GetPaymentStatus, and verifies the signed
response with CERT. Then the same with a certificate the bridge does not
trust, which must be refused with a wsse: fault. One line per check; exit 1
on any failure.
"""

import datetime
import sys

import xmlsec
import zeep
from zeep.exceptions import Fault
from zeep.wsse.signature import BinarySignature
from zeep.wsse.utils import WSU, get_security_header

BRIDGE, KEY, CERT, OTHER_KEY, OTHER_CERT = sys.argv[1].rstrip("/"), *sys.argv[2:6]
failures = []


def check(name, ok, detail=""):
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else ": " + str(detail)))
    if not ok:
        failures.append(name)


class TimestampedSignature(BinarySignature):
    """zeep's BinarySignature with a wsu:Timestamp added first (zeep signs a
    Timestamp it finds in the Security header). One plugin, not a list: zeep
    verifies responses only through a single plugin's verify()."""

    def apply(self, envelope, headers):
        now = datetime.datetime.now(datetime.timezone.utc)
        ts = WSU.Timestamp()
        ts.append(WSU.Created(now.strftime("%Y-%m-%dT%H:%M:%SZ")))
        ts.append(WSU.Expires((now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")))
        get_security_header(envelope).append(ts)
        return super().apply(envelope, headers)


class UnverifiedResponses(TimestampedSignature):
    """For the refused call: the bridge's faults are not signed, so zeep must
    not insist on a signature to show the fault."""

    def verify(self, envelope):
        return envelope


def client(key, cert, verify=True):
    kind = TimestampedSignature if verify else UnverifiedResponses
    signature = kind(
        key,
        cert,
        signature_method=xmlsec.Transform.RSA_SHA256,
        digest_method=xmlsec.Transform.SHA256,
    )
    return zeep.Client(BRIDGE + "/soap/PaymentService?wsdl", wsse=signature)


try:
    answer = client(KEY, CERT).service.GetPaymentStatus(paymentId="PMT-20240314-000042")
    check("signed GetPaymentStatus answers (and zeep verified the signed response)", answer.status == "SETTLED", answer)
except Exception as e:  # noqa: BLE001 - report any failure as a failed check
    check("signed GetPaymentStatus answers (and zeep verified the signed response)", False, repr(e))

try:
    client(OTHER_KEY, OTHER_CERT, verify=False).service.GetPaymentStatus(paymentId="PMT-20240314-000042")
    check("an untrusted certificate is refused", False, "no fault")
except Fault as f:
    codes = [q.localname for q in (f.subcodes or [])]
    check("an untrusted certificate is refused", "InvalidSecurityToken" in codes, f"code={f.code} subcodes={codes}")
except Exception as e:  # noqa: BLE001
    check("an untrusted certificate is refused", False, repr(e))

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
