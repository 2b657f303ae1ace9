//! WS-Security on the SOAP facade (inbound): the `wsse:Security` header's
//! UsernameToken (PasswordText and PasswordDigest, nonce replay cache,
//! `wsu:Created` freshness) and `wsu:Timestamp`, checked before anything
//! else is done with a request, and the caller's identity for
//! authorization per operation.
//!
//! Failures are answered with the WS-Security fault codes and their
//! standard fault strings only ([`Code`]); which check failed (unknown
//! user, wrong password, replayed nonce...) goes to the log with the
//! request id, never to the caller, so a caller cannot probe for user
//! names. Passwords are compared in constant time, and a wrong user name
//! costs the same comparison as a wrong password.

pub mod outbound;
pub mod signature;
pub mod time;

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use subtle::ConstantTimeEq;

use crate::ns::{WSSE, WSU};
use crate::wsdl::model::SoapVersion;
use crate::xml::Element;
use time::Millis;

const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
const PASSWORD_DIGEST: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
pub(crate) const BASE64_BINARY: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";

/// The WS-Security 1.0 fault codes (`wsse:` QNames), with the fault
/// strings the standard gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    UnsupportedSecurityToken,
    UnsupportedAlgorithm,
    InvalidSecurity,
    InvalidSecurityToken,
    FailedAuthentication,
    FailedCheck,
    SecurityTokenUnavailable,
    MessageExpired,
}

impl Code {
    pub fn local(self) -> &'static str {
        match self {
            Code::UnsupportedSecurityToken => "UnsupportedSecurityToken",
            Code::UnsupportedAlgorithm => "UnsupportedAlgorithm",
            Code::InvalidSecurity => "InvalidSecurity",
            Code::InvalidSecurityToken => "InvalidSecurityToken",
            Code::FailedAuthentication => "FailedAuthentication",
            Code::FailedCheck => "FailedCheck",
            Code::SecurityTokenUnavailable => "SecurityTokenUnavailable",
            Code::MessageExpired => "MessageExpired",
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Code::UnsupportedSecurityToken => "An unsupported token was provided",
            Code::UnsupportedAlgorithm => {
                "An unsupported signature or encryption algorithm was used"
            }
            Code::InvalidSecurity => {
                "An error was discovered processing the <wsse:Security> header"
            }
            Code::InvalidSecurityToken => "An invalid security token was provided",
            Code::FailedAuthentication => {
                "The security token could not be authenticated or authorized"
            }
            Code::FailedCheck => "The signature or decryption was invalid",
            Code::SecurityTokenUnavailable => "Referenced security token could not be retrieved",
            Code::MessageExpired => "The message has expired",
        }
    }
}

/// A refused `wsse:Security` header: the code the caller sees, and why
/// (for the log only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {why}", code.local())]
pub struct WsseError {
    pub code: Code,
    pub why: String,
}

fn refuse(code: Code, why: impl Into<String>) -> WsseError {
    WsseError {
        code,
        why: why.into(),
    }
}

/// A user a UsernameToken may name.
pub struct User {
    pub name: String,
    pub password: String,
    pub scopes: Vec<String>,
}

/// What a SOAP facade requires of the `wsse:Security` header.
pub struct InboundPolicy {
    /// Who may call; empty: no UsernameToken is asked for.
    pub users: Vec<User>,
    /// Refuse PasswordText (only digests travel).
    pub digest_only: bool,
    /// A `wsu:Timestamp` must be present.
    pub timestamp_required: bool,
    /// How old a `wsu:Created` may be, and how long nonces are remembered.
    pub max_age_ms: i64,
    /// Clock difference tolerated with callers.
    pub skew_ms: i64,
    /// X.509 XML Signature requirements (`security.signature`).
    pub signature: Option<std::sync::Arc<signature::SignaturePolicy>>,
    /// A verified TLS client certificate may name the caller
    /// (`security.client_certificates`).
    pub client_certificates: bool,
    nonces: NonceCache,
}

