#!/usr/bin/env python3
"""Independent interop check of `soapbridge convert`: zeep writes, soapbridge
translates XML -> JSON -> XML, zeep reads back.

    zeep_translate_check.py [--keep DIR] [--verbose] SOAPBRIDGE_BINARY [CONTRACT...]

CONTRACT is a WSDL file or the name of a folder under wsdl/ (e.g. erp-orders);
without one, the shipped contracts are checked: wsdl/erp-orders/orders.wsdl,
wsdl/bank-payments/payments.wsdl and wsdl/legacy-inventory/inventory-rpc.wsdl.

The elements checked are, for every document-style operation of every port
zeep reads: the body element of the input and of the output message, the
elements of the input/output SOAP header parts, and the detail element of
every declared fault (each element once per contract). rpc-style operations
have no global body element (their parts are typed) and are skipped; a
contract without any document-style operation (legacy-inventory) is reported
with a `skip` line.

For every element, the instances are:
  * each shipped sample `samples/<Element>.xml` and `samples/<Element>-<variant>.xml`
    (a body element, not an envelope), parsed by zeep into objects
    (`element.parse(lxml_root, schema)`);
  * the instances in BUILT below, made with zeep's type factory from values
    chosen here (valid against the schema): one for every element that has no
    sample, plus variants for constructs that the samples do not reach (empty
    repetitions, every optional field absent or present, XML special characters
    and non-ASCII text, 18-digit amounts, integers beyond 2^53, time zones,
    fractional seconds, derived types built rather than parsed, foreign
    content in the lax xs:any of pay:Payment/extensions: mixed content,
    character references, xsi:type/xsi:nil, QName values, ...).

Each case then goes through:
  1. zeep renders the object (`element.render(parent, value)`); this is the
     input document. It is validated against the contract's XSD with lxml: an
     invalid input is a script or zeep problem, reported as a failure.
  2. `SOAPBRIDGE convert WSDL --element {ns}Name --to json` on it, then
     `SOAPBRIDGE convert WSDL --element {ns}Name --to xml` on that JSON.
  3. The resulting XML is validated against the contract's XSD (lxml
     `etree.XMLSchema`) and parsed by zeep; the object is compared with the
     original (values as zeep types them: Decimal and date/time equality, a
     dateTime must also keep its UTC offset; derived types by their xsi:type;
     xs:any content as namespace-aware XML, prefixes ignored). Differences
     found there are reported as `zeep /path: ...`.
  4. The resulting XML is also compared with the input document as XML
     (`xml /path: ...`): element names and order, attributes, text, with
     prefixes ignored (a value that reads as a prefixed QName, such as an
     xsi:type, is compared by the namespace its prefix stands for) and
     whitespace-only text between elements ignored. zeep's objects cannot show
     some differences: zeep reads an absent element, an empty one and an
     xsi:nil one all as None, and it fills defaulted attributes in. zeep
     writes every value in its canonical form, so the lexical forms must
     come back unchanged.

"The original" is zeep's reading of the input document that zeep rendered
(parse(render(object))), not the object itself: zeep fills defaulted attributes
with their *lexical* value when parsing ('1' for an xs:positiveInteger
default) but types them when the attribute is present (1), so comparing with
the object straight from a sample would report that zeep quirk instead of a
translation problem.

zeep quirks worked around: zeep loses the xsi:nil of a sample (CreateOrder.xml's
deliveryNote becomes None and is not rendered), so nil is covered by a built
instance. zeep parses a union (pay:ExecutionDate = xs:date | "ASAP") as its
first member type only, logs an error for "ASAP" and returns None (a required
element then disappears on rendering); zeep's UnionType is patched below to try
every member type and otherwise keep the collapsed lexical value.

Prints one line per case, `ok ELEMENT (SOURCE)` or `FAIL ELEMENT (SOURCE): DIFF`,
and a closing line `N passed, N failed`; exits 1 when any case failed, 2 on a
usage error or when a contract cannot be loaded. --keep DIR writes the input
XML, the JSON and the output XML of every case into DIR; --verbose prints them
for failing cases.

The SOAP encoding and xml.xsd schemas, which zeep would download, are served
locally (LocalTransport of zeep_inspect.py); remote URLs are refused.
"""

import argparse
import datetime
import decimal
import logging
import os
import re
import shutil
import subprocess
import sys
from urllib.parse import urljoin, urlparse
from urllib.request import pathname2url

from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # importing zeep_inspect must not leave __pycache__ in the clone

import zeep  # noqa: E402
from zeep import Settings  # noqa: E402
from zeep.xsd import AnyObject, Nil  # noqa: E402
from zeep.xsd.types.collection import UnionType  # noqa: E402
from zeep.xsd.valueobjects import CompoundValue  # noqa: E402

