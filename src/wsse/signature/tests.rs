use super::certs::{Signer as Configured, TrustStore};
use super::sign::{KeyRef, Options, Signer};
use super::*;
use std::path::Path;
use std::process::{Command, Stdio};

const S11: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// A CA, two signers it issued (RSA and P-256), and a stranger with its
/// own CA, made by the openssl CLI in a fresh directory.
fn certs() -> std::path::PathBuf {
    use std::sync::OnceLock;
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sb-sig-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        make(&dir);
        dir
    })
    .clone()
}

fn make(dir: &Path) {
    let run = |args: &[&str]| {
        let ok = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("openssl")
            .success();
        assert!(ok, "openssl {args:?}");
    };
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .unwrap();
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
    for (who, ca, key) in [
        ("signer", "ca", "rsa:2048"),
        ("ec", "ca", "ec"),
        ("stranger", "stranger-ca", "rsa:2048"),
    ] {
        let mut args = vec!["req", "-newkey", key];
        if key == "ec" {
            args.extend(["-pkeyopt", "ec_paramgen_curve:P-256"]);
        }
        let keyout = format!("{who}.key");
        let csr = format!("{who}.csr");
        let subj = format!("/O=Example/CN=sbtest-{who}");
        args.extend(["-nodes", "-keyout", &keyout, "-out", &csr, "-subj", &subj]);
        run(&args);
        run(&[
            "x509",
            "-req",
            "-in",
            &csr,
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
    // CRLs of `ca`: one revoking nothing, one revoking `signer`, and one
    // valid for an hour only (the `openssl ca` database is scratch).
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 2\n",
    )
    .unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    let ca = ["-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem"];
    run(&[&["ca", "-gencrl", "-out", "crl-empty.pem"][..], &ca].concat());
    run(&[
        &["ca", "-gencrl", "-crlhours", "1", "-out", "crl-1h.pem"][..],
        &ca,
    ]
    .concat());
    run(&[&["ca", "-revoke", "signer.pem"][..], &ca].concat());
    run(&[&["ca", "-gencrl", "-out", "crl-revoked.pem"][..], &ca].concat());
    // A two-level chain: `inter`, a CA `ca` issued, and `leaf` it issued;
    // `inter`'s own (empty) CRL, and one of `ca` revoking `inter` too.
    std::fs::write(
        dir.join("inter.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .unwrap();
    for (who, issuer, ext) in [("inter", "ca", "inter.ext"), ("leaf", "inter", "leaf.ext")] {
        let subj = format!("/O=Example/CN=sbtest-{who}");
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
            &subj,
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            &format!("{who}.csr"),
            "-CA",
            &format!("{issuer}.pem"),
            "-CAkey",
            &format!("{issuer}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{who}.pem"),
            "-days",
            "2",
            "-extfile",
            ext,
        ]);
    }
    std::fs::write(
        dir.join("inter.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = inter-index.txt\ncrlnumber = inter-crlnumber\ndefault_md = sha256\ndefault_crl_days = 2\n",
    )
    .unwrap();
    std::fs::write(dir.join("inter-index.txt"), "").unwrap();
    std::fs::write(dir.join("inter-crlnumber"), "01\n").unwrap();
    run(&[
        "ca",
        "-config",
        "inter.cnf",
        "-keyfile",
        "inter.key",
        "-cert",
        "inter.pem",
        "-gencrl",
        "-out",
        "inter-crl.pem",
    ]);
    run(&[&["ca", "-revoke", "inter.pem"][..], &ca].concat());
    run(&[&["ca", "-gencrl", "-out", "crl-revoked-inter.pem"][..], &ca].concat());
}

fn cert(name: &str) -> Cert {
    let pem = std::fs::read(certs().join(format!("{name}.pem"))).unwrap();
    Cert::from_pem(&pem).unwrap().remove(0)
}

fn signer(name: &str) -> Signer {
    let key = std::fs::read(certs().join(format!("{name}.key"))).unwrap();
    Signer::new(key, cert(name)).unwrap()
}

fn policy(cas: &[&str], signers: &[&str]) -> SignaturePolicy {
    SignaturePolicy {
        required: true,
        trust: TrustStore {
            cas: cas.iter().map(|c| cert(c)).collect(),
            signers: signers
                .iter()
                .map(|s| Configured {
                    cert: cert(s),
                    client: format!("client-{s}"),
                    scopes: vec!["orders:write".into()],
                })
                .collect(),
            crls: None,
        },
        sign: vec![Part::Body, Part::Timestamp],
        allow_sha1: false,
    }
}

fn request() -> String {
    format!(
        r#"<?xml version="1.0"?><s:Envelope xmlns:s="{S11}"><s:Header/><s:Body><m:Order xmlns:m="urn:m"><m:qty>1</m:qty></m:Order></s:Body></s:Envelope>"#
    )
}

fn signed(who: &str, key_ref: KeyRef) -> String {
    let opts = Options {
        key_ref,
        ..Options::default()
    };
    signer(who).sign(&request(), &opts, time::now()).unwrap()
}

use super::super::time;

fn code(r: Result<Option<SignedBy>, WsseError>) -> Code {
    match r {
        Ok(_) => panic!("accepted"),
        Err(e) => e.code,
    }
}

#[test]
fn a_ca_issued_signature_by_token_is_accepted() {
    let msg = signed("signer", KeyRef::Bst);
    let by = policy(&["ca"], &[])
        .verify(&msg, time::now())
        .unwrap()
        .unwrap();
    assert!(by.subject.contains("sbtest-signer"), "{by:?}");
    assert_eq!(by.client, None);
    let by = policy(&["ca"], &["signer"])
        .verify(&msg, time::now())
        .unwrap()
        .unwrap();
    assert_eq!(by.client.as_deref(), Some("client-signer"));
    assert_eq!(by.identity().via, "x509-signature");
}

#[test]
fn ecdsa_and_every_key_reference_are_accepted() {
    for who in ["signer", "ec"] {
        for r in [
            KeyRef::Bst,
            KeyRef::Ski,
            KeyRef::Thumbprint,
            KeyRef::IssuerSerial,
        ] {
            let msg = signed(who, r);
            let got = policy(&["ca"], &[who]).verify(&msg, time::now());
            assert!(matches!(got, Ok(Some(_))), "{who} {r:?}: {got:?}\n{msg}");
        }
    }
}

#[test]
fn key_identifiers_need_a_configured_signer() {
    for r in [KeyRef::Ski, KeyRef::Thumbprint, KeyRef::IssuerSerial] {
        let msg = signed("signer", r);
        assert_eq!(
            code(policy(&["ca"], &[]).verify(&msg, time::now())),
            Code::SecurityTokenUnavailable,
            "{r:?}"
        );
    }
}

#[test]
fn strangers_and_expired_certificates_are_refused() {
    let msg = signed("stranger", KeyRef::Bst);
    assert_eq!(
        code(policy(&["ca"], &[]).verify(&msg, time::now())),
        Code::InvalidSecurityToken
    );
    // No CA: only configured signers count.
    let msg = signed("signer", KeyRef::Bst);
    assert_eq!(
        code(policy(&[], &[]).verify(&msg, time::now())),
        Code::InvalidSecurityToken
    );
    // The signer's certificate has expired (three days on).
    let later = time::now() + 3 * 86_400_000;
    let e = policy(&["ca"], &["signer"])
        .verify(&msg, later)
        .unwrap_err();
    assert_eq!(e.code, Code::InvalidSecurityToken, "{e}");
    assert!(e.why.contains("validity"), "{e}");
}

#[test]
fn tampering_fails_the_check() {
    let msg = signed("signer", KeyRef::Bst);
    let p = policy(&["ca"], &[]);
    let body = msg.replace("<m:qty>1</m:qty>", "<m:qty>9</m:qty>");
    assert_ne!(body, msg);
    let (r, report) = p.diagnose(&body, time::now());
    assert_eq!(code(r), Code::FailedCheck);
    let body_ref = report
        .references
        .iter()
        .find(|r| r.role.as_deref() == Some("Body"))
        .unwrap();
    assert_eq!(body_ref.digest_ok, Some(false), "{report:?}");
    assert!(
        body_ref
            .canonical
            .as_deref()
            .unwrap()
            .contains("<m:qty>9</m:qty>")
    );
    let created = msg.find("<wsu:Created>").unwrap() + "<wsu:Created>".len();
    let mut ts = msg.clone();
    ts.replace_range(created..created + 4, "2099");
    assert_eq!(code(p.verify(&ts, time::now())), Code::FailedCheck);
}

#[test]
fn the_diagnosis_shows_canonical_bytes_and_digests() {
    let msg = signed("signer", KeyRef::Bst);
    let (r, report) = policy(&["ca"], &[]).diagnose(&msg, time::now());
    assert!(matches!(r, Ok(Some(_))), "{r:?}");
    assert_eq!(report.references.len(), 2);
    for rr in &report.references {
        assert_eq!(rr.digest_ok, Some(true), "{rr:?}");
    }
    assert_eq!(report.references[0].path.as_deref(), Some("/Envelope/Body"));
    assert!(
        report.references[1]
            .path
            .as_deref()
            .unwrap()
            .ends_with("/Security/Timestamp")
    );
}

#[test]
fn unsupported_algorithms_are_refused() {
    let msg = signed("signer", KeyRef::Bst);
    let p = policy(&["ca"], &[]);
    let sha1 = msg.replace(RSA_SHA256, RSA_SHA1);
    assert_eq!(
        code(p.verify(&sha1, time::now())),
        Code::UnsupportedAlgorithm
    );
    let hmac = msg.replace(RSA_SHA256, "http://www.w3.org/2000/09/xmldsig#hmac-sha1");
    assert_eq!(
        code(p.verify(&hmac, time::now())),
        Code::UnsupportedAlgorithm
    );
    let inc = msg.replacen(
        EXC_C14N,
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        1,
    );
    assert_eq!(
        code(p.verify(&inc, time::now())),
        Code::UnsupportedAlgorithm
    );
    let xpath = msg.replacen(
        &format!(r#"<ds:Transform Algorithm="{EXC_C14N}"/>"#),
        r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"/>"#,
        1,
    );
    assert_eq!(
        code(p.verify(&xpath, time::now())),
        Code::UnsupportedAlgorithm
    );
    // SHA-1 signed, refused unless allowed.
    let opts = Options {
        sha1: true,
        ..Options::default()
    };
    let old = signer("signer")
        .sign(&request(), &opts, time::now())
        .unwrap();
    assert_eq!(
        code(p.verify(&old, time::now())),
        Code::UnsupportedAlgorithm
    );
    let mut lax = policy(&["ca"], &[]);
    lax.allow_sha1 = true;
    assert!(matches!(lax.verify(&old, time::now()), Ok(Some(_))));
}

#[test]
fn unsigned_messages_follow_the_policy() {
    let mut p = policy(&["ca"], &[]);
    assert_eq!(
        code(p.verify(&request(), time::now())),
        Code::InvalidSecurity
    );
    p.required = false;
    assert!(matches!(p.verify(&request(), time::now()), Ok(None)));
}

#[test]
fn hostile_input_is_refused_without_panic() {
    let p = policy(&["ca"], &[]);
    for text in [
        "",
        "<",
        "<a/>",
        r#"<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>"#,
        &format!(r#"<s:Envelope xmlns:s="{S11}"><s:Body/></s:Envelope>"#),
    ] {
        assert!(p.verify(text, time::now()).is_err(), "{text}");
    }
}

/// Many siblings (and deep nesting) in an unsigned header block cost time
/// linear in the document: a walk that rescanned siblings per child, or
/// copied the full path into every element, would take minutes and
/// gigabytes here.
#[test]
fn wide_and_deep_headers_are_walked_in_linear_time() {
    let msg = signed("signer", KeyRef::Bst);
    let p = policy(&["ca"], &[]);
    let wide = format!("<junk xmlns=\"urn:junk\">{}</junk>", "<a/>".repeat(60_000));
    let deep_name = "n".repeat(2_000);
    let deep = format!(
        "<junk2 xmlns=\"urn:junk\">{}{}</junk2>",
        format!("<{deep_name}>").repeat(100),
        format!("</{deep_name}>").repeat(100)
    );
    let header_end = msg.find("</wsse:Security>").unwrap() + "</wsse:Security>".len();
    let hostile = format!("{}{wide}{deep}{}", &msg[..header_end], &msg[header_end..]);
    // Still verified: unsigned header blocks are allowed, just not processed.
    assert!(p.verify(&hostile, time::now()).is_ok());
}

/// libxmlsec1's and libxml2's own error reports go to `tracing` at debug
/// level (target `soapbridge::wsse::xmlsec`), not to stderr where a
/// hostile client could fill the operator's log with C source positions.
#[test]
fn library_errors_are_logged_not_printed() {
    #[derive(Clone, Default)]
    struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let msg = signed("signer", KeyRef::Bst);
    let start = msg.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let mut bad = msg.clone();
    bad.replace_range(start..start + 1, "\"");
    let buf = Buf::default();
    let out = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || out.clone())
        .with_ansi(false)
        .finish();
    let r = tracing::subscriber::with_default(subscriber, || {
        policy(&["ca"], &[]).verify(&bad, time::now())
    });
    assert!(r.is_err());
    let log = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("soapbridge::wsse::xmlsec") && log.contains("func=xmlSec"),
        "{log}"
    );
    // No C source positions: they tell an operator nothing.
    assert!(!log.contains(".c:"), "{log}");
}

fn with_crls(
    mut p: SignaturePolicy,
    files: &[&str],
    now: time::Millis,
) -> Result<SignaturePolicy, String> {
    let files = files.iter().map(|f| certs().join(f)).collect();
    p.trust.crls = Some(super::certs::Crls::load(files, &p.trust.cas, now)?);
    Ok(p)
}

#[test]
fn revoked_certificates_are_refused_with_crls() {
    // (The certificates are made first: they are valid from when they are.)
    let rsa = signed("signer", KeyRef::Bst);
    let ec = signed("ec", KeyRef::Bst);
    let now = time::now();
    // A current CRL that revokes nothing: both pass.
    let p = with_crls(policy(&["ca"], &[]), &["crl-empty.pem"], now).unwrap();
    let r = p.verify(&rsa, now);
    assert!(matches!(r, Ok(Some(_))), "{r:?}");
    assert!(matches!(p.verify(&ec, now), Ok(Some(_))));
    // `signer` revoked: refused as an invalid token, `ec` still passes.
    let p = with_crls(policy(&["ca"], &[]), &["crl-revoked.pem"], now).unwrap();
    let e = p.verify(&rsa, now).unwrap_err();
    assert_eq!(e.code, Code::InvalidSecurityToken);
    assert!(e.why.contains("revoked"), "{}", e.why);
    assert!(matches!(p.verify(&ec, now), Ok(Some(_))));
    // A configured signer certificate is trusted as it is: CRLs are about
    // what CAs issued (remove a pinned certificate from the config).
    let p = with_crls(policy(&["ca"], &["signer"]), &["crl-revoked.pem"], now).unwrap();
    assert!(matches!(p.verify(&rsa, now), Ok(Some(_))));
    // Past the CRL's nextUpdate nothing CA-issued passes (fail closed);
    // checked two hours on, within the certificates' two days.
    let p = with_crls(policy(&["ca"], &[]), &["crl-1h.pem"], now).unwrap();
    let later = now + 2 * 3600 * 1000;
    let ec_later = signer("ec")
        .sign(&request(), &Options::default(), later)
        .unwrap();
    assert!(matches!(p.verify(&ec, now), Ok(Some(_))));
    let e = p.verify(&ec_later, later).unwrap_err();
    assert_eq!(e.code, Code::InvalidSecurityToken, "{}", e.why);
    // A stale CRL, or one no trusted CA issued, is a configuration error.
    assert!(
        with_crls(policy(&["ca"], &[]), &["crl-1h.pem"], later)
            .unwrap_err()
            .contains("nextUpdate")
    );
    assert!(
        with_crls(policy(&["stranger-ca"], &[]), &["crl-empty.pem"], now)
            .unwrap_err()
            .contains("none of the trusted CAs")
    );
    assert!(
        with_crls(policy(&["ca"], &[]), &["ca.pem"], now)
            .unwrap_err()
            .contains("no `X509 CRL`")
    );
}

/// A CRL replaced in place takes effect on the next message, no restart.
#[test]
fn a_replaced_crl_file_is_re_read() {
    let rsa = signed("signer", KeyRef::Bst);
    let now = time::now();
    let dir = std::env::temp_dir().join(format!("sb-crl-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ca.crl");
    std::fs::copy(certs().join("crl-empty.pem"), &file).unwrap();
    let mut p = policy(&["ca"], &[]);
    p.trust.crls = Some(super::certs::Crls::load(vec![file.clone()], &p.trust.cas, now).unwrap());
    assert!(matches!(p.verify(&rsa, now), Ok(Some(_))));
    let set_time = |secs: u64| {
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
            .unwrap();
    };
    // DER this time: both encodings are read.
    let pem = std::fs::read(certs().join("crl-revoked.pem")).unwrap();
    let der = x509_parser::pem::Pem::iter_from_buffer(&pem)
        .next()
        .unwrap()
        .unwrap()
        .contents;
    std::fs::write(&file, der).unwrap();
    set_time(1_000_000);
    assert_eq!(
        p.verify(&rsa, now).unwrap_err().code,
        Code::InvalidSecurityToken
    );
    // An unreadable replacement leaves the last good lists in force.
    std::fs::write(&file, b"not a CRL").unwrap();
    set_time(2_000_000);
    assert_eq!(
        p.verify(&rsa, now).unwrap_err().code,
        Code::InvalidSecurityToken
    );
    std::fs::copy(certs().join("crl-empty.pem"), &file).unwrap();
    set_time(3_000_000);
    assert!(matches!(p.verify(&rsa, now), Ok(Some(_))));
    // Two files; one going bad does not stop the other from updating
    // (its own last good lists stay in force).
    let second = dir.join("second.crl");
    std::fs::copy(certs().join("crl-empty.pem"), &second).unwrap();
    let mut p = policy(&["ca", "inter"], &[]);
    p.trust.crls = Some(
        super::certs::Crls::load(vec![file.clone(), second.clone()], &p.trust.cas, now).unwrap(),
    );
    assert!(matches!(p.verify(&rsa, now), Ok(Some(_))));
    std::fs::write(&second, b"garbage").unwrap();
    std::fs::copy(certs().join("crl-revoked.pem"), &file).unwrap();
    set_time(4_000_000);
    assert_eq!(
        p.verify(&rsa, now).unwrap_err().code,
        Code::InvalidSecurityToken
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A CA issued by a configured CA is an intermediate, not an anchor: its
/// own revocation is checked against its issuer's CRL, and without that
/// CRL its status is unknown (refused).
#[test]
fn revoked_intermediates_are_refused() {
    let leaf = signed("leaf", KeyRef::Bst);
    let now = time::now();
    let two = || policy(&["ca", "inter"], &[]);
    // No CRLs: the chain alone.
    assert!(matches!(two().verify(&leaf, now), Ok(Some(_))));
    // Both CAs' CRLs, nothing relevant revoked.
    let p = with_crls(two(), &["crl-revoked.pem", "inter-crl.pem"], now).unwrap();
    let r = p.verify(&leaf, now);
    assert!(matches!(r, Ok(Some(_))), "{r:?}");
    // The root revoked the intermediate: the leaf falls with it.
    let p = with_crls(two(), &["crl-revoked-inter.pem", "inter-crl.pem"], now).unwrap();
    let e = p.verify(&leaf, now).unwrap_err();
    assert_eq!(e.code, Code::InvalidSecurityToken);
    assert!(e.why.contains("revoked"), "{}", e.why);
    // Only the intermediate's CRL: the intermediate's status is unknown.
    let p = with_crls(two(), &["inter-crl.pem"], now).unwrap();
    assert_eq!(
        p.verify(&leaf, now).unwrap_err().code,
        Code::InvalidSecurityToken
    );
}

/// Of two CRLs from the same CA, the newer counts, in whichever order
/// they are configured (webpki would consult only the first it finds).
#[test]
fn the_newest_crl_of_a_ca_counts() {
    let rsa = signed("signer", KeyRef::Bst);
    let now = time::now();
    for files in [
        ["crl-empty.pem", "crl-revoked.pem"],
        ["crl-revoked.pem", "crl-empty.pem"],
    ] {
        let p = with_crls(policy(&["ca"], &[]), &files, now).unwrap();
        assert_eq!(
            p.verify(&rsa, now).unwrap_err().code,
            Code::InvalidSecurityToken,
            "{files:?}"
        );
    }
}