impl std::fmt::Debug for InboundPolicy {
    // Never the passwords.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundPolicy")
            .field(
                "users",
                &self.users.iter().map(|u| &u.name).collect::<Vec<_>>(),
            )
            .field("digest_only", &self.digest_only)
            .field("timestamp_required", &self.timestamp_required)
            .field("max_age_ms", &self.max_age_ms)
            .field("skew_ms", &self.skew_ms)
            .field("signature", &self.signature)
            .finish()
    }
}

/// Nonces seen within their freshness window. Bounded: when full of
/// still-fresh nonces, new tokens are refused (fail closed) rather than a
/// replay let through.
struct NonceCache {
    seen: Mutex<HashMap<Vec<u8>, Millis>>,
    capacity: usize,
}

impl NonceCache {
    /// Records `nonce` until `until`; `false` if it was already there.
    fn fresh(&self, nonce: Vec<u8>, now: Millis, until: Millis) -> Result<bool, WsseError> {
        let mut seen = self.seen.lock().expect("nonce cache");
        if let Some(&expiry) = seen.get(&nonce)
            && expiry >= now
        {
            return Ok(false);
        }
        if seen.len() >= self.capacity {
            seen.retain(|_, expiry| *expiry >= now);
            if seen.len() >= self.capacity {
                return Err(refuse(
                    Code::FailedAuthentication,
                    "the nonce cache is full of fresh nonces; refusing until some expire",
                ));
            }
        }
        seen.insert(nonce, until);
        Ok(true)
    }
}

/// What a verified header established.
#[derive(Debug, Default)]
pub struct Verified {
    /// The UsernameToken's user.
    pub identity: Option<crate::auth::Identity>,
}

impl InboundPolicy {
    pub fn new(
        users: Vec<User>,
        digest_only: bool,
        timestamp_required: bool,
        max_age_ms: i64,
        skew_ms: i64,
    ) -> InboundPolicy {
        InboundPolicy {
            users,
            digest_only,
            timestamp_required,
            max_age_ms,
            skew_ms,
            signature: None,
            client_certificates: false,
            nonces: NonceCache {
                seen: Mutex::new(HashMap::new()),
                capacity: 200_000,
            },
        }
    }

    /// Checks the envelope's `wsse:Security` header against the policy.
    pub fn verify(
        &self,
        env: &Element,
        env_ns: &str,
        version: SoapVersion,
        now: Millis,
    ) -> Result<Verified, WsseError> {
        let security = security_header(env, env_ns, version)?;
        let needed = !self.users.is_empty() || self.timestamp_required;
        let Some(security) = security else {
            if needed {
                return Err(refuse(Code::InvalidSecurity, "no wsse:Security header"));
            }
            return Ok(Verified::default());
        };
        let mut tokens = security
            .children
            .iter()
            .filter(|c| c.is(WSSE, "UsernameToken"));
        let token = tokens.next();
        if tokens.next().is_some() {
            return Err(refuse(Code::InvalidSecurity, "more than one UsernameToken"));
        }
        let mut stamps = security.children.iter().filter(|c| c.is(WSU, "Timestamp"));
        let stamp = stamps.next();
        if stamps.next().is_some() {
            return Err(refuse(Code::InvalidSecurity, "more than one wsu:Timestamp"));
        }
        match stamp {
            Some(t) => self.timestamp(t, now)?,
            None if self.timestamp_required => {
                return Err(refuse(Code::InvalidSecurity, "no wsu:Timestamp"));
            }
            None => {}
        }
        let identity = match (token, self.users.is_empty()) {
            (Some(t), false) => Some(self.username_token(t, now)?),
            (None, false) => {
                return Err(refuse(Code::InvalidSecurity, "no UsernameToken"));
            }
            (_, true) => None,
        };
        Ok(Verified { identity })
    }

    fn fresh_created(&self, text: &str, now: Millis, what: &str) -> Result<Millis, WsseError> {
        let created = time::parse(text).ok_or_else(|| {
            refuse(
                Code::InvalidSecurity,
                format!("{what} is not a UTC dateTime"),
            )
        })?;
        if created > now + self.skew_ms {
            return Err(refuse(
                Code::MessageExpired,
                format!("{what} is in the future"),
            ));
        }
        if now - created > self.max_age_ms + self.skew_ms {
            return Err(refuse(Code::MessageExpired, format!("{what} is too old")));
        }
        Ok(created)
    }

