//! The `soapbridge` command line. `anyhow` lives here only: library errors
//! are typed, and this edge prints them with their context.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use soapbridge::contract::catalog::Catalog;
use soapbridge::contract::source::HttpFetcher;
use soapbridge::contract::{Contract, LoadOptions};

#[derive(Parser)]
#[command(
    name = "soapbridge",
    version,
    about = "SOAP/XML <-> JSON/REST/RabbitMQ integration bridge"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How contracts are read; shared by every command that reads one.
/// `wsse verify`'s trust settings when no mapping gives them.
#[derive(clap::Args, Debug)]
struct TrustArgs {
    /// Or: CA certificates (PEM) a message's certificate may chain to.
    #[arg(long = "trusted-ca", conflicts_with = "mappings")]
    trusted_ca: Vec<PathBuf>,
    /// Or: signer certificates (PEM) trusted as they are.
    #[arg(long = "signer", conflicts_with = "mappings")]
    signer: Vec<PathBuf>,
    /// Revocation lists (PEM or DER) of the --trusted-ca CAs.
    #[arg(long = "crl", requires = "trusted_ca")]
    crl: Vec<PathBuf>,
    /// Accept RSA-SHA1 and SHA-1 digests (with --trusted-ca/--signer).
    #[arg(long)]
    allow_sha1: bool,
}

#[derive(clap::Args)]
struct ContractArgs {
    /// OASIS XML catalog mapping remote schema locations to local files.
    #[arg(long, env = "SOAPBRIDGE_CATALOG")]
    catalog: Option<PathBuf>,
    /// Fetch http(s) locations that neither the catalog nor the built-in
    /// well-known schemas cover (off by default: contracts load offline).
    #[arg(long)]
    allow_remote: bool,
}

impl ContractArgs {
    fn options(&self) -> anyhow::Result<LoadOptions> {
        let mut opts = LoadOptions::default();
        if let Some(path) = &self.catalog {
            let catalog = Catalog::load(path)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| format!("loading catalog {}", path.display()))?;
            opts.catalog = Some(Arc::new(catalog));
        }
        if self.allow_remote {
            opts.allow_remote = true;
            opts.fetcher = Some(Arc::new(HttpFetcher::new().map_err(anyhow::Error::msg)?));
        }
        Ok(opts)
    }
}

/// TLS to the broker (`amqps://` URLs); shared by `serve` and `dlq`.
#[derive(clap::Args)]
struct AmqpTls {
    /// PEM CA bundle the broker's certificate must chain to (besides the
    /// system's roots).
    #[arg(long, env = "SOAPBRIDGE_AMQP_CA")]
    amqp_ca: Option<PathBuf>,
    /// PEM client certificate for brokers that require one (with --amqp-key).
    #[arg(long, env = "SOAPBRIDGE_AMQP_CERT")]
    amqp_cert: Option<PathBuf>,
    /// PEM private key of --amqp-cert.
    #[arg(long, env = "SOAPBRIDGE_AMQP_KEY")]
    amqp_key: Option<PathBuf>,
}

