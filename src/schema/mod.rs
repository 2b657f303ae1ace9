//! The XSD layer: built-in datatypes, the compiled schema model, and the
//! builder that compiles schema documents into it.

pub mod build;
pub mod builtin;
pub mod model;

pub use builtin::Builtin;
pub use model::*;

#[cfg(test)]
mod tests;
