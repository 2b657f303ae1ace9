//! Credentials soapbridge presents upstream: OAuth2 client credentials
//! against a token endpoint on loopback (one token request for many calls,
//! a fresh token after a 401, a clear fault when the provider refuses),
//! a static bearer token, and a WS-Security UsernameToken sent to a SOAP
//! backend that verifies it (the bridge's own secured SOAP facade).

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use crate::serve::{free_port, http, start_serve, start_serve_on};
use crate::util::*;

#[derive(Default)]
struct Idp {
    /// Token requests seen, with the client credentials they carried.
    requests: Vec<String>,
    /// Tokens handed out so far.
    issued: u32,
    /// Refuse the client (a rotated secret).
    refuse: bool,
    /// The token the API accepts now (others are revoked).
    valid: String,
    /// Authorization headers the API saw.
    seen: Vec<String>,
}

type Shared = Arc<Mutex<Idp>>;

/// A token endpoint (`POST /token`) and an API (`POST /payment-events`)
/// that only accepts the latest token (or `static-t0ken`).
fn start_idp_and_api() -> (u16, Shared) {
    let idp: Shared = Default::default();
    let shared = idp.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let data = web::Data::new(shared);
            HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .route(
                        "/token",
                        web::post().to(|req: HttpRequest, body: String, idp: web::Data<Shared>| async move {
                            let mut idp = idp.lock().unwrap();
                            let auth = req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_string();
                            idp.requests.push(format!("{auth} {body}"));
                            if idp.refuse {
                                return HttpResponse::Unauthorized()
                                    .json(serde_json::json!({"error": "invalid_client"}));
                            }
                            idp.issued += 1;
                            idp.valid = format!("tok-{}", idp.issued);
                            HttpResponse::Ok().json(serde_json::json!({
                                "access_token": idp.valid, "token_type": "Bearer", "expires_in": 3600
                            }))
                        }),
                    )
                    .route(
                        "/payment-events",
                        web::post().to(|req: HttpRequest, idp: web::Data<Shared>| async move {
                            let mut idp = idp.lock().unwrap();
                            let auth = req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_string();
                            idp.seen.push(auth.clone());
                            let ok = auth == format!("Bearer {}", idp.valid)
                                || auth == "Bearer static-t0ken";
                            if ok {
                                HttpResponse::Accepted().finish()
                            } else {
                                HttpResponse::Unauthorized().finish()
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
    (port, idp)
}

fn event_envelope() -> String {
    let body =
        std::fs::read_to_string(root().join("wsdl/bank-payments/samples/NotifyPaymentEvent.xml"))
            .unwrap();
    let body = body.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    format!(
        r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{body}</e:Body></e:Envelope>"#
    )
}

fn notify(bridge: &str) -> (u16, String) {
    let r = http()
        .post(format!("{bridge}/soap/PaymentService"))
        .header("Content-Type", "application/soap+xml")
        .body(event_envelope())
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

#[test]
fn oauth2_tokens_are_fetched_once_cached_and_renewed_after_a_401() {
    let (port, idp) = start_idp_and_api();
    let dir = scratch();
    write(
        &dir,
        "m.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{port}\n  oauth2:\n    token_url: http://127.0.0.1:{port}/token\n    client_id: soapbridge\n    client_secret: ${{SB_TEST_CLIENT_SECRET}}\n    scopes: [payments.events, audit]\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n",
            root().display()
        ),
    );
    let bridge = start_serve(
        &["--mappings", dir.to_str().unwrap()],
        &[("SB_TEST_CLIENT_SECRET", "cl1ent-s3cret".to_string())],
    );
    for _ in 0..5 {
        let (code, text) = notify(&bridge.url);
        assert_eq!(code, 202, "{text}");
    }
    {
        let idp = idp.lock().unwrap();
        assert_eq!(idp.requests.len(), 1, "one token for five calls");
        // client_secret_basic: base64("soapbridge:cl1ent-s3cret").
        assert!(
            idp.requests[0].starts_with("Basic c29hcGJyaWRnZTpjbDFlbnQtczNjcmV0 "),
            "{}",
            idp.requests[0]
        );
        assert!(
            idp.requests[0].contains("grant_type=client_credentials")
                && idp.requests[0].contains("scope=payments.events%20audit"),
            "{}",
            idp.requests[0]
        );
        assert!(
            idp.seen.iter().all(|a| a == "Bearer tok-1"),
            "{:?}",
            idp.seen
        );
    }
    // The provider revokes the token: the API answers 401, the bridge
    // fetches a new token and the call goes through.
    idp.lock().unwrap().valid = "revoked-all".into();
    let (code, text) = notify(&bridge.url);
    assert_eq!(code, 202, "{text}");
    assert_eq!(idp.lock().unwrap().requests.len(), 2);
    assert_eq!(idp.lock().unwrap().seen.last().unwrap(), "Bearer tok-2");
    // The provider refuses the client: a Receiver fault that says so,
    // without the secret.
    {
        let mut idp = idp.lock().unwrap();
        idp.refuse = true;
        idp.valid = "revoked-again".into();
    }
    let (code, text) = notify(&bridge.url);
    assert_eq!(code, 500, "{text}");
    assert!(text.contains("Receiver"), "{text}");
    assert!(
        !text.contains("cl1ent-s3cret") && !text.contains("tok-"),
        "{text}"
    );
}

#[test]
fn a_static_bearer_token_is_sent() {
    let (port, idp) = start_idp_and_api();
    let dir = scratch();
    write(
        &dir,
        "m.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{port}\n  bearer_token: static-t0ken\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n",
            root().display()
        ),
    );
    let bridge = start_serve(&["--mappings", dir.to_str().unwrap()], &[]);
    let (code, text) = notify(&bridge.url);
    assert_eq!(code, 202, "{text}");
    assert_eq!(
        idp.lock().unwrap().seen,
        vec!["Bearer static-t0ken".to_string()]
    );
    assert!(idp.lock().unwrap().requests.is_empty());
}

#[test]
fn a_soap_backend_gets_a_username_token_it_verifies() {
    // One process: a SOAP facade that requires a digest UsernameToken and a
    // Timestamp (in front of the demo API), and a REST facade whose backend
    // is that SOAP facade, sending the token.
    let port = free_port();
    let demo = free_port();
    let dir = scratch();
    let contract = format!("{}/wsdl/bank-payments/payments.wsdl", root().display());
    write(
        &dir,
        "soap.yaml",
        &std::fs::read_to_string(root().join("mappings/bank-payments.yaml"))
            .unwrap()
            .replace("../wsdl/bank-payments/payments.wsdl", &contract)
            .replace(
                "operations:\n",
                "security:\n  users:\n    - username: rest-facade\n      password: ${SB_TEST_BACKEND_PASSWORD}\n  digest_only: true\noperations:\n",
            ),
    );
    let rest = |name: &str, password: &str, path: &str| {
        format!(
            "contract: {contract}\nflow: rest-to-soap\npath: {path}\nupstream:\n  base_url: http://127.0.0.1:{port}/soap/PaymentService\n  wsse:\n    username: {name}\n    password: {password}\n"
        )
    };
    write(
        &dir,
        "rest.yaml",
        &rest(
            "rest-facade",
            "${SB_TEST_BACKEND_PASSWORD}",
            "/api/PaymentService",
        ),
    );
    write(
        &dir,
        "rest-wrong.yaml",
        &rest("rest-facade", "not-it", "/api/Wrong"),
    );
    let bridge = start_serve_on(
        port,
        &[
            "--mappings",
            dir.to_str().unwrap(),
            "--demo",
            "--demo-listen",
            &format!("127.0.0.1:{demo}"),
        ],
        &[
            ("PAYMENTS_API_URL", format!("http://127.0.0.1:{demo}/bank")),
            ("SB_TEST_BACKEND_PASSWORD", "b4ckend-pa55".to_string()),
        ],
    );
    let post = |path: &str| {
        let r = http()
            .post(format!("{}{path}/GetPaymentStatus", bridge.url))
            .header("Content-Type", "application/json")
            .body(r#"{"paymentId":"PMT-20240314-000042"}"#)
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let (code, text) = post("/api/PaymentService");
    assert_eq!(code, 200, "{text}");
    assert!(text.contains("SETTLED"), "{text}");
    // Twice in a row: a fresh nonce each time, so no replay.
    let (code, text) = post("/api/PaymentService");
    assert_eq!(code, 200, "{text}");
    let (code, text) = post("/api/Wrong");
    assert!((400..500).contains(&code), "{code} {text}");
    assert!(
        !text.contains("not-it") && !text.contains("b4ckend"),
        "{text}"
    );
}
