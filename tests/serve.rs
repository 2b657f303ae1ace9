//! `soapbridge serve` end to end: the real binary in front of a real HTTP
//! upstream on loopback (an actix-web server in this process), called with
//! SOAP 1.1 and 1.2 envelopes over real HTTP.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::util::*;

/// The W3C trace context every test request carries; the upstream checks it arrives.
const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/// Request ids the upstream saw, to check they are passed on.
static SEEN_IDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The JSON of a shipped sample document, as the REST service would send it.
fn sample_json(wsdl: &str, element: &str, sample: &str) -> Value {
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

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Order(Value);
struct PaymentStatus(Value);

/// The example REST service: orders and payments, with an error per status.
fn start_upstream(order: Value, payment_status: Value) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let order = web::Data::new(Order(order));
            let payment_status = web::Data::new(PaymentStatus(payment_status));
            HttpServer::new(move || {
                App::new()
                    .app_data(order.clone())
                    .app_data(payment_status.clone())
                    .route(
                        "/orders/{id}",
                        web::get().to(
                            |req: HttpRequest, id: web::Path<String>, order: web::Data<Order>| async move {
                                if let Some(rid) = req.headers().get("x-request-id") {
                                    SEEN_IDS.lock().unwrap().push(rid.to_str().unwrap().to_string());
                                }
                                // Mapped headers: one from a field, one fixed.
                                let h = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
                                if h("x-order").as_deref() != Some(id.as_str())
                                    || h("x-tenant").as_deref() != Some("acme")
                                    || h("authorization").as_deref() != Some("Basic c3ZjOnMzY3JldA==")
                                    || h("traceparent").as_deref() != Some(TRACEPARENT)
                                {
                                    return HttpResponse::BadRequest().json(json!({"title": "mapped headers missing"}));
                                }
                                match id.as_str() {
                                    "SO-2024-000404" => HttpResponse::NotFound()
                                        .content_type("application/problem+json")
                                        .json(json!({
                                            "title": "Not Found",
                                            "detail": "no order SO-2024-000404",
                                            "code": "ORDER_NOT_FOUND",
                                            "message": "no order SO-2024-000404",
                                            "orderId": "SO-2024-000404"
                                        })),
                                    "SO-2024-000500" => HttpResponse::InternalServerError()
                                        .json(json!({"title": "database down at /var/lib/db"})),
                                    "SO-2024-000999" => {
                                        // Breaks the contract: no `order`.
                                        HttpResponse::Ok().json(json!({"something": 1}))
                                    }
                                    _ => {
                                        let mut o = order.0.clone();
                                        // A field newer than the contract: ignored.
                                        o["revision"] = json!(7);
                                        HttpResponse::Ok().json(o)
                                    }
                                }
                            },
                        ),
                    )
                    .route(
                        "/CancelOrder",
                        web::post().to(|| async {
                            actix_web::rt::time::sleep(Duration::from_secs(3)).await;
                            HttpResponse::Ok().json(json!({}))
                        }),
                    )
                    .route(
                        "/payments/{id}/status",
                        web::get().to(|ps: web::Data<PaymentStatus>| async move {
                            HttpResponse::Ok().json(ps.0.clone())
                        }),
                    )
                    .route(
                        "/NotifyPaymentEvent",
                        web::post().to(|body: web::Json<Value>| async move {
                            assert!(body["event"]["paymentId"].is_string(), "{body}");
                            HttpResponse::NoContent().finish()
                        }),
                    )
            })
            .workers(2)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    addr
}

