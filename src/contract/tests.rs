//! Contract loading: the document walk, resolution policy, WSDL components
//! and the per-operation view.

use std::io::{Read, Write};
use std::sync::Arc;

use super::testutil::{load, load_with, write_files};
use super::*;
use crate::schema::Builtin;

const DEFS: &str = r#"xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
  xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" xmlns:xs="http://www.w3.org/2001/XMLSchema""#;

fn q(ns: &str, local: &str) -> QName {
    QName::new(ns, local)
}

fn err_text(r: Result<Contract, LoadErrors>) -> String {
    match r {
        Ok(_) => panic!("expected the contract to fail"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn imports_and_includes_across_files_with_cycles() {
    let wsdl = format!(
        r#"<definitions {DEFS} xmlns:a="urn:a" targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc"><xs:import namespace="urn:a" schemaLocation="xsd/a.xsd"/></xs:schema></types>
</definitions>"#
    );
    let a = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:b="urn:b" xmlns:a="urn:a" targetNamespace="urn:a">
  <xs:import namespace="urn:b" schemaLocation="sub/b.xsd"/>
  <xs:include schemaLocation="a-part.xsd"/>
  <xs:element name="A" type="b:BType"/>
</xs:schema>"#;
    let a_part = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a">
  <xs:include schemaLocation="a.xsd"/>
  <xs:element name="APart" type="xs:int"/>
</xs:schema>"#;
    // b imports a back: a cycle across namespaces.
    let b = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:a="urn:a" targetNamespace="urn:b">
  <xs:import namespace="urn:a" schemaLocation="../a.xsd"/>
  <xs:complexType name="BType"><xs:sequence><xs:element ref="a:APart"/></xs:sequence></xs:complexType>
</xs:schema>"#;
    let c = load(&[
        ("svc.wsdl", &wsdl),
        ("xsd/a.xsd", a),
        ("xsd/a-part.xsd", a_part),
        ("xsd/sub/b.xsd", b),
    ])
    .unwrap();
    assert!(c.schema.global_element(&q("urn:a", "A")).is_some());
    assert!(c.schema.global_element(&q("urn:a", "APart")).is_some());
    assert!(c.schema.global_type(&q("urn:b", "BType")).is_some());
    // Each document once.
    assert_eq!(c.documents.len(), 4);
}

#[test]
fn chameleon_include_takes_each_includers_namespace() {
    let common = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:simpleType name="Code"><xs:restriction base="xs:string"><xs:maxLength value="4"/></xs:restriction></xs:simpleType>
  <xs:complexType name="Pair"><xs:sequence><xs:element name="code" type="Code"/></xs:sequence></xs:complexType>
</xs:schema>"#;
    let wsdl = format!(
        r#"<definitions {DEFS} targetNamespace="urn:svc">
  <types>
    <xs:schema targetNamespace="urn:one" xmlns:o="urn:one"><xs:include schemaLocation="common.xsd"/>
      <xs:element name="E" type="o:Pair"/></xs:schema>
    <xs:schema targetNamespace="urn:two" xmlns:t="urn:two"><xs:include schemaLocation="common.xsd"/>
      <xs:element name="E" type="t:Code"/></xs:schema>
  </types>
</definitions>"#
    );
    let c = load(&[("svc.wsdl", &wsdl), ("common.xsd", common)]).unwrap();
    let s = &c.schema;
    let pair = s
        .global_type(&q("urn:one", "Pair"))
        .expect("Pair in urn:one");
    assert!(s.global_type(&q("urn:two", "Pair")).is_some());
    assert!(s.global_type(&q("", "Pair")).is_none());
    // The unqualified reference `Code` inside the chameleon resolved to urn:one's Code.
    let ct = s.ty(pair).as_complex().unwrap();
    let crate::schema::Content::Elements(p) = &ct.content else {
        panic!()
    };
    let crate::schema::Term::Group(g) = &p.term else {
        panic!()
    };
    let crate::schema::Term::Element(code) = g.particles[0].term else {
        panic!()
    };
    assert_eq!(
        s.element(code).type_id,
        s.global_type(&q("urn:one", "Code")).unwrap()
    );
}

#[test]
fn wsdl_import_splits_abstract_and_concrete_parts() {
    let abstract_ = format!(
        r#"<definitions {DEFS} xmlns:tns="urn:abs" targetNamespace="urn:abs">
  <types><xs:schema targetNamespace="urn:abs" elementFormDefault="qualified">
    <xs:element name="Ping"><xs:complexType><xs:sequence><xs:element name="n" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="PingResponse"><xs:complexType><xs:sequence/></xs:complexType></xs:element>
  </xs:schema></types>
  <message name="PingIn"><part name="parameters" element="tns:Ping"/></message>
  <message name="PingOut"><part name="parameters" element="tns:PingResponse"/></message>
  <portType name="PingPort"><operation name="Ping"><input message="tns:PingIn"/><output message="tns:PingOut"/></operation></portType>
</definitions>"#
    );
    let concrete = format!(
        r#"<definitions {DEFS} xmlns:abs="urn:abs" xmlns:tns="urn:svc" targetNamespace="urn:svc">
  <import namespace="urn:abs" location="abstract.wsdl"/>
  <binding name="B" type="abs:PingPort"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Ping"><soap:operation soapAction="urn:ping"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="S"><port name="P" binding="tns:B"><soap:address location="http://x/ping"/></port></service>
</definitions>"#
    );
    let c = load(&[("svc.wsdl", &concrete), ("abstract.wsdl", &abstract_)]).unwrap();
    let svc = c.services().next().unwrap();
    let port = &svc.ports[0];
    assert_eq!(c.soap_version(port), Some(crate::wsdl::SoapVersion::V11));
    let ops = c.bound_operations(c.binding(&port.binding).unwrap());
    assert_eq!(ops[0].name, "Ping");
    assert!(ops[0].wrapped);
    assert_eq!(ops[0].soap_action.as_deref(), Some("urn:ping"));
    assert_eq!(
        ops[0].input.as_ref().unwrap().element,
        Some(q("urn:abs", "Ping"))
    );
}

#[test]
fn missing_import_names_the_referencing_location() {
    let wsdl = format!(
        r#"<definitions {DEFS} targetNamespace="urn:svc">
  <types>
    <xs:schema targetNamespace="urn:svc">
      <xs:import namespace="urn:a" schemaLocation="nope.xsd"/>
    </xs:schema>
  </types>
</definitions>"#
    );
    let err = err_text(load(&[("svc.wsdl", &wsdl)]));
    assert!(err.contains("svc.wsdl:6:7: cannot read"), "{err}");
    assert!(
        err.contains("nope.xsd` : file not found") || err.contains("nope.xsd`: file not found"),
        "{err}"
    );
}

#[test]
fn remote_locations_are_refused_unless_mapped_or_allowed() {
    let wsdl = format!(
        r#"<definitions {DEFS} targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc" xmlns:r="urn:remote">
    <xs:import namespace="urn:remote" schemaLocation="https://schemas.example.com/remote.xsd"/>
    <xs:element name="E" type="r:T"/>
  </xs:schema></types>
</definitions>"#
    );
    let err = err_text(load(&[("svc.wsdl", &wsdl)]));
    assert!(
        err.contains(
            "svc.wsdl:5:5: remote location `https://schemas.example.com/remote.xsd` is not fetched"
        ),
        "{err}"
    );
    assert!(err.contains("--catalog"), "{err}");

    // A catalog maps it to a local file.
    let remote = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:remote">
      <xs:simpleType name="T"><xs:restriction base="xs:string"/></xs:simpleType></xs:schema>"#;
    let catalog = r#"<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
      <rewriteURI uriStartString="https://schemas.example.com/" rewritePrefix="mirror/"/></catalog>"#;
    let dir = write_files(&[
        ("svc.wsdl", &wsdl),
        ("mirror/remote.xsd", remote),
        ("catalog.xml", catalog),
    ]);
    let opts = LoadOptions {
        catalog: Some(Arc::new(
            catalog::Catalog::load(&dir.join("catalog.xml")).unwrap(),
        )),
        ..LoadOptions::default()
    };
    let c = Contract::load(&dir.join("svc.wsdl"), &opts).unwrap();
    assert!(c.schema.global_type(&q("urn:remote", "T")).is_some());
}

/// Serves one fixed body on loopback for `n` requests.
fn serve_once(body: &'static str, n: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let mut paths = Vec::new();
        for _ in 0..n {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let read = s.read(&mut buf).unwrap();
            let req = String::from_utf8_lossy(&buf[..read]).to_string();
            paths.push(
                req.split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string(),
            );
            let resp = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            s.write_all(resp.as_bytes()).unwrap();
        }
        paths
    });
    (format!("http://{addr}"), handle)
}

#[test]
fn remote_fetching_works_only_when_allowed() {
    let remote = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:remote">
      <xs:simpleType name="T"><xs:restriction base="xs:string"/></xs:simpleType></xs:schema>"#;
    let (base, server) = serve_once(remote, 1);
    let wsdl = format!(
        r#"<definitions {DEFS} targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc" xmlns:r="urn:remote">
    <xs:import namespace="urn:remote" schemaLocation="{base}/schemas/remote.xsd"/>
    <xs:element name="E" type="r:T"/>
  </xs:schema></types>
</definitions>"#
    );
    let opts = LoadOptions {
        allow_remote: true,
        fetcher: Some(Arc::new(source::HttpFetcher::new().unwrap())),
        ..LoadOptions::default()
    };
    let c = load_with(&[("svc.wsdl", &wsdl)], &opts).unwrap();
    assert!(c.schema.global_type(&q("urn:remote", "T")).is_some());
    assert_eq!(
        server.join().unwrap(),
        vec!["/schemas/remote.xsd".to_string()]
    );
    assert!(
        c.documents
            .iter()
            .any(|d| d.name.starts_with("http://127.0.0.1"))
    );
}

#[test]
fn well_known_namespaces_resolve_offline_without_files() {
    let wsdl = format!(
        r#"<definitions {DEFS} xmlns:tns="urn:svc" targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc" elementFormDefault="qualified"
      xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
      xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
      xmlns:wsa="http://www.w3.org/2005/08/addressing"
      xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">
    <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="http://www.w3.org/2001/xml.xsd"/>
    <xs:import namespace="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
               schemaLocation="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"/>
    <xs:import namespace="http://www.w3.org/2005/08/addressing" schemaLocation="https://www.w3.org/2006/03/addressing/ws-addr.xsd"/>
    <xs:import namespace="http://schemas.xmlsoap.org/soap/encoding/"/>
    <xs:element name="E"><xs:complexType><xs:sequence>
      <xs:element ref="wsse:Security"/><xs:element ref="wsu:Timestamp"/><xs:element ref="wsa:ReplyTo"/>
      <xs:element name="s" type="soapenc:string"/>
    </xs:sequence><xs:attribute ref="xml:lang"/></xs:complexType></xs:element>
  </xs:schema></types>
</definitions>"#
    );
    let c = load(&[("svc.wsdl", &wsdl)]).unwrap();
    let builtins: Vec<&str> = c
        .documents
        .iter()
        .filter(|d| d.builtin)
        .map(|d| d.name.as_ref())
        .collect();
    for name in [
        "builtin:xml.xsd",
        "builtin:wss-secext-1.0",
        "builtin:wss-utility-1.0",
        "builtin:ws-addressing-1.0",
        "builtin:soap-encoding-1.1",
    ] {
        assert!(builtins.contains(&name), "{name} not in {builtins:?}");
    }
    let s = &c.schema;
    let string = s.global_type(&q(crate::ns::SOAP11_ENC, "string")).unwrap();
    let crate::schema::Content::Simple(v) = s.ty(string).as_complex().unwrap().content else {
        panic!()
    };
    assert_eq!(v, s.builtin(Builtin::String));
}

#[test]
fn a_users_copy_of_a_well_known_schema_wins() {
    let own = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/2005/08/addressing">
      <xs:element name="Action" type="xs:anyURI"/><xs:element name="Custom" type="xs:string"/></xs:schema>"#;
    let wsdl = format!(
        r#"<definitions {DEFS} targetNamespace="urn:svc">
  <types>
    <xs:schema targetNamespace="urn:one"><xs:import namespace="http://www.w3.org/2005/08/addressing" schemaLocation="wsa-local.xsd"/></xs:schema>
    <xs:schema targetNamespace="urn:two"><xs:import namespace="http://www.w3.org/2005/08/addressing"/></xs:schema>
  </types>
</definitions>"#
    );
    let c = load(&[("svc.wsdl", &wsdl), ("wsa-local.xsd", own)]).unwrap();
    assert!(
        c.schema
            .global_element(&q(crate::ns::WSA, "Custom"))
            .is_some()
    );
    let action = c.schema.element(
        c.schema
            .global_element(&q(crate::ns::WSA, "Action"))
            .unwrap(),
    );
    assert_eq!(
        action.type_id,
        c.schema.builtin(Builtin::AnyUri),
        "the user's declaration, not the built-in's"
    );
}

#[test]
fn dtds_and_entities_are_refused_in_every_document() {
    let wsdl = format!(
        r#"<definitions {DEFS} targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc"><xs:include schemaLocation="evil.xsd"/></xs:schema></types>
</definitions>"#
    );
    let evil = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">&xxe;</xs:schema>";
    let err = err_text(load(&[("svc.wsdl", &wsdl), ("evil.xsd", evil)]));
    assert!(
        err.contains("evil.xsd:2:1: DOCTYPE declarations are refused"),
        "{err}"
    );
    let err = err_text(load(&[("x.wsdl", "<!DOCTYPE definitions><definitions/>")]));
    assert!(err.contains("x.wsdl:1:1: DOCTYPE"), "{err}");
}

#[test]
fn absurd_nesting_and_size_fail_with_limits() {
    let deep = format!(
        "<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\">{}",
        "<documentation>".repeat(100_000)
    );
    let start = std::time::Instant::now();
    let err = err_text(load(&[("deep.wsdl", &deep)]));
    assert!(err.contains("nesting deeper than 256 levels"), "{err}");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    let opts = LoadOptions {
        limits: crate::xml::Limits {
            max_bytes: 1024,
            ..crate::xml::Limits::default()
        },
        ..LoadOptions::default()
    };
    let big = format!(
        "<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\">{}</definitions>",
        " ".repeat(4096)
    );
    let err = err_text(load_with(&[("big.wsdl", &big)], &opts));
    assert!(err.contains("larger than 1024 bytes"), "{err}");
}

#[test]
fn not_a_wsdl_and_malformed_xml() {
    let err = err_text(load(&[(
        "x.wsdl",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>",
    )]));
    assert!(err.contains("expected a WSDL 1.1 document"), "{err}");
    let err = err_text(load(&[("x.wsdl", "<definitions>\n  <oops></definitions>")]));
    assert!(err.contains("x.wsdl:2:"), "{err}");
    assert!(err.contains("malformed XML"), "{err}");
}

/// A contract exercising every binding flavour at once.
fn styles_contract() -> String {
    format!(
        r#"<definitions {DEFS} xmlns:tns="urn:s" targetNamespace="urn:s">
  <types><xs:schema targetNamespace="urn:s" elementFormDefault="qualified">
    <xs:element name="Wrapped"><xs:complexType><xs:sequence><xs:element name="a" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="WrappedResponse"><xs:complexType><xs:sequence/></xs:complexType></xs:element>
    <xs:element name="BareIn" type="xs:string"/>
    <xs:element name="BareOut" type="xs:string"/>
    <xs:element name="Ctx"><xs:complexType><xs:sequence><xs:element name="id" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="Oops"><xs:complexType><xs:sequence><xs:element name="code" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
  </xs:schema></types>
  <message name="WrappedIn"><part name="parameters" element="tns:Wrapped"/><part name="ctx" element="tns:Ctx"/></message>
  <message name="WrappedOut"><part name="parameters" element="tns:WrappedResponse"/></message>
  <message name="BareInMsg"><part name="body" element="tns:BareIn"/></message>
  <message name="BareOutMsg"><part name="body" element="tns:BareOut"/></message>
  <message name="RpcIn"><part name="x" type="xs:int"/><part name="y" type="xs:string"/></message>
  <message name="RpcOut"><part name="sum" type="xs:long"/></message>
  <message name="OopsMsg"><part name="fault" element="tns:Oops"/></message>
  <portType name="PT">
    <operation name="Wrapped"><input message="tns:WrappedIn"/><output message="tns:WrappedOut"/><fault name="Oops" message="tns:OopsMsg"/></operation>
    <operation name="Bare"><input message="tns:BareInMsg"/><output message="tns:BareOutMsg"/></operation>
    <operation name="Notify"><input message="tns:BareInMsg"/></operation>
  </portType>
  <portType name="RpcPT"><operation name="Add" parameterOrder="x y"><input message="tns:RpcIn"/><output message="tns:RpcOut"/></operation></portType>
  <binding name="Doc12" type="tns:PT"><soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Wrapped"><soap12:operation soapAction="urn:w"/>
      <input><soap12:body use="literal" parts="parameters"/><soap12:header message="tns:WrappedIn" part="ctx" use="literal"/></input>
      <output><soap12:body use="literal"/></output><fault name="Oops"><soap12:fault name="Oops" use="literal"/></fault></operation>
    <operation name="Bare"><soap12:operation soapAction=""/><input><soap12:body use="literal"/></input><output><soap12:body use="literal"/></output></operation>
    <operation name="Notify"><input><soap12:body use="literal"/></input></operation>
  </binding>
  <binding name="Rpc" type="tns:RpcPT"><soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Add"><soap:operation soapAction="urn:add"/>
      <input><soap:body use="literal" namespace="urn:calc"/></input><output><soap:body use="literal" namespace="urn:calc"/></output></operation>
  </binding>
  <binding name="Get" type="tns:RpcPT"><http:binding verb="GET"/>
    <operation name="Add"><http:operation location="/add"/><input><http:urlEncoded/></input><output/></operation>
  </binding>
  <service name="S">
    <port name="P12" binding="tns:Doc12"><soap12:address location="http://x/12"/></port>
    <port name="PRpc" binding="tns:Rpc"><soap:address location="http://x/rpc"/></port>
    <port name="PGet" binding="tns:Get"><http:address location="http://x/get"/></port>
  </service>
</definitions>"#
    )
}

#[test]
fn bound_operations_tell_style_wrapping_one_way_headers_and_faults() {
    let c = load(&[("s.wsdl", &styles_contract())]).unwrap();
    let svc = c.services().next().unwrap();
    let port = |n: &str| svc.ports.iter().find(|p| p.name == n).unwrap();
    let ops = |n: &str| c.bound_operations(c.binding(&port(n).binding).unwrap());

    let doc = ops("P12");
    assert_eq!(
        c.soap_version(port("P12")),
        Some(crate::wsdl::SoapVersion::V12)
    );
    let w = &doc[0];
    assert!(
        w.wrapped,
        "wrapped despite a header part, because parts= names the body part"
    );
    let input = w.input.as_ref().unwrap();
    assert_eq!(input.parts.len(), 1);
    assert_eq!(input.headers[0].element, Some(q("urn:s", "Ctx")));
    assert_eq!(w.faults[0].element, Some(q("urn:s", "Oops")));
    assert!(w.findings.is_empty(), "{:?}", w.findings);

    let bare = &doc[1];
    assert!(!bare.wrapped);
    assert_eq!(
        bare.input.as_ref().unwrap().element,
        Some(q("urn:s", "BareIn"))
    );
    assert_eq!(bare.soap_action.as_deref(), Some(""));

    let notify = &doc[2];
    assert!(notify.one_way && notify.output.is_none());

    let rpc = &ops("PRpc")[0];
    assert_eq!(rpc.style, Some(crate::wsdl::Style::Rpc));
    assert_eq!(rpc.use_, Some(crate::wsdl::Use::Literal));
    let rin = rpc.input.as_ref().unwrap();
    assert_eq!(rin.element, None);
    assert_eq!(rin.namespace.as_deref(), Some("urn:calc"));
    assert_eq!(
        rin.parts
            .iter()
            .map(|p| p.type_name.clone().unwrap())
            .collect::<Vec<_>>(),
        vec![q(crate::ns::XS, "int"), q(crate::ns::XS, "string")]
    );

    assert_eq!(c.soap_version(port("PGet")), None);
    let get = &ops("PGet")[0];
    assert_eq!(get.style, None);
    assert_eq!(get.findings[0].construct, "http-binding");
}

#[test]
fn inspect_json_has_the_documented_keys() {
    let c = load(&[("s.wsdl", &styles_contract())]).unwrap();
    let v = crate::inspect::to_json(&c);
    let port = &v["services"][0]["ports"][0];
    assert_eq!(port["soap_version"], "1.2");
    assert_eq!(port["binding"], "{urn:s}Doc12");
    let op = &port["operations"][0];
    for key in [
        "name",
        "style",
        "use",
        "wrapped",
        "soap_action",
        "one_way",
        "input",
        "output",
        "faults",
        "coverage",
    ] {
        assert!(op.get(key).is_some(), "missing {key}");
    }
    assert_eq!(op["input"]["element"], "{urn:s}Wrapped");
    assert_eq!(op["input"]["headers"][0]["element"], "{urn:s}Ctx");
    assert_eq!(port["operations"][2]["output"], serde_json::Value::Null);
    assert_eq!(
        v["services"][0]["ports"][2]["soap_version"],
        serde_json::Value::Null
    );
}

#[test]
fn coverage_findings_name_unbridgeable_constructs() {
    let wsdl = format!(
        r#"<definitions {DEFS} xmlns:mime="http://schemas.xmlsoap.org/wsdl/mime/" xmlns:tns="urn:s" targetNamespace="urn:s">
  <message name="M"><part name="p" type="xs:string"/><part name="att" type="xs:base64Binary"/></message>
  <message name="F"><part name="f" type="xs:string"/></message>
  <portType name="PT">
    <operation name="Upload"><input message="tns:M"/><output message="tns:M"/><fault name="Bad" message="tns:F"/></operation>
    <operation name="Push"><output message="tns:M"/></operation>
  </portType>
  <binding name="B" type="tns:PT"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Upload">
      <input><mime:multipartRelated><mime:part><soap:body parts="p" use="literal"/></mime:part><mime:part><mime:content part="att" type="application/octet-stream"/></mime:part></mime:multipartRelated></input>
      <output><soap:body use="literal"/></output><fault name="Bad"><soap:fault name="Bad" use="literal"/></fault>
    </operation>
  </binding>
  <service name="S"><port name="P" binding="tns:B"><soap:address location="http://x"/></port></service>
</definitions>"#
    );
    let c = load(&[("m.wsdl", &wsdl)]).unwrap();
    let all = crate::inspect::all_findings(&c);
    let constructs: Vec<&str> = all.iter().map(|(_, f)| f.construct.as_str()).collect();
    for expected in [
        "mime-attachments",
        "document-part-type",
        "fault-part-type",
        "outbound-operation",
        "unbound-operation",
    ] {
        assert!(
            constructs.contains(&expected),
            "{expected} missing from {constructs:?}"
        );
    }
    // The shipped-style contract has none.
    let clean = load(&[("s.wsdl", &styles_contract())]).unwrap();
    let findings: Vec<_> = crate::inspect::all_findings(&clean)
        .into_iter()
        .filter(|(at, _)| !at.contains("PGet"))
        .collect();
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn unresolved_wsdl_references_are_all_reported() {
    let wsdl = format!(
        r#"<definitions {DEFS} xmlns:tns="urn:s" targetNamespace="urn:s">
  <message name="M"><part name="p" element="tns:NoElement"/></message>
  <portType name="PT"><operation name="Op"><input message="tns:NoMessage"/></operation></portType>
  <binding name="B" type="tns:NoPortType"><soap:binding style="document"/></binding>
  <binding name="B2" type="tns:PT"><soap:binding style="document"/><operation name="Other"/></binding>
  <service name="S"><port name="P" binding="tns:NoBinding"/></service>
</definitions>"#
    );
    let err = err_text(load(&[("u.wsdl", &wsdl)]));
    for needle in [
        "u.wsdl:4:21: unresolved element reference `{urn:s}NoElement`",
        "u.wsdl:5:23: unresolved message reference `{urn:s}NoMessage`",
        "u.wsdl:6:3: unresolved portType reference `{urn:s}NoPortType`",
        "unresolved operation reference `{urn:s}Other`",
        "u.wsdl:8:21: unresolved binding reference `{urn:s}NoBinding`",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
}

#[test]
fn contracts_in_utf16_and_latin1_load() {
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<definitions {DEFS} targetNamespace=\"urn:ü\">\n<documentation>Größe</documentation></definitions>"
    );
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let dir = write_files(&[]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("u16.wsdl"), &utf16).unwrap();
    let c = Contract::load(&dir.join("u16.wsdl"), &LoadOptions::default()).unwrap();
    assert_eq!(c.definitions.target_namespace, "urn:ü");
    assert_eq!(c.definitions.documentation.as_deref(), Some("Größe"));

    let latin1 = b"<?xml version='1.0' encoding='ISO-8859-1'?><definitions xmlns='http://schemas.xmlsoap.org/wsdl/' targetNamespace='urn:\xE4'/>";
    std::fs::write(dir.join("l1.wsdl"), latin1).unwrap();
    let c = Contract::load(&dir.join("l1.wsdl"), &LoadOptions::default()).unwrap();
    assert_eq!(c.definitions.target_namespace, "urn:ä");
    // Bytes that are not what the prolog says are an error with a position.
    std::fs::write(dir.join("bad.wsdl"), b"<definitions>\n  \xFF</definitions>").unwrap();
    let err = err_text(Contract::load(
        &dir.join("bad.wsdl"),
        &LoadOptions::default(),
    ));
    assert!(
        err.contains("bad.wsdl:2:3: bytes at offset 16 are not valid UTF-8"),
        "{err}"
    );
}

// ---- regressions from the contract-model review ---------------------------

#[test]
fn namespace_declarations_on_many_elements_stay_cheap() {
    let mut outer = String::new();
    for i in 0..300 {
        outer.push_str(&format!(" xmlns:p{i}=\"urn:p{i}\""));
    }
    let children = "<documentation xmlns:z=\"urn:z\"/>".repeat(5000);
    let wsdl = format!(
        "<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\"{outer}>{children}</definitions>"
    );
    let start = std::time::Instant::now();
    load(&[("ns.wsdl", &wsdl)]).unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn devices_and_fifos_are_not_read_as_schemas() {
    let wsdl = format!(
        r#"<definitions {DEFS} targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc"><xs:include schemaLocation="/dev/zero"/></xs:schema></types>
</definitions>"#
    );
    let err = err_text(load(&[("z.wsdl", &wsdl)]));
    assert!(
        err.contains("cannot read `/dev/zero`: not a regular file"),
        "{err}"
    );
}

#[test]
fn a_remote_document_may_not_refer_to_local_files() {
    let opts = LoadOptions {
        allow_remote: true,
        ..LoadOptions::default()
    };
    let r = source::Resolver { opts: &opts };
    let base = Source::Remote("http://schemas.example.com/a.xsd".into());
    let err = r
        .locate(&base, Some("file:///etc/passwd"), None)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("remote document refers to the local file"),
        "{err}"
    );
    // Relative references stay remote.
    match r.locate(&base, Some("b.xsd"), None).unwrap() {
        Some(Source::Remote(u)) => assert_eq!(u, "http://schemas.example.com/b.xsd"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn soap_encoding_resolves_without_an_import() {
    let wsdl = format!(
        r#"<definitions {DEFS} xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:tns="urn:s" targetNamespace="urn:s">
  <types><xs:schema targetNamespace="urn:s">
    <xs:complexType name="Names"><xs:complexContent><xs:restriction base="soapenc:Array">
      <xs:attribute ref="soapenc:arrayType" wsdl:arrayType="xs:string[]"/></xs:restriction></xs:complexContent></xs:complexType>
  </xs:schema></types>
  <message name="M"><part name="s" type="soapenc:string"/><part name="n" type="tns:Names"/></message>
</definitions>"#
    );
    let c = load(&[("e.wsdl", &wsdl)]).unwrap();
    assert!(
        c.documents
            .iter()
            .any(|d| &*d.name == "builtin:soap-encoding-1.1")
    );
}

#[test]
fn pre_2001_schema_drafts_are_named_not_silently_dropped() {
    let wsdl = r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xsd="http://www.w3.org/1999/XMLSchema" targetNamespace="urn:q">
  <types>
    <xsd:schema targetNamespace="urn:q"/>
  </types>
</definitions>"#;
    let err = err_text(load(&[("old.wsdl", wsdl)]));
    assert!(
        err.contains("old.wsdl:3:5: invalid xs:schema: this schema uses a pre-2001 draft"),
        "{err}"
    );
}

#[test]
fn a_namespace_already_loaded_is_not_imported_again() {
    let b = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b"><xs:element name="B" type="xs:int"/></xs:schema>"#;
    let wsdl = format!(
        r#"<definitions {DEFS} targetNamespace="urn:svc">
  <types>
    <xs:schema targetNamespace="urn:one"><xs:import namespace="urn:b" schemaLocation="b.xsd"/></xs:schema>
    <xs:schema targetNamespace="urn:two"><xs:import namespace="urn:b" schemaLocation="b-copy.xsd"/></xs:schema>
    <xs:schema targetNamespace="urn:three"><xs:import namespace="urn:b" schemaLocation="stale/missing.xsd"/></xs:schema>
  </types>
</definitions>"#
    );
    let c = load(&[("d.wsdl", &wsdl), ("b.xsd", b), ("b-copy.xsd", b)]).unwrap();
    assert!(c.schema.global_element(&q("urn:b", "B")).is_some());
}

#[test]
fn locations_are_uri_references() {
    let t = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:svc"><xs:element name="T" type="xs:int"/></xs:schema>"#;
    let wsdl = format!(
        r#"<definitions {DEFS} targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc"><xs:include schemaLocation="My%20Types.xsd"/></xs:schema></types>
</definitions>"#
    );
    let c = load(&[("p.wsdl", &wsdl), ("My Types.xsd", t)]).unwrap();
    assert!(c.schema.global_element(&q("urn:svc", "T")).is_some());
}

#[test]
fn wrapped_means_what_jax_ws_means() {
    let wsdl = format!(
        r#"<definitions {DEFS} xmlns:tns="urn:w" targetNamespace="urn:w">
  <types><xs:schema targetNamespace="urn:w" elementFormDefault="qualified">
    <xs:element name="G" type="xs:int"/>
    <xs:element name="Ok"><xs:complexType><xs:sequence><xs:element name="a" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="Any"><xs:complexType><xs:sequence><xs:any/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="Choice"><xs:complexType><xs:sequence><xs:choice><xs:element name="a" type="xs:int"/></xs:choice></xs:sequence></xs:complexType></xs:element>
    <xs:element name="Ref"><xs:complexType><xs:sequence><xs:element ref="tns:G"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="Mixed"><xs:complexType mixed="true"><xs:sequence><xs:element name="a" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
  </xs:schema></types>
  <message name="Ok"><part name="p" element="tns:Ok"/></message>
  <message name="Any"><part name="p" element="tns:Any"/></message>
  <message name="Choice"><part name="p" element="tns:Choice"/></message>
  <message name="Ref"><part name="p" element="tns:Ref"/></message>
  <message name="Mixed"><part name="p" element="tns:Mixed"/></message>
  <portType name="PT">
    <operation name="Ok"><input message="tns:Ok"/></operation>
    <operation name="Any"><input message="tns:Any"/></operation>
    <operation name="Choice"><input message="tns:Choice"/></operation>
    <operation name="Ref"><input message="tns:Ref"/></operation>
    <operation name="Mixed"><input message="tns:Mixed"/></operation>
  </portType>
  <binding name="B" type="tns:PT"><soap:binding style="document" transport="http://www.w3.org/2010/soapjms/"/>
    <operation name="Ok"><input><soap:body use="literal"/></input></operation>
    <operation name="Any"><input><soap:body use="literal"/></input></operation>
    <operation name="Choice"><input><soap:body use="literal"/></input></operation>
    <operation name="Ref"><input><soap:body use="literal"/></input></operation>
    <operation name="Mixed"><input><soap:body use="literal"/></input></operation>
  </binding>
</definitions>"#
    );
    let c = load(&[("w.wsdl", &wsdl)]).unwrap();
    let b = c.binding(&q("urn:w", "B")).unwrap();
    let ops = c.bound_operations(b);
    let wrapped: Vec<(&str, bool)> = ops.iter().map(|o| (o.name.as_str(), o.wrapped)).collect();
    assert_eq!(
        wrapped,
        [
            ("Ok", true),
            ("Any", false),
            ("Choice", false),
            ("Ref", false),
            ("Mixed", false)
        ]
    );
    assert!(
        ops[0]
            .findings
            .iter()
            .any(|f| f.construct == "non-http-transport"),
        "{:?}",
        ops[0].findings
    );
}
