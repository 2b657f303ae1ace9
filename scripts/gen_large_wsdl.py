#!/usr/bin/env python3
"""Generate a large synthetic, valid WSDL 1.1 contract for benchmarks.

    gen_large_wsdl.py [--types N] [--operations M] [--seed S] [-o FILE]

Document/literal wrapped, SOAP 1.1, one service with one port. The schema has
N named global types that reference each other: complex types with sequences,
some with a choice, some deriving by extension from a common base type or from
another complex type, simpleContent types with attributes, attributes on
complex types, repeating elements (maxOccurs="unbounded"), nillable elements,
and simple types (enumerations, facet restrictions, lists). Each of the M
operations has a wrapper request and response element whose content references
a few of those types; every 10th operation declares a fault, every 25th is
one-way (the first is Operation00004). A type mostly references types defined
after it, as in a layered schema, with a few references back (recursion);
references between complex types are always optional (minOccurs="0"), so
recursive types are finite. The output is deterministic: the same arguments
give the same bytes (default seed 1).
"""

import argparse
import random
import sys
from xml.sax.saxutils import quoteattr

TNS = "urn:soapbridge:bench:large"
XS_SIMPLE = ["xs:string", "xs:int", "xs:long", "xs:decimal", "xs:boolean", "xs:dateTime",
             "xs:date", "xs:double", "xs:base64Binary", "xs:anyURI", "xs:short", "xs:token"]
WORDS = ["id", "code", "name", "status", "amount", "quantity", "price", "currency", "date",
         "reference", "note", "owner", "region", "channel", "priority", "category", "total",
         "weight", "country", "city", "street", "email", "phone", "version", "flag", "rate"]
ENUM_WORDS = ["NEW", "OPEN", "PENDING", "ACTIVE", "CLOSED", "CANCELLED", "ON_HOLD", "SHIPPED",
              "RETURNED", "ARCHIVED", "DRAFT", "APPROVED", "REJECTED"]


