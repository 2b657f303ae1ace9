//! `soapbridge serve`: the SOAP facade (flow A) on actix-web.
//!
//! Each mapping is one facade at its own path: `POST` takes SOAP 1.1 or
//! 1.2 requests, `GET ?wsdl` serves the contract with its address rewritten
//! to where the bridge is reached. The request path follows the data:
//! [`soap`] decodes and dispatches the envelope and validates it into the
//! message JSON, [`upstream`] makes the REST call the mapping describes,
//! and the answer is encoded back into the output message or a [`fault`].

pub mod body;
pub mod config;
pub mod fault;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod rest;
pub mod soap;
pub mod tls;
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

/// Limits on what a caller may send; the defaults are safe for the open
/// internet and generous for real SOAP traffic.
#[derive(Debug, Clone)]
pub struct ServeLimits {
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Deepest element nesting of a request.
    pub max_depth: usize,
    /// Most elements in one request (bounds the memory of the envelope tree).
    pub max_elements: usize,
    /// Most attributes on one element.
    pub max_attributes: usize,
    /// Time for a client to send its request head, and again its body.
    pub read_timeout: std::time::Duration,
    /// Request bytes held by all requests together; beyond it new bodies
    /// are answered 503 at once rather than queued in memory.
    pub max_inflight: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            max_body: 16 << 20,
            max_depth: 128,
            max_elements: 250_000,
            max_attributes: 128,
            read_timeout: std::time::Duration::from_secs(30),
            max_inflight: 256 << 20,
        }
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
    /// WS-Addressing `Action` of the answer: the contract's, or the
    /// WS-Addressing Metadata default (`{tns}/{portType}/{op}Response`).
    pub reply_action: String,
}

/// The WS-Addressing Metadata 1.0 default action (section 4.4.4).
fn default_action(port_type: &QName, message: &str) -> String {
    let sep = if port_type.ns.starts_with("urn:") {
        ':'
    } else {
        '/'
    };
    let ns = port_type.ns.trim_end_matches(sep);
    format!("{ns}{sep}{}{sep}{message}", port_type.local)
}

/// One `wsdl:port` of the service: its operations in one SOAP version.
pub struct Port {
    pub name: String,
    pub version: SoapVersion,
    /// The first port of its SOAP version: served at the facade's own path
    /// (SOAP 1.1 and 1.2 share it, told apart by Content-Type). Every port
    /// is also served at `<path>/<PortName>`.
    pub primary: bool,
    pub entries: Vec<Entry>,
}

/// A mapped service, served at `mapping.path`.
pub struct Facade {
    pub mapping: &'static Mapping,
    pub codec: Codec<'static>,
    pub ports: Vec<Port>,
    /// Its own HTTP client when the mapping sets TLS or proxy options.
    pub client: Option<reqwest::Client>,
}

impl Facade {
    pub fn new(mapping: &'static Mapping) -> Facade {
        let c = &mapping.contract;
        let service = c
            .services()
            .find(|s| s.name.local == mapping.service)
            .expect("the mapping's service exists");
        let mut ports: Vec<Port> = Vec::new();
        for port in &service.ports {
            let Some(binding) = c.binding(&port.binding) else {
                continue;
            };
            let mut version = None;
            let mut entries = Vec::new();
            for op in c.bound_operations(binding) {
                let Protocol::Soap(v) = op.protocol else {
                    continue;
                };
                version = Some(v);
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
                let reply_action = op
                    .output
                    .as_ref()
                    .and_then(|o| o.action.clone())
                    .unwrap_or_else(|| {
                        let name = op
                            .output
                            .as_ref()
                            .and_then(|o| o.name.clone())
                            .unwrap_or_else(|| format!("{}Response", op.name));
                        default_action(&binding.port_type, &name)
                    });
                entries.push(Entry {
                    reply_action,
                    route: route.clone(),
                    op,
                    version: v,
                    input,
                    output,
                    body,
                });
            }
            let Some(version) = version else {
                continue;
            };
            let primary = !ports.iter().any(|p| p.version == version);
            ports.push(Port {
                name: port.name.clone(),
                version,
                primary,
                entries,
            });
        }
        Facade {
            mapping,
            codec: Codec::new(c),
            ports,
            client: None,
        }
    }

