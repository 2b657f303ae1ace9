//! Hostile input to the X.509 signature check, the one place where a SOAP
//! request reaches C code (libxml2 and libxmlsec1) before it is refused.
//!
//! The first byte picks the mode: even, the rest of the input is the whole
//! request; odd, it edits a freshly signed request (bytes 1-2: where, byte
//! 3: how many bytes to cut there, the rest: what to insert), so that most
//! inputs get past parsing into Id resolution, C14N and the digests.
//!
//! Checks: no panic, crash, hang or unbounded memory; and the wrapping
//! oracle: whenever a request verifies, the Body our own XML reader (the
//! one the SOAP facade dispatches and translates with) finds in it is the
//! Body that was signed. An accepted edit may only be one canonicalization
//! makes no difference to (attribute order, quoting, whitespace inside
//! tags) or one outside the signed parts.
#![no_main]

use std::process::Command;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use soapbridge::QName;
use soapbridge::wsse::signature::certs::{Cert, Signer as Configured, TrustStore};
use soapbridge::wsse::signature::sign::{Options, Signer};
use soapbridge::wsse::signature::{Part, SignaturePolicy};
use soapbridge::wsse::time::{self, Millis};
use soapbridge::xml::{Element, Limits};

const S11: &str = "http://schemas.xmlsoap.org/soap/envelope/";

struct Fixture {
    policy: SignaturePolicy,
    signed: String,
    body: Node,
    now: Millis,
}

/// A throwaway key and certificate (the `openssl` CLI, once per process),
/// a policy that trusts it, and one request signed with it.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("soapbridge-fuzz-wsse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650"])
            .args(["-subj", "/CN=fuzz-signer", "-keyout", "key.pem", "-out", "cert.pem"])
            .current_dir(&dir)
            .output()
            .expect("the openssl CLI")
            .status
            .success();
        assert!(ok, "openssl could not make a key");
        let cert = Cert::from_pem(&std::fs::read(dir.join("cert.pem")).unwrap())
            .unwrap()
            .remove(0);
        let key = std::fs::read(dir.join("key.pem")).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        let now = time::now();
        let request = format!(
            r#"<?xml version="1.0"?><s:Envelope xmlns:s="{S11}"><s:Header/><s:Body><m:SubmitOrder xmlns:m="urn:example:m" m:a="1" b="2"><m:line><m:sku>AB-1</m:sku><m:qty>3</m:qty></m:line><m:note>x &amp; y</m:note></m:SubmitOrder></s:Body></s:Envelope>"#
        );
        let signed = Signer::new(key, cert.clone())
            .unwrap()
            .sign(&request, &Options::default(), now)
            .unwrap();
        let policy = SignaturePolicy {
            required: true,
            trust: TrustStore {
                cas: Vec::new(),
                signers: vec![Configured {
                    cert,
                    client: "fuzz".into(),
                    scopes: Vec::new(),
                }],
                crls: None,
            },
            sign: vec![Part::Body, Part::Timestamp],
            allow_sha1: false,
        };
        assert!(
            matches!(policy.verify(&signed, now), Ok(Some(_))),
            "the fixture's own signature must verify"
        );
        let body = body_of(&signed).expect("the signed request has a Body");
        Fixture {
            policy,
            signed,
            body,
            now,
        }
    })
}

/// An element as far as the translation can tell: names, attributes in
/// any order, text, children. (Owned and `Send`, unlike the reader's tree.)
#[derive(Debug, PartialEq)]
struct Node {
    name: QName,
    attrs: Vec<(QName, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn of(e: &Element) -> Node {
        let mut attrs: Vec<(QName, String)> = e
            .attrs
            .iter()
            .map(|a| (a.name.clone(), a.value.clone()))
            .collect();
        attrs.sort();
        Node {
            name: e.name.clone(),
            attrs,
            text: e.text.clone(),
            children: e.children.iter().map(Node::of).collect(),
        }
    }
}

/// The Body the SOAP facade would dispatch on and translate: the
/// envelope's Body child, read by our own XML reader with its default
/// limits.
fn body_of(text: &str) -> Option<Node> {
    let env = soapbridge::xml::parse(text, &Limits::default()).ok()?;
    if !env.is(S11, "Envelope") {
        return None;
    }
    env.child(S11, "Body").map(Node::of)
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = if mode & 1 == 0 {
        match std::str::from_utf8(rest) {
            Ok(t) => t.to_string(),
            Err(_) => return,
        }
    } else {
        if rest.len() < 3 {
            return;
        }
        let base = f.signed.as_bytes();
        let at = usize::from(u16::from_le_bytes([rest[0], rest[1]])) % (base.len() + 1);
        let cut = usize::from(rest[2] % 64).min(base.len() - at);
        let mut edited = Vec::with_capacity(base.len() + rest.len());
        edited.extend_from_slice(&base[..at]);
        edited.extend_from_slice(&rest[3..]);
        edited.extend_from_slice(&base[at + cut..]);
        match String::from_utf8(edited) {
            Ok(t) => t,
            Err(_) => return,
        }
    };
    if let Ok(Some(_)) = f.policy.verify(&text, f.now) {
        // `WSSE_FUZZ_SHOW_ACCEPTED=1 .../wsse_verify -runs=0 corpus/wsse_verify`
        // lists the accepted edits: what the oracle actually judged.
        if text != f.signed && std::env::var_os("WSSE_FUZZ_SHOW_ACCEPTED").is_some() {
            eprintln!("accepted edit: {text:?}");
        }
        if let Some(body) = body_of(&text) {
            assert_eq!(
                body, f.body,
                "a request verified, but the Body the facade reads is not the one signed:\n{text}"
            );
        }
    }
});