class Gen:
    def __init__(self, n_types, n_ops, seed):
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_types = max(n_types, 4)
        self.n_ops = max(n_ops, 1)
        self.kinds = []  # per type index: "enum" | "restr" | "list" | "seq" | "choice" | "ext" | "simplecontent"
        self.out = []

    # -- helpers -----------------------------------------------------------
    def w(self, line):
        self.out.append(line)

    def tname(self, i):
        kind = self.kinds[i]
        prefix = {"enum": "Code", "restr": "Value", "list": "List", "simplecontent": "Measure"}.get(kind, "Record")
        return "%s%05d" % (prefix, i)

    def field(self, j):
        return "%s%d" % (WORDS[j % len(WORDS)], j)

    def is_complex(self, i):
        return self.kinds[i] in ("seq", "choice", "ext")

    def pick_type(self, complex_ok=True, owner=None):
        """A type reference: a built-in, one of our simple types, or a complex type.

        Like a real layered schema, a type mostly refers to types defined after
        it (so chains of references stay short, about ln N), with a few
        references back (recursive structures)."""
        r = self.rng.random()
        if r < 0.45:
            return self.rng.choice(XS_SIMPLE), False
        if owner is not None and owner < self.n_types - 1 and self.rng.random() < 0.95:
            i = self.rng.randrange(owner + 1, self.n_types)
        else:
            i = self.rng.randrange(self.n_types)
        if not complex_ok:  # attributes: simple types only
            for _ in range(20):
                if self.kinds[i] in ("enum", "restr", "list"):
                    break
                i = self.rng.randrange(self.n_types)
            else:
                return "xs:string", False
        return "tns:" + self.tname(i), self.is_complex(i)

    def element(self, indent, name, type_ref, is_complex):
        attrs = ["name=%s" % quoteattr(name), "type=%s" % quoteattr(type_ref)]
        r = self.rng.random()
        if is_complex:
            attrs.append('minOccurs="0"')  # keeps recursive types finite
            if r < 0.3:
                attrs.append('maxOccurs="unbounded"')
        elif r < 0.25:
            attrs.append('minOccurs="0"')
        elif r < 0.35:
            attrs.append('minOccurs="0" maxOccurs="unbounded"')
        elif r < 0.42:
            attrs.append('nillable="true"')
        self.w("%s<xs:element %s/>" % (indent, " ".join(attrs)))

    def attributes(self, indent, count, prefix=""):
        for k in range(count):
            t, _ = self.pick_type(complex_ok=False)
            use = ' use="required"' if self.rng.random() < 0.3 else ""
            self.w('%s<xs:attribute name="%sattr%d" type=%s%s/>' % (indent, prefix, k, quoteattr(t), use))

    # -- schema ------------------------------------------------------------
    def plan(self):
        for i in range(self.n_types):
            r = self.rng.random()
            if r < 0.10:
                kind = "enum"
            elif r < 0.15:
                kind = "restr"
            elif r < 0.17:
                kind = "list"
            elif r < 0.22:
                kind = "simplecontent"
            elif r < 0.55:
                kind = "seq"
            elif r < 0.70:
                kind = "choice"
            else:
                kind = "ext"
            self.kinds.append(kind)
        # extension needs an earlier non-ext complex base (or BaseRecord): no derivation cycles
        self.bases = {}
        for i, kind in enumerate(self.kinds):
            if kind != "ext":
                continue
            candidates = [j for j in range(max(0, i - 50), i) if self.kinds[j] in ("seq", "choice")]
            if candidates and self.rng.random() < 0.6:
                self.bases[i] = "tns:" + self.tname(self.rng.choice(candidates))
            else:
                self.bases[i] = "tns:BaseRecord"

    def simple_type(self, i):
        kind = self.kinds[i]
        name = self.tname(i)
        self.w('      <xs:simpleType name="%s">' % name)
        if kind == "enum":
            k = self.rng.randint(2, 8)
            self.w('        <xs:restriction base="xs:string">')
            for word in self.rng.sample(ENUM_WORDS, k):
                self.w('          <xs:enumeration value="%s"/>' % word)
            self.w("        </xs:restriction>")
        elif kind == "restr":
            if self.rng.random() < 0.5:
                self.w('        <xs:restriction base="xs:string">')
                self.w('          <xs:minLength value="1"/>')
                self.w('          <xs:maxLength value="%d"/>' % self.rng.choice([8, 16, 35, 64, 255]))
                if self.rng.random() < 0.4:
                    self.w('          <xs:pattern value="[A-Z]{2}[0-9A-Z\\-]*"/>')
            else:
                self.w('        <xs:restriction base="xs:decimal">')
                self.w('          <xs:totalDigits value="18"/>')
                self.w('          <xs:fractionDigits value="%d"/>' % self.rng.choice([0, 2, 4]))
                self.w('          <xs:minInclusive value="0"/>')
            self.w("        </xs:restriction>")
        else:  # list
            self.w('        <xs:list itemType="%s"/>' % self.rng.choice(["xs:int", "xs:token", "xs:date"]))
        self.w("      </xs:simpleType>")

    def complex_type(self, i):
        kind = self.kinds[i]
        name = self.tname(i)
        n_fields = self.rng.randint(2, 7)
        if kind == "simplecontent":
            base = self.rng.choice(["xs:decimal", "xs:string", "xs:int"])
            self.w('      <xs:complexType name="%s">' % name)
            self.w('        <xs:simpleContent><xs:extension base="%s">' % base)
            self.attributes("          ", self.rng.randint(1, 3))
            self.w("        </xs:extension></xs:simpleContent>")
            self.w("      </xs:complexType>")
            return
        self.w('      <xs:complexType name="%s">' % name)
        inner = "        "
        if kind == "ext":
            self.w('        <xs:complexContent><xs:extension base="%s">' % self.bases[i])
            inner = "          "
        # In a derived type every local name (elements and attributes) gets a prefix
        # of its own, so that it never clashes with a name of its base type.
        prefix = "x%d_" % i if kind == "ext" else ""
        self.w(inner + "<xs:sequence>")
        for j in range(n_fields):
            t, cx = self.pick_type(owner=i)
            self.element(inner + "  ", prefix + self.field(j), t, cx)
        if kind == "choice":
            self.w(inner + '  <xs:choice minOccurs="0">')
            for b in range(self.rng.randint(2, 4)):
                t, cx = self.pick_type(owner=i)
                self.w(inner + '    <xs:element name="%soption%d" type=%s/>' % (prefix, b, quoteattr(t)))
            self.w(inner + "  </xs:choice>")
        self.w(inner + "</xs:sequence>")
        if self.rng.random() < 0.4:
            self.attributes(inner, self.rng.randint(1, 2), prefix)
        if kind == "ext":
            self.w("        </xs:extension></xs:complexContent>")
        self.w("      </xs:complexType>")

    def schema(self):
        self.w('    <xs:schema targetNamespace="%s" elementFormDefault="qualified"' % TNS)
        self.w('        xmlns:tns="%s">' % TNS)
        self.w('      <xs:complexType name="BaseRecord">')
        self.w("        <xs:sequence>")
        self.w('          <xs:element name="recordId" type="xs:string"/>')
        self.w('          <xs:element name="createdAt" type="xs:dateTime" minOccurs="0"/>')
        self.w("        </xs:sequence>")
        self.w('        <xs:attribute name="revision" type="xs:int"/>')
        self.w("      </xs:complexType>")
        self.w('      <xs:element name="ServiceFault">')
        self.w("        <xs:complexType><xs:sequence>")
        self.w('          <xs:element name="code" type="xs:string"/>')
        self.w('          <xs:element name="message" type="xs:string"/>')
        self.w("        </xs:sequence></xs:complexType>")
        self.w("      </xs:element>")
        for i in range(self.n_types):
            if self.kinds[i] in ("enum", "restr", "list"):
                self.simple_type(i)
            else:
                self.complex_type(i)
        for k in range(self.n_ops):
            op = self.op_name(k)
            for suffix in ("", "Response"):
                if suffix and self.one_way(k):
                    continue
                self.w('      <xs:element name="%s%s">' % (op, suffix))
                self.w("        <xs:complexType><xs:sequence>")
                for j in range(self.rng.randint(1, 4)):
                    t, cx = self.pick_type()
                    self.element("          ", self.field(j), t, cx)
                self.w("        </xs:sequence></xs:complexType>")
                self.w("      </xs:element>")
        self.w("    </xs:schema>")

    # -- WSDL --------------------------------------------------------------
    def op_name(self, k):
        return "Operation%05d" % k

    def one_way(self, k):
        return k % 25 == 4

    def has_fault(self, k):
        return k % 10 == 9 and not self.one_way(k)

    def generate(self):
        self.plan()
        self.w('<?xml version="1.0" encoding="UTF-8"?>')
        # (no "--" inside an XML comment)
        self.w("<!-- Generated by scripts/gen_large_wsdl.py: %d types, %d operations, seed %d. -->"
               % (self.n_types, self.n_ops, self.seed))
        self.w('<wsdl:definitions name="LargeService" targetNamespace="%s"' % TNS)
        self.w('    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"')
        self.w('    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"')
        self.w('    xmlns:xs="http://www.w3.org/2001/XMLSchema"')
        self.w('    xmlns:tns="%s">' % TNS)
        self.w("  <wsdl:types>")
        self.schema()
        self.w("  </wsdl:types>")
        self.w('  <wsdl:message name="ServiceFault"><wsdl:part name="fault" element="tns:ServiceFault"/></wsdl:message>')
        for k in range(self.n_ops):
            op = self.op_name(k)
            self.w('  <wsdl:message name="%sRequest"><wsdl:part name="parameters" element="tns:%s"/></wsdl:message>'
                   % (op, op))
            if not self.one_way(k):
                self.w('  <wsdl:message name="%sResponse"><wsdl:part name="parameters" element="tns:%sResponse"/>'
                       "</wsdl:message>" % (op, op))
        self.w('  <wsdl:portType name="LargePortType">')
        for k in range(self.n_ops):
            op = self.op_name(k)
            self.w('    <wsdl:operation name="%s">' % op)
            self.w('      <wsdl:input message="tns:%sRequest"/>' % op)
            if not self.one_way(k):
                self.w('      <wsdl:output message="tns:%sResponse"/>' % op)
            if self.has_fault(k):
                self.w('      <wsdl:fault name="ServiceFault" message="tns:ServiceFault"/>')
            self.w("    </wsdl:operation>")
        self.w("  </wsdl:portType>")
        self.w('  <wsdl:binding name="LargeBinding" type="tns:LargePortType">')
        self.w('    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>')
        for k in range(self.n_ops):
            op = self.op_name(k)
            self.w('    <wsdl:operation name="%s">' % op)
            self.w('      <soap:operation soapAction="%s/%s" style="document"/>' % (TNS, op))
            self.w('      <wsdl:input><soap:body use="literal"/></wsdl:input>')
            if not self.one_way(k):
                self.w('      <wsdl:output><soap:body use="literal"/></wsdl:output>')
            if self.has_fault(k):
                self.w('      <wsdl:fault name="ServiceFault"><soap:fault name="ServiceFault" use="literal"/></wsdl:fault>')
            self.w("    </wsdl:operation>")
        self.w("  </wsdl:binding>")
        self.w('  <wsdl:service name="LargeService">')
        self.w('    <wsdl:port name="LargePort" binding="tns:LargeBinding">')
        self.w('      <soap:address location="http://localhost:8080/soap/LargeService"/>')
        self.w("    </wsdl:port>")
        self.w("  </wsdl:service>")
        self.w("</wsdl:definitions>")
        return "\n".join(self.out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--types", type=int, default=5000, help="named global types (default 5000)")
    ap.add_argument("--operations", type=int, default=2000, help="operations (default 2000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    args = ap.parse_args(argv)
    if args.types < 4 or args.operations < 1:
        ap.error("need --types >= 4 and --operations >= 1")
    text = Gen(args.types, args.operations, args.seed).generate()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
