//! One SOAP request: receive, decode, dispatch, validate, call, encode.

use actix_web::{HttpRequest, HttpResponse, web};

use super::fault::{Fault, Party};
use super::{Endpoint, Entry, Facade, State};
use crate::codec::message::{BodyLayout, MessageLayout};
use crate::codec::{Options, TranslateError};
use crate::contract::Contract;
use crate::qname::QName;
use crate::wsdl::model::SoapVersion;

/// `X-Request-Id` from the caller (when it is sane), else a new one.
pub fn request_id(req: &HttpRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(new_id)
}

fn new_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:016x}-{:08x}-{n:x}", t as u64, std::process::id())
}

/// The body element a request of `layout` carries.
pub fn body_name(c: &Contract, layout: &MessageLayout) -> Option<QName> {
    match &layout.body {
        BodyLayout::Element(e) => Some(c.schema.element(*e).name.clone()),
        BodyLayout::Parts(parts) => parts
            .first()
            .map(|(_, e)| c.schema.element(*e).name.clone()),
        BodyLayout::Rpc { wrapper, .. } => Some(wrapper.clone()),
    }
}

/// The `charset` parameter of the Content-Type, for bodies without an
/// XML declaration that names their encoding.
fn charset_of(req: &HttpRequest) -> Option<String> {
    let ct = req.headers().get("content-type")?.to_str().ok()?;
    ct.split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

/// The SOAP version the Content-Type names, with the SOAP 1.2 `action`.
fn version_of(req: &HttpRequest) -> Option<(SoapVersion, Option<String>)> {
    let ct = req.headers().get("content-type")?.to_str().ok()?;
    let mut parts = ct.split(';').map(str::trim);
    let mime = parts.next()?.to_ascii_lowercase();
    match mime.as_str() {
        "text/xml" => {
            let action = req
                .headers()
                .get("soapaction")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().trim_matches('"').to_string());
            Some((SoapVersion::V11, action))
        }
        "application/soap+xml" => {
            let action = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("action"))
                .map(|(_, v)| v.trim().trim_matches('"').to_string());
            Some((SoapVersion::V12, action))
        }
        _ => None,
    }
}

fn answer(v: SoapVersion, id: &str, status: u16, body: String) -> HttpResponse {
    let ct = match v {
        SoapVersion::V11 => "text/xml; charset=utf-8",
        SoapVersion::V12 => "application/soap+xml; charset=utf-8",
    };
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .insert_header(("X-Request-Id", id.to_string()))
        .content_type(ct)
        .body(body)
}

fn fault_answer(v: SoapVersion, id: &str, f: &Fault) -> HttpResponse {
    tracing::info!(request_id = %id, party = ?f.party, reason = %f.reason, "fault");
    answer(v, id, f.status(v), f.envelope(v))
}

pub async fn handle(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
    endpoint: web::Data<Endpoint>,
) -> HttpResponse {
    let id = request_id(&req);
    let facade = &state.facades[endpoint.facade];
    let Some((version, action)) = version_of(&req) else {
        let f = Fault::client(
            "unsupported Content-Type: SOAP 1.1 requests are text/xml, SOAP 1.2 requests application/soap+xml",
        );
        return answer(SoapVersion::V11, &id, 415, f.envelope(SoapVersion::V11));
    };
    let body = match super::body::read(payload, &state).await {
        Ok(b) => b,
        Err(e) => {
            let f = if e.client {
                Fault::client(e.message)
            } else {
                Fault::server(e.message)
            };
            return answer(version, &id, e.status, f.envelope(version));
        }
    };
    let body = &body.bytes;
    let started = std::time::Instant::now();
    let mut ctx = Ctx::default();
    let result = process(
        &state,
        facade,
        endpoint.port,
        &req,
        &id,
        version,
        action,
        body,
        &mut ctx,
    )
    .await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(f) if f.party == Party::Server => "server_fault",
        Err(_) => "client_fault",
    };
    super::metrics::request(
        &facade.mapping.service,
        ctx.operation.unwrap_or("(none)"),
        outcome,
        started.elapsed().as_secs_f64(),
    );
    let response = match (result, &ctx.wsa) {
        (Ok(Reply::Message(xml)), Some(a)) => {
            answer(version, &id, 200, a.apply(xml, &a.reply_action))
        }
        (Ok(Reply::Message(xml)), None) => answer(version, &id, 200, xml),
        (Ok(Reply::Accepted), _) => HttpResponse::Accepted()
            .insert_header(("X-Request-Id", id.clone()))
            .finish(),
        (Err(f), Some(a)) => {
            tracing::info!(request_id = %id, party = ?f.party, reason = %f.reason, "fault");
            let fault_action = format!("{}/fault", a.ns);
            answer(
                version,
                &id,
                f.status(version),
                a.apply(f.envelope(version), &fault_action),
            )
        }
        (Err(f), None) => fault_answer(version, &id, &f),
    };
    tracing::info!(
        request_id = %id,
        path = %facade.mapping.path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "soap request"
    );
    response
}

