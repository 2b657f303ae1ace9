//! The REST facade (flow B): JSON in, a SOAP call to the backend, JSON out.
//!
//! `POST {path}/{Operation}` takes the operation's input message JSON (the
//! design's "Message JSON"), validates it while writing the SOAP envelope
//! for the port's binding (SOAP 1.1 or 1.2, wrapped, bare or rpc), calls
//! the backend, and answers with the output message JSON. SOAP faults and
//! transport failures become `application/problem+json`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::problem::Problem;
use super::{Entry, Facade, State};
use crate::codec::{FieldError, Options, TranslateError};
use crate::wsdl::model::SoapVersion;

/// The largest JSON body held as a tree (any key order, and what
/// resource-style routes need to add their fields); larger bodies stream.
const TREE_LIMIT: usize = 1 << 20;

/// Problems are boxed: a request's error path is rare, its value large.
type Fail = Box<Problem>;

/// Which facade and operation a REST route serves.
pub struct RestEndpoint {
    pub facade: usize,
    pub port: usize,
    pub entry: usize,
}

/// The operations served on one path, by method.
pub struct RestRoutes(pub Vec<(actix_web::http::Method, RestEndpoint)>);

pub async fn handle(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
    routes: web::Data<RestRoutes>,
) -> HttpResponse {
    let id = super::soap::request_id(&req);
    let Some((_, endpoint)) = routes.0.iter().find(|(m, _)| m == req.method()) else {
        return Problem::new(405, "method-not-allowed", "Method Not Allowed")
            .respond(req.path(), &id);
    };
    let facade = &state.facades[endpoint.facade];
    let entry = &facade.ports[endpoint.port].entries[endpoint.entry];
    let instance = req.path().to_string();
    let started = std::time::Instant::now();
    if let Err(refused) = access(&state, entry, &req, &instance, &id) {
        super::metrics::rest_request(
            &facade.mapping.service,
            &entry.op.name,
            "refused",
            started.elapsed().as_secs_f64(),
        );
        return *refused;
    }
    let result = process(&state, facade, entry, &req, &id, payload).await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(p) if p.status < 500 => "client_error",
        Err(_) => "backend_error",
    };
    super::metrics::rest_request(
        &facade.mapping.service,
        &entry.op.name,
        outcome,
        started.elapsed().as_secs_f64(),
    );
    let response = match result {
        Ok(Some(json)) => HttpResponse::Ok()
            .insert_header(("X-Request-Id", id.clone()))
            .content_type("application/json")
            .body(json),
        Ok(None) => HttpResponse::Accepted()
            .insert_header(("X-Request-Id", id.clone()))
            .finish(),
        Err(p) => (*p).respond(&instance, &id),
    };
    tracing::info!(
        request_id = %id,
        path = %instance,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "rest request"
    );
    response
}

