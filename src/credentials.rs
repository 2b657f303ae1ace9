//! Credentials soapbridge presents to REST upstreams: a static bearer
//! token, or OAuth2 client credentials (RFC 6749 §4.4) with the access
//! token cached until shortly before it expires.
//!
//! One token request at a time per upstream: callers that find the cache
//! empty or stale wait on the same lock, so a burst after expiry costs one
//! request to the identity provider, not one per call. An upstream `401`
//! drops the cached token (it may have been revoked) and the call is tried
//! once more with a fresh one. Secrets never reach a log line or an error.

use std::time::{Duration, Instant};

use serde::Deserialize;

/// `upstream.oauth2` in a mapping.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2File {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: crate::secret::Secret,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Some providers (Auth0, ...) want the API named.
    pub audience: Option<String>,
    /// `basic` (client_secret_basic, the default) or `post`
    /// (client_secret_post).
    pub client_auth: Option<String>,
}

/// How a mapping's upstream calls are authenticated.
pub enum Outbound {
    Bearer(String),
    OAuth2(Box<OAuth2>),
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outbound::Bearer(_) => f.write_str("Bearer(..)"),
            Outbound::OAuth2(o) => write!(f, "OAuth2({})", o.token_url),
        }
    }
}

pub struct OAuth2 {
    token_url: url::Url,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    audience: Option<String>,
    post_secret: bool,
    cached: tokio::sync::Mutex<Option<(String, Instant)>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("the token service could not be reached: {0}")]
    Unreachable(String),
    #[error("the token service refused the client credentials (HTTP {0})")]
    Refused(u16),
    #[error("the token service's answer has no access_token")]
    BadAnswer,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Refresh this long before the provider's expiry, so a token never
/// expires on its way to the upstream.
const MARGIN: Duration = Duration::from_secs(30);
/// The longest a token is kept, in seconds.
const MAX_LIFE: u64 = 86_400;
/// The largest token answer read.
const MAX_ANSWER: usize = 64 << 10;

impl OAuth2 {
    pub fn new(f: &OAuth2File) -> Result<OAuth2, String> {
        let token_url = url::Url::parse(&f.token_url)
            .map_err(|e| format!("token_url: `{}` is not a URL: {e}", f.token_url))?;
        // The client secret travels in this request: TLS, except to a
        // token service on this machine.
        let loopback = match token_url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        if token_url.scheme() != "https" && !(token_url.scheme() == "http" && loopback) {
            return Err(format!(
                "token_url: `{}` must be https (http only to this machine)",
                f.token_url
            ));
        }
        let post_secret = match f.client_auth.as_deref() {
            None | Some("basic") => false,
            Some("post") => true,
            Some(other) => return Err(format!("client_auth: `{other}` is not basic or post")),
        };
        Ok(OAuth2 {
            token_url,
            client_id: f.client_id.clone(),
            client_secret: f.client_secret.expose().to_string(),
            scopes: f.scopes.clone(),
            audience: f.audience.clone(),
            post_secret,
            cached: tokio::sync::Mutex::new(None),
        })
    }

    /// A valid access token: the cached one, or a fresh one.
    pub async fn token(
        &self,
        client: &reqwest::Client,
        fresh: bool,
    ) -> Result<String, CredentialError> {
        let mut cached = self.cached.lock().await;
        if !fresh
            && let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let mut form: Vec<(&str, String)> = vec![("grant_type", "client_credentials".into())];
        if !self.scopes.is_empty() {
            form.push(("scope", self.scopes.join(" ")));
        }
        if let Some(a) = &self.audience {
            form.push(("audience", a.clone()));
        }
        let mut rb = client
            .post(self.token_url.clone())
            .timeout(Duration::from_secs(10))
            .header("Accept", "application/json");
        if self.post_secret {
            form.push(("client_id", self.client_id.clone()));
            form.push(("client_secret", self.client_secret.clone()));
        } else {
            rb = rb.basic_auth(&self.client_id, Some(&self.client_secret));
        }
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let resp = rb
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                CredentialError::Unreachable(if e.is_timeout() {
                    "timed out".into()
                } else {
                    "connection failed".into()
                })
            })?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            *cached = None;
            return Err(CredentialError::Refused(status));
        }
        // A token answer is small; a huge one is refused, not buffered.
        let mut resp = resp;
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|_| CredentialError::Unreachable("the answer was cut off".into()))?
        {
            if bytes.len() + chunk.len() > MAX_ANSWER {
                return Err(CredentialError::BadAnswer);
            }
            bytes.extend_from_slice(&chunk);
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&bytes).map_err(|_| CredentialError::BadAnswer)?;
        if answer.access_token.is_empty()
            || answer
                .token_type
                .as_deref()
                .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            return Err(CredentialError::BadAnswer);
        }
        // Without expires_in, keep it a minute: long enough to spare the
        // provider, short enough for a revoked token to go soon. Never
        // longer than a day, whatever the provider says.
        let life = Duration::from_secs(answer.expires_in.unwrap_or(60).min(MAX_LIFE));
        let now = Instant::now();
        let until = now
            .checked_add(life.saturating_sub(MARGIN).max(Duration::from_secs(1)))
            .unwrap_or(now);
        *cached = Some((answer.access_token.clone(), until));
        Ok(answer.access_token)
    }

    /// Forgets the cached token (the upstream said 401).
    pub async fn forget(&self) {
        *self.cached.lock().await = None;
    }
}

/// `application/x-www-form-urlencoded` values: all but RFC 3986's
/// unreserved characters escaped.
const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn form_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, FORM).to_string()
}

impl Outbound {
    /// The `Authorization` header value for the next upstream call.
    pub async fn authorization(
        &self,
        client: &reqwest::Client,
        fresh: bool,
    ) -> Result<String, CredentialError> {
        match self {
            Outbound::Bearer(t) => Ok(format!("Bearer {t}")),
            Outbound::OAuth2(o) => Ok(format!("Bearer {}", o.token(client, fresh).await?)),
        }
    }

    /// Whether a 401 is worth one more try with a fresh token.
    pub async fn after_unauthorized(&self) -> bool {
        match self {
            Outbound::Bearer(_) => false,
            Outbound::OAuth2(o) => {
                o.forget().await;
                true
            }
        }
    }
}
