//! Schemas for the namespaces SOAP contracts import from the web, built in.
//!
//! Contracts routinely `xs:import` `xml.xsd`, SOAP encoding, WS-Security and
//! WS-Addressing from their public URLs. A bank's integration host cannot
//! reach those URLs, so soapbridge carries its own descriptions of them
//! (written for soapbridge, describing the components contracts refer to) and
//! resolves such imports offline. A catalog entry still wins, so a site that
//! must use the normative files can map them.

use crate::ns;
use crate::schema::builtin::Builtin;

#[derive(Debug, PartialEq, Eq)]
pub struct WellKnown {
    /// Short name, shown as `builtin:<name>` in locations.
    pub name: &'static str,
    pub namespace: &'static str,
    /// Public locations contracts use for this schema.
    pub locations: &'static [&'static str],
    text: Text,
}

#[derive(Debug, PartialEq, Eq)]
enum Text {
    Static(&'static str),
    SoapEncoding11,
}

impl WellKnown {
    pub fn text(&self) -> String {
        match self.text {
            Text::Static(s) => s.to_string(),
            Text::SoapEncoding11 => soap_encoding_11(),
        }
    }
}

pub static ALL: &[WellKnown] = &[
    WellKnown {
        name: "xml.xsd",
        namespace: ns::XML,
        locations: &[
            "http://www.w3.org/2001/xml.xsd",
            "http://www.w3.org/2009/01/xml.xsd",
            "http://www.w3.org/XML/1998/namespace",
        ],
        text: Text::Static(include_str!("wellknown/xml.xsd")),
    },
    WellKnown {
        name: "soap-encoding-1.1",
        namespace: ns::SOAP11_ENC,
        locations: &["http://schemas.xmlsoap.org/soap/encoding/"],
        text: Text::SoapEncoding11,
    },
    WellKnown {
        name: "soap-encoding-1.2",
        namespace: ns::SOAP12_ENC,
        locations: &["http://www.w3.org/2003/05/soap-encoding"],
        text: Text::Static(include_str!("wellknown/soap12enc.xsd")),
    },
    WellKnown {
        name: "soap-envelope-1.1",
        namespace: ns::SOAP11_ENV,
        locations: &["http://schemas.xmlsoap.org/soap/envelope/"],
        text: Text::Static(include_str!("wellknown/soap11env.xsd")),
    },
    WellKnown {
        name: "wsdl-1.1",
        namespace: ns::WSDL,
        locations: &["http://schemas.xmlsoap.org/wsdl/"],
        text: Text::Static(include_str!("wellknown/wsdl.xsd")),
    },
    WellKnown {
        name: "wss-secext-1.0",
        namespace: ns::WSSE,
        locations: &[
            "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
        ],
        text: Text::Static(include_str!("wellknown/wsse.xsd")),
    },
    WellKnown {
        name: "wss-utility-1.0",
        namespace: ns::WSU,
        locations: &[
            "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
        ],
        text: Text::Static(include_str!("wellknown/wsu.xsd")),
    },
    WellKnown {
        name: "xmldsig",
        namespace: ns::DS,
        locations: &[
            "http://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd",
            "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd",
            "http://www.w3.org/2000/09/xmldsig",
        ],
        text: Text::Static(include_str!("wellknown/ds.xsd")),
    },
    WellKnown {
        name: "ws-addressing-1.0",
        namespace: ns::WSA,
        locations: &[
            "http://www.w3.org/2006/03/addressing/ws-addr.xsd",
            "http://www.w3.org/2005/08/addressing/ws-addr.xsd",
            "http://www.w3.org/2005/08/addressing",
        ],
        text: Text::Static(include_str!("wellknown/wsa.xsd")),
    },
    WellKnown {
        name: "ws-addressing-2004-08",
        namespace: ns::WSA_2004,
        locations: &["http://schemas.xmlsoap.org/ws/2004/08/addressing"],
        text: Text::Static(include_str!("wellknown/wsa2004.xsd")),
    },
];

/// Strips scheme differences and trailing slashes so `https://...` and
/// `http://.../` forms of a location compare equal.
fn normalize(loc: &str) -> &str {
    let loc = loc
        .strip_prefix("https://")
        .or_else(|| loc.strip_prefix("http://"))
        .unwrap_or(loc);
    loc.trim_end_matches('/')
}

pub fn by_location(location: &str) -> Option<&'static WellKnown> {
    let wanted = normalize(location);
    ALL.iter()
        .find(|w| w.locations.iter().any(|l| normalize(l) == wanted))
}