/// What the request path learned that the answer needs.
#[derive(Default)]
pub struct Ctx<'f> {
    pub wsa: Option<Addressing>,
    pub operation: Option<&'f str>,
}

pub enum Reply {
    Message(String),
    /// A one-way operation the upstream accepted.
    Accepted,
}

#[allow(clippy::too_many_arguments)]
async fn process<'f>(
    state: &State,
    facade: &'f Facade,
    port: Option<usize>,
    req: &HttpRequest,
    id: &str,
    version: SoapVersion,
    action: Option<String>,
    body: &[u8],
    ctx: &mut Ctx<'f>,
) -> Result<Reply, Fault> {
    let hint = charset_of(req);
    let text = crate::xml::charset::decode(body, hint.as_deref())
        .map_err(|e| Fault::client(format!("the request is not readable text: {e}")))?;
    let limits = crate::xml::Limits {
        max_bytes: state.limits.max_body,
        max_depth: state.limits.max_depth,
        max_elements: state.limits.max_elements,
        max_attributes: state.limits.max_attributes,
    };
    let env = crate::xml::parse(&text, &limits)
        .map_err(|e| Fault::client(format!("the request is not well-formed XML: {}", e.kind)))?;
    let env_ns = crate::codec::message::envelope_ns(version);
    if env.name.local != "Envelope" {
        return Err(Fault::client("the request is not a SOAP envelope"));
    }
    if env.name.ns != env_ns {
        let other = if env.name.ns == crate::ns::SOAP11_ENV || env.name.ns == crate::ns::SOAP12_ENV
        {
            "the envelope's SOAP version does not match the Content-Type"
        } else {
            "the envelope is not in a SOAP envelope namespace"
        };
        return Err(Fault::new(Party::VersionMismatch, other));
    }
    let Some(soap_body) = env.child(env_ns, "Body") else {
        return Err(Fault::client("the envelope has no Body"));
    };
    let Some(first) = soap_body.children.first() else {
        return Err(Fault::client("the Body is empty: it names no operation"));
    };
    let entry = dispatch(facade, port, version, &first.name, action.as_deref())?;
    ctx.wsa = Addressing::of(&env, env_ns, entry);
    ctx.operation = Some(&entry.op.name);
    must_understand(&env, env_ns, version, entry, facade.mapping)?;
    // A verified TLS client certificate the server knows (mutual TLS).
    let tls_client = req
        .conn_data::<super::tls::PeerCertificate>()
        .filter(|_| state.auth.uses_client_certificates())
        .and_then(|p| state.auth.verify_client_certificate(&p.0).ok());
    authenticate(facade, entry, &env, &text, env_ns, version, id, tls_client).await?;
    // Validate and translate the request into the message JSON.
    let opts = Options {
        limits: crate::codec::Limits {
            max_depth: state.limits.max_depth,
            max_attributes: state.limits.max_attributes,
            max_elements: state.limits.max_elements,
            ..crate::codec::Limits::default()
        },
        ..Options::default()
    };
    let json = facade
        .codec
        .envelope_to_json(&entry.input, text.as_bytes(), Vec::new(), &opts)
        .map_err(request_fault)?;
    let message: serde_json::Value = serde_json::from_slice(&json)
        .map_err(|_| Fault::server("the request could not be translated"))?;
    if let Some(q) = &entry.route.publish {
        // A one-way operation mapped to a queue: accepted once the broker
        // confirmed it; the queue's consumer delivers it.
        let Some(publisher) = &state.publisher else {
            return Err(Fault::server(
                "this operation is delivered through a message broker, and none is configured",
            ));
        };
        let body = serde_json::to_vec(&message).unwrap_or_default();
        return match publisher.publish(q, id, &body).await {
            Ok(()) => Ok(Reply::Accepted),
            Err(e) => {
                tracing::warn!(request_id = %id, queue = %q.name, error = %e, "publish failed");
                Err(Fault::server(format!(
                    "{e}; the message was not accepted, send it again"
                )))
            }
        };
    }
    let caller = super::upstream::from_request(req, id);
    let outcome = super::upstream::call(state, facade, entry, &message, &caller).await?;
    let Some(output) = &entry.output else {
        return Ok(Reply::Accepted);
    };
    let answer = match &entry.route.response {
        Some(field) => outcome.get(field).cloned().ok_or_else(|| {
            Fault::server(format!(
                "the upstream answer has no `{field}` field for the response"
            ))
        })?,
        None => outcome,
    };
    let mut answer = answer;
    for (soap, rest) in &entry.route.response_rename {
        crate::mapping::rename(&mut answer, rest, soap);
    }
    let answer_text = serde_json::to_vec(&answer).unwrap_or_default();
    let opts = Options {
        ignore_unknown: true,
        ..Options::default()
    };
    let xml = facade
        .codec
        .json_to_envelope(output, answer_text.as_slice(), Vec::new(), &opts)
        .map_err(|e| match e {
            TranslateError::Invalid(errors) => {
                // Where, not what: the values are the upstream's data.
                for e in &errors {
                    tracing::warn!(request_id = %id, pointer = %e.pointer, error = %e.message, "the upstream answer breaks the contract");
                }
                let pointers: Vec<&str> = errors.iter().take(5).map(|e| e.pointer.as_str()).collect();
                let mut f = Fault::server(format!(
                    "the upstream answer breaks the contract at {}",
                    pointers.join(", ")
                ));
                f.errors = errors
                    .iter()
                    .map(|e| crate::codec::FieldError {
                        pointer: e.pointer.clone(),
                        message: "the upstream's value here breaks the contract".into(),
                    })
                    .collect();
                f
            }
            _ => Fault::server("the upstream answer could not be translated"),
        })?;
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    out.push_str(&String::from_utf8_lossy(&xml));
    if let Some(signer) = &facade.mapping.sign_responses {
        let signer = signer.clone();
        let signed = tokio::task::spawn_blocking(move || {
            signer.sign(
                &out,
                &crate::wsse::signature::sign::Options::default(),
                crate::wsse::time::now(),
            )
        })
        .await;
        return match signed {
            Ok(Ok(xml)) => Ok(Reply::Message(xml)),
            Ok(Err(e)) => {
                tracing::error!(request_id = %id, error = %e, "signing the response failed");
                Err(Fault::server("the response could not be signed"))
            }
            Err(_) => Err(Fault::server("the response could not be signed")),
        };
    }
    Ok(Reply::Message(out))
}

