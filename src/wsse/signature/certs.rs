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
    /// Subject and issuer names as DER (for matching CAs and CRLs).
    pub subject_raw: Vec<u8>,
    pub issuer_raw: Vec<u8>,
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
            subject_raw: x.subject().as_raw().to_vec(),
            issuer_raw: x.issuer().as_raw().to_vec(),
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
/// changes: operators replace a CRL when the CA reissues it, and a
/// revocation must not wait for a restart.
///
/// Each file keeps its own last good lists: a replacement that cannot be
/// read, is from a CA not trusted, or is already past its `nextUpdate` is
/// logged and leaves that file's previous lists in force (retried every
/// few seconds, and whenever the file changes again), while the other
/// files still update. When the lists in force pass their `nextUpdate`,
/// CA-issued certificates are refused until a current CRL arrives: fail
/// closed. Of several CRLs from one CA, only the newest (highest
/// `cRLNumber`, then latest `thisUpdate`) counts: webpki consults the
/// first CRL of an issuer it finds, and an older one still before its
/// `nextUpdate` would hide later revocations.
#[derive(Debug)]
pub struct Crls {
    files: Vec<std::path::PathBuf>,
    /// Raw subject names of the CAs a CRL may come from.
    issuers: Vec<Vec<u8>>,
    state: std::sync::RwLock<CrlState>,
}

/// One CRL as read, with what choosing among CRLs needs.
#[derive(Debug)]
pub struct CrlEntry {
    crl: webpki::CertRevocationList<'static>,
    der: Vec<u8>,
    issuer: Vec<u8>,
    /// `cRLNumber`, big-endian without leading zeros (empty: none).
    number: Vec<u8>,
    this_update: Millis,
}

impl CrlEntry {
    /// The CRL as read (for TLS stacks that take their own copy).
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// What identifies one version of a file: a replacement written in place
/// within one mtime tick still changes its size, inode or ctime.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    modified: Option<std::time::SystemTime>,
    ctime: (i64, i64),
    inode: u64,
    len: u64,
}

fn stamp(path: &std::path::Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: m.modified().ok(),
        ctime: (m.ctime(), m.ctime_nsec()),
        inode: m.ino(),
        len: m.len(),
    })
}

#[derive(Debug)]
struct FileState {
    /// The version last tried (read or failed).
    stamp: Option<Stamp>,
    /// The lists last read from it successfully.
    good: Vec<std::sync::Arc<CrlEntry>>,
    /// When the last try failed: tried again after [`RETRY`].
    failed: Option<std::time::Instant>,
}

#[derive(Debug)]
struct CrlState {
    files: Vec<FileState>,
    /// The newest CRL per issuer over all files: what checks use.
    lists: std::sync::Arc<Vec<std::sync::Arc<CrlEntry>>>,
}

const RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// The CRLs in one file, each checked: issued by one of `issuers`, and not
/// past its `nextUpdate` at `now`.
fn read_crls(
    path: &std::path::Path,
    issuers: &[Vec<u8>],
    now: Millis,
) -> Result<Vec<std::sync::Arc<CrlEntry>>, String> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let bytes = std::fs::read(path).map_err(|e| format!("`{name}` cannot be read: {e}"))?;
    let ders: Vec<Vec<u8>> = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        let mut v = Vec::new();
        for pem in x509_parser::pem::Pem::iter_from_buffer(&bytes) {
            let pem = pem.map_err(|_| format!("`{name}` is not valid PEM"))?;
            if pem.label == "X509 CRL" {
                v.push(pem.contents);
            }
        }
        if v.is_empty() {
            return Err(format!("`{name}` holds no `X509 CRL` PEM block"));
        }
        v
    } else {
        vec![bytes]
    };
    ders.iter()
        .map(|der| {
            let (_, parsed) = x509_parser::parse_x509_crl(der)
                .map_err(|e| format!("`{name}` is not a valid CRL: {e}"))?;
            let issuer = parsed.issuer().as_raw().to_vec();
            if !issuers.contains(&issuer) {
                return Err(format!(
                    "`{name}`: a CRL whose issuer is none of the trusted CAs"
                ));
            }
            let next = parsed
                .next_update()
                .map_or(Millis::MAX, |t| t.timestamp().saturating_mul(1000));
            if next < now {
                return Err(format!("`{name}`: a CRL past its nextUpdate (reissue it)"));
            }
            let number = parsed
                .crl_number()
                .map(|n| n.to_bytes_be())
                .unwrap_or_default();
            let crl = webpki::OwnedCertRevocationList::from_der(der)
                .map_err(|e| format!("`{name}` is not a CRL webpki accepts: {e:?}"))?;
            Ok(std::sync::Arc::new(CrlEntry {
                crl: crl.into(),
                der: der.clone(),
                issuer,
                number: number.into_iter().skip_while(|b| *b == 0).collect(),
                this_update: parsed.last_update().timestamp().saturating_mul(1000),
            }))
        })
        .collect()
}

/// The newest CRL of each issuer.
fn newest(files: &[FileState]) -> Vec<std::sync::Arc<CrlEntry>> {
    let mut best: Vec<std::sync::Arc<CrlEntry>> = Vec::new();
    for e in files.iter().flat_map(|f| f.good.iter()) {
        let key = |e: &CrlEntry| (e.number.len(), e.number.clone(), e.this_update);
        match best.iter_mut().find(|b| b.issuer == e.issuer) {
            Some(b) if key(e) > key(b) => *b = e.clone(),
            Some(_) => {}
            None => best.push(e.clone()),
        }
    }
    best
}

