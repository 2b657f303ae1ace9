//! X.509 XML Signatures on the SOAP facade, against the real binary:
//! certificates made by openssl at test time (a CA, a signer it issued, a
//! stranger with a CA of its own), requests signed by soapbridge's own
//! signing code and independently by the `xmlsec1` CLI, and the attack
//! suite: tampering, expiry, untrusted keys, weak algorithms and the XML
//! Signature Wrapping variants from the literature. Every refused call is
//! a `wsse:` fault, and nothing refused reaches the API behind the facade.

use std::path::Path;
use std::process::{Command, Stdio};

use soapbridge::wsse::signature::certs::Cert;
use soapbridge::wsse::signature::sign::{KeyRef, Options, Signer};

use crate::serve::{free_port, http, start_serve};
use crate::util::*;

const S12: &str = "http://www.w3.org/2003/05/soap-envelope";
const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

fn make_certs(dir: &Path) {
    let run = |args: &[&str]| openssl(dir, args);
    write(
        dir,
        "leaf.ext",
        "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    );
    for ca in ["ca", "stranger-ca"] {
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.pem"),
            "-days",
            "2",
            "-subj",
            &format!("/CN=sbtest-{ca}"),
        ]);
    }
    for (who, ca) in [
        ("signer", "ca"),
        ("colleague", "ca"),
        ("stranger", "stranger-ca"),
    ] {
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{who}.key"),
            "-out",
            &format!("{who}.csr"),
            "-subj",
            &format!("/O=Example/CN=sbtest-{who}"),
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            &format!("{who}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{who}.pem"),
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ]);
    }
}

fn signer(dir: &Path, who: &str) -> Signer {
    let pem = std::fs::read(dir.join(format!("{who}.pem"))).unwrap();
    let key = std::fs::read(dir.join(format!("{who}.key"))).unwrap();
    Signer::new(key, Cert::from_pem(&pem).unwrap().remove(0)).unwrap()
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(root().join(format!("wsdl/bank-payments/samples/{name}.xml")))
        .unwrap()
        .trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
        .trim()
        .to_string()
}

