//! `soapbridge inspect` on the shipped contracts and on broken ones.

use std::io::{Read, Write};

use serde_json::Value;

use crate::util::*;

fn operations(v: &Value, port: usize) -> &Vec<Value> {
    v["services"][0]["ports"][port]["operations"]
        .as_array()
        .expect("operations")
}

fn op<'a>(v: &'a Value, port: usize, name: &str) -> &'a Value {
    operations(v, port)
        .iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("no operation {name}"))
}

#[test]
fn every_shipped_contract_loads_with_no_coverage_findings() {
    for wsdl in shipped_contracts() {
        let path = wsdl.to_str().unwrap();
        let out = soapbridge(&["inspect", "--strict", path]);
        assert!(out.status.success(), "{path}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("service "), "{text}");
        assert!(!text.contains(" ! "), "{path} has findings:\n{text}");
    }
}

#[test]
fn erp_orders_is_soap11_document_literal_wrapped_with_faults() {
    let v = inspect_json(&root().join("wsdl/erp-orders/orders.wsdl"));
    assert_eq!(v["services"][0]["name"], "OrderService");
    let port = &v["services"][0]["ports"][0];
    assert_eq!(port["soap_version"], "1.1");
    assert_eq!(port["address"], "http://localhost:8080/soap/OrderService");
    let names: Vec<&str> = operations(&v, 0)
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "CreateOrder",
            "GetOrder",
            "ListOrders",
            "CancelOrder",
            "GetStockLevel"
        ]
    );
    for o in operations(&v, 0) {
        assert_eq!(o["style"], "document");
        assert_eq!(o["use"], "literal");
        assert_eq!(o["wrapped"], true, "{}", o["name"]);
        assert_eq!(o["one_way"], false);
        assert_eq!(o["faults"].as_array().unwrap().len(), 1);
    }
    let create = op(&v, 0, "CreateOrder");
    assert_eq!(
        create["soap_action"],
        "urn:example:erp:orders:v1/CreateOrder"
    );
    assert_eq!(
        create["input"]["element"],
        "{urn:example:erp:orders:v1}CreateOrder"
    );
    assert_eq!(
        create["faults"][0]["element"],
        "{urn:example:erp:orders:v1}OrderFault"
    );
    // Types from the second namespace (xs:import) and the chameleon include.
    assert_eq!(
        op(&v, 0, "GetStockLevel")["input"]["element"],
        "{urn:example:erp:inventory:v1}GetStockLevel"
    );
    let docs: Vec<&str> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(
        docs.iter().any(|d| d.ends_with("common-types.xsd")),
        "{docs:?}"
    );
}

#[test]
fn bank_payments_is_soap12_with_a_one_way_operation_and_a_header() {
    let v = inspect_json(&root().join("wsdl/bank-payments/payments.wsdl"));
    let port = &v["services"][0]["ports"][0];
    assert_eq!(port["soap_version"], "1.2");
    let notify = op(&v, 0, "NotifyPaymentEvent");
    assert_eq!(notify["one_way"], true);
    assert_eq!(notify["output"], Value::Null);
    let submit = op(&v, 0, "SubmitPayment");
    assert_eq!(
        submit["input"]["headers"][0]["element"],
        "{urn:example:bank:common:v1}RequestContext"
    );
    assert_eq!(submit["input"]["parts"].as_array().unwrap().len(), 1);
    assert_eq!(submit["wrapped"], true);
    assert_eq!(submit["faults"][0]["name"], "PaymentRejected");
}

