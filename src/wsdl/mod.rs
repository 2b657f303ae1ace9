//! The WSDL 1.1 layer: the definitions model and its builder.

pub mod build;
pub mod model;

pub use model::*;
