//! The HTTPS listener with mutual TLS: certificates made by openssl here,
//! a REST caller known by its client certificate (with scopes), a caller
//! without one refused with 401, a certificate from another CA refused at
//! the handshake, and `?wsdl` publishing the https address.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::serve::{Bridge, free_port};
use crate::util::*;

/// `ca.pem` (and a second, unrelated `other-ca.pem`); `server.pem` for
/// 127.0.0.1; `client.pem` (CN orders-svc, from ca) and `stranger.pem`
/// (CN orders-svc too, but from other-ca).
fn certificates(dir: &Path) {
    write(
        dir,
        "server.ext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    write(
        dir,
        "client.ext",
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    );
    for ca in ["ca", "other-ca"] {
        openssl(
            dir,
            &[
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
            ],
        );
    }
    for (who, ca, cn, ext) in [
        ("server", "ca", "localhost", "server.ext"),
        ("client", "ca", "orders-svc", "client.ext"),
        ("stranger", "other-ca", "orders-svc", "client.ext"),
        ("revoked", "ca", "orders-svc", "client.ext"),
    ] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{who}.key"),
                "-out",
                &format!("{who}.csr"),
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
        openssl(
            dir,
            &[
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
                ext,
            ],
        );
    }
    // The CA's CRLs, before and after revoking `revoked`.
    let db = CaDatabase::new(dir);
    db.crl("ca-empty.crl");
    db.revoke("revoked");
    db.crl("ca.crl");
}

fn client(dir: &Path, identity: Option<&str>) -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca = std::fs::read(dir.join("ca.pem")).unwrap();
    let mut b = reqwest::blocking::Client::builder()
        .tls_backend_rustls()
        .timeout(Duration::from_secs(20))
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap());
    if let Some(who) = identity {
        let mut pem = std::fs::read(dir.join(format!("{who}.pem"))).unwrap();
        pem.extend(std::fs::read(dir.join(format!("{who}.key"))).unwrap());
        b = b.identity(reqwest::Identity::from_pem(&pem).unwrap());
    }
    b.build().unwrap()
}

#[test]
fn https_with_client_certificates_as_identities() {
    let dir = scratch();
    certificates(&dir);
    let port = free_port();
    let demo = free_port();
    let contract = format!("{}/wsdl/bank-payments/payments.wsdl", root().display());
    let maps = dir.join("mappings");
    std::fs::create_dir_all(&maps).unwrap();
    // The SOAP facade knows its callers by their client certificates.
    write(
        &maps,
        "soap.yaml",
        &std::fs::read_to_string(root().join("mappings/bank-payments.yaml"))
            .unwrap()
            .replace("../wsdl/bank-payments/payments.wsdl", &contract)
            .replace(
                "operations:\n",
                "security:\n  timestamp: optional\n  client_certificates: true\nscopes: [payments:read]\noperations:\n",
            )
            .replace("  SubmitPayment:\n", "  SubmitPayment:\n    scopes: [payments:write]\n")
            .replace(
                "  NotifyPaymentEvent:                 # one-way: the SOAP caller gets 202\n",
                "  NotifyPaymentEvent:\n    scopes: []                        # any known caller\n",
            ),
    );
    // The REST facade calls the SOAP facade of the same process, over
    // HTTPS, trusting the private CA.
    write(
        &maps,
        "rest.yaml",
        &format!(
            "contract: {contract}\nflow: rest-to-soap\nupstream:\n  base_url: https://127.0.0.1:{port}/soap/PaymentService\n  ca_file: {d}/ca.pem\n  client_cert: {d}/client.pem\n  client_key: {d}/client.key\nscopes: [payments:read]\n",
            d = dir.display()
        ),
    );
    write(
        &dir,
        "server.yaml",
        "tls:\n  certificate: server.pem\n  key: server.key\n  client_ca: ca.pem\n  client_crls: [ca.crl]\nauth:\n  client_certificates:\n    - client: orders\n      subject_cn: orders-svc\n      scopes: [payments:read]\n",
    );
    let child = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["serve", "--config"])
        .arg(dir.join("server.yaml"))
        .arg("--mappings")
        .arg(&maps)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--demo", "--demo-listen", &format!("127.0.0.1:{demo}")])
        .env("PAYMENTS_API_URL", format!("http://127.0.0.1:{demo}/bank"))
        .env("SOAPBRIDGE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let bridge = Bridge {
        child,
        url: format!("https://127.0.0.1:{port}"),
    };
    let anonymous = client(&dir, None);
    let started = Instant::now();
    while !anonymous
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
    // ?wsdl publishes the https address.
    let wsdl = anonymous
        .get(format!("{}/soap/PaymentService?wsdl", bridge.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        wsdl.contains(&format!(
            "location=\"https://127.0.0.1:{port}/soap/PaymentService\""
        )),
        "{wsdl}"
    );
    let status = |c: &reqwest::blocking::Client| {
        c.post(format!(
            "{}/api/PaymentService/GetPaymentStatus",
            bridge.url
        ))
        .header("Content-Type", "application/json")
        .body(r#"{"paymentId":"PMT-20240314-000042"}"#)
        .send()
    };
    // Known by its certificate: through the REST facade, over HTTPS to the
    // SOAP facade, to the API.
    let r = status(&client(&dir, Some("client"))).unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().unwrap().contains("SETTLED"));
    // No certificate: the handshake is fine (optional), the call is not.
    let r = status(&anonymous).unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    // A certificate from another CA (even with the right CN) never gets
    // past the handshake.
    assert!(status(&client(&dir, Some("stranger"))).is_err());
    // Nor does one the CA revoked (same CA, same CN), with its CRL set.
    assert!(status(&client(&dir, Some("revoked"))).is_err());
    // SOAP callers by certificate: a read passes, a write lacks the scope,
    // and without a certificate nobody is named.
    let soap = |c: &reqwest::blocking::Client, sample: &str| {
        let body = std::fs::read_to_string(
            root().join(format!("wsdl/bank-payments/samples/{sample}.xml")),
        )
        .unwrap()
        .trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
        .to_string();
        let r = c
            .post(format!("{}/soap/PaymentService", bridge.url))
            .header("Content-Type", "application/soap+xml")
            .body(format!(
                r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{body}</e:Body></e:Envelope>"#
            ))
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let known = client(&dir, Some("client"));
    let (code, text) = soap(&known, "GetPaymentStatus");
    assert_eq!(code, 200, "{text}");
    let (code, text) = soap(&known, "SubmitPayment");
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("wsse:FailedAuthentication"), "{text}");
    let (code, text) = soap(&anonymous, "GetPaymentStatus");
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("wsse:FailedAuthentication"), "{text}");
    // An operation without scopes still needs a known caller.
    let (code, text) = soap(&known, "NotifyPaymentEvent");
    assert_eq!(code, 202, "{text}");
    let (code, text) = soap(&anonymous, "NotifyPaymentEvent");
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("wsse:FailedAuthentication"), "{text}");
    // Plain HTTP on the HTTPS port gets nothing useful.
    let plain = crate::serve::http()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send();
    assert!(plain.map(|r| r.status() != 200).unwrap_or(true));
}

