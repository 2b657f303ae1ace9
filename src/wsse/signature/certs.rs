//! Certificates for XML Signature: reading PEM files, the facts a
//! `wsse:SecurityTokenReference` can name a certificate by (Subject Key
//! Identifier, issuer and serial number, SHA-1 thumbprint), and trust: a
//! certificate is trusted when it is one of the configured signer
//! certificates, or when it chains (webpki, on ring) to a configured CA
//! and is within its validity period. With CRLs configured (`crls`), every
//! certificate in the chain below the CA must also be covered by a current
//! CRL of its issuer and not be on it.

use base64::Engine;
use pki_types::{CertificateDer, TrustAnchor, UnixTime};
use sha1::Digest;

use super::super::time::Millis;

/// A parsed X.509 certificate: its DER and what references match on.
#[derive(Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    /// RFC 4514-ish subject, for logs and identities.
    pub subject: String,
    /// The issuer's name, as x509-parser writes it.
    pub issuer: String,
    /// Issuer attributes, normalized for comparison with `ds:X509IssuerName`.
    issuer_key: Vec<String>,
    /// Serial number in decimal (as `ds:X509SerialNumber` writes it).
    pub serial: String,
    /// The Subject Key Identifier extension, when present.
    pub ski: Option<Vec<u8>>,
    /// SHA-1 of the DER (`ThumbprintSHA1`).
    pub thumbprint: [u8; 20],
    /// The SubjectPublicKeyInfo DER (what xmlsec verifies with).
    pub spki: Vec<u8>,
    /// Validity, milliseconds since the epoch.
    pub not_before: Millis,
    pub not_after: Millis,
    pub is_ca: bool,
    /// An EC key (ECDSA), else RSA.
    pub ec: bool,
}

impl std::fmt::Debug for Cert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cert")
            .field("subject", &self.subject)
            .field("serial", &self.serial)
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertError {
    #[error("not a PEM file with a certificate")]
    NoPem,
    #[error("not a valid X.509 certificate: {0}")]
    Invalid(String),
}

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Cert, CertError> {
        let (rest, x) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| CertError::Invalid(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertError::Invalid(
                "trailing bytes after the certificate".into(),
            ));
        }
        let ski = x
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => {
                    Some(k.0.to_vec())
                }
                _ => None,
            });
        let is_ca = x
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|b| b.value.ca);
        let validity = x.validity();
        Ok(Cert {
            der: der.to_vec(),
            subject: x.subject().to_string(),
            issuer: x.issuer().to_string(),
            issuer_key: name_key(&x.issuer().to_string()),
            serial: x.tbs_certificate.serial.to_string(),
            ski,
            thumbprint: sha1::Sha1::digest(der).into(),
            spki: x.public_key().raw.to_vec(),
            not_before: validity.not_before.timestamp().saturating_mul(1000),
            not_after: validity.not_after.timestamp().saturating_mul(1000),
            is_ca,
            ec: x.public_key().algorithm.algorithm.to_id_string() == "1.2.840.10045.2.1",
        })
    }

    /// Every certificate in a PEM text (at least one).
    pub fn from_pem(text: &[u8]) -> Result<Vec<Cert>, CertError> {
        let mut out = Vec::new();
        for pem in x509_parser::pem::Pem::iter_from_buffer(text) {
            let pem = pem.map_err(|_| CertError::NoPem)?;
            if pem.label != "CERTIFICATE" {
                continue;
            }
            out.push(Cert::from_der(&pem.contents)?);
        }
        if out.is_empty() {
            return Err(CertError::NoPem);
        }
        Ok(out)
    }

    pub fn valid_at(&self, now: Millis) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// `ds:X509IssuerName` + `ds:X509SerialNumber` name this certificate.
    pub fn matches_issuer_serial(&self, issuer: &str, serial: &str) -> bool {
        let serial = serial.trim().trim_start_matches('+');
        let serial = serial.trim_start_matches('0');
        let own = self.serial.trim_start_matches('0');
        serial == own && name_key(issuer) == self.issuer_key
    }

    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }
}

/// A distinguished name as a sorted list of `TYPE=value` pairs, so that
/// RFC 2253 order (most specific first) and X.500 order compare equal and
/// spacing and attribute-type spelling do not matter.
fn name_key(dn: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' || c == ';' || c == '+' {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    let mut out: Vec<String> = parts
        .iter()
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            let k = match k.trim().to_ascii_uppercase().as_str() {
                "2.5.4.3" => "CN".to_string(),
                "2.5.4.10" => "O".to_string(),
                "2.5.4.11" => "OU".to_string(),
                "2.5.4.6" => "C".to_string(),
                "2.5.4.7" => "L".to_string(),
                "2.5.4.8" | "S" => "ST".to_string(),
                "EMAIL" | "E" | "1.2.840.113549.1.9.1" => "EMAILADDRESS".to_string(),
                other => other.to_string(),
            };
            Some(format!("{k}={}", v.trim()))
        })
        .collect();
    out.sort();
    out
}