from zeep_inspect import LocalTransport  # noqa: E402

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XS_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

DEFAULT_CONTRACTS = [
    "wsdl/erp-orders/orders.wsdl",
    "wsdl/bank-payments/payments.wsdl",
    "wsdl/legacy-inventory/inventory-rpc.wsdl",
]

ORD = "urn:example:erp:orders:v1"
INV = "urn:example:erp:inventory:v1"
PAY = "urn:example:bank:payments:v2"
CMN = "urn:example:bank:common:v1"


# ---------------------------------------------------------------------------
# zeep quirk: unions are parsed with their first member type only.
# ---------------------------------------------------------------------------
def _union_parse_xmlelement(self, xmlelement, schema=None, allow_none=True, context=None,
                            schema_type=None):
    text = xmlelement.text
    if text is None:
        return None
    for member in self.item_types:
        try:
            return member.pythonvalue(text)
        except Exception:  # noqa: BLE001 - not this member; try the next one
            continue
    return " ".join(text.split())


def _union_xmlvalue(self, value):
    if isinstance(value, str):
        return value
    for member in self.item_types:
        try:
            return member.xmlvalue(value)
        except Exception:  # noqa: BLE001 - not this member
            continue
    return str(value)


UnionType.parse_xmlelement = _union_parse_xmlelement
UnionType.xmlvalue = _union_xmlvalue


# ---------------------------------------------------------------------------
# Instances built from values with zeep's type factory
# ---------------------------------------------------------------------------
D = decimal.Decimal
UTC = datetime.timezone.utc


def tz(hours, minutes=0):
    return datetime.timezone(datetime.timedelta(hours=hours, minutes=minutes))


def foreign(xml):
    """An element for an xs:any (lax) slot."""
    return etree.fromstring(xml)


def _erp(client):
    o = client.type_factory(ORD)
    i = client.type_factory(INV)
    el = client.get_element
    line_full = o.OrderLine(
        sku="GEAR-004200-S", description='Gear set "heavy" <3 & 4> \u00e0 la carte \u20ac',
        quantity=12000, unitPrice=D("99999999999999.9999"), discount=D("12.25"),
        warehouse="MUC07", lineNumber=3)
    line_min = o.OrderLine(sku="AB-1234", quantity=1, unitPrice=D("-15.0000"))
    address = o.Address(recipient="M\u00fcller & S\u00f6hne KG", street=["Hauptstra\u00dfe 1"],
                        postalCode="D-80331", city="M\u00fcnchen", region="Bayern", country="DE")
    return {
        (INV, "InventoryFault"): [
            ("built", el("{%s}InventoryFault" % INV)(
                code="UNKNOWN_WAREHOUSE", message="Warehouse ZZZ99 does not stock PUMP-00042.")),
        ],
        (ORD, "CreateOrder"): [
            ("built:every-optional-absent", el("{%s}CreateOrder" % ORD)(
                order=o.NewOrder(customerId="CUST-000001", orderDate=datetime.date(2024, 12, 31),
                                 currency="JPY", line=[line_min]))),
            ("built:special-characters-and-extremes", el("{%s}CreateOrder" % ORD)(
                order=o.NewOrder(customerId="CUST-999999", orderDate=datetime.date(2025, 1, 2),
                                 currency="CHF", customerReference="Ref <A&B> \"q\" 'x' \u65e5\u672c",
                                 shippingAddress=address, line=[line_full, line_min],
                                 deliveryNote="Ring twice.\nGate code: 4711\t(back door)"),
                requestId="batch 7 retry 2")),
            # An empty note is neither an absent one nor xsi:nil (zeep reads all three as
            # None, so the nil of the CreateOrder.xml sample is lost when zeep parses it).
            ("built:empty-delivery-note", el("{%s}CreateOrder" % ORD)(
                order=o.NewOrder(customerId="CUST-000001", orderDate=datetime.date(2024, 12, 31),
                                 currency="EUR", line=[line_min], deliveryNote=""))),
            ("built:nil-delivery-note", el("{%s}CreateOrder" % ORD)(
                order=o.NewOrder(customerId="CUST-000001", orderDate=datetime.date(2024, 12, 31),
                                 currency="EUR", line=[line_min], deliveryNote=Nil))),
        ],
        (ORD, "ListOrders"): [
            ("built:no-filter", el("{%s}ListOrders" % ORD)()),
            ("built:one-status", el("{%s}ListOrders" % ORD)(status=["SHIPPED"], maxResults=500)),
        ],
        (ORD, "ListOrdersResponse"): [
            ("built:empty", el("{%s}ListOrdersResponse" % ORD)(order=[], totalCount=0)),
            ("built:full-page", el("{%s}ListOrdersResponse" % ORD)(order=[o.OrderSummary(
                orderId="SO-2023-%06d" % n, customerId="CUST-%06d" % (n % 7),
                orderDate=datetime.date(2023, 1, 1) + datetime.timedelta(days=n % 365),
                status=["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED"][n % 5],
                currency=["EUR", "USD", "GBP", "CHF", "JPY", "SEK"][n % 6],
                totalAmount=D(n * 1234567) / 10000, lineCount=n % 40 + 1) for n in range(500)],
                totalCount=123456)),
        ],
        (ORD, "GetOrderResponse"): [
            ("built:cancelled", el("{%s}GetOrderResponse" % ORD)(order=o.Order(
                customerId="CUST-000002", orderDate=datetime.date(2024, 2, 29), currency="USD",
                line=[line_full], orderId="SO-2024-000777", status="CANCELLED",
                totalAmount=D("0.0001"),
                createdAt=datetime.datetime(2024, 2, 29, 23, 59, 59, 123000, tzinfo=tz(-5)),
                cancelledAt=datetime.datetime(2024, 3, 1, 8, 0, 0, tzinfo=UTC)))),
        ],
        (INV, "GetStockLevel"): [
            ("built:with-warehouse", el("{%s}GetStockLevel" % INV)(sku="PUMP-00042", warehouse="FRA01")),
        ],
        (INV, "GetStockLevelResponse"): [
            ("built:empty", el("{%s}GetStockLevelResponse" % INV)(stockLevel=[])),
            ("built:large", el("{%s}GetStockLevelResponse" % INV)(stockLevel=[i.StockLevel(
                sku="VLV-1200-XL", warehouse="HAM02", onHand=2147483647,
                reserved=123456789012345678901234567890, available=-2147483648,
                asOf=datetime.datetime(2024, 3, 14, 10, 0, 0, 500000, tzinfo=tz(5, 30)))])),
        ],
        (ORD, "CancelOrderResponse"): [
            # A local time without a UTC offset (many ERPs send those).
            ("built:local-time", el("{%s}CancelOrderResponse" % ORD)(
                orderId="SO-2024-000098", status="CANCELLED",
                cancelledAt=datetime.datetime(2024, 3, 15, 10, 2, 33))),
        ],
        (ORD, "OrderFault"): [
            ("built:no-order-id", el("{%s}OrderFault" % ORD)(
                code="INTERNAL_ERROR", message="  leading and trailing blanks  ")),
            ("built:blank-message", el("{%s}OrderFault" % ORD)(code="INTERNAL_ERROR", message=" ")),
        ],
    }