    /// Where a port is served.
    pub fn port_path(&self, port: &Port) -> String {
        if port.primary {
            self.mapping.path.clone()
        } else {
            format!("{}/{}", self.mapping.path, port.name)
        }
    }
}

/// How `serve` runs, beyond the mappings.
pub struct Settings {
    pub listen: SocketAddr,
    pub limits: ServeLimits,
    /// Peers whose `X-Forwarded-*` / `Forwarded` headers are believed.
    pub trusted_proxies: Vec<config::Cidr>,
    /// Also run the example REST service here.
    pub demo: Option<SocketAddr>,
    /// RabbitMQ for queue routes; the in-process queue without.
    pub amqp: Option<crate::queue::Broker>,
    /// Verifies REST callers.
    pub auth: crate::auth::Authenticator,
    /// HTTPS (and mutual TLS) instead of plain HTTP.
    pub tls: Option<rustls::ServerConfig>,
}

pub struct State {
    pub facades: Vec<Facade>,
    pub client: reqwest::Client,
    pub limits: ServeLimits,
    /// Peers whose `X-Forwarded-*` / `Forwarded` headers are believed.
    pub trusted_proxies: Vec<config::Cidr>,
    /// KiB of request bodies in memory, across all requests.
    pub inflight: tokio::sync::Semaphore,
    /// Publishes one-way operations mapped to a queue (with `--amqp`).
    pub publisher: Option<crate::queue::Publisher>,
    /// Verifies REST callers' credentials (server config `auth:`).
    pub auth: crate::auth::Authenticator,
}

/// Serves the mappings until the process is stopped (SIGINT/SIGTERM let
/// in-flight requests finish). With `demo`, the example REST service
/// ([`crate::demo`]) runs beside it at that address.
pub async fn run(mappings: Vec<Mapping>, settings: Settings) -> std::io::Result<()> {
    let Settings {
        listen,
        limits,
        trusted_proxies,
        demo,
        amqp,
        auth,
        tls,
    } = settings;
    let demo_server = match demo {
        Some(addr) => {
            let store = crate::demo::store();
            let server = HttpServer::new(move || {
                App::new().configure(|c| crate::demo::configure(c, store.clone()))
            })
            .workers(2)
            .bind(addr)?;
            for a in server.addrs() {
                eprintln!("example REST service (--demo) on http://{a}");
            }
            Some(server.run())
        }
        None => None,
    };
    metrics::handle();
    let mut state = state(mappings, limits)?;
    state.trusted_proxies = trusted_proxies;
    if !auth.enabled() {
        // Secure by default: an operation that names scopes is never
        // served open because the credentials were forgotten.
        // (SOAP facades get their callers from `security.users`, checked
        // when the mapping loads.)
        let rest = state
            .facades
            .iter()
            .filter(|f| f.mapping.flow == crate::mapping::Flow::RestToSoap);
        for f in rest {
            for e in f.ports.iter().flat_map(|p| &p.entries) {
                if e.route.scopes.as_ref().is_some_and(|s| !s.is_empty()) {
                    return Err(std::io::Error::other(format!(
                        "{}: operation {} requires scopes, but the server config has no `auth:` to verify callers",
                        f.mapping.file.display(),
                        e.op.name
                    )));
                }
            }
        }
    }
    for f in &state.facades {
        if f.mapping
            .security
            .as_ref()
            .is_some_and(|s| s.client_certificates)
            && !auth.uses_client_certificates()
        {
            return Err(std::io::Error::other(format!(
                "{}: security.client_certificates needs auth.client_certificates (and tls.client_ca) in the server config",
                f.mapping.file.display()
            )));
        }
    }
    state.auth = auth;
    let queues = crate::queue::routes(&state);
    let publishes = state.facades.iter().any(|f| {
        f.ports
            .iter()
            .any(|p| p.entries.iter().any(|e| e.route.publish.is_some()))
    });
    let (stop_queues, stopped) = tokio::sync::watch::channel(false);
    let consumers = match amqp {
        Some(broker) => {
            state.publisher = Some(crate::queue::Publisher::Amqp(Box::new(
                crate::queue::AmqpPublisher::new(broker.clone()),
            )));
            let state = Arc::new(state);
            let consumers = (!queues.is_empty())
                .then(|| tokio::spawn(crate::queue::run(state.clone(), broker, stopped)));
            (state, consumers)
        }
        None if queues.is_empty() && !publishes => (Arc::new(state), None),
        None => {
            // No broker: the same routes on the in-process queue, declared
            // before anything is served so that exchanges find their queues.
            tracing::warn!(
                "queue routes use the in-process queue (no --amqp URL): it is NOT durable, messages in it are lost when the process stops"
            );
            let memory = Arc::new(crate::queue::Memory::default());
            for q in &queues {
                memory.declare(&q.settings);
            }
            for f in &state.facades {
                for e in f.ports.iter().flat_map(|p| &p.entries) {
                    if let Some(p) = &e.route.publish
                        && p.exchange.is_none()
                        && !queues.iter().any(|q| q.settings.name == p.name)
                    {
                        tracing::warn!(queue = %p.name, "published to the in-process queue, but no queue route here consumes it: messages stay there until its memory budget is used up");
                    }
                }
            }
            state.publisher = Some(crate::queue::Publisher::Memory(memory.clone()));
            let state = Arc::new(state);
            let consumers = (!queues.is_empty())
                .then(|| tokio::spawn(crate::queue::memory::run(state.clone(), memory, stopped)));
            (state, consumers)
        }
    };
    let (state, consumers) = consumers;
    for f in &state.facades {
        tracing::info!(
            path = %f.mapping.path,
            service = %f.mapping.service,
            ports = f.ports.len(),
            "serving SOAP facade"
        );
    }
    let server = HttpServer::new({
        let state = state.clone();
        move || app(state.clone())
    })
    .on_connect(tls::on_connect)
    .client_request_timeout(state.limits.read_timeout);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let server = match tls {
        Some(config) => server.bind_rustls_0_23(listen, config)?,
        None => server.bind(listen)?,
    };
    for a in server.addrs() {
        tracing::info!(address = %a, scheme, "listening");
        eprintln!("soapbridge listening on {scheme}://{a}");
    }
    let bridge = server.shutdown_timeout(30).run();
    let served = match demo_server {
        Some(demo) => {
            let (a, b) = futures_util::future::join(bridge, demo).await;
            a.and(b)
        }
        None => bridge.await,
    };
    // The HTTP side has stopped (SIGTERM/SIGINT, in-flight requests done):
    // the consumers finish the delivery in hand, settle it, and stop.
    let _ = stop_queues.send(true);
    if let Some(c) = consumers {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), c).await;
    }
    served
}