    fn timestamp(&self, t: &Element, now: Millis) -> Result<(), WsseError> {
        let one = |local: &str| -> Result<Option<&Element>, WsseError> {
            let mut it = t.children.iter().filter(|c| c.is(WSU, local));
            let first = it.next();
            if it.next().is_some() {
                return Err(refuse(
                    Code::InvalidSecurity,
                    format!("wsu:Timestamp has more than one {local}"),
                ));
            }
            Ok(first)
        };
        // Basic Security Profile: a Timestamp has exactly one Created.
        let created = one("Created")?
            .ok_or_else(|| refuse(Code::InvalidSecurity, "wsu:Timestamp has no Created"))?;
        let created = self.fresh_created(&created.deep_text(), now, "Timestamp/Created")?;
        if let Some(expires) = one("Expires")? {
            let expires = time::parse(&expires.deep_text()).ok_or_else(|| {
                refuse(
                    Code::InvalidSecurity,
                    "Timestamp/Expires is not a UTC dateTime",
                )
            })?;
            if expires <= created {
                return Err(refuse(
                    Code::InvalidSecurity,
                    "Timestamp expires before it is created",
                ));
            }
            if now > expires + self.skew_ms {
                return Err(refuse(Code::MessageExpired, "Timestamp/Expires has passed"));
            }
        }
        Ok(())
    }

    fn username_token(&self, t: &Element, now: Millis) -> Result<crate::auth::Identity, WsseError> {
        let one = |ns: &str, local: &str| -> Result<Option<&Element>, WsseError> {
            let mut it = t.children.iter().filter(|c| c.is(ns, local));
            let first = it.next();
            if it.next().is_some() {
                return Err(refuse(
                    Code::InvalidSecurityToken,
                    format!("UsernameToken has more than one {local}"),
                ));
            }
            Ok(first)
        };
        let name = one(WSSE, "Username")?
            .ok_or_else(|| refuse(Code::InvalidSecurityToken, "UsernameToken has no Username"))?
            .deep_text();
        let name = name.trim();
        let password = one(WSSE, "Password")?
            .ok_or_else(|| refuse(Code::InvalidSecurityToken, "UsernameToken has no Password"))?;
        let digest = match password.attr("Type").map(str::trim) {
            None | Some(PASSWORD_TEXT) => false,
            Some(PASSWORD_DIGEST) => true,
            Some(other) => {
                return Err(refuse(
                    Code::UnsupportedSecurityToken,
                    format!("password type {other}"),
                ));
            }
        };
        if !digest && self.digest_only {
            return Err(refuse(
                Code::UnsupportedSecurityToken,
                "PasswordText is refused (digest_only)",
            ));
        }
        let nonce = match one(WSSE, "Nonce")? {
            Some(n) => {
                if n.attr("EncodingType")
                    .is_some_and(|e| e.trim() != BASE64_BINARY)
                {
                    return Err(refuse(
                        Code::UnsupportedSecurityToken,
                        "Nonce is not Base64Binary",
                    ));
                }
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(n.deep_text().trim())
                    .map_err(|_| refuse(Code::InvalidSecurityToken, "Nonce is not base64"))?;
                if raw.is_empty() {
                    return Err(refuse(Code::InvalidSecurityToken, "Nonce is empty"));
                }
                Some(raw)
            }
            None => None,
        };
        let created_text = one(WSU, "Created")?.map(|c| c.deep_text());
        if digest && (nonce.is_none() || created_text.is_none()) {
            return Err(refuse(
                Code::InvalidSecurityToken,
                "a PasswordDigest needs a Nonce and a Created",
            ));
        }
        let created = match &created_text {
            Some(c) => Some(self.fresh_created(c, now, "UsernameToken/Created")?),
            None => None,
        };
        // The same comparison whether or not the user exists.
        let user = self.users.iter().find(|u| u.name == name);
        let secret = user
            .map(|u| u.password.as_str())
            .unwrap_or("\u{0}no-such-user");
        let presented = password.deep_text();
        let ok = if digest {
            use sha1::Digest;
            let mut h = sha1::Sha1::new();
            h.update(nonce.as_deref().unwrap_or_default());
            h.update(created_text.as_deref().unwrap_or_default().as_bytes());
            h.update(secret.as_bytes());
            let expected = base64::engine::general_purpose::STANDARD.encode(h.finalize());
            bool::from(expected.as_bytes().ct_eq(presented.trim().as_bytes()))
        } else {
            // Digests of equal length: the time says nothing about the
            // password's length or how much of it matched.
            use sha2::Digest as _;
            let want = sha2::Sha256::digest(secret.as_bytes());
            let got = sha2::Sha256::digest(presented.as_bytes());
            bool::from(want.ct_eq(&got))
        };
        let Some(user) = user.filter(|_| ok) else {
            return Err(refuse(
                Code::FailedAuthentication,
                format!("user `{name}`: unknown, or the password does not match"),
            ));
        };
        if let Some(n) = nonce {
            // Remembered while its Created is fresh: a replay in that window
            // is refused, a later one is refused as too old.
            let until = created.unwrap_or(now) + self.max_age_ms + self.skew_ms;
            let mut key = name.as_bytes().to_vec();
            key.push(0);
            key.extend_from_slice(&n);
            if !self.nonces.fresh(key, now, until)? {
                return Err(refuse(
                    Code::FailedAuthentication,
                    format!("user `{name}`: the nonce was used before (replay)"),
                ));
            }
        }
        Ok(crate::auth::Identity {
            client: user.name.clone(),
            scopes: user.scopes.iter().cloned().collect(),
            via: "username-token",
        })
    }
}

