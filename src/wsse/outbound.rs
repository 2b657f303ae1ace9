//! WS-Security soapbridge sends to SOAP backends (flows B and C): a
//! `wsse:Security` header with a `wsu:Timestamp`, a UsernameToken
//! (PasswordDigest with a fresh random nonce, or PasswordText) and/or an
//! X.509 signature over Body and Timestamp, made anew for every attempt so
//! that a retry is never a replay; and the check of the backend's signed
//! answers (`verify_responses`), where unsigned faults may be let through
//! because many stacks never sign them.

use base64::Engine;
use serde::Deserialize;

use super::time::{self, Millis};
use crate::ns::{WSSE, WSU};
use crate::xml::escape;

const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
const PASSWORD_DIGEST: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
const BASE64_BINARY: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";

/// `upstream.wsse` in a rest-to-soap mapping.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundFile {
    /// A UsernameToken (with `password`); optional when signing.
    pub username: Option<String>,
    pub password: Option<crate::secret::Secret>,
    /// PasswordDigest (the default) or PasswordText.
    #[serde(default = "yes")]
    pub digest: bool,
    /// How long the Timestamp is valid (`5m`); `none` sends no Timestamp
    /// (not with `sign`, which always signs one).
    pub timestamp: Option<String>,
    /// Sign each request (Body and Timestamp) with this key and
    /// certificate (`key`, `certificate`, PEM, relative to the mapping).
    pub sign: Option<crate::mapping::SignResponsesFile>,
    /// How the signature names the certificate: `bst` (a
    /// BinarySecurityToken, the default), `ski`, `thumbprint` or
    /// `issuer_serial`.
    pub key_ref: Option<String>,
    /// Require the backend's answers to be signed by a trusted
    /// certificate (`trusted_ca`, `signers`, `sign`, `allow_sha1`, as in
    /// `security.signature`).
    pub verify_responses: Option<crate::mapping::SignatureFile>,
    /// With `verify_responses`: accept a fault without a signature (many
    /// stacks never sign faults). A signed fault is still verified.
    #[serde(default)]
    pub accept_unsigned_faults: bool,
}

fn yes() -> bool {
    true
}

/// The WS-Security of a backend's calls, checked.
pub struct Outbound {
    username: String,
    password: String,
    token: bool,
    digest: bool,
    timestamp_ms: Option<i64>,
    signer: Option<(
        super::signature::sign::Signer,
        super::signature::sign::KeyRef,
    )>,
    verify: Option<super::signature::SignaturePolicy>,
    accept_unsigned_faults: bool,
    /// A verified answer's Timestamp must be fresh (5 minutes, 1 minute
    /// of skew): an old signed answer replayed is refused.
    freshness: super::InboundPolicy,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("username", &self.username)
            .field("digest", &self.digest)
            .field("signs", &self.signer.is_some())
            .field("verifies", &self.verify.is_some())
            .finish()
    }
}

