//! Contract loading errors: each names where (`file:line:column`) and what.
//!
//! Loading collects errors instead of stopping at the first, so a contract
//! author sees every unresolved name in one run, like a compiler.

use std::fmt;
use std::sync::Arc;

use crate::qname::QName;
use crate::xml::charset::CharsetError;
use crate::xml::{Pos, XmlErrorKind};

/// A place in a contract document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The document as the user would name it: a path relative to where the
    /// contract was opened, a URL, or `builtin:<name>` for well-known schemas.
    pub file: Arc<str>,
    pub line: u32,
    pub col: u32,
}

impl Location {
    pub fn new(file: &Arc<str>, pos: Pos) -> Self {
        Location {
            file: file.clone(),
            line: pos.line,
            col: pos.col,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// What kind of component a name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    Element,
    Type,
    Attribute,
    Group,
    AttributeGroup,
    Message,
    Part,
    PortType,
    Binding,
    Operation,
    Fault,
}

impl fmt::Display for RefKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefKind::Element => "element",
            RefKind::Type => "type",
            RefKind::Attribute => "attribute",
            RefKind::Group => "group",
            RefKind::AttributeGroup => "attribute group",
            RefKind::Message => "message",
            RefKind::Part => "part",
            RefKind::PortType => "portType",
            RefKind::Binding => "binding",
            RefKind::Operation => "operation",
            RefKind::Fault => "fault",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadErrorKind {
    #[error("cannot read `{target}`: {reason}")]
    Read { target: String, reason: String },
    #[error("{0}")]
    Charset(#[from] CharsetError),
    #[error("{0}")]
    Xml(#[from] XmlErrorKind),
    #[error(
        "remote location `{0}` is not fetched: map it to a local file with an XML catalog \
         (--catalog FILE) or allow fetching explicitly (--allow-remote)"
    )]
    RemoteRefused(String),
    #[error("fetching `{url}` failed: {reason}")]
    RemoteFailed { url: String, reason: String },
    #[error("unresolved {kind} reference `{name}`")]
    Unresolved { kind: RefKind, name: QName },
    #[error("duplicate {kind} `{name}` (first defined at {first})")]
    Duplicate {
        kind: RefKind,
        name: QName,
        first: Location,
    },
    #[error("circular {kind} definition through `{name}`")]
    Circular { kind: RefKind, name: QName },
    #[error("invalid {what}: {detail}")]
    Invalid { what: String, detail: String },
    #[error("expected {expected}, found `{found}`")]
    Unexpected { expected: String, found: QName },
    #[error("limit reached: {0}")]
    Limit(String),
}

#[derive(Debug, thiserror::Error)]
pub struct LoadError {
    pub location: Option<Location>,
    pub kind: LoadErrorKind,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl LoadError {
    pub fn at(location: Location, kind: LoadErrorKind) -> Self {
        LoadError {
            location: Some(location),
            kind,
        }
    }

    pub fn invalid(location: Location, what: impl Into<String>, detail: impl Into<String>) -> Self {
        LoadError::at(
            location,
            LoadErrorKind::Invalid {
                what: what.into(),
                detail: detail.into(),
            },
        )
    }
}

/// Every error found while loading a contract, in document order.
#[derive(Debug)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}
