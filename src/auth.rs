//! Who is calling, and may they: API keys and JWT bearer tokens for the
//! REST facade (and the queue-publishing routes behind it), mapped to a
//! client identity with scopes that each mapping operation can require.
//!
//! Decisions worth knowing:
//! - API keys are configured as their SHA-256 digests, never in clear; a
//!   presented key is hashed and compared with every configured digest in
//!   constant time, so neither the config file nor timing gives a key away.
//! - A JWT's `alg` must be one the config allows *and* the one its key was
//!   configured for: HS256 keys are only ever the configured secret, RSA/EC
//!   keys only ever verify RS/ES signatures (no algorithm confusion, no
//!   `none`). `exp` is required; `nbf`, `iss` and `aud` are checked.
//! - An unauthenticated caller learns only that credentials are missing or
//!   invalid (RFC 6750's `invalid_token`); which check failed goes to the
//!   log with the request id. An authenticated caller without a scope is
//!   told which scope the operation needs (`insufficient_scope`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `auth:` in the server config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default)]
    pub api_keys: Vec<ApiKeyConfig>,
    pub jwt: Option<JwtConfig>,
    /// Mutual-TLS client certificates (verified against `tls.client_ca`)
    /// standing for a client.
    #[serde(default)]
    pub client_certificates: Vec<ClientCertConfig>,
}

/// A client known by its TLS certificate: by subject common name, or
/// pinned by the SHA-256 of the certificate (hex).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientCertConfig {
    pub client: String,
    pub subject_cn: Option<String>,
    pub sha256: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// One API key, as its digest: `printf %s "$KEY" | sha256sum`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// The client identity the key stands for (logs, authorization).
    pub client: String,
    /// Hex SHA-256 of the key.
    pub sha256: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// Bearer tokens from an identity provider.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// Accepted `alg` values (HS256, RS256, ES256, ...); nothing else is.
    pub algorithms: Vec<String>,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Accepted `aud` values; when set, the token must name one of them.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Verification keys: a JWKS file (keys by `kid`), PEM public keys
    /// (RSA or EC), and/or an HS256 secret (at least 32 bytes).
    pub jwks_file: Option<PathBuf>,
    #[serde(default)]
    pub public_key_files: Vec<PathBuf>,
    pub hs256_secret: Option<crate::secret::Secret>,
    /// Clock skew allowed on `exp`/`nbf`, seconds (default 30).
    pub leeway: Option<u64>,
    /// The claim holding scopes: a space-separated string (`scope`, the
    /// default) or an array (`scp`, `roles`).
    pub scope_claim: Option<String>,
    /// The claim naming the client (default `sub`).
    pub client_claim: Option<String>,
}

/// A caller, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub client: String,
    pub scopes: BTreeSet<String>,
    /// `api-key` or `jwt`.
    pub via: &'static str,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("no credentials")]
    Missing,
    /// The reason is for the log only; the caller gets a generic answer.
    #[error("invalid credentials: {0}")]
    Invalid(String),
    #[error("the operation needs scope `{0}`")]
    MissingScope(String),
}

/// Why the `auth:` settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("auth.api_keys[{0}].sha256 is not 64 hex digits (the key's SHA-256)")]
    BadDigest(usize),
    #[error("auth.jwt.algorithms: `{0}` is not a JWT algorithm soapbridge verifies")]
    BadAlgorithm(String),
    #[error("auth.jwt: {0}")]
    Jwt(String),
    #[error("auth.client_certificates[{0}]: give subject_cn or sha256 (64 hex digits)")]
    BadClientCert(usize),
}

struct ClientCert {
    client: String,
    subject_cn: Option<String>,
    sha256: Option<[u8; 32]>,
    scopes: BTreeSet<String>,
}

struct ApiKey {
    client: String,
    digest: [u8; 32],
    scopes: BTreeSet<String>,
}

