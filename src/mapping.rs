//! Mapping files (`mappings/*.yaml`): which contract a facade serves, where
//! it is served, and per operation which REST call answers it.
//!
//! A mapping names only what differs from the defaults, so the smallest one
//! is three lines (contract, upstream base URL); `soapbridge scaffold`
//! writes every operation out for editing. The full reference is
//! `mappings/README.md`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::contract::{BoundOperation, Contract, LoadOptions};

/// A mapping file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// The WSDL, relative to the mapping file.
    pub contract: String,
    /// An OASIS XML catalog for the contract's remote schema locations,
    /// relative to the mapping file (instead of `serve --catalog`).
    pub catalog: Option<String>,
    #[serde(default)]
    pub flow: Flow,
    /// The `wsdl:service` to serve; the contract's only service by default.
    pub service: Option<String>,
    /// Where the SOAP facade is served; `/soap/{ServiceName}` by default.
    pub path: Option<String>,
    /// Required for soap-to-rest; rest-to-soap defaults to the port's address.
    #[serde(default)]
    pub upstream: UpstreamFile,
    /// rest-to-soap: the `wsdl:port` whose binding and address the backend
    /// calls use; the service's first SOAP port by default.
    pub port: Option<String>,
    /// rest-to-soap: JSON properties the contract does not know are
    /// refused (the default) or, with `true`, passed over.
    #[serde(default)]
    pub ignore_unknown_fields: bool,
    /// rest-to-soap: scopes every operation's caller must hold (see the
    /// server config's `auth:`), unless the operation sets its own.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// soap-to-rest: WS-Security the SOAP facade requires of callers.
    pub security: Option<SecurityFile>,
    /// Per operation, by the contract's operation name.
    #[serde(default)]
    pub operations: IndexMap<String, OperationFile>,
}

#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    /// A SOAP facade in front of a REST service (flow A).
    #[default]
    SoapToRest,
    /// A REST facade in front of a SOAP backend (flow B).
    RestToSoap,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamFile {
    /// soap-to-rest: `http(s)://host:port/prefix`, operation paths are
    /// appended to it. rest-to-soap: the SOAP endpoint, the port's
    /// `soap:address` by default.
    pub base_url: Option<String>,
    /// Per call, e.g. `10s` or `500ms`; 30 s by default.
    pub timeout: Option<String>,
    /// Retries of idempotent calls (GET, PUT, DELETE) after a refused
    /// connection, a timeout or a 502/503/504; 2 by default. POST and
    /// PATCH are never retried unless an operation sets `retries`.
    pub retries: Option<u32>,
    /// First pause between retries, doubled each time (`100ms` by default).
    pub backoff: Option<String>,
    /// PEM bundle of CAs to trust for this upstream (a private CA), besides
    /// the public roots; relative to the mapping file.
    pub ca_file: Option<String>,
    /// PEM client certificate (chain) for mutual TLS, with `client_key`.
    pub client_cert: Option<String>,
    /// PEM private key of `client_cert` (PKCS#8, PKCS#1 or SEC1).
    pub client_key: Option<String>,
    /// An explicit proxy (`http://proxy:3128`); by default `HTTP_PROXY`,
    /// `HTTPS_PROXY` and `NO_PROXY` from the environment apply.
    pub proxy: Option<String>,
    /// HTTP basic authentication to the upstream (use `${VAR}` references
    /// for the password: mapping files are often committed).
    pub basic_auth: Option<BasicAuth>,
    /// A static bearer token sent as `Authorization: Bearer ...`.
    pub bearer_token: Option<crate::secret::Secret>,
    /// OAuth2 client credentials: tokens fetched and cached by soapbridge.
    pub oauth2: Option<crate::credentials::OAuth2File>,
    /// rest-to-soap: a WS-Security UsernameToken (and Timestamp) on every
    /// call to the SOAP backend.
    pub wsse: Option<crate::wsse::outbound::OutboundFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    pub password: crate::secret::Secret,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationFile {
    /// HTTP method; `POST` by default.
    pub method: Option<String>,
    /// Path template below the base URL, `{field}` filled from the input
    /// message's top-level fields; `/{OperationName}` by default.
    pub path: Option<String>,
    /// Query parameters: name -> `{field}` template or fixed text.
    #[serde(default)]
    pub query: IndexMap<String, String>,
    /// Extra request headers: name -> `{field}` template or fixed text.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// What is sent as the JSON body: `message` (the whole input message,
    /// the default for POST/PUT/PATCH), `none` (the default for GET and
    /// DELETE), or a field name of the message.
    pub body: Option<String>,
    /// Which field of the upstream's JSON answer is the output message;
    /// the whole answer by default.
    pub response: Option<String>,
    /// Fields named or placed differently in the REST body: `SOAP path:
    /// REST path`, dotted, `[]` for each item of an array
    /// (`line[].unitPrice: lines[].price`).
    #[serde(default)]
    pub request_rename: IndexMap<String, String>,
    /// The same for the answer: `SOAP output path: REST answer path`.
    #[serde(default)]
    pub response_rename: IndexMap<String, String>,
    pub timeout: Option<String>,
    /// Retries for this operation (see `upstream.retries`); setting it on a
    /// POST declares the call safe to repeat.
    pub retries: Option<u32>,
    /// rest-to-soap: SOAP header parts to send when the request's
    /// `$headers` does not give them, by part name (their message JSON).
    pub soap_headers: Option<serde_json::Map<String, serde_json::Value>>,
    /// soap-to-rest: also consume this queue, whose messages are the
    /// operation's input message JSON, and deliver each through this route.
    pub queue: Option<QueueFile>,
    /// soap-to-rest, one-way operations: publish the validated message to
    /// this queue (and answer 202 once the broker confirmed) instead of
    /// calling the upstream.
    pub publish: Option<PublishFile>,
    /// Upstream error statuses answered with a declared fault.
    #[serde(default)]
    pub faults: Vec<FaultRule>,
    /// rest-to-soap: the scopes this operation's caller must hold
    /// (instead of the mapping's `scopes`).
    pub scopes: Option<Vec<String>>,
    /// rest-to-soap: callable without credentials even when `auth:` is
    /// configured (a health probe, a public lookup).
    #[serde(default)]
    pub public: bool,
}

/// `security:` of a soap-to-rest mapping, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityFile {
    /// UsernameToken users; empty: no UsernameToken is asked for.
    #[serde(default)]
    pub users: Vec<UserFile>,
    /// Refuse PasswordText: only PasswordDigest (with nonce and created).
    #[serde(default)]
    pub digest_only: bool,
    /// `required` (the default) or `optional`: a `wsu:Timestamp`.
    pub timestamp: Option<String>,
    /// How old a `Created` may be (`5m` by default).
    pub max_age: Option<String>,
    /// Clock difference tolerated with callers (`1m` by default).
    pub clock_skew: Option<String>,
    /// X.509 XML Signatures callers must (or may) send.
    pub signature: Option<SignatureFile>,
    /// Sign the facade's responses with this key and certificate.
    pub sign_responses: Option<SignResponsesFile>,
    /// Callers may also be known by their verified TLS client certificate
    /// (HTTPS with `tls.client_ca`; the clients and scopes are the server
    /// config's `auth.client_certificates`).
    #[serde(default)]
    pub client_certificates: bool,
}