/// Authenticates and authorizes the caller when the operation is not
/// public and `auth:` is configured: a 401 (no or bad credentials, with no
/// hint which check failed) or 403 (a scope missing) problem otherwise.
/// The reason goes to the log with the request id, never a secret.
fn access(
    state: &State,
    entry: &Entry,
    req: &HttpRequest,
    instance: &str,
    id: &str,
) -> Result<(), Box<HttpResponse>> {
    use crate::auth::AuthError;
    let Some(needed) = &entry.route.scopes else {
        return Ok(());
    };
    if !state.auth.enabled() {
        return Ok(());
    }
    let refuse = |e: &AuthError| {
        let (p, challenge) = match e {
            AuthError::Missing => (
                Problem::new(401, "unauthorized", "Authentication required")
                    .detail("send an API key (X-API-Key) or a bearer token"),
                r#"Bearer realm="soapbridge""#.to_string(),
            ),
            AuthError::Invalid(_) => (
                Problem::new(401, "unauthorized", "Authentication required")
                    .detail("the credentials are missing or invalid"),
                r#"Bearer realm="soapbridge", error="invalid_token""#.to_string(),
            ),
            AuthError::MissingScope(scope) => (
                Problem::new(403, "forbidden", "Permission denied")
                    .detail(format!("this operation needs the scope `{scope}`")),
                format!(
                    r#"Bearer realm="soapbridge", error="insufficient_scope", scope="{scope}""#
                ),
            ),
        };
        let mut r = p.respond(instance, id);
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&challenge) {
            r.headers_mut()
                .insert(actix_web::http::header::WWW_AUTHENTICATE, v);
        }
        Box::new(r)
    };
    let peer = req.conn_data::<super::tls::PeerCertificate>();
    let who = state
        .auth
        .authenticate(req.headers(), peer.map(|p| p.0.as_slice()))
        .map_err(|e| {
        tracing::warn!(request_id = %id, operation = %entry.op.name, reason = %e, "caller refused");
        refuse(&e)
    })?;
    crate::auth::authorize(&who, needed).map_err(|e| {
        tracing::warn!(request_id = %id, operation = %entry.op.name, client = %who.client, reason = %e, "caller refused");
        refuse(&e)
    })?;
    tracing::debug!(request_id = %id, client = %who.client, via = who.via, "caller authenticated");
    Ok(())
}

/// The actix path pattern and method of an operation's route: the
/// mapping's resource-style route (placeholders become `{p0}`, `{p1}`...,
/// as field paths may hold dots), else `POST {path}/{Operation}`.
pub fn route_pattern(base: &str, entry: &Entry) -> (String, actix_web::http::Method) {
    let r = &entry.route;
    if !r.custom {
        return (
            format!("{base}/{}", entry.op.name),
            actix_web::http::Method::POST,
        );
    }
    let mut pattern = base.to_string();
    let mut i = 0;
    for p in &r.path.parts {
        match p {
            crate::mapping::Piece::Text(t) => pattern.push_str(t),
            crate::mapping::Piece::Field(_) => {
                pattern.push_str(&format!("{{p{i}}}"));
                i += 1;
            }
        }
    }
    let method = actix_web::http::Method::from_bytes(r.method.as_bytes())
        .unwrap_or(actix_web::http::Method::POST);
    (pattern, method)
}

/// A raw REST value as the JSON the contract expects at `field`: numbers
/// and booleans from their text (left as strings when they do not parse,
/// so validation names the field), strings as they are.
fn coerce(facade: &Facade, entry: &Entry, field: &str, raw: &str) -> Value {
    use crate::schema::builtin::JsonKind;
    let kind = facade.codec.field_kind(&entry.input, field).map(|(k, _)| k);
    match kind {
        Some(JsonKind::Integer | JsonKind::Decimal | JsonKind::Float) => {
            serde_json::from_str::<Value>(raw.trim())
                .ok()
                .filter(Value::is_number)
                .unwrap_or_else(|| Value::String(raw.to_string()))
        }
        Some(JsonKind::Boolean) => match raw.trim() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::String(raw.to_string()),
        },
        _ => Value::String(raw.to_string()),
    }
}

