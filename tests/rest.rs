//! The REST facade (flow B) end to end: the real binary, JSON over HTTP in,
//! SOAP to a real SOAP endpoint (soapbridge's own SOAP facade in front of
//! the demo service for the shipped mappings; stub backends on loopback
//! for broken answers), JSON or problem+json out.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use serde_json::{Value, json};

use crate::serve::{Bridge, free_port, http, start_serve, start_serve_on};
use crate::util::*;

fn call(url: &str, content_type: &str, body: &str) -> (u16, Value, String) {
    let r = http()
        .post(url)
        .header("Content-Type", content_type)
        .header("X-Request-Id", "rest-req-1")
        .body(body.to_string())
        .send()
        .unwrap();
    let status = r.status().as_u16();
    assert_eq!(
        r.headers().get("x-request-id").map(|v| v.to_str().unwrap()),
        Some("rest-req-1")
    );
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    (status, v, ct)
}

fn get(url: &str) -> (u16, Value, String) {
    let r = http()
        .get(url)
        .header("X-Request-Id", "rest-req-1")
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        ct,
    )
}

/// The shipped mappings, all four, in one process: the REST facades call
/// the bridge's own SOAP facades, which call the demo service.
fn shipped_loop() -> (Bridge, String) {
    let port = free_port();
    let demo = free_port();
    let bridge = start_serve_on(
        port,
        &[
            "--mappings",
            "mappings",
            "--demo",
            "--demo-listen",
            &format!("127.0.0.1:{demo}"),
        ],
        &[
            ("ORDERS_API_URL", format!("http://127.0.0.1:{demo}/erp")),
            ("PAYMENTS_API_URL", format!("http://127.0.0.1:{demo}/bank")),
            (
                "ORDERS_SOAP_URL",
                format!("http://127.0.0.1:{port}/soap/OrderService"),
            ),
            (
                "PAYMENTS_SOAP_URL",
                format!("http://127.0.0.1:{port}/soap/PaymentService"),
            ),
        ],
    );
    (bridge, format!("http://127.0.0.1:{demo}"))
}