def _bank(client):
    p = client.type_factory(PAY)
    c = client.type_factory(CMN)
    el = client.get_element
    debtor = c.Party(name="Jos\u00e9 Garc\u00eda & Hijos S.L.", organisationId="ES-B12345678",
                     postalAddress=c.PostalAddress(townName="Sevilla", country="ES",
                                                   addressLine=["C/ Sierpes 1", "2\u00ba izq.", "41004"],
                                                   addressType="RESIDENTIAL"),
                     email="pagos@garcia.example", phone="+34954000000")
    creditor = c.Party(name="Nordic Timber AB")
    instant = p.InstantPayment(
        endToEndId="E2E-<1>&2", amount=c.Amount(_value_1=D("1234567890123.12345"), currency="SEK"),
        requestedExecutionDate=datetime.date(2024, 6, 28), debtor=debtor,
        debtorAccount=c.CashAccount(iban="ES9121000418450200051332", currency="EUR",
                                    name="Cuenta corriente", accountType="SAVINGS"),
        creditor=creditor,
        creditorAccount=c.CashAccount(domestic=c.DomesticAccount(bankCode="8327", accountNumber="0000123456",
                                                                 country="SE")),
        creditorAgent="NDEASESS", chargeBearer="DEBTOR", remittanceInformation="Faktura 2024-118 \U0001F44D",
        extensions={"_value_1": [
            foreign('<x:trace xmlns:x="urn:example:acme:trace" hop="1">gw-01</x:trace>'),
            foreign('<y:flag xmlns:y="urn:example:acme:flags"/>'),
        ]},
        createdBy="api", revision=7, dataModelVersion="2.0", priority="HIGH",
        maxExecutionSeconds=20, fallbackToStandard=False, scheme="SCT_INST")

    def with_extensions(*fragments):
        """A minimal payment whose lax extension point holds foreign elements."""
        return el("{%s}SubmitPayment" % PAY)(payment=p.Payment(
            endToEndId="EXT-1", amount=c.Amount(_value_1=D("10.00"), currency="EUR"),
            requestedExecutionDate=datetime.date(2024, 3, 15), debtor=c.Party(name="A"),
            debtorAccount=c.CashAccount(iban="DE89370400440532013000"), creditor=c.Party(name="B"),
            creditorAccount=c.CashAccount(iban="DE02120300000000202051"),
            extensions={"_value_1": list(fragments)}))

    memo = foreign('<x:memo xmlns:x="urn:example:acme:erp-extensions"/>')
    memo.text = "Approved: R&D & <Ops>\r\nCC: Treasury"  # lxml writes &amp; &lt; and &#13;
    return {
        (PAY, "SubmitPayment"): [
            # Foreign content in the lax xs:any: kept as XML, so it must come back as it was.
            ("built:extension-xhtml-note", with_extensions(foreign(
                '<h:p xmlns:h="http://www.w3.org/1999/xhtml">Pay <h:b>before</h:b> 31 March.</h:p>'))),
            ("built:extension-multiline-memo", with_extensions(memo)),
            ("built:extension-xsi-attributes", with_extensions(foreign(
                '<x:limit xmlns:x="urn:example:acme:erp-extensions" xmlns:xs="%s" xmlns:xsi="%s"'
                ' xsi:type="xs:decimal">5000.00</x:limit>' % (XS_NS, XSI_NS)), foreign(
                '<x:approver xmlns:x="urn:example:acme:erp-extensions" xmlns:xsi="%s"'
                ' xsi:nil="true"/>' % XSI_NS))),
            # A foreign element that the contract declares: lax processing types it.
            ("built:extension-declared-element", with_extensions(AnyObject(
                el("{%s}RequestContext" % CMN), el("{%s}RequestContext" % CMN)(
                    messageId="3b2f6c1e-8d4a-4e7b-9c0d-5a1f2e3d4c5b", channel="HOST_TO_HOST")))),
            ("built:extension-qname-value", with_extensions(foreign(
                '<x:errorCode xmlns:x="urn:example:acme:erp-extensions"'
                ' xmlns:err="urn:example:acme:errors">err:LimitExceeded</x:errorCode>'))),
            ("built:instant-from-values", el("{%s}SubmitPayment" % PAY)(payment=instant, validateOnly=False)),
            ("built:asap-minimal", el("{%s}SubmitPayment" % PAY)(payment=p.Payment(
                endToEndId="X", amount=c.Amount(_value_1=D("0"), currency="EUR"),
                requestedExecutionDate="ASAP", debtor=c.Party(name="A"),
                debtorAccount=c.CashAccount(iban="DE89370400440532013000"),
                creditor=c.Party(name="B"),
                creditorAccount=c.CashAccount(iban="DE02120300000000202051")))),
        ],
        (PAY, "SubmitPaymentResponse"): [
            ("built:minimal", el("{%s}SubmitPaymentResponse" % PAY)(
                paymentId="PMT-20241231-999999", status="RECEIVED",
                receivedAt=datetime.datetime(2024, 12, 31, 23, 59, 59, tzinfo=tz(14)))),
        ],
        (PAY, "GetPaymentStatus"): [
            ("built:no-include", el("{%s}GetPaymentStatus" % PAY)(paymentId="PMT-20240314-000042")),
            ("built:all-options", el("{%s}GetPaymentStatus" % PAY)(
                paymentId="PMT-20240314-000042", include=["FX_RATE", "HISTORY", "CHARGES"])),
        ],
        (PAY, "GetPaymentStatusResponse"): [
            ("built:returned-with-fx", el("{%s}GetPaymentStatusResponse" % PAY)(
                paymentId="PMT-20240312-000007", status="RETURNED", statusReason="ACCOUNT_CLOSED",
                lastUpdated=datetime.datetime(2024, 3, 15, 11, 30, tzinfo=tz(1)),
                history={"entry": [
                    p.StatusHistoryEntry(status="ACCEPTED", at=datetime.datetime(2024, 3, 12, 9, 0, tzinfo=UTC)),
                    p.StatusHistoryEntry(status="RETURNED", reason="ACCOUNT_CLOSED",
                                         at=datetime.datetime(2024, 3, 15, 11, 30, tzinfo=tz(1))),
                ]},
                charge=[c.Amount(_value_1=D("0.00001"), currency="CHF")],
                fxRate=D("1.087650000000000001"))),
            ("built:bare", el("{%s}GetPaymentStatusResponse" % PAY)(
                paymentId="PMT-20240312-000008", status="PENDING",
                lastUpdated=datetime.datetime(2024, 3, 15, 11, 30, tzinfo=UTC))),
        ],
        (PAY, "NotifyPaymentEvent"): [
            ("built:returned-event", el("{%s}NotifyPaymentEvent" % PAY)(event=p.PaymentReturnedEvent(
                eventId="00000000-0000-4000-8000-000000000000", paymentId="PMT-20240312-000007",
                endToEndId="E2E-9", occurredAt=datetime.datetime(2024, 3, 15, 11, 30, 0, 1, tzinfo=UTC),
                returnedAmount=c.Amount(_value_1=D("1200.5"), currency="EUR"),
                returnReason="COMPLIANCE_BLOCK", sequenceNumber=9007199254740993))),
            ("built:max-sequence", el("{%s}NotifyPaymentEvent" % PAY)(event=p.PaymentStatusChangedEvent(
                eventId="9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", paymentId="PMT-20240314-000042",
                occurredAt=datetime.datetime(2024, 3, 15, 7, 12, 40, tzinfo=UTC),
                previousStatus="PENDING", newStatus="CANCELLED",
                sequenceNumber=18446744073709551615))),
        ],
        (CMN, "RequestContext"): [
            ("built:minimal", el("{%s}RequestContext" % CMN)(
                messageId="3b2f6c1e-8d4a-4e7b-9c0d-5a1f2e3d4c5b", channel="MOBILE_APP")),
            ("built:empty-correlation-id", el("{%s}RequestContext" % CMN)(
                messageId="3b2f6c1e-8d4a-4e7b-9c0d-5a1f2e3d4c5b", channel="BRANCH", correlationId="")),
        ],
        (PAY, "PaymentRejected"): [
            ("built:no-end-to-end-id", el("{%s}PaymentRejected" % PAY)(
                reasonCode="CUT_OFF_PASSED", reasonText="Cut-off 15:00 CET passed; retry tomorrow.")),
        ],
    }


