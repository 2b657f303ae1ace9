//! `GET <path>?wsdl`: the contract as clients generate from it, with every
//! `soap:address` pointing at the bridge and imported documents served
//! beside it (`?xsd=N`).

use actix_web::{HttpRequest, HttpResponse, web};

use super::{Endpoint, Facade, State};

/// Scheme and host the caller reached the bridge at: `Forwarded` /
/// `X-Forwarded-Proto` / `X-Forwarded-Host` from a trusted proxy, else the
/// `Host` header (so a client cannot make the bridge publish another
/// address by sending forwarding headers itself).
fn origin(req: &HttpRequest, trusted: &[super::config::Cidr]) -> String {
    let from_proxy = req
        .peer_addr()
        .is_some_and(|a| trusted.iter().any(|c| c.contains(a.ip())));
    if from_proxy {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| req.app_config().host().to_string());
    format!("http://{host}")
}

pub async fn handle(
    req: HttpRequest,
    state: web::Data<State>,
    endpoint: web::Data<Endpoint>,
) -> HttpResponse {
    let facade = &state.facades[endpoint.facade];
    let c = &facade.mapping.contract;
    let query = req.query_string();
    let id = super::soap::request_id(&req);
    let origin = origin(&req, &state.trusted_proxies);
    let base = format!("{origin}{}", req.path());
    let (doc, root) = if query.eq_ignore_ascii_case("wsdl") || query.is_empty() {
        (c.documents.first(), true)
    } else if let Some(n) = query.strip_prefix("xsd=") {
        let n: Option<usize> = n.parse().ok();
        (
            n.and_then(|n| c.documents.get(n)).filter(|d| !d.builtin),
            false,
        )
    } else {
        (None, false)
    };
    let Some(doc) = doc else {
        return HttpResponse::NotFound()
            .insert_header(("X-Request-Id", id))
            .body("no such document\n");
    };
    let mut text = relink(&doc.text, &doc.name, c, &base);
    if root {
        text = readdress(&text, facade, &origin);
    }
    HttpResponse::Ok()
        .insert_header(("X-Request-Id", id))
        .content_type("text/xml; charset=utf-8")
        .body(text)
}

/// Points `location`/`schemaLocation` attributes that name a loaded
/// document at `?xsd=N` on the bridge.
fn relink(text: &str, from: &str, c: &crate::contract::Contract, base: &str) -> String {
    let re = regex::Regex::new(r#"\b(schemaLocation|location)\s*=\s*("([^"]*)"|'([^']*)')"#)
        .expect("valid regex");
    let dir = std::path::Path::new(from)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    re.replace_all(text, |cap: &regex::Captures<'_>| {
        let value = cap.get(3).or(cap.get(4)).map_or("", |m| m.as_str());
        let resolved = dir.join(value);
        let found = c
            .documents
            .iter()
            .position(|d| !d.builtin && same_path(std::path::Path::new(&*d.name), &resolved));
        match found {
            Some(n) if n > 0 => format!(r#"{}="{base}?xsd={n}""#, &cap[1]),
            _ => cap[0].to_string(),
        }
    })
    .into_owned()
}

fn same_path(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Rewrites each port's `soap:address` / `soap12:address` location to
/// where the bridge serves that port.
fn readdress(text: &str, facade: &Facade, origin: &str) -> String {
    let port_re = regex::Regex::new(
        r#"(?s)(<(?:[A-Za-z0-9_.-]+:)?port\b[^>]*?\bname\s*=\s*["']([^"']+)["'][^>]*>)(.*?)(</(?:[A-Za-z0-9_.-]+:)?port\s*>)"#,
    )
    .expect("valid regex");
    let addr_re = regex::Regex::new(
        r#"(<[A-Za-z0-9_.-]*:?address\b[^>]*?\blocation\s*=\s*)("[^"]*"|'[^']*')"#,
    )
    .expect("valid regex");
    port_re
        .replace_all(text, |cap: &regex::Captures<'_>| {
            let name = &cap[2];
            let Some(port) = facade.ports.iter().find(|p| p.name == name) else {
                return cap[0].to_string();
            };
            let mut url = String::new();
            crate::xml::escape::attr(&mut url, &format!("{origin}{}", facade.port_path(port)));
            let inner = addr_re.replace_all(&cap[3], |a: &regex::Captures<'_>| {
                format!(r#"{}"{url}""#, &a[1])
            });
            format!("{}{inner}{}", &cap[1], &cap[4])
        })
        .into_owned()
}
