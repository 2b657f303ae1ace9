//! Well-known namespace URIs, in one place.
//!
//! XML is matched on (namespace URI, local name), never on prefixes, so every
//! comparison in the crate goes through these constants.

/// XML Schema 1.0 (2001).
pub const XS: &str = "http://www.w3.org/2001/XMLSchema";
/// The 1999 and 2000 drafts of XML Schema, still seen in old rpc/encoded
/// contracts; their built-in type names are read as aliases of [`XS`].
pub const XS_1999: &str = "http://www.w3.org/1999/XMLSchema";
pub const XS_2000: &str = "http://www.w3.org/2000/10/XMLSchema";
/// XML Schema instance (`xsi:type`, `xsi:nil`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The `xml:` prefix namespace (`xml:lang`, `xml:space`, `xml:base`, `xml:id`).
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
/// Namespace declarations themselves.
pub const XMLNS: &str = "http://www.w3.org/2000/xmlns/";

/// WSDL 1.1.
pub const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
/// WSDL 1.1 SOAP 1.1 binding extension.
pub const WSDL_SOAP11: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
/// WSDL 1.1 SOAP 1.2 binding extension.
pub const WSDL_SOAP12: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
/// WSDL 1.1 HTTP binding extension.
pub const WSDL_HTTP: &str = "http://schemas.xmlsoap.org/wsdl/http/";
/// WSDL 1.1 MIME binding extension (SOAP with attachments).
pub const WSDL_MIME: &str = "http://schemas.xmlsoap.org/wsdl/mime/";

/// SOAP 1.1 envelope.
pub const SOAP11_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope.
pub const SOAP12_ENV: &str = "http://www.w3.org/2003/05/soap-envelope";
/// SOAP 1.1 encoding (`SOAP-ENC`, rpc/encoded).
pub const SOAP11_ENC: &str = "http://schemas.xmlsoap.org/soap/encoding/";
/// SOAP 1.2 encoding.
pub const SOAP12_ENC: &str = "http://www.w3.org/2003/05/soap-encoding";
/// SOAP 1.1 over HTTP transport URI used in `soap:binding transport=`.
pub const SOAP_HTTP_TRANSPORT: &str = "http://schemas.xmlsoap.org/soap/http";

/// WS-Security 1.0 secext.
pub const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// WS-Security 1.0 utility (`wsu:Id`, `wsu:Timestamp`).
pub const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// XML Signature.
pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// WS-Addressing 1.0 (W3C, 2005).
pub const WSA: &str = "http://www.w3.org/2005/08/addressing";
/// WS-Addressing member submission (2004), still sent by older JAX-WS and WCF stacks.
pub const WSA_2004: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
/// WS-Addressing metadata for WSDL (`wsam:Action`).
pub const WSAM: &str = "http://www.w3.org/2007/05/addressing/metadata";
/// OASIS XML Catalogs 1.1.
pub const CATALOG: &str = "urn:oasis:names:tc:entity:xmlns:xml:catalog";

/// True for the namespaces whose built-in types are XML Schema's own.
pub fn is_xs(ns: &str) -> bool {
    ns == XS || ns == XS_1999 || ns == XS_2000
}