struct JwtKey {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

struct Jwt {
    keys: Vec<JwtKey>,
    issuer: Option<String>,
    audience: Vec<String>,
    leeway: u64,
    scope_claim: String,
    client_claim: String,
}

/// Verifies credentials against the configured keys and tokens.
#[derive(Default)]
pub struct Authenticator {
    api_keys: Vec<ApiKey>,
    jwt: Option<Jwt>,
    client_certs: Vec<ClientCert>,
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

fn algorithm(name: &str) -> Option<Algorithm> {
    use Algorithm::*;
    Some(match name {
        "HS256" => HS256,
        "HS384" => HS384,
        "HS512" => HS512,
        "RS256" => RS256,
        "RS384" => RS384,
        "RS512" => RS512,
        "PS256" => PS256,
        "PS384" => PS384,
        "PS512" => PS512,
        "ES256" => ES256,
        "ES384" => ES384,
        _ => return None,
    })
}

impl Authenticator {
    /// Reads and checks the `auth:` settings; relative files are resolved
    /// against `dir` (the config file's folder).
    pub fn from_config(c: &AuthConfig, dir: &Path) -> Result<Authenticator, AuthConfigError> {
        let mut api_keys = Vec::new();
        for (i, k) in c.api_keys.iter().enumerate() {
            api_keys.push(ApiKey {
                client: k.client.clone(),
                digest: hex32(&k.sha256).ok_or(AuthConfigError::BadDigest(i))?,
                scopes: k.scopes.iter().cloned().collect(),
            });
        }
        let jwt = match &c.jwt {
            Some(j) => Some(Self::jwt(j, dir)?),
            None => None,
        };
        let mut client_certs = Vec::new();
        for (i, k) in c.client_certificates.iter().enumerate() {
            let sha256 = match &k.sha256 {
                Some(h) => Some(hex32(h).ok_or(AuthConfigError::BadClientCert(i))?),
                None => None,
            };
            if sha256.is_none() && k.subject_cn.is_none() {
                return Err(AuthConfigError::BadClientCert(i));
            }
            client_certs.push(ClientCert {
                client: k.client.clone(),
                subject_cn: k.subject_cn.clone(),
                sha256,
                scopes: k.scopes.iter().cloned().collect(),
            });
        }
        Ok(Authenticator {
            api_keys,
            jwt,
            client_certs,
        })
    }

    fn jwt(j: &JwtConfig, dir: &Path) -> Result<Jwt, AuthConfigError> {
        let err = |m: String| AuthConfigError::Jwt(m);
        let mut allowed = Vec::new();
        for a in &j.algorithms {
            allowed.push(algorithm(a).ok_or_else(|| AuthConfigError::BadAlgorithm(a.clone()))?);
        }
        if allowed.is_empty() {
            return Err(err("algorithms: name at least one".into()));
        }
        let family = |a: Algorithm| a.family();
        let mut keys = Vec::new();
        if let Some(secret) = &j.hs256_secret {
            if secret.expose().len() < 32 {
                return Err(err("hs256_secret: use at least 32 bytes".into()));
            }
            for a in allowed
                .iter()
                .filter(|a| family(**a) == jsonwebtoken::AlgorithmFamily::Hmac)
            {
                keys.push(JwtKey {
                    kid: None,
                    alg: *a,
                    key: DecodingKey::from_secret(secret.expose().as_bytes()),
                });
            }
        }
        for f in &j.public_key_files {
            let path = dir.join(f);
            let pem = std::fs::read(&path)
                .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
            let mut any = false;
            for a in &allowed {
                let key = match family(*a) {
                    jsonwebtoken::AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(&pem),
                    jsonwebtoken::AlgorithmFamily::Ec => DecodingKey::from_ec_pem(&pem),
                    _ => continue,
                };
                if let Ok(key) = key {
                    any = true;
                    keys.push(JwtKey {
                        kid: None,
                        alg: *a,
                        key,
                    });
                }
            }
            if !any {
                return Err(err(format!(
                    "{} is not a PEM public key for the allowed algorithms",
                    path.display()
                )));
            }
        }
        if let Some(f) = &j.jwks_file {
            let path = dir.join(f);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
            let set: JwkSet = serde_json::from_str(&text)
                .map_err(|e| err(format!("{} is not a JWKS: {e}", path.display())))?;
            for jwk in &set.keys {
                let key = DecodingKey::from_jwk(jwk)
                    .map_err(|e| err(format!("{}: a key cannot be used: {e}", path.display())))?;
                let kid = jwk.common.key_id.clone();
                // The key's own `alg` when it names one, else every allowed
                // algorithm of its family.
                let algs: Vec<Algorithm> = match jwk
                    .common
                    .key_algorithm
                    .and_then(|a| algorithm(&a.to_string()))
                {
                    Some(a) if allowed.contains(&a) => vec![a],
                    Some(_) => Vec::new(),
                    None => allowed
                        .iter()
                        .copied()
                        .filter(|a| family(*a) == key.family())
                        .collect(),
                };
                for alg in algs {
                    keys.push(JwtKey {
                        kid: kid.clone(),
                        alg,
                        key: key.clone(),
                    });
                }
            }
        }
        if keys.is_empty() {
            return Err(err(
                "no key verifies any allowed algorithm (set jwks_file, public_key_files or hs256_secret)"
                    .into(),
            ));
        }
        Ok(Jwt {
            keys,
            issuer: j.issuer.clone(),
            audience: j.audience.clone(),
            leeway: j.leeway.unwrap_or(30),
            scope_claim: j.scope_claim.clone().unwrap_or_else(|| "scope".into()),
            client_claim: j.client_claim.clone().unwrap_or_else(|| "sub".into()),
        })
    }

