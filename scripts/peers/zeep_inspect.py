#!/usr/bin/env python3
"""Independent cross-check of `soapbridge inspect`: what zeep sees in a WSDL.

    zeep_inspect.py [--lax] [--allow-remote] [--compact] WSDL

Loads WSDL with zeep (https://docs.python-zeep.org) and prints a normalized JSON:

    {"contract": path, "zeep_version": "4.3.3",
     "services": [{"name": ...,
       "ports": [{"name": ..., "binding": "{ns}local", "soap_version": "1.1"|"1.2"|null,
                  "binding_kind": "soap11"|"soap12"|"http-get"|"http-post"|...,
                  "address": ...|null,
                  "operations": [{"name": ..., "soap_action": ...|null, "one_way": bool,
                                  "style": "document"|"rpc"|null,
                                  "input_element": "{ns}local"|null,
                                  "output_element": "{ns}local"|null,
                                  "rpc_input_wrapper": "{ns}local"|null,
                                  "rpc_output_wrapper": "{ns}local"|null,
                                  "faults": [name, ...]}]}]}],
     "ignored_ports": [{"service", "name", "binding", "reason"}]}

Every list is sorted by name. Notes on how zeep reports things:
  * soap_version comes from the binding class zeep chose (Soap11Binding or
    Soap12Binding); HTTP GET/POST bindings have none (null).
  * soap_action is zeep's raw value: "" for soapAction="", null when the
    soap:operation element or its soapAction attribute is absent. On the wire
    zeep sends `SOAPAction: ""` for both; compare_inspect.py treats them as equal.
  * one_way: the portType operation has no output message.
  * input_element/output_element: for document style, the global element of the
    single body part (after zeep removes parts bound to soap:header); null for
    rpc style, for a body made of several parts, or a part declared with type=.
  * ports whose binding zeep cannot use (not SOAP-over-HTTP nor HTTP GET/POST,
    e.g. a SOAP/JMS transport) are silently dropped by zeep; they are listed in
    ignored_ports from the raw XML so that a comparison can tell them apart.
  * zeep only exposes the services of the root document (not of wsdl:import'ed ones).

Remote URLs are refused unless --allow-remote: the SOAP encoding and xml.xsd
schemas, which zeep fetches from the network on its own, are served from copies
built into this file.
"""

import argparse
import json
import logging
import os
import sys
import threading
from urllib.parse import urljoin, urlparse

import zeep
from lxml import etree
from zeep import Settings
from zeep.transports import Transport
from zeep.wsdl import Document
from zeep.wsdl.bindings.http import HttpGetBinding, HttpPostBinding
from zeep.wsdl.bindings.soap import Soap11Binding, Soap12Binding

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAPENC_NS = "http://schemas.xmlsoap.org/soap/encoding/"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# ---------------------------------------------------------------------------
# Well-known schemas, served locally (zeep would otherwise fetch them).
# ---------------------------------------------------------------------------
_SOAPENC_SIMPLE = [
    "string", "normalizedString", "token", "language", "Name", "NMTOKEN", "NMTOKENS",
    "NCName", "ID", "IDREF", "IDREFS", "ENTITY", "ENTITIES", "anyURI", "QName",
    "NOTATION", "boolean", "float", "double", "decimal", "integer",
    "nonPositiveInteger", "negativeInteger", "long", "int", "short", "byte",
    "nonNegativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte", "positiveInteger", "duration", "dateTime", "time", "date",
    "gYearMonth", "gYear", "gMonthDay", "gDay", "gMonth", "base64Binary", "hexBinary",
]


