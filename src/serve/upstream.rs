//! The REST call a mapping describes, and how its answer becomes either the
//! output message's JSON or a fault.

use actix_web::HttpRequest;

use super::fault::{Fault, Party};
use super::{Entry, Facade, State};
use crate::mapping::{BodySource, Piece, Template, lookup};

/// A scalar field's text; `None` when absent, null or not a scalar.
fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(x) => Some(x.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Fills a template from the message's fields. `segment`: percent-encode
/// each value as one URL path segment.
fn fill(t: &Template, message: &serde_json::Value, segment: bool) -> Result<String, Fault> {
    let mut s = String::new();
    for p in &t.parts {
        match p {
            Piece::Text(x) => s.push_str(x),
            Piece::Field(f) => {
                let Some(v) = lookup(message, f).and_then(scalar) else {
                    let pointer = format!("/{}", f.replace('.', "/"));
                    return Err(Fault::client(format!(
                        "{pointer}: the request needs a value for `{f}` to address the service"
                    )));
                };
                if segment {
                    // `.` and `..` would be resolved as dot segments (even
                    // percent-encoded), climbing out of the base URL.
                    if matches!(v.as_str(), "" | "." | "..") {
                        let pointer = format!("/{}", f.replace('.', "/"));
                        return Err(Fault::client(format!(
                            "{pointer}: `{v}` cannot address the service (an empty or dot path segment)"
                        )));
                    }
                    s.extend(url::form_urlencoded::byte_serialize(v.as_bytes()).map(|x| {
                        // A path segment: spaces as %20, not `+`.
                        if x == "+" { "%20" } else { x }
                    }));
                } else {
                    s.push_str(&v);
                }
            }
        }
    }
    Ok(s)
}

/// Query values: a single `{field}` that holds an array repeats the
/// parameter once per item; an absent optional field leaves it out.
fn query_values(t: &Template, message: &serde_json::Value) -> Vec<String> {
    if let [Piece::Field(f)] = t.parts.as_slice()
        && let Some(serde_json::Value::Array(items)) = lookup(message, f)
    {
        return items.iter().filter_map(scalar).collect();
    }
    fill(t, message, false).into_iter().collect()
}

/// The largest upstream answer read (a fast or broken upstream must not
/// fill the bridge's memory).
pub(super) const MAX_ANSWER: usize = 64 << 20;

pub(super) async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, Fault> {
    let too_big = || Fault::server(format!("the upstream answer is larger than {cap} bytes"));
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_big());
    }
    let mut out = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                if out.len() + c.len() > cap {
                    return Err(too_big());
                }
                out.extend_from_slice(&c);
            }
            Ok(None) => return Ok(out),
            Err(e) if e.is_timeout() => {
                return Err(Fault::server(
                    "the upstream service did not finish its answer in time",
                ));
            }
            Err(_) => return Err(Fault::server("the upstream answer could not be read")),
        }
    }
}

/// Calls the upstream for one request; `Ok` is its JSON answer (2xx).
/// Who asks for an upstream call: what it passes on besides the message.
#[derive(Default)]
pub struct Caller<'a> {
    /// The request id (`X-Request-Id` upstream).
    pub id: &'a str,
    /// W3C trace context to propagate.
    pub traceparent: Option<&'a str>,
    /// An idempotency key (a queue message's id), sent as `Idempotency-Key`
    /// unless the mapping sets that header itself.
    pub idempotency_key: Option<&'a str>,
}

/// A SOAP request's caller: its request id and trace context.
pub fn from_request<'a>(req: &'a HttpRequest, id: &'a str) -> Caller<'a> {
    Caller {
        id,
        traceparent: req
            .headers()
            .get("traceparent")
            .and_then(|v| v.to_str().ok()),
        idempotency_key: None,
    }
}

