//! `soapbridge convert` on the shipped samples: every document and every
//! envelope translates to JSON and back to the same JSON.

use std::path::Path;
use std::process::Output;

use crate::util::*;

fn convert(args: &[&str], input: &Path) -> Output {
    let mut all: Vec<&str> = vec!["convert"];
    all.extend_from_slice(args);
    all.push(input.to_str().unwrap());
    soapbridge(&all)
}

/// XML -> JSON -> XML -> JSON gives the same JSON both times.
fn round_trip(wsdl: &str, selector: &[&str], sample: &Path) -> String {
    let dir = scratch();
    let mut to_json = selector.to_vec();
    to_json.extend_from_slice(&["--to", "json"]);
    let mut to_xml = selector.to_vec();
    to_xml.extend_from_slice(&["--to", "xml"]);
    let mut args = vec![wsdl];
    args.extend_from_slice(&to_json);
    let first = convert(&args, sample);
    assert!(
        first.status.success(),
        "{}: {}",
        sample.display(),
        stderr(&first)
    );
    let json_path = write(&dir, "a.json", &stdout(&first));
    let mut args = vec![wsdl];
    args.extend_from_slice(&to_xml);
    let xml = convert(&args, &json_path);
    assert!(
        xml.status.success(),
        "{} back to XML: {}",
        sample.display(),
        stderr(&xml)
    );
    let xml_path = write(&dir, "b.xml", &stdout(&xml));
    let mut args = vec![wsdl];
    args.extend_from_slice(&to_json);
    let second = convert(&args, &xml_path);
    assert!(
        second.status.success(),
        "{} again: {}",
        sample.display(),
        stderr(&second)
    );
    assert_eq!(
        stdout(&first),
        stdout(&second),
        "{} did not round-trip via\n{}",
        sample.display(),
        stdout(&xml)
    );
    stdout(&first)
}

fn samples(contract: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("wsdl").join(contract).join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn every_document_sample_round_trips() {
    let mut n = 0;
    for (contract, wsdl) in [
        ("erp-orders", "wsdl/erp-orders/orders.wsdl"),
        ("bank-payments", "wsdl/bank-payments/payments.wsdl"),
    ] {
        for s in samples(contract) {
            let name = s.file_name().unwrap().to_str().unwrap().to_string();
            if name.contains(".envelope.") {
                continue;
            }
            let element = name
                .trim_end_matches(".xml")
                .split('-')
                .next()
                .unwrap()
                .to_string();
            round_trip(wsdl, &["--element", &element], &s);
            n += 1;
        }
    }
    assert!(n >= 20, "only {n} samples");
}

/// The streaming writer, fed message JSON as soapbridge writes it, writes
/// the envelope the tree writer writes (up to the root's `xsi` declaration).
fn message_streams_like_tree(wsdl: &str, op: &str, port: Option<&str>, output: bool, json: &str) {
    use soapbridge::codec::{Codec, Options, message};
    use soapbridge::contract::{Contract, LoadOptions};
    let c = Contract::load(&root().join(wsdl), &LoadOptions::default()).unwrap();
    let op = message::find_operation(&c, op, port).unwrap();
    let layout = message::layout(&op, output).unwrap();
    let codec = Codec::new(&c);
    let opts = Options::default();
    let tree = codec
        .json_to_envelope(&layout, json.as_bytes(), Vec::new(), &opts)
        .unwrap();
    let streamed = codec
        .json_to_envelope_streaming(&layout, json.as_bytes(), Vec::new(), &opts)
        .unwrap_or_else(|e| panic!("{e}\n  json: {json}"));
    let xsi = r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
    let tree = String::from_utf8(tree).unwrap().replacen(xsi, "", 1);
    let streamed = String::from_utf8(streamed).unwrap().replacen(xsi, "", 1);
    assert_eq!(streamed, tree, "{json}");
}

#[test]
fn every_envelope_sample_round_trips_as_message_json() {
    let mut n = 0;
    for (contract, wsdl) in [
        ("erp-orders", "wsdl/erp-orders/orders.wsdl"),
        ("bank-payments", "wsdl/bank-payments/payments.wsdl"),
        (
            "legacy-inventory",
            "wsdl/legacy-inventory/inventory-rpc.wsdl",
        ),
    ] {
        for s in samples(contract) {
            let name = s.file_name().unwrap().to_str().unwrap().to_string();
            if !name.contains(".envelope.") || name.contains("Fault") || name.contains("Rejected") {
                continue;
            }
            let stem = name.split('.').next().unwrap();
            let (op, message) = match stem.strip_suffix("Response") {
                Some(op) => (op, "output"),
                None => (stem, "input"),
            };
            let port = if name.contains("rpc-encoded") {
                "InventoryRpcEncodedPort"
            } else if name.contains("rpc-literal") {
                "InventoryRpcLiteralPort"
            } else {
                ""
            };
            let mut sel = vec!["--operation", op, "--message", message];
            if !port.is_empty() {
                sel.extend_from_slice(&["--port", port]);
            }
            let json = round_trip(wsdl, &sel, &s);
            let port = (!port.is_empty()).then_some(port);
            message_streams_like_tree(wsdl, op, port, message == "output", &json);
            if name == "SubmitPayment.envelope.xml" {
                assert!(json.starts_with(r#"{"$headers":{"context":{"#), "{json}");
            }
            n += 1;
        }
    }
    assert!(n >= 12, "only {n} envelopes");
}

#[test]
fn multi_reference_values_are_resolved() {
    let out = convert(
        &[
            "wsdl/legacy-inventory/inventory-rpc.wsdl",
            "--operation",
            "GetItem",
            "--message",
            "output",
            "--port",
            "InventoryRpcEncodedPort",
            "--to",
            "json",
        ],
        &root().join(
            "wsdl/legacy-inventory/samples/GetItemResponse.rpc-encoded-multiref.envelope.xml",
        ),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(r#"{"item":{"code":"BOLT-M8-50","#),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_file_that_breaks_the_contract_leaves_no_partial_json() {
    let dir = scratch();
    let bad = write(
        &dir,
        "bad.xml",
        r#"<GetOrder xmlns="urn:example:erp:orders:v1"><orderId>not an order id</orderId></GetOrder>"#,
    );
    let out = convert(
        &[
            "wsdl/erp-orders/orders.wsdl",
            "--element",
            "GetOrder",
            "--to",
            "json",
        ],
        &bad,
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(stderr(&out).contains("/orderId: "), "{}", stderr(&out));
}

#[test]
fn contract_violations_exit_4_with_pointers() {
    let dir = scratch();
    let bad = write(
        &dir,
        "bad.json",
        r#"{"order":{"customerId":"CUST-004711","orderDate":"2024-02-30","currency":"EUR","line":[{"lineNumber":1,"sku":"PUMP-00042","quantity":0,"unitPrice":1}]}}"#,
    );
    let out = convert(
        &[
            "wsdl/erp-orders/orders.wsdl",
            "--element",
            "CreateOrder",
            "--to",
            "xml",
        ],
        &bad,
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stdout(&out).is_empty(),
        "no partial XML on errors: {}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("/order/orderDate: \"2024-02-30\" is not a valid xs:date"),
        "{err}"
    );
    assert!(err.contains("/order/line/0/quantity: "), "{err}");
    assert!(
        err.contains("error: the document breaks the contract (2 errors)"),
        "{err}"
    );
}