/// `security.signature`: verifying callers' XML Signatures.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// A request without a signature is refused (true by default).
    pub required: Option<bool>,
    /// PEM files of the CAs a message's certificate may chain to
    /// (relative to the mapping).
    #[serde(default)]
    pub trusted_ca: Vec<String>,
    /// Certificates trusted as they are, with the client they stand for.
    #[serde(default)]
    pub signers: Vec<SignerFile>,
    /// Revocation lists (PEM or DER) of the `trusted_ca` CAs, re-read when
    /// a file changes. With any, every CA-issued certificate must be
    /// covered by a current CRL of its issuer and not be on it.
    #[serde(default)]
    pub crls: Vec<String>,
    /// Parts every signature must cover (`[Body, Timestamp]`).
    pub sign: Option<Vec<String>>,
    /// Accept RSA-SHA1 and SHA-1 digests (false).
    #[serde(default)]
    pub allow_sha1: bool,
}

/// A signer certificate and its identity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignerFile {
    pub certificate: String,
    pub client: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `security.sign_responses`: the key (unencrypted PEM) and certificate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignResponsesFile {
    pub key: String,
    pub certificate: String,
}

/// A UsernameToken user: the password inline (use `${ENV}`) or in a file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFile {
    pub username: String,
    pub password: Option<crate::secret::Secret>,
    /// Relative to the mapping file; its first line is the password.
    pub password_file: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A queue route's settings as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueFile {
    pub name: String,
    /// Deliveries before a message goes to `{name}.dlq` (5).
    pub max_attempts: Option<u32>,
    /// The first retry's delay, doubled per attempt (`1s`).
    pub retry_delay: Option<String>,
    /// Unacknowledged messages in flight per consumer (16).
    pub prefetch: Option<u16>,
    /// `quorum` (the default) or `classic`.
    pub queue_type: Option<String>,
    /// Also receive a copy of what is published to this exchange.
    pub bind: Option<BindFile>,
}

/// Where a one-way SOAP operation's messages are published.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishFile {
    /// A queue to publish to (declared as a queue route declares it)...
    pub queue: Option<String>,
    /// `quorum` (the default) or `classic`, as the queue is declared.
    pub queue_type: Option<String>,
    /// ...or an exchange (fan-out: every bound queue route gets a copy).
    pub exchange: Option<String>,
    /// `fanout` (the default) or `topic`.
    pub exchange_type: Option<String>,
    /// The routing key for a topic exchange (empty by default).
    pub routing_key: Option<String>,
}

/// A queue route's binding to an exchange (fan-out).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindFile {
    pub exchange: String,
    /// `fanout` (the default) or `topic`.
    pub exchange_type: Option<String>,
    /// The binding key (`#`, everything, by default).
    pub routing_key: Option<String>,
}

/// An exchange: its name, type and the routing or binding key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub name: String,
    pub topic: bool,
    pub key: String,
}

/// A queue route, checked.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub name: String,
    pub max_attempts: u32,
    pub retry_delay: Duration,
    pub prefetch: u16,
    pub quorum: bool,
    /// A queue route: the exchange its queue is bound to. A publish
    /// target: the exchange published to (then `name` is empty).
    pub exchange: Option<Exchange>,
}

fn exchange_name_ok(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 200
        && !n.starts_with("amq.")
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b))
}

/// `status` (one code, or `4xx`/`5xx`) -> the contract's fault `fault`,
/// its detail element read from the upstream's JSON error body (or the
/// field `detail` of it).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    pub status: StatusMatch,
    pub fault: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StatusMatch {
    Code(u16),
    Class(String),
}

impl StatusMatch {
    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusMatch::Code(c) => *c == status,
            StatusMatch::Class(c) => {
                let c = c.to_ascii_lowercase();
                c.len() == 3 && c.ends_with("xx") && c.as_bytes()[0] == b'0' + (status / 100) as u8
            }
        }
    }
}

/// What the body of an upstream request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodySource {
    Message,
    None,
    Field(String),
}

/// One operation's REST call, with the defaults applied.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    pub path: Template,
    /// The mapping gave `method` or `path` (flow B: a resource-style route
    /// instead of `POST {path}/{Operation}`).
    pub custom: bool,
    pub query: Vec<(String, Template)>,
    pub headers: Vec<(String, Template)>,
    pub body: BodySource,
    pub response: Option<String>,
    /// rest-to-soap: default SOAP header parts, by part name.
    pub soap_headers: Option<serde_json::Map<String, serde_json::Value>>,
    /// soap-to-rest: a queue consumed and delivered through this route.
    pub queue: Option<QueueSettings>,
    /// soap-to-rest: publish to this queue instead of calling the upstream.
    pub publish: Option<QueueSettings>,
    /// (SOAP path, REST path) pairs, see [`rename`].
    pub request_rename: Vec<(String, String)>,
    pub response_rename: Vec<(String, String)>,
    pub timeout: Duration,
    pub retries: u32,
    pub backoff: Duration,
    pub faults: Vec<FaultRule>,
    /// Who may call it: `None` for a public operation, else the scopes an
    /// authenticated caller must hold (possibly none beyond being known).
    pub scopes: Option<Vec<String>>,
}

/// Text with `{field}` placeholders.
#[derive(Debug, Clone)]
pub struct Template {
    pub parts: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Field(String),
}

impl Template {
    pub fn parse(s: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            if rest[..open].contains('}') {
                return Err(format!("`{s}`: `}}` without `{{`"));
            }
            if open > 0 {
                parts.push(Piece::Text(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("`{s}`: `{{` without `}}`"));
            };
            let name = &rest[open + 1..open + close];
            if name.is_empty() || name.contains('{') {
                return Err(format!("`{s}`: an empty or nested placeholder"));
            }
            parts.push(Piece::Field(name.to_string()));
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("`{s}`: `}}` without `{{`"));
        }
        if !rest.is_empty() {
            parts.push(Piece::Text(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The top-level message fields the placeholders read (`a` of `{a.b}`).
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Piece::Field(f) => f.split('.').next(),
            Piece::Text(_) => None,
        })
    }
}

fn body_choice(of: &OperationFile, method: &str) -> BodySource {
    match of.body.as_deref() {
        None if matches!(method, "GET" | "DELETE") => BodySource::None,
        None | Some("message") => BodySource::Message,
        Some("none") => BodySource::None,
        Some(f) => BodySource::Field(f.to_string()),
    }
}

