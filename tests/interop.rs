//! Cross-checks against independent implementations, run with the peers
//! that `scripts/bootstrap.sh` installs (`SOAPBRIDGE_PEERS_PYTHON`).

use std::path::PathBuf;
use std::process::Command;

use crate::util::*;

pub(crate) fn python() -> PathBuf {
    let p = std::env::var_os("SOAPBRIDGE_PEERS_PYTHON").expect(
        "SOAPBRIDGE_PEERS_PYTHON must point at the peers venv's python: run scripts/test.sh",
    );
    PathBuf::from(p)
}

pub(crate) fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run peer");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "peer failed:\n{text}");
    text
}

/// zeep must see the same services, ports and operations as `inspect --json`.
#[test]
fn zeep_reads_the_same_services_ports_and_operations() {
    let dir = scratch();
    let large = dir.join("generated.wsdl");
    run(Command::new(python())
        .arg(root().join("scripts/gen_large_wsdl.py"))
        .args(["--types", "300", "--operations", "120", "-o"])
        .arg(&large));
    let mut contracts = shipped_contracts();
    contracts.push(root().join("tests/fixtures/wsdl/mixed-bindings.wsdl"));
    contracts.push(large);
    let out = run(Command::new(python())
        .arg(root().join("scripts/peers/compare_inspect.py"))
        .arg("--python")
        .arg(python())
        .arg(env!("CARGO_BIN_EXE_soapbridge"))
        .args(&contracts));
    let n = contracts.len();
    assert!(
        out.contains(&format!("{n} contracts compared, {n} passed, 0 failed")),
        "{out}"
    );
}

/// `inspect --json` output validates against the JSON Schema in the repo.
#[test]
fn inspect_json_matches_its_json_schema() {
    let mut contracts = shipped_contracts();
    contracts.push(root().join("tests/fixtures/wsdl/mixed-bindings.wsdl"));
    let dir = scratch();
    let mut files = Vec::new();
    for (i, c) in contracts.iter().enumerate() {
        let v = inspect_json(c);
        let f = dir.join(format!("{i}.json"));
        std::fs::write(&f, serde_json::to_vec(&v).unwrap()).unwrap();
        files.push(f);
    }
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
bad = 0
for f in sys.argv[2:]:
    errors = list(v.iter_errors(json.load(open(f))))
    for e in errors:
        print(f, "/".join(map(str, e.absolute_path)), e.message)
    bad += bool(errors)
print(f"{len(sys.argv) - 2} documents validated, {bad} invalid")
sys.exit(1 if bad else 0)
"#;
    let out = run(Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(root().join("schemas/inspect.schema.json"))
        .args(&files));
    assert!(
        out.contains(&format!("{} documents validated, 0 invalid", files.len())),
        "{out}"
    );
}

/// The shipped samples are valid against their contracts (lxml's XSD
/// validator) and parse in zeep as the operations' messages, so later
/// translation tests can use them as ground truth.
#[test]
fn shipped_samples_are_valid_instances_of_their_contracts() {
    let out = run(Command::new(python()).arg(root().join("scripts/peers/check_samples.py")));
    assert!(out.contains("samples: all valid"), "{out}");
}

