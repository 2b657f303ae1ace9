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
use rustls::server::danger::ClientCertVerifier;

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

/// How client certificates are verified: against `roots`, in `mode`, and
/// with CRLs when `crls` is set.
#[derive(Debug)]
struct VerifierSpec {
    roots: Arc<rustls::RootCertStore>,
    provider: Arc<rustls::crypto::CryptoProvider>,
    mode: ClientAuth,
}

impl VerifierSpec {
    fn build(&self, crls: Option<&CrlLists>) -> Result<Arc<dyn ClientCertVerifier>, String> {
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            self.roots.clone(),
            self.provider.clone(),
        );
        let verifier = match self.mode {
            ClientAuth::Required => verifier,
            ClientAuth::Optional => verifier.allow_unauthenticated(),
        };
        match crls {
            None => verifier,
            Some(lists) => verifier
                .with_crls(
                    lists
                        .iter()
                        .map(|e| CertificateRevocationListDer::from(e.der().to_vec())),
                )
                .enforce_revocation_expiration(),
        }
        .build()
        .map_err(|e| format!("client_ca: {e}"))
    }
}

/// A client certificate verifier whose CRLs follow their files, as the XML
/// Signature CRLs do ([`Crls`]: re-read when a file changes, each file's
/// last good lists kept): when the lists in force change, the webpki
/// verifier is rebuilt for the next handshake. Everything but the
/// certificate check goes to the verifier built at start-up.
#[derive(Debug)]
struct CrlFollowingVerifier {
    spec: VerifierSpec,
    crls: Crls,
    base: Arc<dyn ClientCertVerifier>,
    /// The lists the current verifier was built with, and it.
    current: std::sync::RwLock<(CrlLists, Arc<dyn ClientCertVerifier>)>,
}

type CrlLists = Arc<Vec<Arc<crate::wsse::signature::certs::CrlEntry>>>;

impl CrlFollowingVerifier {
    fn verifier(&self) -> Arc<dyn ClientCertVerifier> {
        let lists = self.crls.current(crate::wsse::time::now());
        {
            let current = self.current.read().unwrap_or_else(|p| p.into_inner());
            if Arc::ptr_eq(&current.0, &lists) {
                return current.1.clone();
            }
        }
        match self.spec.build(Some(&lists)) {
            Ok(v) => {
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = (lists, v.clone());
                v
            }
            Err(e) => {
                tracing::error!(error = %e, "client CRLs changed but cannot be used; the previous ones stay in force");
                self.current
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .1
                    .clone()
            }
        }
    }
}

impl ClientCertVerifier for CrlFollowingVerifier {
    fn offer_client_auth(&self) -> bool {
        self.base.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.base.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.base.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        self.verifier()
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.base.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.base.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.base.supported_verify_schemes()
    }
}

/// The rustls server configuration for `cert`/`key`, and with `client_ca`
/// verification of client certificates. With `client_crls`, a client
/// certificate must also be covered by a current CRL of its issuer and not
/// be on it; the files are checked at start-up as the XML Signature CRLs
/// are and followed the same way when they change.
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
            // With CRLs, a CA another one in `client_ca` issued is an
            // intermediate, not a root: its own revocation is checked too
            // (clients send it in their chain).
            let parsed: Vec<Cert> = cas
                .iter()
                .map(|c| Cert::from_der(c.as_ref()).map_err(|e| format!("{}: {e}", ca.display())))
                .collect::<Result<_, _>>()?;
            let crls = if client_crls.is_empty() {
                None
            } else {
                Some(
                    Crls::load(client_crls.to_vec(), &parsed, crate::wsse::time::now())
                        .map_err(|e| format!("client_crls: {e}"))?,
                )
            };
            let mut roots = rustls::RootCertStore::empty();
            for (c, p) in cas.into_iter().zip(&parsed) {
                if crls.is_none() || is_anchor(p, &parsed) {
                    roots.add(c).map_err(|e| format!("{}: {e}", ca.display()))?;
                }
            }
            let spec = VerifierSpec {
                roots: Arc::new(roots),
                provider,
                mode,
            };
            let verifier: Arc<dyn ClientCertVerifier> = match crls {
                None => spec.build(None)?,
                Some(crls) => {
                    let lists = crls.current(crate::wsse::time::now());
                    let first = spec.build(Some(&lists))?;
                    Arc::new(CrlFollowingVerifier {
                        base: first.clone(),
                        current: std::sync::RwLock::new((lists, first)),
                        spec,
                        crls,
                    })
                }
            };
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
