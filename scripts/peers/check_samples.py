#!/usr/bin/env python3
"""Offline sanity check of the example contracts under wsdl/.

    scripts/bootstrap.sh   # installs the peers venv
    $SOAPBRIDGE_PEERS_PYTHON scripts/peers/check_samples.py [--dump]

1. Loads every contract with zeep and prints its services, ports, binding
   kinds and operations (--dump: zeep's full wsdl.dump()).
2. Validates every body sample (wsdl/<contract>/samples/*.xml, except
   *.envelope.xml and the rpc samples of legacy-inventory) against the
   contract's schema with lxml, and checks that every envelope sample is
   well-formed.
3. Lets zeep deserialize every sample that is an operation's input or output
   (body samples are wrapped in an envelope of the binding's SOAP version;
   rpc samples of legacy-inventory are complete envelopes), so the samples
   are known to match the WSDL bindings as zeep reads them.

zeep resolves the SOAP encoding namespace (used by the rpc/encoded binding of
legacy-inventory, imported there without schemaLocation) by downloading it
from http://schemas.xmlsoap.org/soap/encoding/. This machine has no network,
so the transport below answers that one URL with a minimal stand-in schema
that declares only what the contracts use (soapenc:Array and its
attributes). Every other URL is loaded normally (local files).
"""

import logging
import os
import sys

from lxml import etree
import zeep
from zeep.transports import Transport

# The contracts live in the repository's wsdl/ folder.
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "wsdl")

SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"

# Minimal stand-in for the SOAP 1.1 encoding schema: only the array support.
SOAP_ENC_STUB = b"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:enc="http://schemas.xmlsoap.org/soap/encoding/"
           targetNamespace="http://schemas.xmlsoap.org/soap/encoding/">
  <xs:attribute name="arrayType" type="xs:string"/>
  <xs:attribute name="offset" type="xs:string"/>
  <xs:complexType name="Array">
    <xs:sequence>
      <xs:any namespace="##any" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
    <xs:attribute ref="enc:arrayType"/>
    <xs:attribute ref="enc:offset"/>
    <xs:attribute name="id" type="xs:ID"/>
    <xs:attribute name="href" type="xs:anyURI"/>
    <xs:anyAttribute namespace="##other" processContents="lax"/>
  </xs:complexType>