fn request_fault(e: TranslateError) -> Fault {
    match e {
        TranslateError::Invalid(errors) => {
            let mut f = Fault::client(format!(
                "the request breaks the contract ({} error{}): {}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                errors
                    .iter()
                    .take(5)
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            f.errors = errors;
            f
        }
        TranslateError::Xml { detail, .. } => {
            Fault::client(format!("the request is not well-formed XML: {detail}"))
        }
        TranslateError::Limit(m) => Fault::client(format!("the request is too large: {m}")),
        other => Fault::client(format!("the request cannot be translated: {other}")),
    }
}

/// The operation a request is for: by its body element, then by action.
fn dispatch<'f>(
    facade: &'f Facade,
    port: Option<usize>,
    version: SoapVersion,
    body: &QName,
    action: Option<&str>,
) -> Result<&'f Entry, Fault> {
    let of_version: Vec<&Entry> = facade
        .ports
        .iter()
        .enumerate()
        .filter(|(j, p)| match port {
            Some(want) => *j == want,
            None => p.primary,
        })
        .flat_map(|(_, p)| p.entries.iter())
        .filter(|e| e.version == version)
        .collect();
    if of_version.is_empty() {
        return Err(Fault::new(
            Party::VersionMismatch,
            format!("this service does not speak SOAP {}", version.as_str()),
        ));
    }
    let by_body: Vec<&Entry> = of_version
        .iter()
        .copied()
        .filter(|e| e.body.as_ref() == Some(body))
        .collect();
    match by_body.as_slice() {
        [one] => Ok(one),
        [] => Err(Fault::client(format!(
            "no operation of this service takes a body element {body}"
        ))),
        many => {
            let action = action.filter(|a| !a.is_empty());
            many.iter()
                .copied()
                .find(|e| action.is_some() && e.op.soap_action.as_deref() == action)
                .ok_or_else(|| {
                    Fault::client(format!(
                        "several operations take a body element {body}: the SOAPAction must name one"
                    ))
                })
        }
    }
}