pub async fn call(
    state: &State,
    facade: &Facade,
    entry: &Entry,
    message: &serde_json::Value,
    caller: &Caller<'_>,
) -> Result<serde_json::Value, Fault> {
    let id = caller.id;
    let route = &entry.route;
    let mut url = facade.mapping.base_url.clone();
    let path = fill(&route.path, message, true)?;
    let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    {
        let mut q = url.query_pairs_mut();
        for (k, t) in &route.query {
            for v in query_values(t, message) {
                q.append_pair(k, &v);
            }
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    let method = reqwest::Method::from_bytes(route.method.as_bytes())
        .map_err(|_| Fault::server("the mapping's method is invalid"))?;
    let body = match &route.body {
        BodySource::None => None,
        BodySource::Message => Some(message.clone()),
        BodySource::Field(f) => lookup(message, f).cloned(),
    };
    let body = body.map(|mut b| {
        for (soap, rest) in &route.request_rename {
            crate::mapping::rename(&mut b, soap, rest);
        }
        serde_json::to_vec(&b).unwrap_or_default()
    });
    let mut attempt = 0;
    let mut fresh_token = false;
    let started = std::time::Instant::now();
    let service = facade.mapping.service.as_str();
    let resp = loop {
        let client = facade.client.as_ref().unwrap_or(&state.client);
        let authorization = match &facade.mapping.credentials {
            Some(c) => Some(c.authorization(client, fresh_token).await.map_err(|e| {
                tracing::warn!(request_id = %id, error = %e, "no upstream credentials");
                Fault::server(format!("the upstream's credentials are unavailable: {e}"))
            })?),
            None => None,
        };
        let mut rb = client
            .request(method.clone(), url.clone())
            .timeout(route.timeout)
            .header("Accept", "application/json")
            .header("X-Request-Id", id);
        if let Some(tp) = caller.traceparent {
            rb = rb.header("traceparent", tp);
        }
        if let Some(key) = caller.idempotency_key
            && !route
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("idempotency-key"))
        {
            rb = rb.header("Idempotency-Key", key);
        }
        if let Some(a) = &facade.mapping.basic_auth {
            rb = rb.basic_auth(&a.username, Some(a.password.expose()));
        }
        if let Some(a) = &authorization {
            rb = rb.header("Authorization", a.as_str());
        }
        for (k, t) in &route.headers {
            if let Ok(v) = fill(t, message, false) {
                // CR, LF and other control characters cannot be sent in a header.
                if reqwest::header::HeaderValue::from_str(&v).is_err() {
                    return Err(Fault::client(format!(
                        "the value for header `{k}` has characters an HTTP header cannot carry"
                    )));
                }
                rb = rb.header(k.as_str(), v);
            }
        }
        if let Some(b) = &body {
            rb = rb
                .header("Content-Type", "application/json")
                .body(b.clone());
        }
        let result = rb.send().await;
        // A 401 with a cached OAuth2 token: the token may have been revoked;
        // once more with a fresh one.
        if let (Ok(r), Some(c)) = (&result, &facade.mapping.credentials)
            && r.status() == 401
            && !fresh_token
            && c.after_unauthorized().await
        {
            fresh_token = true;
            continue;
        }
        let retry = match &result {
            Err(e) => e.is_connect() || e.is_timeout(),
            Ok(r) => matches!(r.status().as_u16(), 502..=504),
        };
        if retry && attempt < route.retries {
            let pause = route.backoff.saturating_mul(1 << attempt.min(10));
            tracing::info!(request_id = %id, attempt = attempt + 1, pause_ms = pause.as_millis() as u64, "retrying the upstream call");
            attempt += 1;
            tokio::time::sleep(pause).await;
            continue;
        }
        break result;
    };
    super::metrics::upstream(
        service,
        &entry.op.name,
        resp.as_ref().ok().map(|r| r.status().as_u16()),
        started.elapsed().as_secs_f64(),
    );
    let resp = resp.map_err(|e| {
        tracing::warn!(request_id = %id, error = %e, "upstream call failed");
        super::metrics::upstream_error(
            service,
            if e.is_timeout() {
                "timeout"
            } else if e.is_connect() {
                "connect"
            } else {
                "other"
            },
        );
        if e.is_timeout() {
            Fault::server(format!(
                "the upstream service did not answer within {} ms",
                route.timeout.as_millis()
            ))
        } else if e.is_connect() {
            Fault::server("the upstream service is unavailable (connection failed)")
        } else {
            Fault::server("the upstream call failed")
        }
    })?;
    let status = resp.status().as_u16();
    let bytes = read_capped(resp, MAX_ANSWER).await?;
    let json: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
    if (200..300).contains(&status) {
        if entry.output.is_none() {
            return Ok(serde_json::Value::Null);
        }
        return json.ok_or_else(|| Fault::server("the upstream answer is not JSON"));
    }
    Err(error_fault(facade, entry, status, json.as_ref()))
}

/// An upstream error status as a fault: a declared fault when a mapping
/// rule selects one and its detail fits the contract, else a generic one.
fn error_fault(
    facade: &Facade,
    entry: &Entry,
    status: u16,
    json: Option<&serde_json::Value>,
) -> Fault {
    let party = if (400..500).contains(&status) && status != 408 && status != 429 {
        Party::Client
    } else {
        Party::Server
    };
    // problem+json `title`/`detail`, or a `message` field, as the reason.
    let text = |k: &str| json.and_then(|j| j.get(k)).and_then(|v| v.as_str());
    let reason = match (text("title"), text("detail").or(text("message"))) {
        (Some(t), Some(d)) => format!("{t}: {d}"),
        (Some(t), None) => t.to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) => format!("the upstream service answered HTTP {status}"),
    };
    let mut fault = Fault::new(party, reason);
    let rule = entry.route.faults.iter().find(|r| r.status.matches(status));
    if let (Some(rule), Some(json)) = (rule, json) {
        let declared = entry.op.faults.iter().find(|f| f.name == rule.fault);
        let detail = match &rule.detail {
            Some(field) => json.get(field),
            None => Some(json),
        };
        if let (Some(element), Some(detail)) = (declared.and_then(|d| d.element.as_ref()), detail) {
            let text = serde_json::to_vec(detail).unwrap_or_default();
            let opts = crate::codec::Options {
                ignore_unknown: true,
                ..Default::default()
            };
            match facade
                .codec
                .json_to_xml(element, text.as_slice(), Vec::new(), &opts)
            {
                Ok(xml) => fault.detail_xml = Some(String::from_utf8_lossy(&xml).into_owned()),
                Err(e) => {
                    tracing::warn!(fault = %rule.fault, error = %e, "the upstream error does not fit the declared fault");
                }
            }
        }
    }
    fault
}
