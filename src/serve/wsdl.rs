//! `GET <path>?wsdl`: the contract as clients generate from it, with every
//! `soap:address` pointing at the bridge and imported documents served
//! beside it (`?xsd=N`).

use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};
use regex::Regex;

use super::{Endpoint, Facade, State};

/// Scheme and host the caller reached the bridge at: `Forwarded` /
/// `X-Forwarded-Proto` / `X-Forwarded-Host` from a trusted proxy, else the
/// `Host` header (so a client cannot make the bridge publish another
/// address by sending forwarding headers itself). Either way the host must
/// be a plain `host[:port]` and the scheme http or https, so nothing a
/// caller sends can break out of the attribute it is written into.
fn origin(req: &HttpRequest, trusted: &[super::config::Cidr]) -> String {
    let from_proxy = req
        .peer_addr()
        .is_some_and(|a| trusted.iter().any(|c| c.contains(a.ip())));
    let fallback = req.app_config().host().to_string();
    let (scheme, host) = if from_proxy {
        let info = req.connection_info();
        (info.scheme().to_string(), info.host().to_string())
    } else {
        let host = req
            .headers()
            .get(actix_web::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or(&fallback)
            .to_string();
        let scheme = if req.app_config().secure() {
            "https"
        } else {
            "http"
        };
        (scheme.to_string(), host)
    };
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else {
        "http"
    };
    let host = if plain_host(&host) { host } else { fallback };
    format!("{scheme}://{host}")
}

/// `name`, `name:port`, `1.2.3.4:port` or `[v6]:port`, nothing else.
fn plain_host(h: &str) -> bool {
    url::Url::parse(&format!("http://{h}/"))
        .ok()
        .is_some_and(|u| {
            u.host_str().is_some()
                && u.username().is_empty()
                && u.password().is_none()
                && u.path() == "/"
                && u.query().is_none()
                && u.fragment().is_none()
        })
        && !h.contains(['/', '@', '?', '#', '"', '\'', '<', '>', '\\', ' '])
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
    let doc = if query.eq_ignore_ascii_case("wsdl") || query.is_empty() {
        c.documents.first()
    } else if let Some(n) = query.strip_prefix("xsd=") {
        let n: Option<usize> = n.parse().ok();
        n.and_then(|n| c.documents.get(n)).filter(|d| !d.builtin)
    } else {
        None
    };
    let Some(doc) = doc else {
        return HttpResponse::NotFound()
            .insert_header(("X-Request-Id", id))
            .body("no such document\n");
    };
    let mut text = relink(&doc.text, &doc.name, c, &base);
    if doc.is_wsdl {
        text = readdress(&text, facade, &origin);
    }
    HttpResponse::Ok()
        .insert_header(("X-Request-Id", id))
        .content_type("text/xml; charset=utf-8")
        .body(text)
}

static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(schemaLocation|location)\s*=\s*("([^"]*)"|'([^']*)')"#).expect("valid regex")
});
static PORT_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<(?:[A-Za-z0-9_.-]+:)?port\b[^>]*>"#).expect("valid regex"));
static PORT_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"</(?:[A-Za-z0-9_.-]+:)?port\s*>"#).expect("valid regex"));
static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bname\s*=\s*["']([^"']+)["']"#).expect("valid regex"));
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(<[A-Za-z0-9_.-]*:?address\b[^>]*?\blocation\s*=\s*)("[^"]*"|'[^']*')"#)
        .expect("valid regex")
});

/// Points `location`/`schemaLocation` attributes that name a loaded
/// document at `?xsd=N` on the bridge.
fn relink(text: &str, from: &str, c: &crate::contract::Contract, base: &str) -> String {
    let dir = std::path::Path::new(from)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    LOCATION
        .replace_all(text, |cap: &regex::Captures<'_>| {
            let value = cap.get(3).or(cap.get(4)).map_or("", |m| m.as_str());
            let resolved = dir.join(value);
            let found = c
                .documents
                .iter()
                .position(|d| !d.builtin && same_path(std::path::Path::new(&*d.name), &resolved));
            match found {
                Some(n) if n > 0 => {
                    let mut url = String::new();
                    crate::xml::escape::attr(&mut url, &format!("{base}?xsd={n}"));
                    format!(r#"{}="{url}""#, &cap[1])
                }
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

/// Rewrites each served port's `soap:address` / `soap12:address` location
/// to where the bridge serves that port. A port element is rewritten only
/// when its end tag comes before any other port starts (self-closing and
/// commented-out ports are left alone rather than guessed at).
fn readdress(text: &str, facade: &Facade, origin: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(start) = PORT_START.find_at(text, at) {
        let tag = start.as_str();
        let inner_from = start.end();
        let next_start = PORT_START.find_at(text, inner_from).map(|m| m.start());
        let end = PORT_END.find_at(text, inner_from);
        let port = NAME
            .captures(tag)
            .and_then(|c| facade.ports.iter().find(|p| p.name == c[1]));
        match (tag.ends_with("/>"), end, port) {
            (false, Some(end), Some(port)) if next_start.is_none_or(|n| n > end.start()) => {
                let mut url = String::new();
                crate::xml::escape::attr(&mut url, &format!("{origin}{}", facade.port_path(port)));
                out.push_str(&text[at..inner_from]);
                let inner = ADDRESS
                    .replace_all(&text[inner_from..end.start()], |a: &regex::Captures<'_>| {
                        format!(r#"{}"{url}""#, &a[1])
                    });
                out.push_str(&inner);
                at = end.start();
            }
            _ => {
                out.push_str(&text[at..inner_from]);
                at = inner_from;
            }
        }
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::plain_host;

    #[test]
    fn only_plain_hosts_are_published() {
        for ok in [
            "example.com",
            "example.com:8080",
            "10.0.0.1:80",
            "[::1]:8080",
            "localhost",
        ] {
            assert!(plain_host(ok), "{ok}");
        }
        for bad in [
            "x\"/><evil a=\"",
            "a b",
            "user@host",
            "host/path",
            "",
            "h?x",
            "h#x",
        ] {
            assert!(!plain_host(bad), "{bad}");
        }
    }
}