/// WS-Security of the mapping's `security:` (unless the operation is
/// public): UsernameToken and Timestamp, then the XML Signature (on a
/// blocking thread: libxml2 documents are not `Send`, so the text goes in
/// and the verdict comes out), then the operation's scopes for the
/// UsernameToken's user or else the signer. A failure is a `wsse:` fault
/// with the standard fault string only; the reason is logged with the
/// request id (and, at debug level, the signature diagnosis).
#[allow(clippy::too_many_arguments)]
async fn authenticate(
    facade: &Facade,
    entry: &Entry,
    env: &crate::xml::Element,
    text: &str,
    env_ns: &str,
    version: SoapVersion,
    id: &str,
    tls_client: Option<crate::auth::Identity>,
) -> Result<(), Fault> {
    let (Some(policy), Some(needed)) = (&facade.mapping.security, &entry.route.scopes) else {
        return Ok(());
    };
    let refused = |e: &crate::wsse::WsseError| {
        tracing::warn!(request_id = %id, operation = %entry.op.name, reason = %e, "caller refused");
        Fault::security(e.code)
    };
    let verified = policy
        .verify(env, env_ns, version, crate::wsse::time::now())
        .map_err(|e| refused(&e))?;
    let mut signer = None;
    if let Some(sig) = &policy.signature {
        let sig = sig.clone();
        let text = text.to_string();
        let debug = tracing::enabled!(tracing::Level::DEBUG);
        let outcome = tokio::task::spawn_blocking(move || {
            let now = crate::wsse::time::now();
            if debug {
                let (r, report) = sig.diagnose(&text, now);
                (r, Some(report))
            } else {
                (sig.verify(&text, now), None)
            }
        })
        .await
        .map_err(|_| Fault::server("the signature could not be checked"))?;
        if let Some(report) = &outcome.1
            && outcome.0.is_err()
        {
            for r in &report.references {
                tracing::debug!(
                    request_id = %id,
                    uri = %r.uri,
                    path = r.path.as_deref().unwrap_or("(unresolved)"),
                    digest_ok = ?r.digest_ok,
                    canonical = r.canonical.as_deref().unwrap_or(""),
                    "signature reference"
                );
            }
            for p in &report.problems {
                tracing::debug!(request_id = %id, problem = %p, "signature problem");
            }
        }
        signer = outcome.0.map_err(|e| refused(&e))?;
        if signer.is_some() {
            policy
                .fresh_signature(env, env_ns, version, crate::wsse::time::now())
                .map_err(|e| refused(&e))?;
        }
    }
    // An operation that is not public needs a known caller whenever the
    // policy can name one (a user, a signer, a client certificate), even
    // without scopes: a self-made Timestamp proves nothing.
    let can_name =
        !policy.users.is_empty() || policy.client_certificates || policy.signature.is_some();
    if needed.is_empty() && !can_name {
        return Ok(());
    }
    let Some(who) = verified
        .identity
        .or_else(|| signer.as_ref().map(|s| s.identity()))
        .or(tls_client.filter(|_| policy.client_certificates))
    else {
        return Err(refused(&crate::wsse::WsseError {
            code: crate::wsse::Code::FailedAuthentication,
            why: "the request names no known caller".into(),
        }));
    };
    crate::auth::authorize(&who, needed).map_err(|e| {
        refused(&crate::wsse::WsseError {
            code: crate::wsse::Code::FailedAuthentication,
            why: format!("user `{}`: {e}", who.client),
        })
    })
}