pub(crate) struct Bridge {
    pub child: Child,
    pub url: String,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_bridge(mappings: &Path) -> Bridge {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["serve", "--mappings"])
        .arg(mappings)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("SOAPBRIDGE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start soapbridge serve");
    // Owned at once, so a failure below still stops the process.
    let bridge = Bridge {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    loop {
        if http()
            .get(format!("{}/healthz", bridge.url))
            .send()
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    bridge
}

/// A blocking HTTP client (rustls with ring, as the bridge uses).
pub(crate) fn http() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .tls_backend_rustls()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn soap11(body: &str) -> String {
    let body = body.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

pub(crate) fn post(
    url: &str,
    content_type: &str,
    action: Option<&str>,
    body: String,
) -> (u16, String) {
    let mut rb = http()
        .post(url)
        .header("Content-Type", content_type)
        .header("X-Request-Id", "test-req-1")
        .header("traceparent", TRACEPARENT)
        .body(body);
    if let Some(a) = action {
        rb = rb.header("SOAPAction", a);
    }
    let r = rb.send().unwrap();
    let status = r.status().as_u16();
    assert_eq!(
        r.headers().get("x-request-id").map(|v| v.to_str().unwrap()),
        Some("test-req-1")
    );
    (status, r.text().unwrap())
}

/// The message JSON of a SOAP answer, via the translator.
fn answer_json(wsdl: &str, op: &str, xml: &str) -> Value {
    let dir = scratch();
    let f = write(&dir, "answer.xml", xml);
    let o = soapbridge(&[
        "convert",
        wsdl,
        "--operation",
        op,
        "--message",
        "output",
        "--to",
        "json",
        f.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}\n{xml}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

#[test]
fn soap_facade_calls_the_rest_upstream_and_maps_answers_and_faults() {
    let orders = "wsdl/erp-orders/orders.wsdl";
    let payments = "wsdl/bank-payments/payments.wsdl";
    let order = sample_json(
        orders,
        "{urn:example:erp:orders:v1}GetOrderResponse",
        "wsdl/erp-orders/samples/GetOrderResponse.xml",
    );
    let status = sample_json(
        payments,
        "{urn:example:bank:payments:v2}GetPaymentStatusResponse",
        "wsdl/bank-payments/samples/GetPaymentStatusResponse.xml",
    );
    let upstream = start_upstream(order.clone(), status.clone());
    let dir = scratch();
    let root = root();
    write(
        &dir,
        "orders.yaml",
        &format!(
            r#"
contract: {}/{orders}
upstream:
  base_url: http://{upstream}
  timeout: 5s
  basic_auth:
    username: svc
    password: ${{SOAPBRIDGE_TEST_PASSWORD:-s3cret}}
operations:
  GetOrder:
    method: GET
    path: /orders/{{orderId}}
    headers:
      X-Order: "{{orderId}}"
      X-Tenant: acme
    faults:
      - status: 404
        fault: OrderFault
  CancelOrder:
    timeout: 300ms
"#,
            root.display()
        ),
    );
    write(
        &dir,
        "payments.yaml",
        &format!(
            r#"
contract: {}/{payments}
path: /bank/payments
upstream:
  base_url: http://{upstream}
operations:
  GetPaymentStatus:
    method: GET
    path: /payments/{{paymentId}}/status
"#,
            root.display()
        ),
    );
    let bridge = start_bridge(&dir);
    let facade = format!("{}/soap/OrderService", bridge.url);

    // A translated answer, field by field what the upstream sent (its
    // extra `revision` passed over).
    let get = std::fs::read_to_string(root.join("wsdl/erp-orders/samples/GetOrder.xml")).unwrap();
    let (code, xml) = post(
        &facade,
        "text/xml; charset=utf-8",
        Some("urn:example:erp:orders:v1/GetOrder"),
        soap11(&get),
    );
    assert_eq!(code, 200, "{xml}");
    assert_eq!(answer_json(orders, "GetOrder", &xml), order);
    assert!(SEEN_IDS.lock().unwrap().iter().any(|i| i == "test-req-1"));

    // 404 with a mapping rule: the declared fault, its element as detail.
    let missing = get.replace("SO-2024-000123", "SO-2024-000404");
    let (code, xml) = post(&facade, "text/xml", None, soap11(&missing));
    assert_eq!(code, 500, "{xml}");
    assert!(xml.contains("<faultcode>soap:Client</faultcode>"), "{xml}");
    assert!(xml.contains("Not Found: no order SO-2024-000404"), "{xml}");
    assert!(xml.contains("<detail><tns:OrderFault"), "{xml}");
    assert!(
        xml.contains("<tns:code>ORDER_NOT_FOUND</tns:code>"),
        "{xml}"
    );

    // 5xx: a Server fault with the upstream's title (and no more).
    let broken = get.replace("SO-2024-000123", "SO-2024-000500");
    let (code, xml) = post(&facade, "text/xml", None, soap11(&broken));
    assert_eq!(code, 500);
    assert!(xml.contains("<faultcode>soap:Server</faultcode>"), "{xml}");

    // An answer that breaks the contract is a Server fault naming the field.
    let bad = get.replace("SO-2024-000123", "SO-2024-000999");
    let (code, xml) = post(&facade, "text/xml", None, soap11(&bad));
    assert_eq!(code, 500);
    assert!(
        xml.contains("the upstream answer breaks the contract"),
        "{xml}"
    );
    assert!(xml.contains(r#"pointer="/order""#), "{xml}");

    // A request that breaks the contract never reaches the upstream.
    let invalid = get.replace("SO-2024-000123", "not an order id");
    let (code, xml) = post(&facade, "text/xml", None, soap11(&invalid));
    assert_eq!(code, 500);
    assert!(xml.contains("<faultcode>soap:Client</faultcode>"), "{xml}");
    assert!(xml.contains(r#"<sb:error pointer="/orderId">"#), "{xml}");

    // Timeout.
    let cancel =
        std::fs::read_to_string(root.join("wsdl/erp-orders/samples/CancelOrder.xml")).unwrap();
    let (code, xml) = post(&facade, "text/xml", None, soap11(&cancel));
    assert_eq!(code, 500);
    assert!(xml.contains("did not answer within 300 ms"), "{xml}");

    let (code, xml) = post(&facade, "text/xml", None, "<foo/>".into());
    assert_eq!(code, 500);
    assert!(xml.contains("the request is not a SOAP envelope"), "{xml}");

    // Not SOAP, not XML, wrong version, unknown operation, DTD.
    let (code, _) = post(&facade, "application/json", None, "{}".into());
    assert_eq!(code, 415);
    let (code, xml) = post(&facade, "text/xml", None, "<not-closed>".into());
    assert_eq!(code, 500);
    assert!(xml.contains("not well-formed"), "{xml}");
    let (code, xml) = post(&facade, "application/soap+xml", None, soap11(&get));
    assert!(xml.contains("VersionMismatch"), "{code} {xml}");
    let (_, xml) = post(
        &facade,
        "text/xml",
        None,
        soap11("<x:Nope xmlns:x='urn:x'/>"),
    );
    assert!(
        xml.contains("no operation of this service takes a body element {urn:x}Nope"),
        "{xml}"
    );
    let dtd = format!(
        "<!DOCTYPE x [<!ENTITY e 'boom'>]>{}",
        soap11(&get).replace(r#"<?xml version="1.0" encoding="UTF-8"?>"#, "")
    );
    let (_, xml) = post(&facade, "text/xml", None, dtd);
    assert!(xml.contains("<faultcode>soap:Client</faultcode>"), "{xml}");
    // A character XML 1.0 allows nowhere (here in an undescribed header).
    let (code, xml) = post(
        &facade,
        "text/xml",
        None,
        soap11(&get).replace(
            "<soapenv:Body>",
            "<soapenv:Header><x:note xmlns:x='urn:x'>a\u{1}b</x:note></soapenv:Header><soapenv:Body>",
        ),
    );
    assert_eq!(code, 500);
    assert!(xml.contains("<faultcode>soap:Client</faultcode>"), "{xml}");
    assert!(
        xml.contains("character U+0001 is not allowed in XML 1.0"),
        "{xml}"
    );

    // mustUnderstand: WS-Addressing is understood, WS-Security not yet.
    let with_header = |h: &str| {
        soap11(&get).replace(
            "<soapenv:Body>",
            &format!("<soapenv:Header>{h}</soapenv:Header><soapenv:Body>"),
        )
    };
    let wsa = r#"<wsa:Action xmlns:wsa="http://www.w3.org/2005/08/addressing" soapenv:mustUnderstand="1">urn:example:erp:orders:v1/GetOrder</wsa:Action>"#;
    let mid = r#"<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:uuid:1234</wsa:MessageID>"#;
    let (code, xml) = post(
        &facade,
        "text/xml",
        None,
        with_header(&format!("{wsa}{mid}")),
    );
    assert_eq!(code, 200, "{xml}");
    assert!(xml.contains(r#"<wsa:RelatesTo xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:uuid:1234</wsa:RelatesTo>"#), "{xml}");
    assert!(xml.contains("<soap:Header><wsa:Action"), "{xml}");
    let wsse = r#"<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" soapenv:mustUnderstand="1"/>"#;
    let (code, xml) = post(
        &facade,
        "text/xml",
        None,
        with_header(&format!("{wsse}{mid}")),
    );
    assert_eq!(code, 500);
    assert!(xml.contains("soap:MustUnderstand"), "{xml}");
    assert!(
        xml.contains("http://www.w3.org/2005/08/addressing/fault</wsa:Action>"),
        "{xml}"
    );

    // SOAP 1.2 on its own path; a one-way operation is 202.
    let pay = format!("{}/bank/payments", bridge.url);
    let gps = std::fs::read_to_string(root.join("wsdl/bank-payments/samples/GetPaymentStatus.xml"))
        .unwrap();
    let env12 = |b: &str| {
        let b = b.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        format!(
            r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>{b}</env:Body></env:Envelope>"#
        )
    };
    let (code, xml) = post(
        &pay,
        "application/soap+xml; charset=utf-8; action=\"urn:example:bank:payments:v2/GetPaymentStatus\"",
        None,
        env12(&gps),
    );
    assert_eq!(code, 200, "{xml}");
    assert_eq!(answer_json(payments, "GetPaymentStatus", &xml), status);
    let notify =
        std::fs::read_to_string(root.join("wsdl/bank-payments/samples/NotifyPaymentEvent.xml"))
            .unwrap();
    let (code, body) = post(&pay, "application/soap+xml", None, env12(&notify));
    assert_eq!(code, 202, "{body}");
    let (code, xml) = post(
        &pay,
        "application/soap+xml",
        None,
        env12("<x:Nope xmlns:x='urn:x'/>"),
    );
    assert_eq!(code, 400, "{xml}");
    assert!(xml.contains("soap:Sender"), "{xml}");

    // Metrics count what happened.
    let m = http()
        .get(format!("{}/metrics", bridge.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(m.contains(r#"soapbridge_soap_requests_total{service="OrderService",operation="GetOrder",outcome="ok"}"#), "{m}");
    assert!(m.contains(r#"outcome="client_fault""#), "{m}");
    assert!(
        m.contains(r#"soapbridge_upstream_errors_total{service="OrderService",kind="timeout"}"#),
        "{m}"
    );
    assert!(
        m.contains("soapbridge_soap_request_duration_seconds_bucket"),
        "{m}"
    );

    // Behind a trusted proxy (loopback by default) the published address
    // follows X-Forwarded-Proto / X-Forwarded-Host.
    let proxied = http()
        .get(format!("{facade}?wsdl"))
        .header("X-Forwarded-Host", "soap.example.com")
        .header("X-Forwarded-Proto", "https")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        proxied.contains(r#"location="https://soap.example.com/soap/OrderService""#),
        "{proxied}"
    );

    // ?wsdl: the address is the bridge's; imported schemas are served.
    let wsdl = http()
        .get(format!("{facade}?wsdl"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(wsdl.contains(&format!(r#"location="{facade}""#)), "{wsdl}");
    assert!(wsdl.contains(&format!("{facade}?xsd=")), "{wsdl}");
    let xsd_url = wsdl
        .split(&format!("{facade}?xsd="))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let xsd = http()
        .get(format!("{facade}?xsd={xsd_url}"))
        .send()
        .unwrap();
    assert_eq!(xsd.status(), 200);
    assert!(xsd.text().unwrap().contains("schema"));
    drop(bridge);
}

#[test]
fn mapping_errors_are_reported_and_serve_refuses_to_start() {
    let dir = scratch();
    write(
        &dir,
        "bad.yaml",
        &format!(
            r#"
contract: {}/wsdl/erp-orders/orders.wsdl
upstream:
  base_url: ftp://example.org
operations:
  NoSuchOperation: {{}}
  GetOrder:
    path: /orders/{{customer}}
    faults:
      - status: 404
        fault: NoSuchFault
"#,
            root().display()
        ),
    );
    let o = soapbridge(&[
        "serve",
        "--mappings",
        dir.to_str().unwrap(),
        "--listen",
        "127.0.0.1:1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for needle in [
        "scheme `ftp` is not http or https",
        "operations.NoSuchOperation: the service `OrderService` has no SOAP operation",
        "`customer` is not a field of the input message (it has: orderId)",
        "`NoSuchFault` is not a fault of the operation (declared: OrderFault)",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in {err}");
    }
    write(&dir, "bad.yaml", "contract: [unclosed\n");
    let o = soapbridge(&["serve", "--mappings", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.yaml:"), "{}", stderr(&o));
}

/// Wraps a sample body document in a SOAP 1.1 or 1.2 envelope.
fn envelope(v12: bool, sample: &Path) -> String {
    let body = std::fs::read_to_string(sample).unwrap();
    let body = body.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let ns = if v12 {
        "http://www.w3.org/2003/05/soap-envelope"
    } else {
        "http://schemas.xmlsoap.org/soap/envelope/"
    };
    format!(r#"<e:Envelope xmlns:e="{ns}"><e:Body>{body}</e:Body></e:Envelope>"#)
}

pub(crate) fn start_serve(args: &[&str], env: &[(&str, String)]) -> Bridge {
    start_serve_on(free_port(), args, env)
}

/// [`start_serve`] on a port chosen by the caller (for mappings that call
/// the bridge itself).
pub(crate) fn start_serve_on(port: u16, args: &[&str], env: &[(&str, String)]) -> Bridge {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soapbridge"));
    cmd.arg("serve")
        .args(args)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .current_dir(root())
        .env("SOAPBRIDGE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let bridge = Bridge {
        child: cmd.spawn().expect("start soapbridge serve"),
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while !http()
        .get(format!("{}/healthz", bridge.url))
        .send()
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    bridge
}

#[test]
fn shipped_mappings_answer_every_operation_through_the_demo_service() {
    let demo = free_port();
    let bridge = start_serve(
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
        ],
    );
    let root = root();
    let orders = format!("{}/soap/OrderService", bridge.url);
    let payments = format!("{}/soap/PaymentService", bridge.url);
    let call = |url: &str, v12: bool, sample: &str| {
        let ct = if v12 {
            "application/soap+xml"
        } else {
            "text/xml"
        };
        post(url, ct, None, envelope(v12, &root.join(sample)))
    };
    // Every operation answers, and the answer is valid for the contract.
    for (op, sample) in [
        ("CreateOrder", "wsdl/erp-orders/samples/CreateOrder.xml"),
        ("GetOrder", "wsdl/erp-orders/samples/GetOrder.xml"),
        ("ListOrders", "wsdl/erp-orders/samples/ListOrders.xml"),
        ("GetStockLevel", "wsdl/erp-orders/samples/GetStockLevel.xml"),
        ("CancelOrder", "wsdl/erp-orders/samples/CancelOrder.xml"),
    ] {
        let (code, xml) = call(&orders, false, sample);
        assert_eq!(code, 200, "{op}: {xml}");
        answer_json("wsdl/erp-orders/orders.wsdl", op, &xml);
    }
    // The answer is what the REST service says, field by field.
    let (_, xml) = call(&orders, false, "wsdl/erp-orders/samples/GetOrder.xml");
    let direct: Value = serde_json::from_str(
        &http()
            .get(format!("http://127.0.0.1:{demo}/erp/orders/SO-2024-000123"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    let via_soap = answer_json("wsdl/erp-orders/orders.wsdl", "GetOrder", &xml);
    assert_eq!(via_soap, direct);
    // Cancelling twice: the declared fault from the 409.
    let (_, xml) = call(&orders, false, "wsdl/erp-orders/samples/CancelOrder.xml");
    assert!(
        xml.contains("<tns:code>NOT_CANCELLABLE</tns:code>"),
        "{xml}"
    );
    // SOAP 1.2, a header moved to HTTP headers, a one-way operation.
    let (code, xml) = post(
        &payments,
        "application/soap+xml",
        None,
        std::fs::read_to_string(root.join("wsdl/bank-payments/samples/SubmitPayment.envelope.xml"))
            .unwrap(),
    );
    assert_eq!(code, 200, "{xml}");
    assert!(xml.contains("<ns1:status>ACCEPTED</ns1:status>"), "{xml}");
    let (code, xml) = call(
        &payments,
        true,
        "wsdl/bank-payments/samples/GetPaymentStatus.xml",
    );
    assert_eq!(code, 200, "{xml}");
    answer_json("wsdl/bank-payments/payments.wsdl", "GetPaymentStatus", &xml);
    let (code, _) = call(
        &payments,
        true,
        "wsdl/bank-payments/samples/NotifyPaymentEvent.xml",
    );
    assert_eq!(code, 202);
    // The shipped mapping queues the event (the in-process queue: no
    // --amqp here) and its queue route delivers it to the demo, once.
    let started = std::time::Instant::now();
    let events = loop {
        let got: serde_json::Value = serde_json::from_str(
            &http()
                .get(format!("http://127.0.0.1:{demo}/bank/payment-events"))
                .send()
                .unwrap()
                .text()
                .unwrap(),
        )
        .unwrap();
        if got["received"] != 0 || started.elapsed() > std::time::Duration::from_secs(10) {
            break got;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(events["received"], 1, "{events}");
    assert_eq!(
        events["latest"][0]["body"]["event"]["newStatus"], "SETTLED",
        "{events}"
    );
    let missing = envelope(
        true,
        &root.join("wsdl/bank-payments/samples/GetPaymentStatus.xml"),
    )
    .replace("PMT-20240314-000042", "PMT-20240314-999999");
    let (code, xml) = post(&payments, "application/soap+xml", None, missing);
    assert_eq!(code, 400, "{xml}");
    assert!(xml.contains("PaymentNotFound"), "{xml}");
}

#[test]
fn a_scaffolded_mapping_works_unedited() {
    let wsdl = "wsdl/erp-orders/orders.wsdl";
    // The upstream answers POST /{Operation} with the sample output JSON
    // and records the JSON it was sent.
    let mut answers = std::collections::HashMap::new();
    for op in [
        "CreateOrder",
        "GetOrder",
        "ListOrders",
        "CancelOrder",
        "GetStockLevel",
    ] {
        let out = sample_json(
            wsdl,
            &format!("{op}Response"),
            &format!("wsdl/erp-orders/samples/{op}Response.xml"),
        );
        answers.insert(op.to_string(), out);
    }
    static RECEIVED: Mutex<Vec<(String, Value)>> = Mutex::new(Vec::new());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    let answers = std::sync::Arc::new(answers);
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                let answers = answers.clone();
                App::new().route(
                    "/api/{op}",
                    web::post().to(move |op: web::Path<String>, body: web::Json<Value>| {
                        let answers = answers.clone();
                        async move {
                            RECEIVED
                                .lock()
                                .unwrap()
                                .push((op.clone(), body.into_inner()));
                            match answers.get(op.as_str()) {
                                Some(a) => HttpResponse::Ok().json(a),
                                None => HttpResponse::NotFound().finish(),
                            }
                        }
                    }),
                )
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    let dir = scratch();
    let file = dir.join("orders.yaml");
    let o = soapbridge(&[
        "scaffold",
        wsdl,
        "--flow",
        "soap-to-rest",
        "--upstream",
        &format!("http://{upstream}/api"),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // -o refuses to overwrite without --force.
    let again = soapbridge(&[
        "scaffold",
        wsdl,
        "--flow",
        "soap-to-rest",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    let check = soapbridge(&["check", "--mappings", dir.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));
    let bridge = start_serve(&["--mappings", dir.to_str().unwrap()], &[]);
    let facade = format!("{}/soap/OrderService", bridge.url);
    for (op, answer) in answers_for(wsdl) {
        let sample = root().join(format!("wsdl/erp-orders/samples/{op}.xml"));
        let (code, xml) = post(&facade, "text/xml", None, envelope(false, &sample));
        assert_eq!(code, 200, "{op}: {xml}");
        assert_eq!(answer_json(wsdl, &op, &xml), answer, "{op}");
        let sent = sample_json(wsdl, &op, sample.to_str().unwrap());
        let received = RECEIVED.lock().unwrap();
        assert!(
            received.iter().any(|(o, b)| *o == op && *b == sent),
            "{op}: the upstream did not get the input message {sent}"
        );
    }
}

/// Each erp-orders operation with the JSON its sample output translates to.
fn answers_for(wsdl: &str) -> Vec<(String, Value)> {
    [
        "CreateOrder",
        "GetOrder",
        "ListOrders",
        "CancelOrder",
        "GetStockLevel",
    ]
    .iter()
    .map(|op| {
        let out = sample_json(
            wsdl,
            &format!("{op}Response"),
            &format!("wsdl/erp-orders/samples/{op}Response.xml"),
        );
        (op.to_string(), out)
    })
    .collect()
}

#[test]
fn check_reports_problems_with_positions() {
    let dir = scratch();
    write(
        &dir,
        "orders.yaml",
        &format!(
            "contract: {}/wsdl/erp-orders/orders.wsdl\nupstream:\n  base_url: http://127.0.0.1:1\noperations:\n  GetOrder:\n    path: /orders/{{nope}}\n  Missing:\n    method: GET\n",
            root().display()
        ),
    );
    let o = soapbridge(&["check", "--mappings", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("orders.yaml:7:3: operations.Missing: the service `OrderService` has no SOAP operation `Missing`"), "{err}");
    assert!(
        err.contains("orders.yaml:5:3: operations.GetOrder: `nope` is not a field"),
        "{err}"
    );
}

#[test]
fn slow_clients_and_oversized_requests_are_cut_off() {
    use std::io::{Read, Write};
    let demo = free_port();
    let bridge = start_serve(
        &[
            "--mappings",
            "mappings",
            "--demo",
            "--demo-listen",
            &format!("127.0.0.1:{demo}"),
            "--read-timeout",
            "1",
            "--max-elements",
            "40",
            "--max-body",
            "4096",
        ],
        &[("ORDERS_API_URL", format!("http://127.0.0.1:{demo}/erp"))],
    );
    let addr = bridge.url.trim_start_matches("http://").to_string();
    // A body that never arrives: 408 with a fault, after the read timeout.
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(
        b"POST /soap/OrderService HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n<s:Envelope",
    )
    .unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive within 1 s"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // Too many elements, too large a body: precise faults.
    let many = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{}</s:Body></s:Envelope>"#,
        "<x/>".repeat(100)
    );
    let (code, xml) = post(
        &format!("{}/soap/OrderService", bridge.url),
        "text/xml",
        None,
        many,
    );
    assert_eq!(code, 500, "{xml}");
    assert!(xml.contains("<faultcode>soap:Client</faultcode>"), "{xml}");
    let big = format!("<s:Envelope>{}</s:Envelope>", "x".repeat(5000));
    let (code, xml) = post(
        &format!("{}/soap/OrderService", bridge.url),
        "text/xml",
        None,
        big,
    );
    assert_eq!(code, 413, "{xml}");
    assert!(xml.contains("larger than 4096 bytes"), "{xml}");
}

/// A private CA, a server certificate for 127.0.0.1 and a client
/// certificate, made with the openssl CLI in `dir`.
fn make_pki(dir: &Path) {
    let sh = |script: &str| {
        let o = Command::new("bash")
            .arg("-ec")
            .arg(script)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    sh(r#"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=soapbridge-test-ca 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > server.ext
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n' > client.ext
openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=soapbridge-client 2>/dev/null
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 -extfile client.ext 2>/dev/null
"#);
}

struct Upstream(Child);

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn upstream_tls_with_a_private_ca_and_a_client_certificate() {
    use std::io::BufRead;
    let dir = scratch();
    make_pki(&dir);
    let wsdl = "wsdl/erp-orders/orders.wsdl";
    let answer = sample_json(
        wsdl,
        "GetOrderResponse",
        "wsdl/erp-orders/samples/GetOrderResponse.xml",
    );
    let answer_file = write(&dir, "answer.json", &answer.to_string());
    let mut child = Command::new("python3")
        .arg(root().join("scripts/peers/tls_upstream.py"))
        .args(["server.pem", "server.key", "ca.pem"])
        .arg(&answer_file)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _upstream = Upstream(child);
    let port: u16 = line.trim().parse().expect("the upstream's port");
    let mapping = |name: &str, tls: &str| {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        write(
            &d,
            "orders.yaml",
            &format!(
                "contract: {}/{wsdl}\nupstream:\n  base_url: https://127.0.0.1:{port}\n  retries: 0\n{tls}",
                root().display()
            ),
        );
        d
    };
    let get = std::fs::read_to_string(root().join("wsdl/erp-orders/samples/GetOrder.xml")).unwrap();
    let mtls = mapping(
        "mtls",
        "  ca_file: ../ca.pem\n  client_cert: ../client.pem\n  client_key: ../client.key\n",
    );
    let bridge = start_bridge(&mtls);
    let (code, xml) = post(
        &format!("{}/soap/OrderService", bridge.url),
        "text/xml",
        None,
        soap11(&get),
    );
    assert_eq!(code, 200, "{xml}");
    assert_eq!(answer_json(wsdl, "GetOrder", &xml), answer);
    drop(bridge);
    // Trusting the CA without a client certificate: the upstream refuses
    // the handshake; the caller gets a Server fault without details.
    for (name, tls) in [("no-cert", "  ca_file: ../ca.pem\n"), ("no-ca", "")] {
        let bridge = start_bridge(&mapping(name, tls));
        let (code, xml) = post(
            &format!("{}/soap/OrderService", bridge.url),
            "text/xml",
            None,
            soap11(&get),
        );
        assert_eq!(code, 500, "{name}: {xml}");
        assert!(
            xml.contains("<faultcode>soap:Server</faultcode>"),
            "{name}: {xml}"
        );
        assert!(
            !xml.contains("127.0.0.1"),
            "{name}: the fault leaks the upstream address: {xml}"
        );
    }
    // A key without its certificate is a mapping error.
    let half = mapping("half", "  client_key: ../client.key\n");
    let o = soapbridge(&["check", "--mappings", half.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("mutual TLS needs both client_cert and client_key"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn fields_are_renamed_between_the_soap_and_rest_shapes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(|| {
                App::new().route(
                    "/orders/{id}/cancellation",
                    web::put().to(|id: web::Path<String>, body: web::Json<Value>| async move {
                        // The REST shape: the reason under `why.text`.
                        let want = json!({"orderId": id.as_str(), "why": {"text": "Customer ordered twice by mistake."}});
                        if *body != want {
                            return HttpResponse::BadRequest()
                                .json(json!({"title": "unexpected body", "detail": body.to_string()}));
                        }
                        HttpResponse::Ok().json(json!({
                            "id": id.as_str(), "state": "CANCELLED", "at": "2026-11-25T10:00:00Z"
                        }))
                    }),
                )
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    let dir = scratch();
    write(
        &dir,
        "orders.yaml",
        &format!(
            r#"
contract: {}/wsdl/erp-orders/orders.wsdl
upstream:
  base_url: http://{upstream}
operations:
  CancelOrder:
    method: PUT
    path: /orders/{{orderId}}/cancellation
    request_rename:
      reason: why.text
    response_rename:
      orderId: id
      status: state
      cancelledAt: at
"#,
            root().display()
        ),
    );
    let bridge = start_bridge(&dir);
    let sample = root().join("wsdl/erp-orders/samples/CancelOrder.xml");
    let body = std::fs::read_to_string(&sample).unwrap();
    assert!(
        body.contains("Customer ordered twice by mistake."),
        "the sample's reason changed: {body}"
    );
    let (code, xml) = post(
        &format!("{}/soap/OrderService", bridge.url),
        "text/xml",
        None,
        soap11(&body),
    );
    assert_eq!(code, 200, "{xml}");
    let got = answer_json("wsdl/erp-orders/orders.wsdl", "CancelOrder", &xml);
    assert_eq!(
        got,
        json!({"orderId": "SO-2024-000098", "status": "CANCELLED", "cancelledAt": "2026-11-25T10:00:00Z"})
    );
    // A rename that names no input field is a mapping error.
    let bad = std::fs::read_to_string(dir.join("orders.yaml"))
        .unwrap()
        .replace("      reason: why.text", "      nosuch: why.text");
    std::fs::write(dir.join("orders.yaml"), bad).unwrap();
    let o = soapbridge(&["check", "--mappings", dir.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("request_rename: `nosuch` is not a field of the input message"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_config_file_sets_defaults_and_trusted_proxies() {
    let dir = scratch();
    let port = free_port();
    let demo = free_port();
    std::fs::create_dir_all(dir.join("maps")).unwrap();
    write(
        &dir.join("maps"),
        "orders.yaml",
        &format!(
            "contract: {}/wsdl/erp-orders/orders.wsdl\nupstream:\n  base_url: http://127.0.0.1:{demo}/erp\n",
            root().display()
        ),
    );
    let config = write(
        &dir,
        "soapbridge.yaml",
        &format!(
            "listen: 127.0.0.1:{port}\nmappings: maps\nlimits:\n  max_body: 2048\n  read_timeout: 5s\ntrusted_proxies: [\"10.0.0.0/8\"]\n"
        ),
    );
    let child = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["serve", "--config"])
        .arg(&config)
        .env("SOAPBRIDGE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let bridge = Bridge {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while !http()
        .get(format!("{}/healthz", bridge.url))
        .send()
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve --config did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, _) = post(
        &format!("{}/soap/OrderService", bridge.url),
        "text/xml",
        None,
        "x".repeat(3000),
    );
    assert_eq!(code, 413);
    // Loopback is not a trusted proxy here: forwarding headers are ignored.
    let wsdl = http()
        .get(format!("{}/soap/OrderService?wsdl", bridge.url))
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "https")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        wsdl.contains(&format!(
            r#"location="http://127.0.0.1:{port}/soap/OrderService""#
        )),
        "{wsdl}"
    );
    assert!(!wsdl.contains("evil.example"));
    // An unknown key in the config file is an error with its position.
    write(&dir, "bad.yaml", "listen: 127.0.0.1:1\nmax_bodyy: 3\n");
    let o = soapbridge(&["serve", "--config", dir.join("bad.yaml").to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("bad.yaml:2:"), "{}", stderr(&o));
}

/// A one-operation SOAP 1.1 service whose schema imports a remote XSD.
const REMOTE_SERVICE: &str = r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:svc" targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc" xmlns:r="urn:remote" elementFormDefault="qualified">
    <xs:import namespace="urn:remote" schemaLocation="https://schemas.example.com/common/remote.xsd"/>
    <xs:element name="Ping"><xs:complexType><xs:sequence><xs:element name="v" type="r:T"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="PingResponse"><xs:complexType><xs:sequence><xs:element name="v" type="r:T"/></xs:sequence></xs:complexType></xs:element>
  </xs:schema></types>
  <message name="PingIn"><part name="parameters" element="tns:Ping"/></message>
  <message name="PingOut"><part name="parameters" element="tns:PingResponse"/></message>
  <portType name="P"><operation name="Ping"><input message="tns:PingIn"/><output message="tns:PingOut"/></operation></portType>
  <binding name="B" type="tns:P"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Ping"><soap:operation soapAction="urn:svc/Ping"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="PingService"><port name="PingPort" binding="tns:B"><soap:address location="http://localhost/ping"/></port></service>
</definitions>"#;

#[test]
fn a_mapping_may_bring_its_own_catalog() {
    let dir = scratch();
    write(&dir, "ping.wsdl", REMOTE_SERVICE);
    write(
        &dir,
        "mirror/remote.xsd",
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:remote">
  <xs:simpleType name="T"><xs:restriction base="xs:string"><xs:maxLength value="5"/></xs:restriction></xs:simpleType></xs:schema>"#,
    );
    write(
        &dir,
        "catalog.xml",
        r#"<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <system systemId="https://schemas.example.com/common/remote.xsd" uri="mirror/remote.xsd"/>
</catalog>"#,
    );
    let maps = dir.join("maps");
    std::fs::create_dir_all(&maps).unwrap();
    write(
        &maps,
        "ping.yaml",
        "contract: ../ping.wsdl\nupstream:\n  base_url: http://127.0.0.1:1\n",
    );
    let o = soapbridge(&["check", "--mappings", maps.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is not fetched"), "{}", stderr(&o));
    write(
        &maps,
        "ping.yaml",
        "contract: ../ping.wsdl\ncatalog: ../catalog.xml\nupstream:\n  base_url: http://127.0.0.1:1\n",
    );
    let o = soapbridge(&["check", "--mappings", maps.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 mapping(s), 1 operation(s)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_refused_connection_is_a_server_fault_and_shutdown_finishes_requests() {
    // Nothing listens on the upstream port.
    let closed = free_port();
    let dir = scratch();
    write(
        &dir,
        "orders.yaml",
        &format!(
            "contract: {}/wsdl/erp-orders/orders.wsdl\nupstream:\n  base_url: http://127.0.0.1:{closed}\n  retries: 1\n  backoff: 10ms\noperations:\n  GetOrder:\n    method: GET\n",
            root().display()
        ),
    );
    let bridge = start_bridge(&dir);
    let get = std::fs::read_to_string(root().join("wsdl/erp-orders/samples/GetOrder.xml")).unwrap();
    let (code, xml) = post(
        &format!("{}/soap/OrderService", bridge.url),
        "text/xml",
        None,
        soap11(&get),
    );
    assert_eq!(code, 500);
    assert!(
        xml.contains("the upstream service is unavailable (connection failed)"),
        "{xml}"
    );
    assert!(
        !xml.contains(&closed.to_string()),
        "the fault leaks the upstream address: {xml}"
    );
    drop(bridge);

    // SIGTERM while a request waits on a slow upstream: it still gets its answer.
    let order = sample_json(
        "wsdl/erp-orders/orders.wsdl",
        "GetOrderResponse",
        "wsdl/erp-orders/samples/GetOrderResponse.xml",
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let order = web::Data::new(Order(order));
            HttpServer::new(move || {
                App::new().app_data(order.clone()).route(
                    "/GetOrder",
                    web::post().to(|order: web::Data<Order>| async move {
                        actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
                        HttpResponse::Ok().json(order.0.clone())
                    }),
                )
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    write(
        &dir,
        "orders.yaml",
        &format!(
            "contract: {}/wsdl/erp-orders/orders.wsdl\nupstream:\n  base_url: http://{upstream}\n",
            root().display()
        ),
    );
    let mut bridge = start_bridge(&dir);
    let url = format!("{}/soap/OrderService", bridge.url);
    let body = soap11(&get);
    let call = std::thread::spawn(move || post(&url, "text/xml", None, body));
    std::thread::sleep(Duration::from_millis(400));
    let pid = bridge.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let (code, xml) = call.join().unwrap();
    assert_eq!(code, 200, "the in-flight request was cut: {xml}");
    let status = bridge.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// A one-operation service with a plain string field, for hostile values.
const PLAIN_SERVICE: &str = r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:svc" targetNamespace="urn:svc">
  <types><xs:schema targetNamespace="urn:svc" elementFormDefault="qualified">
    <xs:element name="Ping"><xs:complexType><xs:sequence><xs:element name="v" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="PingResponse"><xs:complexType><xs:sequence><xs:element name="v" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
  </xs:schema></types>
  <message name="PingIn"><part name="parameters" element="tns:Ping"/></message>
  <message name="PingOut"><part name="parameters" element="tns:PingResponse"/></message>
  <portType name="P"><operation name="Ping"><input message="tns:PingIn"/><output message="tns:PingOut"/></operation></portType>
  <binding name="B" type="tns:P"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Ping"><soap:operation soapAction="urn:svc/Ping"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="PingService"><port name="PingPort" binding="tns:B"><soap:address location="http://internal.example/ping"/></port></service>
</definitions>"#;

#[test]
fn hostile_values_do_not_reach_the_upstream_or_the_wsdl() {
    let dir = scratch();
    write(&dir, "ping.wsdl", PLAIN_SERVICE);
    let maps = dir.join("maps");
    std::fs::create_dir_all(&maps).unwrap();
    // Nothing listens upstream: any request that got through would be a
    // Server fault, so Client faults prove the bridge stopped it.
    write(
        &maps,
        "ping.yaml",
        &format!(
            "contract: ../ping.wsdl\nupstream:\n  base_url: http://127.0.0.1:{}/api\n  retries: 0\noperations:\n  Ping:\n    path: /items/{{v}}\n    headers:\n      X-V: \"{{v}}\"\n",
            free_port()
        ),
    );
    let bridge = start_bridge(&maps);
    let facade = format!("{}/soap/PingService", bridge.url);
    let ping = |v: &str| {
        soap11(&format!(
            r#"<p:Ping xmlns:p="urn:svc"><p:v>{v}</p:v></p:Ping>"#
        ))
    };
    for (v, why) in [
        ("..", "cannot address the service"),
        (".", "cannot address the service"),
        (
            "a&#13;&#10;X-Evil: 1",
            "characters an HTTP header cannot carry",
        ),
    ] {
        let (code, xml) = post(&facade, "text/xml", None, ping(v));
        assert_eq!(code, 500, "{v}: {xml}");
        assert!(
            xml.contains("<faultcode>soap:Client</faultcode>") && xml.contains(why),
            "{v}: {xml}"
        );
    }
    // A header for another actor is not ours to understand.
    let other = ping("ok").replace(
        "<soapenv:Body>",
        r#"<soapenv:Header><x:H xmlns:x="urn:x" soapenv:actor="urn:someone-else" soapenv:mustUnderstand="1"/></soapenv:Header><soapenv:Body>"#,
    );
    let (_, xml) = post(&facade, "text/xml", None, other);
    assert!(!xml.contains("MustUnderstand"), "{xml}");
    assert!(xml.contains("connection failed"), "{xml}");
    // A forged Host cannot inject markup into the served WSDL.
    let mut s = std::net::TcpStream::connect(bridge.url.trim_start_matches("http://")).unwrap();
    use std::io::{Read, Write};
    s.write_all(b"GET /soap/PingService?wsdl HTTP/1.1\r\nHost: x\"/><evil a=\"\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(!answer.contains("<evil"), "{answer}");
    assert!(!answer.contains("internal.example"), "{answer}");
}