</xs:schema>
"""

SOAP_ENV = {
    "Soap11Binding": "http://schemas.xmlsoap.org/soap/envelope/",
    "Soap12Binding": "http://www.w3.org/2003/05/soap-envelope",
}

CONTRACTS = {
    "erp-orders": ("orders.wsdl", "xsd/orders.xsd"),
    "bank-payments": ("payments.wsdl", "xsd/payments.xsd"),
    "legacy-inventory": ("inventory-rpc.wsdl", None),
}


class OfflineTransport(Transport):
    def load(self, url):
        if url.rstrip("/") == SOAP_ENC.rstrip("/"):
            return SOAP_ENC_STUB
        return super().load(url)


SOAP_BINDING_NS = (
    "http://schemas.xmlsoap.org/wsdl/soap/",
    "http://schemas.xmlsoap.org/wsdl/soap12/",
)


def body_uses(wsdl_path):
    """{binding local name: {'literal'|'encoded', ...}} read from the WSDL file."""
    tree = etree.parse(wsdl_path)
    uses = {}
    for binding in tree.iterfind("{http://schemas.xmlsoap.org/wsdl/}binding"):
        found = set()
        for ns in SOAP_BINDING_NS:
            for body in binding.iter("{%s}body" % ns):
                found.add(body.get("use", "literal"))
        uses[binding.get("name")] = found
    return uses


def binding_kind(binding, uses):
    """e.g. 'SOAP 1.1 document/literal' for a zeep binding object."""
    version = "SOAP 1.2" if type(binding).__name__ == "Soap12Binding" else "SOAP 1.1"
    styles = sorted({op.style for op in binding._operations.values()})
    use = "+".join(sorted(uses.get(binding.name.localname, {"?"})))
    return "%s %s/%s" % (version, "+".join(styles), use)


def summarize(client, uses):
    for service in client.wsdl.services.values():
        print("  service %s" % service.name)
        for port in service.ports.values():
            binding = port.binding
            print("    port %s -> %s (%s) at %s" % (
                port.name, binding.name.text, binding_kind(binding, uses),
                port.binding_options.get("address")))
            for name, op in sorted(binding._operations.items()):
                one_way = op.output is None
                print("      %-16s soapAction=%r%s" % (
                    name, op.soapaction, "  [one-way]" if one_way else ""))


def validate_samples(contract, xsd):
    samples = os.path.join(HERE, contract, "samples")
    failures = 0
    schema = etree.XMLSchema(etree.parse(os.path.join(HERE, contract, xsd))) if xsd else None
    for name in sorted(os.listdir(samples)):
        if not name.endswith(".xml"):
            continue
        path = os.path.join(samples, name)
        doc = etree.parse(path)  # well-formedness
        if schema is None or name.endswith(".envelope.xml"):
            continue
        if not schema.validate(doc):
            failures += 1
            print("  INVALID %s: %s" % (name, schema.error_log.filter_from_errors()))
    return failures


def deserialize_samples(client, contract):
    """zeep-parse the samples named after an operation (Op or OpResponse)."""
    samples = os.path.join(HERE, contract, "samples")
    failures = 0
    for name in sorted(os.listdir(samples)):
        if not name.endswith(".xml"):
            continue
        # CreateOrder.xml, SubmitPayment-instant.xml, GetItem.rpc-encoded.envelope.xml
        base = name.split(".")[0].split("-")[0]
        is_output = base.endswith("Response")
        op_name = base[: -len("Response")] if is_output else base
        root = etree.parse(os.path.join(samples, name)).getroot()
        port = None
        for service in client.wsdl.services.values():
            for candidate in service.ports.values():
                if op_name not in candidate.binding._operations:
                    continue
                encoded = "encoded" in candidate.name.lower()
                if root.tag.endswith("}Envelope") and ("rpc-encoded" in name) != encoded:
                    continue
                port = candidate
                break
            if port:
                break
        if port is None:
            continue  # fault details, header blocks, fault envelopes
        binding = port.binding
        if not root.tag.endswith("}Envelope"):
            ns = SOAP_ENV[type(binding).__name__]
            envelope = etree.Element("{%s}Envelope" % ns)
            etree.SubElement(envelope, "{%s}Body" % ns).append(root)
            root = envelope
        operation = binding._operations[op_name]
        message = operation.output if is_output else operation.input
        try:
            message.deserialize(root)
            print("  zeep parsed %-50s as %s %s of %s" % (
                name, op_name, "output" if is_output else "input", port.name))
        except Exception as exc:  # noqa: BLE001 - report and go on
            failures += 1
            print("  zeep FAILED on %s: %s: %s" % (name, type(exc).__name__, exc))
    return failures


def main():
    dump = "--dump" in sys.argv
    # zeep logs (and then ignores) values it cannot convert, e.g. the "ASAP"
    # member of the ExecutionDate union (it parses unions as their first
    # member's base type). The samples are schema-valid; keep the log quiet.
    logging.getLogger("zeep").setLevel(logging.CRITICAL)
    failures = 0
    for contract, (wsdl, xsd) in CONTRACTS.items():
        path = os.path.join(HERE, contract, wsdl)
        print("== %s/%s" % (contract, wsdl))
        client = zeep.Client(path, transport=OfflineTransport())
        if dump:
            client.wsdl.dump()
        summarize(client, body_uses(path))
        failures += validate_samples(contract, xsd)
        failures += deserialize_samples(client, contract)
    print("samples: %s" % ("all valid" if not failures else "%d problems" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
