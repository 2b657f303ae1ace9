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

/// Whether XML 1.0 allows `c` in a document (the `Char` production): the
/// one definition the readers, the writers and scalar validation share.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of `s` XML 1.0 allows nowhere, as a code point:
/// for text and attribute values after character references are resolved
/// (`&#x1;` stands for a character the document could not contain).
pub fn forbidden_char(s: &str) -> Option<u32> {
    s.chars().find(|&c| !is_xml_char(c)).map(u32::from)
}