# contract file name -> function(client) -> {(ns, local): [(label, value), ...]}
BUILT = {
    "orders.wsdl": _erp,
    "payments.wsdl": _bank,
}


# ---------------------------------------------------------------------------
# Which elements a contract's document-style operations use
# ---------------------------------------------------------------------------
def _qname(q):
    return q.text if isinstance(q, etree.QName) else str(q)


def _part_elements(message):
    """Global elements of the message's parts (element= parts only)."""
    out = []
    abstract = getattr(message, "abstract", None)
    if abstract is None:
        return out
    for part in abstract.parts.values():
        element = getattr(part, "element", None)
        if element is not None and getattr(element, "qname", None) is not None:
            out.append(element)
    return out


def _header_elements(message):
    header = getattr(message, "header", None)
    if header is None or getattr(header, "type", None) is None:
        return []
    return [el for _, el in header.type.elements if getattr(el, "qname", None) is not None]


def message_elements(client):
    """[(element, role)] in document order of the operations, each element once."""
    found = {}
    document_ops = 0
    for service in client.wsdl.services.values():
        for port in service.ports.values():
            for op in port.binding._operations.values():
                if getattr(op, "style", None) != "document":
                    continue
                document_ops += 1
                for kind, message in (("input", op.input), ("output", op.output)):
                    if message is None:
                        continue
                    body = getattr(message, "body", None)
                    body_q = getattr(body, "qname", None)
                    for el in _part_elements(message):
                        if body_q is not None and el.qname == body_q:
                            found.setdefault(_qname(el.qname), (el, "%s %s" % (op.name, kind)))
                    for el in _header_elements(message):
                        found.setdefault(_qname(el.qname), (el, "%s %s header" % (op.name, kind)))
                for fname, fault in (getattr(op, "faults", None) or {}).items():
                    for el in _part_elements(fault):
                        found.setdefault(_qname(el.qname), (el, "%s fault %s" % (op.name, fname)))
    return list(found.values()), document_ops