/// The upstream HTTP client: pooled connections, rustls (ring), the
/// environment's proxies, and a mapping's CA bundle, client certificate
/// and proxy when it sets them.
fn http_client(tls: &crate::mapping::UpstreamTls) -> std::io::Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder()
        .tls_backend_rustls()
        .pool_idle_timeout(std::time::Duration::from_secs(60))
        // A redirect would re-send mapped headers (credentials) elsewhere.
        .redirect(reqwest::redirect::Policy::none());
    if let Some(ca) = &tls.ca_pem {
        for cert in reqwest::Certificate::from_pem_bundle(ca).map_err(std::io::Error::other)? {
            b = b.add_root_certificate(cert);
        }
    }
    if let Some(id) = &tls.identity_pem {
        b = b.identity(reqwest::Identity::from_pem(id).map_err(std::io::Error::other)?);
    }
    if let Some(p) = &tls.proxy {
        b = b.proxy(reqwest::Proxy::all(p).map_err(std::io::Error::other)?);
    }
    b.build().map_err(std::io::Error::other)
}

pub fn state(mappings: Vec<Mapping>, limits: ServeLimits) -> std::io::Result<State> {
    let client = http_client(&Default::default())?;
    let facades = mappings
        .into_iter()
        .map(|m| {
            let mut f = Facade::new(Box::leak(Box::new(m)));
            if !f.mapping.tls.is_default() {
                f.client = Some(http_client(&f.mapping.tls).map_err(|e| {
                    std::io::Error::other(format!(
                        "{}: upstream TLS: {e}",
                        f.mapping.file.display()
                    ))
                })?);
            }
            Ok(f)
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok(State {
        facades,
        client,
        trusted_proxies: config::Cidr::loopback(),
        publisher: None,
        auth: Default::default(),
        inflight: tokio::sync::Semaphore::new(
            (limits.max_inflight >> 10).clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
        ),
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
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(render_metrics));
    for (i, f) in state.facades.iter().enumerate() {
        if f.mapping.flow == crate::mapping::Flow::RestToSoap {
            // The port named by the mapping, else the first SOAP port.
            let j = f
                .mapping
                .port
                .as_ref()
                .and_then(|n| f.ports.iter().position(|p| p.name == *n))
                .unwrap_or(0);
            let Some(port) = f.ports.get(j) else {
                continue;
            };
            app = app.route(
                &format!("{}/docs", f.mapping.path),
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        // Its own inline script and style, calls to this
                        // origin only, and never inside another site's frame.
                        .insert_header((
                            "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
                        ))
                        .insert_header(("X-Content-Type-Options", "nosniff"))
                        .body(DOCS_PAGE)
                }),
            );
            let doc = web::Data::new(openapi::document(f, state.auth.enabled()).to_string());
            app = app.service(
                web::resource(format!("{}/openapi.json", f.mapping.path))
                    .app_data(doc)
                    .route(web::get().to(|doc: web::Data<String>| async move {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(doc.get_ref().clone())
                    })),
            );
            // One resource per path, with a route per method on it.
            let mut by_path: Vec<(String, Vec<(actix_web::http::Method, rest::RestEndpoint)>)> =
                Vec::new();
            for (k, e) in port.entries.iter().enumerate() {
                let (pattern, method) = rest::route_pattern(&f.mapping.path, e);
                let endpoint = rest::RestEndpoint {
                    facade: i,
                    port: j,
                    entry: k,
                };
                match by_path.iter_mut().find(|(p, _)| *p == pattern) {
                    Some((_, list)) => list.push((method, endpoint)),
                    None => by_path.push((pattern, vec![(method, endpoint)])),
                }
            }
            for (pattern, list) in by_path {
                let methods: Vec<actix_web::http::Method> =
                    list.iter().map(|(m, _)| m.clone()).collect();
                let mut resource =
                    web::resource(pattern).app_data(web::Data::new(rest::RestRoutes(list)));
                for m in methods {
                    resource = resource.route(web::method(m).to(rest::handle));
                }
                app = app.service(resource);
            }
            continue;
        }
        app = app.service(
            web::resource(f.mapping.path.as_str())
                .app_data(web::Data::new(Endpoint {
                    facade: i,
                    port: None,
                }))
                .route(web::post().to(soap::handle))
                .route(web::get().to(wsdl::handle)),
        );
        for (j, p) in f.ports.iter().enumerate() {
            app = app.service(
                web::resource(format!("{}/{}", f.mapping.path, p.name))
                    .app_data(web::Data::new(Endpoint {
                        facade: i,
                        port: Some(j),
                    }))
                    .route(web::post().to(soap::handle))
                    .route(web::get().to(wsdl::handle)),
            );
        }
    }
    app.default_service(web::to(not_found))
}

/// Ready when the mappings are loaded (they are, or the process would not
/// serve) and, for a deployment that publishes to a broker, the broker answers.
async fn readyz(state: web::Data<State>) -> HttpResponse {
    match &state.publisher {
        Some(p) if !p.ready().await => HttpResponse::ServiceUnavailable()
            .body("not ready: the message broker is unavailable\n"),
        _ => HttpResponse::Ok().body("ready\n"),
    }
}

async fn render_metrics() -> HttpResponse {
    match metrics::handle() {
        Some(h) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(h.render()),
        None => HttpResponse::NotFound().body("metrics are recorded elsewhere in this process\n"),
    }
}

/// The REST facade's docs page: our own, self-contained (no CDN), it reads
/// `openapi.json` beside it and offers a form per operation.
const DOCS_PAGE: &str = include_str!("docs.html");

/// Which facade (and, at `<path>/<PortName>`, which port) a resource serves.
pub struct Endpoint {
    pub facade: usize,
    pub port: Option<usize>,
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    let id = soap::request_id(&req);
    HttpResponse::NotFound()
        .insert_header(("X-Request-Id", id))
        .content_type("text/plain; charset=utf-8")
        .body("no SOAP facade at this path\n")
}
