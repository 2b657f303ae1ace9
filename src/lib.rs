//! soapbridge: a SOAP/XML <-> JSON/REST/RabbitMQ integration bridge.
//!
//! The crate follows the data: contracts are loaded once into an immutable
//! model ([`contract`], built from [`wsdl`] and [`schema`] over the safe
//! [`xml`] reader), and every later stage reads that model.

pub mod ns;
pub mod qname;
pub mod xml;

pub use qname::QName;
pub mod contract;
pub mod inspect;
pub mod schema;
pub mod wsdl;