#[test]
fn json_calls_reach_the_soap_backend_and_come_back_as_json() {
    let (bridge, demo) = shipped_loop();
    let api = format!("{}/api", bridge.url);
    let json_ct = "application/json";

    // The answer is the output message JSON, field by field what the
    // service at the end of the chain holds.
    let (code, got, ct) = get(&format!("{api}/OrderService/orders/SO-2024-000123"));
    assert_eq!(code, 200, "{got}");
    assert!(ct.starts_with("application/json"), "{ct}");
    let direct: Value = serde_json::from_str(
        &http()
            .get(format!("{demo}/erp/orders/SO-2024-000123"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(got, direct);

    // SOAP 1.2 backend, a declared fault mapped to 404 with its detail.
    let (code, got, ct) = call(
        &format!("{api}/PaymentService/GetPaymentStatus"),
        json_ct,
        r#"{"paymentId":"PMT-20240314-999999"}"#,
    );
    assert_eq!(code, 404, "{got}");
    assert_eq!(ct, "application/problem+json");
    assert_eq!(got["type"], "urn:soapbridge:problem:soap-fault");
    assert_eq!(got["fault"]["name"], "PaymentNotFound");
    assert_eq!(
        got["fault"]["detail"],
        json!({"paymentId": "PMT-20240314-999999"})
    );
    assert_eq!(got["request_id"], "rest-req-1");

    // A declared fault without a rule: the fault code's party, 400.
    let (code, got, _) = get(&format!("{api}/OrderService/orders/SO-2024-000404"));
    assert_eq!(code, 400, "{got}");
    assert_eq!(got["fault"]["detail"]["code"], "ORDER_NOT_FOUND");

    // Resource-style routes: path, repeated query parameters, typed values.
    let (code, got, _) = get(&format!(
        "{api}/OrderService/orders?customerId=CUST-004711&status=PENDING&status=CONFIRMED&maxResults=1"
    ));
    assert_eq!(code, 200, "{got}");
    assert_eq!(got["order"].as_array().unwrap().len(), 1, "{got}");
    assert_eq!(got["totalCount"], 2, "{got}");
    let (code, got, _) = get(&format!("{api}/OrderService/orders?maxResults=many"));
    assert_eq!(code, 400, "{got}");
    assert_eq!(got["errors"][0]["pointer"], "/maxResults", "{got}");
    let (code, got, _) = call(
        &format!("{api}/OrderService/orders/SO-2024-000098/cancel"),
        json_ct,
        r#"{"orderId":"SO-2024-000098","reason":"twice"}"#,
    );
    assert_eq!(code, 400, "{got}");
    assert!(
        got["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("given both"),
        "{got}"
    );

    // One-way: 202 once the backend accepted.
    let event = sample_json(
        "wsdl/bank-payments/payments.wsdl",
        "NotifyPaymentEvent",
        "wsdl/bank-payments/samples/NotifyPaymentEvent.xml",
    );
    let (code, got, _) = call(
        &format!("{api}/PaymentService/NotifyPaymentEvent"),
        json_ct,
        &event.to_string(),
    );
    assert_eq!(code, 202, "{got}");

    // A SOAP header from `$headers`.
    let submit = sample_json_message(
        "wsdl/bank-payments/payments.wsdl",
        "SubmitPayment",
        "wsdl/bank-payments/samples/SubmitPayment.envelope.xml",
    );
    assert!(submit["$headers"]["context"]["messageId"].is_string());
    let (code, got, _) = call(
        &format!("{api}/PaymentService/SubmitPayment"),
        json_ct,
        &submit.to_string(),
    );
    assert_eq!(code, 200, "{got}");
    assert_eq!(got["status"], "ACCEPTED");
    // The mapping's default header fields fill what the request leaves out.
    let mut partial = submit.clone();
    partial["$headers"]["context"]
        .as_object_mut()
        .unwrap()
        .remove("channel");
    let (code, got, _) = call(
        &format!("{api}/PaymentService/SubmitPayment"),
        json_ct,
        &partial.to_string(),
    );
    assert_eq!(code, 200, "{got}");
    partial["$headers"]["context"]
        .as_object_mut()
        .unwrap()
        .remove("messageId");
    let (code, got, _) = call(
        &format!("{api}/PaymentService/SubmitPayment"),
        json_ct,
        &partial.to_string(),
    );
    assert_eq!(code, 400, "{got}");
    assert_eq!(
        got["errors"][0]["pointer"], "/$headers/context/messageId",
        "{got}"
    );

    // Bad input: every problem a 400 with pointers; the backend never sees it.
    let (code, got, _) = call(
        &format!("{api}/PaymentService/GetPaymentStatus"),
        json_ct,
        r#"{"paymentId":"not an id","extra":true}"#,
    );
    assert_eq!(code, 400, "{got}");
    assert_eq!(got["type"], "urn:soapbridge:problem:invalid-request");
    let pointers: Vec<&str> = got["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/paymentId", "/extra"]);
    let (code, got, _) = call(
        &format!("{api}/PaymentService/GetPaymentStatus"),
        json_ct,
        r#"{"paymentId": "#,
    );
    assert_eq!(code, 400);
    assert_eq!(got["type"], "urn:soapbridge:problem:invalid-json");
    let (code, got, _) = call(
        &format!("{api}/PaymentService/GetPaymentStatus"),
        "text/plain",
        "x",
    );
    assert_eq!(code, 415, "{got}");
    let (code, got, _) = call(
        &format!("{api}/PaymentService/GetPaymentStatus"),
        json_ct,
        r#"{"paymentId":"PMT-20240314-000042","paymentId":"x"}"#,
    );
    assert_eq!(code, 400, "duplicate keys: {got}");
    let (code, got, _) = call(
        &format!("{api}/OrderService/orders"),
        json_ct,
        r#"{"order": {}, "order": {}}"#,
    );
    assert_eq!(code, 400, "duplicate keys on a resource route: {got}");
}

/// A loopback HTTP server that answers every request with `status`,
/// `content_type` and `body` (after `delay`), for backends that misbehave.
fn stub_backend(status: &str, content_type: &str, body: &str, delay: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let _ = s.write_all(answer.as_bytes());
            });
        }
    });
    port
}