def _soapenc_schema() -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"',
        '    xmlns:tns="%s" targetNamespace="%s">' % (SOAPENC_NS, SOAPENC_NS),
        '  <xs:attribute name="root"><xs:simpleType><xs:restriction base="xs:boolean">'
        '<xs:pattern value="0|1"/></xs:restriction></xs:simpleType></xs:attribute>',
        '  <xs:attributeGroup name="commonAttributes">',
        '    <xs:attribute name="id" type="xs:ID"/>',
        '    <xs:attribute name="href" type="xs:anyURI"/>',
        '    <xs:anyAttribute namespace="##other" processContents="lax"/>',
        "  </xs:attributeGroup>",
        '  <xs:simpleType name="arrayCoordinate"><xs:restriction base="xs:string"/></xs:simpleType>',
        '  <xs:attribute name="arrayType" type="xs:string"/>',
        '  <xs:attribute name="offset" type="tns:arrayCoordinate"/>',
        '  <xs:attributeGroup name="arrayAttributes">',
        '    <xs:attribute ref="tns:arrayType"/>',
        '    <xs:attribute ref="tns:offset"/>',
        "  </xs:attributeGroup>",
        '  <xs:attribute name="position" type="tns:arrayCoordinate"/>',
        '  <xs:attributeGroup name="arrayMemberAttributes">',
        '    <xs:attribute ref="tns:position"/>',
        "  </xs:attributeGroup>",
        '  <xs:group name="Array"><xs:sequence>'
        '<xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="lax"/>'
        "</xs:sequence></xs:group>",
        '  <xs:element name="Array" type="tns:Array"/>',
        '  <xs:complexType name="Array">',
        '    <xs:group ref="tns:Array" minOccurs="0"/>',
        '    <xs:attributeGroup ref="tns:arrayAttributes"/>',
        '    <xs:attributeGroup ref="tns:commonAttributes"/>',
        "  </xs:complexType>",
        '  <xs:element name="Struct" type="tns:Struct"/>',
        '  <xs:group name="Struct"><xs:sequence>'
        '<xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="lax"/>'
        "</xs:sequence></xs:group>",
        '  <xs:complexType name="Struct">',
        '    <xs:group ref="tns:Struct" minOccurs="0"/>',
        '    <xs:attributeGroup ref="tns:commonAttributes"/>',
        "  </xs:complexType>",
        '  <xs:simpleType name="base64"><xs:restriction base="xs:base64Binary"/></xs:simpleType>',
    ]
    for name in _SOAPENC_SIMPLE:
        parts.append(
            '  <xs:complexType name="%s"><xs:simpleContent><xs:extension base="xs:%s">'
            '<xs:attributeGroup ref="tns:commonAttributes"/></xs:extension>'
            "</xs:simpleContent></xs:complexType>" % (name, name)
        )
        parts.append('  <xs:element name="%s" type="tns:%s"/>' % (name, name))
    parts.append("</xs:schema>")
    return "\n".join(parts).encode("utf-8")


_XML_XSD = b"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    targetNamespace="http://www.w3.org/XML/1998/namespace" xml:lang="en">
  <xs:attribute name="lang"><xs:simpleType><xs:union memberTypes="xs:language">
    <xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value=""/></xs:restriction></xs:simpleType>
  </xs:union></xs:simpleType></xs:attribute>
  <xs:attribute name="space"><xs:simpleType><xs:restriction base="xs:NCName">
    <xs:enumeration value="default"/><xs:enumeration value="preserve"/>
  </xs:restriction></xs:simpleType></xs:attribute>
  <xs:attribute name="base" type="xs:anyURI"/>
  <xs:attribute name="id" type="xs:ID"/>
  <xs:attributeGroup name="specialAttrs">
    <xs:attribute ref="xml:base"/>
    <xs:attribute ref="xml:lang"/>
    <xs:attribute ref="xml:space"/>
    <xs:attribute ref="xml:id"/>
  </xs:attributeGroup>