impl AmqpTls {
    /// The broker at `url`: these flags first, then the config file's
    /// `broker:` settings.
    fn broker(
        &self,
        url: String,
        file: &soapbridge::serve::config::BrokerConfig,
    ) -> anyhow::Result<soapbridge::queue::Broker> {
        let ca = self.amqp_ca.as_ref().or(file.ca.as_ref());
        let cert = self.amqp_cert.as_ref().or(file.client_cert.as_ref());
        let key = self.amqp_key.as_ref().or(file.client_key.as_ref());
        Ok(soapbridge::queue::Broker::with_tls(
            url,
            ca.map(PathBuf::as_path),
            cert.map(PathBuf::as_path),
            key.map(PathBuf::as_path),
        )?)
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Target {
    Json,
    Xml,
}

#[derive(Subcommand)]
enum Command {
    /// Translate one document between XML and JSON, driven by the contract
    /// (streaming for XML input). Reads FILE or stdin, writes stdout.
    Convert {
        /// The WSDL file.
        wsdl: PathBuf,
        /// The global element of the document, as `{namespace}Name` (or
        /// `Name` when the name is unique in the contract).
        #[arg(long, conflicts_with = "operation")]
        element: Option<String>,
        /// An operation whose whole message to translate: a SOAP envelope on
        /// the XML side, the message JSON (wrapped, bare, parts, rpc,
        /// `$headers`) on the JSON side; use with --message.
        #[arg(long, requires = "message")]
        operation: Option<String>,
        /// Which message of --operation.
        #[arg(long, value_parser = ["input", "output"])]
        message: Option<String>,
        /// The port whose binding to use with --operation (default: the
        /// first SOAP port that binds it).
        #[arg(long, requires = "operation")]
        port: Option<String>,
        /// Output format.
        #[arg(long)]
        to: Target,
        /// Indent JSON output.
        #[arg(long)]
        pretty: bool,
        /// Input file (stdin when absent).
        file: Option<PathBuf>,
        #[command(flatten)]
        contract: ContractArgs,
    },
    /// Serve the SOAP facades of every mapping in the mappings directory.
    Serve {
        /// Server config file (YAML): limits, trusted proxies, defaults for
        /// the flags below (a flag wins over the file).
        #[arg(long, env = "SOAPBRIDGE_CONFIG")]
        config: Option<PathBuf>,
        /// Directory of mapping files (`*.yaml`) [default: mappings].
        #[arg(long, env = "SOAPBRIDGE_MAPPINGS")]
        mappings: Option<PathBuf>,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "SOAPBRIDGE_LISTEN")]
        listen: Option<std::net::SocketAddr>,
        /// Largest request body, in bytes [default: 16 MiB].
        #[arg(long, env = "SOAPBRIDGE_MAX_BODY")]
        max_body: Option<usize>,
        /// Deepest element nesting of a request [default: 128].
        #[arg(long, env = "SOAPBRIDGE_MAX_DEPTH")]
        max_depth: Option<usize>,
        /// Most elements in one request [default: 250000].
        #[arg(long, env = "SOAPBRIDGE_MAX_ELEMENTS")]
        max_elements: Option<usize>,
        /// Seconds a client has to send its request head, and again its body [default: 30].
        #[arg(long, env = "SOAPBRIDGE_READ_TIMEOUT")]
        read_timeout: Option<u64>,
        /// Log format [default: text].
        #[arg(long, env = "SOAPBRIDGE_LOG_FORMAT", value_parser = ["text", "json"])]
        log_format: Option<String>,
        /// The RabbitMQ broker for queue routes (`amqp://user:pass@host:5672/%2f`,
        /// or `amqps://` for TLS). Without one, queue routes use the
        /// in-process queue (not durable).
        #[arg(long, env = "SOAPBRIDGE_AMQP")]
        amqp: Option<String>,
        #[command(flatten)]
        amqp_tls: AmqpTls,
        /// Also run the example REST service the shipped mappings point at.
        #[arg(long)]
        demo: bool,
        /// Where the example REST service listens (with --demo).
        #[arg(long, default_value = "127.0.0.1:8090")]
        demo_listen: std::net::SocketAddr,
        #[command(flatten)]
        contract: ContractArgs,
    },
    /// Validate every mapping against its contract (operations, fields,
    /// faults, templates, paths); exit 1 on any problem.
    Check {
        /// Directory of mapping files (`*.yaml`).
        #[arg(long, env = "SOAPBRIDGE_MAPPINGS", default_value = "mappings")]
        mappings: PathBuf,
        /// Also fail on coverage findings of the served operations
        /// (constructs that cannot be bridged losslessly).
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        contract: ContractArgs,
    },
    /// Write a mapping for every operation of a contract that works
    /// unedited with `serve`.
    Scaffold {
        /// The WSDL file.
        wsdl: PathBuf,
        /// Which flow: soap-to-rest (a SOAP facade in front of a REST service).
        #[arg(long, value_parser = ["soap-to-rest", "rest-to-soap"])]
        flow: String,
        /// soap-to-rest: the REST service's base URL [default:
        /// http://127.0.0.1:8090]. rest-to-soap: the SOAP backend's URL
        /// [default: the port's soap:address].
        #[arg(long)]
        upstream: Option<String>,
        /// The service, when the contract has several.
        #[arg(long)]
        service: Option<String>,
        /// Write to FILE instead of stdout.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Overwrite FILE if it exists.
        #[arg(long, requires = "output")]
        force: bool,
        #[command(flatten)]
        contract: ContractArgs,
    },
    /// WS-Security diagnosis: `verify FILE` checks a signed SOAP message as
    /// the facade would and prints each reference (URI, resolved element,
    /// digest, the canonical bytes that were digested), Id collisions and
    /// profile violations. Exits 1 when verification fails.
    Wsse {
        #[arg(value_parser = ["verify"])]
        action: String,
        /// The SOAP message (a file with the whole envelope).
        file: PathBuf,
        /// Take the trust settings from this mapping directory's
        /// `security.signature` ...
        #[arg(long, requires = "service")]
        mappings: Option<PathBuf>,
        /// ... of the mapping of this service.
        #[arg(long)]
        service: Option<String>,
        #[command(flatten)]
        trust: TrustArgs,
        #[command(flatten)]
        contract: ContractArgs,
    },
    /// Inspect and replay the dead letters of a queue route (`{QUEUE}.dlq`).
    Dlq {
        #[arg(value_parser = ["list", "show", "replay"])]
        action: String,
        /// The queue route's queue (its dead letters are in `QUEUE.dlq`).
        queue: String,
        /// Only the message with this id (show, replay).
        #[arg(long)]
        id: Option<String>,
        /// The RabbitMQ broker.
        #[arg(
            long,
            env = "SOAPBRIDGE_AMQP",
            default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
        )]
        amqp: String,
        #[command(flatten)]
        amqp_tls: AmqpTls,
    },
    /// Print the OpenAPI 3.1 document of a rest-to-soap mapping's REST facade.
    Openapi {
        /// The mapping file (`flow: rest-to-soap`).
        mapping: PathBuf,
        #[command(flatten)]
        contract: ContractArgs,
    },
    /// Describe a contract's services, ports and operations.
    Inspect {
        /// The WSDL file.
        wsdl: PathBuf,
        /// Print JSON (described by schemas/inspect.schema.json).
        #[arg(long)]
        json: bool,
        /// Exit non-zero when any operation uses a construct that cannot be
        /// bridged losslessly (the coverage findings).
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        contract: ContractArgs,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn load(
    wsdl: &std::path::Path,
    contract: &ContractArgs,
) -> anyhow::Result<Result<Contract, ExitCode>> {
    let opts = contract.options()?;
    match Contract::load(wsdl, &opts) {
        Ok(c) => Ok(Ok(c)),
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            eprintln!(
                "error: {} could not be loaded ({} error{})",
                wsdl.display(),
                errors.0.len(),
                if errors.0.len() == 1 { "" } else { "s" }
            );
            Ok(Err(ExitCode::from(2)))
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Convert {
            wsdl,
            element,
            operation,
            message,
            port,
            to,
            pretty,
            file,
            contract,
        } => {
            let c = match load(&wsdl, &contract)? {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            match (element, operation) {
                (Some(e), _) => {
                    let name = soapbridge::cli::element_name(&c, &e)?;
                    soapbridge::cli::convert(
                        &c,
                        &name,
                        matches!(to, Target::Json),
                        pretty,
                        file.as_deref(),
                    )
                }
                (None, Some(op)) => soapbridge::cli::convert_message(
                    &c,
                    &op,
                    port.as_deref(),
                    message.as_deref() == Some("output"),
                    matches!(to, Target::Json),
                    pretty,
                    file.as_deref(),
                ),
                (None, None) => anyhow::bail!("give --element, or --operation with --message"),
            }
        }
        Command::Serve {
            config,
            mappings,
            listen,
            max_body,
            max_depth,
            max_elements,
            read_timeout,
            log_format,
            amqp,
            amqp_tls,
            demo,
            demo_listen,
            contract,
        } => {
            use soapbridge::serve::config::{Cidr, ServerConfig};
            let file = match &config {
                Some(path) => ServerConfig::load(path).map_err(|e| anyhow::anyhow!("{e}"))?,
                None => ServerConfig::default(),
            };
            let filter = tracing_subscriber::EnvFilter::try_from_env("SOAPBRIDGE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
            let logs = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr);
            if log_format.or(file.log_format.clone()).as_deref() == Some("json") {
                logs.json().init();
            } else {
                logs.init();
            }
            let mappings = mappings
                .or(file.mappings.clone())
                .unwrap_or_else(|| PathBuf::from("mappings"));
            let listen = listen
                .or(file.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".parse().expect("valid"));
            let defaults = soapbridge::serve::ServeLimits::default();
            let read_timeout = match (read_timeout, &file.limits.read_timeout) {
                (Some(s), _) => std::time::Duration::from_secs(s),
                (None, Some(t)) => soapbridge::mapping::parse_duration(t)
                    .map_err(|e| anyhow::anyhow!("limits.read_timeout: {e}"))?,
                (None, None) => defaults.read_timeout,
            };
            let limits = soapbridge::serve::ServeLimits {
                max_body: max_body
                    .or(file.limits.max_body)
                    .unwrap_or(defaults.max_body),
                max_depth: max_depth
                    .or(file.limits.max_depth)
                    .unwrap_or(defaults.max_depth),
                max_elements: max_elements
                    .or(file.limits.max_elements)
                    .unwrap_or(defaults.max_elements),
                max_attributes: file
                    .limits
                    .max_attributes
                    .unwrap_or(defaults.max_attributes),
                read_timeout,
                max_inflight: file.limits.max_inflight.unwrap_or(defaults.max_inflight),
            };
            let trusted = match &file.trusted_proxies {
                Some(list) => list
                    .iter()
                    .map(|p| Cidr::parse(p).map_err(anyhow::Error::msg))
                    .collect::<anyhow::Result<Vec<_>>>()?,
                None => Cidr::loopback(),
            };
            let loaded = match soapbridge::mapping::load_dir(&mappings, &contract.options()?) {
                Ok(m) => m,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("error: {e}");
                    }
                    eprintln!("error: {} problem(s) in the mappings", errors.len());
                    return Ok(ExitCode::from(2));
                }
            };
            if loaded.is_empty() {
                anyhow::bail!("no mapping files (*.yaml) in {}", mappings.display());
            }
            let config_dir = config
                .as_deref()
                .and_then(|c| c.parent())
                .unwrap_or(std::path::Path::new("."));
            let auth = soapbridge::auth::Authenticator::from_config(&file.auth, config_dir)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("reading the server config's auth settings")?;
            let tls = match &file.tls {
                Some(t) => {
                    let client_ca = t.client_ca.as_deref().map(|ca| (ca, t.client_auth));
                    Some(
                        soapbridge::serve::tls::server_config(
                            &t.certificate,
                            &t.key,
                            client_ca,
                            &t.client_crls,
                        )
                        .map_err(|e| anyhow::anyhow!("tls: {e}"))?,
                    )
                }
                None => None,
            };
            if auth.uses_client_certificates()
                && file.tls.as_ref().is_none_or(|t| t.client_ca.is_none())
            {
                anyhow::bail!(
                    "auth.client_certificates needs tls.client_ca: client certificates are only believed once the listener verified them"
                );
            }
            let amqp = match amqp.or(file.broker.url.clone()) {
                Some(url) => Some(amqp_tls.broker(url, &file.broker)?),
                None => None,
            };
            actix_web::rt::System::new()
                .block_on(soapbridge::serve::run(
                    loaded,
                    soapbridge::serve::Settings {
                        listen,
                        limits,
                        trusted_proxies: trusted,
                        demo: demo.then_some(demo_listen),
                        amqp,
                        auth,
                        tls,
                    },
                ))
                .with_context(|| format!("serving on {listen}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            mappings,
            strict,
            contract,
        } => {
            let loaded = match soapbridge::mapping::load_dir(&mappings, &contract.options()?) {
                Ok(m) => m,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    eprintln!("error: {} problem(s) in the mappings", errors.len());
                    return Ok(ExitCode::from(1));
                }
            };
            let mut findings = 0;
            let mut operations = 0;
            for m in &loaded {
                operations += m.routes.len();
                let service = m.contract.services().find(|s| s.name.local == m.service);
                for op in service
                    .map(|s| soapbridge::mapping::soap_operations(&m.contract, s))
                    .unwrap_or_default()
                {
                    for f in &op.findings {
                        findings += 1;
                        eprintln!(
                            "{}: coverage: {}: {}: {}",
                            m.file.display(),
                            op.name,
                            f.construct,
                            f.detail
                        );
                    }
                }
            }
            println!(
                "{} mapping(s), {operations} operation(s) checked against their contracts",
                loaded.len()
            );
            if strict && findings > 0 {
                eprintln!("error: {findings} coverage finding(s) (--strict)");
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scaffold {
            wsdl,
            flow,
            upstream,
            service,
            output,
            force,
            contract,
        } => {
            if let Some(u) = &upstream {
                url::Url::parse(u).with_context(|| format!("--upstream {u}"))?;
            }
            let c = match load(&wsdl, &contract)? {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            // The contract path as the mapping will resolve it: relative to the mapping file.
            let base = output
                .as_deref()
                .and_then(|o| o.parent())
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        p
                    }
                })
                .unwrap_or(Path::new("."));
            let contract_ref = relative_to(&wsdl, base);
            let yaml = if flow == "rest-to-soap" {
                soapbridge::scaffold::rest_to_soap(
                    &c,
                    &contract_ref,
                    service.as_deref(),
                    upstream.as_deref(),
                )
            } else {
                let upstream = upstream.as_deref().unwrap_or("http://127.0.0.1:8090");
                soapbridge::scaffold::soap_to_rest(&c, &contract_ref, service.as_deref(), upstream)
            }
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            match output {
                Some(o) => {
                    if o.exists() && !force {
                        anyhow::bail!("{} exists: use --force to overwrite it", o.display());
                    }
                    std::fs::write(&o, yaml).with_context(|| format!("writing {}", o.display()))?;
                    eprintln!("wrote {}", o.display());
                }
                None => print!("{yaml}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Wsse {
            action: _,
            file,
            mappings,
            service,
            trust,
            contract,
        } => wsse_verify(
            &file,
            mappings.as_deref(),
            service.as_deref(),
            &trust,
            &contract,
        ),
        Command::Dlq {
            action,
            queue,
            id,
            amqp,
            amqp_tls,
        } => {
            let amqp = amqp_tls.broker(amqp, &Default::default())?;
            let rt = tokio::runtime::Runtime::new()?;
            match action.as_str() {
                "replay" => {
                    let n = rt
                        .block_on(soapbridge::queue::dlq_replay(&amqp, &queue, id.as_deref()))
                        .with_context(|| format!("replaying {queue}.dlq"))?;
                    println!("{n} message(s) moved from {queue}.dlq back to {queue}");
                }
                _ => {
                    let letters = rt
                        .block_on(soapbridge::queue::dlq_list(&amqp, &queue))
                        .with_context(|| format!("reading {queue}.dlq"))?;
                    let letters: Vec<_> = letters
                        .into_iter()
                        .filter(|l| id.as_ref().is_none_or(|want| &l.message_id == want))
                        .collect();
                    if action == "show" {
                        println!("{}", serde_json::to_string_pretty(&letters)?);
                    } else {
                        println!("{} dead letter(s) in {queue}.dlq", letters.len());
                        for l in &letters {
                            println!("{}  attempts {}  {}", l.message_id, l.attempts, l.error);
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi { mapping, contract } => {
            let m = match soapbridge::mapping::load(&mapping, &contract.options()?) {
                Ok(m) => m,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    return Ok(ExitCode::from(1));
                }
            };
            if m.flow != soapbridge::mapping::Flow::RestToSoap {
                anyhow::bail!(
                    "{} is not a rest-to-soap mapping: only the REST facade has an OpenAPI document",
                    mapping.display()
                );
            }
            let facade = soapbridge::serve::Facade::new(Box::leak(Box::new(m)));
            println!(
                "{}",
                serde_json::to_string_pretty(&soapbridge::serve::openapi::document(
                    &facade, false
                ))?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect {
            wsdl,
            json,
            strict,
            contract,
        } => {
            let c = match load(&wsdl, &contract)? {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&soapbridge::inspect::to_json(&c))?
                );
            } else {
                print!("{}", soapbridge::inspect::to_text(&c));
            }
            let findings = soapbridge::inspect::all_findings(&c);
            if strict && !findings.is_empty() {
                for (at, f) in &findings {
                    eprintln!("coverage: {at}: {}: {}", f.construct, f.detail);
                }
                eprintln!("error: {} coverage finding(s) (--strict)", findings.len());
                return Ok(ExitCode::from(3));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `target` as a path relative to the directory `base` (both made absolute).
fn relative_to(target: &Path, base: &Path) -> PathBuf {
    let abs = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (t, b) = (abs(target), abs(base));
    let tc: Vec<_> = t.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = tc.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &tc[common..] {
        out.push(c);
    }
    out
}

/// `soapbridge wsse verify`: the signature diagnosis of one message.
fn wsse_verify(
    file: &std::path::Path,
    mappings: Option<&std::path::Path>,
    service: Option<&str>,
    trust: &TrustArgs,
    contract: &ContractArgs,
) -> anyhow::Result<ExitCode> {
    let TrustArgs {
        trusted_ca,
        signer,
        crl,
        allow_sha1,
    } = trust;
    let allow_sha1 = *allow_sha1;
    use soapbridge::wsse::signature::{Part, SignaturePolicy, certs};
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let text = soapbridge::xml::charset::decode(&bytes, None)
        .map_err(|e| anyhow::anyhow!("{}: not readable text: {e}", file.display()))?;
    let owned;
    let policy: &SignaturePolicy = match (mappings, service) {
        (Some(dir), Some(service)) => {
            let loaded =
                soapbridge::mapping::load_dir(dir, &contract.options()?).map_err(|errors| {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    anyhow::anyhow!("{} problem(s) in the mappings", errors.len())
                })?;
            let m = loaded
                .into_iter()
                .find(|m| m.service == service)
                .ok_or_else(|| anyhow::anyhow!("no mapping for the service `{service}`"))?;
            let sig = m
                .security
                .as_ref()
                .and_then(|s| s.signature.clone())
                .ok_or_else(|| {
                    anyhow::anyhow!("the mapping of `{service}` has no security.signature")
                })?;
            owned = sig;
            &owned
        }
        _ => {
            let read = |p: &PathBuf| -> anyhow::Result<Vec<certs::Cert>> {
                let pem = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
                certs::Cert::from_pem(&pem).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
            };
            let mut cas = Vec::new();
            for p in trusted_ca {
                cas.extend(read(p)?);
            }
            let mut signers = Vec::new();
            for p in signer {
                for cert in read(p)? {
                    signers.push(certs::Signer {
                        client: cert.subject.clone(),
                        cert,
                        scopes: Vec::new(),
                    });
                }
            }
            if cas.is_empty() && signers.is_empty() {
                anyhow::bail!("give --trusted-ca or --signer, or --mappings DIR --service NAME");
            }
            let crls = if crl.is_empty() {
                None
            } else {
                Some(
                    certs::Crls::load(crl.clone(), &cas, soapbridge::wsse::time::now())
                        .map_err(|e| anyhow::anyhow!("--crl: {e}"))?,
                )
            };
            owned = std::sync::Arc::new(SignaturePolicy {
                required: true,
                trust: certs::TrustStore { cas, signers, crls },
                sign: vec![Part::Body, Part::Timestamp],
                allow_sha1,
            });
            &owned
        }
    };
    let (result, report) = policy.diagnose(&text, soapbridge::wsse::time::now());
    print!("{}", report.render());
    match result {
        Ok(Some(by)) => {
            println!("OK: signed by {}", by.subject);
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => {
            println!("no signature (and none is required)");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("FAILED: wsse:{}: {}", e.code.local(), e.why);
            Ok(ExitCode::from(1))
        }
    }
}