/// A rename pair is usable: non-empty segments, and `[]` only on the same
/// leading segments of both sides (items stay items of the same array).
fn check_rename(a: &str, b: &str) -> Result<(), String> {
    let (sa, sb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    if sa
        .iter()
        .chain(&sb)
        .any(|s| s.is_empty() || s.trim_end_matches("[]").is_empty())
    {
        return Err("empty path segment".into());
    }
    let arrays = |s: &[&str]| s.iter().rposition(|x| x.ends_with("[]"));
    match (arrays(&sa), arrays(&sb)) {
        (None, None) => Ok(()),
        (Some(i), Some(j)) if i == j && sa[..=i] == sb[..=j] => Ok(()),
        _ => Err("`[]` must mark the same leading path on both sides".into()),
    }
}

/// Moves the value at path `from` to path `to` (dotted, `[]` for each item
/// of an array, see [`check_rename`]); absent values stay absent.
pub fn rename(v: &mut serde_json::Value, from: &str, to: &str) {
    let (fa, ta): (Vec<&str>, Vec<&str>) = (from.split('.').collect(), to.split('.').collect());
    rename_segments(v, &fa, &ta);
}

fn rename_segments(v: &mut serde_json::Value, from: &[&str], to: &[&str]) {
    // A shared leading segment: step into it (each item for `name[]`).
    if let (Some(f0), Some(t0)) = (from.first(), to.first())
        && f0 == t0
        && from.len() > 1
        && to.len() > 1
    {
        match f0.strip_suffix("[]") {
            Some(name) => {
                if let Some(serde_json::Value::Array(items)) = v.get_mut(name) {
                    for item in items {
                        rename_segments(item, &from[1..], &to[1..]);
                    }
                }
            }
            None => {
                if let Some(inner) = v.get_mut(*f0) {
                    rename_segments(inner, &from[1..], &to[1..]);
                }
            }
        }
        return;
    }
    // The destination's parents must be objects (or absent), or the value
    // would be taken and then have nowhere to go.
    let mut probe = &*v;
    for seg in &to[..to.len().saturating_sub(1)] {
        match probe.get(*seg) {
            Some(next @ serde_json::Value::Object(_)) => probe = next,
            Some(_) => return,
            None => break,
        }
    }
    if !v.is_object() {
        return;
    }
    let Some(taken) = take(v, from) else {
        return;
    };
    let mut cur = v;
    for (i, seg) in to.iter().enumerate() {
        let serde_json::Value::Object(map) = cur else {
            return;
        };
        if i + 1 == to.len() {
            map.insert(seg.to_string(), taken);
            return;
        }
        cur = map
            .entry(seg.to_string())
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
    }
}

fn take(v: &mut serde_json::Value, path: &[&str]) -> Option<serde_json::Value> {
    let (last, parents) = path.split_last()?;
    let mut cur = v;
    for seg in parents {
        cur = cur.get_mut(*seg)?;
    }
    cur.as_object_mut()?.shift_remove(*last)
}

/// The value at a dotted field path (`order.customerId`, `$headers.context.messageId`).
pub fn lookup<'v>(message: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    path.split('.').try_fold(message, |v, k| v.get(k))
}

/// Replaces `${NAME}` and `${NAME:-default}` with environment variables, so
/// one mapping serves every stage (base URLs, credentials stay out of it).
pub fn expand_env(text: &str, var: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let Some(end) = rest[i..].find('}') else {
            return Err("`${` without `}`".into());
        };
        let inner = &rest[i + 2..i + end];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!(
                "`${{{inner}}}` is not an environment variable reference"
            ));
        }
        match (var(name), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => {
                return Err(format!(
                    "environment variable `{name}` is not set (give a default: `${{{name}:-...}}`)"
                ));
            }
        }
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A loaded mapping: its contract, where it is served, and every route.
#[derive(Debug)]
pub struct Mapping {
    pub file: PathBuf,
    pub contract: Contract,
    pub service: String,
    pub path: String,
    pub base_url: url::Url,
    pub flow: Flow,
    /// rest-to-soap: the port the backend calls use.
    pub port: Option<String>,
    pub ignore_unknown_fields: bool,
    /// By operation name; every SOAP operation of the service has one.
    pub routes: HashMap<String, Route>,
    /// TLS and proxy settings for the upstream, read and checked at load.
    pub tls: UpstreamTls,
    pub basic_auth: Option<BasicAuth>,
    /// Bearer token or OAuth2 client credentials for upstream calls.
    pub credentials: Option<std::sync::Arc<crate::credentials::Outbound>>,
    /// rest-to-soap: the WS-Security header sent to the SOAP backend.
    pub wsse_out: Option<std::sync::Arc<crate::wsse::outbound::Outbound>>,
    /// soap-to-rest: the WS-Security callers must send.
    pub security: Option<std::sync::Arc<crate::wsse::InboundPolicy>>,
    /// soap-to-rest: sign responses with this key (`security.sign_responses`).
    pub sign_responses: Option<std::sync::Arc<crate::wsse::signature::sign::Signer>>,
}

/// What the upstream's HTTP client needs beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct UpstreamTls {
    pub ca_pem: Option<Vec<u8>>,
    /// Certificate chain and key, concatenated PEM.
    pub identity_pem: Option<Vec<u8>>,
    pub proxy: Option<String>,
}

impl UpstreamTls {
    pub fn is_default(&self) -> bool {
        self.ca_pem.is_none() && self.identity_pem.is_none() && self.proxy.is_none()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    /// A problem at a known place: `file:line:column: message`.
    #[error("{file}:{line}:{column}: {message}")]
    At {
        file: String,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: u64,
        column: u64,
        message: String,
    },
}

/// `500ms`, `10s`, `2m` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like `10s` or `500ms`"))?;
    match unit.trim() {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" | "min" => n
            .checked_mul(60)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("`{s}` is too long")),
        _ => Err(format!("`{s}` is not a duration like `10s` or `500ms`")),
    }
}

/// Reads every `*.yaml`/`*.yml` in `dir`, sorted by name.
pub fn load_dir(dir: &Path, opts: &LoadOptions) -> Result<Vec<Mapping>, Vec<MappingError>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect(),
        Err(e) => {
            return Err(vec![MappingError::Invalid {
                file: dir.display().to_string(),
                message: format!("cannot read the mappings directory: {e}"),
            }]);
        }
    };
    files.sort();
    let mut mappings = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match load(&f, opts) {
            Ok(m) => mappings.push(m),
            Err(mut e) => errors.append(&mut e),
        }
    }
    let mut paths: HashMap<&str, &Path> = HashMap::new();
    for m in &mappings {
        if let Some(other) = paths.insert(&m.path, &m.file) {
            errors.push(MappingError::Invalid {
                file: m.file.display().to_string(),
                message: format!("path `{}` is already served by {}", m.path, other.display()),
            });
        }
    }
    if errors.is_empty() {
        Ok(mappings)
    } else {
        Err(errors)
    }
}