#[test]
fn a_misbehaving_backend_is_a_5xx_problem_that_does_not_echo_it() {
    let html = stub_backend(
        "500 Internal Server Error",
        "text/html",
        "<html><body>Stack trace at /opt/app/secret.py</body></html>",
        Duration::ZERO,
    );
    let slow = stub_backend("200 OK", "text/xml", "", Duration::from_secs(3));
    let wrong = stub_backend(
        "200 OK",
        "text/xml",
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><o:GetOrderResponse xmlns:o="urn:example:erp:orders:v1"><o:unexpected>1</o:unexpected></o:GetOrderResponse></s:Body></s:Envelope>"#,
        Duration::ZERO,
    );
    let closed = free_port();
    let dir = scratch();
    for (name, port, extra) in [
        ("html", html, ""),
        ("slow", slow, "  timeout: 300ms\n"),
        ("wrong", wrong, ""),
        ("down", closed, ""),
    ] {
        write(
            &dir,
            &format!("{name}.yaml"),
            &format!(
                "contract: {}/wsdl/erp-orders/orders.wsdl\nflow: rest-to-soap\npath: /api/{name}\nupstream:\n  base_url: http://127.0.0.1:{port}/soap\n{extra}",
                root().display()
            ),
        );
    }
    let bridge = start_serve(&["--mappings", dir.to_str().unwrap()], &[]);
    let body = r#"{"orderId":"SO-2024-000123"}"#;
    let at = |name: &str| format!("{}/api/{name}/GetOrder", bridge.url);
    let (code, got, _) = call(&at("html"), "application/json", body);
    assert_eq!(
        (code, got["type"].as_str()),
        (502, Some("urn:soapbridge:problem:backend-not-soap")),
        "{got}"
    );
    assert!(
        !got.to_string().contains("secret"),
        "the backend's body leaked: {got}"
    );
    let (code, got, _) = call(&at("slow"), "application/json", body);
    assert_eq!(
        (code, got["type"].as_str()),
        (504, Some("urn:soapbridge:problem:backend-timeout")),
        "{got}"
    );
    let (code, got, _) = call(&at("wrong"), "application/json", body);
    assert_eq!(
        (code, got["type"].as_str()),
        (502, Some("urn:soapbridge:problem:backend-invalid")),
        "{got}"
    );
    let (code, got, _) = call(&at("down"), "application/json", body);
    assert_eq!(
        (code, got["type"].as_str()),
        (503, Some("urn:soapbridge:problem:backend-unavailable")),
        "{got}"
    );
}

/// The message JSON of a whole sample envelope.
pub(crate) fn sample_json_message(wsdl: &str, op: &str, sample: &str) -> Value {
    let o = soapbridge(&[
        "convert",
        wsdl,
        "--operation",
        op,
        "--message",
        "input",
        "--to",
        "json",
        sample,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

pub(crate) fn sample_json(wsdl: &str, element: &str, sample: &str) -> Value {
    let o = soapbridge(&[
        "convert",
        wsdl,
        "--element",
        element,
        "--to",
        "json",
        sample,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// rpc/literal through the REST facade: the part JSON becomes an rpc
/// envelope, and the backend's rpc answer comes back as part JSON.
#[test]
fn rpc_literal_backends_are_called_in_their_style() {
    let wsdl = "wsdl/legacy-inventory/inventory-rpc.wsdl";
    let answer = std::fs::read_to_string(
        root().join("wsdl/legacy-inventory/samples/GetItemResponse.rpc-literal.envelope.xml"),
    )
    .unwrap();
    let backend = stub_backend("200 OK", "text/xml; charset=utf-8", &answer, Duration::ZERO);
    let dir = scratch();
    write(
        &dir,
        "inventory.yaml",
        &format!(
            "contract: {}/{wsdl}\nflow: rest-to-soap\nport: InventoryRpcLiteralPort\nupstream:\n  base_url: http://127.0.0.1:{backend}/inventory\n",
            root().display()
        ),
    );
    let bridge = start_serve(&["--mappings", dir.to_str().unwrap()], &[]);
    let (code, got, _) = call(
        &format!("{}/api/LegacyInventoryService/GetItem", bridge.url),
        "application/json",
        r#"{"itemCode":"PUMP-00042"}"#,
    );
    assert_eq!(code, 200, "{got}");
    let o = soapbridge(&[
        "convert",
        wsdl,
        "--operation",
        "GetItem",
        "--message",
        "output",
        "--port",
        "InventoryRpcLiteralPort",
        "--to",
        "json",
        "wsdl/legacy-inventory/samples/GetItemResponse.rpc-literal.envelope.xml",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let want: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(got, want);
}

#[test]
fn overlapping_routes_are_a_check_error() {
    let dir = scratch();
    write(
        &dir,
        "orders.yaml",
        &format!(
            "contract: {}/wsdl/erp-orders/orders.wsdl\nflow: rest-to-soap\nupstream:\n  base_url: http://127.0.0.1:1\noperations:\n  GetOrder:\n    method: GET\n    path: /{{orderId}}\n  CancelOrder:\n    method: POST\n    path: /{{orderId}}\n",
            root().display()
        ),
    );
    let o = soapbridge(&["check", "--mappings", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("GET route overlaps the docs page's (GET)"),
        "{err}"
    );
    // POST /{orderId} would also take the default POST /CreateOrder etc.
    assert!(err.contains("route overlaps CreateOrder's (POST)"), "{err}");
}
