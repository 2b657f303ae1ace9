//! soapbridge: a SOAP/XML <-> JSON/REST/RabbitMQ integration bridge.
//!
//! The crate follows the data: contracts are loaded once into an immutable
//! model ([`contract`], built from [`wsdl`] and [`schema`] over the safe
//! [`xml`] reader), and every later stage reads that model.
//!
//! ```
//! use soapbridge::contract::{Contract, LoadOptions};
//!
//! let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("wsdl/erp-orders/orders.wsdl");
//! let contract = Contract::load(&path, &LoadOptions::default()).expect("the example contract loads");
//! let service = contract.services().next().unwrap();
//! let port = &service.ports[0];
//! let binding = contract.binding(&port.binding).unwrap();
//! let create = &contract.bound_operations(binding)[0];
//! assert_eq!(create.name, "CreateOrder");
//! assert!(create.wrapped);
//! assert_eq!(create.input.as_ref().unwrap().element.as_ref().unwrap().to_string(),
//!            "{urn:example:erp:orders:v1}CreateOrder");
//! ```

pub mod ns;
pub mod qname;
pub mod queue;
pub mod xml;

pub use qname::QName;
pub mod auth;
pub mod cli;
pub mod codec;
pub mod contract;
pub mod credentials;
pub mod demo;
pub mod inspect;
pub mod mapping;
pub mod scaffold;
pub mod schema;
pub mod secret;
pub mod serve;
pub mod wsdl;
pub mod wsse;
