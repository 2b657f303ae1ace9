//! `soapbridge serve`: the SOAP facade (flow A) on actix-web.
//!
//! Each mapping is one facade at its own path: `POST` takes SOAP 1.1 or
//! 1.2 requests, `GET ?wsdl` serves the contract with its address rewritten
//! to where the bridge is reached. The request path follows the data:
//! [`soap`] decodes and dispatches the envelope and validates it into the
//! message JSON, [`upstream`] makes the REST call the mapping describes,
//! and the answer is encoded back into the output message or a [`fault`].

pub mod fault;
pub mod soap;
pub mod upstream;
pub mod wsdl;

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use crate::codec::Codec;
use crate::codec::message::MessageLayout;
use crate::contract::BoundOperation;
use crate::mapping::{Mapping, Route};
use crate::qname::QName;
use crate::wsdl::model::{Protocol, SoapVersion};

/// Limits of the HTTP side.
#[derive(Debug, Clone)]
pub struct ServeLimits {
    /// Largest request body, in bytes.
    pub max_body: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits { max_body: 16 << 20 }
    }
}

/// One operation as a port of one SOAP version offers it.
pub struct Entry {
    pub op: BoundOperation,
    pub version: SoapVersion,
    pub input: MessageLayout,
    pub output: Option<MessageLayout>,
    /// The body element a request for this operation carries.
    pub body: Option<QName>,
    pub route: Route,
}

/// A mapped service, served at `mapping.path`.
pub struct Facade {
    pub mapping: &'static Mapping,
    pub codec: Codec<'static>,
    pub entries: Vec<Entry>,
}

impl Facade {
    pub fn new(mapping: &'static Mapping) -> Facade {
        let c = &mapping.contract;
        let mut entries = Vec::new();
        let service = c
            .services()
            .find(|s| s.name.local == mapping.service)
            .expect("the mapping's service exists");
        for port in &service.ports {
            let Some(binding) = c.binding(&port.binding) else {
                continue;
            };
            for op in c.bound_operations(binding) {
                let Protocol::Soap(version) = op.protocol else {
                    continue;
                };
                if entries
                    .iter()
                    .any(|e: &Entry| e.version == version && e.op.name == op.name)
                {
                    continue;
                }
                let (Ok(input), Some(route)) = (
                    crate::codec::message::layout(&op, false),
                    mapping.routes.get(&op.name),
                ) else {
                    continue;
                };
                let output = if op.one_way {
                    None
                } else {
                    crate::codec::message::layout(&op, true).ok()
                };
                let body = soap::body_name(c, &input);
                entries.push(Entry {
                    route: route.clone(),
                    op,
                    version,
                    input,
                    output,
                    body,
                });
            }
        }
        Facade {
            mapping,
            codec: Codec::new(c),
            entries,
        }
    }
}

pub struct State {
    pub facades: Vec<Facade>,
    pub client: reqwest::Client,
    pub limits: ServeLimits,
}

/// Serves the mappings until the process is stopped (SIGINT/SIGTERM let
/// in-flight requests finish).
pub async fn run(
    mappings: Vec<Mapping>,
    listen: SocketAddr,
    limits: ServeLimits,
) -> std::io::Result<()> {
    let state = Arc::new(state(mappings, limits)?);
    for f in &state.facades {
        tracing::info!(
            path = %f.mapping.path,
            service = %f.mapping.service,
            operations = f.entries.len(),
            "serving SOAP facade"
        );
    }
    let server = HttpServer::new({
        let state = state.clone();
        move || app(state.clone())
    })
    .bind(listen)?;
    for a in server.addrs() {
        tracing::info!(address = %a, "listening");
        eprintln!("soapbridge listening on http://{a}");
    }
    server.shutdown_timeout(30).run().await
}

pub fn state(mappings: Vec<Mapping>, limits: ServeLimits) -> std::io::Result<State> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .tls_backend_rustls()
        .pool_idle_timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(std::io::Error::other)?;
    let facades = mappings
        .into_iter()
        .map(|m| Facade::new(Box::leak(Box::new(m))))
        .collect();
    Ok(State {
        facades,
        client,
        limits,
    })
}

fn app(
    state: Arc<State>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let mut app = App::new()
        .app_data(web::Data::from(state.clone()))
        .app_data(web::PayloadConfig::new(state.limits.max_body))
        .route(
            "/healthz",
            web::get().to(|| async { HttpResponse::Ok().body("ok\n") }),
        )
        .route(
            "/readyz",
            web::get().to(|| async { HttpResponse::Ok().body("ready\n") }),
        );
    for (i, f) in state.facades.iter().enumerate() {
        app = app.service(
            web::resource(f.mapping.path.as_str())
                .app_data(web::Data::new(FacadeIndex(i)))
                .route(web::post().to(soap::handle))
                .route(web::get().to(wsdl::handle)),
        );
    }
    app.default_service(web::to(not_found))
}

/// Which facade a resource belongs to.
pub struct FacadeIndex(pub usize);

async fn not_found(req: HttpRequest) -> HttpResponse {
    let id = soap::request_id(&req);
    HttpResponse::NotFound()
        .insert_header(("X-Request-Id", id))
        .content_type("text/plain; charset=utf-8")
        .body("no SOAP facade at this path\n")
}