/// The WS-Security policy of a mapping's `security:` section; problems are
/// reported through `problem`.
fn security_policy(
    sec: &SecurityFile,
    dir: &Path,
    problem: &mut dyn FnMut(String),
) -> Option<crate::wsse::InboundPolicy> {
    let mut ok = true;
    let mut duration = |key: &str, v: &Option<String>, default: Duration| match v {
        Some(t) => parse_duration(t).unwrap_or_else(|e| {
            problem(format!("security.{key}: {e}"));
            ok = false;
            default
        }),
        None => default,
    };
    let max_age = duration("max_age", &sec.max_age, Duration::from_secs(300));
    let skew = duration("clock_skew", &sec.clock_skew, Duration::from_secs(60));
    let timestamp_required = match sec.timestamp.as_deref() {
        None | Some("required") => true,
        Some("optional") => false,
        Some(other) => {
            problem(format!(
                "security.timestamp: `{other}` is not required or optional"
            ));
            ok = false;
            true
        }
    };
    let mut users = Vec::new();
    for (i, u) in sec.users.iter().enumerate() {
        let password = match (&u.password, &u.password_file) {
            (Some(p), None) => Some(p.expose().to_string()),
            (None, Some(f)) => match std::fs::read_to_string(dir.join(f)) {
                Ok(t) => Some(t.lines().next().unwrap_or_default().to_string()),
                Err(e) => {
                    problem(format!(
                        "security.users[{i}].password_file: cannot read `{f}`: {e}"
                    ));
                    None
                }
            },
            _ => {
                problem(format!(
                    "security.users[{i}]: give `password` or `password_file` (one of them)"
                ));
                None
            }
        };
        match password {
            Some(p) if p.is_empty() => {
                problem(format!("security.users[{i}]: the password is empty"));
                ok = false;
            }
            Some(password) => users.push(crate::wsse::User {
                name: u.username.clone(),
                password,
                scopes: u.scopes.clone(),
            }),
            None => ok = false,
        }
    }
    let signature = match &sec.signature {
        Some(sig) => match signature_policy(sig, dir, "security.signature", problem) {
            Some(p) => Some(std::sync::Arc::new(p)),
            None => {
                ok = false;
                None
            }
        },
        None => None,
    };
    ok.then(|| {
        let mut policy = crate::wsse::InboundPolicy::new(
            users,
            sec.digest_only,
            timestamp_required,
            max_age.as_millis() as i64,
            skew.as_millis() as i64,
        );
        policy.signature = signature;
        policy.client_certificates = sec.client_certificates;
        policy
    })
}

/// Certificates in a PEM file relative to the mapping, or a problem.
fn read_certs(
    dir: &Path,
    file: &str,
    key: &str,
    problem: &mut dyn FnMut(String),
) -> Option<Vec<crate::wsse::signature::certs::Cert>> {
    let text = match std::fs::read(dir.join(file)) {
        Ok(t) => t,
        Err(e) => {
            problem(format!("{key}: cannot read `{file}`: {e}"));
            return None;
        }
    };
    match crate::wsse::signature::certs::Cert::from_pem(&text) {
        Ok(c) => Some(c),
        Err(e) => {
            problem(format!("{key}: `{file}`: {e}"));
            None
        }
    }
}

/// `security.signature` checked and compiled.
pub(crate) fn signature_policy(
    sig: &SignatureFile,
    dir: &Path,
    at: &str,
    problem: &mut dyn FnMut(String),
) -> Option<crate::wsse::signature::SignaturePolicy> {
    use crate::wsse::signature::{Part, SignaturePolicy, certs};
    let mut ok = true;
    let mut cas = Vec::new();
    for (i, f) in sig.trusted_ca.iter().enumerate() {
        match read_certs(dir, f, &format!("{at}.trusted_ca[{i}]"), problem) {
            Some(c) => cas.extend(c),
            None => ok = false,
        }
    }
    let mut signers = Vec::new();
    for (i, s) in sig.signers.iter().enumerate() {
        let key = format!("{at}.signers[{i}].certificate");
        match read_certs(dir, &s.certificate, &key, problem) {
            Some(mut c) if c.len() == 1 => signers.push(certs::Signer {
                cert: c.remove(0),
                client: s.client.clone(),
                scopes: s.scopes.clone(),
            }),
            Some(_) => {
                problem(format!("{key}: give one certificate per signer"));
                ok = false;
            }
            None => ok = false,
        }
    }
    if cas.is_empty() && signers.is_empty() {
        problem(format!(
            "{at}: give `trusted_ca` or `signers` (nothing would be trusted)"
        ));
        ok = false;
    }
    let mut crls = None;
    if !sig.crls.is_empty() {
        if cas.is_empty() {
            problem(format!(
                "{at}.crls: give the `trusted_ca` the CRLs are from (configured signers are trusted as they are)"
            ));
            ok = false;
        } else {
            let files = sig.crls.iter().map(|f| dir.join(f)).collect();
            match certs::Crls::load(files, &cas, crate::wsse::time::now()) {
                Ok(c) => crls = Some(c),
                Err(e) => {
                    problem(format!("{at}.crls: {e}"));
                    ok = false;
                }
            }
        }
    }
    let mut sign = Vec::new();
    for (i, p) in sig
        .sign
        .clone()
        .unwrap_or_else(|| vec!["Body".into(), "Timestamp".into()])
        .iter()
        .enumerate()
    {
        match Part::parse(p) {
            Some(part) => sign.push(part),
            None => {
                problem(format!("{at}.sign[{i}]: `{p}` is not Body or Timestamp"));
                ok = false;
            }
        }
    }
    // Without the Body, any signature (one over just the token, say)
    // would vouch for whatever body comes with it.
    if ok && !sign.contains(&Part::Body) {
        problem(format!("{at}.sign: must include Body"));
        ok = false;
    }
    ok.then(|| SignaturePolicy {
        required: sig.required.unwrap_or(true),
        trust: certs::TrustStore { cas, signers, crls },
        sign,
        allow_sha1: sig.allow_sha1,
    })
}

/// `security.sign_responses` checked: the key must match the certificate.
pub(crate) fn response_signer(
    s: &SignResponsesFile,
    dir: &Path,
    at: &str,
    problem: &mut dyn FnMut(String),
) -> Option<crate::wsse::signature::sign::Signer> {
    let cert = read_certs(dir, &s.certificate, &format!("{at}.certificate"), problem)?;
    let key = match std::fs::read(dir.join(&s.key)) {
        Ok(k) => k,
        Err(e) => {
            problem(format!("{at}.key: cannot read `{}`: {e}", s.key));
            return None;
        }
    };
    let cert = cert.into_iter().next()?;
    crate::wsse::signature::sign::Signer::new(key, cert)
        .map_err(|e| problem(format!("{at}: {e}")))
        .ok()
}

