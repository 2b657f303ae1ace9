//! Qualified names: a namespace URI and a local name.
//!
//! Prefixes are syntax and never survive parsing; everything in the contract
//! model is keyed by [`QName`]. The text form is Clark notation, `{ns}local`,
//! or just `local` for names in no namespace.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QName {
    /// Namespace URI; empty for "no namespace".
    pub ns: String,
    pub local: String,
}

impl QName {
    pub fn new(ns: impl Into<String>, local: impl Into<String>) -> Self {
        QName {
            ns: ns.into(),
            local: local.into(),
        }
    }

    /// True when this is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// Parses Clark notation (`{ns}local` or `local`).
    pub fn parse_clark(s: &str) -> Option<QName> {
        match s.strip_prefix('{') {
            Some(rest) => {
                let (ns, local) = rest.split_once('}')?;
                (!local.is_empty()).then(|| QName::new(ns, local))
            }
            None => (!s.is_empty() && !s.contains('}')).then(|| QName::new("", s)),
        }
    }
}

impl fmt::Display for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ns.is_empty() {
            f.write_str(&self.local)
        } else {
            write!(f, "{{{}}}{}", self.ns, self.local)
        }
    }
}

impl fmt::Debug for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for QName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clark_round_trip() {
        let q = QName::new("urn:a", "Order");
        assert_eq!(q.to_string(), "{urn:a}Order");
        assert_eq!(QName::parse_clark("{urn:a}Order"), Some(q));
        assert_eq!(QName::parse_clark("Order"), Some(QName::new("", "Order")));
        assert_eq!(QName::parse_clark("{urn:a}"), None);
        assert_eq!(QName::parse_clark("{urn:a"), None);
    }
}
