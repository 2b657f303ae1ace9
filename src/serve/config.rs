//! The optional server config file (`serve --config FILE`, YAML): settings
//! flags do not cover well, and defaults for those they do. Precedence:
//! a flag (or its `SOAPBRIDGE_*` variable), then this file, then the
//! built-in default. `${NAME}` references are expanded as in mappings.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: Option<SocketAddr>,
    /// Relative to the config file.
    pub mappings: Option<PathBuf>,
    /// `text` or `json`.
    pub log_format: Option<String>,
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Peers whose `Forwarded` / `X-Forwarded-*` headers are believed (for
    /// the addresses `?wsdl` publishes): IPs or CIDR blocks. Loopback only
    /// by default; from anyone else those headers are ignored.
    pub trusted_proxies: Option<Vec<String>>,
    /// The RabbitMQ broker for queue routes (`--amqp` and its TLS flags
    /// take precedence).
    #[serde(default)]
    pub broker: BrokerConfig,
    /// Credentials REST callers present (API keys, JWT); relative files
    /// are resolved against the config file's folder.
    #[serde(default)]
    pub auth: crate::auth::AuthConfig,
    /// Serve HTTPS instead of HTTP (and with `client_ca`, mutual TLS).
    pub tls: Option<TlsConfig>,
}

/// `tls:` in the server config file. Paths are relative to the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain of the bridge (leaf first).
    pub certificate: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// PEM CA(s) client certificates must chain to: mutual TLS.
    pub client_ca: Option<PathBuf>,
    /// CRLs (PEM or DER) of the client CAs: with any, a client certificate
    /// must be covered by a current CRL of its issuer and not be on it.
    #[serde(default)]
    pub client_crls: Vec<PathBuf>,
    /// `optional` (the default: a certificate is verified when sent) or
    /// `required` (no handshake without one).
    #[serde(default = "optional", deserialize_with = "client_auth")]
    pub client_auth: super::tls::ClientAuth,
}

fn optional() -> super::tls::ClientAuth {
    super::tls::ClientAuth::Optional
}

fn client_auth<'de, D: serde::Deserializer<'de>>(d: D) -> Result<super::tls::ClientAuth, D::Error> {
    match String::deserialize(d)?.as_str() {
        "optional" => Ok(super::tls::ClientAuth::Optional),
        "required" => Ok(super::tls::ClientAuth::Required),
        other => Err(serde::de::Error::custom(format!(
            "`{other}` is not optional or required"
        ))),
    }
}

/// `broker:` in the server config file. Paths are relative to the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerConfig {
    /// `amqp://user:pass@host:5672/%2f` or `amqps://...:5671/...`.
    pub url: Option<String>,
    /// PEM CA bundle the broker's certificate must chain to (besides the
    /// system's roots).
    pub ca: Option<PathBuf>,
    /// PEM client certificate and key, for brokers that require one.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_body: Option<usize>,
    pub max_depth: Option<usize>,
    pub max_elements: Option<usize>,
    pub max_attributes: Option<usize>,
    /// `30s`, `500ms`.
    pub read_timeout: Option<String>,
    /// Bytes of request bodies held by all requests together.
    pub max_inflight: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: u64,
        column: u64,
        message: String,
    },
}

impl ServerConfig {
    pub fn load(file: &Path) -> Result<ServerConfig, ConfigError> {
        let name = file.display().to_string();
        let invalid = |message: String| ConfigError::Invalid {
            file: name.clone(),
            message,
        };
        let text =
            std::fs::read_to_string(file).map_err(|e| invalid(format!("cannot read: {e}")))?;
        let text = crate::mapping::expand_env(&text, |n| std::env::var(n).ok()).map_err(invalid)?;
        let mut c: ServerConfig = serde_saphyr::from_str(&text).map_err(|e| {
            let (line, column, message) = crate::mapping::yaml_error(&text, &e);
            ConfigError::Syntax {
                file: name.clone(),
                line,
                column,
                message,
            }
        })?;
        let dir = file.parent().unwrap_or(Path::new("."));
        if let Some(m) = &c.mappings {
            c.mappings = Some(dir.join(m));
        }
        for p in [
            &mut c.broker.ca,
            &mut c.broker.client_cert,
            &mut c.broker.client_key,
        ] {
            if let Some(f) = p.take() {
                *p = Some(dir.join(f));
            }
        }
        if let Some(t) = &mut c.tls {
            t.certificate = dir.join(&t.certificate);
            t.key = dir.join(&t.key);
            t.client_ca = t.client_ca.as_ref().map(|ca| dir.join(ca));
            for f in &mut t.client_crls {
                *f = dir.join(&*f);
            }
        }
        if let Some(f) = &c.log_format
            && f != "text"
            && f != "json"
        {
            return Err(invalid(format!("log_format: `{f}` is not text or json")));
        }
        for p in c.trusted_proxies.iter().flatten() {
            Cidr::parse(p).map_err(|e| invalid(format!("trusted_proxies: {e}")))?;
        }
        Ok(c)
    }
}

/// An IP block, `10.0.0.0/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (ip, bits) = match s.split_once('/') {
            Some((ip, b)) => (ip, Some(b)),
            None => (s, None),
        };
        let net: IpAddr = ip
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR block"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0 to {max}"))?,
            None => max,
        };
        Ok(Cidr { net, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }

    /// Loopback, the default set of trusted proxies.
    pub fn loopback() -> Vec<Cidr> {
        vec![
            Cidr::parse("127.0.0.0/8").expect("valid"),
            Cidr::parse("::1").expect("valid"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_match_addresses() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.20.30.40".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(Cidr::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("ten").is_err());
    }
}
