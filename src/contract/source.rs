//! Where contract documents come from: local files, well-known built-ins,
//! catalog-mapped locations and (only when explicitly allowed) the network.
//!
//! Every `import`/`include` goes through [`Resolver::locate`], which decides
//! the source without touching the network; [`Resolver::read`] then reads it
//! with the size limits applied. Remote fetching is a trait so tests can use
//! a loopback server and `serve` can keep it off entirely.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::catalog::{self, Catalog};
use super::error::{LoadError, LoadErrorKind, Location};
use super::wellknown::{self, WellKnown};
use crate::xml::{self, Element};

/// Where one document is read from.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Remote(String),
    WellKnown(&'static WellKnown),
}

impl Source {
    /// The name shown in errors and `inspect`.
    pub fn display(&self) -> Arc<str> {
        match self {
            Source::File(p) => p.display().to_string().into(),
            Source::Remote(u) => u.as_str().into(),
            Source::WellKnown(w) => format!("builtin:{}", w.name).into(),
        }
    }

    /// A key that is equal for two references to the same document, so
    /// import cycles and diamonds load each document once.
    pub fn identity(&self) -> String {
        match self {
            Source::File(p) => std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string(),
            Source::Remote(u) => u.clone(),
            Source::WellKnown(w) => format!("builtin:{}", w.name),
        }
    }

    pub fn is_builtin(&self) -> bool {
        matches!(self, Source::WellKnown(_))
    }
}

/// Fetches a remote document; used only with `--allow-remote`.
pub trait Fetch: Send + Sync {
    fn fetch(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, String>;
}

/// How a contract is loaded.
#[derive(Clone)]
pub struct LoadOptions {
    pub catalog: Option<Arc<Catalog>>,
    /// Fetch `http(s)://` locations the catalog and the built-ins do not cover.
    pub allow_remote: bool,
    pub fetcher: Option<Arc<dyn Fetch>>,
    pub limits: xml::Limits,
    /// Most documents one contract may pull in through imports and includes.
    pub max_documents: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            catalog: None,
            allow_remote: false,
            fetcher: None,
            limits: xml::Limits::default(),
            max_documents: 1000,
        }
    }
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("catalog", &self.catalog.is_some())
            .field("allow_remote", &self.allow_remote)
            .field("limits", &self.limits)
            .finish()
    }
}

/// A parsed document and the text it came from (kept so `serve` can publish
/// imported schemas unchanged).
#[derive(Debug)]
pub struct Document {
    pub source: Source,
    pub name: Arc<str>,
    pub text: Arc<str>,
    pub root: Element,
}

pub struct Resolver<'o> {
    pub opts: &'o LoadOptions,
}

fn is_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
    })
}