impl InboundPolicy {
    /// Refuses a signed message seen before: its `ds:SignatureValue` is
    /// remembered like a nonce, for `max_age` plus `clock_skew` (a signed
    /// Timestamp older than that is refused anyway).
    pub fn fresh_signature(
        &self,
        env: &Element,
        env_ns: &str,
        version: SoapVersion,
        now: Millis,
    ) -> Result<(), WsseError> {
        let Some(security) = security_header(env, env_ns, version)? else {
            return Ok(());
        };
        let Some(value) = security
            .children
            .iter()
            .find(|c| c.is(crate::ns::DS, "Signature"))
            .and_then(|s| s.child(crate::ns::DS, "SignatureValue"))
        else {
            return Ok(());
        };
        let mut key = b"sig\0".to_vec();
        key.extend(
            value
                .deep_text()
                .bytes()
                .filter(|b| !b.is_ascii_whitespace()),
        );
        if self
            .nonces
            .fresh(key, now, now + self.max_age_ms + self.skew_ms)?
        {
            Ok(())
        } else {
            Err(refuse(
                Code::FailedAuthentication,
                "this signed message was seen before (replay)",
            ))
        }
    }
}

/// The `wsse:Security` header aimed at this node (no actor/role, or
/// next/ultimate receiver); two of them is an error.
fn security_header<'e>(
    env: &'e Element,
    env_ns: &str,
    version: SoapVersion,
) -> Result<Option<&'e Element>, WsseError> {
    let Some(header) = env.child(env_ns, "Header") else {
        return Ok(None);
    };
    let mut found = None;
    for block in header.children.iter().filter(|b| b.is(WSSE, "Security")) {
        let ours = match version {
            SoapVersion::V11 => block
                .attr_ns(env_ns, "actor")
                .is_none_or(|a| a.trim() == "http://schemas.xmlsoap.org/soap/actor/next"),
            SoapVersion::V12 => block.attr_ns(env_ns, "role").is_none_or(|r| {
                matches!(
                    r.trim(),
                    "http://www.w3.org/2003/05/soap-envelope/role/next"
                        | "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"
                )
            }),
        };
        if ours {
            if found.is_some() {
                return Err(refuse(
                    Code::InvalidSecurity,
                    "more than one wsse:Security header for this node",
                ));
            }
            found = Some(block);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests;
