//! The HTTPS listener: rustls with the ring provider (the tree's one TLS
//! stack), the bridge's certificate and key from PEM files, and, for
//! mutual TLS, client certificates verified against a configured CA. A
//! verified client certificate is kept with the connection
//! ([`PeerCertificate`]) so that it can stand for the caller's identity.

use std::any::Any;
use std::path::Path;
use std::sync::Arc;

use actix_web::dev::Extensions;

use crate::wsse::signature::certs::{Cert, Crls, is_anchor};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

/// The DER of the client certificate the TLS handshake verified.
#[derive(Clone)]
pub struct PeerCertificate(pub Vec<u8>);

/// Whether clients must present a certificate (`client_ca` set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    Optional,
    Required,
}

fn certificates(file: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", file.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no PEM certificate", file.display()));
    }
    Ok(certs)
}

/// The rustls server configuration for `cert`/`key`, and with `client_ca`
/// verification of client certificates. With `client_crls`, a client
/// certificate must also be covered by a current CRL of its issuer and not
/// be on it (read at start-up: a new CRL needs a restart here, unlike the
/// XML Signature CRLs, which are re-read when they change).
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<(&Path, ClientAuth)>,
    client_crls: &[std::path::PathBuf],
) -> Result<rustls::ServerConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certificates(cert)?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("{}: no PEM private key ({e})", key.display()))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    if client_ca.is_none() && !client_crls.is_empty() {
        return Err("client_crls: give the client_ca they belong to".into());
    }
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some((ca, mode)) => {
            let cas = certificates(ca)?;
            // With CRLs, checked as the XML Signature CRLs are (issuer,
            // nextUpdate, the newest per CA), and a CA another one in
            // `client_ca` issued is an intermediate, not a root: its own
            // revocation is checked too (clients send it in their chain).
            let parsed: Vec<Cert> = cas
                .iter()
                .map(|c| Cert::from_der(c.as_ref()).map_err(|e| format!("{}: {e}", ca.display())))
                .collect::<Result<_, _>>()?;
            let crls = if client_crls.is_empty() {
                None
            } else {
                let loaded = Crls::load(client_crls.to_vec(), &parsed, crate::wsse::time::now())
                    .map_err(|e| format!("client_crls: {e}"))?;
                Some(loaded.ders())
            };
            let mut roots = rustls::RootCertStore::empty();
            for (c, p) in cas.into_iter().zip(&parsed) {
                if crls.is_none() || is_anchor(p, &parsed) {
                    roots.add(c).map_err(|e| format!("{}: {e}", ca.display()))?;
                }
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            );
            let verifier = match mode {
                ClientAuth::Required => verifier,
                ClientAuth::Optional => verifier.allow_unauthenticated(),
            };
            let verifier = match crls {
                None => verifier,
                Some(ders) => verifier
                    .with_crls(ders.into_iter().map(CertificateRevocationListDer::from))
                    .enforce_revocation_expiration(),
            }
            .build()
            .map_err(|e| format!("client_ca: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| format!("certificate and key: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `HttpServer::on_connect`: keeps a verified client certificate.
pub fn on_connect(conn: &dyn Any, ext: &mut Extensions) {
    type Tls = actix_tls::accept::rustls_0_23::TlsStream<actix_web::rt::net::TcpStream>;
    if let Some(tls) = conn.downcast_ref::<Tls>() {
        let (_, session) = tls.get_ref();
        if let Some(leaf) = session.peer_certificates().and_then(|c| c.first()) {
            ext.insert(PeerCertificate(leaf.to_vec()));
        }
    }
}

/// The subject common name of a DER certificate.
pub fn subject_cn(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
}