impl Outbound {
    /// Checks `upstream.wsse` (files relative to `dir`); problems go to
    /// `problem`.
    pub fn new(
        f: &OutboundFile,
        dir: &std::path::Path,
        problem: &mut dyn FnMut(String),
    ) -> Option<Outbound> {
        let mut ok = true;
        let timestamp_ms = match f.timestamp.as_deref() {
            Some("none") => None,
            Some(t) => match crate::mapping::parse_duration(t) {
                Ok(d) => Some(d.as_millis() as i64),
                Err(e) => {
                    problem(format!("upstream.wsse.timestamp: {e}"));
                    ok = false;
                    None
                }
            },
            None => Some(300_000),
        };
        let token = match (&f.username, &f.password) {
            (Some(_), Some(p)) if p.expose().is_empty() => {
                problem("upstream.wsse.password: empty".into());
                ok = false;
                false
            }
            (Some(_), Some(_)) => true,
            (None, None) => false,
            _ => {
                problem("upstream.wsse: a UsernameToken needs `username` and `password`".into());
                ok = false;
                false
            }
        };
        let key_ref = match f.key_ref.as_deref() {
            None | Some("bst") => super::signature::sign::KeyRef::Bst,
            Some("ski") => super::signature::sign::KeyRef::Ski,
            Some("thumbprint") => super::signature::sign::KeyRef::Thumbprint,
            Some("issuer_serial") => super::signature::sign::KeyRef::IssuerSerial,
            Some(other) => {
                problem(format!(
                    "upstream.wsse.key_ref: `{other}` is not bst, ski, thumbprint or issuer_serial"
                ));
                ok = false;
                super::signature::sign::KeyRef::Bst
            }
        };
        let signer = match &f.sign {
            Some(s) => match crate::mapping::response_signer(s, dir, "upstream.wsse.sign", problem)
            {
                Some(signer) => Some((signer, key_ref)),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if !token && signer.is_none() {
            problem(
                "upstream.wsse: give a UsernameToken (`username`, `password`) or `sign`".into(),
            );
            ok = false;
        }
        let verify = match &f.verify_responses {
            Some(v) => match crate::mapping::signature_policy(
                v,
                dir,
                "upstream.wsse.verify_responses",
                problem,
            ) {
                Some(mut p) => {
                    p.required = true;
                    Some(p)
                }
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        ok.then(|| Outbound {
            username: f.username.clone().unwrap_or_default(),
            password: f
                .password
                .as_ref()
                .map(|p| p.expose().to_string())
                .unwrap_or_default(),
            token,
            digest: f.digest,
            timestamp_ms,
            signer,
            verify,
            accept_unsigned_faults: f.accept_unsigned_faults,
            freshness: super::InboundPolicy::new(Vec::new(), false, true, 300_000, 60_000),
        })
    }

    /// `envelope` with this backend's WS-Security added: a UsernameToken
    /// and Timestamp, or a signature (and the UsernameToken in the same
    /// header). Runs libxml when signing: call it off the async threads.
    pub fn secure(&self, envelope: &[u8], now: Millis) -> Result<Vec<u8>, String> {
        let Some((signer, key_ref)) = &self.signer else {
            return with_header_block(envelope, |p| self.header(p, now))
                .ok_or_else(|| "the WS-Security header could not be added".to_string());
        };
        let text = std::str::from_utf8(envelope).map_err(|_| "the envelope is not UTF-8")?;
        let extra = if self.token {
            self.username_token(now)
                .ok_or("no randomness for a nonce")?
        } else {
            String::new()
        };
        let opts = super::signature::sign::Options {
            key_ref: *key_ref,
            ttl_ms: self.timestamp_ms.unwrap_or(300_000),
            extra,
            ..Default::default()
        };
        signer
            .sign(text, &opts, now)
            .map(String::into_bytes)
            .map_err(|e| e.to_string())
    }

    /// Whether the backend's answers must be checked (`verify_responses`).
    pub fn verifies(&self) -> bool {
        self.verify.is_some()
    }

    /// Checks a backend answer's signature. `fault`: the answer is a SOAP
    /// fault (an unsigned one passes with `accept_unsigned_faults`).
    pub fn check_answer(
        &self,
        body: &[u8],
        content_type: Option<&str>,
        fault: bool,
        now: Millis,
    ) -> Result<(), String> {
        let Some(policy) = &self.verify else {
            return Ok(());
        };
        // Verified as UTF-8, so translated as UTF-8: a charset elsewhere
        // (the unsigned Content-Type, the declaration) could make the same
        // bytes say something else.
        let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8")?;
        let named = |s: &str| {
            let l = s.to_ascii_lowercase();
            l.split("charset=")
                .nth(1)
                .or_else(|| l.split("encoding=").nth(1))
                .map(|v| {
                    v.trim_start_matches(['"', '\''])
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
        };
        let declaration = text
            .strip_prefix("<?xml")
            .and_then(|t| t.split_once("?>"))
            .map(|(d, _)| d);
        for label in [content_type.and_then(named), declaration.and_then(named)]
            .into_iter()
            .flatten()
        {
            if label != "utf-8" && label != "utf8" {
                return Err(format!("a signed answer must be UTF-8, not {label}"));
            }
        }
        if fault && self.accept_unsigned_faults && !text.contains(crate::ns::DS) {
            return Ok(());
        }
        policy.verify(text, now).map_err(|e| e.to_string())?;
        // The signature covers the Timestamp (`sign` includes it by
        // default); it must also be recent.
        let tree = crate::xml::parse(text, &crate::xml::Limits::default())
            .map_err(|e| format!("the answer is not XML: {}", e.kind))?;
        let (ns, version) = if tree.name.ns == crate::ns::SOAP12_ENV {
            (crate::ns::SOAP12_ENV, crate::wsdl::model::SoapVersion::V12)
        } else {
            (crate::ns::SOAP11_ENV, crate::wsdl::model::SoapVersion::V11)
        };
        self.freshness
            .verify(&tree, ns, version, now)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The `wsse:Security` block, for an envelope whose SOAP prefix is
    /// `env_prefix`, at `now`. `None` when the system has no randomness for
    /// a nonce (a predictable nonce would make a captured header
    /// replayable, so nothing is sent).
    pub fn header(&self, env_prefix: &str, now: Millis) -> Option<String> {
        let created = time::format(now);
        let mut s = format!(
            r#"<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" {env_prefix}:mustUnderstand="1">"#
        );
        if let Some(ttl) = self.timestamp_ms {
            s.push_str(&format!(
                r#"<wsu:Timestamp wsu:Id="TS-{now}"><wsu:Created>{created}</wsu:Created><wsu:Expires>{}</wsu:Expires></wsu:Timestamp>"#,
                time::format(now + ttl)
            ));
        }
        if self.token {
            s.push_str(&self.username_token(now)?);
        }
        s.push_str("</wsse:Security>");
        Some(s)
    }

    /// The `wsse:UsernameToken` element (its prefixes declared by the
    /// enclosing Security header).
    fn username_token(&self, now: Millis) -> Option<String> {
        let created = time::format(now);
        let mut s = String::from(r#"<wsse:UsernameToken><wsse:Username>"#);
        escape::text(&mut s, &self.username);
        s.push_str("</wsse:Username>");
        let b64 = base64::engine::general_purpose::STANDARD;
        if self.digest {
            let mut nonce = [0u8; 16];
            getrandom::fill(&mut nonce).ok()?;
            use sha1::Digest;
            let mut h = sha1::Sha1::new();
            h.update(nonce);
            h.update(created.as_bytes());
            h.update(self.password.as_bytes());
            s.push_str(&format!(
                r#"<wsse:Password Type="{PASSWORD_DIGEST}">{}</wsse:Password><wsse:Nonce EncodingType="{BASE64_BINARY}">{}</wsse:Nonce>"#,
                b64.encode(h.finalize()),
                b64.encode(nonce)
            ));
        } else {
            s.push_str(&format!(r#"<wsse:Password Type="{PASSWORD_TEXT}">"#));
            escape::text(&mut s, &self.password);
            s.push_str("</wsse:Password>");
        }
        s.push_str(&format!(
            "<wsu:Created>{created}</wsu:Created></wsse:UsernameToken>"
        ));
        Some(s)
    }
}

/// `envelope` (as soapbridge writes it) with `block` as the first header
/// block: into its `Header`, or a new `Header` before the `Body`. `None` if
/// the text is not an envelope of that shape.
pub fn with_header_block(
    envelope: &[u8],
    block: impl FnOnce(&str) -> Option<String>,
) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(envelope).ok()?;
    // The Envelope's start tag: skip an XML declaration.
    let mut start = text.find('<')?;
    if text[start..].starts_with("<?") {
        start += text[start..].find("?>")? + 2;
        start += text[start..].find('<')?;
    }
    let tag_end = start + text[start..].find('>')? + 1;
    let name = text[start + 1..tag_end]
        .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .next()?;
    let prefix = name
        .strip_suffix("Envelope")?
        .strip_suffix(':')
        .unwrap_or("");
    if prefix.is_empty() {
        return None;
    }
    let block = block(prefix)?;
    let rest = &text[tag_end..];
    let open = format!("<{prefix}:Header");
    let mut out = String::with_capacity(text.len() + block.len() + 64);
    out.push_str(&text[..tag_end]);
    if rest.starts_with(&open) {
        let h_end = rest.find('>')? + 1;
        if rest[..h_end].ends_with("/>") {
            out.push_str(&format!("<{prefix}:Header>{block}</{prefix}:Header>"));
        } else {
            out.push_str(&rest[..h_end]);
            out.push_str(&block);
        }
        out.push_str(&rest[h_end..]);
    } else {
        out.push_str(&format!("<{prefix}:Header>{block}</{prefix}:Header>"));
        out.push_str(rest);
    }
    Some(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbound(digest: bool) -> Outbound {
        Outbound::new(
            &OutboundFile {
                username: Some("bridge".into()),
                password: Some("s3cret<&>".into()),
                digest,
                timestamp: None,
                sign: None,
                key_ref: None,
                verify_responses: None,
                accept_unsigned_faults: false,
            },
            std::path::Path::new("."),
            &mut |m| panic!("{m}"),
        )
        .unwrap()
    }

    #[test]
    fn our_own_inbound_check_accepts_what_we_send() {
        let now = time::now();
        let policy = super::super::InboundPolicy::new(
            vec![super::super::User {
                name: "bridge".into(),
                password: "s3cret<&>".into(),
                scopes: vec![],
            }],
            false,
            true,
            300_000,
            60_000,
        );
        for digest in [true, false] {
            let env = br#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x/></soap:Body></soap:Envelope>"#;
            let o = outbound(digest);
            let signed = with_header_block(env, |p| o.header(p, now)).unwrap();
            let text = String::from_utf8(signed).unwrap();
            assert!(!digest || !text.contains("s3cret"), "{text}");
            let tree = crate::xml::parse(&text, &crate::xml::Limits::default()).unwrap();
            let v = policy
                .verify(
                    &tree,
                    crate::ns::SOAP11_ENV,
                    crate::wsdl::model::SoapVersion::V11,
                    now,
                )
                .unwrap();
            assert_eq!(v.identity.unwrap().client, "bridge");
        }
    }

    #[test]
    fn the_block_goes_into_an_existing_header_or_a_new_one() {
        let with =
            br#"<s:Envelope xmlns:s="urn:e"><s:Header><h/></s:Header><s:Body/></s:Envelope>"#;
        let out = with_header_block(with, |p| Some(format!("<{p}:X/>"))).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<s:Envelope xmlns:s="urn:e"><s:Header><s:X/><h/></s:Header><s:Body/></s:Envelope>"#
        );
        let without = br#"<s:Envelope xmlns:s="urn:e"><s:Body/></s:Envelope>"#;
        let out = with_header_block(without, |p| Some(format!("<{p}:X/>"))).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<s:Envelope xmlns:s="urn:e"><s:Header><s:X/></s:Header><s:Body/></s:Envelope>"#
        );
        assert!(with_header_block(b"<Envelope/>", |_| Some(String::new())).is_none());
    }

    #[test]
    fn each_header_has_a_fresh_nonce() {
        let o = outbound(true);
        let a = o.header("s", 1_000);
        let b = o.header("s", 1_000);
        assert_ne!(a, b);
    }
}
