//! Safe XML reading for contracts: charset detection and a small,
//! position-carrying element tree with hard limits.
//!
//! Contracts are read whole (they are small and every component can refer to
//! any other), so a tree is the right shape here; message translation streams
//! and does not use this module's tree.

pub mod charset;
pub mod escape;
pub mod tree;

pub use tree::{Element, Limits, Pos, XmlError, XmlErrorKind, parse};