# ---------------------------------------------------------------------------
# The contract's schema for lxml
# ---------------------------------------------------------------------------
def contract_schema(wsdl_path):
    """An lxml XMLSchema for the schemas a WSDL's types section imports or includes.

    Inline schema components are not supported (the shipped document-style
    contracts only import their XSD files); None when there is nothing to import.
    """
    locations = []
    seen_docs = set()

    def visit(path):
        path = os.path.abspath(path)
        if path in seen_docs:
            return
        seen_docs.add(path)
        doc = etree.parse(path).getroot()
        for schema in doc.iter("{%s}schema" % XS_NS):
            for imp in schema:
                if imp.tag not in ("{%s}import" % XS_NS, "{%s}include" % XS_NS):
                    continue
                loc = imp.get("schemaLocation")
                if not loc or urlparse(loc).scheme in ("http", "https"):
                    continue
                target = urlparse(urljoin("file://" + pathname2url(path), loc)).path
                locations.append((imp.get("namespace"), target))
        for imp in doc.findall("{%s}import" % WSDL_NS):
            loc = imp.get("location")
            if loc and urlparse(loc).scheme not in ("http", "https") and loc.endswith(".wsdl"):
                visit(urlparse(urljoin("file://" + pathname2url(path), loc)).path)

    visit(wsdl_path)
    if not locations:
        return None
    wrapper = ['<xs:schema xmlns:xs="%s">' % XS_NS]
    for ns, target in locations:
        if ns is None:
            continue
        wrapper.append('<xs:import namespace="%s" schemaLocation="%s"/>' % (
            ns, "file://" + pathname2url(target)))
    wrapper.append("</xs:schema>")
    return etree.XMLSchema(etree.fromstring("\n".join(wrapper).encode()))


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------
QNAME_LIKE = re.compile(r"[A-Za-z_][\w.\-]*:[A-Za-z_][\w.\-]*")
XSI_TYPE = "{%s}type" % XSI_NS


