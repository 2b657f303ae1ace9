//! Who may call the REST facade: API keys and JWT bearer tokens (RS256,
//! ES256 from PEM keys made by openssl here), scopes per operation, and the
//! attacks on them. Every refused call must be a 401/403 problem document
//! and must not reach the SOAP backend behind the facade.

use std::process::Command;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::rest::{sample_json, sample_json_message};
use crate::serve::{free_port, http, start_serve_on};
use crate::util::*;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Answer {
    status: u16,
    body: Value,
    challenge: String,
    content_type: String,
}

fn call(url: &str, auth: Option<(&str, &str)>, body: &Value) -> Answer {
    let mut r = http()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some((name, value)) = auth {
        r = r.header(name, value);
    }
    let r = r.send().unwrap();
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (challenge, content_type) = (header("www-authenticate"), header("content-type"));
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        challenge,
        content_type,
    }
}

#[test]
fn callers_need_valid_credentials_and_the_operation_s_scopes() {
    let dir = scratch();
    // The identity provider's keys, and a stranger's.
    openssl(&dir, &["genrsa", "-out", "idp-rsa.key", "2048"]);
    openssl(
        &dir,
        &[
            "rsa",
            "-in",
            "idp-rsa.key",
            "-pubout",
            "-out",
            "idp-rsa.pub.pem",
        ],
    );
    openssl(&dir, &["genrsa", "-out", "stranger.key", "2048"]);
    openssl(
        &dir,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "idp-ec.sec1",
        ],
    );
    openssl(
        &dir,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "idp-ec.sec1",
            "-out",
            "idp-ec.key",
        ],
    );
    openssl(
        &dir,
        &[
            "ec",
            "-in",
            "idp-ec.key",
            "-pubout",
            "-out",
            "idp-ec.pub.pem",
        ],
    );
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();

    // The EC key is published as a JWKS, by kid.
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(
        &EncodingKey::from_ec_pem(&read("idp-ec.key")).unwrap(),
        Algorithm::ES256,
    )
    .unwrap();
    jwk.common.key_id = Some("ec-2026".into());
    write(
        &dir,
        "idp-jwks.json",
        &json!({"keys": [serde_json::to_value(&jwk).unwrap()]}).to_string(),
    );
    let maps = dir.join("mappings");
    std::fs::create_dir_all(&maps).unwrap();
    let contract = format!("{}/wsdl/bank-payments/payments.wsdl", root().display());
    let port = free_port();
    let demo = free_port();
    write(
        &maps,
        "soap.yaml",
        &std::fs::read_to_string(root().join("mappings/bank-payments.yaml"))
            .unwrap()
            .replace("../wsdl/bank-payments/payments.wsdl", &contract),
    );
    write(
        &maps,
        "rest.yaml",
        &format!(
            "contract: {contract}\nflow: rest-to-soap\nupstream:\n  base_url: http://127.0.0.1:{port}/soap/PaymentService\nscopes: [payments:read]\noperations:\n  SubmitPayment:\n    scopes: [payments:write]\n    soap_headers:\n      context:\n        channel: HOST_TO_HOST\n  NotifyPaymentEvent:\n    public: true\n"
        ),
    );
    write(
        &dir,
        "server.yaml",
        &format!(
            "auth:\n  api_keys:\n    - client: reporting\n      sha256: {}\n      scopes: [payments:read]\n  jwt:\n    algorithms: [RS256, ES256]\n    issuer: https://idp.example.test/\n    audience: [soapbridge]\n    public_key_files: [idp-rsa.pub.pem]\n    jwks_file: idp-jwks.json\n    leeway: 5\n",
            sha256_hex("rk-2f1c9a7e55d04b6f")
        ),
    );
    let bridge = start_serve_on(
        port,
        &[
            "--config",
            dir.join("server.yaml").to_str().unwrap(),
            "--mappings",
            maps.to_str().unwrap(),
            "--demo",
            "--demo-listen",
            &format!("127.0.0.1:{demo}"),
        ],
        &[("PAYMENTS_API_URL", format!("http://127.0.0.1:{demo}/bank"))],
    );
    let api = format!("{}/api/PaymentService", bridge.url);
    let status_url = format!("{api}/GetPaymentStatus");
    let submit_url = format!("{api}/SubmitPayment");
    let status_body = json!({"paymentId": "PMT-20240314-000042"});
    let submit_body = sample_json_message(
        "wsdl/bank-payments/payments.wsdl",
        "SubmitPayment",
        "wsdl/bank-payments/samples/SubmitPayment.envelope.xml",
    );

    let claims = |scope: &str| {
        json!({"sub": "orders-svc", "iss": "https://idp.example.test/", "aud": "soapbridge",
               "exp": now() + 300, "iat": now(), "scope": scope})
    };
    let rs256 = |c: &Value, key: &[u8]| {
        encode(
            &Header::new(Algorithm::RS256),
            c,
            &EncodingKey::from_rsa_pem(key).unwrap(),
        )
        .unwrap()
    };
    let bearer = |t: &str| format!("Bearer {t}");
    let idp = read("idp-rsa.key");

    // Good credentials.
    let a = call(
        &status_url,
        Some(("X-API-Key", "rk-2f1c9a7e55d04b6f")),
        &status_body,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "SETTLED");
    let writer = rs256(&claims("payments:read payments:write"), &idp);
    let a = call(
        &submit_url,
        Some(("Authorization", &bearer(&writer))),
        &submit_body,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "ACCEPTED");
    let es_header = |kid: &str| Header {
        kid: Some(kid.into()),
        ..Header::new(Algorithm::ES256)
    };
    let es = encode(
        &es_header("ec-2026"),
        &claims("payments:read"),
        &EncodingKey::from_ec_pem(&read("idp-ec.key")).unwrap(),
    )
    .unwrap();
    let a = call(
        &status_url,
        Some(("Authorization", &bearer(&es))),
        &status_body,
    );
    assert_eq!(a.status, 200, "ES256: {}", a.body);
    // A public operation needs nothing.
    let event = sample_json(
        "wsdl/bank-payments/payments.wsdl",
        "NotifyPaymentEvent",
        "wsdl/bank-payments/samples/NotifyPaymentEvent.xml",
    );
    let a = call(&format!("{api}/NotifyPaymentEvent"), None, &event);
    assert_eq!(a.status, 202, "{}", a.body);

    // The OpenAPI document says so.
    let doc: Value = serde_json::from_str(
        &http()
            .get(format!("{api}/openapi.json"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["apiKey"]["name"],
        "X-API-Key"
    );
    let op = |name: &str| -> Value {
        doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .find_map(|p| {
                p.as_object()
                    .unwrap()
                    .values()
                    .find(|o| o["operationId"] == name)
                    .cloned()
            })
            .unwrap()
    };
    assert_eq!(
        op("SubmitPayment")["security"][1]["bearer"],
        json!(["payments:write"])
    );
    assert!(op("SubmitPayment")["responses"]["403"].is_object());
    assert!(op("NotifyPaymentEvent").get("security").is_none());

    // Refused: each one a problem document, nothing passed on.
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let mut expired = claims("payments:write");
    expired["exp"] = json!(now() - 60);
    let mut early = claims("payments:write");
    early["nbf"] = json!(now() + 3600);
    let mut other_aud = claims("payments:write");
    other_aud["aud"] = json!("another-service");
    let mut other_iss = claims("payments:write");
    other_iss["iss"] = json!("https://evil.example.test/");
    // Minted for someone else without naming them: the configured
    // audience and issuer must be present, not only right when present.
    let mut no_aud = claims("payments:write");
    no_aud.as_object_mut().unwrap().remove("aud");
    let mut no_iss = claims("payments:write");
    no_iss.as_object_mut().unwrap().remove("iss");
    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims("payments:write"))
    );
    // Algorithm confusion: HS256 keyed with the IdP's public key bytes.
    let confused = encode(
        &Header::new(Algorithm::HS256),
        &claims("payments:write"),
        &EncodingKey::from_secret(&read("idp-rsa.pub.pem")),
    )
    .unwrap();
    // The payload swapped for one with more scopes, the signature kept.
    let reader = rs256(&claims("payments:read"), &idp);
    let parts: Vec<&str> = reader.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(&claims("payments:read payments:write")),
        parts[2]
    );
    let truncated = &writer[..writer.len() - 8];
    let unknown_kid = encode(
        &es_header("ec-1999"),
        &claims("payments:write"),
        &EncodingKey::from_ec_pem(&read("idp-ec.key")).unwrap(),
    )
    .unwrap();
    type Case<'a> = (&'a str, Option<(&'a str, String)>, u16);
    let cases: Vec<Case> = vec![
        ("no credentials", None, 401),
        (
            "unknown API key",
            Some(("X-API-Key", "rk-guess".into())),
            401,
        ),
        (
            "expired token",
            Some(("Authorization", bearer(&rs256(&expired, &idp)))),
            401,
        ),
        (
            "not yet valid",
            Some(("Authorization", bearer(&rs256(&early, &idp)))),
            401,
        ),
        (
            "wrong audience",
            Some(("Authorization", bearer(&rs256(&other_aud, &idp)))),
            401,
        ),
        (
            "wrong issuer",
            Some(("Authorization", bearer(&rs256(&other_iss, &idp)))),
            401,
        ),
        (
            "no audience",
            Some(("Authorization", bearer(&rs256(&no_aud, &idp)))),
            401,
        ),
        (
            "no issuer",
            Some(("Authorization", bearer(&rs256(&no_iss, &idp)))),
            401,
        ),
        ("alg none", Some(("Authorization", bearer(&unsigned))), 401),
        (
            "HS256 with the public key",
            Some(("Authorization", bearer(&confused))),
            401,
        ),
        (
            "signed by a stranger",
            Some((
                "Authorization",
                bearer(&rs256(&claims("payments:write"), &read("stranger.key"))),
            )),
            401,
        ),
        (
            "tampered payload",
            Some(("Authorization", bearer(&tampered))),
            401,
        ),
        (
            "truncated signature",
            Some(("Authorization", bearer(truncated))),
            401,
        ),
        (
            "not a JWT",
            Some(("Authorization", "Bearer abc.def".into())),
            401,
        ),
        (
            "unknown kid",
            Some(("Authorization", bearer(&unknown_kid))),
            401,
        ),
        (
            "missing scope (token)",
            Some(("Authorization", bearer(&reader))),
            403,
        ),
        (
            "missing scope (API key)",
            Some(("X-API-Key", "rk-2f1c9a7e55d04b6f".into())),
            403,
        ),
    ];
    for (what, auth, want) in &cases {
        let a = call(
            &submit_url,
            auth.as_ref().map(|(n, v)| (*n, v.as_str())),
            &submit_body,
        );
        assert_eq!(a.status, *want, "{what}: {}", a.body);
        assert!(
            a.content_type.starts_with("application/problem+json"),
            "{what}: {}",
            a.content_type
        );
        assert_eq!(a.body["status"], *want, "{what}");
        assert!(
            a.challenge.starts_with("Bearer realm=\"soapbridge\""),
            "{what}: {}",
            a.challenge
        );
        let text = a.body.to_string();
        // Nothing says which check failed, and no secret comes back.
        for leak in [
            "expired",
            "audience",
            "issuer",
            "signature",
            "rk-",
            "ExpiredSignature",
        ] {
            assert!(!text.contains(leak), "{what} leaks `{leak}`: {text}");
        }
        if *want == 403 {
            assert!(
                a.challenge.contains("insufficient_scope"),
                "{}",
                a.challenge
            );
            assert!(text.contains("payments:write"), "{text}");
        }
    }
    // Only the one authorized SubmitPayment went down the chain: the REST
    // facade and the SOAP facade behind it each count one success, and the
    // payments API at the end created exactly one payment.
    let m = http()
        .get(format!("{}/metrics", bridge.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let count = |facade: &str, outcome: &str| -> f64 {
        let want = format!(
            r#"soapbridge_{facade}_requests_total{{service="PaymentService",operation="SubmitPayment",outcome="{outcome}"}}"#
        );
        m.lines()
            .filter(|l| l.starts_with(&want))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    assert_eq!(count("rest", "ok"), 1.0, "{m}");
    assert_eq!(count("soap", "ok"), 1.0, "{m}");
    assert_eq!(count("rest", "refused"), cases.len() as f64, "{m}");
    assert_eq!(count("soap", "refused"), 0.0, "{m}");
    let payment = |n: u32| {
        http()
            .get(format!(
                "http://127.0.0.1:{demo}/bank/payments/PMT-20261125-{n:06}/status"
            ))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!((payment(1), payment(2)), (200, 404));
}

#[test]
fn scopes_without_configured_credentials_refuse_to_serve() {
    let dir = scratch();
    write(
        &dir,
        "rest.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nflow: rest-to-soap\nupstream:\n  base_url: http://127.0.0.1:9/soap\nscopes: [payments:read]\n",
            root().display()
        ),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["serve", "--mappings", dir.to_str().unwrap(), "--listen"])
        .arg(format!("127.0.0.1:{}", free_port()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("requires scopes") && err.contains("auth"),
        "{err}"
    );
}