/// Reads one mapping file and checks it against its contract.
pub fn load(file: &Path, opts: &LoadOptions) -> Result<Mapping, Vec<MappingError>> {
    let name = file.display().to_string();
    let invalid = |message: String| MappingError::Invalid {
        file: name.clone(),
        message,
    };
    let text =
        std::fs::read_to_string(file).map_err(|e| vec![invalid(format!("cannot read: {e}"))])?;
    let text = expand_env(&text, |n| std::env::var(n).ok()).map_err(|e| vec![invalid(e)])?;
    let parsed: MappingFile = serde_saphyr::from_str(&text).map_err(|e| {
        let (line, column, message) = yaml_error(&text, &e);
        vec![MappingError::Syntax {
            file: name.clone(),
            line,
            column,
            message,
        }]
    })?;
    let wsdl = file
        .parent()
        .unwrap_or(Path::new("."))
        .join(&parsed.contract);
    let mut opts = opts.clone();
    if let Some(cat) = &parsed.catalog {
        let path = file.parent().unwrap_or(Path::new(".")).join(cat);
        let catalog = crate::contract::catalog::Catalog::load(&path)
            .map_err(|e| vec![invalid(format!("catalog `{cat}` does not load: {e}"))])?;
        opts.catalog = Some(std::sync::Arc::new(catalog));
    }
    let contract = Contract::load(&wsdl, &opts).map_err(|e| {
        vec![invalid(format!(
            "contract `{}` does not load: {e}",
            parsed.contract
        ))]
    })?;
    let mut errors = Vec::new();
    let services: Vec<&crate::wsdl::model::Service> = contract.services().collect();
    let service = match &parsed.service {
        Some(s) => services.iter().find(|x| x.name.local == *s).copied(),
        None if services.len() == 1 => Some(services[0]),
        None => None,
    };
    let Some(service) = service else {
        let names: Vec<&str> = services.iter().map(|s| s.name.local.as_str()).collect();
        return Err(vec![invalid(match &parsed.service {
            Some(s) => format!(
                "the contract has no service `{s}` (it has: {})",
                names.join(", ")
            ),
            None => format!(
                "the contract has {} services ({}): name one with `service:`",
                names.len(),
                names.join(", ")
            ),
        })]);
    };
    let port_address = services_port_address(&contract, service, parsed.port.as_deref());
    let base_text = match (&parsed.upstream.base_url, parsed.flow) {
        (Some(b), _) => b.clone(),
        (None, Flow::RestToSoap) => match &port_address {
            Ok(Some(a)) => a.clone(),
            _ => {
                errors.push(invalid(
                    "upstream.base_url: the port has no soap:address; give the backend's URL"
                        .into(),
                ));
                "http://invalid.invalid".into()
            }
        },
        (None, Flow::SoapToRest) => {
            errors.push(invalid(
                "upstream.base_url: required for soap-to-rest".into(),
            ));
            "http://invalid.invalid".into()
        }
    };
    if let Err(e) = &port_address {
        errors.push(invalid(format!("port: {e}")));
    }
    let base_url = match url::Url::parse(&base_text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        Ok(u) => {
            errors.push(invalid(format!(
                "upstream.base_url: scheme `{}` is not http or https",
                u.scheme()
            )));
            url::Url::parse("http://invalid.invalid").expect("valid")
        }
        Err(e) => {
            errors.push(invalid(format!("upstream.base_url: {e}")));
            url::Url::parse("http://invalid.invalid").expect("valid")
        }
    };
    let default_timeout = match &parsed.upstream.timeout {
        Some(t) => parse_duration(t).unwrap_or_else(|e| {
            errors.push(invalid(format!("upstream.timeout: {e}")));
            Duration::from_secs(30)
        }),
        None => Duration::from_secs(30),
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut read_pem = |key: &str, value: &Option<String>| -> Option<Vec<u8>> {
        let v = value.as_ref()?;
        match std::fs::read(dir.join(v)) {
            Ok(b) if String::from_utf8_lossy(&b).contains("-----BEGIN ") => Some(b),
            Ok(_) => {
                errors.push(invalid(format!("upstream.{key}: `{v}` is not a PEM file")));
                None
            }
            Err(e) => {
                errors.push(invalid(format!("upstream.{key}: cannot read `{v}`: {e}")));
                None
            }
        }
    };
    let ca_pem = read_pem("ca_file", &parsed.upstream.ca_file);
    let identity_pem = match (
        read_pem("client_cert", &parsed.upstream.client_cert),
        read_pem("client_key", &parsed.upstream.client_key),
    ) {
        (Some(mut cert), Some(key)) => {
            cert.push(b'\n');
            cert.extend_from_slice(&key);
            Some(cert)
        }
        (None, None) => None,
        _ => {
            errors.push(invalid(
                "upstream.client_cert: mutual TLS needs both client_cert and client_key".into(),
            ));
            None
        }
    };
    if let Some(p) = &parsed.upstream.proxy
        && url::Url::parse(p).is_err()
    {
        errors.push(invalid(format!("upstream.proxy: `{p}` is not a URL")));
    }
    let tls = UpstreamTls {
        ca_pem,
        identity_pem,
        proxy: parsed.upstream.proxy.clone(),
    };
    let default_retries = parsed.upstream.retries.unwrap_or(2);
    let backoff = match &parsed.upstream.backoff {
        Some(b) => parse_duration(b).unwrap_or_else(|e| {
            errors.push(invalid(format!("upstream.backoff: {e}")));
            Duration::from_millis(100)
        }),
        None => Duration::from_millis(100),
    };
    let ops = soap_operations(&contract, service);
    for name in parsed.operations.keys() {
        if !ops.iter().any(|o| o.name == *name) {
            errors.push(invalid(format!(
                "operations.{name}: the service `{}` has no SOAP operation `{name}`",
                service.name.local
            )));
        }
    }
    let security = match (&parsed.security, parsed.flow) {
        (Some(_), Flow::RestToSoap) => {
            errors.push(invalid(
                "security: applies to soap-to-rest mappings (REST callers are verified by the server config's auth:)"
                    .into(),
            ));
            None
        }
        (Some(sec), Flow::SoapToRest) => {
            security_policy(sec, dir, &mut |m| errors.push(invalid(m))).map(std::sync::Arc::new)
        }
        (None, _) => None,
    };
    let sign_responses = match (&parsed.security, parsed.flow) {
        (Some(sec), Flow::SoapToRest) => sec.sign_responses.as_ref().and_then(|s| {
            response_signer(s, dir, "security.sign_responses", &mut |m| {
                errors.push(invalid(m))
            })
            .map(std::sync::Arc::new)
        }),
        _ => None,
    };
    let soap_users = security.as_ref().is_some_and(|s| {
        !s.users.is_empty()
            || s.client_certificates
            || s.signature
                .as_ref()
                .is_some_and(|p| !p.trust.signers.is_empty())
    });
    let up = &parsed.upstream;
    let schemes = [
        up.basic_auth.is_some(),
        up.bearer_token.is_some(),
        up.oauth2.is_some(),
    ];
    if schemes.iter().filter(|s| **s).count() > 1 {
        errors.push(invalid(
            "upstream: give one of basic_auth, bearer_token and oauth2".into(),
        ));
    }
    let credentials = match (&up.bearer_token, &up.oauth2) {
        (Some(t), _) if t.expose().trim().is_empty() => {
            errors.push(invalid("upstream.bearer_token: empty".into()));
            None
        }
        (Some(t), _) => Some(crate::credentials::Outbound::Bearer(
            t.expose().trim().to_string(),
        )),
        (None, Some(o)) => match crate::credentials::OAuth2::new(o) {
            Ok(o) => Some(crate::credentials::Outbound::OAuth2(Box::new(o))),
            Err(e) => {
                errors.push(invalid(format!("upstream.oauth2.{e}")));
                None
            }
        },
        (None, None) => None,
    }
    .map(std::sync::Arc::new);
    let wsse_out = match (&up.wsse, parsed.flow) {
        (Some(_), Flow::SoapToRest) => {
            errors.push(invalid(
                "upstream.wsse: applies to rest-to-soap mappings (a SOAP backend)".into(),
            ));
            None
        }
        (Some(w), Flow::RestToSoap) => {
            crate::wsse::outbound::Outbound::new(w, dir, &mut |m| errors.push(invalid(m)))
                .map(std::sync::Arc::new)
        }
        (None, _) => None,
    };
    if parsed.flow == Flow::SoapToRest && !parsed.scopes.is_empty() && !soap_users {
        errors.push(invalid(
            "scopes: SOAP callers get scopes from `security.users` or `security.signature.signers`; none are configured".into(),
        ));
    }
    let mut routes = HashMap::new();
    let empty = OperationFile::default();
    for op in &ops {
        let of = parsed.operations.get(&op.name).unwrap_or(&empty);
        let at = |what: &str| format!("operations.{}.{what}", op.name);
        let method = of
            .method
            .clone()
            .unwrap_or_else(|| "POST".into())
            .to_ascii_uppercase();
        if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
            errors.push(invalid(format!(
                "{}: `{method}` is not GET, POST, PUT, PATCH or DELETE",
                at("method")
            )));
        }
        let mut template = |what: &str, s: &str| match Template::parse(s) {
            Ok(t) => t,
            Err(e) => {
                errors.push(invalid(format!("{}: {e}", at(what))));
                Template { parts: Vec::new() }
            }
        };
        let path = template(
            "path",
            of.path.as_deref().unwrap_or(&format!("/{}", op.name)),
        );
        let query: Vec<(String, Template)> = of
            .query
            .iter()
            .map(|(k, v)| (k.clone(), template("query", v)))
            .collect();
        let headers: Vec<(String, Template)> = of
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), template("headers", v)))
            .collect();
        if parsed.flow == Flow::RestToSoap {
            // The REST side fills one field per query parameter or header.
            for (what, list) in [("query", &query), ("headers", &headers)] {
                for (k, t) in list.iter() {
                    if !matches!(t.parts.as_slice(), [Piece::Field(_)]) {
                        errors.push(invalid(format!(
                            "{}: `{k}` must be a single `{{field}}` in a rest-to-soap mapping",
                            at(what)
                        )));
                    }
                }
            }
            if let BodySource::Field(_) = &body_choice(of, &method) {
                errors.push(invalid(format!(
                    "{}: rest-to-soap takes the whole JSON body as the message (with path, query and header fields added)",
                    at("body")
                )));
            }
        }
        for (k, _) in &headers {
            if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
                errors.push(invalid(format!(
                    "{}: `{k}` is not an HTTP header name",
                    at("headers")
                )));
            }
        }
        let body = body_choice(of, &method);
        let fields = input_fields(&contract, op);
        let mut used: Vec<String> = path.fields().map(str::to_string).collect();
        for (_, t) in query.iter().chain(headers.iter()) {
            used.extend(t.fields().map(str::to_string));
        }
        if let BodySource::Field(f) = &body {
            used.push(f.split('.').next().unwrap_or_default().to_string());
        }
        if let Some(fields) = &fields {
            for f in used {
                if !fields.contains(&f) {
                    errors.push(invalid(format!(
                        "operations.{}: `{f}` is not a field of the input message (it has: {})",
                        op.name,
                        fields.join(", ")
                    )));
                }
            }
        }
        if let Some(h) = &of.soap_headers {
            let declared: Vec<String> = crate::codec::message::layout(op, false)
                .map(|l| l.headers.iter().map(|(n, _)| n.clone()).collect())
                .unwrap_or_default();
            for part in h.keys() {
                if !declared.contains(part) {
                    errors.push(invalid(format!(
                        "{}: `{part}` is not a SOAP header part of the input (declared: {})",
                        at("soap_headers"),
                        if declared.is_empty() {
                            "none".to_string()
                        } else {
                            declared.join(", ")
                        }
                    )));
                }
            }
        }
        for (map, what) in [
            (&of.request_rename, "request_rename"),
            (&of.response_rename, "response_rename"),
        ] {
            for (a, b) in map {
                if let Err(e) = check_rename(a, b) {
                    errors.push(invalid(format!("{}: `{a}: {b}`: {e}", at(what))));
                }
            }
        }
        if let (Some(fields), BodySource::Message) = (&fields, &body) {
            for a in of.request_rename.keys() {
                let first = a
                    .split('.')
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches("[]");
                if !fields.iter().any(|f| f == first) {
                    errors.push(invalid(format!(
                        "{}: `{first}` is not a field of the input message",
                        at("request_rename")
                    )));
                }
            }
        }
        let timeout = match &of.timeout {
            Some(t) => parse_duration(t).unwrap_or_else(|e| {
                errors.push(invalid(format!("{}: {e}", at("timeout"))));
                default_timeout
            }),
            None => default_timeout,
        };
        for r in &of.faults {
            if !op.faults.iter().any(|f| f.name == r.fault) {
                let declared: Vec<&str> = op.faults.iter().map(|f| f.name.as_str()).collect();
                errors.push(invalid(format!(
                    "{}: `{}` is not a fault of the operation (declared: {})",
                    at("faults"),
                    r.fault,
                    if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    }
                )));
            }
            if let StatusMatch::Code(c) = r.status
                && !(400..=599).contains(&c)
            {
                errors.push(invalid(format!(
                    "{}: status {c} is not an error status (400 to 599)",
                    at("faults")
                )));
            }
            if parsed.flow == Flow::RestToSoap && matches!(r.status, StatusMatch::Class(_)) {
                errors.push(invalid(format!(
                    "{}: a rest-to-soap rule answers one HTTP status: give a code, not a class",
                    at("faults")
                )));
            }
            if let StatusMatch::Class(c) = &r.status
                && !(c.len() == 3
                    && c.to_ascii_lowercase().ends_with("xx")
                    && matches!(c.as_bytes()[0], b'4' | b'5'))
            {
                errors.push(invalid(format!(
                    "{}: status `{c}` is not a code, `4xx` or `5xx`",
                    at("faults")
                )));
            }
        }
        // rest-to-soap: a SOAP call is a POST; only an operation the mapping
        // marks with `retries` is repeated.
        let queue_settings = match &of.queue {
            None => None,
            Some(q) => {
                let name_ok = !q.name.is_empty()
                    && q.name.len() <= 200
                    && q.name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b));
                if !name_ok {
                    errors.push(invalid(format!(
                        "{}: `{}` is not a queue name (letters, digits, `.`, `_`, `-`, `:`; at most 200)",
                        at("queue.name"),
                        q.name
                    )));
                }
                let retry_delay = match &q.retry_delay {
                    Some(d) => parse_duration(d).unwrap_or_else(|e| {
                        errors.push(invalid(format!("{}: {e}", at("queue.retry_delay"))));
                        Duration::from_secs(1)
                    }),
                    None => Duration::from_secs(1),
                };
                let quorum = match q.queue_type.as_deref() {
                    None | Some("quorum") => true,
                    Some("classic") => false,
                    Some(other) => {
                        errors.push(invalid(format!(
                            "{}: `{other}` is not quorum or classic",
                            at("queue.queue_type")
                        )));
                        true
                    }
                };
                let max_attempts = q.max_attempts.unwrap_or(5);
                if max_attempts == 0 {
                    errors.push(invalid(format!(
                        "{}: must be at least 1",
                        at("queue.max_attempts")
                    )));
                }
                let exchange = q.bind.as_ref().map(|b| {
                    if !exchange_name_ok(&b.exchange) {
                        errors.push(invalid(format!(
                            "{}: `{}` is not an exchange name",
                            at("queue.bind.exchange"),
                            b.exchange
                        )));
                    }
                    let topic = match b.exchange_type.as_deref() {
                        None | Some("fanout") => false,
                        Some("topic") => true,
                        Some(other) => {
                            errors.push(invalid(format!(
                                "{}: `{other}` is not fanout or topic",
                                at("queue.bind.exchange_type")
                            )));
                            false
                        }
                    };
                    Exchange {
                        name: b.exchange.clone(),
                        topic,
                        key: b.routing_key.clone().unwrap_or_else(|| "#".into()),
                    }
                });
                Some(QueueSettings {
                    name: q.name.clone(),
                    max_attempts: max_attempts.max(1),
                    retry_delay,
                    prefetch: q.prefetch.unwrap_or(16).max(1),
                    quorum,
                    exchange,
                })
            }
        };
        let publish_settings = match &of.publish {
            None => None,
            Some(p) => {
                if !op.one_way {
                    errors.push(invalid(format!(
                        "{}: only one-way operations are published to a queue (their caller needs no answer)",
                        at("publish")
                    )));
                }
                match (&p.queue, &p.exchange) {
                    (Some(queue), None) => {
                        let name_ok = !queue.is_empty()
                            && queue.len() <= 200
                            && queue
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b));
                        if !name_ok {
                            errors.push(invalid(format!(
                                "{}: `{queue}` is not a queue name",
                                at("publish.queue")
                            )));
                        }
                        Some(QueueSettings {
                            name: queue.clone(),
                            max_attempts: 1,
                            retry_delay: Duration::from_secs(1),
                            prefetch: 1,
                            quorum: p.queue_type.as_deref() != Some("classic"),
                            exchange: None,
                        })
                    }
                    (None, Some(exchange)) => {
                        if !exchange_name_ok(exchange) {
                            errors.push(invalid(format!(
                                "{}: `{exchange}` is not an exchange name",
                                at("publish.exchange")
                            )));
                        }
                        let topic = match p.exchange_type.as_deref() {
                            None | Some("fanout") => false,
                            Some("topic") => true,
                            Some(other) => {
                                errors.push(invalid(format!(
                                    "{}: `{other}` is not fanout or topic",
                                    at("publish.exchange_type")
                                )));
                                false
                            }
                        };
                        Some(QueueSettings {
                            name: String::new(),
                            max_attempts: 1,
                            retry_delay: Duration::from_secs(1),
                            prefetch: 1,
                            quorum: true,
                            exchange: Some(Exchange {
                                name: exchange.clone(),
                                topic,
                                key: p.routing_key.clone().unwrap_or_default(),
                            }),
                        })
                    }
                    _ => {
                        errors.push(invalid(format!(
                            "{}: give either `queue` or `exchange`",
                            at("publish")
                        )));
                        None
                    }
                }
            }
        };
        if of.public && of.scopes.is_some() {
            errors.push(invalid(format!(
                "{}: a public operation cannot also require scopes",
                at("public")
            )));
        }
        if parsed.flow == Flow::SoapToRest && of.scopes.is_some() && !soap_users {
            errors.push(invalid(format!(
                "{}: SOAP callers get scopes from `security.users` or `security.signature.signers`; none are configured",
                at("scopes")
            )));
        }
        let idempotent =
            parsed.flow == Flow::SoapToRest && matches!(method.as_str(), "GET" | "PUT" | "DELETE");
        let retries = of
            .retries
            .unwrap_or(if idempotent { default_retries } else { 0 });
        routes.insert(
            op.name.clone(),
            Route {
                publish: publish_settings,
                queue: queue_settings,
                soap_headers: of.soap_headers.clone(),
                custom: of.method.is_some()
                    || of.path.is_some()
                    || (parsed.flow == Flow::RestToSoap
                        && (!of.query.is_empty() || !of.headers.is_empty())),
                retries,
                backoff,
                method,
                path,
                query,
                headers,
                body,
                response: of.response.clone(),
                request_rename: of.request_rename.clone().into_iter().collect(),
                response_rename: of.response_rename.clone().into_iter().collect(),
                timeout,
                faults: of.faults.clone(),
                scopes: (!of.public)
                    .then(|| of.scopes.clone().unwrap_or_else(|| parsed.scopes.clone())),
            },
        );
    }
    if parsed.flow == Flow::RestToSoap {
        // Routes that can match the same URL cannot both be served: the
        // server picks one path and answers 405 for the other's method.
        // Same shape, other method is fine (one resource, two methods).
        let mut seen: Vec<(String, Vec<Option<String>>, String)> = vec![
            (
                "GET".into(),
                vec![Some("docs".into())],
                "the docs page".into(),
            ),
            (
                "GET".into(),
                vec![Some("openapi.json".into())],
                "the OpenAPI document".into(),
            ),
        ];
        for op in &ops {
            let Some(r) = routes.get(&op.name) else {
                continue;
            };
            let (method, segments) = if r.custom {
                let text: String = r
                    .path
                    .parts
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => t.clone(),
                        Piece::Field(_) => "\u{0}".into(),
                    })
                    .collect();
                let segs = text
                    .split('/')
                    .filter(|x| !x.is_empty())
                    .map(|x| (!x.contains('\u{0}')).then(|| x.to_string()))
                    .collect();
                (r.method.clone(), segs)
            } else {
                ("POST".to_string(), vec![Some(op.name.clone())])
            };
            for (m, other, who) in &seen {
                let overlap = other.len() == segments.len()
                    && other.iter().zip(&segments).all(|(a, b)| match (a, b) {
                        (Some(x), Some(y)) => x == y,
                        _ => true,
                    });
                if overlap && (*other != segments || *m == method) {
                    errors.push(invalid(format!(
                        "operations.{}.path: {method} route overlaps {who}'s ({m})",
                        op.name
                    )));
                }
            }
            seen.push((method, segments, op.name.clone()));
        }
    }
    let path = parsed.path.clone().unwrap_or_else(|| match parsed.flow {
        Flow::SoapToRest => format!("/soap/{}", service.name.local),
        Flow::RestToSoap => format!("/api/{}", service.name.local),
    });
    if !path.starts_with('/') {
        errors.push(invalid(format!("path: `{path}` must start with `/`")));
    }
    let service = service.name.local.clone();
    if !errors.is_empty() {
        return Err(errors.into_iter().map(|e| locate(e, &text)).collect());
    }
    Ok(Mapping {
        file: file.to_path_buf(),
        contract,
        service,
        path,
        base_url,
        flow: parsed.flow,
        port: parsed.port.clone(),
        ignore_unknown_fields: parsed.ignore_unknown_fields,
        routes,
        tls,
        basic_auth: parsed.upstream.basic_auth.clone(),
        credentials,
        wsse_out,
        security,
        sign_responses,
    })
}