    /// Whether any credential is configured (else routes are open, and a
    /// mapping that requires scopes is refused at start-up).
    pub fn enabled(&self) -> bool {
        !self.api_keys.is_empty() || self.jwt.is_some() || !self.client_certs.is_empty()
    }

    /// Whether client certificates stand for clients (then the listener
    /// must verify them: `tls.client_ca`).
    pub fn uses_client_certificates(&self) -> bool {
        !self.client_certs.is_empty()
    }

    /// The client a verified TLS client certificate (DER) stands for.
    pub fn verify_client_certificate(&self, der: &[u8]) -> Result<Identity, AuthError> {
        let digest: [u8; 32] = Sha256::digest(der).into();
        let cn = crate::serve::tls::subject_cn(der);
        let known = self
            .client_certs
            .iter()
            .find(|c| match (&c.sha256, &c.subject_cn) {
                (Some(h), _) => bool::from(h.ct_eq(&digest)),
                (None, Some(want)) => cn.as_deref() == Some(want.as_str()),
                (None, None) => false,
            });
        let c = known.ok_or_else(|| {
            AuthError::Invalid(format!(
                "client certificate (CN {}) is not a configured client",
                cn.as_deref().unwrap_or("?")
            ))
        })?;
        Ok(Identity {
            client: c.client.clone(),
            scopes: c.scopes.clone(),
            via: "client-certificate",
        })
    }