fn envelope(body: &str) -> String {
    format!(r#"<e:Envelope xmlns:e="{S12}"><e:Header/><e:Body>{body}</e:Body></e:Envelope>"#)
}

fn now_ms() -> i64 {
    soapbridge::wsse::time::now()
}

fn post(url: &str, env: &str) -> (u16, String) {
    let r = http()
        .post(url)
        .header("Content-Type", "application/soap+xml")
        .body(env.to_string())
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

/// The shipped bank payments mapping requiring signatures: the CA, and
/// the signer `erp` with both scopes; the demo API behind it.
fn signed_bridge(dir: &Path) -> (crate::serve::Bridge, String) {
    signed_bridge_with(dir, "")
}

/// [`signed_bridge`], with more `security.signature` settings.
fn signed_bridge_with(dir: &Path, signature_extra: &str) -> (crate::serve::Bridge, String) {
    let contract = format!("{}/wsdl/bank-payments/payments.wsdl", root().display());
    let shipped = std::fs::read_to_string(root().join("mappings/bank-payments.yaml"))
        .unwrap()
        .replace("../wsdl/bank-payments/payments.wsdl", &contract)
        .replace(
            "operations:\n",
            &format!("security:\n  timestamp: required\n  signature:\n    trusted_ca: [ca.pem]\n{signature_extra}    signers:\n      - certificate: signer.pem\n        client: erp\n        scopes: [payments:read, payments:write]\n    sign: [Body, Timestamp]\n  sign_responses:\n    key: signer.key\n    certificate: signer.pem\nscopes: [payments:read]\noperations:\n"),
        )
        .replace(
            "  SubmitPayment:\n",
            "  SubmitPayment:\n    scopes: [payments:write]\n",
        );
    write(dir, "payments.yaml", &shipped);
    let demo = free_port();
    let bridge = start_serve(
        &[
            "--mappings",
            dir.to_str().unwrap(),
            "--demo",
            "--demo-listen",
            &format!("127.0.0.1:{demo}"),
        ],
        &[("PAYMENTS_API_URL", format!("http://127.0.0.1:{demo}/bank"))],
    );
    (bridge, format!("http://127.0.0.1:{demo}"))
}

/// The element `<e:Body ...>...</e:Body>` of a signed message, as text.
fn body_of(msg: &str) -> String {
    let start = msg.find("<e:Body").unwrap();
    let end = msg.find("</e:Body>").unwrap() + "</e:Body>".len();
    msg[start..end].to_string()
}

fn timestamp_of(msg: &str) -> String {
    let start = msg.find("<wsu:Timestamp").unwrap();
    let end = msg.find("</wsu:Timestamp>").unwrap() + "</wsu:Timestamp>".len();
    msg[start..end].to_string()
}

fn body_id(msg: &str) -> String {
    let b = body_of(msg);
    let at = b.find("wsu:Id=\"").unwrap() + 8;
    b[at..at + b[at..].find('"').unwrap()].to_string()
}

/// The XML Signature Wrapping variants: each takes a message signed over
/// a harmless GetPaymentStatus and tries to get a SubmitPayment processed.
fn wrapping_attacks(signed: &str, evil: &str) -> Vec<(&'static str, String, &'static str)> {
    let body = body_of(signed);
    let id = body_id(signed);
    let forged = format!("<e:Body>{evil}</e:Body>");
    let header_end = "</wsse:Security>";
    let in_header = |block: &str| signed.replacen(header_end, &format!("{header_end}{block}"), 1);
    let ts = timestamp_of(signed);
    vec![
        (
            // McIntosh & Austel 2005, "simple context": the signed Body
            // moved into the Security header, a forged Body in its place.
            "signed Body moved into wsse:Security, forged Body in place",
            signed
                .replacen("<ds:Signature", &format!("{body}<ds:Signature"), 1)
                .replacen(&body, &forged, 2)
                .replacen(&forged, &body, 1),
            "InvalidSecurity",
        ),
        (
            // McIntosh & Austel: the signed Body wrapped in an unknown
            // (non-mustUnderstand) header block the receiver ignores.
            "signed Body wrapped in an unknown header block",
            in_header(&format!(
                r#"<x:Wrapper xmlns:x="urn:evil">{body}</x:Wrapper>"#
            ))
            .replacen(&body, &forged, 2)
            .replacen(&forged, &body, 1),
            "InvalidSecurity",
        ),
        (
            // The signed Body moved under a ds:Object of the Signature
            // (the signature's own Object, as in enveloping signatures).
            "signed Body moved under ds:Object",
            signed
                .replacen(
                    "</ds:KeyInfo>",
                    &format!("</ds:KeyInfo><ds:Object>{body}</ds:Object>"),
                    1,
                )
                .replacen(&body, &forged, 2)
                .replacen(&forged, &body, 1),
            "InvalidSecurity",
        ),
        (
            // Duplicate Ids: the forged Body carries the signed Body's Id,
            // the signed one waits in a header for an Id resolver that
            // takes the "other" one.
            "duplicate wsu:Id on a forged Body",
            in_header(&format!(
                r#"<x:Wrapper xmlns:x="urn:evil">{body}</x:Wrapper>"#
            ))
            .replacen(
                &body,
                &format!(r#"<e:Body xmlns:wsu="{WSU}" wsu:Id="{id}">{evil}</e:Body>"#),
                1,
            ),
            "InvalidSecurity",
        ),
        (
            // The Id in another attribute/namespace (Id vs wsu:Id, the
            // SAML/XSW "Id confusion" of Somorovsky et al. 2012).
            "the signed Id as a plain Id on a forged Body",
            in_header(&format!(
                r#"<x:Wrapper xmlns:x="urn:evil">{body}</x:Wrapper>"#
            ))
            .replacen(&body, &format!(r#"<e:Body Id="{id}">{evil}</e:Body>"#), 1),
            "InvalidSecurity",
        ),
        (
            "the signed Id in a foreign namespace on a forged Body",
            signed.replacen(
                "</e:Header>",
                &format!(r#"<x:Note xmlns:x="urn:evil" x:Id="{id}"/></e:Header>"#),
                1,
            ),
            "InvalidSecurity",
        ),
        (
            // A second Body after the signed one (which Body does the
            // application take? Gajek et al. 2009).
            "a second Body after the signed one",
            signed.replacen(&body, &format!("{body}{forged}"), 1),
            "InvalidSecurity",
        ),
        (
            "a forged Body before the signed one",
            signed.replacen(&body, &format!("{forged}{body}"), 1),
            "InvalidSecurity",
        ),
        (
            // Namespace injection: the signed Body under a header wrapper
            // that redeclares the envelope prefix (exclusive C14N keeps
            // the digest) while a forged Body takes its place.
            "namespace injection around the moved Body",
            in_header(&format!(
                r#"<x:Wrapper xmlns:x="urn:evil" xmlns:e="urn:not-soap">{}</x:Wrapper>"#,
                body.replacen("<e:Body", &format!(r#"<e:Body xmlns:e="{S12}""#), 1)
            ))
            .replacen(&body, &forged, 2)
            .replacen(&forged, &body, 1),
            "InvalidSecurity",
        ),
        (
            // Timestamp wrapping: the signed (old) Timestamp moved out of
            // the Security header, an unsigned fresh one in its place.
            "signed Timestamp moved into another header",
            in_header(&format!(
                r#"<x:Wrapper xmlns:x="urn:evil" xmlns:wsu="{WSU}">{ts}</x:Wrapper>"#
            ))
            .replacen(&ts, &ts.replacen(" wsu:Id=\"", " x=\"", 1), 1),
            "FailedCheck",
        ),
        (
            // A second Signature (in another Security header aimed at
            // another actor/role): which one counts?
            "a second Security header with a Signature",
            in_header(&format!(
                r#"<wsse:Security xmlns:wsse="{WSSE}" e:role="urn:other">{}</wsse:Security>"#,
                &signed[signed.find("<ds:Signature").unwrap()
                    ..signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len()]
            )),
            "InvalidSecurity",
        ),
        (
            // A reference to something outside the document.
            "a reference to an external URI",
            signed.replacen(&format!("URI=\"#{id}\""), "URI=\"http://127.0.0.1:9/x\"", 1),
            "InvalidSecurity",
        ),
        (
            // A reference into the Signature's own Object/SignatureProperties.
            "a reference into ds:Object/SignatureProperties",
            signed
                .replacen(&format!("URI=\"#{id}\""), "URI=\"#props\"", 1)
                .replacen(
                    "</ds:KeyInfo>",
                    r#"</ds:KeyInfo><ds:Object><ds:SignatureProperties Id="props"/></ds:Object>"#,
                    1,
                ),
            "InvalidSecurity",
        ),
    ]
}

#[test]
fn signed_requests_are_verified_and_every_attack_refused() {
    let dir = scratch();
    make_certs(&dir);
    let (bridge, demo) = signed_bridge(&dir);
    let url = format!("{}/soap/PaymentService", bridge.url);
    let erp = signer(&dir, "signer");
    let opts = Options::default();
    let status = envelope(&sample("GetPaymentStatus"));
    let submit = envelope(&sample("SubmitPayment"));

    // Accepted: signed by the configured signer (token reference and key
    // identifiers), and the signed response verifies.
    for key_ref in [
        KeyRef::Bst,
        KeyRef::Ski,
        KeyRef::Thumbprint,
        KeyRef::IssuerSerial,
    ] {
        let o = Options {
            key_ref,
            ..Options::default()
        };
        let message = erp.sign(&status, &o, now_ms()).unwrap();
        let (code, text) = post(&url, &message);
        assert_eq!(code, 200, "{key_ref:?}: {text}");
        assert!(text.contains("SETTLED"), "{text}");
        // The very same signed message again: a replay.
        let (again, replayed) = post(&url, &message);
        assert_eq!(again, 400, "replay: {replayed}");
        assert!(
            replayed.contains("wsse:FailedAuthentication"),
            "replay: {replayed}"
        );
        assert!(
            text.contains("<ds:SignatureValue>"),
            "signed response: {text}"
        );
        let checked = verify_response(&dir, &text);
        assert!(
            checked.is_ok(),
            "the response signature: {checked:?}\n{text}"
        );
    }

    let evil = sample("SubmitPayment");
    let signed = erp.sign(&status, &opts, now_ms()).unwrap();
    let colleague = signer(&dir, "colleague");
    let stranger = signer(&dir, "stranger");
    let mut cases: Vec<(&str, String, &str)> = vec![
        (
            "no signature",
            {
                let ts = timestamp_of(&signed);
                submit.replacen("<e:Header/>", &format!(r#"<e:Header><wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}">{ts}</wsse:Security></e:Header>"#), 1)
            },
            "InvalidSecurity",
        ),
        (
            "tampered body",
            tamper(&erp.sign(&submit, &opts, now_ms()).unwrap()),
            "FailedCheck",
        ),
        (
            "tampered timestamp",
            {
                let s = erp.sign(&submit, &opts, now_ms()).unwrap();
                let e = expires(&s);
                s.replacen(
                    &e,
                    &soapbridge::wsse::time::format(now_ms() + 86_400_000),
                    1,
                )
            },
            "FailedCheck",
        ),
        (
            "expired timestamp",
            erp.sign(&submit, &opts, now_ms() - 3_600_000).unwrap(),
            "MessageExpired",
        ),
        (
            "certificate not chained to the CA",
            stranger.sign(&submit, &opts, now_ms()).unwrap(),
            "InvalidSecurityToken",
        ),
        (
            "unknown certificate by key identifier",
            stranger
                .sign(
                    &submit,
                    &Options {
                        key_ref: KeyRef::Thumbprint,
                        ..Options::default()
                    },
                    now_ms(),
                )
                .unwrap(),
            "SecurityTokenUnavailable",
        ),
        (
            "signed by another key than the token's",
            {
                let mine = erp.sign(&submit, &opts, now_ms()).unwrap();
                let theirs = stranger.sign(&submit, &opts, now_ms()).unwrap();
                let sv = |m: &str| {
                    m[m.find("<ds:SignatureValue>").unwrap()
                        ..m.find("</ds:SignatureValue>").unwrap()]
                        .to_string()
                };
                mine.replacen(&sv(&mine), &sv(&theirs), 1)
            },
            "FailedCheck",
        ),
        (
            "RSA-SHA1 (not allowed)",
            erp.sign(
                &submit,
                &Options {
                    sha1: true,
                    ..Options::default()
                },
                now_ms(),
            )
            .unwrap(),
            "UnsupportedAlgorithm",
        ),
        (
            "a CA-issued signer without the operation's scope",
            colleague.sign(&submit, &opts, now_ms()).unwrap(),
            "FailedAuthentication",
        ),
        (
            // CVE-2009-0217: an HMAC signature truncated to 0 bits
            // verifies against anything in a stack that honours
            // HMACOutputLength; we take no HMAC at all.
            "HMAC truncation (HMACOutputLength 0)",
            {
                let mine = erp.sign(&submit, &opts, now_ms()).unwrap();
                let method_at = mine.find("<ds:SignatureMethod").unwrap();
                let method_end = method_at + mine[method_at..].find("/>").unwrap() + 2;
                let sv_at = mine.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
                let sv_end = mine.find("</ds:SignatureValue>").unwrap();
                format!(
                    r#"{}<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><ds:HMACOutputLength>0</ds:HMACOutputLength></ds:SignatureMethod>{}{}"#,
                    &mine[..method_at],
                    &mine[method_end..sv_at],
                    &mine[sv_end..]
                )
            },
            "UnsupportedAlgorithm",
        ),
    ];
    let wrapping = wrapping_attacks(&signed, &evil);
    assert!(wrapping.len() >= 8);
    cases.extend(wrapping);
    for (what, msg, code_name) in &cases {
        let (code, text) = post(&url, msg);
        assert_eq!(code, 400, "{what}: {text}\n{msg}");
        assert!(
            text.contains(&format!("wsse:{code_name}</soap:Value></soap:Subcode>")),
            "{what}: expected {code_name}: {text}\n{msg}"
        );
        for leak in ["sbtest", "digest", "Id `", "wrapping", "/Envelope"] {
            assert!(!text.contains(leak), "{what} leaks `{leak}`: {text}");
        }
    }
    // Nothing refused reached the payments API.
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

/// The amount in a signed SubmitPayment changed.
fn tamper(msg: &str) -> String {
    assert!(msg.contains(">12.50<"));
    msg.replacen(">12.50<", ">92.50<", 1)
}

fn expires(msg: &str) -> String {
    let a = msg.find("<wsu:Expires>").unwrap() + "<wsu:Expires>".len();
    let b = msg.find("</wsu:Expires>").unwrap();
    msg[a..b].to_string()
}

/// The response's signature, checked with `soapbridge wsse verify`.
fn verify_response(dir: &Path, text: &str) -> Result<String, String> {
    let file = write(dir, "response.xml", text);
    let out = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["wsse", "verify"])
        .arg(&file)
        .arg("--signer")
        .arg(dir.join("signer.pem"))
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    if out.status.success() {
        Ok(printed)
    } else {
        Err(printed + &String::from_utf8_lossy(&out.stderr))
    }
}

/// A CRL of the CA (`ca.crl`) revoking `revoke`.
fn make_crl(dir: &Path, revoke: &[&str]) {
    let db = CaDatabase::new(dir);
    for who in revoke {
        db.revoke(who);
    }
    db.crl("ca.crl");
}

/// With the CA's CRL configured, a certificate it revoked is refused
/// (`wsse:InvalidSecurityToken`, nothing reaches the API) while one it did
/// not revoke goes on to the scope check; `wsse verify --crl` says so too;
/// a CRL from a CA that is not trusted is a configuration error.
#[test]
fn revoked_signers_are_refused() {
    let dir = scratch();
    make_certs(&dir);
    make_crl(&dir, &["colleague"]);
    let (bridge, _demo) = signed_bridge_with(&dir, "    crls: [ca.crl]\n");
    let url = format!("{}/soap/PaymentService", bridge.url);
    let status = envelope(&sample("GetPaymentStatus"));
    let opts = Options::default();
    // The pinned signer is trusted as it is (and was not revoked anyway).
    let (code, text) = post(
        &url,
        &signer(&dir, "signer")
            .sign(&status, &opts, now_ms())
            .unwrap(),
    );
    assert_eq!(code, 200, "{text}");
    let revoked = signer(&dir, "colleague")
        .sign(&status, &opts, now_ms())
        .unwrap();
    let (code, text) = post(&url, &revoked);
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("wsse:InvalidSecurityToken"), "{text}");
    assert!(
        !text.contains("revoked"),
        "the fault says no more than the code: {text}"
    );
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
    // The diagnosis, with and without the CRL.
    let file = write(&dir, "revoked.xml", &revoked);
    let verify = |crl: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_soapbridge"));
        cmd.args(["wsse", "verify"])
            .arg(&file)
            .arg("--trusted-ca")
            .arg(dir.join("ca.pem"));
        if crl {
            cmd.arg("--crl").arg(dir.join("ca.crl"));
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    assert_eq!(verify(false).0, Some(0), "{}", verify(false).1);
    let (code, text) = verify(true);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("revoked"), "{text}");

    // A CRL no trusted CA issued.
    write(
        &dir,
        "m.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:9\nsecurity:\n  signature:\n    trusted_ca: [stranger-ca.pem]\n    crls: [ca.crl]\n",
            root().display()
        ),
    );
    std::fs::remove_file(dir.join("payments.yaml")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["check", "--mappings", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(
            "security.signature.crls: `ca.crl`: a CRL whose issuer is none of the trusted CAs"
        ),
        "{text}"
    );
}

/// A request signed by the `xmlsec1` CLI (an independent signer over the
/// same template shape) is accepted; the diagnosis of a tampered one names
/// the failing reference and prints the canonical bytes.
#[test]
fn xmlsec1_signed_requests_are_accepted_and_diagnosed() {
    let dir = scratch();
    make_certs(&dir);
    let cert = Cert::from_pem(&std::fs::read(dir.join("signer.pem")).unwrap())
        .unwrap()
        .remove(0);
    let fmt = soapbridge::wsse::time::format;
    let now = now_ms();
    let template = format!(
        r##"<e:Envelope xmlns:e="{S12}" xmlns:wsu="{WSU}"><e:Header><wsse:Security xmlns:wsse="{WSSE}"><wsu:Timestamp wsu:Id="TS-1"><wsu:Created>{}</wsu:Created><wsu:Expires>{}</wsu:Expires></wsu:Timestamp><wsse:BinarySecurityToken EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary" ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3" wsu:Id="X509-1">{}</wsse:BinarySecurityToken><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="e"/></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#Body-1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="wsu"/></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference><ds:Reference URI="#TS-1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference URI="#X509-1" ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"/></wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature></wsse:Security></e:Header><e:Body wsu:Id="Body-1">{}</e:Body></e:Envelope>"##,
        fmt(now),
        fmt(now + 300_000),
        cert.base64(),
        sample("GetPaymentStatus"),
    );
    write(&dir, "template.xml", &template);
    let out = Command::new("xmlsec1")
        .current_dir(&dir)
        .args([
            "--sign",
            "--privkey-pem",
            "signer.key",
            "--id-attr:Id",
            &format!("{WSU}:Timestamp"),
            "--id-attr:Id",
            &format!("{S12}:Body"),
            "--output",
            "signed.xml",
            "template.xml",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xmlsec1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signed = std::fs::read_to_string(dir.join("signed.xml")).unwrap();
    let verify = |file: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
            .args(["wsse", "verify", file, "--trusted-ca"])
            .arg(dir.join("ca.pem"))
            .current_dir(&dir)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, text) = verify("signed.xml");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("OK: signed by"), "{text}");
    assert_eq!(text.matches("digest: ok").count(), 2, "{text}");

    // Served: accepted by the facade.
    let (bridge, _demo) = signed_bridge(&dir);
    let (code, body) = post(&format!("{}/soap/PaymentService", bridge.url), &signed);
    assert_eq!(code, 200, "{body}");

    // Tampered: the diagnosis names the Body reference and shows its bytes.
    write(&dir, "tampered.xml", &signed.replace("PMT-", "PMX-"));
    let (code, text) = verify("tampered.xml");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("URI #Body-1"), "{text}");
    assert!(
        text.contains("resolves to: /Envelope/Body (Body)"),
        "{text}"
    );
    assert!(text.contains("digest: FAILED"), "{text}");
    assert!(text.contains("PMX-"), "the canonical bytes: {text}");
    assert!(text.contains("FAILED: wsse:FailedCheck"), "{text}");

    // An Id collision is reported as such.
    write(
        &dir,
        "collision.xml",
        &signed.replacen(
            "<wsse:BinarySecurityToken",
            "<x:y xmlns:x=\"urn:x\" wsu:Id=\"Body-1\"/><wsse:BinarySecurityToken",
            1,
        ),
    );
    let (code, text) = verify("collision.xml");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("problem: Id `Body-1` is used twice"),
        "{text}"
    );
}

#[test]
fn signature_settings_are_checked() {
    let dir = scratch();
    write(&dir, "not.pem", "hello\n");
    write(
        &dir,
        "m.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:9\nsecurity:\n  signature:\n    trusted_ca: [missing.pem]\n    signers:\n      - certificate: not.pem\n        client: x\n    sign: [Body, Attachments]\n  sign_responses:\n    key: nokey.pem\n    certificate: not.pem\n",
            root().display()
        ),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["check", "--mappings", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    for want in [
        "security.signature.trusted_ca[0]: cannot read `missing.pem`",
        "security.signature.signers[0].certificate: `not.pem`: not a PEM file",
        "security.signature.sign[1]: `Attachments` is not Body or Timestamp",
        "security.sign_responses.certificate: `not.pem`: not a PEM file",
    ] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }
}

/// python zeep's BinarySignature (python-xmlsec) signs Body and Timestamp
/// and is accepted; zeep verifies the bridge's signed response; a
/// certificate from another CA is refused.
#[cfg(feature = "interop")]
#[test]
fn zeep_x509_signatures_are_accepted_and_strangers_refused() {
    let dir = scratch();
    make_certs(&dir);
    let (bridge, _demo) = signed_bridge(&dir);
    let out = crate::interop::run(
        Command::new(crate::interop::python())
            .arg(root().join("scripts/peers/zeep_signature.py"))
            .arg(&bridge.url)
            .arg(dir.join("signer.key"))
            .arg(dir.join("signer.pem"))
            .arg(dir.join("stranger.key"))
            .arg(dir.join("stranger.pem")),
    );
    assert!(out.contains("0 failed"), "{out}");
    assert_eq!(out.matches("ok    ").count(), 2, "{out}");
}

/// Outbound: soapbridge signs its requests to a SOAP backend that verifies
/// them with python-xmlsec (`scripts/peers/xmlsec_backend.py`), and checks
/// the backend's answers, signed by python-xmlsec, against the backend's
/// certificate. An unsigned fault passes (`accept_unsigned_faults`); an
/// unsigned or altered answer is a 502; without signing, the backend
/// refuses the request.
#[cfg(feature = "interop")]
#[test]
fn python_xmlsec_backend_verifies_our_signatures_and_we_verify_its_answers() {
    use std::io::BufRead;
    let dir = scratch();
    make_certs(&dir);
    let samples = root().join("wsdl/bank-payments/samples");
    let mut backend = Command::new(crate::interop::python())
        .arg(root().join("scripts/peers/xmlsec_backend.py"))
        .arg(dir.join("colleague.key"))
        .arg(dir.join("colleague.pem"))
        .arg(dir.join("signer.pem"))
        .arg(samples.join("GetPaymentStatusResponse.xml"))
        .arg(samples.join("PaymentNotFound.xml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut line = String::new();
    std::io::BufReader::new(backend.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _backend = Kill(backend);
    let port: u16 = line.trim().parse().expect("the backend's port");
    let contract = format!("{}/wsdl/bank-payments/payments.wsdl", root().display());
    let mapping = |path: &str, wsse: &str| {
        format!(
            "contract: {contract}\nflow: rest-to-soap\npath: {path}\nupstream:\n  base_url: http://127.0.0.1:{port}/\n{wsse}operations:\n  GetPaymentStatus:\n    faults:\n      - status: 404\n        fault: PaymentNotFound\n"
        )
    };
    let maps = dir.join("maps");
    std::fs::create_dir_all(&maps).unwrap();
    write(
        &maps,
        "signed.yaml",
        &mapping(
            "/api/Signed",
            &format!(
                "  wsse:\n    sign:\n      key: {d}/signer.key\n      certificate: {d}/signer.pem\n    verify_responses:\n      signers:\n        - certificate: {d}/colleague.pem\n          client: bank\n    accept_unsigned_faults: true\n",
                d = dir.display()
            ),
        ),
    );
    write(&maps, "plain.yaml", &mapping("/api/Plain", ""));
    let bridge = start_serve(&["--mappings", maps.to_str().unwrap()], &[]);
    let status = |path: &str, id: &str| {
        let r = http()
            .post(format!("{}{path}/GetPaymentStatus", bridge.url))
            .header("Content-Type", "application/json")
            .body(format!(r#"{{"paymentId":"{id}"}}"#))
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    // Signed both ways.
    let (code, text) = status("/api/Signed", "PMT-20240314-000042");
    assert_eq!(code, 200, "{text}");
    assert!(text.contains("SETTLED"), "{text}");
    // An unsigned fault is let through, and mapped as declared.
    let (code, text) = status("/api/Signed", "PMT-00000000-000001");
    assert_eq!(code, 404, "{text}");
    assert!(text.contains("PaymentNotFound"), "{text}");
    // An unsigned answer, or a signed one altered on the way: refused.
    for id in ["PMT-00000000-000002", "PMT-00000000-000003"] {
        let (code, text) = status("/api/Signed", id);
        assert_eq!(code, 502, "{id}: {text}");
        assert!(text.contains("backend-signature"), "{id}: {text}");
        assert!(!text.contains("REJECTED"), "{id}: {text}");
    }
    // The backend really checks: unsigned requests are refused.
    let (code, text) = status("/api/Plain", "PMT-20240314-000042");
    assert!((400..500).contains(&code), "{code}: {text}");
}