</xs:schema>
"""

WELL_KNOWN = {}
for _scheme in ("http", "https"):
    WELL_KNOWN["%s://schemas.xmlsoap.org/soap/encoding/" % _scheme] = _soapenc_schema()
    WELL_KNOWN["%s://schemas.xmlsoap.org/soap/encoding" % _scheme] = WELL_KNOWN[
        "%s://schemas.xmlsoap.org/soap/encoding/" % _scheme
    ]
    WELL_KNOWN["%s://www.w3.org/2001/xml.xsd" % _scheme] = _XML_XSD
    WELL_KNOWN["%s://www.w3.org/XML/1998/namespace" % _scheme] = _XML_XSD


class LocalTransport(Transport):
    """A zeep transport that serves well-known schemas locally and refuses the network."""

    def __init__(self, allow_remote=False):
        super().__init__()
        self.allow_remote = allow_remote

    def load(self, url):
        if url in WELL_KNOWN:
            return WELL_KNOWN[url]
        scheme = urlparse(url).scheme
        if scheme in ("http", "https") and not self.allow_remote:
            raise RemoteRefused(url)
        return super().load(url)


class RemoteRefused(Exception):
    def __init__(self, url):
        super().__init__(
            "refusing to fetch remote URL %s (use --allow-remote, or make the import local)" % url
        )


# ---------------------------------------------------------------------------
# Normalization of zeep's object model
# ---------------------------------------------------------------------------
def qname_text(q):
    if q is None:
        return None
    if isinstance(q, etree.QName):
        return q.text
    return str(q)


def binding_kind(binding):
    if isinstance(binding, Soap12Binding):
        return "soap12", "1.2"
    if isinstance(binding, Soap11Binding):
        return "soap11", "1.1"
    if isinstance(binding, HttpGetBinding):
        return "http-get", None
    if isinstance(binding, HttpPostBinding):
        return "http-post", None
    return type(binding).__name__, None


def body_element(message, style):
    """The global element that is the SOAP body of a document-style message, or None."""
    if message is None or style != "document":
        return None
    body = getattr(message, "body", None)
    if body is None or getattr(message, "_is_body_wrapped", False):
        return None
    abstract = getattr(message, "abstract", None)
    qname = getattr(body, "qname", None)
    if abstract is None or qname is None:
        return None
    # zeep builds a local element named after the part for a type= part; only
    # report the body when it really is a part's global element.
    for part in abstract.parts.values():
        element = getattr(part, "element", None)
        if element is not None and element.qname == qname:
            return qname_text(qname)
    return None


def rpc_wrapper(message, style):
    if message is None or style != "rpc":
        return None
    body = getattr(message, "body", None)
    if body is None:
        return None
    return qname_text(getattr(body, "qname", None))


def describe_operation(op):
    style = getattr(op, "style", None)
    abstract = getattr(op, "abstract", None)
    if abstract is not None:
        one_way = abstract.output_message is None
    else:
        one_way = op.output is None
    input_msg = getattr(op, "input", None)
    output_msg = getattr(op, "output", None)
    return {
        "name": op.name,
        "soap_action": getattr(op, "soapaction", None),
        "one_way": one_way,
        "style": style,
        "input_element": body_element(input_msg, style),
        "output_element": None if one_way else body_element(output_msg, style),
        "rpc_input_wrapper": rpc_wrapper(input_msg, style),
        "rpc_output_wrapper": None if one_way else rpc_wrapper(output_msg, style),
        "faults": sorted(str(name) for name in (getattr(op, "faults", None) or {}).keys()),
    }


def describe_port(port):
    binding = port.binding
    kind, soap_version = binding_kind(binding)
    options = port.binding_options or {}
    operations = [describe_operation(op) for op in binding._operations.values()]
    return {
        "name": port.name,
        "binding": qname_text(binding.name),
        "binding_kind": kind,
        "soap_version": soap_version,
        "address": options.get("address"),
        "operations": sorted(operations, key=lambda o: o["name"]),
    }


# ---------------------------------------------------------------------------
# Ports zeep dropped, from the raw XML
# ---------------------------------------------------------------------------
def _resolve_qname(node, value):
    if value is None:
        return None
    if ":" in value:
        prefix, local = value.split(":", 1)
    else:
        prefix, local = None, value
    ns = node.nsmap.get(prefix)
    return "{%s}%s" % (ns, local) if ns else local


def _wsdl_documents(path, seen=None):
    """The root WSDL document and the local documents it wsdl:imports, recursively."""
    seen = seen if seen is not None else set()
    path = os.path.abspath(path)
    if path in seen:
        return
    seen.add(path)
    try:
        doc = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return
    yield doc
    for imp in doc.findall("{%s}import" % WSDL_NS):
        location = imp.get("location")
        if not location or urlparse(location).scheme in ("http", "https"):
            continue
        target = urljoin("file://" + path, location)
        yield from _wsdl_documents(urlparse(target).path, seen)


def ignored_ports(path, services):
    docs = list(_wsdl_documents(path))
    if not docs:
        return []
    root = docs[0]
    bindings = {}
    for doc in docs:
        tns = doc.get("targetNamespace")
        for b in doc.findall("{%s}binding" % WSDL_NS):
            bindings["{%s}%s" % (tns, b.get("name")) if tns else b.get("name")] = b
    result = []
    for service in root.findall("{%s}service" % WSDL_NS):
        sname = service.get("name")
        known = services.get(sname)
        for port in service.findall("{%s}port" % WSDL_NS):
            pname = port.get("name")
            if known is not None and pname in known.ports:
                continue
            bq = _resolve_qname(port, port.get("binding"))
            b = bindings.get(bq)
            if b is None:
                reason = "binding not found"
            else:
                ext = [c for c in b if isinstance(c.tag, str) and etree.QName(c).namespace != WSDL_NS]
                if ext:
                    first = ext[0]
                    reason = "unsupported binding %s" % first.tag
                    if first.get("transport"):
                        reason += " transport=%s" % first.get("transport")
                else:
                    reason = "binding without extensibility element"
            result.append({"service": sname, "name": pname, "binding": bq, "reason": reason})
    return sorted(result, key=lambda p: (p["service"] or "", p["name"] or ""))


# ---------------------------------------------------------------------------
def inspect(path, strict=True, allow_remote=False):
    settings = Settings(strict=strict, xml_huge_tree=True, forbid_entities=True)
    transport = LocalTransport(allow_remote=allow_remote)
    document = Document(os.path.abspath(path), transport, settings=settings)
    services = []
    for service in document.services.values():
        ports = [describe_port(port) for port in service.ports.values()]
        services.append({"name": service.name, "ports": sorted(ports, key=lambda p: p["name"])})
    return {
        "contract": path,
        "zeep_version": zeep.__version__,
        "strict": strict,
        "services": sorted(services, key=lambda s: s["name"]),
        "ignored_ports": ignored_ports(path, document.services),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wsdl", help="path of the WSDL file")
    ap.add_argument("--lax", action="store_true", help="zeep Settings(strict=False)")
    ap.add_argument("--allow-remote", action="store_true", help="let zeep fetch http(s) imports")
    ap.add_argument("--compact", action="store_true", help="one-line JSON")
    ap.add_argument("--debug", action="store_true", help="zeep's debug log on stderr")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, stream=sys.stderr)
    outcome = {}

    def work():
        try:
            outcome["result"] = inspect(args.wsdl, strict=not args.lax, allow_remote=args.allow_remote)
        except BaseException as exc:  # noqa: BLE001 - report any zeep failure
            outcome["error"] = exc

    # zeep resolves the schema recursively along type references: give a long
    # chain of references (large generated contracts) a deep enough stack.
    sys.setrecursionlimit(100_000)
    threading.stack_size(512 * 1024 * 1024)
    worker = threading.Thread(target=work, name="zeep-inspect")
    worker.start()
    worker.join()
    if "error" in outcome:
        exc = outcome["error"]
        print("zeep_inspect: %s: %s: %s" % (args.wsdl, type(exc).__name__, exc), file=sys.stderr)
        return 2
    result = outcome["result"]
    json.dump(result, sys.stdout, indent=None if args.compact else 2, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
