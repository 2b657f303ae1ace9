//! Translation errors. A field error names the JSON Pointer (RFC 6901,
//! 0-based) of the field in the JSON shape, whichever direction the
//! translation runs, and the rule that was broken; a translation reports all
//! of them, not just the first.

use std::fmt;

/// One contract violation at one field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// JSON Pointer of the field, e.g. `/lines/2/quantity` (`""` is the whole document).
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "/: {}", self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TranslateError {
    /// The input is not well-formed XML (or is refused: DTDs, entities).
    #[error("malformed XML at byte {offset}: {detail}")]
    Xml { offset: u64, detail: String },
    /// The input is not well-formed JSON.
    #[error("malformed JSON at line {line}, column {column}: {detail}")]
    Json {
        line: usize,
        column: usize,
        detail: String,
    },
    /// The input breaks the contract; every violation found.
    #[error("{} contract violation{}: {}", .0.len(), if .0.len() == 1 { "" } else { "s" }, list(.0))]
    Invalid(Vec<FieldError>),
    /// A configured limit was reached (depth, text size, ...).
    #[error("limit reached: {0}")]
    Limit(String),
    /// The element or operation asked for is not in the contract, or cannot be translated.
    #[error("{0}")]
    Unsupported(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

fn list(errors: &[FieldError]) -> String {
    const SHOWN: usize = 20;
    let mut s = errors
        .iter()
        .take(SHOWN)
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > SHOWN {
        s.push_str(&format!("; and {} more", errors.len() - SHOWN));
    }
    s
}

/// Appends one RFC 6901 reference token to a pointer.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    if !token.contains(['~', '/']) {
        pointer.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_tokens_are_escaped() {
        let mut p = String::new();
        push_token(&mut p, "lines");
        push_token(&mut p, "2");
        push_token(&mut p, "a/b~c");
        assert_eq!(p, "/lines/2/a~1b~0c");
    }
}