impl Crls {
    /// Reads the files, each of which must hold CRLs issued by one of
    /// `cas` and current at `now` (a stale CRL would refuse every
    /// CA-issued certificate: better said at start-up).
    pub fn load(files: Vec<std::path::PathBuf>, cas: &[Cert], now: Millis) -> Result<Crls, String> {
        let issuers: Vec<Vec<u8>> = cas.iter().map(|c| c.subject_raw.clone()).collect();
        let mut states = Vec::new();
        for f in &files {
            // The version is taken before reading: a change while reading
            // is seen as a change next time.
            let stamp = stamp(f);
            states.push(FileState {
                good: read_crls(f, &issuers, now)?,
                stamp,
                failed: None,
            });
        }
        Ok(Crls {
            state: std::sync::RwLock::new(CrlState {
                lists: std::sync::Arc::new(newest(&states)),
                files: states,
            }),
            issuers,
            files,
        })
    }

    /// Whether file `i` is due a (re)read given its version now.
    fn due(state: &CrlState, i: usize, now_stamp: &Option<Stamp>) -> bool {
        let f = &state.files[i];
        f.stamp != *now_stamp || f.failed.is_some_and(|t| t.elapsed() >= RETRY)
    }

    /// The lists in force, re-reading first the files that changed.
    pub fn current(&self, now: Millis) -> std::sync::Arc<Vec<std::sync::Arc<CrlEntry>>> {
        let stamps: Vec<Option<Stamp>> = self.files.iter().map(|f| stamp(f)).collect();
        {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            if !(0..self.files.len()).any(|i| Self::due(&state, i, &stamps[i])) {
                return state.lists.clone();
            }
        }
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        let mut changed = false;
        for (i, f) in self.files.iter().enumerate() {
            // Checked again under the lock: another thread may have
            // re-read it meanwhile.
            if !Self::due(&state, i, &stamps[i]) {
                continue;
            }
            let file = &mut state.files[i];
            file.stamp = stamps[i].clone();
            match read_crls(f, &self.issuers, now) {
                Ok(good) => {
                    tracing::info!(file = %f.display(), crls = good.len(), "CRL file re-read");
                    file.good = good;
                    file.failed = None;
                    changed = true;
                }
                Err(e) => {
                    tracing::error!(
                        file = %f.display(),
                        error = %e,
                        "a changed CRL file is not usable; the CRLs read from it before stay in force"
                    );
                    file.failed = Some(std::time::Instant::now());
                }
            }
        }
        if changed {
            state.lists = std::sync::Arc::new(newest(&state.files));
        }
        state.lists.clone()
    }
}

/// Whether a configured CA is the top of a chain (self-issued, or issued
/// by no other configured CA) rather than an intermediate.
pub fn is_anchor(c: &Cert, cas: &[Cert]) -> bool {
    c.issuer_raw == c.subject_raw || !cas.iter().any(|o| o.subject_raw == c.issuer_raw)
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
        // Anchors are the top of the configured chains: a CA another
        // configured CA issued is only an intermediate, so that its own
        // revocation (the CRL of its issuer) is checked too.
        let is_anchor = |c: &Cert| is_anchor(c, &self.cas);
        let anchors: Vec<TrustAnchor<'_>> = self
            .cas
            .iter()
            .filter(|c| is_anchor(c))
            .filter_map(|c| {
                webpki::anchor_from_trusted_cert(&CertificateDer::from(c.der.as_slice()))
                    .ok()
                    .map(|a| a.to_owned())
            })
            .collect();
        let intermediates: Vec<CertificateDer<'_>> = self
            .cas
            .iter()
            .filter(|c| !is_anchor(c))
            .map(|c| CertificateDer::from(c.der.as_slice()))
            .collect();
        let der = CertificateDer::from(cert.der.as_slice());
        let ee = webpki::EndEntityCert::try_from(&der)
            .map_err(|e| TrustError::Untrusted(cert.subject.clone(), e.to_string()))?;
        let secs = u64::try_from(now / 1000).unwrap_or_default();
        let lists = self.crls.as_ref().map(|c| c.current(now));
        let refs: Vec<&webpki::CertRevocationList<'_>> = lists
            .iter()
            .flat_map(|l| l.iter())
            .map(|e| &e.crl)
            .collect();
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
            // A CRL that does not verify (wrong key, not a CRL signer,
            // unsupported) leaves the status unknown: refused as such.
            webpki::Error::CertRevoked
            | webpki::Error::UnknownRevocationStatus
            | webpki::Error::CrlExpired { .. }
            | webpki::Error::InvalidCrlSignatureForPublicKey
            | webpki::Error::IssuerNotCrlSigner
            | webpki::Error::UnsupportedCrlSignatureAlgorithmContext(_)
            | webpki::Error::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_)
            | webpki::Error::UnsupportedCrlVersion
            | webpki::Error::UnsupportedDeltaCrl
            | webpki::Error::UnsupportedIndirectCrl
            | webpki::Error::UnsupportedRevocationReasonsPartitioning
            | webpki::Error::UnsupportedCrlIssuingDistributionPoint => {
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