/// Header blocks the caller marked `mustUnderstand` must be ones we
/// understand: the operation's declared header parts and WS-Addressing.
fn must_understand(
    env: &crate::xml::Element,
    env_ns: &str,
    version: SoapVersion,
    entry: &Entry,
    mapping: &crate::mapping::Mapping,
) -> Result<(), Fault> {
    let c = &mapping.contract;
    let Some(header) = env.child(env_ns, "Header") else {
        return Ok(());
    };
    for block in &header.children {
        // Only blocks meant for this node: no actor/role, or next/ultimate receiver.
        let aimed_at_us = match version {
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
        if !aimed_at_us {
            continue;
        }
        let mu = block.attr_ns(env_ns, "mustUnderstand").map(str::trim);
        let required = match version {
            SoapVersion::V11 => mu == Some("1"),
            SoapVersion::V12 => matches!(mu, Some("1" | "true")),
        };
        if !required {
            continue;
        }
        let declared = entry
            .input
            .headers
            .iter()
            .any(|(_, e)| c.schema.element(*e).name == block.name);
        let addressing = block.name.ns == crate::ns::WSA || block.name.ns == crate::ns::WSA_2004;
        let security = mapping.security.is_some() && block.is(crate::ns::WSSE, "Security");
        if !declared && !addressing && !security {
            let why = if block.name.ns == crate::ns::WSSE {
                "is not understood: WS-Security is not configured for this service"
            } else {
                "is not understood"
            };
            return Err(Fault::new(
                Party::MustUnderstand,
                format!("header {} {why}", block.name),
            ));
        }
    }
    Ok(())
}

/// WS-Addressing of a request (WCF and JAX-WS clients send it): the answer
/// carries `RelatesTo` the request's `MessageID`, its own `MessageID` and
/// the reply `Action`, in the namespace version the request used.
pub struct Addressing {
    pub ns: &'static str,
    pub message_id: Option<String>,
    pub reply_action: String,
}

impl Addressing {
    fn of(env: &crate::xml::Element, env_ns: &str, entry: &Entry) -> Option<Addressing> {
        let header = env.child(env_ns, "Header")?;
        let ns = [crate::ns::WSA, crate::ns::WSA_2004]
            .into_iter()
            .find(|ns| header.children.iter().any(|c| c.name.ns == *ns))?;
        let message_id = header
            .child(ns, "MessageID")
            .map(|m| m.text.trim().to_string())
            .filter(|m| !m.is_empty());
        let reply_action = entry.reply_action.clone();
        Some(Addressing {
            ns,
            message_id,
            reply_action,
        })
    }

    /// Adds the addressing headers to an envelope soapbridge wrote (its
    /// envelope prefix is always `soap`).
    fn apply(&self, xml: String, action: &str) -> String {
        let mut h = format!(r#"<wsa:Action xmlns:wsa="{}">"#, self.ns);
        crate::xml::escape::text(&mut h, action);
        h.push_str("</wsa:Action>");
        h.push_str(&format!(
            r#"<wsa:MessageID xmlns:wsa="{}">urn:uuid:{}</wsa:MessageID>"#,
            self.ns,
            uuid_like()
        ));
        if let Some(id) = &self.message_id {
            h.push_str(&format!(r#"<wsa:RelatesTo xmlns:wsa="{}">"#, self.ns));
            crate::xml::escape::text(&mut h, id);
            h.push_str("</wsa:RelatesTo>");
        }
        if let Some(i) = xml.find("</soap:Header>") {
            let mut out = xml;
            out.insert_str(i, &h);
            return out;
        }
        match xml.find("<soap:Body") {
            Some(i) => {
                let mut out = xml;
                out.insert_str(i, &format!("<soap:Header>{h}</soap:Header>"));
                out
            }
            None => xml,
        }
    }
}

/// A random-looking version-4-shaped UUID for reply message ids (unique
/// per process run; not a security token).
fn uuid_like() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut a = std::collections::hash_map::RandomState::new().build_hasher();
    a.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    let x = a.finish();
    let mut b = std::collections::hash_map::RandomState::new().build_hasher();
    b.write_u64(x);
    let y = b.finish();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff,
        0x8000 | (y >> 48) & 0x3fff,
        y & 0xffff_ffff_ffff
    )
}