/// A YAML error's position and message. serde-saphyr places some errors
/// (an unknown key) at the start of the enclosing mapping; such a key is
/// looked up in the text instead.
pub fn yaml_error(text: &str, e: &serde_saphyr::Error) -> (u64, u64, String) {
    let (mut line, mut column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    let first = e.to_string().lines().next().unwrap_or_default().to_string();
    // "error: line 2 column 3: message at line 2, column 3" -> "message"
    let mut message = first.trim_start_matches("error: ").to_string();
    if message.starts_with("line ")
        && let Some((_, rest)) = message.split_once(": ")
    {
        message = rest.to_string();
    }
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    if let Some(key) = message
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
    {
        let found = text.lines().enumerate().find(|(_, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            t.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        });
        if let Some((i, l)) = found {
            line = i as u64 + 1;
            column = (l.len() - l.trim_start().len()) as u64 + 1;
        }
    }
    (line, column, message)
}

/// Gives an error the line and column of the key its message starts with
/// (`operations.GetOrder.path: ...`), found by indentation in the YAML.
fn locate(e: MappingError, text: &str) -> MappingError {
    let MappingError::Invalid { file, message } = e else {
        return e;
    };
    let key = message.split(": ").next().unwrap_or_default();
    let is_path = !key.is_empty() && !key.contains(' ') && key != message;
    match is_path.then(|| key_position(text, key)).flatten() {
        Some((line, column)) => MappingError::At {
            file,
            line,
            column,
            message,
        },
        None => MappingError::Invalid { file, message },
    }
}

/// The position of a dotted key path in block-style YAML.
fn key_position(text: &str, path: &str) -> Option<(u64, u64)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut parent_indent: Option<usize> = None;
    let mut found = None;
    for seg in path.split('.') {
        let mut hit = None;
        for (i, l) in lines.iter().enumerate().skip(from) {
            let body = l.trim_start();
            let indent = l.len() - body.len();
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            if found.is_some() && parent_indent.is_some_and(|p| indent <= p) {
                break; // left the parent's block
            }
            let k = body.trim_start_matches("- ");
            let k = k
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"')
                .trim_matches('\'');
            if k == seg && body.contains(':') {
                hit = Some((
                    i,
                    indent + (body.len() - body.trim_start_matches("- ").len()),
                ));
                break;
            }
        }
        let (i, col) = hit?;
        found = Some((i as u64 + 1, col as u64 + 1));
        parent_indent = Some(col);
        from = i + 1;
    }
    found
}