/// `tls.client_crls` are checked before the listener starts: a CRL no
/// `client_ca` issued stops `serve` with a message naming the setting.
#[test]
fn client_crls_from_another_ca_stop_serve() {
    let dir = scratch();
    certificates(&dir);
    write(
        &dir,
        "server.yaml",
        "tls:\n  certificate: server.pem\n  key: server.key\n  client_ca: other-ca.pem\n  client_crls: [ca.crl]\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["serve", "--config"])
        .arg(dir.join("server.yaml"))
        .arg("--mappings")
        .arg(root().join("mappings"))
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .env("SOAPBRIDGE_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("client_crls: `ca.crl`: a CRL whose issuer is none of the trusted CAs"),
        "{text}"
    );
}

/// A client CRL replaced while serving takes effect on the next handshake:
/// no restart.
#[test]
fn a_replaced_client_crl_takes_effect_without_a_restart() {
    let dir = scratch();
    certificates(&dir);
    std::fs::copy(dir.join("ca-empty.crl"), dir.join("live.crl")).unwrap();
    write(
        &dir,
        "server.yaml",
        "tls:\n  certificate: server.pem\n  key: server.key\n  client_ca: ca.pem\n  client_auth: required\n  client_crls: [live.crl]\n",
    );
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(["serve", "--config"])
        .arg(dir.join("server.yaml"))
        .arg("--mappings")
        .arg(root().join("mappings"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args([
            "--demo",
            "--demo-listen",
            &format!("127.0.0.1:{}", free_port()),
        ])
        .env("SOAPBRIDGE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let _bridge = Bridge {
        child,
        url: format!("https://127.0.0.1:{port}"),
    };
    let health = |who: &str| {
        client(&dir, Some(who))
            .get(format!("https://127.0.0.1:{port}/healthz"))
            .send()
            .map(|r| r.status().as_u16())
    };
    let started = Instant::now();
    while health("client").is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(health("revoked").unwrap(), 200, "not revoked yet");
    // The CA's new CRL, written beside and renamed into place.
    std::fs::copy(dir.join("ca.crl"), dir.join("live.crl.new")).unwrap();
    std::fs::rename(dir.join("live.crl.new"), dir.join("live.crl")).unwrap();
    assert!(health("revoked").is_err(), "revoked: no handshake");
    assert_eq!(health("client").unwrap(), 200);
}