/// Certificates the configuration trusts.
#[derive(Debug, Default)]
pub struct TrustStore {
    /// Certificate authorities: a message's certificate must chain to one.
    pub cas: Vec<Cert>,
    /// Certificates trusted as they are (whether or not a CA issued them).
    pub signers: Vec<Signer>,
    /// Revocation lists of the CAs; none configured: no revocation check.
    pub crls: Option<Crls>,
}

/// Certificate revocation lists (PEM or DER files), re-read when a file
/// changes: operators replace a CRL in place when it is reissued, and a
/// revocation must not wait for a restart. A file that cannot be re-read
/// leaves the lists last read in force (and is logged); when those pass
/// their `nextUpdate`, CA-issued certificates are refused until a current
/// CRL arrives: fail closed.
#[derive(Debug)]
pub struct Crls {
    files: Vec<std::path::PathBuf>,
    state: std::sync::RwLock<CrlState>,
}

#[derive(Debug)]
struct CrlState {
    stamps: Vec<Option<std::time::SystemTime>>,
    lists: std::sync::Arc<Vec<webpki::CertRevocationList<'static>>>,
}

fn stamp(path: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The CRLs in one file, with their issuers' names (raw DER).
fn read_crls(
    path: &std::path::Path,
) -> Result<Vec<(webpki::OwnedCertRevocationList, Vec<u8>, Millis)>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
    let ders: Vec<Vec<u8>> = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        let mut v = Vec::new();
        for pem in x509_parser::pem::Pem::iter_from_buffer(&bytes) {
            let pem = pem.map_err(|_| "is not valid PEM".to_string())?;
            if pem.label == "X509 CRL" {
                v.push(pem.contents);
            }
        }
        if v.is_empty() {
            return Err("holds no `X509 CRL` PEM block".into());
        }
        v
    } else {
        vec![bytes]
    };
    ders.iter()
        .map(|der| {
            let (_, parsed) =
                x509_parser::parse_x509_crl(der).map_err(|e| format!("is not a valid CRL: {e}"))?;
            let next = parsed
                .next_update()
                .map_or(Millis::MAX, |t| t.timestamp().saturating_mul(1000));
            let issuer = parsed.issuer().as_raw().to_vec();
            let crl = webpki::OwnedCertRevocationList::from_der(der)
                .map_err(|e| format!("is not a CRL webpki accepts: {e:?}"))?;
            Ok((crl, issuer, next))
        })
        .collect()
}

impl Crls {
    /// Reads the files, each of which must hold CRLs issued by one of
    /// `cas` and current at `now` (a stale CRL would refuse every
    /// CA-issued certificate: better said at start-up).
    pub fn load(files: Vec<std::path::PathBuf>, cas: &[Cert], now: Millis) -> Result<Crls, String> {
        let subjects: Vec<Vec<u8>> = cas
            .iter()
            .filter_map(|c| {
                x509_parser::parse_x509_certificate(&c.der)
                    .ok()
                    .map(|(_, x)| x.subject().as_raw().to_vec())
            })
            .collect();
        let mut lists = Vec::new();
        for f in &files {
            let name = f
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            for (crl, issuer, next) in read_crls(f).map_err(|e| format!("`{name}` {e}"))? {
                if !subjects.contains(&issuer) {
                    return Err(format!(
                        "`{name}`: a CRL whose issuer is none of the trusted CAs"
                    ));
                }
                if next < now {
                    return Err(format!("`{name}`: a CRL past its nextUpdate (reissue it)"));
                }
                lists.push(crl.into());
            }
        }
        Ok(Crls {
            state: std::sync::RwLock::new(CrlState {
                stamps: files.iter().map(|f| stamp(f)).collect(),
                lists: std::sync::Arc::new(lists),
            }),
            files,
        })
    }

    /// The lists in force, re-read first if a file changed.
    fn current(&self) -> std::sync::Arc<Vec<webpki::CertRevocationList<'static>>> {
        let stamps: Vec<_> = self.files.iter().map(|f| stamp(f)).collect();
        {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            if state.stamps == stamps {
                return state.lists.clone();
            }
        }
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        let mut lists = Vec::new();
        for f in &self.files {
            match read_crls(f) {
                Ok(v) => lists.extend(v.into_iter().map(|(crl, ..)| crl.into())),
                Err(e) => {
                    tracing::error!(
                        file = %f.display(),
                        error = %e,
                        "a changed CRL file cannot be read; the CRLs read before stay in force"
                    );
                    // Not retried on every request: only when it changes again.
                    state.stamps = stamps;
                    return state.lists.clone();
                }
            }
        }
        tracing::info!(crls = lists.len(), "CRLs re-read");
        state.stamps = stamps;
        state.lists = std::sync::Arc::new(lists);
        state.lists.clone()
    }
}