/// Sets a dotted field path, creating objects on the way; `false` when the
/// field is already there (given twice) or a parent is not an object.
fn set_field(v: &mut Value, path: &str, value: Value) -> bool {
    let segs: Vec<&str> = path.split('.').collect();
    let mut cur = v;
    for (i, seg) in segs.iter().enumerate() {
        let Value::Object(m) = cur else {
            return false;
        };
        if i + 1 == segs.len() {
            if m.contains_key(*seg) {
                return false;
            }
            m.insert(seg.to_string(), value);
            return true;
        }
        cur = m
            .entry(seg.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    false
}

/// The message JSON of a resource-style route: the JSON body (if any) with
/// the path, query and header fields added.
fn assemble(
    facade: &Facade,
    entry: &Entry,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Vec<u8>, Fail> {
    let r = &entry.route;
    if body.len() > TREE_LIMIT {
        return Err(Problem::new(413, "too-large", "The request is too large")
            .detail(format!(
                "a resource-style route takes JSON bodies up to {TREE_LIMIT} bytes"
            ))
            .into());
    }
    let mut message = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        // The tree parser refuses duplicate keys; then serde_json holds it.
        crate::codec::json_tree::parse(body).map_err(|e| {
            Problem::new(400, "invalid-json", "The request is not valid JSON").detail(format!(
                "line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
        })?;
        serde_json::from_slice::<Value>(body).map_err(|e| {
            Problem::new(400, "invalid-json", "The request is not valid JSON").detail(e.to_string())
        })?
    };
    if !message.is_object() {
        return Err(Problem::new(
            400,
            "invalid-request",
            "The request body must be a JSON object",
        )
        .into());
    }
    let mut given: Vec<(String, Value)> = Vec::new();
    for (i, f) in r
        .path
        .parts
        .iter()
        .filter_map(|p| match p {
            crate::mapping::Piece::Field(f) => Some(f),
            crate::mapping::Piece::Text(_) => None,
        })
        .enumerate()
    {
        if let Some(raw) = req.match_info().get(&format!("p{i}")) {
            // actix leaves %2F, %25 and %2B encoded in path segments.
            let value = percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .map_err(|_| {
                    Problem::new(400, "invalid-request", "A path parameter is not UTF-8")
                })?;
            given.push((f.clone(), coerce(facade, entry, f, &value)));
        }
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    for (param, t) in &r.query {
        let [crate::mapping::Piece::Field(f)] = t.parts.as_slice() else {
            continue;
        };
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == param)
            .map(|(_, v)| v.as_str())
            .collect();
        let repeats = facade
            .codec
            .field_kind(&entry.input, f)
            .is_some_and(|(_, a)| a);
        match (values.as_slice(), repeats) {
            ([], _) => {}
            (vs, true) => given.push((
                f.clone(),
                Value::Array(vs.iter().map(|v| coerce(facade, entry, f, v)).collect()),
            )),
            ([one], false) => given.push((f.clone(), coerce(facade, entry, f, one))),
            (_, false) => {
                return Err(Problem::new(
                    400,
                    "invalid-request",
                    "A query parameter is given more than once",
                )
                .detail(format!("`{param}` does not repeat"))
                .into());
            }
        }
    }
    for (name, t) in &r.headers {
        let [crate::mapping::Piece::Field(f)] = t.parts.as_slice() else {
            continue;
        };
        if let Some(v) = req
            .headers()
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
        {
            given.push((f.clone(), coerce(facade, entry, f, v)));
        }
    }
    for (f, v) in given {
        if !set_field(&mut message, &f, v) {
            let pointer = format!("/{}", f.replace('.', "/"));
            let mut p = Problem::new(400, "invalid-request", "The request breaks the contract");
            p.errors.push(FieldError {
                pointer,
                message: format!("`{f}` is given both in the URL or headers and in the body"),
            });
            return Err(p.into());
        }
    }
    // Header parts the mapping supplies, unless the request gives them.
    if let Some(defaults) = &r.soap_headers
        && let Value::Object(m) = &mut message
    {
        let headers = m
            .entry(crate::codec::message::HEADERS)
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(h) = headers {
            for (part, v) in defaults {
                match (h.get_mut(part), v) {
                    // The request's own fields win; the mapping fills the rest.
                    (Some(Value::Object(given)), Value::Object(fill)) => {
                        for (k, x) in fill {
                            given.entry(k.clone()).or_insert_with(|| x.clone());
                        }
                    }
                    (Some(_), _) => {}
                    (None, v) => {
                        h.insert(part.clone(), v.clone());
                    }
                }
            }
        }
    }
    Ok(serde_json::to_vec(&message).unwrap_or_default())
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || m.ends_with("+json"))
}

/// `Ok(Some(json))` for an answer, `Ok(None)` for a one-way operation.
async fn process(
    state: &State,
    facade: &Facade,
    entry: &Entry,
    req: &HttpRequest,
    id: &str,
    payload: web::Payload,
) -> Result<Option<String>, Fail> {
    let bodiless = matches!(entry.route.method.as_str(), "GET" | "DELETE") && entry.route.custom;
    if !bodiless && !is_json(req) {
        return Err(
            Problem::new(415, "unsupported-media-type", "Unsupported Media Type")
                .detail("send the operation's input message as application/json")
                .into(),
        );
    }
    let body = super::body::read(payload, state).await.map_err(|e| {
        let slug = match e.status {
            413 => "too-large",
            408 => "timeout",
            503 => "busy",
            _ => "bad-request",
        };
        Problem::new(e.status, slug, "The request body was not accepted").detail(e.message)
    })?;
    // Validate and write the envelope; the backend never sees invalid data.
    let opts = Options {
        ignore_unknown: facade.mapping.ignore_unknown_fields,
        limits: crate::codec::Limits {
            max_depth: state.limits.max_depth,
            // JSON read whole costs tens of times its size in memory: up
            // to TREE_LIMIT it is, beyond it it streams (schema order).
            max_json: TREE_LIMIT,
            ..crate::codec::Limits::default()
        },
        ..Options::default()
    };
    let assembled;
    let json: &[u8] = if entry.route.custom || entry.route.soap_headers.is_some() {
        assembled = assemble(facade, entry, req, &body.bytes)?;
        &assembled
    } else {
        &body.bytes
    };
    let envelope = facade
        .codec
        .json_to_envelope(&entry.input, json, Vec::new(), &opts)
        .map_err(|e| match e {
            TranslateError::Invalid(errors) => {
                let mut p = Problem::new(400, "invalid-request", "The request breaks the contract")
                    .detail(format!(
                        "{} error{} in the {} input message",
                        errors.len(),
                        if errors.len() == 1 { "" } else { "s" },
                        entry.op.name
                    ));
                p.errors = errors;
                p
            }
            TranslateError::Json {
                line,
                column,
                detail,
            } => Problem::new(400, "invalid-json", "The request is not valid JSON")
                .detail(format!("line {line}, column {column}: {detail}")),
            TranslateError::Limit(m) if m.contains("larger than") || m.contains("longer than") => {
                Problem::new(413, "too-large", "The request is too large").detail(m)
            }
            TranslateError::Limit(m) => {
                Problem::new(400, "limit", "The request exceeds a limit").detail(m)
            }
            TranslateError::Unsupported(m) => {
                tracing::warn!(error = %m, "the contract cannot be translated here");
                Problem::new(
                    500,
                    "unsupported",
                    "The contract uses a construct soapbridge cannot translate",
                )
            }
            other => Problem::new(400, "invalid-request", "The request cannot be translated")
                .detail(other.to_string()),
        })?;
    if let Some(q) = &entry.route.publish {
        // A one-way operation mapped to a queue: 202 once the broker
        // confirmed; the queue's consumer calls the SOAP backend.
        let Some(publisher) = &state.publisher else {
            return Err(
                Problem::new(503, "broker-unavailable", "No message broker is configured").into(),
            );
        };
        return match publisher.publish(q, id, json).await {
            Ok(()) => Ok(None),
            Err(e) => {
                tracing::warn!(request_id = %id, queue = %q.name, error = %e, "publish failed");
                Err(Problem::new(
                    503,
                    "broker-unavailable",
                    "The message broker is unavailable",
                )
                .detail("the message was not accepted; send it again")
                .into())
            }
        };
    }
    drop(body);
    let caller = super::upstream::from_request(req, id);
    let answer = call_backend(state, facade, entry, &caller, envelope).await?;
    interpret(state, facade, entry, id, answer)
}

/// Delivers a queued message JSON to the SOAP backend (flow C over flow
/// B's machinery). `Err` is the problem the REST facade would have answered.
pub async fn deliver_queued(
    state: &State,
    facade: &Facade,
    entry: &Entry,
    json: &[u8],
    caller: &super::upstream::Caller<'_>,
) -> Result<Option<String>, Box<Problem>> {
    let envelope = facade
        .codec
        .json_to_envelope(&entry.input, json, Vec::new(), &Options::default())
        .map_err(|e| {
            Problem::new(400, "invalid-request", "The message breaks the contract")
                .detail(e.to_string())
        })?;
    let answer = call_backend(state, facade, entry, caller, envelope).await?;
    interpret(state, facade, entry, caller.id, answer)
}

/// The backend's HTTP answer.
struct BackendAnswer {
    status: u16,
    body: Vec<u8>,
    content_type: Option<String>,
}

async fn call_backend(
    state: &State,
    facade: &Facade,
    entry: &Entry,
    caller: &super::upstream::Caller<'_>,
    envelope: Vec<u8>,
) -> Result<BackendAnswer, Fail> {
    let id = caller.id;
    let route = &entry.route;
    let action = entry.op.soap_action.clone().unwrap_or_default();
    let content_type = match entry.version {
        SoapVersion::V11 => "text/xml; charset=utf-8".to_string(),
        SoapVersion::V12 if action.is_empty() => "application/soap+xml; charset=utf-8".to_string(),
        SoapVersion::V12 => format!("application/soap+xml; charset=utf-8; action=\"{action}\""),
    };
    let client = facade.client.as_ref().unwrap_or(&state.client);
    let started = std::time::Instant::now();
    let mut attempt = 0;
    let mut fresh_token = false;
    let result = loop {
        // WS-Security made anew for each attempt: a retry is not a replay.
        let body = match &facade.mapping.wsse_out {
            // libxml (signing) stays off the async threads.
            Some(w) => {
                let (w, env) = (w.clone(), envelope.clone());
                tokio::task::spawn_blocking(move || w.secure(&env, crate::wsse::time::now()))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r)
                    .map_err(|e| {
                        tracing::error!(request_id = %id, error = %e, "WS-Security for the backend failed");
                        Fail::from(Problem::new(
                            500,
                            "internal",
                            "The WS-Security header could not be made",
                        ))
                    })?
            }
            None => envelope.clone(),
        };
        let authorization = match &facade.mapping.credentials {
            Some(c) => Some(c.authorization(client, fresh_token).await.map_err(|e| {
                tracing::warn!(request_id = %id, error = %e, "no backend credentials");
                Fail::from(
                    Problem::new(
                        502,
                        "backend-credentials",
                        "The backend's credentials are unavailable",
                    )
                    .detail(e.to_string()),
                )
            })?),
            None => None,
        };
        let mut rb = client
            .post(facade.mapping.base_url.clone())
            .timeout(route.timeout)
            .header("Content-Type", content_type.as_str())
            .header("X-Request-Id", id)
            .body(body);
        if let Some(a) = &authorization {
            rb = rb.header("Authorization", a.as_str());
        }
        if entry.version == SoapVersion::V11 {
            rb = rb.header("SOAPAction", format!("\"{action}\""));
        }
        if let Some(tp) = caller.traceparent {
            rb = rb.header("traceparent", tp);
        }
        if let Some(key) = caller.idempotency_key {
            rb = rb.header("Idempotency-Key", key);
        }
        if let Some(a) = &facade.mapping.basic_auth {
            rb = rb.basic_auth(&a.username, Some(a.password.expose()));
        }
        let r = rb.send().await;
        if let (Ok(resp), Some(c)) = (&r, &facade.mapping.credentials)
            && resp.status() == 401
            && !fresh_token
            && c.after_unauthorized().await
        {
            fresh_token = true;
            continue;
        }
        let retry = match &r {
            Err(e) => e.is_connect() || e.is_timeout(),
            Ok(resp) => matches!(resp.status().as_u16(), 502..=504),
        };
        if retry && attempt < route.retries {
            let pause = route.backoff.saturating_mul(1 << attempt.min(10));
            attempt += 1;
            tokio::time::sleep(pause).await;
            continue;
        }
        break r;
    };
    super::metrics::upstream(
        &facade.mapping.service,
        &entry.op.name,
        result.as_ref().ok().map(|r| r.status().as_u16()),
        started.elapsed().as_secs_f64(),
    );
    let resp = result.map_err(|e| {
        tracing::warn!(request_id = %id, error = %e, "backend call failed");
        if e.is_timeout() {
            super::metrics::upstream_error(&facade.mapping.service, "timeout");
            Problem::new(
                504,
                "backend-timeout",
                "The SOAP backend did not answer in time",
            )
            .detail(format!("no answer within {} ms", route.timeout.as_millis()))
        } else if e.is_connect() {
            super::metrics::upstream_error(&facade.mapping.service, "connect");
            Problem::new(
                503,
                "backend-unavailable",
                "The SOAP backend is unavailable",
            )
        } else {
            super::metrics::upstream_error(&facade.mapping.service, "other");
            Problem::new(502, "backend-error", "The SOAP backend call failed")
        }
    })?;
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = super::upstream::read_capped(resp, super::upstream::MAX_ANSWER)
        .await
        .map_err(|f| {
            Problem::new(
                502,
                "backend-error",
                "The SOAP backend's answer was not read",
            )
            .detail(f.reason)
        })?;
    if let Some(w) = facade.mapping.wsse_out.as_ref().filter(|w| w.verifies()) {
        // A SOAP fault comes with HTTP 500 (1.1) or 400/500 (1.2).
        let fault = status >= 400;
        let (w, answer, ct) = (w.clone(), body.clone(), content_type.clone());
        let checked = tokio::task::spawn_blocking(move || {
            w.check_answer(&answer, ct.as_deref(), fault, crate::wsse::time::now())
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
        if let Err(e) = checked {
            tracing::warn!(request_id = %id, error = %e, "the backend's answer failed its signature check");
            super::metrics::upstream_error(&facade.mapping.service, "signature");
            return Err(Problem::new(
                502,
                "backend-signature",
                "The SOAP backend's answer is not signed as required",
            )
            .into());
        }
    }
    Ok(BackendAnswer {
        status,
        body,
        content_type,
    })
}

fn not_soap(status: u16) -> Problem {
    Problem::new(
        502,
        "backend-not-soap",
        "The SOAP backend's answer is not a SOAP envelope",
    )
    .detail(format!("HTTP {status}"))
}

/// The backend's answer as the output message JSON, or a problem.
fn interpret(
    state: &State,
    facade: &Facade,
    entry: &Entry,
    id: &str,
    answer: BackendAnswer,
) -> Result<Option<String>, Fail> {
    if entry.output.is_none()
        && (200..300).contains(&answer.status)
        && answer.body.iter().all(u8::is_ascii_whitespace)
    {
        return Ok(None);
    }
    let hint = answer.content_type.as_deref().and_then(|ct| {
        ct.split(';')
            .skip(1)
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
            .map(|(_, v)| v.trim().trim_matches('"').to_string())
    });
    let text = crate::xml::charset::decode(&answer.body, hint.as_deref())
        .map_err(|_| not_soap(answer.status))?;
    let limits = crate::xml::Limits {
        max_bytes: super::upstream::MAX_ANSWER,
        max_depth: state.limits.max_depth,
        ..crate::xml::Limits::default()
    };
    let env = crate::xml::parse(&text, &limits).map_err(|_| not_soap(answer.status))?;
    let env_ns = crate::codec::message::envelope_ns(entry.version);
    if env.name.local != "Envelope" || env.name.ns != env_ns {
        return Err(not_soap(answer.status).into());
    }
    let body = env
        .child(env_ns, "Body")
        .ok_or_else(|| not_soap(answer.status))?;
    if let Some(fault) = body.child(env_ns, "Fault") {
        return Err(fault_problem(facade, entry, entry.version, env_ns, fault).into());
    }
    if !(200..300).contains(&answer.status) {
        return Err(not_soap(answer.status).into());
    }
    let Some(output) = &entry.output else {
        return Ok(None);
    };
    let json = facade
        .codec
        .envelope_to_json(output, text.as_bytes(), Vec::new(), &Options::default())
        .map_err(|e| {
            let mut p = Problem::new(502, "backend-invalid", "The SOAP backend's answer breaks the contract");
            if let TranslateError::Invalid(errors) = e {
                for e in &errors {
                    tracing::warn!(request_id = %id, pointer = %e.pointer, error = %e.message, "the backend answer breaks the contract");
                }
                p.errors = errors
                    .into_iter()
                    .map(|e| FieldError {
                        pointer: e.pointer,
                        message: "the backend's value here breaks the contract".into(),
                    })
                    .collect();
            }
            p
        })?;
    Ok(Some(String::from_utf8_lossy(&json).into_owned()))
}

/// A SOAP fault as a problem: the fault string as title, the fault code's
/// party as the status (Client/Sender 400, Server/Receiver 502, or what
/// the mapping's rule for a declared fault says), a declared fault's
/// detail element translated to JSON under `fault.detail`.
fn fault_problem(
    facade: &Facade,
    entry: &Entry,
    version: SoapVersion,
    env_ns: &str,
    fault: &crate::xml::Element,
) -> Problem {
    let text_of = |el: Option<&crate::xml::Element>| {
        el.map(|e| e.text.trim().to_string()).unwrap_or_default()
    };
    let (code, reason, detail) = match version {
        SoapVersion::V11 => (
            text_of(fault.child("", "faultcode")),
            text_of(fault.child("", "faultstring")),
            fault.child("", "detail"),
        ),
        SoapVersion::V12 => (
            text_of(
                fault
                    .child(env_ns, "Code")
                    .and_then(|c| c.child(env_ns, "Value")),
            ),
            text_of(
                fault
                    .child(env_ns, "Reason")
                    .and_then(|r| r.child(env_ns, "Text")),
            ),
            fault.child(env_ns, "Detail"),
        ),
    };
    let local = code.rsplit(':').next().unwrap_or_default();
    let sender = matches!(local, "Client" | "Sender") || local.starts_with("Client.");
    let mut status = if sender { 400 } else { 502 };
    let mut fault_json = json!({"code": code});
    // A declared fault: the detail's element is one of the operation's.
    if let Some(el) = detail.and_then(|d| d.children.first()) {
        let declared = entry
            .op
            .faults
            .iter()
            .find(|f| f.element.as_ref() == Some(&el.name));
        if let Some(f) = declared {
            fault_json["name"] = Value::String(f.name.clone());
            let xml = crate::codec::message::element_to_xml(el);
            if let Ok(j) = facade.codec.xml_to_json_string(&el.name, &xml)
                && let Ok(v) = serde_json::from_str::<Value>(&j)
            {
                fault_json["detail"] = v;
            }
            if let Some(rule) = entry.route.faults.iter().find(|r| r.fault == f.name)
                && let crate::mapping::StatusMatch::Code(c) = rule.status
            {
                status = c;
            }
        }
    }
    // The title stays the same for every fault (RFC 9457 3.1.3). The
    // backend's own text is passed on only for faults it blames on the
    // caller or declares in the contract, shortened; a Server fault's text
    // may hold the backend's internals and goes to the log only.
    let mut p = Problem::new(
        status,
        "soap-fault",
        "The SOAP backend answered with a fault",
    );
    let shareable = sender || fault_json.get("name").is_some();
    if shareable && !reason.is_empty() {
        let mut text: String = crate::xml::escape::xml_chars(&reason)
            .chars()
            .take(500)
            .collect();
        if reason.chars().count() > 500 {
            text.push('…');
        }
        p.detail = Some(text);
    } else if !reason.is_empty() {
        tracing::warn!(fault = %reason, "the SOAP backend answered with a Server fault");
    }
    p.extra.insert("fault".into(), fault_json);
    p
}
