//! The XML Schema built-in datatypes and their derivation chain.
//!
//! Every user simple type bottoms out in one of these; translation picks the
//! JSON shape from the built-in ancestor ([`Builtin::json_kind`]), and
//! validation checks the value space of each type on the chain.

use crate::ns;
use crate::qname::QName;

macro_rules! builtins {
    ($($variant:ident = $name:literal : $base:ident),* $(,)?) => {
        /// An XSD 1.0 built-in type. `AnyType` is the ur-type of complex types.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Builtin { $($variant),* }

        impl Builtin {
            /// All built-ins, in declaration order (bases before derived types).
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant),*];

            /// The local name in the XML Schema namespace.
            pub fn name(self) -> &'static str {
                match self { $(Builtin::$variant => $name),* }
            }

            /// The type this one is derived from; `None` only for `anyType`.
            pub fn base(self) -> Option<Builtin> {
                #[allow(unreachable_patterns)]
                match self {
                    Builtin::AnyType => None,
                    $(Builtin::$variant => Some(Builtin::$base)),*
                }
            }
        }
    };
}

builtins! {
    AnyType = "anyType": AnyType,
    AnySimpleType = "anySimpleType": AnyType,
    String = "string": AnySimpleType,
    NormalizedString = "normalizedString": String,
    Token = "token": NormalizedString,
    Language = "language": Token,
    Name = "Name": Token,
    NCName = "NCName": Name,
    Id = "ID": NCName,
    IdRef = "IDREF": NCName,
    IdRefs = "IDREFS": AnySimpleType,
    Entity = "ENTITY": NCName,
    Entities = "ENTITIES": AnySimpleType,
    NmToken = "NMTOKEN": Token,
    NmTokens = "NMTOKENS": AnySimpleType,
    Boolean = "boolean": AnySimpleType,
    Decimal = "decimal": AnySimpleType,
    Integer = "integer": Decimal,
    NonPositiveInteger = "nonPositiveInteger": Integer,
    NegativeInteger = "negativeInteger": NonPositiveInteger,
    Long = "long": Integer,
    Int = "int": Long,
    Short = "short": Int,
    Byte = "byte": Short,
    NonNegativeInteger = "nonNegativeInteger": Integer,
    UnsignedLong = "unsignedLong": NonNegativeInteger,
    UnsignedInt = "unsignedInt": UnsignedLong,
    UnsignedShort = "unsignedShort": UnsignedInt,
    UnsignedByte = "unsignedByte": UnsignedShort,
    PositiveInteger = "positiveInteger": NonNegativeInteger,
    Float = "float": AnySimpleType,
    Double = "double": AnySimpleType,
    Duration = "duration": AnySimpleType,
    DateTime = "dateTime": AnySimpleType,
    Time = "time": AnySimpleType,
    Date = "date": AnySimpleType,
    GYearMonth = "gYearMonth": AnySimpleType,
    GYear = "gYear": AnySimpleType,
    GMonthDay = "gMonthDay": AnySimpleType,
    GDay = "gDay": AnySimpleType,
    GMonth = "gMonth": AnySimpleType,
    HexBinary = "hexBinary": AnySimpleType,
    Base64Binary = "base64Binary": AnySimpleType,
    AnyUri = "anyURI": AnySimpleType,
    QName = "QName": AnySimpleType,
    Notation = "NOTATION": AnySimpleType,
}

/// How a built-in's values appear in JSON (design: "Translation").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// A JSON number holding every digit (integers).
    Integer,
    /// A JSON number holding every digit (xs:decimal, money).
    Decimal,
    /// A JSON number; `INF`, `-INF` and `NaN` are strings.
    Float,
    Boolean,
    String,
}

impl Builtin {
    pub fn from_qname(q: &QName) -> Option<Builtin> {
        if !ns::is_xs(&q.ns) {
            return None;
        }
        Self::from_local(&q.local)
    }

    pub fn from_local(local: &str) -> Option<Builtin> {
        // 1999 drafts spelled a few names differently.
        let local = match local {
            "timeInstant" => "dateTime",
            "uriReference" => "anyURI",
            other => other,
        };
        Builtin::ALL.iter().copied().find(|b| b.name() == local)
    }

    pub fn qname(self) -> QName {
        QName::new(ns::XS, self.name())
    }