/// A configured signer certificate and who it stands for.
#[derive(Debug, Clone)]
pub struct Signer {
    pub cert: Cert,
    pub client: String,
    pub scopes: Vec<String>,
}

/// Why a certificate is not trusted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TrustError {
    #[error("the certificate `{0}` is outside its validity period")]
    Expired(String),
    #[error("the certificate `{0}` does not chain to a configured CA: {1}")]
    Untrusted(String, String),
    #[error("the certificate `{0}` is revoked, or its revocation status is unknown: {1}")]
    Revoked(String, String),
}

/// Any extended key usage is accepted: WS-Security signing certificates
/// carry anything from none to emailProtection or clientAuth.
struct AnyEku;

impl webpki::ExtendedKeyUsageValidator for AnyEku {
    fn validate(&self, _: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

impl TrustStore {
    /// The configured signer with exactly this certificate.
    pub fn signer_of(&self, der: &[u8]) -> Option<&Signer> {
        self.signers.iter().find(|s| s.cert.der == der)
    }

    /// Checks a certificate a message brought (or a key identifier named).
    pub fn check(&self, cert: &Cert, now: Millis) -> Result<(), TrustError> {
        if !cert.valid_at(now) {
            return Err(TrustError::Expired(cert.subject.clone()));
        }
        if self.signer_of(&cert.der).is_some() {
            return Ok(());
        }
        if self.cas.is_empty() {
            return Err(TrustError::Untrusted(
                cert.subject.clone(),
                "no CA is configured and it is not a configured signer".into(),
            ));
        }
        let anchors: Vec<TrustAnchor<'_>> = self
            .cas
            .iter()
            .filter_map(|c| {
                webpki::anchor_from_trusted_cert(&CertificateDer::from(c.der.as_slice()))
                    .ok()
                    .map(|a| a.to_owned())
            })
            .collect();
        let intermediates: Vec<CertificateDer<'_>> = self
            .cas
            .iter()
            .map(|c| CertificateDer::from(c.der.as_slice()))
            .collect();
        let der = CertificateDer::from(cert.der.as_slice());
        let ee = webpki::EndEntityCert::try_from(&der)
            .map_err(|e| TrustError::Untrusted(cert.subject.clone(), e.to_string()))?;
        let secs = u64::try_from(now / 1000).unwrap_or_default();
        let lists = self.crls.as_ref().map(Crls::current);
        let refs: Vec<&webpki::CertRevocationList<'_>> =
            lists.iter().flat_map(|l| l.iter()).collect();
        // Every certificate below the CA must be covered by a current CRL
        // of its issuer: unknown status and a CRL past nextUpdate refuse.
        let revocation = match (&self.crls, webpki::RevocationOptionsBuilder::new(&refs)) {
            (None, _) => None,
            (Some(_), Ok(b)) => Some(
                b.with_depth(webpki::RevocationCheckDepth::Chain)
                    .with_status_policy(webpki::UnknownStatusPolicy::Deny)
                    .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
                    .build(),
            ),
            (Some(_), Err(_)) => {
                return Err(TrustError::Revoked(
                    cert.subject.clone(),
                    "no CRL could be read".into(),
                ));
            }
        };
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &intermediates,
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs)),
            AnyEku,
            revocation,
            None,
        )
        .map(|_| ())
        .map_err(|e| match e {
            webpki::Error::CertRevoked
            | webpki::Error::UnknownRevocationStatus
            | webpki::Error::CrlExpired { .. } => {
                TrustError::Revoked(cert.subject.clone(), e.to_string())
            }
            _ => TrustError::Untrusted(cert.subject.clone(), e.to_string()),
        })
    }

    /// The configured certificate a key identifier names.
    pub fn by_ski(&self, ski: &[u8]) -> Option<&Cert> {
        self.known().find(|c| c.ski.as_deref() == Some(ski))
    }

    pub fn by_thumbprint(&self, sha1: &[u8]) -> Option<&Cert> {
        self.known().find(|c| c.thumbprint.as_slice() == sha1)
    }

    pub fn by_issuer_serial(&self, issuer: &str, serial: &str) -> Option<&Cert> {
        self.known()
            .find(|c| c.matches_issuer_serial(issuer, serial))
    }

    /// Certificates a key identifier may name: the configured signers
    /// (CAs never sign messages).
    fn known(&self) -> impl Iterator<Item = &Cert> {
        self.signers.iter().map(|s| &s.cert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_in_either_order() {
        assert_eq!(
            name_key("CN=Partner CA, O=Example, C=CL"),
            name_key("C=CL,O=Example,CN=Partner CA")
        );
        assert_eq!(
            name_key("E=a@b.c,CN=x"),
            name_key("CN=x, emailAddress=a@b.c")
        );
        assert_ne!(name_key("CN=a"), name_key("CN=b"));
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(Cert::from_pem(b"hello").unwrap_err(), CertError::NoPem);
        assert!(Cert::from_der(b"\x30\x03\x02\x01\x01").is_err());
    }
}
