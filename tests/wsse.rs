//! WS-Security on the SOAP facade: UsernameToken (text and digest) with a
//! Timestamp, scopes per operation, and the attacks on them, against the
//! real binary; every refused call is a `wsse:` fault and reaches nothing
//! behind the facade. With `interop`, python zeep's own UsernameToken.

use base64::Engine;
use sha1::Digest;

use crate::serve::{free_port, http, start_serve};
use crate::util::*;

const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const DIGEST: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
const PASSWORD: &str = "c0rrect-h0rse-battery";

fn iso(offset_secs: i64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + offset_secs;
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{t}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A `wsse:Security` header: a Timestamp (created `ts_age` seconds ago,
/// expiring 5 minutes after), and a digest UsernameToken.
fn security(user: &str, password: &str, nonce: &[u8], ts_age: i64) -> String {
    let created = iso(0);
    let mut h = sha1::Sha1::new();
    h.update(nonce);
    h.update(created.as_bytes());
    h.update(password.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD;
    format!(
        r#"<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" e:mustUnderstand="true"><wsu:Timestamp wsu:Id="TS-1"><wsu:Created>{}</wsu:Created><wsu:Expires>{}</wsu:Expires></wsu:Timestamp><wsse:UsernameToken wsu:Id="UT-1"><wsse:Username>{user}</wsse:Username><wsse:Password Type="{DIGEST}">{}</wsse:Password><wsse:Nonce>{}</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"#,
        iso(-ts_age),
        iso(300 - ts_age),
        b64.encode(h.finalize()),
        b64.encode(nonce),
    )
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(root().join(format!("wsdl/bank-payments/samples/{name}.xml")))
        .unwrap()
        .trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
        .to_string()
}

fn call(url: &str, header: &str, body: &str) -> (u16, String) {
    let env = format!(
        r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Header>{header}</e:Header><e:Body>{body}</e:Body></e:Envelope>"#
    );
    let r = http()
        .post(url)
        .header("Content-Type", "application/soap+xml")
        .body(env)
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

/// The shipped bank payments mapping with `security:` added, and the demo
/// API behind it.
fn secured_bridge() -> (crate::serve::Bridge, String) {
    let dir = scratch();
    let contract = format!("{}/wsdl/bank-payments/payments.wsdl", root().display());
    write(&dir, "auditor.pw", "aud1t-0nly-pa55\n");
    let shipped = std::fs::read_to_string(root().join("mappings/bank-payments.yaml"))
        .unwrap()
        .replace("../wsdl/bank-payments/payments.wsdl", &contract)
        .replace(
            "operations:\n",
            "security:\n  users:\n    - username: erp-batch\n      password: ${SB_TEST_WSSE_PASSWORD}\n      scopes: [payments:read, payments:write]\n    - username: auditor\n      password_file: auditor.pw\n      scopes: [payments:read]\n  timestamp: required\nscopes: [payments:read]\noperations:\n",
        )
        .replace(
            "  SubmitPayment:\n",
            "  SubmitPayment:\n    scopes: [payments:write]\n",
        )
        .replace(
            "  NotifyPaymentEvent:                 # one-way: the SOAP caller gets 202\n",
            "  NotifyPaymentEvent:\n    public: true\n",
        );
    write(&dir, "payments.yaml", &shipped);
    let demo = free_port();
    let bridge = start_serve(
        &[
            "--mappings",
            dir.to_str().unwrap(),
            "--demo",
            "--demo-listen",
            &format!("127.0.0.1:{demo}"),
        ],
        &[
            ("PAYMENTS_API_URL", format!("http://127.0.0.1:{demo}/bank")),
            ("SB_TEST_WSSE_PASSWORD", PASSWORD.to_string()),
        ],
    );
    (bridge, format!("http://127.0.0.1:{demo}"))
}

#[test]
fn soap_callers_need_a_valid_username_token_and_the_operation_s_scopes() {
    let (bridge, demo) = secured_bridge();
    let url = format!("{}/soap/PaymentService", bridge.url);
    let status = sample("GetPaymentStatus");
    let submit = sample("SubmitPayment");

    // Accepted: digest + timestamp, mustUnderstand honoured as understood.
    let (code, text) = call(
        &url,
        &security("erp-batch", PASSWORD, b"nonce-ok-0001", 0),
        &status,
    );
    assert_eq!(code, 200, "{text}");
    assert!(text.contains("SETTLED"), "{text}");
    let (code, text) = call(
        &url,
        &security("auditor", "aud1t-0nly-pa55", b"nonce-ok-0002", 0),
        &status,
    );
    assert_eq!(code, 200, "password from a file: {text}");
    // A public operation needs nothing.
    let (code, text) = call(&url, "", &sample("NotifyPaymentEvent"));
    assert_eq!(code, 202, "{text}");

    let replayed = security("erp-batch", PASSWORD, b"nonce-replay", 0);
    let (code, _) = call(&url, &replayed, &status);
    assert_eq!(code, 200);
    let cases = [
        ("no Security header", String::new(), "InvalidSecurity"),
        (
            "wrong password",
            security("erp-batch", "guess", b"nonce-a", 0),
            "FailedAuthentication",
        ),
        (
            "unknown user",
            security("mallory", PASSWORD, b"nonce-b", 0),
            "FailedAuthentication",
        ),
        ("replayed nonce", replayed.clone(), "FailedAuthentication"),
        (
            "expired timestamp",
            security("erp-batch", PASSWORD, b"nonce-c", 900),
            "MessageExpired",
        ),
        (
            "missing scope",
            security("auditor", "aud1t-0nly-pa55", b"nonce-d", 0),
            "FailedAuthentication",
        ),
    ];
    for (what, header, code_name) in &cases {
        let body = if *what == "missing scope" || *what == "no Security header" {
            &submit
        } else {
            &status
        };
        let (code, text) = call(&url, header, body);
        assert_eq!(code, 400, "{what}: {text}");
        assert!(
            text.contains(&format!("wsse:{code_name}</soap:Value></soap:Subcode>")),
            "{what}: {text}"
        );
        // The standard fault string only: nothing says which check failed.
        for leak in [
            "mallory",
            "erp-batch",
            "auditor",
            "replay",
            "password",
            "nonce",
            "scope",
        ] {
            assert!(
                !text.to_lowercase().contains(leak),
                "{what} leaks `{leak}`: {text}"
            );
        }
    }
    // No refused SubmitPayment reached the payments API.
    let m = http()
        .get(format!("{}/metrics", bridge.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        !m.contains(r#"soapbridge_upstream_requests_total{service="PaymentService",operation="SubmitPayment""#),
        "{m}"
    );
    let payments = http()
        .get(format!("{demo}/bank/payments/PMT-20261125-000001/status"))
        .send()
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(payments, 404, "no payment was created");
}

#[test]
fn security_settings_are_checked() {
    let dir = scratch();
    write(
        &dir,
        "m.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:9\nsecurity:\n  users:\n    - username: a\n    - username: b\n      password_file: missing.pw\n  timestamp: sometimes\n  max_age: forever\nscopes: [x]\n",
            root().display()
        ),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["check", "--mappings", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    for want in [
        "security.users[0]: give `password` or `password_file`",
        "security.users[1].password_file: cannot read `missing.pw`",
        "security.timestamp: `sometimes`",
        "security.max_age",
    ] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }
}

/// python zeep's own UsernameToken (text and digest, with a Timestamp)
/// against the secured facade.
#[cfg(feature = "interop")]
#[test]
fn zeep_username_tokens_are_accepted_and_wrong_passwords_refused() {
    let (bridge, _demo) = secured_bridge();
    let out = crate::interop::run(
        std::process::Command::new(crate::interop::python())
            .arg(root().join("scripts/peers/zeep_wsse.py"))
            .arg(&bridge.url)
            .arg("erp-batch")
            .arg(PASSWORD),
    );
    assert!(out.contains("0 failed"), "{out}");
    assert_eq!(out.matches("ok    ").count(), 4, "{out}");
}