/// zeep builds every document of the shipped contracts' document-style
/// operations (inputs, outputs, header blocks, fault details; from the
/// samples and from values), soapbridge translates it to JSON and back, and
/// zeep reads the result: same values, same XML, valid against the XSD.
#[test]
fn zeep_round_trips_every_document_through_soapbridge() {
    let out = run(Command::new(python())
        .arg(root().join("scripts/peers/zeep_translate_check.py"))
        .arg(env!("CARGO_BIN_EXE_soapbridge"))
        .args(shipped_contracts()));
    let closing = out
        .lines()
        .rev()
        .find(|l| l.ends_with(" failed") && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no closing line:\n{out}"));
    let passed: usize = closing
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad closing line {closing:?}:\n{out}"));
    assert!(
        passed > 0 && closing == format!("{passed} passed, 0 failed"),
        "{out}"
    );
}

/// The bridge with the shipped mappings and the example REST service, on
/// free ports: (bridge, the REST service's URL).
fn serve_demo() -> (crate::serve::Bridge, String) {
    let demo = crate::serve::free_port();
    let demo_url = format!("http://127.0.0.1:{demo}");
    let bridge = crate::serve::start_serve(
        &[
            "--mappings",
            "mappings",
            "--demo",
            "--demo-listen",
            &format!("127.0.0.1:{demo}"),
        ],
        &[
            ("ORDERS_API_URL", format!("{demo_url}/erp")),
            ("PAYMENTS_API_URL", format!("{demo_url}/bank")),
        ],
    );
    (bridge, demo_url)
}

/// python zeep, a real legacy client, generated from the bridge's `?wsdl`,
/// calls every shipped operation through the bridge; each answer is
/// compared field by field with the REST service's own answer.
#[test]
fn zeep_calls_every_shipped_operation_through_the_bridge() {
    let (bridge, demo) = serve_demo();
    let out = run(Command::new(python())
        .arg(root().join("scripts/peers/zeep_call_bridge.py"))
        .arg(&bridge.url)
        .arg(&demo));
    assert!(out.contains("0 failed"), "{out}");
    assert_eq!(out.matches("ok    ").count(), 10, "{out}");
}

/// The same with node `soap`, a second independent client.
#[test]
fn node_soap_calls_every_shipped_operation_through_the_bridge() {
    let modules = std::env::var_os("SOAPBRIDGE_PEERS_NODE_MODULES")
        .expect("SOAPBRIDGE_PEERS_NODE_MODULES must point at the node peers: run scripts/test.sh");
    let (bridge, demo) = serve_demo();
    let out = run(Command::new("node")
        .env("NODE_PATH", modules)
        .arg(root().join("scripts/peers/node_soap_call_bridge.js"))
        .arg(&bridge.url)
        .arg(&demo));
    assert!(out.contains("0 failed"), "{out}");
    assert_eq!(out.matches("ok    ").count(), 10, "{out}");
}

/// A real legacy SOAP server (python spyne) behind the REST facade: the
/// bridge is configured from spyne's own served WSDL, and every operation
/// is called with JSON; the answers are checked field by field, exactly
/// (decimals keep their digits).
/// A running spyne backend (killed on drop) and a bridge serving a
/// scaffolded, unedited rest-to-soap mapping of its served WSDL.
struct SpyneFacade {
    bridge: crate::serve::Bridge,
    _spyne: KillOnDrop,
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spyne_facade() -> SpyneFacade {
    use std::io::BufRead;
    let mut child = Command::new(python())
        .arg(root().join("scripts/peers/spyne_backend.py"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start spyne");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let spyne = KillOnDrop(child);
    let port: u16 = line.trim().parse().expect("spyne's port");
    let wsdl = crate::serve::http()
        .get(format!("http://127.0.0.1:{port}/?wsdl"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let dir = scratch();
    write(&dir, "shop.wsdl", &wsdl);
    // The mapping is scaffolded and used unedited; the backend's address
    // comes from spyne's WSDL itself.
    let scaffold = soapbridge(&[
        "scaffold",
        dir.join("shop.wsdl").to_str().unwrap(),
        "--flow",
        "rest-to-soap",
        "-o",
        dir.join("shop.yaml").to_str().unwrap(),
    ]);
    assert!(scaffold.status.success(), "{}", stderr(&scaffold));
    let bridge = crate::serve::start_serve(&["--mappings", dir.to_str().unwrap()], &[]);
    SpyneFacade {
        bridge,
        _spyne: spyne,
    }
}

/// schemathesis generates requests from the facade's own OpenAPI document
/// (spyne behind it): every answer is documented and fits its schema,
/// invalid data is refused, and no 5xx arises but the backend's own faults.
#[test]
fn schemathesis_finds_no_unmapped_errors() {
    let f = spyne_facade();
    let st = python().with_file_name("schemathesis");
    let out = Command::new(&st)
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .env("PYTHONPATH", root().join("scripts/peers"))
        .current_dir(scratch())
        .args(["run", &format!("{}/api/Shop/openapi.json", f.bridge.url)])
        .args(["--max-examples", "50", "--seed", "20261125", "--checks"])
        .arg("not_an_unmapped_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection")
        .output()
        .expect("run schemathesis");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(" passed"), "{text}");
}

#[test]
fn spyne_behind_the_rest_facade() {
    let f = spyne_facade();
    let bridge = &f.bridge;
    let call = |op: &str, body: &str| {
        let r = crate::serve::http()
            .post(format!("{}/api/Shop/{op}", bridge.url))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    assert_eq!(
        call("Hello", r#"{"name":"Ann"}"#),
        (200, r#"{"HelloResult":"Hello Ann"}"#.into())
    );
    assert_eq!(
        call(
            "Total",
            r#"{"items":{"Item":[{"sku":"A","qty":2,"price":1.25},{"sku":"B","qty":3,"price":0.10}]}}"#
        ),
        (200, r#"{"TotalResult":2.80}"#.into())
    );
    assert_eq!(
        call("Lookup", r#"{"sku":"PUMP-00042"}"#),
        (
            200,
            r#"{"LookupResult":{"sku":"PUMP-00042","qty":40,"price":149.90}}"#.into()
        )
    );
    assert_eq!(
        call("Echo", r#"{"note":"x","count":3}"#),
        (200, r#"{"note":"x","count":3}"#.into())
    );
    let (code, body) = call("Hello", r#"{"name":"fail"}"#);
    assert_eq!(code, 400, "{body}");
    let p: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(p["type"], "urn:soapbridge:problem:soap-fault");
    assert_eq!(p["detail"], "the name `fail` is refused");
    assert!(
        p["fault"]["code"]
            .as_str()
            .unwrap()
            .ends_with("Client.BadName"),
        "{body}"
    );
    let (code, body) = call("Lookup", r#"{"sku":"NOPE"}"#);
    assert_eq!(code, 400, "{body}");
    // spyne's contract as an OpenAPI document, checked against its answers.
    check_openapi_against_answers(
        &format!("{}/api/Shop", bridge.url),
        &[
            ("POST", "/Hello", "/Hello", r#"{"name":"Ann"}"#),
            (
                "POST",
                "/Total",
                "/Total",
                r#"{"items":{"Item":[{"sku":"A","qty":2,"price":1.25}]}}"#,
            ),
            ("POST", "/Lookup", "/Lookup", r#"{"sku":"PUMP-00042"}"#),
            ("POST", "/Lookup", "/Lookup", r#"{"sku":"NOPE"}"#),
            ("POST", "/Echo", "/Echo", r#"{"note":"x","count":3}"#),
        ],
    );
    // Invalid input never reaches spyne.
    let (code, body) = call(
        "Total",
        r#"{"items":{"Item":[{"sku":"A","qty":"two","price":1}]}}"#,
    );
    assert_eq!(code, 400, "{body}");
    assert!(body.contains(r#""pointer":"/items/Item/0/qty""#), "{body}");
}

/// Fetches `{api}/openapi.json`, makes each call (method, URL suffix, the
/// path as the document names it, JSON body), and has
/// openapi-spec-validator and jsonschema check the document and that every
/// live answer fits the schema the document gives for it.
fn check_openapi_against_answers(api: &str, calls: &[(&str, &str, &str, &str)]) {
    let dir = scratch();
    let doc = crate::serve::http()
        .get(format!("{api}/openapi.json"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let doc_file = write(&dir, "openapi.json", &doc);
    let path_prefix = url::Url::parse(api).unwrap().path().to_string();
    let mut samples = Vec::new();
    for (method, suffix, doc_path, body) in calls {
        let mut rb = crate::serve::http().request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{api}{suffix}"),
        );
        if !body.is_empty() {
            rb = rb
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let r = rb.send().unwrap();
        let status = r.status().as_u16();
        let text = r.text().unwrap();
        assert_ne!(status, 202, "{method} {suffix}: no body to check");
        let body: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        samples.push(serde_json::json!({
            "method": method, "path": format!("{path_prefix}{doc_path}"), "status": status, "body": body
        }));
    }
    let samples_file = write(
        &dir,
        "samples.json",
        &serde_json::Value::Array(samples).to_string(),
    );
    let out = run(Command::new(python())
        .arg(root().join("scripts/peers/check_openapi.py"))
        .arg(&doc_file)
        .arg(&samples_file));
    assert!(out.contains("0 failed"), "{out}");
    assert_eq!(
        out.matches("answer fits its schema").count(),
        calls.len(),
        "{out}"
    );
}

/// The shipped REST facades' OpenAPI documents are valid, and the answers
/// the live facades give (successes and problems) fit them.
#[test]
fn openapi_documents_are_valid_and_describe_the_real_answers() {
    let port = crate::serve::free_port();
    let demo = crate::serve::free_port();
    let bridge = crate::serve::start_serve_on(
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
    check_openapi_against_answers(
        &format!("{}/api/OrderService", bridge.url),
        &[
            ("GET", "/orders/SO-2024-000123", "/orders/{orderId}", ""),
            ("GET", "/orders/SO-2024-000404", "/orders/{orderId}", ""),
            ("GET", "/orders/bad", "/orders/{orderId}", ""),
            (
                "GET",
                "/orders?customerId=CUST-004711&status=PENDING&status=CONFIRMED",
                "/orders",
                "",
            ),
            ("GET", "/stock/PUMP-00042", "/stock/{sku}", ""),
            (
                "POST",
                "/orders/SO-2024-000098/cancel",
                "/orders/{orderId}/cancel",
                r#"{"reason":"test"}"#,
            ),
            (
                "POST",
                "/orders/SO-2024-000098/cancel",
                "/orders/{orderId}/cancel",
                r#"{"reason":"again"}"#,
            ),
            (
                "POST",
                "/orders",
                "/orders",
                r#"{"order":{"customerId":"CUST-000042","orderDate":"2026-11-25","currency":"EUR","line":[{"sku":"PUMP-00042","quantity":1,"unitPrice":100}]}}"#,
            ),
        ],
    );
    check_openapi_against_answers(
        &format!("{}/api/PaymentService", bridge.url),
        &[
            (
                "POST",
                "/GetPaymentStatus",
                "/GetPaymentStatus",
                r#"{"paymentId":"PMT-20240314-000042"}"#,
            ),
            (
                "POST",
                "/GetPaymentStatus",
                "/GetPaymentStatus",
                r#"{"paymentId":"PMT-20240314-999999"}"#,
            ),
        ],
    );
}

/// A SOAP 1.2 backend (node `soap`'s server) behind the REST facade.
#[test]
fn node_soap12_backend_behind_the_rest_facade() {
    use std::io::BufRead;
    let modules = std::env::var_os("SOAPBRIDGE_PEERS_NODE_MODULES")
        .expect("SOAPBRIDGE_PEERS_NODE_MODULES must point at the node peers: run scripts/test.sh");
    let wsdl = root().join("tests/fixtures/wsdl/calc-soap12.wsdl");
    let mut child = Command::new("node")
        .env("NODE_PATH", modules)
        .arg(root().join("scripts/peers/node_soap12_backend.js"))
        .arg(&wsdl)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start node");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _node = Kill(child);
    let port: u16 = line.trim().parse().expect("node's port");
    let dir = scratch();
    write(
        &dir,
        "calc.yaml",
        &format!(
            "contract: {}\nflow: rest-to-soap\nupstream:\n  base_url: http://127.0.0.1:{port}/calc\n",
            wsdl.display()
        ),
    );
    let bridge = crate::serve::start_serve(&["--mappings", dir.to_str().unwrap()], &[]);
    let call = |body: &str| {
        let r = crate::serve::http()
            .post(format!("{}/api/CalcService/Add", bridge.url))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    assert_eq!(
        call(r#"{"a":1.25,"b":2.5}"#),
        (200, r#"{"sum":3.75}"#.into())
    );
    let (code, body) = call(r#"{"a":13,"b":2.5}"#);
    assert_eq!(code, 400, "{body}");
    let p: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(p["detail"], "unlucky number");
    assert_eq!(p["fault"]["code"], "soap:Sender");
}

/// The REST facade's docs page, rendered by headless Chromium: every
/// operation is listed, and "Try it" makes the real call and shows its answer.
#[test]
fn the_docs_page_lists_the_operations_and_tries_them_in_chromium() {
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("chromium is installed by scripts/bootstrap.sh");
    let port = crate::serve::free_port();
    let demo = crate::serve::free_port();
    let bridge = crate::serve::start_serve_on(
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
    let dom = |url: &str| {
        let profile = scratch();
        let out = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--virtual-time-budget=8000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .output()
            .expect("run chromium");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let page = dom(&format!(
        "{}/api/OrderService/docs#try=ListOrders",
        bridge.url
    ));
    for op in [
        "CreateOrder",
        "GetOrder",
        "ListOrders",
        "CancelOrder",
        "GetStockLevel",
    ] {
        assert!(
            page.contains(&format!(r#"id="op-{op}""#)),
            "{op} missing:\n{page}"
        );
    }
    assert!(
        page.contains(r#"id="result-ListOrders" data-status="200""#),
        "{page}"
    );
    assert!(
        page.contains("SO-2024-000123"),
        "the answer is not shown:\n{page}"
    );
    // A link may open a POST operation but never sends it by itself.
    let page = dom(&format!(
        "{}/api/PaymentService/docs#try=GetPaymentStatus",
        bridge.url
    ));
    assert!(
        page.contains(r#"id="op-GetPaymentStatus" class="op open""#)
            || page.contains(r#"class="op open" id="op-GetPaymentStatus""#),
        "{page}"
    );
    assert!(
        !page.contains("data-status"),
        "a POST was sent from a link: {page}"
    );
}