def _qvalue(el, value, attr=None):
    """A value that reads as a prefixed QName whose prefix is in scope, as {ns}local
    (prefixes may change in translation, the namespaces they stand for may not)."""
    s = value.strip()
    if QNAME_LIKE.fullmatch(s):
        prefix, local = s.split(":", 1)
        if prefix in el.nsmap:
            return "{%s}%s" % (el.nsmap[prefix], local)
    elif attr == XSI_TYPE and s and None in el.nsmap:
        return "{%s}%s" % (el.nsmap[None], s)
    return value


def infoset(el):
    """Prefix-free, namespace-aware form of an element: (tag, attributes, content).

    content interleaves text and child elements in document order; whitespace-only
    text in element-only content is dropped (it is not data), any other text is kept
    exactly. Comments and processing instructions are not content (their tails are).
    """
    items = []

    def add_text(t):
        if not t:
            return
        if items and isinstance(items[-1], str):
            items[-1] += t
        else:
            items.append(t)

    add_text(el.text)
    for child in el:
        if isinstance(child.tag, str):
            items.append(infoset(child))
        add_text(child.tail)
    if any(not isinstance(i, str) for i in items) and all(
            not i.strip() for i in items if isinstance(i, str)):
        items = [i for i in items if not isinstance(i, str)]
    attrs = tuple(sorted((k, _qvalue(el, v, k)) for k, v in el.attrib.items()))
    return ("xml", el.tag, attrs, tuple(_qvalue(el, i) if isinstance(i, str) else i for i in items))


def _short(value, limit=160):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _local(tag):
    return tag.split("}", 1)[-1]


def diff_infoset(a, b, path="", out=None):
    """Differences between two infoset() values, as 'path: ...' strings."""
    out = [] if out is None else out
    _, tag_a, attrs_a, items_a = a
    _, tag_b, attrs_b, items_b = b
    if tag_a != tag_b:
        out.append("%s: element %s, expected %s" % (path or "/", tag_b, tag_a))
        return out
    path = "%s/%s" % (path, _local(tag_a))
    da, db = dict(attrs_a), dict(attrs_b)
    for key in sorted(set(da) | set(db)):
        if key not in db:
            out.append("%s/@%s: missing (was %s)" % (path, _local(key), _short(da[key])))
        elif key not in da:
            out.append("%s/@%s: unexpected %s" % (path, _local(key), _short(db[key])))
        elif da[key] != db[key]:
            out.append("%s/@%s: %s, expected %s" % (path, _local(key), _short(db[key]), _short(da[key])))

    def shape(items):
        return [i if isinstance(i, str) else "<%s>" % _local(i[1]) for i in items]

    if shape(items_a) != shape(items_b) and (
            len(items_a) != len(items_b)
            or any(isinstance(x, str) != isinstance(y, str) for x, y in zip(items_a, items_b))
            or any(not isinstance(x, str) and x[1] != y[1] for x, y in zip(items_a, items_b))):
        out.append("%s: content %s, expected %s" % (path, _short(shape(items_b), 300),
                                                    _short(shape(items_a), 300)))
        return out
    for x, y in zip(items_a, items_b):
        if isinstance(x, str):
            if x != y:
                out.append("%s: text %s, expected %s" % (path, _short(y), _short(x)))
        else:
            diff_infoset(x, y, path, out)
    return out


def norm(value):
    """zeep values -> comparable python values (cf. zeep.helpers.serialize_object,
    which this follows, but keeping the xsi:type of derived values)."""
    if isinstance(value, CompoundValue):
        qname = value._xsd_type.qname
        out = {"@xsi:type": _qname(qname) if qname is not None else None}
        for key in value:
            out[key] = norm(value[key])
        return out
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [norm(v) for v in value]
    if isinstance(value, etree._Element):
        return infoset(value)
    if isinstance(value, datetime.datetime):
        return ("dateTime", value, value.utcoffset())
    if isinstance(value, datetime.time):
        return ("time", value, value.utcoffset())
    return value


