//! What WS-Security costs per message: checking a UsernameToken
//! (PasswordDigest) with a Timestamp, signing an envelope (RSA-2048 and
//! ECDSA P-256, Body + Timestamp, exc-c14n, SHA-256) and verifying it with
//! all the wrapping checks, on a ~1 KB SubmitPayment envelope; and
//! verifying a CA-issued signer's message, without and with a 10,000-entry
//! CRL of the CA.
//!
//! ```text
//! cargo bench --bench wsse
//! ```
//! Keys and certificates are made by the `openssl` CLI in a temp dir when
//! the bench starts. Under `cargo test --all-targets` each benchmark runs
//! once.

use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use sha1::Digest;
use soapbridge::wsse::signature::certs::{Cert, Signer as Trusted, TrustStore};
use soapbridge::wsse::signature::sign::{Options, Signer};
use soapbridge::wsse::signature::{Part, SignaturePolicy};
use soapbridge::wsse::{InboundPolicy, User, time};

const S12: &str = "http://www.w3.org/2003/05/soap-envelope";

fn openssl(dir: &Path, args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl")
        .success();
    assert!(ok, "openssl {args:?}");
}

/// A self-signed certificate and key of `kind` (`rsa` or `ec`).
fn keypair(dir: &Path, kind: &str) -> (Vec<u8>, Cert) {
    let newkey = if kind == "ec" {
        "ec:".to_string() + dir.join("p256.pem").to_str().unwrap()
    } else {
        "rsa:2048".into()
    };
    if kind == "ec" {
        openssl(dir, &["ecparam", "-name", "prime256v1", "-out", "p256.pem"]);
    }
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            &newkey,
            "-nodes",
            "-keyout",
            &format!("{kind}.key"),
            "-out",
            &format!("{kind}.pem"),
            "-days",
            "2",
            "-subj",
            &format!("/CN=bench-{kind}"),
            "-addext",
            "subjectKeyIdentifier=hash",
        ],
    );
    let key = std::fs::read(dir.join(format!("{kind}.key"))).unwrap();
    let cert = Cert::from_pem(&std::fs::read(dir.join(format!("{kind}.pem"))).unwrap())
        .unwrap()
        .remove(0);
    (key, cert)
}