    /// The chain from this type up to `anyType`, this type first.
    pub fn chain(self) -> impl Iterator<Item = Builtin> {
        std::iter::successors(Some(self), |b| b.base())
    }

    pub fn derives_from(self, ancestor: Builtin) -> bool {
        self.chain().any(|b| b == ancestor)
    }

    /// The primitive type (direct child of anySimpleType) for value-space checks.
    pub fn primitive(self) -> Builtin {
        self.chain()
            .find(|b| b.base() == Some(Builtin::AnySimpleType))
            .unwrap_or(self)
    }

    /// The built-in list types, whose items are space separated.
    pub fn list_item(self) -> Option<Builtin> {
        match self {
            Builtin::IdRefs => Some(Builtin::IdRef),
            Builtin::Entities => Some(Builtin::Entity),
            Builtin::NmTokens => Some(Builtin::NmToken),
            _ => None,
        }
    }

    pub fn json_kind(self) -> JsonKind {
        if self.derives_from(Builtin::Integer) {
            JsonKind::Integer
        } else {
            match self {
                Builtin::Decimal => JsonKind::Decimal,
                Builtin::Float | Builtin::Double => JsonKind::Float,
                Builtin::Boolean => JsonKind::Boolean,
                _ => JsonKind::String,
            }
        }
    }

    /// Inclusive bounds of the bounded integer types, as decimal strings
    /// (kept as text so `unsignedLong` fits without 128-bit arithmetic here).
    pub fn integer_bounds(self) -> (Option<&'static str>, Option<&'static str>) {
        match self {
            Builtin::NonPositiveInteger => (None, Some("0")),
            Builtin::NegativeInteger => (None, Some("-1")),
            Builtin::Long => (Some("-9223372036854775808"), Some("9223372036854775807")),
            Builtin::Int => (Some("-2147483648"), Some("2147483647")),
            Builtin::Short => (Some("-32768"), Some("32767")),
            Builtin::Byte => (Some("-128"), Some("127")),
            Builtin::NonNegativeInteger => (Some("0"), None),
            Builtin::UnsignedLong => (Some("0"), Some("18446744073709551615")),
            Builtin::UnsignedInt => (Some("0"), Some("4294967295")),
            Builtin::UnsignedShort => (Some("0"), Some("65535")),
            Builtin::UnsignedByte => (Some("0"), Some("255")),
            Builtin::PositiveInteger => (Some("1"), None),
            _ => (None, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_reaches_any_type() {
        for b in Builtin::ALL {
            assert_eq!(b.chain().last(), Some(Builtin::AnyType), "{b:?}");
        }
        assert_eq!(Builtin::ALL.len(), 46);
    }

    #[test]
    fn derivation_chain() {
        let chain: Vec<_> = Builtin::UnsignedByte.chain().map(Builtin::name).collect();
        assert_eq!(
            chain,
            [
                "unsignedByte",
                "unsignedShort",
                "unsignedInt",
                "unsignedLong",
                "nonNegativeInteger",
                "integer",
                "decimal",
                "anySimpleType",
                "anyType"
            ]
        );
        assert_eq!(Builtin::Language.primitive(), Builtin::String);
        assert_eq!(Builtin::Id.primitive(), Builtin::String);
        assert_eq!(Builtin::Byte.primitive(), Builtin::Decimal);
    }

    #[test]
    fn json_kinds() {
        assert_eq!(Builtin::Int.json_kind(), JsonKind::Integer);
        assert_eq!(Builtin::Decimal.json_kind(), JsonKind::Decimal);
        assert_eq!(Builtin::Double.json_kind(), JsonKind::Float);
        assert_eq!(Builtin::Boolean.json_kind(), JsonKind::Boolean);
        assert_eq!(Builtin::Date.json_kind(), JsonKind::String);
        assert_eq!(Builtin::Token.json_kind(), JsonKind::String);
    }

    #[test]
    fn names_resolve_in_all_schema_namespaces() {
        assert_eq!(
            Builtin::from_qname(&QName::new(ns::XS_1999, "timeInstant")),
            Some(Builtin::DateTime)
        );
        assert_eq!(Builtin::from_qname(&QName::new("urn:x", "string")), None);
        assert_eq!(
            Builtin::from_local("NMTOKENS").unwrap().list_item(),
            Some(Builtin::NmToken)
        );
    }
}