def diff(a, b, path="", out=None):
    """Differences between two norm() values, as 'path: ...' strings."""
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a:
                out.append("%s/%s: unexpected %s" % (path, key, _short(b[key])))
            elif key not in b:
                out.append("%s/%s: missing (was %s)" % (path, key, _short(a[key])))
            else:
                diff(a[key], b[key], "%s/%s" % (path, key), out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: %d items, expected %d: %s" % (path or "/", len(b), len(a), _short(b)))
        else:
            for n, (x, y) in enumerate(zip(a, b)):
                diff(x, y, "%s/%d" % (path, n), out)
    elif (isinstance(a, tuple) and isinstance(b, tuple) and a and b
          and a[0] == "xml" and b[0] == "xml"):
        diff_infoset(a, b, path, out)
    elif type(a) is not type(b) and not (isinstance(a, (int, D)) and isinstance(b, (int, D))
                                         and not isinstance(a, bool) and not isinstance(b, bool)):
        out.append("%s: %s (%s), expected %s (%s)" % (
            path or "/", _short(b), type(b).__name__, _short(a), type(a).__name__))
    elif a != b:
        out.append("%s: %s, expected %s" % (path or "/", _short(b), _short(a)))
    return out


# ---------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------
class Case:
    def __init__(self, contract, element, role, source, value):
        self.contract = contract
        self.element = element
        self.role = role
        self.source = source
        self.value = value

    @property
    def name(self):
        return "%s (%s, %s)" % (_qname(self.element.qname), self.role, self.source)


def render(element, value):
    parent = etree.Element("root")
    element.render(parent, value)
    if len(parent) != 1:
        raise ValueError("zeep rendered %d elements" % len(parent))
    child = parent[0]
    return etree.tostring(child, encoding="UTF-8", xml_declaration=True)


def parse(element, xml, schema):
    root = etree.fromstring(xml)
    if root.tag != _qname(element.qname):
        raise ValueError("root element is %s, expected %s" % (root.tag, _qname(element.qname)))
    return element.parse(root, schema)


def schema_errors(xsd, xml):
    if xsd is None:
        return None
    doc = etree.fromstring(xml)
    if xsd.validate(doc):
        return None
    return "; ".join("line %d: %s" % (e.line, e.message) for e in xsd.error_log)


def convert(binary, wsdl, qname, to, data):
    proc = subprocess.run(
        [binary, "convert", wsdl, "--element", qname, "--to", to],
        input=data, capture_output=True, timeout=120)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().replace("\n", " | ")
        raise Failure("convert --to %s exited %d: %s" % (to, proc.returncode, err))
    return proc.stdout


class Failure(Exception):
    pass


def run_case(binary, case, xsd, keep):
    element = case.element
    types = case.contract.client.wsdl.types
    qname = _qname(element.qname)
    files = {}
    try:
        try:
            source_xml = render(element, case.value)
        except Exception as exc:  # noqa: BLE001
            raise Failure("zeep could not render the instance: %s: %s" % (type(exc).__name__, exc))
        files["input.xml"] = source_xml
        problem = schema_errors(xsd, source_xml)
        if problem:
            raise Failure("zeep rendered an instance that is not schema-valid (script/zeep): %s" % problem)
        original = norm(parse(element, source_xml, types))
        json_doc = convert(binary, case.contract.wsdl, qname, "json", source_xml)
        files["json"] = json_doc
        out_xml = convert(binary, case.contract.wsdl, qname, "xml", json_doc)
        files["output.xml"] = out_xml
        problems = []
        invalid = schema_errors(xsd, out_xml)
        if invalid:
            problems.append("output not schema-valid: %s" % invalid)
        try:
            back = norm(parse(element, out_xml, types))
        except Exception as exc:  # noqa: BLE001
            problems.append("zeep cannot parse the output: %s: %s" % (type(exc).__name__, exc))
        else:
            problems.extend("zeep %s" % d for d in diff(original, back))
        # What zeep's objects cannot tell apart: absent / empty / xsi:nil elements,
        # the order of mixed content, namespaces that only values refer to.
        problems.extend("xml %s" % d for d in diff_infoset(
            infoset(etree.fromstring(source_xml)), infoset(etree.fromstring(out_xml))))
        if problems:
            shown = problems[:6] + (["... %d more" % (len(problems) - 6)] if len(problems) > 6 else [])
            raise Failure("; ".join(shown))
        return None
    except Failure as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - a script bug: report, go on
        return "%s: %s" % (type(exc).__name__, exc)
    finally:
        if keep:
            base = os.path.join(keep, re.sub(r"[^A-Za-z0-9_.-]+", "_", "%s-%s-%s" % (
                os.path.basename(case.contract.wsdl), element.qname.localname, case.source)))
            for suffix, data in files.items():
                with open("%s.%s" % (base, suffix), "wb") as f:
                    f.write(data)
        case.files = files


class Contract:
    def __init__(self, wsdl):
        self.wsdl = wsdl
        settings = Settings(strict=True, xml_huge_tree=True, forbid_entities=True)
        self.client = zeep.Client(wsdl, transport=LocalTransport(), settings=settings)
        self.samples = os.path.join(os.path.dirname(wsdl), "samples")


def sample_instances(contract, element):
    """[(source, value)] for the samples of a global element."""
    out = []
    if not os.path.isdir(contract.samples):
        return out
    local = element.qname.localname
    for name in sorted(os.listdir(contract.samples)):
        if not name.endswith(".xml") or name.endswith(".envelope.xml"):
            continue
        stem = name[: -len(".xml")]
        if stem != local and not stem.startswith(local + "-"):
            continue
        root = etree.parse(os.path.join(contract.samples, name)).getroot()
        if root.tag != _qname(element.qname):
            continue
        out.append(("sample %s" % name, element.parse(root, contract.client.wsdl.types)))
    return out


def resolve_contract(arg):
    if os.path.isfile(arg):
        return os.path.abspath(arg)
    folder = arg if os.path.isdir(arg) else os.path.join(ROOT, "wsdl", arg)
    if os.path.isdir(folder):
        wsdls = sorted(f for f in os.listdir(folder)
                       if f.endswith(".wsdl") and not f.endswith("-abstract.wsdl"))
        if len(wsdls) == 1:
            return os.path.abspath(os.path.join(folder, wsdls[0]))
    raise SystemExit("zeep_translate_check: no such contract: %s" % arg)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", help="the soapbridge binary")
    ap.add_argument("contracts", nargs="*", help="WSDL files or wsdl/ folder names")
    ap.add_argument("--keep", metavar="DIR", help="write every case's input, JSON and output here")
    ap.add_argument("--verbose", action="store_true", help="print the documents of failing cases")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    binary = shutil.which(args.binary) or (os.path.abspath(args.binary)
                                          if os.access(args.binary, os.X_OK) else None)
    if binary is None:
        print("zeep_translate_check: %s is not an executable" % args.binary, file=sys.stderr)
        return 2
    paths = [resolve_contract(c) for c in (args.contracts or
                                           [os.path.join(ROOT, p) for p in DEFAULT_CONTRACTS])]
    passed = failed = 0
    for path in paths:
        rel = os.path.relpath(path, ROOT)
        try:
            contract = Contract(path)
        except Exception as exc:  # noqa: BLE001
            print("zeep_translate_check: %s: zeep cannot load it: %s: %s" % (rel, type(exc).__name__, exc),
                  file=sys.stderr)
            return 2
        elements, document_ops = message_elements(contract.client)
        print("== %s: %d document-style operations, %d elements" % (rel, document_ops, len(elements)))
        if not elements:
            print("skip %s: no document-style operation, no global element involved" % rel)
            continue
        xsd = contract_schema(path)
        try:
            built = BUILT.get(os.path.basename(path), lambda client: {})(contract.client)
        except Exception as exc:  # noqa: BLE001 - a script bug: report, check the samples
            failed += 1
            built = {}
            print("FAIL %s: building the instances failed: %s: %s" % (rel, type(exc).__name__, exc))
        used = set()
        for element, role in elements:
            key = (element.qname.namespace, element.qname.localname)
            instances = []
            try:
                instances.extend(sample_instances(contract, element))
            except Exception as exc:  # noqa: BLE001
                failed += 1
                print("FAIL %s (%s): zeep cannot parse a sample: %s: %s" % (
                    _qname(element.qname), role, type(exc).__name__, exc))
            instances.extend(built.get(key, []))
            used.add(key)
            if not instances:
                failed += 1
                print("FAIL %s (%s): no sample and no built instance" % (_qname(element.qname), role))
                continue
            for source, value in instances:
                case = Case(contract, element, role, source, value)
                problem = run_case(binary, case, xsd, args.keep)
                if problem is None:
                    passed += 1
                    print("ok %s" % case.name)
                else:
                    failed += 1
                    print("FAIL %s: %s" % (case.name, problem))
                    if args.verbose:
                        for suffix, data in case.files.items():
                            print("  --- %s\n  %s" % (suffix, data.decode("utf-8", "replace")
                                                       .rstrip().replace("\n", "\n  ")))
        for key in sorted(set(built) - used):
            failed += 1
            print("FAIL {%s}%s: built instances for an element no operation uses" % key)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
