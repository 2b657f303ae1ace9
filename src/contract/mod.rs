//! Contracts: a WSDL 1.1 document with its schemas, loaded once.
pub mod catalog;
pub mod error;
pub mod source;
pub mod wellknown;

pub use error::{LoadError, LoadErrorKind, LoadErrors, Location, RefKind};
