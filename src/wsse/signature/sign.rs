//! Signing a SOAP envelope the WS-Security way: a `wsse:Security` header
//! with a `wsu:Timestamp`, the certificate as a `BinarySecurityToken` (or
//! a key identifier naming it), and a `ds:Signature` over the Body and the
//! Timestamp (RSA-SHA256 or ECDSA-SHA256, SHA-256 digests, exclusive
//! C14N). We write the template ourselves and let xmlsec fill in the
//! digests and the signature value.
//!
//! Used for the facade's responses (`security.sign_responses`) and by the
//! tests to sign requests. Like verification, it runs on the calling
//! thread (libxml2 documents are not `Send`).

use base64::Engine;

use super::certs::Cert;
use super::{DS, ECDSA_SHA256, EXC_C14N, RSA_SHA1, RSA_SHA256, SHA1, SHA256, THUMBPRINT_SHA1};
use super::{X509_SKI, X509V3};
use crate::ns::{WSSE, WSU};
use crate::wsse::BASE64_BINARY;
use crate::wsse::time::{Millis, format};

/// How the signature's `KeyInfo` names the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRef {
    /// A `wsse:Reference` to a BinarySecurityToken carrying it.
    Bst,
    /// `wsse:KeyIdentifier` X509SubjectKeyIdentifier.
    Ski,
    /// `wsse:KeyIdentifier` ThumbprintSHA1.
    Thumbprint,
    /// `ds:X509Data/ds:X509IssuerSerial`.
    IssuerSerial,
}

/// A signing key and its certificate.
pub struct Signer {
    key_pem: Vec<u8>,
    pub cert: Cert,
}

impl std::fmt::Debug for Signer {
    // Never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("cert", &self.cert).finish()
    }
}

/// What to sign and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub key_ref: KeyRef,
    /// The Timestamp's lifetime.
    pub ttl_ms: i64,
    /// RSA-SHA1 with SHA-1 digests (only for peers that need it).
    pub sha1: bool,
    /// More tokens for the same Security header, after the certificate
    /// (an outbound UsernameToken): one header, as the profile wants.
    pub extra: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            key_ref: KeyRef::Bst,
            ttl_ms: 300_000,
            sha1: false,
            extra: String::new(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    #[error("the private key cannot be read (PEM, unencrypted, RSA or EC): {0}")]
    Key(String),
    #[error("the private key does not belong to the certificate")]
    Mismatch,
    #[error("the envelope cannot be signed: {0}")]
    Envelope(String),
    #[error("xmlsec could not sign: {0}")]
    Xmlsec(String),
}

impl Signer {
    /// A PEM private key and its certificate; checked by signing a probe
    /// and verifying it with the certificate.
    pub fn new(key_pem: Vec<u8>, cert: Cert) -> Result<Signer, SignError> {
        super::xmlsec_init::once();
        xmlsec::XmlSecKey::from_memory(&key_pem, xmlsec::XmlSecKeyFormat::Pem, None)
            .map_err(|e| SignError::Key(e.to_string()))?;
        let signer = Signer { key_pem, cert };
        let probe = format!(
            r#"<s:Envelope xmlns:s="{}"><s:Body><probe/></s:Body></s:Envelope>"#,
            crate::ns::SOAP11_ENV
        );
        let now = crate::wsse::time::now();
        let signed = signer.sign(&probe, &Options::default(), now)?;
        let check = super::SignaturePolicy {
            required: true,
            trust: super::certs::TrustStore {
                cas: Vec::new(),
                signers: vec![super::certs::Signer {
                    cert: signer.cert.clone(),
                    client: "self".into(),
                    scopes: Vec::new(),
                }],
                crls: None,
            },
            sign: vec![super::Part::Body],
            allow_sha1: false,
        };
        match check.verify(
            &signed,
            now.clamp(signer.cert.not_before, signer.cert.not_after),
        ) {
            Ok(Some(_)) => Ok(signer),
            _ => Err(SignError::Mismatch),
        }
    }

    /// Adds a signed `wsse:Security` header to a SOAP envelope.
    pub fn sign(&self, envelope: &str, opts: &Options, now: Millis) -> Result<String, SignError> {
        let text = self.template(envelope, opts, now)?;
        let _quiet = super::xmlsec_init::LibxmlErrorsToLog::install();
        let (doc, _) = super::parse_doc(&text).map_err(|e| SignError::Envelope(e.why))?;
        super::register_ids(&doc).map_err(SignError::Envelope)?;
        let root = doc
            .get_root_element()
            .ok_or_else(|| SignError::Envelope("no root".into()))?;
        let mut all = Vec::new();
        super::walk(&root, &mut all);
        let sig = all
            .iter()
            .find(|e| e.ns == DS && e.local == "Signature")
            .map(|e| e.node.clone())
            .ok_or_else(|| SignError::Envelope("no signature template".into()))?;
        let key = xmlsec::XmlSecKey::from_memory(&self.key_pem, xmlsec::XmlSecKeyFormat::Pem, None)
            .map_err(|e| SignError::Key(e.to_string()))?;
        let mut ctx = xmlsec::XmlSecSignatureContext::new();
        ctx.insert_key(key);
        ctx.sign_node(&sig)
            .map_err(|e| SignError::Xmlsec(e.to_string()))?;
        let opts = libxml::tree::document::SaveOptions {
            no_declaration: false,
            ..Default::default()
        };
        Ok(doc.to_string_with_options(opts))
    }

