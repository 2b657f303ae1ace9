#!/usr/bin/env python3
"""A SOAP 1.2 backend that speaks X.509 WS-Security through python-xmlsec
(with zeep's WS-Security helpers), for soapbridge's outbound signing tests.

    xmlsec_backend.py OWN_KEY OWN_CERT PEER_CERT RESPONSE_SAMPLE FAULT_SAMPLE

Every request must carry a signature by PEER_CERT (soapbridge) covering the
Body; otherwise the answer is an unsigned Sender fault. A verified request
is answered with RESPONSE_SAMPLE as the Body, with a Timestamp, signed by
OWN_KEY (Body and Timestamp, RSA-SHA256, exc-c14n, a BinarySecurityToken),
except when the request's paymentId asks for a misbehaviour:
  PMT-00000000-000001  an unsigned fault with FAULT_SAMPLE as its detail
  PMT-00000000-000002  the answer, unsigned
  PMT-00000000-000003  the answer, signed, then altered
Prints the port it listens on, then serves until killed.
"""

import datetime
import http.server
import sys

import xmlsec
from lxml import etree
from zeep.wsse import utils
from zeep.wsse.signature import (
    SignatureVerificationFailed,
    _sign_envelope_with_key_binary,
    _verify_envelope_with_key,
)

OWN_KEY, OWN_CERT, PEER_CERT, RESPONSE, FAULT = sys.argv[1:6]
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


def sample(path):
    return etree.parse(path, PARSER).getroot()


def envelope(body_child):
    env = etree.Element(etree.QName(SOAP12, "Envelope"), nsmap={"env": SOAP12})
    etree.SubElement(env, etree.QName(SOAP12, "Header"))
    body = etree.SubElement(env, etree.QName(SOAP12, "Body"))
    body.append(body_child)
    return env


def sign(env):
    security = utils.get_security_header(env)
    now = datetime.datetime.now(datetime.timezone.utc)
    ts = utils.WSU.Timestamp()
    ts.append(utils.WSU.Created(now.strftime("%Y-%m-%dT%H:%M:%SZ")))
    ts.append(utils.WSU.Expires((now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")))
    security.append(ts)
    key = xmlsec.Key.from_file(OWN_KEY, xmlsec.KeyFormat.PEM)
    key.load_cert_from_file(OWN_CERT, xmlsec.KeyFormat.PEM)
    _sign_envelope_with_key_binary(env, key, xmlsec.Transform.RSA_SHA256, xmlsec.Transform.SHA256)


def fault(reason, detail=None):
    f = etree.Element(etree.QName(SOAP12, "Fault"))
    code = etree.SubElement(f, etree.QName(SOAP12, "Code"))
    etree.SubElement(code, etree.QName(SOAP12, "Value")).text = "env:Sender"
    r = etree.SubElement(f, etree.QName(SOAP12, "Reason"))
    t = etree.SubElement(r, etree.QName(SOAP12, "Text"))
    t.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    t.text = reason
    if detail is not None:
        etree.SubElement(f, etree.QName(SOAP12, "Detail")).append(detail)
    return envelope(f)


def verified(env):
    """The request's signature is PEER_CERT's and covers the Body."""
    try:
        key = xmlsec.Key.from_file(PEER_CERT, xmlsec.KeyFormat.CERT_PEM)
        _verify_envelope_with_key(env, key)
    except (SignatureVerificationFailed, AttributeError, IndexError, xmlsec.Error):
        return False
    body = env.find(etree.QName(SOAP12, "Body"))
    body_id = body.get(etree.QName(WSU, "Id"))
    uris = [r.get("URI") for r in env.iter(etree.QName(DS, "Reference"))]
    return body_id is not None and "#" + body_id in uris


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, env):
        data = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            env = etree.fromstring(raw, PARSER)
        except etree.XMLSyntaxError:
            return self.answer(400, fault("not XML"))
        if not verified(env):
            return self.answer(400, fault("the request is not signed by the expected certificate"))
        ids = [e.text for e in env.iter() if etree.QName(e).localname == "paymentId"]
        mode = ids[0] if ids else ""
        if mode == "PMT-00000000-000001":
            return self.answer(400, fault("Payment not found", sample(FAULT)))
        out = envelope(sample(RESPONSE))
        if mode == "PMT-00000000-000002":
            return self.answer(200, out)
        sign(out)
        if mode == "PMT-00000000-000003":
            for e in out.iter():
                if etree.QName(e).localname == "status":
                    e.text = "REJECTED"
        return self.answer(200, out)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