pub fn by_namespace(namespace: &str) -> Option<&'static WellKnown> {
    ALL.iter().find(|w| w.namespace == namespace)
}

pub fn by_name(name: &str) -> Option<&'static WellKnown> {
    ALL.iter().find(|w| w.name == name)
}

/// SOAP 1.1 encoding: `Array`, `Struct`, the `arrayType`/`offset`/`position`
/// attributes, `id`/`href` references, and one wrapper type per XSD
/// built-in (`soapenc:string` is `xs:string` plus `id`/`href`).
fn soap_encoding_11() -> String {
    let mut s = String::from(
        r###"<?xml version="1.0" encoding="UTF-8"?>
<!-- soapbridge's built-in description of SOAP 1.1 section 5 encoding. -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"
           targetNamespace="http://schemas.xmlsoap.org/soap/encoding/">
  <xs:attribute name="root"><xs:simpleType><xs:restriction base="xs:boolean"><xs:pattern value="0|1"/></xs:restriction></xs:simpleType></xs:attribute>
  <xs:attributeGroup name="commonAttributes">
    <xs:attribute name="id" type="xs:ID"/>
    <xs:attribute name="href" type="xs:anyURI"/>
    <xs:anyAttribute namespace="##other" processContents="lax"/>
  </xs:attributeGroup>
  <xs:attribute name="arrayType" type="xs:string"/>
  <xs:attribute name="offset" type="xs:string"/>
  <xs:attribute name="position" type="xs:string"/>
  <xs:attributeGroup name="arrayAttributes">
    <xs:attribute ref="soapenc:arrayType"/>
    <xs:attribute ref="soapenc:offset"/>
  </xs:attributeGroup>
  <xs:complexType name="Array">
    <xs:sequence><xs:any namespace="##any" processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:attributeGroup ref="soapenc:arrayAttributes"/>
    <xs:attributeGroup ref="soapenc:commonAttributes"/>
  </xs:complexType>
  <xs:element name="Array" type="soapenc:Array"/>
  <xs:complexType name="Struct">
    <xs:sequence><xs:any namespace="##any" processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:attributeGroup ref="soapenc:commonAttributes"/>
  </xs:complexType>
  <xs:element name="Struct" type="soapenc:Struct"/>
  <xs:simpleType name="base64"><xs:restriction base="xs:base64Binary"/></xs:simpleType>
"###,
    );
    for b in Builtin::ALL {
        if matches!(b, Builtin::AnyType | Builtin::AnySimpleType) {
            continue;
        }
        let n = b.name();
        s.push_str(&format!(
            "  <xs:complexType name=\"{n}\"><xs:simpleContent><xs:extension base=\"xs:{n}\">\
             <xs:attributeGroup ref=\"soapenc:commonAttributes\"/></xs:extension></xs:simpleContent></xs:complexType>\n  \
             <xs:element name=\"{n}\" type=\"soapenc:{n}\"/>\n"
        ));
    }
    s.push_str("</xs:schema>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_match_across_scheme_and_slash() {
        assert_eq!(
            by_location("https://schemas.xmlsoap.org/soap/encoding")
                .unwrap()
                .namespace,
            ns::SOAP11_ENC
        );
        assert_eq!(
            by_location("http://www.w3.org/2001/xml.xsd").unwrap().name,
            "xml.xsd"
        );
        assert!(by_location("http://example.com/x.xsd").is_none());
        assert_eq!(by_namespace(ns::WSU).unwrap().name, "wss-utility-1.0");
    }

    #[test]
    fn every_builtin_schema_is_well_formed() {
        for w in ALL {
            let text = w.text();
            let root = crate::xml::parse(&text, &crate::xml::Limits::default())
                .unwrap_or_else(|e| panic!("{}: {e} at {:?}", w.name, e.pos));
            assert_eq!(
                root.attr("targetNamespace"),
                Some(w.namespace),
                "{}",
                w.name
            );
        }
    }
}