/// The address of the named port (or the service's first SOAP port).
fn services_port_address(
    c: &Contract,
    service: &crate::wsdl::model::Service,
    port: Option<&str>,
) -> Result<Option<String>, String> {
    let soap_port = |p: &&crate::wsdl::model::Port| {
        c.binding(&p.binding)
            .is_some_and(|b| matches!(b.protocol, crate::wsdl::model::Protocol::Soap(_)))
    };
    match port {
        Some(name) => service
            .ports
            .iter()
            .filter(soap_port)
            .find(|p| p.name == name)
            .map(|p| p.address.clone())
            .ok_or_else(|| format!("the service has no SOAP port `{name}`")),
        None => Ok(service
            .ports
            .iter()
            .find(soap_port)
            .and_then(|p| p.address.clone())),
    }
}

/// The SOAP operations of a service, over all its SOAP ports, once each by name.
pub fn soap_operations(c: &Contract, service: &crate::wsdl::model::Service) -> Vec<BoundOperation> {
    let mut out: Vec<BoundOperation> = Vec::new();
    for port in &service.ports {
        let Some(binding) = c.binding(&port.binding) else {
            continue;
        };
        for op in c.bound_operations(binding) {
            if matches!(op.protocol, crate::wsdl::model::Protocol::Soap(_))
                && !out.iter().any(|o| o.name == op.name)
            {
                out.push(op);
            }
        }
    }
    out
}