impl Resolver<'_> {
    /// Decides where a reference points. `location` is a `schemaLocation` or
    /// `location` attribute; `namespace` the import's namespace. `Ok(None)`
    /// means "nothing to load": a location-less import of a namespace that
    /// must come from elsewhere in the contract.
    pub fn locate(
        &self,
        base: &Source,
        location: Option<&str>,
        namespace: Option<&str>,
    ) -> Result<Option<Source>, LoadErrorKind> {
        let catalog = self.opts.catalog.as_deref();
        let location = location.map(str::trim).filter(|l| !l.is_empty());
        let Some(loc) = location else {
            if let Some(ns) = namespace {
                if let Some(target) = catalog.and_then(|c| c.resolve(ns)) {
                    return self.target(target, None);
                }
                if let Some(w) = wellknown::by_namespace(ns) {
                    return Ok(Some(Source::WellKnown(w)));
                }
            }
            return Ok(None);
        };
        if let Some(target) = catalog.and_then(|c| c.resolve(loc)) {
            return self.target(target, namespace);
        }
        let absolute = match base {
            _ if is_url(loc) || loc.starts_with("file:/") => loc.to_string(),
            Source::Remote(b) => url::Url::parse(b)
                .and_then(|b| b.join(loc))
                .map(|u| u.to_string())
                .map_err(|e| LoadErrorKind::Invalid {
                    what: "location".into(),
                    detail: format!("`{loc}`: {e}"),
                })?,
            Source::File(p) => {
                let dir = p.parent().unwrap_or(Path::new(""));
                // `file:x.xsd` without an authority is relative too.
                let rel = loc
                    .strip_prefix("file:")
                    .filter(|r| !r.starts_with('/'))
                    .unwrap_or(loc);
                return Ok(Some(Source::File(dir.join(catalog::percent_decode(rel)))));
            }
            Source::WellKnown(_) => loc.to_string(),
        };
        if absolute != loc
            && let Some(target) = catalog.and_then(|c| c.resolve(&absolute))
        {
            return self.target(target, namespace);
        }
        let found = self.target(absolute, namespace)?;
        // A remote document may not reach into the local file system (its
        // text would become part of the contract, published as `?xsd`).
        if matches!(base, Source::Remote(_))
            && let Some(Source::File(p)) = &found
        {
            return Err(LoadErrorKind::Invalid {
                what: "location".into(),
                detail: format!(
                    "remote document refers to the local file `{}`; only a catalog may map remote documents to files",
                    p.display()
                ),
            });
        }
        Ok(found)
    }

    fn target(
        &self,
        target: String,
        namespace: Option<&str>,
    ) -> Result<Option<Source>, LoadErrorKind> {
        if !is_url(&target) || target.starts_with("file:") {
            let path = catalog::local_path(&target).unwrap_or_else(|| PathBuf::from(&target));
            return Ok(Some(Source::File(path)));
        }
        if let Some(w) = wellknown::by_location(&target) {
            return Ok(Some(Source::WellKnown(w)));
        }
        if let Some(w) = namespace.and_then(wellknown::by_namespace) {
            return Ok(Some(Source::WellKnown(w)));
        }
        if self.opts.allow_remote
            && (target.starts_with("http://") || target.starts_with("https://"))
        {
            return Ok(Some(Source::Remote(target)));
        }
        Err(LoadErrorKind::RemoteRefused(target))
    }

    /// Reads and parses a document. `at` is where it was referenced from.
    pub fn read(&self, source: Source, at: Option<Location>) -> Result<Document, LoadError> {
        let name = source.display();
        let max = self.opts.limits.max_bytes;
        let fail = |kind| LoadError {
            location: at.clone(),
            kind,
        };
        let bytes: Vec<u8> = match &source {
            Source::File(path) => read_file_limited(path, max).map_err(|e| {
                if e.kind() == std::io::ErrorKind::FileTooLarge {
                    fail(LoadErrorKind::Limit(format!(
                        "`{name}` is larger than {max} bytes"
                    )))
                } else {
                    fail(LoadErrorKind::Read {
                        target: name.to_string(),
                        reason: io_reason(&e),
                    })
                }
            })?,
            Source::Remote(url) => {
                let fetcher = self
                    .opts
                    .fetcher
                    .as_ref()
                    .ok_or_else(|| fail(LoadErrorKind::RemoteRefused(url.clone())))?;
                fetcher.fetch(url, max).map_err(|reason| {
                    fail(LoadErrorKind::RemoteFailed {
                        url: url.clone(),
                        reason,
                    })
                })?
            }
            Source::WellKnown(w) => w.text().into_bytes(),
        };
        let top = Location {
            file: name.clone(),
            line: 1,
            col: 1,
        };
        let text = xml::charset::decode(&bytes, None)
            .map_err(|e| {
                let loc = match &e {
                    xml::charset::CharsetError::Malformed { offset, .. } => {
                        byte_location(&name, &bytes, *offset)
                    }
                    _ => top.clone(),
                };
                LoadError::at(loc, e.into())
            })?
            .into_owned();
        let root = xml::parse(&text, &self.opts.limits)
            .map_err(|e| LoadError::at(Location::new(&name, e.pos), e.kind.into()))?;
        Ok(Document {
            source,
            name,
            text: text.into(),
            root,
        })
    }
}

/// Line and column of a byte offset in text that could not be decoded
/// (columns count bytes there, as characters are unknown).
fn byte_location(name: &Arc<str>, bytes: &[u8], offset: usize) -> Location {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    Location {
        file: name.clone(),
        line,
        col: (before.len() - line_start) as u32 + 1,
    }
}

/// Reads a regular file, at most `max` bytes. Devices, FIFOs and
/// directories are refused (a `schemaLocation` of `/dev/zero` must not fill
/// memory, nor a FIFO block the load forever).
pub fn read_file_limited(path: &Path, max: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "file not found".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidInput => "not a regular file".into(),
        _ => e.to_string(),
    }
}

/// Fetches over HTTP(S) with reqwest and the rustls/ring TLS stack.
pub struct HttpFetcher {
    client: reqwest::blocking::Client,
}

impl HttpFetcher {
    pub fn new() -> Result<Self, String> {
        // Idempotent: a second install reports the provider already set.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("soapbridge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpFetcher { client })
    }
}

impl Fetch for HttpFetcher {
    fn fetch(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, String> {
        use std::io::Read;
        let resp = self.client.get(url).send().map_err(|e| e.to_string())?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        let mut body = Vec::new();
        resp.take(max_bytes as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| e.to_string())?;
        if body.len() > max_bytes {
            return Err(format!("larger than {max_bytes} bytes"));
        }
        Ok(body)
    }
}
