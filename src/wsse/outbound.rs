//! WS-Security soapbridge sends to SOAP backends (flows B and C): a
//! `wsse:Security` header with a `wsu:Timestamp` and a UsernameToken
//! (PasswordDigest with a fresh random nonce, or PasswordText), made anew
//! for every attempt so that a retry is never a replay.

use base64::Engine;
use serde::Deserialize;

use super::time::{self, Millis};
use crate::ns::{WSSE, WSU};
use crate::xml::escape;

const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
const PASSWORD_DIGEST: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
const BASE64_BINARY: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";

/// `upstream.wsse` in a rest-to-soap mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundFile {
    pub username: String,
    pub password: String,
    /// PasswordDigest (the default) or PasswordText.
    #[serde(default = "yes")]
    pub digest: bool,
    /// How long the Timestamp is valid (`5m`); `none` sends no Timestamp.
    pub timestamp: Option<String>,
}

fn yes() -> bool {
    true
}

/// The header to send, checked.
pub struct Outbound {
    username: String,
    password: String,
    digest: bool,
    timestamp_ms: Option<i64>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("username", &self.username)
            .field("digest", &self.digest)
            .finish()
    }
}

impl Outbound {
    pub fn new(f: &OutboundFile) -> Result<Outbound, String> {
        let timestamp_ms = match f.timestamp.as_deref() {
            Some("none") => None,
            Some(t) => Some(
                crate::mapping::parse_duration(t)
                    .map_err(|e| format!("timestamp: {e}"))?
                    .as_millis() as i64,
            ),
            None => Some(300_000),
        };
        if f.password.is_empty() {
            return Err("password: empty".into());
        }
        Ok(Outbound {
            username: f.username.clone(),
            password: f.password.clone(),
            digest: f.digest,
            timestamp_ms,
        })
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
        s.push_str(r#"<wsse:UsernameToken><wsse:Username>"#);
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
            "<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
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
        Outbound::new(&OutboundFile {
            username: "bridge".into(),
            password: "s3cret<&>".into(),
            digest,
            timestamp: None,
        })
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