#[test]
fn legacy_inventory_has_rpc_literal_and_rpc_encoded_ports() {
    let v = inspect_json(&root().join("wsdl/legacy-inventory/inventory-rpc.wsdl"));
    let ports = v["services"][0]["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 2);
    for (i, use_) in [(0, "literal"), (1, "encoded")] {
        for o in operations(&v, i) {
            assert_eq!(o["style"], "rpc");
            assert_eq!(o["use"], use_);
            assert_eq!(o["wrapped"], false);
            assert_eq!(o["input"]["element"], Value::Null);
            assert_eq!(o["input"]["namespace"], "urn:LegacyInventory");
        }
    }
    let adjust = op(&v, 1, "AdjustStock");
    let parts: Vec<&str> = adjust["input"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(parts, ["itemCode", "delta", "reason"]);
    assert_eq!(
        v["builtin_schemas"][0], "builtin:soap-encoding-1.1",
        "SOAP-ENC resolved offline"
    );
    let text = stdout(&soapbridge(&[
        "inspect",
        "wsdl/legacy-inventory/inventory-rpc.wsdl",
    ]));
    assert!(
        text.contains("(items: Item[])"),
        "SOAP-ENC array shown with its item type:\n{text}"
    );
}

#[test]
fn errors_name_file_line_column_and_exit_2() {
    let dir = scratch();
    let wsdl = write(
        &dir,
        "bad.wsdl",
        r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:tns="urn:t" targetNamespace="urn:t">
  <message name="M">
    <part name="p" element="tns:Missing"/>
  </message>
</definitions>"#,
    );
    let out = soapbridge(&["inspect", wsdl.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad.wsdl:3:5: unresolved element reference `{urn:t}Missing`"),
        "{err}"
    );
    assert!(err.contains("could not be loaded (1 error)"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let out = soapbridge(&["inspect", "does/not/exist.wsdl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read `does/not/exist.wsdl`: file not found"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dtds_are_refused_and_nothing_is_fetched() {
    let dir = scratch();
    let wsdl = write(
        &dir,
        "xxe.wsdl",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY e SYSTEM \"http://127.0.0.1:9/x\">]>\n<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\">&e;</definitions>",
    );
    let out = soapbridge(&["inspect", wsdl.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("xxe.wsdl:2:1: DOCTYPE declarations are refused"),
        "{}",
        stderr(&out)
    );
}

const REMOTE_WSDL: &str = r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc" xmlns:r="urn:remote">
    <xs:import namespace="urn:remote" schemaLocation="BASE/common/remote.xsd"/>
    <xs:element name="E" type="r:T"/>
  </xs:schema></types>
</definitions>"#;

const REMOTE_XSD: &str = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:remote">
  <xs:simpleType name="T"><xs:restriction base="xs:string"/></xs:simpleType></xs:schema>"#;

#[test]
fn remote_imports_need_a_catalog_or_allow_remote() {
    let dir = scratch();
    let wsdl = write(
        &dir,
        "r.wsdl",
        &REMOTE_WSDL.replace("BASE", "https://schemas.example.com"),
    );
    let out = soapbridge(&["inspect", wsdl.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("r.wsdl:3:5: remote location `https://schemas.example.com/common/remote.xsd` is not fetched"),
        "{}",
        stderr(&out)
    );
    write(&dir, "mirror/remote.xsd", REMOTE_XSD);
    let catalog = write(
        &dir,
        "catalog.xml",
        r#"<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <system systemId="https://schemas.example.com/common/remote.xsd" uri="mirror/remote.xsd"/>
</catalog>"#,
    );
    let out = soapbridge(&[
        "inspect",
        "--catalog",
        catalog.to_str().unwrap(),
        wsdl.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn allow_remote_fetches_over_http() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 2048];
        let n = s.read(&mut buf).unwrap();
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{REMOTE_XSD}",
            REMOTE_XSD.len()
        );
        s.write_all(resp.as_bytes()).unwrap();
        String::from_utf8_lossy(&buf[..n])
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    });
    let dir = scratch();
    let wsdl = write(&dir, "r.wsdl", &REMOTE_WSDL.replace("BASE", &base));
    let out = soapbridge(&[
        "inspect",
        "--json",
        "--allow-remote",
        wsdl.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.join().unwrap(), "GET /common/remote.xsd HTTP/1.1");
}

#[test]
fn strict_fails_on_coverage_findings() {
    let dir = scratch();
    let wsdl = write(
        &dir,
        "http.wsdl",
        r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:http="http://schemas.xmlsoap.org/wsdl/http/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:h" targetNamespace="urn:h">
  <message name="In"><part name="q" type="xs:string"/></message>
  <message name="Out"><part name="r" type="xs:string"/></message>
  <portType name="PT"><operation name="Find"><input message="tns:In"/><output message="tns:Out"/></operation></portType>
  <binding name="B" type="tns:PT"><http:binding verb="GET"/>
    <operation name="Find"><http:operation location="/find"/><input><http:urlEncoded/></input><output/></operation></binding>
  <service name="S"><port name="P" binding="tns:B"><http:address location="http://x"/></port></service>
</definitions>"#,
    );
    let path = wsdl.to_str().unwrap();
    let out = soapbridge(&["inspect", path]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("! http-binding"), "{}", stdout(&out));
    let v = inspect_json(&wsdl);
    assert_eq!(v["services"][0]["ports"][0]["soap_version"], Value::Null);
    let out = soapbridge(&["inspect", "--strict", path]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("coverage: S/P/Find: http-binding"),
        "{}",
        stderr(&out)
    );
}
