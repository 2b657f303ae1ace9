//! Where the broker is and how to reach it: `amqp://` in the clear, or
//! `amqps://` over TLS (rustls with the ring provider, the tree's one TLS
//! stack) trusting the system's roots plus a private CA bundle, with a
//! client certificate when the broker asks for one (`ssl_options.verify =
//! verify_peer`, `fail_if_no_peer_cert = true`, usual in banks).

use std::path::Path;

use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::{Connection, ConnectionProperties};

/// A broker URL and its TLS settings.
#[derive(Clone, Default)]
pub struct Broker {
    pub url: String,
    tls: OwnedTLSConfig,
}

/// Why the broker settings cannot be used; says which file, never the
/// URL (it may hold a password).
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("cannot read the broker's {what} ({file}): {source}")]
    Read {
        what: &'static str,
        file: String,
        source: std::io::Error,
    },
    #[error("the broker's {what} ({file}) holds no PEM certificate")]
    NotPem { what: &'static str, file: String },
    #[error("a client certificate for the broker needs its key too (and the other way round)")]
    HalfIdentity,
    #[error("TLS settings for the broker need an amqps:// URL")]
    NotAmqps,
}

impl std::fmt::Debug for Broker {
    // The URL may carry a password: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("tls", &self.url.starts_with("amqps:"))
            .finish()
    }
}

fn read(what: &'static str, file: &Path) -> Result<Vec<u8>, BrokerError> {
    std::fs::read(file).map_err(|source| BrokerError::Read {
        what,
        file: file.display().to_string(),
        source,
    })
}

fn pem(what: &'static str, file: &Path) -> Result<Vec<u8>, BrokerError> {
    let bytes = read(what, file)?;
    if !bytes
        .windows(b"-----BEGIN ".len())
        .any(|w| w == b"-----BEGIN ")
    {
        return Err(BrokerError::NotPem {
            what,
            file: file.display().to_string(),
        });
    }
    Ok(bytes)
}

impl Broker {
    /// A broker with no TLS settings beyond the system's roots.
    pub fn plain(url: impl Into<String>) -> Broker {
        Broker {
            url: url.into(),
            tls: OwnedTLSConfig::default(),
        }
    }

    /// A broker with a private CA bundle and/or a client certificate and
    /// key (all PEM files).
    pub fn with_tls(
        url: impl Into<String>,
        ca: Option<&Path>,
        client_cert: Option<&Path>,
        client_key: Option<&Path>,
    ) -> Result<Broker, BrokerError> {
        let url = url.into();
        let any = ca.is_some() || client_cert.is_some() || client_key.is_some();
        if any && !url.starts_with("amqps://") {
            return Err(BrokerError::NotAmqps);
        }
        let cert_chain = match ca {
            Some(f) => Some(String::from_utf8_lossy(&pem("CA bundle", f)?).into_owned()),
            None => None,
        };
        let identity = match (client_cert, client_key) {
            (Some(c), Some(k)) => Some(OwnedIdentity::PKCS8 {
                pem: pem("client certificate", c)?,
                key: read("client key", k)?,
            }),
            (None, None) => None,
            _ => return Err(BrokerError::HalfIdentity),
        };
        Ok(Broker {
            url,
            tls: OwnedTLSConfig {
                identity,
                cert_chain,
            },
        })
    }

    /// Opens a connection (TCP, then TLS for `amqps://`, then AMQP).
    pub async fn connect(&self) -> lapin::Result<Connection> {
        Connection::connect_with_config(
            &self.url,
            ConnectionProperties::default(),
            self.tls.clone(),
            lapin::runtime::default_runtime()?,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_files_are_checked_and_the_url_never_printed() {
        let dir = std::env::temp_dir().join(format!("sb-broker-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(
            &ca,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let url = "amqps://user:s3cret@broker:5671/%2f";
        let b = Broker::with_tls(url, Some(&ca), None, None).unwrap();
        assert!(!format!("{b:?}").contains("s3cret"));
        assert!(matches!(
            Broker::with_tls(url, Some(&junk), None, None),
            Err(BrokerError::NotPem { .. })
        ));
        assert!(matches!(
            Broker::with_tls(url, None, Some(&ca), None),
            Err(BrokerError::HalfIdentity)
        ));
        assert!(matches!(
            Broker::with_tls("amqp://broker", Some(&ca), None, None),
            Err(BrokerError::NotAmqps)
        ));
        let missing = Broker::with_tls(url, Some(&dir.join("nope.pem")), None, None)
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("CA bundle") && !missing.contains("s3cret"),
            "{missing}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
