//! The `soapbridge` command line. `anyhow` lives here only: library errors
//! are typed, and this edge prints them with their context.

use std::path::PathBuf;
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
        /// Directory of mapping files (`*.yaml`).
        #[arg(long, env = "SOAPBRIDGE_MAPPINGS", default_value = "mappings")]
        mappings: PathBuf,
        /// Address to listen on.
        #[arg(long, env = "SOAPBRIDGE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Largest request body, in bytes.
        #[arg(long, env = "SOAPBRIDGE_MAX_BODY", default_value_t = 16 << 20)]
        max_body: usize,
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
            mappings,
            listen,
            max_body,
            contract,
        } => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("SOAPBRIDGE_LOG")
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
                .with_writer(std::io::stderr)
                .init();
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
            let limits = soapbridge::serve::ServeLimits { max_body };
            actix_web::rt::System::new()
                .block_on(soapbridge::serve::run(loaded, listen, limits))
                .with_context(|| format!("serving on {listen}"))?;
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