    /// The caller behind `Authorization: Bearer <jwt>`, `X-API-Key`, or
    /// the connection's verified client certificate, in that order.
    pub fn authenticate(
        &self,
        headers: &actix_web::http::header::HeaderMap,
        peer: Option<&[u8]>,
    ) -> Result<Identity, AuthError> {
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, t)| t.trim())
            });
        if let Some(token) = bearer {
            return self.verify_jwt(token);
        }
        if let Some(key) = headers.get("x-api-key") {
            return self.verify_api_key(key.as_bytes());
        }
        if let Some(der) = peer
            && !self.client_certs.is_empty()
        {
            return self.verify_client_certificate(der);
        }
        Err(AuthError::Missing)
    }

    pub fn verify_api_key(&self, key: &[u8]) -> Result<Identity, AuthError> {
        let digest: [u8; 32] = Sha256::digest(key).into();
        // Every configured key is compared, in constant time: how long this
        // takes says nothing about which key came close.
        let mut found: Option<&ApiKey> = None;
        for k in &self.api_keys {
            if bool::from(k.digest.ct_eq(&digest)) {
                found = Some(k);
            }
        }
        let k = found.ok_or_else(|| AuthError::Invalid("unknown API key".into()))?;
        Ok(Identity {
            client: k.client.clone(),
            scopes: k.scopes.clone(),
            via: "api-key",
        })
    }

    pub fn verify_jwt(&self, token: &str) -> Result<Identity, AuthError> {
        let invalid = |m: String| AuthError::Invalid(m);
        let jwt = self
            .jwt
            .as_ref()
            .ok_or_else(|| invalid("bearer tokens are not configured".into()))?;
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| invalid(format!("unreadable token header: {e}")))?;
        // The key must be configured for exactly this algorithm (and `kid`).
        let key = jwt
            .keys
            .iter()
            .filter(|k| k.alg == header.alg)
            .filter(|k| match (&header.kid, &k.kid) {
                (Some(want), Some(have)) => want == have,
                (Some(_), None) | (None, _) => true,
            })
            .collect::<Vec<_>>();
        if key.is_empty() {
            return Err(invalid(format!(
                "no configured key for alg {:?}{}",
                header.alg,
                header
                    .kid
                    .as_deref()
                    .map(|k| format!(", kid {k}"))
                    .unwrap_or_default()
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = jwt.leeway;
        validation.validate_nbf = true;
        // A configured issuer or audience must be *present*, not only
        // right when present: jsonwebtoken compares them only if there.
        let mut required = vec!["exp"];
        if let Some(iss) = &jwt.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        if jwt.audience.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&jwt.audience);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        let mut last = String::new();
        for k in key {
            match jsonwebtoken::decode::<serde_json::Value>(token, &k.key, &validation) {
                Ok(data) => return identity(jwt, &data.claims),
                Err(e) => last = e.to_string(),
            }
        }
        Err(invalid(last))
    }
}

fn identity(jwt: &Jwt, claims: &serde_json::Value) -> Result<Identity, AuthError> {
    let client = claims
        .get(&jwt.client_claim)
        .and_then(|c| c.as_str())
        .ok_or_else(|| AuthError::Invalid(format!("no `{}` claim", jwt.client_claim)))?
        .to_owned();
    let scopes = match claims.get(&jwt.scope_claim) {
        Some(serde_json::Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => BTreeSet::new(),
    };
    Ok(Identity {
        client,
        scopes,
        via: "jwt",
    })
}

/// Whether `who` holds every scope in `needed`.
pub fn authorize(who: &Identity, needed: &[String]) -> Result<(), AuthError> {
    match needed.iter().find(|s| !who.scopes.contains(*s)) {
        Some(s) => Err(AuthError::MissingScope(s.clone())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &str = "0123456789abcdef0123456789abcdef-test-only";

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn hs_auth() -> Authenticator {
        let digest = Sha256::digest(b"k-billing-1");
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Authenticator::from_config(
            &AuthConfig {
                api_keys: vec![ApiKeyConfig {
                    client: "billing".into(),
                    sha256: hex,
                    scopes: vec!["payments:read".into()],
                }],
                jwt: Some(JwtConfig {
                    algorithms: vec!["HS256".into()],
                    issuer: Some("https://idp.test/".into()),
                    audience: vec!["soapbridge".into()],
                    jwks_file: None,
                    public_key_files: vec![],
                    hs256_secret: Some(SECRET.into()),
                    leeway: Some(0),
                    scope_claim: None,
                    client_claim: None,
                }),
                client_certificates: vec![],
            },
            Path::new("."),
        )
        .unwrap()
    }

    fn token(claims: serde_json::Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    }

    fn good_claims() -> serde_json::Value {
        json!({"sub": "orders-svc", "iss": "https://idp.test/", "aud": "soapbridge",
               "exp": now() + 300, "scope": "payments:read payments:write"})
    }

    fn headers(name: &str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn a_valid_token_gives_its_client_and_scopes() {
        let a = hs_auth();
        let who = a
            .authenticate(
                &headers("authorization", &format!("Bearer {}", token(good_claims()))),
                None,
            )
            .unwrap();
        assert_eq!(who.client, "orders-svc");
        assert!(who.scopes.contains("payments:write"));
        assert_eq!(authorize(&who, &["payments:write".into()]), Ok(()));
        assert_eq!(
            authorize(&who, &["payments:admin".into()]),
            Err(AuthError::MissingScope("payments:admin".into()))
        );
    }

    #[test]
    fn api_keys_are_checked_by_digest() {
        let a = hs_auth();
        let who = a
            .authenticate(&headers("x-api-key", "k-billing-1"), None)
            .unwrap();
        assert_eq!((who.client.as_str(), who.via), ("billing", "api-key"));
        assert!(matches!(
            a.authenticate(&headers("x-api-key", "k-billing-2"), None),
            Err(AuthError::Invalid(_))
        ));
        assert_eq!(
            a.authenticate(&HeaderMap::new(), None),
            Err(AuthError::Missing)
        );
    }

    #[test]
    fn bad_tokens_are_refused() {
        let a = hs_auth();
        let check = |t: &str| a.verify_jwt(t);
        let mut c = good_claims();
        c["exp"] = json!(now() - 10);
        assert!(check(&token(c)).is_err(), "expired");
        let mut c = good_claims();
        c["nbf"] = json!(now() + 600);
        assert!(check(&token(c)).is_err(), "not yet valid");
        let mut c = good_claims();
        c["aud"] = json!("someone-else");
        assert!(check(&token(c)).is_err(), "wrong audience");
        let mut c = good_claims();
        c["iss"] = json!("https://evil.test/");
        assert!(check(&token(c)).is_err(), "wrong issuer");
        for claim in ["exp", "aud", "iss"] {
            let mut c = good_claims();
            c.as_object_mut().unwrap().remove(claim);
            assert!(check(&token(c)).is_err(), "no {claim}");
        }
        // alg none: an unsigned token.
        let b64 = |v: &serde_json::Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let none = format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&good_claims())
        );
        assert!(check(&none).is_err(), "alg none");
        // HMAC truncation: a valid signature cut short.
        let t = token(good_claims());
        let cut = &t[..t.len() - 10];
        assert!(check(cut).is_err(), "truncated signature");
        let (head, _) = t.rsplit_once('.').unwrap();
        assert!(check(&format!("{head}.")).is_err(), "empty signature");
        // Another secret.
        let forged = encode(
            &Header::new(Algorithm::HS256),
            &good_claims(),
            &EncodingKey::from_secret(b"another-secret-another-secret-12"),
        )
        .unwrap();
        assert!(check(&forged).is_err(), "wrong key");
        // An algorithm the config does not allow.
        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &good_claims(),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(check(&hs512).is_err(), "HS512 not allowed");
    }

    #[test]
    fn config_mistakes_are_reported() {
        let bad = AuthConfig {
            api_keys: vec![ApiKeyConfig {
                client: "x".into(),
                sha256: "plaintext-key".into(),
                scopes: vec![],
            }],
            jwt: None,
            client_certificates: vec![],
        };
        assert!(matches!(
            Authenticator::from_config(&bad, Path::new(".")),
            Err(AuthConfigError::BadDigest(0))
        ));
        let weak = AuthConfig {
            api_keys: vec![],
            jwt: Some(JwtConfig {
                algorithms: vec!["HS256".into()],
                issuer: None,
                audience: vec![],
                jwks_file: None,
                public_key_files: vec![],
                hs256_secret: Some("short".into()),
                leeway: None,
                scope_claim: None,
                client_claim: None,
            }),
            client_certificates: vec![],
        };
        assert!(Authenticator::from_config(&weak, Path::new(".")).is_err());
    }
}