    /// The envelope with our Security header (Timestamp, token, Signature
    /// template) and a `wsu:Id` on the Body.
    fn template(&self, envelope: &str, opts: &Options, now: Millis) -> Result<String, SignError> {
        let bad = |m: &str| SignError::Envelope(m.to_string());
        // The envelope's prefix, from its start tag.
        let start = envelope.find('<').ok_or_else(|| bad("no element"))?;
        let mut at = start;
        // Skip an XML declaration and comments.
        while envelope[at..].starts_with("<?") || envelope[at..].starts_with("<!--") {
            let end = if envelope[at..].starts_with("<?") {
                "?>"
            } else {
                "-->"
            };
            let close = envelope[at..]
                .find(end)
                .ok_or_else(|| bad("unterminated prolog"))?;
            at = envelope[at + close..]
                .find('<')
                .map(|i| at + close + i)
                .ok_or_else(|| bad("no element"))?;
        }
        let tag_end = envelope[at..]
            .find([' ', '>', '\t', '\n', '\r', '/'])
            .ok_or_else(|| bad("no root tag"))?;
        let root = &envelope[at + 1..at + tag_end];
        let prefix = match root.split_once(':') {
            Some((p, "Envelope")) => format!("{p}:"),
            None if root == "Envelope" => String::new(),
            _ => return Err(bad("the root is not an Envelope")),
        };
        let uid = unique();
        let body_id = format!("id-body-{uid}");
        let ts_id = format!("id-ts-{uid}");
        let bst_id = format!("id-x509-{uid}");
        let body_open = format!("<{prefix}Body");
        let body_at = envelope.find(&body_open).ok_or_else(|| bad("no Body"))?;
        let (alg, digest) = match (self.cert.ec, opts.sha1) {
            (true, _) => (ECDSA_SHA256, SHA256),
            (false, false) => (RSA_SHA256, SHA256),
            (false, true) => (RSA_SHA1, SHA1),
        };
        let reference = |id: &str| {
            format!(
                r##"<ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="{EXC_C14N}"/></ds:Transforms><ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue></ds:DigestValue></ds:Reference>"##
            )
        };
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let (token, key_ref) = match opts.key_ref {
            KeyRef::Bst => (
                format!(
                    r#"<wsse:BinarySecurityToken EncodingType="{BASE64_BINARY}" ValueType="{X509V3}" wsu:Id="{bst_id}">{}</wsse:BinarySecurityToken>"#,
                    self.cert.base64()
                ),
                format!(r##"<wsse:Reference URI="#{bst_id}" ValueType="{X509V3}"/>"##),
            ),
            KeyRef::Ski => {
                let ski = self
                    .cert
                    .ski
                    .as_ref()
                    .ok_or_else(|| bad("the certificate has no subject key identifier"))?;
                (
                    String::new(),
                    format!(
                        r#"<wsse:KeyIdentifier EncodingType="{BASE64_BINARY}" ValueType="{X509_SKI}">{}</wsse:KeyIdentifier>"#,
                        b64(ski)
                    ),
                )
            }
            KeyRef::Thumbprint => (
                String::new(),
                format!(
                    r#"<wsse:KeyIdentifier EncodingType="{BASE64_BINARY}" ValueType="{THUMBPRINT_SHA1}">{}</wsse:KeyIdentifier>"#,
                    b64(&self.cert.thumbprint)
                ),
            ),
            KeyRef::IssuerSerial => {
                let mut issuer = String::new();
                crate::xml::escape::text(&mut issuer, &self.cert.issuer);
                (
                    String::new(),
                    format!(
                        "<ds:X509Data><ds:X509IssuerSerial><ds:X509IssuerName>{issuer}</ds:X509IssuerName><ds:X509SerialNumber>{}</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data>",
                        self.cert.serial
                    ),
                )
            }
        };
        let security = format!(
            r#"<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsu:Timestamp wsu:Id="{ts_id}"><wsu:Created>{}</wsu:Created><wsu:Expires>{}</wsu:Expires></wsu:Timestamp>{token}{}<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/><ds:SignatureMethod Algorithm="{alg}"/>{}{}</ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><wsse:SecurityTokenReference>{key_ref}</wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature></wsse:Security>"#,
            format(now),
            format(now + opts.ttl_ms),
            opts.extra,
            reference(&body_id),
            reference(&ts_id),
        );
        let mut out = String::with_capacity(envelope.len() + security.len() + 2048);
        let header_open = format!("<{prefix}Header");
        match envelope[..body_at].find(&header_open) {
            Some(h) => {
                let gt = envelope[h..]
                    .find('>')
                    .map(|i| h + i)
                    .ok_or_else(|| bad("unterminated Header"))?;
                if envelope[..gt].ends_with('/') {
                    out.push_str(&envelope[..gt - 1]);
                    out.push('>');
                    out.push_str(&security);
                    out.push_str(&format!("</{prefix}Header>"));
                } else {
                    out.push_str(&envelope[..=gt]);
                    out.push_str(&security);
                }
                out.push_str(&envelope[gt + 1..body_at]);
            }
            None => {
                out.push_str(&envelope[..body_at]);
                out.push_str(&format!("<{prefix}Header>{security}</{prefix}Header>"));
            }
        }
        out.push_str(&body_open);
        out.push_str(&format!(r#" xmlns:wsu="{WSU}" wsu:Id="{body_id}""#));
        out.push_str(&envelope[body_at + body_open.len()..]);
        Ok(out)
    }
}

/// A per-process unique token for the Ids we write.
fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{:x}{:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