fn envelope() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let body =
        std::fs::read_to_string(root.join("wsdl/bank-payments/samples/SubmitPayment.xml")).unwrap();
    let body = body.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    format!(r#"<e:Envelope xmlns:e="{S12}"><e:Body>{body}</e:Body></e:Envelope>"#)
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("sb-bench-wsse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env = envelope();

    // UsernameToken (digest) + Timestamp. Every message needs a fresh
    // nonce (a replay is refused), and the nonce cache fills up, so each
    // iteration gets its own envelope and policy, made outside the timing.
    let policy = || {
        InboundPolicy::new(
            vec![User {
                name: "erp-batch".into(),
                password: "c0rrect-h0rse".into(),
                scopes: vec![],
            }],
            true,
            true,
            300_000,
            60_000,
        )
    };
    let now = time::now();
    let token = |i: u64| {
        let created = time::format(now);
        let nonce = i.to_be_bytes().repeat(2);
        let mut h = sha1::Sha1::new();
        h.update(&nonce);
        h.update(created.as_bytes());
        h.update(b"c0rrect-h0rse");
        let b64 = base64::engine::general_purpose::STANDARD;
        let text = format!(
            r#"<e:Envelope xmlns:e="{S12}"><e:Header><wsse:Security xmlns:wsse="{}" xmlns:wsu="{}"><wsu:Timestamp><wsu:Created>{created}</wsu:Created><wsu:Expires>{}</wsu:Expires></wsu:Timestamp><wsse:UsernameToken><wsse:Username>erp-batch</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{}</wsse:Password><wsse:Nonce>{}</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security></e:Header><e:Body><x/></e:Body></e:Envelope>"#,
            soapbridge::ns::WSSE,
            soapbridge::ns::WSU,
            time::format(now + 300_000),
            b64.encode(h.finalize()),
            b64.encode(&nonce)
        );
        soapbridge::xml::parse(&text, &Default::default()).unwrap()
    };
    let mut next = 0u64;
    c.bench_function("username_token_digest_verify", |b| {
        b.iter_batched(
            || {
                next += 1;
                (policy(), token(next))
            },
            |(p, e)| {
                let v = p.verify(&e, S12, soapbridge::wsdl::model::SoapVersion::V12, now);
                assert!(v.is_ok());
                black_box(v)
            },
            BatchSize::SmallInput,
        )
    });

    for kind in ["rsa", "ec"] {
        let (key, cert) = keypair(&dir, kind);
        let signer = Signer::new(key, cert.clone()).unwrap();
        let opts = Options::default();
        c.bench_function(&format!("sign_{kind}"), |b| {
            b.iter(|| black_box(signer.sign(&env, &opts, time::now()).unwrap()))
        });
        let signed = signer.sign(&env, &opts, time::now()).unwrap();
        let verify = SignaturePolicy {
            required: true,
            trust: TrustStore {
                cas: Vec::new(),
                signers: vec![Trusted {
                    cert,
                    client: "bench".into(),
                    scopes: Vec::new(),
                }],
                crls: None,
            },
            sign: vec![Part::Body, Part::Timestamp],
            allow_sha1: false,
        };
        assert!(verify.verify(&signed, time::now()).unwrap().is_some());
        c.bench_function(&format!("verify_{kind}"), |b| {
            b.iter(|| black_box(verify.verify(&signed, time::now()).unwrap()))
        });
    }

    // A CA-issued RSA signer: the chain check (webpki), then the same with
    // a CRL of the CA revoking 10,000 other serials (a big bank CA's list).
    let (_, ca) = keypair(&dir, "ca");
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\n",
    )
    .unwrap();
    openssl(
        &dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=bench-leaf",
        ],
    );
    openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    );
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 2\n",
    )
    .unwrap();
    let index: String = (0..10_000u32)
        .map(|i| {
            format!(
                "R\t300101000000Z\t250101000000Z\t{:08X}\tunknown\t/CN=revoked-{i}\n",
                0x1000_0000 + i
            )
        })
        .collect();
    std::fs::write(dir.join("index.txt"), index).unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    openssl(
        &dir,
        &[
            "ca", "-gencrl", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-out",
            "big.crl",
        ],
    );
    let big = std::fs::read(dir.join("big.crl")).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&big).unwrap();
    let (_, list) = x509_parser::parse_x509_crl(&pem.contents).unwrap();
    assert_eq!(list.iter_revoked_certificates().count(), 10_000);
    let leaf = Cert::from_pem(&std::fs::read(dir.join("leaf.pem")).unwrap())
        .unwrap()
        .remove(0);
    let signer = Signer::new(std::fs::read(dir.join("leaf.key")).unwrap(), leaf).unwrap();
    let signed = signer.sign(&env, &Options::default(), time::now()).unwrap();
    for crl in [false, true] {
        let cas = vec![ca.clone()];
        let crls = crl.then(|| {
            soapbridge::wsse::signature::certs::Crls::load(
                vec![dir.join("big.crl")],
                &cas,
                time::now(),
            )
            .unwrap()
        });
        let verify = SignaturePolicy {
            required: true,
            trust: TrustStore {
                cas,
                signers: Vec::new(),
                crls,
            },
            sign: vec![Part::Body, Part::Timestamp],
            allow_sha1: false,
        };
        assert!(verify.verify(&signed, time::now()).unwrap().is_some());
        let name = if crl {
            "verify_rsa_ca_crl_10k"
        } else {
            "verify_rsa_ca"
        };
        c.bench_function(name, |b| {
            b.iter(|| black_box(verify.verify(&signed, time::now()).unwrap()))
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
