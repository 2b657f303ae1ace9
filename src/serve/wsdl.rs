//! `GET <path>?wsdl`: the contract as clients generate from it, with every
//! `soap:address` pointing at the bridge and imported documents served
//! beside it (`?xsd=N`).

use actix_web::{HttpRequest, HttpResponse, web};

use super::{FacadeIndex, State};

/// The URL the caller reached the facade at, honouring `X-Forwarded-*`.
fn public_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}{}", info.scheme(), info.host(), req.path())
}

pub async fn handle(
    req: HttpRequest,
    state: web::Data<State>,
    index: web::Data<FacadeIndex>,
) -> HttpResponse {
    let facade = &state.facades[index.0];
    let c = &facade.mapping.contract;
    let query = req.query_string();
    let id = super::soap::request_id(&req);
    let base = public_url(&req);
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
        text = readdress(&text, &base);
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

/// Rewrites `<soap:address location=...>` and `<soap12:address ...>` to
/// the bridge's own URL.
fn readdress(text: &str, base: &str) -> String {
    let re = regex::Regex::new(
        r#"(<[A-Za-z0-9_.-]*:?address\b[^>]*?\blocation\s*=\s*)("[^"]*"|'[^']*')"#,
    )
    .expect("valid regex");
    re.replace_all(text, |cap: &regex::Captures<'_>| {
        let mut v = String::new();
        crate::xml::escape::attr(&mut v, base);
        format!(r#"{}"{v}""#, &cap[1])
    })
    .into_owned()
}
