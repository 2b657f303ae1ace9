//! JSON input as a small ordered tree that keeps every number's exact text
//! and refuses duplicate keys (serde_json's `Value` silently keeps the last
//! one, which would let a caller smuggle a second value past validation).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's exact JSON text.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order; keys are unique.
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// serde_json's private marker for arbitrary-precision numbers; guarded by
/// the `numbers_keep_their_digits` test below.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(v)
            .map(|n| Json::Number(n.to_string()))
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members: Vec<(String, Json)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == NUMBER_TOKEN && members.is_empty() {
                let digits: String = map.next_value()?;
                return Ok(Json::Number(digits));
            }
            if members.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            let value = map.next_value()?;
            members.push((key, value));
        }
        Ok(Json::Object(members))
    }
}

/// Parses JSON text into a [`Json`] tree. Nesting is limited by serde_json
/// (128 levels), so absurd nesting is an error, not a stack overflow.
pub fn parse(input: impl std::io::Read) -> Result<Json, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_reader(input);
    let v = Json::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

pub fn parse_str(input: &str) -> Result<Json, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(input);
    let v = Json::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_digits() {
        let v = parse_str(
            r#"{"a": 12.50, "b": 123456789012345678901234567890.000000001, "c": -0, "d": 1E400}"#,
        )
        .unwrap();
        assert_eq!(v.get("a"), Some(&Json::Number("12.50".into())));
        assert_eq!(
            v.get("b"),
            Some(&Json::Number(
                "123456789012345678901234567890.000000001".into()
            ))
        );
        assert_eq!(v.get("c"), Some(&Json::Number("-0".into())));
        // serde_json spells exponents canonically; the value is unchanged.
        assert_eq!(v.get("d"), Some(&Json::Number("1e+400".into())));
    }

    #[test]
    fn duplicate_keys_and_trailing_garbage_are_errors() {
        assert!(
            parse_str(r#"{"a": 1, "a": 2}"#)
                .unwrap_err()
                .to_string()
                .contains("duplicate key `a`")
        );
        assert!(parse_str(r#"{"a": {"b": 1, "b": 1}}"#).is_err());
        assert!(parse_str(r#"{"a": 1} x"#).is_err());
        let deep = "[".repeat(10_000);
        assert!(
            parse_str(&deep)
                .unwrap_err()
                .to_string()
                .contains("recursion limit")
        );
    }

    #[test]
    fn order_and_kinds_are_kept() {
        let v = parse_str(r#"{"z": null, "a": [true, "s"], "m": {}}"#).unwrap();
        let Json::Object(m) = v else { panic!() };
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "a", "m"]);
        assert_eq!(
            m[1].1,
            Json::Array(vec![Json::Bool(true), Json::String("s".into())])
        );
    }
}