/// The top-level property names of an operation's input message JSON,
/// when they are known from the contract.
fn input_fields(c: &Contract, op: &BoundOperation) -> Option<Vec<String>> {
    let layout = crate::codec::message::layout(op, false).ok()?;
    let codec = crate::codec::Codec::new(c);
    codec.message_fields(&layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_statuses() {
        let t = Template::parse("/customers/{customerId}/orders").unwrap();
        assert_eq!(t.fields().collect::<Vec<_>>(), ["customerId"]);
        assert!(Template::parse("/a/{b").is_err());
        assert!(Template::parse("/a/b}").is_err());
        assert!(Template::parse("/a/{}").is_err());
        assert!(Template::parse("/a}b/{c}").is_err());
        assert!(parse_duration(&format!("{}m", u64::MAX)).is_err());
        assert!(StatusMatch::Class("4xx".into()).matches(404));
        assert!(!StatusMatch::Class("4xx".into()).matches(500));
        assert!(StatusMatch::Code(409).matches(409));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert!(parse_duration("ten").is_err());
    }

    #[test]
    fn renames_move_fields_and_array_items() {
        let mut v =
            serde_json::json!({"customerId": "C1", "line": [{"unitPrice": 1}, {"unitPrice": 2}]});
        rename(&mut v, "customerId", "customer.id");
        rename(&mut v, "line[].unitPrice", "line[].price");
        rename(&mut v, "absent", "elsewhere");
        assert_eq!(
            v,
            serde_json::json!({"line": [{"price": 1}, {"price": 2}], "customer": {"id": "C1"}})
        );
        let mut v = serde_json::json!({"order": {"line": [{"unitPrice": 1}]}, "customer": "x", "customerId": "C1"});
        rename(&mut v, "order.line[].unitPrice", "order.line[].price");
        rename(&mut v, "customerId", "customer.id");
        assert_eq!(
            v,
            serde_json::json!({"order": {"line": [{"price": 1}]}, "customer": "x", "customerId": "C1"})
        );
        assert!(check_rename("a[].b", "a[].c").is_ok());
        assert!(check_rename("a[].b", "c").is_err());
        assert!(check_rename("a..b", "c").is_err());
    }

    #[test]
    fn keys_are_found_by_indentation() {
        let y = "contract: x\nupstream:\n  base_url: y\noperations:\n  A:\n    path: /a\n  B:\n    path: /b\n";
        assert_eq!(key_position(y, "operations.B.path"), Some((8, 5)));
        assert_eq!(key_position(y, "upstream.base_url"), Some((3, 3)));
        assert_eq!(key_position(y, "operations.C"), None);
    }

    #[test]
    fn environment_references_expand() {
        let env = |n: &str| (n == "API").then(|| "http://api:9000".to_string());
        assert_eq!(
            expand_env("a: ${API}/x\nb: ${NOPE:-http://localhost}", env).unwrap(),
            "a: http://api:9000/x\nb: http://localhost"
        );
        assert!(
            expand_env("${NOPE}", env)
                .unwrap_err()
                .contains("`NOPE` is not set")
        );
        assert!(expand_env("${a b}", env).is_err());
        let v = serde_json::json!({"$headers": {"ctx": {"id": "m1"}}});
        assert_eq!(lookup(&v, "$headers.ctx.id").unwrap(), "m1");
    }
}
