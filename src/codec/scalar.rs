//! Simple values: XSD lexical forms <-> JSON scalars, and facet checks.
//!
//! This module owns the leaves of the translation (design, "Translation"): one
//! atomic value of a built-in type, in both directions, validated against the
//! lexical space of the built-in and every type on its derivation chain, plus
//! the facet checks other than `pattern` (see [`super::pattern`]). It knows
//! nothing about elements, pointers or schemas; callers prefix its errors with
//! the JSON Pointer of the field.
//!
//! Rules decided once, here:
//! - Integer types and `xs:decimal` become [`JsonScalar::Number`] with every
//!   digit kept: a leading `+` and leading zeros are dropped (`+007` -> `7`,
//!   `-0` -> `0`, `.5` -> `0.5`, `5.` -> `5`), fraction zeros are kept (`12.50`
//!   stays `12.50`). Range checks are exact digit comparisons, never `f64`.
//!   Numbers with more than [`MAX_DIGITS`] digits are refused.
//! - From JSON, integer types take JSON integers only (no fraction, no
//!   exponent). `xs:decimal` takes any JSON number; an exponent is written out
//!   exactly (`1.5e2` -> `150`, `1e-3` -> `0.001`) up to [`MAX_EXPONENT`].
//! - `xs:float`/`xs:double`: finite values are JSON numbers (the lexical is
//!   rewritten to JSON syntax: `.5e1` -> `0.5e1`, `+1` -> `1`, `1.e5` -> `1e5`,
//!   digits otherwise kept); `INF`, `-INF`, `NaN` are JSON strings (`+INF` is
//!   read as `INF`). Values beyond the finite range of the type are errors.
//! - `xs:boolean`: `true`/`false`/`1`/`0` -> JSON bool; JSON bool ->
//!   `true`/`false`.
//! - Everything else is a JSON string, validated against its lexical space
//!   (dates and times, durations, binary, names, language, QName, list
//!   built-ins). `xs:base64Binary` is written to JSON without the spaces XSD
//!   allows between characters. `xs:anyURI` is not checked beyond XML chars.
//! - The JSON type must fit the XSD type: a string for a number type, or a
//!   number for a string type, is an error, never coerced.
//! - Whitespace: [`normalize_whitespace`] applies the type's rule;
//!   [`xml_to_json`] and [`json_to_xml`] also apply the built-in's own rule
//!   (idempotent after the caller's facet-aware normalization), so JSON
//!   strings for token-like types come out collapsed.
//! - Facets: enumeration compares in the value space for numbers, booleans,
//!   dates, durations and binary, literally otherwise; lengths count characters
//!   (octets for binary, items for the list built-ins; ignored for QName and
//!   NOTATION); bounds compare exactly (decimals), as `f64` (float/double,
//!   where `NaN` fails every bound), or as instants (dates/times: decidable
//!   only when both or neither have a timezone; durations: at the four XSD
//!   reference dates, a bound failing at all four fails); an undecidable
//!   comparison passes.
//! - Nothing here panics on any input.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::schema::builtin::JsonKind;
use crate::schema::{Builtin, Facets, WhiteSpace};

/// Numbers with more digits than this are refused (integers and decimals are
/// otherwise unbounded).
pub const MAX_DIGITS: usize = 1000;

/// Largest exponent magnitude written out when a JSON number with an exponent
/// becomes an `xs:decimal`.
pub const MAX_EXPONENT: i64 = 1000;

/// Values quoted in messages are shortened to this many characters.
const SHOWN_CHARS: usize = 64;

/// Enumeration values listed in a message, at most.
const SHOWN_ENUM_VALUES: usize = 20;

/// A JSON scalar as the translator writes or reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonScalar<'a> {
    /// The exact JSON number text (valid JSON number syntax), e.g. "12.50", "-3", "1E5".
    Number(Cow<'a, str>),
    Bool(bool),
    String(Cow<'a, str>),
}

impl<'a> JsonScalar<'a> {
    /// Detaches the scalar from the text it borrows.
    pub fn into_owned(self) -> JsonScalar<'static> {
        match self {
            JsonScalar::Number(n) => JsonScalar::Number(Cow::Owned(n.into_owned())),
            JsonScalar::Bool(b) => JsonScalar::Bool(b),
            JsonScalar::String(s) => JsonScalar::String(Cow::Owned(s.into_owned())),
        }
    }

    /// Borrows a scalar from a `serde_json` value; `None` for null, arrays and objects.
    pub fn from_json(value: &'a serde_json::Value) -> Option<Self> {
        match value {
            serde_json::Value::Number(n) => Some(JsonScalar::Number(Cow::Borrowed(n.as_str()))),
            serde_json::Value::Bool(b) => Some(JsonScalar::Bool(*b)),
            serde_json::Value::String(s) => Some(JsonScalar::String(Cow::Borrowed(s))),
            _ => None,
        }
    }

    /// The `serde_json` value. Numbers keep every digit; serde_json spells an
    /// exponent its own way (`1E5` becomes `1e+5`), the same value.
    pub fn to_json(&self) -> Result<serde_json::Value, ScalarError> {
        match self {
            JsonScalar::Number(n) => {
                let not_a_number = || ScalarError::NotJsonNumber { value: quoted(n) };
                if parse_json_number(n).is_none() {
                    return Err(not_a_number());
                }
                serde_json::from_str::<serde_json::Number>(n)
                    .map(serde_json::Value::Number)
                    .map_err(|_| not_a_number())
            }
            JsonScalar::Bool(b) => Ok(serde_json::Value::Bool(*b)),
            JsonScalar::String(s) => Ok(serde_json::Value::String(s.to_string())),
        }
    }

    /// "a number", "a boolean" or "a string", for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            JsonScalar::Number(_) => "a number",
            JsonScalar::Bool(_) => "a boolean",
            JsonScalar::String(_) => "a string",
        }
    }
}

/// What a length facet counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthUnit {
    Characters,
    Octets,
    Items,
}

impl LengthUnit {
    fn word(self, n: u64) -> &'static str {
        match (self, n == 1) {
            (LengthUnit::Characters, true) => "character",
            (LengthUnit::Characters, false) => "characters",
            (LengthUnit::Octets, true) => "octet",
            (LengthUnit::Octets, false) => "octets",
            (LengthUnit::Items, true) => "item",
            (LengthUnit::Items, false) => "items",
        }
    }
}

/// Why a simple value was refused. `value` and `bound` fields hold the text as
/// the message shows it: shortened to about 64 characters, quoted unless it is
/// a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScalarError {
    /// Not in the lexical space of the built-in or of a type on its chain.
    #[error("{value} is not a valid xs:{}{}", .builtin.name(), reason_suffix(.reason))]
    Invalid {
        builtin: Builtin,
        value: String,
        reason: Option<String>,
    },
    /// Below the range of a bounded integer type.
    #[error("{value} is less than the minimum {min} of xs:{}", .builtin.name())]
    BelowMinimum {
        builtin: Builtin,
        value: String,
        min: &'static str,
    },
    /// Above the range of a bounded integer type.
    #[error("{value} is greater than the maximum {max} of xs:{}", .builtin.name())]
    AboveMaximum {
        builtin: Builtin,
        value: String,
        max: &'static str,
    },
    /// More than [`MAX_DIGITS`] digits.
    #[error("a number with {digits} digits is beyond the limit of {limit} digits for xs:{}", .builtin.name(), limit = MAX_DIGITS)]
    TooManyDigits { builtin: Builtin, digits: usize },
    /// A JSON exponent beyond [`MAX_EXPONENT`] for a decimal.
    #[error("{value} has an exponent beyond ±{limit}, too large to write out as xs:{}", .builtin.name(), limit = MAX_EXPONENT)]
    ExponentTooLarge { builtin: Builtin, value: String },
    /// A float or double beyond the finite range of its type.
    #[error("{value} is outside the finite range of xs:{}", .builtin.name())]
    OutOfRange { builtin: Builtin, value: String },
    /// A JSON number with a fraction or an exponent for an integer type.
    #[error("{value} is not an integer: xs:{} values are written as JSON integers, without a fraction or an exponent", .builtin.name())]
    NotAnInteger { builtin: Builtin, value: String },
    /// The JSON value has the wrong JSON type for the XSD type.
    #[error("expected {expected} for xs:{}, found {found}", .builtin.name())]
    WrongJsonType {
        builtin: Builtin,
        expected: &'static str,
        found: String,
    },
    /// A [`JsonScalar::Number`] whose text is not JSON number syntax.
    #[error("{value} is not a valid JSON number")]
    NotJsonNumber { value: String },
    /// enumeration
    #[error("{value} is not one of the allowed values: {allowed}")]
    NotEnumerated { value: String, allowed: String },
    /// length
    #[error("{value} does not have length {length} ({})", count(.actual, .unit))]
    Length {
        value: String,
        actual: u64,
        unit: LengthUnit,
        length: u64,
    },
    /// minLength
    #[error("{value} is shorter than minLength {min} ({})", count(.actual, .unit))]
    MinLength {
        value: String,
        actual: u64,
        unit: LengthUnit,
        min: u64,
    },
    /// maxLength
    #[error("{value} is longer than maxLength {max} ({})", count(.actual, .unit))]
    MaxLength {
        value: String,
        actual: u64,
        unit: LengthUnit,
        max: u64,
    },
    /// minInclusive
    #[error("{value} is less than minInclusive {bound}")]
    MinInclusive { value: String, bound: String },
    /// maxInclusive
    #[error("{value} is greater than maxInclusive {bound}")]
    MaxInclusive { value: String, bound: String },
    /// minExclusive
    #[error("{value} is not greater than minExclusive {bound}")]
    MinExclusive { value: String, bound: String },
    /// maxExclusive
    #[error("{value} is not less than maxExclusive {bound}")]
    MaxExclusive { value: String, bound: String },
    /// totalDigits
    #[error("{value} has {digits} digits, more than totalDigits {limit}")]
    TotalDigits {
        value: String,
        digits: usize,
        limit: u32,
    },
    /// fractionDigits
    #[error("{value} has {}, more than fractionDigits {limit}", fraction_digits(.digits))]
    FractionDigits {
        value: String,
        digits: usize,
        limit: u32,
    },
    /// A bound facet whose own value is not a value of the type.
    #[error("the {facet} facet value {bound} is not a valid xs:{}, so the facet cannot be checked", .builtin.name())]
    InvalidFacet {
        facet: &'static str,
        bound: String,
        builtin: Builtin,
    },
    /// length of a list type
    #[error("the list has {}, not the required length {length}", count(.items, &LengthUnit::Items))]
    ListLength { items: u64, length: u64 },
    /// minLength of a list type
    #[error("the list has {}, fewer than minLength {min}", count(.items, &LengthUnit::Items))]
    ListMinLength { items: u64, min: u64 },
    /// maxLength of a list type
    #[error("the list has {}, more than maxLength {max}", count(.items, &LengthUnit::Items))]
    ListMaxLength { items: u64, max: u64 },
}

fn reason_suffix(reason: &Option<String>) -> String {
    reason
        .as_ref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default()
}

fn fraction_digits(n: &usize) -> String {
    format!("{n} fraction {}", if *n == 1 { "digit" } else { "digits" })
}

fn count(n: &u64, unit: &LengthUnit) -> String {
    format!("{n} {}", unit.word(*n))
}

/// At most [`SHOWN_CHARS`] characters of `s`.
fn shorten(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(SHOWN_CHARS) {
        None => Cow::Borrowed(s),
        Some(_) => {
            let cut = s
                .char_indices()
                .nth(SHOWN_CHARS - 3)
                .map_or(s.len(), |(i, _)| i);
            Cow::Owned(format!("{}...", &s[..cut]))
        }
    }
}

/// `s` shortened and quoted, control characters escaped.
fn quoted(s: &str) -> String {
    format!("{:?}", shorten(s).as_ref())
}

/// `s` as a facet message shows it: bare when it is a number of a numeric type.
fn shown(builtin: Builtin, s: &str) -> String {
    let numeric = match builtin.json_kind() {
        JsonKind::Integer | JsonKind::Decimal => parse_decimal(s).is_some(),
        JsonKind::Float => matches!(parse_float_lexical(s), Some(FloatLex::Finite(_))),
        _ => false,
    };
    if numeric {
        shorten(s).into_owned()
    } else {
        quoted(s)
    }
}

fn invalid(builtin: Builtin, value: &str, reason: Option<String>) -> ScalarError {
    ScalarError::Invalid {
        builtin,
        value: quoted(value),
        reason,
    }
}

fn wrong_type(builtin: Builtin, expected: &'static str, found: &JsonScalar<'_>) -> ScalarError {
    ScalarError::WrongJsonType {
        builtin,
        expected,
        found: found.kind_name().to_string(),
    }
}

// ---------------------------------------------------------------- whitespace

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Applies the whiteSpace rule of the type: the facet if given, else the built-in's
/// (string: preserve; normalizedString: replace; everything else: collapse).
///
/// `anySimpleType` and `anyType` (untyped text) are preserved like `string`.
pub fn normalize_whitespace<'a>(
    builtin: Builtin,
    facet: Option<WhiteSpace>,
    raw: &'a str,
) -> Cow<'a, str> {
    let rule = facet.unwrap_or(match builtin {
        Builtin::String | Builtin::AnySimpleType | Builtin::AnyType => WhiteSpace::Preserve,
        Builtin::NormalizedString => WhiteSpace::Replace,
        _ => WhiteSpace::Collapse,
    });
    match rule {
        WhiteSpace::Preserve => Cow::Borrowed(raw),
        WhiteSpace::Replace => {
            if raw.contains(['\t', '\n', '\r']) {
                Cow::Owned(raw.replace(['\t', '\n', '\r'], " "))
            } else {
                Cow::Borrowed(raw)
            }
        }
        WhiteSpace::Collapse => collapse(raw),
    }
}

fn collapse(raw: &str) -> Cow<'_, str> {
    let trimmed = raw.trim_matches(is_xml_space);
    if !trimmed.contains(['\t', '\n', '\r']) && !trimmed.contains("  ") {
        return Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    for word in trimmed.split(is_xml_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

// ---------------------------------------------------------------- conversion

/// XML lexical value (already whitespace-normalized) of an atomic built-in -> JSON scalar.
/// Validates the lexical space of `builtin` and every type on its derivation chain
/// (e.g. xs:byte range, xs:language syntax, xs:date syntax).
pub fn xml_to_json<'a>(builtin: Builtin, lexical: &'a str) -> Result<JsonScalar<'a>, ScalarError> {
    match normalize_whitespace(builtin, None, lexical) {
        Cow::Borrowed(s) => lexical_to_json(builtin, s),
        Cow::Owned(s) => lexical_to_json(builtin, &s).map(JsonScalar::into_owned),
    }
}

fn lexical_to_json(builtin: Builtin, s: &str) -> Result<JsonScalar<'_>, ScalarError> {
    Ok(match builtin.json_kind() {
        JsonKind::Integer => JsonScalar::Number(integer_to_json(builtin, s)?),
        JsonKind::Decimal => JsonScalar::Number(decimal_to_json(builtin, s)?),
        JsonKind::Float => float_to_json(builtin, s)?,
        JsonKind::Boolean => JsonScalar::Bool(
            parse_bool(s)
                .ok_or_else(|| invalid(builtin, s, Some("expected true, false, 1 or 0".into())))?,
        ),
        JsonKind::String => JsonScalar::String(string_lexical(builtin, s)?),
    })
}

/// JSON scalar -> XML lexical value for an atomic built-in, validated the same way.
pub fn json_to_xml<'a>(
    builtin: Builtin,
    value: &JsonScalar<'a>,
) -> Result<Cow<'a, str>, ScalarError> {
    const NUMBER: &str = "a JSON number";
    match builtin.json_kind() {
        JsonKind::Integer => match value {
            JsonScalar::Number(n) => lift(n, builtin, json_integer_to_xml),
            other => Err(wrong_type(builtin, NUMBER, other)),
        },
        JsonKind::Decimal => match value {
            JsonScalar::Number(n) => lift(n, builtin, json_decimal_to_xml),
            other => Err(wrong_type(builtin, NUMBER, other)),
        },
        JsonKind::Float => match value {
            JsonScalar::Number(n) => lift(n, builtin, json_float_to_xml),
            JsonScalar::String(s) => match s.as_ref() {
                "INF" => Ok(Cow::Borrowed("INF")),
                "-INF" => Ok(Cow::Borrowed("-INF")),
                "NaN" => Ok(Cow::Borrowed("NaN")),
                other => Err(ScalarError::WrongJsonType {
                    builtin,
                    expected: r#"a JSON number or one of the strings "INF", "-INF", "NaN""#,
                    found: format!("the string {}", quoted(other)),
                }),
            },
            other => Err(wrong_type(
                builtin,
                r#"a JSON number or one of the strings "INF", "-INF", "NaN""#,
                other,
            )),
        },
        JsonKind::Boolean => match value {
            JsonScalar::Bool(true) => Ok(Cow::Borrowed("true")),
            JsonScalar::Bool(false) => Ok(Cow::Borrowed("false")),
            other => Err(wrong_type(builtin, "a JSON boolean", other)),
        },
        JsonKind::String => match value {
            JsonScalar::String(s) => lift(s, builtin, json_string_to_xml),
            other => Err(wrong_type(builtin, "a JSON string", other)),
        },
    }
}

type StrFn = for<'b> fn(Builtin, &'b str) -> Result<Cow<'b, str>, ScalarError>;

/// Runs `f` on the text of `c`, keeping the borrow when `c` borrows for `'a`.
fn lift<'a>(c: &Cow<'a, str>, builtin: Builtin, f: StrFn) -> Result<Cow<'a, str>, ScalarError> {
    match c {
        Cow::Borrowed(s) => f(builtin, s),
        Cow::Owned(s) => f(builtin, s.as_str()).map(|v| Cow::Owned(v.into_owned())),
    }
}

fn check_digits(builtin: Builtin, s: &str) -> Result<(), ScalarError> {
    if s.len() <= MAX_DIGITS {
        return Ok(());
    }
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    if digits > MAX_DIGITS {
        Err(ScalarError::TooManyDigits { builtin, digits })
    } else {
        Ok(())
    }
}

fn check_integer_bounds(builtin: Builtin, d: &Decimal<'_>, text: &str) -> Result<(), ScalarError> {
    let (min, max) = builtin.integer_bounds();
    if let Some(min) = min
        && let Some(bound) = parse_decimal(min)
        && d.compare(&bound) == Ordering::Less
    {
        return Err(ScalarError::BelowMinimum {
            builtin,
            value: quoted(text),
            min,
        });
    }
    if let Some(max) = max
        && let Some(bound) = parse_decimal(max)
        && d.compare(&bound) == Ordering::Greater
    {
        return Err(ScalarError::AboveMaximum {
            builtin,
            value: quoted(text),
            max,
        });
    }
    Ok(())
}

fn integer_to_json(builtin: Builtin, s: &str) -> Result<Cow<'_, str>, ScalarError> {
    check_digits(builtin, s)?;
    let d = match parse_decimal(s) {
        Some(d) if !s.contains('.') => d,
        Some(_) => {
            return Err(invalid(
                builtin,
                s,
                Some("an integer has no decimal point".into()),
            ));
        }
        None => return Err(invalid(builtin, s, None)),
    };
    check_integer_bounds(builtin, &d, s)?;
    Ok(canonical_decimal(s, &d))
}

fn decimal_to_json(builtin: Builtin, s: &str) -> Result<Cow<'_, str>, ScalarError> {
    check_digits(builtin, s)?;
    match parse_decimal(s) {
        Some(d) => Ok(canonical_decimal(s, &d)),
        None if parse_float_lexical(s).is_some() => Err(invalid(
            builtin,
            s,
            Some("xs:decimal is written without an exponent".into()),
        )),
        None => Err(invalid(builtin, s, None)),
    }
}

fn float_to_json(builtin: Builtin, s: &str) -> Result<JsonScalar<'_>, ScalarError> {
    check_digits(builtin, s)?;
    match parse_float_lexical(s) {
        None => Err(invalid(
            builtin,
            s,
            Some("expected a number such as 1.5, 1E5 or -0.5e-3, or INF, -INF, NaN".into()),
        )),
        Some(FloatLex::PosInf) => Ok(JsonScalar::String(Cow::Borrowed("INF"))),
        Some(FloatLex::NegInf) => Ok(JsonScalar::String(Cow::Borrowed("-INF"))),
        Some(FloatLex::NaN) => Ok(JsonScalar::String(Cow::Borrowed("NaN"))),
        Some(FloatLex::Finite(text)) => {
            check_float_range(builtin, &text, s)?;
            Ok(JsonScalar::Number(text))
        }
    }
}

fn check_float_range(builtin: Builtin, text: &str, original: &str) -> Result<(), ScalarError> {
    let finite = if builtin == Builtin::Float {
        text.parse::<f32>().map(f32::is_finite)
    } else {
        text.parse::<f64>().map(f64::is_finite)
    };
    match finite {
        Ok(true) => Ok(()),
        Ok(false) => Err(ScalarError::OutOfRange {
            builtin,
            value: quoted(original),
        }),
        Err(_) => Err(invalid(builtin, original, None)),
    }
}

fn json_integer_to_xml(builtin: Builtin, text: &str) -> Result<Cow<'_, str>, ScalarError> {
    check_digits(builtin, text)?;
    let j = parse_json_number(text).ok_or_else(|| ScalarError::NotJsonNumber {
        value: quoted(text),
    })?;
    if j.frac.is_some() || j.exp.is_some() {
        return Err(ScalarError::NotAnInteger {
            builtin,
            value: shorten(text).into_owned(),
        });
    }
    let d = Decimal {
        negative: j.negative,
        int: j.int.trim_start_matches('0'),
        frac: "",
    };
    check_integer_bounds(builtin, &d, text)?;
    Ok(canonical_decimal(text, &d))
}

fn json_decimal_to_xml(builtin: Builtin, text: &str) -> Result<Cow<'_, str>, ScalarError> {
    check_digits(builtin, text)?;
    let j = parse_json_number(text).ok_or_else(|| ScalarError::NotJsonNumber {
        value: quoted(text),
    })?;
    let frac = j.frac.unwrap_or("");
    let Some(exp) = j.exp else {
        let d = Decimal {
            negative: j.negative,
            int: j.int.trim_start_matches('0'),
            frac,
        };
        return Ok(canonical_decimal(text, &d));
    };
    let too_large = || ScalarError::ExponentTooLarge {
        builtin,
        value: shorten(text).into_owned(),
    };
    let (exp_negative, exp_digits) = match exp.as_bytes().first() {
        Some(b'-') => (true, &exp[1..]),
        Some(b'+') => (false, &exp[1..]),
        _ => (false, exp),
    };
    let exp_digits = exp_digits.trim_start_matches('0');
    if exp_digits.len() > 6 {
        return Err(too_large());
    }
    let magnitude: i64 = if exp_digits.is_empty() {
        0
    } else {
        exp_digits.parse().map_err(|_| too_large())?
    };
    if magnitude > MAX_EXPONENT {
        return Err(too_large());
    }
    let exponent = if exp_negative { -magnitude } else { magnitude };
    let digits = format!("{}{}", j.int, frac);
    let point = j.int.len() as i64 + exponent;
    let mut plain = String::with_capacity(digits.len() + magnitude as usize + 2);
    if point <= 0 {
        plain.push_str("0.");
        plain.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        plain.push_str(&digits);
    } else if point as usize >= digits.len() {
        plain.push_str(&digits);
        plain.extend(std::iter::repeat_n('0', point as usize - digits.len()));
    } else {
        let (int, fraction) = digits.split_at(point as usize);
        plain.push_str(int);
        plain.push('.');
        plain.push_str(fraction);
    }
    let d = parse_decimal(&plain).ok_or_else(|| invalid(builtin, text, None))?;
    Ok(Cow::Owned(decimal_text(j.negative, &d)))
}

fn json_float_to_xml(builtin: Builtin, text: &str) -> Result<Cow<'_, str>, ScalarError> {
    check_digits(builtin, text)?;
    if parse_json_number(text).is_none() {
        return Err(ScalarError::NotJsonNumber {
            value: quoted(text),
        });
    }
    check_float_range(builtin, text, text)?;
    Ok(Cow::Borrowed(text))
}

fn json_string_to_xml(builtin: Builtin, s: &str) -> Result<Cow<'_, str>, ScalarError> {
    match normalize_whitespace(builtin, None, s) {
        Cow::Borrowed(n) => string_lexical(builtin, n),
        Cow::Owned(n) => string_lexical(builtin, &n).map(|c| Cow::Owned(c.into_owned())),
    }
}

/// Validates a (normalized) value of a string-like built-in; the text to write.
fn string_lexical(builtin: Builtin, s: &str) -> Result<Cow<'_, str>, ScalarError> {
    validate_text(builtin, s)?;
    if builtin == Builtin::Base64Binary && s.contains(' ') {
        Ok(Cow::Owned(s.replace(' ', "")))
    } else {
        Ok(Cow::Borrowed(s))
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------- numbers

/// A decimal lexical split into its digit runs (ASCII digits only).
#[derive(Debug, Clone, Copy)]
struct Decimal<'s> {
    negative: bool,
    /// Integer digits without leading zeros; empty for zero.
    int: &'s str,
    /// Fraction digits as written (trailing zeros kept).
    frac: &'s str,
}

impl Decimal<'_> {
    fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.bytes().all(|b| b == b'0')
    }

    fn signum(&self) -> i8 {
        match (self.is_zero(), self.negative) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        }
    }

    /// Exact comparison in the value space.
    fn compare(&self, other: &Decimal<'_>) -> Ordering {
        let (a, b) = (self.signum(), other.signum());
        if a != b || a == 0 {
            return a.cmp(&b);
        }
        let magnitude = self
            .int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(other.int))
            .then_with(|| {
                self.frac
                    .trim_end_matches('0')
                    .cmp(other.frac.trim_end_matches('0'))
            });
        if a < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

/// XSD decimal syntax: `[+-]?(digits(.digits?)?|.digits)`.
fn parse_decimal(s: &str) -> Option<Decimal<'_>> {
    let (negative, body) = split_sign(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    Some(Decimal {
        negative,
        int: int.trim_start_matches('0'),
        frac,
    })
}

/// The JSON text of a decimal: no `+`, no leading zeros, no sign on zero,
/// fraction digits kept as written.
fn decimal_text(negative: bool, d: &Decimal<'_>) -> String {
    let mut out = String::with_capacity(d.int.len() + d.frac.len() + 3);
    if negative && !d.is_zero() {
        out.push('-');
    }
    out.push_str(if d.int.is_empty() { "0" } else { d.int });
    if !d.frac.is_empty() {
        out.push('.');
        out.push_str(d.frac);
    }
    out
}

fn canonical_decimal<'s>(s: &'s str, d: &Decimal<'_>) -> Cow<'s, str> {
    if let Some(j) = parse_json_number(s)
        && j.exp.is_none()
        && !(j.negative && d.is_zero())
    {
        return Cow::Borrowed(s);
    }
    Cow::Owned(decimal_text(d.negative, d))
}

/// A number in JSON syntax: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
#[derive(Debug, Clone, Copy)]
struct JsonNumber<'s> {
    negative: bool,
    int: &'s str,
    frac: Option<&'s str>,
    /// The exponent after `e`/`E`, sign included.
    exp: Option<&'s str>,
}

fn parse_json_number(s: &str) -> Option<JsonNumber<'_>> {
    let b = s.as_bytes();
    let digits_from = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let negative = b.first() == Some(&b'-');
    let int_start = usize::from(negative);
    let mut i = digits_from(int_start);
    let int = &s[int_start..i];
    if int.is_empty() || (int.len() > 1 && int.starts_with('0')) {
        return None;
    }
    let mut frac = None;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = digits_from(start);
        if i == start {
            return None;
        }
        frac = Some(&s[start..i]);
    }
    let mut exp = None;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let start = i + 1;
        let mut j = start;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        i = digits_from(j);
        if i == j {
            return None;
        }
        exp = Some(&s[start..i]);
    }
    (i == b.len()).then_some(JsonNumber {
        negative,
        int,
        frac,
        exp,
    })
}

/// An XSD float/double lexical.
#[derive(Debug, Clone, PartialEq)]
enum FloatLex<'s> {
    /// A finite value, rewritten to JSON number syntax.
    Finite(Cow<'s, str>),
    PosInf,
    NegInf,
    NaN,
}

fn parse_float_lexical(s: &str) -> Option<FloatLex<'_>> {
    match s {
        "INF" | "+INF" => return Some(FloatLex::PosInf),
        "-INF" => return Some(FloatLex::NegInf),
        "NaN" => return Some(FloatLex::NaN),
        _ => {}
    }
    if parse_json_number(s).is_some() {
        return Some(FloatLex::Finite(Cow::Borrowed(s)));
    }
    let (negative, body) = split_sign(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    if let Some(e) = exp {
        let unsigned = &e[1..];
        let digits = unsigned.strip_prefix(['+', '-']).unwrap_or(unsigned);
        if digits.is_empty() || !all_digits(digits) {
            return None;
        }
    }
    let mut out = String::with_capacity(s.len() + 1);
    if negative {
        out.push('-');
    }
    let int = int.trim_start_matches('0');
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if let Some(e) = exp {
        out.push_str(e);
    }
    Some(FloatLex::Finite(Cow::Owned(out)))
}

/// The `f64` of a float/double lexical, `INF` and `NaN` included.
fn float_value(s: &str) -> Option<f64> {
    match parse_float_lexical(s)? {
        FloatLex::PosInf => Some(f64::INFINITY),
        FloatLex::NegInf => Some(f64::NEG_INFINITY),
        FloatLex::NaN => Some(f64::NAN),
        FloatLex::Finite(text) => text.parse().ok(),
    }
}

/// Exact comparison of two decimal lexical values (integers too), no float rounding.
/// `None` when either is not an `xs:decimal` lexical (surrounding XML whitespace is ignored).
pub fn compare_decimal(a: &str, b: &str) -> Option<Ordering> {
    let a = parse_decimal(a.trim_matches(is_xml_space))?;
    let b = parse_decimal(b.trim_matches(is_xml_space))?;
    Some(a.compare(&b))
}

// ---------------------------------------------------------------- text and names

fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        c if c.is_control() || c.is_whitespace() => format!("U+{:04X}", u32::from(c)),
        c => format!("'{c}'"),
    }
}

/// Why `s` is not an XML Name (or NCName when `colon` is false).
fn name_problem(s: &str, colon: bool) -> Option<String> {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return Some("a name cannot be empty".into());
    };
    if first == ':' && !colon {
        return Some("':' is not allowed in a name without a prefix (NCName)".into());
    }
    if !is_name_start(first) {
        return Some(format!("a name cannot start with {}", describe_char(first)));
    }
    for c in chars {
        if c == ':' && !colon {
            return Some("':' is not allowed in a name without a prefix (NCName)".into());
        }
        if !is_name_char(c) {
            return Some(format!("{} is not allowed in a name", describe_char(c)));
        }
    }
    None
}

fn nmtoken_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("a name token cannot be empty".into());
    }
    s.chars()
        .find(|&c| !is_name_char(c))
        .map(|c| format!("{} is not allowed in a name token", describe_char(c)))
}

fn qname_problem(s: &str) -> Option<String> {
    match s.split_once(':') {
        Some((prefix, local)) => name_problem(prefix, false)
            .map(|p| format!("prefix: {p}"))
            .or_else(|| name_problem(local, false).map(|p| format!("local name: {p}"))),
        None => name_problem(s, false),
    }
}

fn token_problem(s: &str) -> Option<String> {
    if s.contains(['\t', '\n', '\r']) {
        Some("tabs and line breaks are not allowed".into())
    } else if s.starts_with(' ') || s.ends_with(' ') {
        Some("leading and trailing spaces are not allowed".into())
    } else if s.contains("  ") {
        Some("consecutive spaces are not allowed".into())
    } else {
        None
    }
}

fn language_problem(s: &str) -> Option<String> {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or_default();
    let bad_first =
        first.is_empty() || first.len() > 8 || !first.bytes().all(|b| b.is_ascii_alphabetic());
    let bad_rest =
        parts.any(|p| p.is_empty() || p.len() > 8 || !p.bytes().all(|b| b.is_ascii_alphanumeric()));
    (bad_first || bad_rest).then(|| {
        "expected a language tag such as en or en-US: 1 to 8 letters, then subtags of 1 to 8 letters or digits after '-'"
            .into()
    })
}

fn list_problem(s: &str, item_problem: fn(&str) -> Option<String>) -> Option<String> {
    if s.is_empty() {
        return Some("the list needs at least one item".into());
    }
    s.split(' ')
        .find_map(|item| item_problem(item).map(|p| format!("item {}: {p}", quoted(item))))
}

fn ncname_problem(s: &str) -> Option<String> {
    name_problem(s, false)
}

/// The octets of a hexBinary lexical, or why it is not one.
fn hex_octets(s: &str) -> Result<u64, String> {
    if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("{} is not a hex digit", describe_char(c)));
    }
    if !s.len().is_multiple_of(2) {
        return Err("hexBinary needs an even number of hex digits".into());
    }
    Ok(s.len() as u64 / 2)
}

/// The octets of a base64Binary lexical (single spaces allowed between
/// characters, as XSD 1.0's grammar does after whitespace collapse), or why it is not one.
fn base64_octets(s: &str) -> Result<u64, String> {
    if s.starts_with(' ') || s.ends_with(' ') || s.contains("  ") {
        return Err("only single spaces may separate base64 characters".into());
    }
    let mut n: u64 = 0;
    let mut pad_start = None;
    let mut last_data = None;
    for c in s.chars().filter(|&c| c != ' ') {
        if c == '=' {
            pad_start.get_or_insert(n);
        } else if pad_start.is_some() {
            return Err("'=' padding may only appear at the end".into());
        } else if c.is_ascii_alphanumeric() || c == '+' || c == '/' {
            last_data = Some(c);
        } else {
            return Err(format!("{} is not a base64 character", describe_char(c)));
        }
        n += 1;
    }
    if !n.is_multiple_of(4) {
        return Err(format!(
            "the base64 text has {n} characters (spaces not counted), not a multiple of 4"
        ));
    }
    let pad = n - pad_start.unwrap_or(n);
    let last = last_data.unwrap_or('A');
    match pad {
        0 => {}
        1 if "AEIMQUYcgkosw048".contains(last) => {}
        2 if "AQgw".contains(last) => {}
        1 | 2 => {
            return Err(format!(
                "the character '{last}' before the '=' padding leaves non-zero unused bits"
            ));
        }
        _ => return Err("at most two '=' padding characters are allowed".into()),
    }
    Ok(n / 4 * 3 - pad)
}

/// Validates a normalized value of a string-like built-in (JSON kind string).
fn validate_text(builtin: Builtin, s: &str) -> Result<(), ScalarError> {
    if let Some(c) = s.chars().find(|&c| !crate::xml::is_xml_char(c)) {
        return Err(invalid(
            builtin,
            s,
            Some(format!(
                "character U+{:04X} is not allowed in XML 1.0",
                u32::from(c)
            )),
        ));
    }
    let problem = match builtin {
        Builtin::NormalizedString => s
            .contains(['\t', '\n', '\r'])
            .then(|| "tabs and line breaks are not allowed".to_string()),
        Builtin::Token => token_problem(s),
        Builtin::Language => token_problem(s).or_else(|| language_problem(s)),
        Builtin::Name => name_problem(s, true),
        Builtin::NCName | Builtin::Id | Builtin::IdRef | Builtin::Entity => ncname_problem(s),
        Builtin::NmToken => nmtoken_problem(s),
        Builtin::IdRefs | Builtin::Entities => list_problem(s, ncname_problem),
        Builtin::NmTokens => list_problem(s, nmtoken_problem),
        Builtin::QName | Builtin::Notation => qname_problem(s),
        Builtin::HexBinary => hex_octets(s).err(),
        Builtin::Base64Binary => base64_octets(s).err(),
        Builtin::Duration => parse_duration(s).err(),
        Builtin::DateTime
        | Builtin::Time
        | Builtin::Date
        | Builtin::GYearMonth
        | Builtin::GYear
        | Builtin::GMonthDay
        | Builtin::GDay
        | Builtin::GMonth => parse_temporal(builtin, s).err(),
        _ => None,
    };
    match problem {
        Some(reason) => Err(invalid(builtin, s, Some(reason))),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------- dates and times

/// A date/time value of any of the eight date/time types; missing fields take
/// reference values (year 2000, a leap year; January; day 1; midnight).
#[derive(Debug, Clone, Copy)]
struct Temporal<'s> {
    /// XSD 1.0 numbering: no year 0, -0001 is 1 BCE.
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    frac: &'s str,
    /// Offset in minutes.
    tz: Option<i32>,
}

struct Cursor<'s> {
    s: &'s str,
    i: usize,
}

impl<'s> Cursor<'s> {
    fn eat(&mut self, c: u8) -> bool {
        if self.s.as_bytes().get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn digits(&mut self) -> &'s str {
        let start = self.i;
        let b = self.s.as_bytes();
        while self.i < b.len() && b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// Exactly two digits.
    fn two(&mut self) -> Option<u32> {
        let b = self.s.as_bytes();
        match (b.get(self.i), b.get(self.i + 1)) {
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                self.i += 2;
                Some(u32::from(x - b'0') * 10 + u32::from(y - b'0'))
            }
            _ => None,
        }
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
}

fn temporal_shape(builtin: Builtin) -> &'static str {
    match builtin {
        Builtin::DateTime => "YYYY-MM-DDThh:mm:ss with optional fractional seconds",
        Builtin::Date => "YYYY-MM-DD",
        Builtin::Time => "hh:mm:ss with optional fractional seconds",
        Builtin::GYearMonth => "YYYY-MM",
        Builtin::GYear => "YYYY",
        Builtin::GMonthDay => "--MM-DD",
        Builtin::GDay => "---DD",
        _ => "--MM",
    }
}

fn is_leap(year: i64) -> bool {
    let y = astronomical(year);
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// XSD 1.0 years have no year 0: -0001 is astronomical year 0.
fn astronomical(year: i64) -> i128 {
    let y = i128::from(year);
    if y < 0 { y + 1 } else { y }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (astronomical year).
fn days_from_civil(year: i128, month: u32, day: u32) -> i128 {
    let (m, d) = (i128::from(month), i128::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn parse_temporal(builtin: Builtin, s: &str) -> Result<Temporal<'_>, String> {
    let syntax = || {
        format!(
            "expected {} with an optional timezone (Z or ±hh:mm)",
            temporal_shape(builtin)
        )
    };
    let mut c = Cursor { s, i: 0 };
    let mut t = Temporal {
        year: 2000,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        frac: "",
        tz: None,
    };
    let expect = |c: &mut Cursor<'_>, b: u8| if c.eat(b) { Ok(()) } else { Err(syntax()) };
    let date = |c: &mut Cursor<'_>, t: &mut Temporal<'_>| -> Result<(), String> {
        t.year = read_year(c).ok_or_else(syntax)??;
        expect(c, b'-')?;
        t.month = c.two().ok_or_else(syntax)?;
        expect(c, b'-')?;
        t.day = c.two().ok_or_else(syntax)?;
        Ok(())
    };
    match builtin {
        Builtin::DateTime => {
            date(&mut c, &mut t)?;
            expect(&mut c, b'T')?;
            read_time(&mut c, &mut t).ok_or_else(syntax)?;
        }
        Builtin::Date => date(&mut c, &mut t)?,
        Builtin::Time => read_time(&mut c, &mut t).ok_or_else(syntax)?,
        Builtin::GYearMonth => {
            t.year = read_year(&mut c).ok_or_else(syntax)??;
            expect(&mut c, b'-')?;
            t.month = c.two().ok_or_else(syntax)?;
        }
        Builtin::GYear => t.year = read_year(&mut c).ok_or_else(syntax)??,
        Builtin::GMonthDay => {
            expect(&mut c, b'-')?;
            expect(&mut c, b'-')?;
            t.month = c.two().ok_or_else(syntax)?;
            expect(&mut c, b'-')?;
            t.day = c.two().ok_or_else(syntax)?;
        }
        Builtin::GDay => {
            for _ in 0..3 {
                expect(&mut c, b'-')?;
            }
            t.day = c.two().ok_or_else(syntax)?;
        }
        Builtin::GMonth => {
            expect(&mut c, b'-')?;
            expect(&mut c, b'-')?;
            t.month = c.two().ok_or_else(syntax)?;
            // The first edition of XSD 1.0 wrote gMonth as --MM--; still seen in the wild.
            if c.s[c.i..].starts_with("--") {
                c.i += 2;
            }
        }
        _ => return Err("not a date or time type".into()),
    }
    t.tz = read_timezone(&mut c).ok_or_else(syntax)??;
    if !c.done() {
        return Err(syntax());
    }
    if !(1..=12).contains(&t.month) {
        return Err(format!("month {:02} is not between 01 and 12", t.month));
    }
    if t.day < 1 || t.day > days_in_month(t.year, t.month) {
        return Err(if t.month == 2 && t.day == 29 {
            format!("{} is not a leap year, so February has 28 days", t.year)
        } else {
            format!("day {:02} does not exist in month {:02}", t.day, t.month)
        });
    }
    if t.hour == 24 {
        if t.minute != 0 || t.second != 0 || t.frac.bytes().any(|b| b != b'0') {
            return Err("hour 24 is only allowed as 24:00:00".into());
        }
    } else if t.hour > 23 {
        return Err(format!("hour {:02} is not between 00 and 23", t.hour));
    }
    if t.minute > 59 {
        return Err(format!("minute {:02} is not between 00 and 59", t.minute));
    }
    if t.second > 59 {
        return Err(format!(
            "second {:02} is not between 00 and 59 (XSD has no leap seconds)",
            t.second
        ));
    }
    Ok(t)
}

/// `None` for a syntax error, `Some(Err)` for a specific problem.
fn read_year(c: &mut Cursor<'_>) -> Option<Result<i64, String>> {
    let negative = c.eat(b'-');
    let digits = c.digits();
    if digits.len() < 4 {
        return None;
    }
    if digits.len() > 4 && digits.starts_with('0') {
        return Some(Err(
            "a year of more than four digits cannot start with 0".into()
        ));
    }
    if digits.bytes().all(|b| b == b'0') {
        return Some(Err("year 0000 does not exist (1 BCE is -0001)".into()));
    }
    if digits.len() > 15 {
        return Some(Err("years of more than 15 digits are not supported".into()));
    }
    let year: i64 = digits.parse().ok()?;
    Some(Ok(if negative { -year } else { year }))
}

fn read_time<'s>(c: &mut Cursor<'s>, t: &mut Temporal<'s>) -> Option<()> {
    t.hour = c.two()?;
    c.eat(b':').then_some(())?;
    t.minute = c.two()?;
    c.eat(b':').then_some(())?;
    t.second = c.two()?;
    if c.eat(b'.') {
        t.frac = c.digits();
        if t.frac.is_empty() {
            return None;
        }
    }
    Some(())
}

fn read_timezone(c: &mut Cursor<'_>) -> Option<Result<Option<i32>, String>> {
    if c.done() {
        return Some(Ok(None));
    }
    if c.eat(b'Z') {
        return Some(Ok(Some(0)));
    }
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return None;
    };
    let hours = c.two()?;
    c.eat(b':').then_some(())?;
    let minutes = c.two()?;
    if hours > 14 || minutes > 59 || (hours == 14 && minutes != 0) {
        return Some(Err(
            "the timezone offset must be between -14:00 and +14:00".into()
        ));
    }
    Some(Ok(Some(sign * (hours * 60 + minutes) as i32)))
}

impl<'s> Temporal<'s> {
    /// The instant in seconds (UTC when a timezone is given) and the fraction digits.
    fn key(&self) -> (i128, &'s str) {
        let days = days_from_civil(astronomical(self.year), self.month, self.day);
        let seconds = days * 86_400
            + i128::from(self.hour) * 3600
            + i128::from(self.minute) * 60
            + i128::from(self.second)
            - i128::from(self.tz.unwrap_or(0)) * 60;
        (seconds, self.frac.trim_end_matches('0'))
    }
}

/// Decidable only when both values have a timezone or neither has one.
fn compare_temporal(a: &Temporal<'_>, b: &Temporal<'_>) -> Option<Ordering> {
    (a.tz.is_some() == b.tz.is_some()).then(|| a.key().cmp(&b.key()))
}

// ---------------------------------------------------------------- durations

#[derive(Debug, Clone, Copy)]
struct DurationValue<'s> {
    negative: bool,
    months: i128,
    /// Whole seconds of the day, hour, minute and second components.
    seconds: i128,
    frac: &'s str,
}

fn parse_duration(s: &str) -> Result<DurationValue<'_>, String> {
    const SYNTAX: &str = "expected PnYnMnDTnHnMnS, e.g. P1Y2M3DT4H5M6.7S or -PT30M";
    let b = s.as_bytes();
    let negative = b.first() == Some(&b'-');
    let mut i = usize::from(negative);
    if b.get(i) != Some(&b'P') {
        return Err(SYNTAX.into());
    }
    i += 1;
    let mut d = DurationValue {
        negative,
        months: 0,
        seconds: 0,
        frac: "",
    };
    let (mut any, mut in_time, mut any_time) = (false, false, false);
    let mut next_slot = 0;
    while i < b.len() {
        if b[i] == b'T' {
            if in_time {
                return Err(SYNTAX.into());
            }
            in_time = true;
            next_slot = 3;
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let number = &s[start..i];
        let slot = match (b.get(i), in_time) {
            (Some(b'Y'), false) => 0,
            (Some(b'M'), false) => 1,
            (Some(b'D'), false) => 2,
            (Some(b'H'), true) => 3,
            (Some(b'M'), true) => 4,
            (Some(b'S'), true) => 5,
            _ => return Err(SYNTAX.into()),
        };
        i += 1;
        if slot < next_slot {
            return Err(
                "the components must appear in the order Y, M, D, T, H, M, S, each at most once"
                    .into(),
            );
        }
        next_slot = slot + 1;
        let (whole, frac) = match number.split_once('.') {
            Some((w, f)) if slot == 5 => (w, f),
            Some(_) => return Err("only seconds may have a fraction".into()),
            None => (number, ""),
        };
        if (whole.is_empty() && frac.is_empty()) || !all_digits(whole) || !all_digits(frac) {
            return Err(SYNTAX.into());
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 18 {
            return Err("duration components of more than 18 digits are not supported".into());
        }
        let n: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| SYNTAX.to_string())?
        };
        match slot {
            0 => d.months += n * 12,
            1 => d.months += n,
            2 => d.seconds += n * 86_400,
            3 => d.seconds += n * 3600,
            4 => d.seconds += n * 60,
            _ => {
                d.seconds += n;
                d.frac = frac;
            }
        }
        any = true;
        any_time |= in_time;
    }
    if in_time && !any_time {
        return Err("'T' must be followed by hours, minutes or seconds".into());
    }
    if !any {
        return Err("a duration needs at least one component, e.g. P0D or PT0S".into());
    }
    Ok(d)
}

/// `1 - 0.f` as fraction digits (for `f` without trailing zeros, not empty).
fn fraction_complement(f: &str) -> String {
    let n = f.len();
    f.bytes()
        .enumerate()
        .map(|(k, b)| {
            let digit = b - b'0';
            char::from(b'0' + if k + 1 == n { 10 - digit } else { 9 - digit })
        })
        .collect()
}

impl DurationValue<'_> {
    /// The instant (seconds, non-negative fraction digits) reached by adding
    /// this duration to the first day of `month` in `year`, at 00:00:00Z.
    fn added_to(&self, year: i128, month: u32) -> (i128, String) {
        let sign: i128 = if self.negative { -1 } else { 1 };
        let total = year * 12 + i128::from(month) - 1 + sign * self.months;
        let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
        let base = days_from_civil(y, m, 1) * 86_400;
        let frac = self.frac.trim_end_matches('0');
        if self.negative && !frac.is_empty() {
            (base - self.seconds - 1, fraction_complement(frac))
        } else {
            (base + sign * self.seconds, frac.to_string())
        }
    }
}

/// The order of `a` and `b` after adding both to each of the four reference
/// dates of the XSD spec (their partial order: `P1M` vs `P30D` differs by date).
fn duration_orders(a: &DurationValue<'_>, b: &DurationValue<'_>) -> [Ordering; 4] {
    const REFERENCES: [(i128, u32); 4] = [(1696, 9), (1697, 2), (1903, 3), (1903, 7)];
    REFERENCES.map(|(y, m)| a.added_to(y, m).cmp(&b.added_to(y, m)))
}

// ---------------------------------------------------------------- facets

/// A value of an ordered type, for bound facets.
enum Ordered<'s> {
    Decimal(Decimal<'s>),
    Float(f64),
    Temporal(Temporal<'s>),
    Duration(DurationValue<'s>),
}

enum Comparison {
    Known(Ordering),
    /// Durations: one order per XSD reference date; a bound holds when it holds
    /// at one of them at least (violated everywhere fails, undecidable passes).
    PerReference([Ordering; 4]),
    /// NaN: every bound fails.
    Unordered,
    /// Not decidable (timezone on one side only, P1M vs P30D): the facet passes.
    Indeterminate,
}

fn is_ordered(builtin: Builtin) -> bool {
    matches!(
        builtin.primitive(),
        Builtin::Decimal
            | Builtin::Float
            | Builtin::Double
            | Builtin::Duration
            | Builtin::DateTime
            | Builtin::Time
            | Builtin::Date
            | Builtin::GYearMonth
            | Builtin::GYear
            | Builtin::GMonthDay
            | Builtin::GDay
            | Builtin::GMonth
    )
}

fn ordered_value(builtin: Builtin, s: &str) -> Option<Ordered<'_>> {
    match builtin.primitive() {
        Builtin::Decimal => parse_decimal(s).map(Ordered::Decimal),
        Builtin::Float | Builtin::Double => float_value(s).map(Ordered::Float),
        Builtin::Duration => parse_duration(s).ok().map(Ordered::Duration),
        p => parse_temporal(p, s).ok().map(Ordered::Temporal),
    }
}

fn compare_ordered(a: &Ordered<'_>, b: &Ordered<'_>) -> Comparison {
    let known = |o: Option<Ordering>| o.map_or(Comparison::Indeterminate, Comparison::Known);
    match (a, b) {
        (Ordered::Decimal(x), Ordered::Decimal(y)) => Comparison::Known(x.compare(y)),
        (Ordered::Float(x), Ordered::Float(y)) => x
            .partial_cmp(y)
            .map_or(Comparison::Unordered, Comparison::Known),
        (Ordered::Temporal(x), Ordered::Temporal(y)) => known(compare_temporal(x, y)),
        (Ordered::Duration(x), Ordered::Duration(y)) => {
            Comparison::PerReference(duration_orders(x, y))
        }
        _ => Comparison::Indeterminate,
    }
}

/// Equality in the value space where it matters, literal otherwise.
fn values_equal(builtin: Builtin, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match builtin.primitive() {
        Builtin::Decimal => matches!(compare_decimal(a, b), Some(Ordering::Equal)),
        Builtin::Float | Builtin::Double => match (float_value(a), float_value(b)) {
            (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
            _ => false,
        },
        Builtin::Boolean => parse_bool(a).is_some() && parse_bool(a) == parse_bool(b),
        Builtin::Duration => match (parse_duration(a), parse_duration(b)) {
            (Ok(x), Ok(y)) => duration_orders(&x, &y) == [Ordering::Equal; 4],
            _ => false,
        },
        Builtin::HexBinary => a.eq_ignore_ascii_case(b),
        Builtin::Base64Binary => a.replace(' ', "") == b.replace(' ', ""),
        p if is_ordered(p) => match (parse_temporal(p, a), parse_temporal(p, b)) {
            (Ok(x), Ok(y)) => compare_temporal(&x, &y) == Some(Ordering::Equal),
            _ => false,
        },
        _ => false,
    }
}

/// The length of a value as the length facets count it; `None` where they do not apply.
fn measure_length(builtin: Builtin, s: &str) -> Option<(u64, LengthUnit)> {
    match builtin.primitive() {
        Builtin::String | Builtin::AnyUri | Builtin::AnySimpleType | Builtin::AnyType => {
            Some((s.chars().count() as u64, LengthUnit::Characters))
        }
        Builtin::HexBinary => hex_octets(s).ok().map(|n| (n, LengthUnit::Octets)),
        Builtin::Base64Binary => base64_octets(s).ok().map(|n| (n, LengthUnit::Octets)),
        Builtin::IdRefs | Builtin::Entities | Builtin::NmTokens => Some((
            s.split(' ').filter(|i| !i.is_empty()).count() as u64,
            LengthUnit::Items,
        )),
        _ => None,
    }
}

fn allowed_list(allowed: &[String]) -> String {
    let mut out = allowed
        .iter()
        .take(SHOWN_ENUM_VALUES)
        .map(|v| shorten(v))
        .collect::<Vec<_>>()
        .join(", ");
    if allowed.len() > SHOWN_ENUM_VALUES {
        out.push_str(&format!(
            ", ... ({} more)",
            allowed.len() - SHOWN_ENUM_VALUES
        ));
    }
    out
}

#[derive(Clone, Copy)]
enum BoundKind {
    MinInclusive,
    MaxInclusive,
    MinExclusive,
    MaxExclusive,
}

impl BoundKind {
    fn name(self) -> &'static str {
        match self {
            BoundKind::MinInclusive => "minInclusive",
            BoundKind::MaxInclusive => "maxInclusive",
            BoundKind::MinExclusive => "minExclusive",
            BoundKind::MaxExclusive => "maxExclusive",
        }
    }

    fn allows(self, value_vs_bound: Ordering) -> bool {
        match self {
            BoundKind::MinInclusive => value_vs_bound != Ordering::Less,
            BoundKind::MaxInclusive => value_vs_bound != Ordering::Greater,
            BoundKind::MinExclusive => value_vs_bound == Ordering::Greater,
            BoundKind::MaxExclusive => value_vs_bound == Ordering::Less,
        }
    }

    fn error(self, value: String, bound: String) -> ScalarError {
        match self {
            BoundKind::MinInclusive => ScalarError::MinInclusive { value, bound },
            BoundKind::MaxInclusive => ScalarError::MaxInclusive { value, bound },
            BoundKind::MinExclusive => ScalarError::MinExclusive { value, bound },
            BoundKind::MaxExclusive => ScalarError::MaxExclusive { value, bound },
        }
    }
}

/// Checks the facets other than `pattern` (the caller checks patterns) against a
/// normalized lexical value of an atomic type whose built-in ancestor is `builtin`:
/// enumeration (compared in the value space where it matters: "1.0" equals "1.00" for decimals,
/// otherwise literal), length/minLength/maxLength (characters for string types; octets for
/// hexBinary/base64Binary), min/max Inclusive/Exclusive (exact decimal comparison for numeric
/// types, never via f64 for decimals/integers; float/double compare as f64 incl. INF; date/time types
/// compared when both values have a timezone or both have none, otherwise the facet is not
/// decidable and passes), totalDigits/fractionDigits (decimal types). Returns every violation.
///
/// A value outside the lexical space of `builtin` is the business of
/// [`xml_to_json`]/[`json_to_xml`]: facets that cannot read it are skipped.
/// A bound facet whose own value is not a value of the type is reported as
/// [`ScalarError::InvalidFacet`].
pub fn check_facets(builtin: Builtin, facets: &Facets, lexical: &str) -> Vec<ScalarError> {
    let mut errors = Vec::new();
    let lexical = normalize_whitespace(builtin, facets.white_space, lexical);
    let lexical = lexical.as_ref();

    if let Some(allowed) = &facets.enumeration
        && !allowed.iter().any(|e| {
            values_equal(
                builtin,
                lexical,
                &normalize_whitespace(builtin, facets.white_space, e),
            )
        })
    {
        errors.push(ScalarError::NotEnumerated {
            value: quoted(lexical),
            allowed: allowed_list(allowed),
        });
    }

    if let Some((actual, unit)) = measure_length(builtin, lexical) {
        let value = || quoted(lexical);
        if let Some(length) = facets.length
            && actual != length
        {
            errors.push(ScalarError::Length {
                value: value(),
                actual,
                unit,
                length,
            });
        }
        if let Some(min) = facets.min_length
            && actual < min
        {
            errors.push(ScalarError::MinLength {
                value: value(),
                actual,
                unit,
                min,
            });
        }
        if let Some(max) = facets.max_length
            && actual > max
        {
            errors.push(ScalarError::MaxLength {
                value: value(),
                actual,
                unit,
                max,
            });
        }
    }

    if is_ordered(builtin) {
        let value = ordered_value(builtin, lexical);
        let bounds = [
            (BoundKind::MinInclusive, &facets.min_inclusive),
            (BoundKind::MaxInclusive, &facets.max_inclusive),
            (BoundKind::MinExclusive, &facets.min_exclusive),
            (BoundKind::MaxExclusive, &facets.max_exclusive),
        ];
        for (kind, bound) in bounds {
            let Some(bound) = bound else { continue };
            let bound = collapse(bound);
            let Some(b) = ordered_value(builtin, &bound) else {
                errors.push(ScalarError::InvalidFacet {
                    facet: kind.name(),
                    bound: quoted(&bound),
                    builtin,
                });
                continue;
            };
            let Some(v) = &value else { continue };
            let ok = match compare_ordered(v, &b) {
                Comparison::Known(o) => kind.allows(o),
                Comparison::PerReference(orders) => orders.into_iter().any(|o| kind.allows(o)),
                Comparison::Unordered => false,
                Comparison::Indeterminate => true,
            };
            if !ok {
                errors.push(kind.error(shown(builtin, lexical), shown(builtin, &bound)));
            }
        }
    }

    if builtin.primitive() == Builtin::Decimal
        && (facets.total_digits.is_some() || facets.fraction_digits.is_some())
        && let Some(d) = parse_decimal(lexical)
    {
        let frac = d.frac.trim_end_matches('0').len();
        let total = d.int.len() + frac;
        if let Some(limit) = facets.total_digits
            && total > limit as usize
        {
            errors.push(ScalarError::TotalDigits {
                value: shown(builtin, lexical),
                digits: total,
                limit,
            });
        }
        if let Some(limit) = facets.fraction_digits
            && frac > limit as usize
        {
            errors.push(ScalarError::FractionDigits {
                value: shown(builtin, lexical),
                digits: frac,
                limit,
            });
        }
    }
    errors
}

/// For list types: checks length/minLength/maxLength against the number of items.
pub fn check_list_facets(facets: &Facets, items: usize) -> Vec<ScalarError> {
    let items = items as u64;
    let mut errors = Vec::new();
    if let Some(length) = facets.length
        && items != length
    {
        errors.push(ScalarError::ListLength { items, length });
    }
    if let Some(min) = facets.min_length
        && items < min
    {
        errors.push(ScalarError::ListMinLength { items, min });
    }
    if let Some(max) = facets.max_length
        && items > max
    {
        errors.push(ScalarError::ListMaxLength { items, max });
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use Builtin as B;

    fn num(s: &str) -> JsonScalar<'_> {
        JsonScalar::Number(Cow::Borrowed(s))
    }

    fn string(s: &str) -> JsonScalar<'_> {
        JsonScalar::String(Cow::Borrowed(s))
    }

    fn json(b: Builtin, s: &str) -> Result<JsonScalar<'static>, String> {
        xml_to_json(b, s)
            .map(JsonScalar::into_owned)
            .map_err(|e| e.to_string())
    }

    fn xml(b: Builtin, v: &JsonScalar<'_>) -> Result<String, String> {
        json_to_xml(b, v)
            .map(Cow::into_owned)
            .map_err(|e| e.to_string())
    }

    fn messages(errors: &[ScalarError]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn bounded_integer_types_at_and_past_their_bounds() {
        // (type, min, max, one below min, one above max)
        type Bounds = (
            B,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
        );
        let table: &[Bounds] = &[
            (
                B::Byte,
                Some("-128"),
                Some("127"),
                Some("-129"),
                Some("128"),
            ),
            (
                B::Short,
                Some("-32768"),
                Some("32767"),
                Some("-32769"),
                Some("32768"),
            ),
            (
                B::Int,
                Some("-2147483648"),
                Some("2147483647"),
                Some("-2147483649"),
                Some("2147483648"),
            ),
            (
                B::Long,
                Some("-9223372036854775808"),
                Some("9223372036854775807"),
                Some("-9223372036854775809"),
                Some("9223372036854775808"),
            ),
            (
                B::UnsignedByte,
                Some("0"),
                Some("255"),
                Some("-1"),
                Some("256"),
            ),
            (
                B::UnsignedShort,
                Some("0"),
                Some("65535"),
                Some("-1"),
                Some("65536"),
            ),
            (
                B::UnsignedInt,
                Some("0"),
                Some("4294967295"),
                Some("-1"),
                Some("4294967296"),
            ),
            (
                B::UnsignedLong,
                Some("0"),
                Some("18446744073709551615"),
                Some("-1"),
                Some("18446744073709551616"),
            ),
            (B::NonNegativeInteger, Some("0"), None, Some("-1"), None),
            (B::PositiveInteger, Some("1"), None, Some("0"), None),
            (B::NonPositiveInteger, None, Some("0"), None, Some("1")),
            (B::NegativeInteger, None, Some("-1"), None, Some("0")),
        ];
        let bounded = B::ALL
            .iter()
            .filter(|b| b.integer_bounds() != (None, None))
            .count();
        assert_eq!(
            table.len(),
            bounded,
            "every bounded integer type is in the table"
        );
        for &(b, min, max, below, above) in table {
            for ok in [min, max].into_iter().flatten() {
                assert_eq!(json(b, ok), Ok(num(ok).into_owned()), "{b:?} {ok}");
                assert_eq!(xml(b, &num(ok)).as_deref(), Ok(ok), "{b:?} {ok}");
            }
            if let Some(below) = below {
                let expected = format!(
                    "\"{below}\" is less than the minimum {} of xs:{}",
                    min.unwrap(),
                    b.name()
                );
                assert_eq!(json(b, below), Err(expected.clone()), "{b:?}");
                assert_eq!(xml(b, &num(below)), Err(expected), "{b:?}");
            }
            if let Some(above) = above {
                let expected = format!(
                    "\"{above}\" is greater than the maximum {} of xs:{}",
                    max.unwrap(),
                    b.name()
                );
                assert_eq!(json(b, above), Err(expected.clone()), "{b:?}");
                assert_eq!(xml(b, &num(above)), Err(expected), "{b:?}");
            }
        }
        // Unbounded types take any size up to the digit limit.
        let huge = "-123456789012345678901234567890123456789012345678901234567890";
        assert_eq!(json(B::Integer, huge), Ok(num(huge).into_owned()));
        assert_eq!(
            json(B::NonPositiveInteger, huge),
            Ok(num(huge).into_owned())
        );
        assert!(json(B::NegativeInteger, &huge[1..]).is_err());
    }

    #[test]
    fn integer_lexical_forms() {
        let table: &[(&str, Option<&str>)] = &[
            ("42", Some("42")),
            ("+007", Some("7")),
            ("-007", Some("-7")),
            ("-0", Some("0")),
            ("+0", Some("0")),
            ("000", Some("0")),
            (" 42\n", Some("42")),
            ("1.0", None),
            ("1.", None),
            ("1e3", None),
            ("", None),
            ("abc", None),
            ("--1", None),
            ("+-1", None),
            ("1 2", None),
            ("١٢", None),
            ("0x10", None),
            ("+", None),
        ];
        for &(input, expected) in table {
            let got = json(B::Int, input);
            match expected {
                Some(e) => assert_eq!(got, Ok(num(e).into_owned()), "{input:?}"),
                None => assert!(got.is_err(), "{input:?} -> {got:?}"),
            }
        }
        assert!(matches!(
            xml_to_json(B::Int, "42"),
            Ok(JsonScalar::Number(Cow::Borrowed("42")))
        ));
        assert_eq!(
            json(B::Integer, "1.0").unwrap_err(),
            "\"1.0\" is not a valid xs:integer: an integer has no decimal point"
        );
    }

    #[test]
    fn digit_limit() {
        let max = "9".repeat(MAX_DIGITS);
        assert_eq!(json(B::Integer, &max), Ok(num(&max).into_owned()));
        assert_eq!(xml(B::Decimal, &num(&max)).as_deref(), Ok(max.as_str()));
        let over = "9".repeat(MAX_DIGITS + 1);
        let message = "a number with 1001 digits is beyond the limit of 1000 digits for xs:integer";
        assert_eq!(json(B::Integer, &over), Err(message.into()));
        assert_eq!(xml(B::Integer, &num(&over)), Err(message.into()));
        assert!(json(B::Decimal, &format!("0.{over}")).is_err());
        assert!(json(B::Double, &format!("1{over}e-5")).is_err());
    }

    #[test]
    fn decimals_keep_every_digit() {
        let table: &[(&str, Option<&str>)] = &[
            ("12.50", Some("12.50")),
            (".5", Some("0.5")),
            ("-.5", Some("-0.5")),
            ("5.", Some("5")),
            ("+1.0", Some("1.0")),
            ("-0.00", Some("0.00")),
            ("-0", Some("0")),
            ("007.50", Some("7.50")),
            ("0.000", Some("0.000")),
            (
                "123456789012345678901234567890.123456789",
                Some("123456789012345678901234567890.123456789"),
            ),
            (
                "-000123456789012345678901234567890.1234567890000",
                Some("-123456789012345678901234567890.1234567890000"),
            ),
            ("1e5", None),
            (".", None),
            ("-", None),
            ("1.2.3", None),
            ("1,5", None),
            ("", None),
            ("NaN", None),
            ("INF", None),
        ];
        for &(input, expected) in table {
            let got = json(B::Decimal, input);
            match expected {
                Some(e) => assert_eq!(got, Ok(num(e).into_owned()), "{input:?}"),
                None => assert!(got.is_err(), "{input:?} -> {got:?}"),
            }
        }
        assert_eq!(
            json(B::Decimal, "1e5").unwrap_err(),
            "\"1e5\" is not a valid xs:decimal: xs:decimal is written without an exponent"
        );
        assert!(matches!(
            xml_to_json(B::Decimal, "12.50"),
            Ok(JsonScalar::Number(Cow::Borrowed("12.50")))
        ));
    }

    #[test]
    fn json_decimals_write_exponents_out_exactly() {
        let table: &[(&str, Result<&str, &str>)] = &[
            ("12.50", Ok("12.50")),
            (
                "123456789012345678901234567890.123456789",
                Ok("123456789012345678901234567890.123456789"),
            ),
            ("-0", Ok("0")),
            ("-0.00", Ok("0.00")),
            ("1.5e2", Ok("150")),
            ("1e-3", Ok("0.001")),
            ("1e-0003", Ok("0.001")),
            ("1.50e1", Ok("15.0")),
            ("1E+2", Ok("100")),
            ("-2.5e-1", Ok("-0.25")),
            ("12.345e1", Ok("123.45")),
            ("5e0", Ok("5")),
            ("0e5", Ok("0")),
            ("-0.0e3", Ok("0")),
            ("0.5e1", Ok("5")),
            (
                "1e1001",
                Err("1e1001 has an exponent beyond ±1000, too large to write out as xs:decimal"),
            ),
            (
                "1e-99999999999",
                Err(
                    "1e-99999999999 has an exponent beyond ±1000, too large to write out as xs:decimal",
                ),
            ),
            ("007", Err("\"007\" is not a valid JSON number")),
            (".5", Err("\".5\" is not a valid JSON number")),
            ("1.", Err("\"1.\" is not a valid JSON number")),
            ("NaN", Err("\"NaN\" is not a valid JSON number")),
        ];
        for &(input, expected) in table {
            assert_eq!(
                xml(B::Decimal, &num(input)),
                expected.map(str::to_string).map_err(str::to_string),
                "{input}"
            );
        }
        let long = xml(B::Decimal, &num("1e1000")).unwrap();
        assert_eq!(long.len(), 1001);
        assert_eq!(xml(B::Decimal, &num("1e-1000")).unwrap().len(), 1002);
        assert_eq!(
            xml(B::Decimal, &string("1.5")),
            Err("expected a JSON number for xs:decimal, found a string".into())
        );
    }

    #[test]
    fn json_integers_are_strict() {
        assert_eq!(xml(B::Int, &num("5")).as_deref(), Ok("5"));
        assert_eq!(xml(B::Int, &num("-0")).as_deref(), Ok("0"));
        assert_eq!(
            xml(B::Int, &num("5.0")),
            Err("5.0 is not an integer: xs:int values are written as JSON integers, without a fraction or an exponent".into())
        );
        assert!(matches!(
            json_to_xml(B::Long, &num("5e0")),
            Err(ScalarError::NotAnInteger { .. })
        ));
        assert!(matches!(
            json_to_xml(B::Integer, &num("5.5")),
            Err(ScalarError::NotAnInteger { .. })
        ));
        assert_eq!(
            xml(B::Int, &num("007")),
            Err("\"007\" is not a valid JSON number".into())
        );
        assert_eq!(
            xml(B::Int, &num("+5")),
            Err("\"+5\" is not a valid JSON number".into())
        );
        assert_eq!(
            xml(B::Int, &string("5")),
            Err("expected a JSON number for xs:int, found a string".into())
        );
        assert_eq!(
            xml(B::Short, &JsonScalar::Bool(true)),
            Err("expected a JSON number for xs:short, found a boolean".into())
        );
        assert_eq!(
            xml(B::Int, &num("2147483648")),
            Err("\"2147483648\" is greater than the maximum 2147483647 of xs:int".into())
        );
        assert!(matches!(
            json_to_xml(B::Int, &num("5")),
            Ok(Cow::Borrowed("5"))
        ));
        // An owned input gives an owned output, with the same text.
        let owned = JsonScalar::Number(Cow::Owned("17".to_string()));
        assert_eq!(json_to_xml(B::Int, &owned).unwrap(), "17");
    }

    #[test]
    fn floats_and_their_specials() {
        let table: &[(B, &str, Option<JsonScalar<'static>>)] = &[
            (B::Double, "1E5", Some(num("1E5"))),
            (B::Double, ".5e1", Some(num("0.5e1"))),
            (B::Double, "+1", Some(num("1"))),
            (B::Double, "1.e5", Some(num("1e5"))),
            (B::Double, "1.", Some(num("1"))),
            (B::Double, "007.5", Some(num("7.5"))),
            (B::Double, "00", Some(num("0"))),
            (B::Double, "-0", Some(num("-0"))),
            (B::Double, "-.5", Some(num("-0.5"))),
            (B::Double, "1e+05", Some(num("1e+05"))),
            (B::Double, "1.5E-3", Some(num("1.5E-3"))),
            (B::Double, "12.50", Some(num("12.50"))),
            (B::Double, " 2.5 ", Some(num("2.5"))),
            (
                B::Double,
                "0.1000000000000000055511151231257827",
                Some(num("0.1000000000000000055511151231257827")),
            ),
            (B::Double, "INF", Some(string("INF"))),
            (B::Double, "+INF", Some(string("INF"))),
            (B::Double, "-INF", Some(string("-INF"))),
            (B::Double, "NaN", Some(string("NaN"))),
            (B::Float, "3.4028235e38", Some(num("3.4028235e38"))),
            (B::Float, "1e-50", Some(num("1e-50"))),
            (B::Float, "3.5e38", None),
            (B::Float, "-1e39", None),
            (B::Double, "3.5e38", Some(num("3.5e38"))),
            (B::Double, "1e309", None),
            (B::Double, "1e-400", Some(num("1e-400"))),
            (B::Double, "inf", None),
            (B::Double, "Infinity", None),
            (B::Double, "nan", None),
            (B::Double, "-NaN", None),
            (B::Double, "+NaN", None),
            (B::Double, "1e", None),
            (B::Double, "e5", None),
            (B::Double, "1.5f", None),
            (B::Double, "1e5.0", None),
            (B::Double, "1e5e3", None),
            (B::Double, "", None),
            (B::Double, ".", None),
            (B::Double, "0x1p3", None),
        ];
        for (b, input, expected) in table {
            let got = json(*b, input);
            match expected {
                Some(e) => assert_eq!(got.as_ref(), Ok(e), "{b:?} {input:?}"),
                None => assert!(got.is_err(), "{b:?} {input:?} -> {got:?}"),
            }
        }
        assert_eq!(
            json(B::Float, "3.5e38"),
            Err("\"3.5e38\" is outside the finite range of xs:float".into())
        );

        assert_eq!(xml(B::Double, &num("1e5")).as_deref(), Ok("1e5"));
        assert_eq!(xml(B::Double, &num("-0")).as_deref(), Ok("-0"));
        for special in ["INF", "-INF", "NaN"] {
            assert_eq!(xml(B::Float, &string(special)).as_deref(), Ok(special));
        }
        let expected = "expected a JSON number or one of the strings \"INF\", \"-INF\", \"NaN\" for xs:double, found the string \"Infinity\"";
        assert_eq!(xml(B::Double, &string("Infinity")), Err(expected.into()));
        assert!(xml(B::Double, &string("+INF")).is_err());
        assert!(xml(B::Double, &string("1.5")).is_err());
        assert!(xml(B::Double, &JsonScalar::Bool(false)).is_err());
        assert_eq!(
            xml(B::Float, &num("1e39")),
            Err("\"1e39\" is outside the finite range of xs:float".into())
        );
        assert_eq!(
            xml(B::Double, &num(".5")),
            Err("\".5\" is not a valid JSON number".into())
        );
    }

    #[test]
    fn booleans() {
        for (input, value) in [
            ("true", true),
            ("false", false),
            ("1", true),
            ("0", false),
            (" true\n", true),
        ] {
            assert_eq!(
                json(B::Boolean, input),
                Ok(JsonScalar::Bool(value)),
                "{input:?}"
            );
        }
        for input in ["TRUE", "False", "yes", "", "01", "2"] {
            assert_eq!(
                json(B::Boolean, input),
                Err(format!(
                    "{input:?} is not a valid xs:boolean: expected true, false, 1 or 0"
                ))
            );
        }
        assert_eq!(
            xml(B::Boolean, &JsonScalar::Bool(true)).as_deref(),
            Ok("true")
        );
        assert_eq!(
            xml(B::Boolean, &JsonScalar::Bool(false)).as_deref(),
            Ok("false")
        );
        assert_eq!(
            xml(B::Boolean, &string("true")),
            Err("expected a JSON boolean for xs:boolean, found a string".into())
        );
        assert_eq!(
            xml(B::Boolean, &num("1")),
            Err("expected a JSON boolean for xs:boolean, found a number".into())
        );
    }

    #[test]
    fn strings_stay_strings_that_generic_converters_mangle() {
        for value in [
            "007",
            "12999E105",
            "123456789012345678901234567890",
            "0.10",
            "1e400",
            "true",
            "NaN",
            "-0",
        ] {
            assert_eq!(
                json(B::String, value),
                Ok(string(value).into_owned()),
                "{value}"
            );
            assert_eq!(
                xml(B::String, &string(value)).as_deref(),
                Ok(value),
                "{value}"
            );
            assert_eq!(
                json(B::Token, value),
                Ok(string(value).into_owned()),
                "{value}"
            );
        }
        assert_eq!(
            xml(B::String, &num("7")),
            Err("expected a JSON string for xs:string, found a number".into())
        );
        assert_eq!(
            xml(B::Date, &JsonScalar::Bool(true)),
            Err("expected a JSON string for xs:date, found a boolean".into())
        );
        assert_eq!(
            json(B::String, " a\tb\n"),
            Ok(string(" a\tb\n").into_owned())
        );
        assert_eq!(xml(B::Token, &string("  a \n b ")).as_deref(), Ok("a b"));
        assert_eq!(
            xml(B::NormalizedString, &string("a\tb")).as_deref(),
            Ok("a b")
        );
        assert_eq!(
            json(B::String, "😀 \u{7F} \u{10FFFF}"),
            Ok(string("😀 \u{7F} \u{10FFFF}").into_owned())
        );
        assert_eq!(
            json(B::String, "a\u{1}b"),
            Err(
                "\"a\\u{1}b\" is not a valid xs:string: character U+0001 is not allowed in XML 1.0"
                    .into()
            )
        );
        for bad in [
            "\u{0}", "\u{8}", "\u{B}", "\u{C}", "\u{E}", "\u{1F}", "\u{FFFE}", "\u{FFFF}",
        ] {
            assert!(json(B::String, bad).is_err(), "{bad:?}");
            assert!(xml(B::String, &string(bad)).is_err(), "{bad:?}");
            assert!(xml(B::AnyUri, &string(bad)).is_err(), "{bad:?}");
        }
        // anyURI is lenient.
        assert_eq!(
            json(B::AnyUri, " not a uri "),
            Ok(string("not a uri").into_owned())
        );
        assert!(matches!(
            xml_to_json(B::String, "plain"),
            Ok(JsonScalar::String(Cow::Borrowed("plain")))
        ));
    }

    #[test]
    fn dates_and_times() {
        let valid: &[(B, &str)] = &[
            (B::Date, "2024-02-29"),
            (B::Date, "2000-02-29"),
            (B::Date, "2023-02-28"),
            (B::Date, "-0044-03-15"),
            (B::Date, "12345-01-01"),
            (B::Date, "2024-01-01Z"),
            (B::Date, "2024-01-01+14:00"),
            (B::Date, "2024-01-01-14:00"),
            (B::Date, "2024-01-01-05:30"),
            (B::Date, "2024-12-31-00:00"),
            (B::DateTime, "2024-01-01T00:00:00"),
            (B::DateTime, "2024-01-01T24:00:00"),
            (B::DateTime, "2024-01-01T24:00:00.000Z"),
            (B::DateTime, "2024-02-29T23:59:59.999999999+01:00"),
            (B::DateTime, "-0001-12-31T12:00:00Z"),
            (B::DateTime, "10000-01-01T00:00:00Z"),
            (B::Time, "13:20:00"),
            (B::Time, "00:00:00"),
            (B::Time, "24:00:00"),
            (B::Time, "13:20:00.5-05:00"),
            (B::Time, "23:59:59Z"),
            (B::GYearMonth, "2024-02"),
            (B::GYearMonth, "-0044-03"),
            (B::GYearMonth, "2024-02Z"),
            (B::GYearMonth, "2024-02-05:00"),
            (B::GYear, "2024"),
            (B::GYear, "-0001"),
            (B::GYear, "12345"),
            (B::GYear, "2024+01:00"),
            (B::GMonthDay, "--02-29"),
            (B::GMonthDay, "--12-31"),
            (B::GMonthDay, "--01-01Z"),
            (B::GDay, "---01"),
            (B::GDay, "---31"),
            (B::GDay, "---15Z"),
            (B::GMonth, "--12"),
            (B::GMonth, "--01Z"),
            (B::GMonth, "--05-05:00"),
            (B::GMonth, "--12--"),
        ];
        for &(b, value) in valid {
            assert_eq!(
                json(b, value),
                Ok(string(value).into_owned()),
                "{b:?} {value}"
            );
            assert_eq!(
                xml(b, &string(value)).as_deref(),
                Ok(value),
                "{b:?} {value}"
            );
        }
        let invalid: &[(B, &str)] = &[
            (B::Date, "2023-02-29"),
            (B::Date, "1900-02-29"),
            (B::Date, "2100-02-29"),
            (B::Date, "2024-13-01"),
            (B::Date, "2024-00-10"),
            (B::Date, "2024-04-31"),
            (B::Date, "2024-01-00"),
            (B::Date, "2024-01-32"),
            (B::Date, "0000-01-01"),
            (B::Date, "02024-01-01"),
            (B::Date, "24-01-01"),
            (B::Date, "2024-1-01"),
            (B::Date, "2024-01-1"),
            (B::Date, "2024-01-01+14:30"),
            (B::Date, "2024-01-01+15:00"),
            (B::Date, "2024-01-01+05:60"),
            (B::Date, "2024-01-01+0500"),
            (B::Date, "2024-01-01z"),
            (B::Date, "2024-01-01 Z"),
            (B::Date, "2024-01-01T00:00:00"),
            (B::Date, "2024/01/01"),
            (B::Date, "+2024-01-01"),
            (B::Date, ""),
            (B::DateTime, "2024-01-01T24:00:01"),
            (B::DateTime, "2024-01-01T24:01:00"),
            (B::DateTime, "2024-01-01T24:00:00.1"),
            (B::DateTime, "2024-01-01T23:59:60"),
            (B::DateTime, "2024-01-01T12:00"),
            (B::DateTime, "2024-01-01T12:00:00."),
            (B::DateTime, "2024-01-01 12:00:00"),
            (B::DateTime, "2024-01-01T25:00:00"),
            (B::DateTime, "2024-01-01T12:60:00"),
            (B::DateTime, "2024-01-01"),
            (B::DateTime, "2023-02-29T00:00:00"),
            (B::Time, "25:00:00"),
            (B::Time, "1:20:00"),
            (B::Time, "13:20"),
            (B::Time, "13:20:00+24:00"),
            (B::GYearMonth, "2024-13"),
            (B::GYearMonth, "2024-2"),
            (B::GYearMonth, "2024"),
            (B::GYear, "0000"),
            (B::GYear, "999"),
            (B::GYear, "02024"),
            (B::GYear, "2024-01"),
            (B::GYear, "1234567890123456"),
            (B::GMonthDay, "--02-30"),
            (B::GMonthDay, "--04-31"),
            (B::GMonthDay, "--13-01"),
            (B::GMonthDay, "-02-29"),
            (B::GMonthDay, "--2-29"),
            (B::GDay, "---32"),
            (B::GDay, "---00"),
            (B::GDay, "--31"),
            (B::GMonth, "--13"),
            (B::GMonth, "--00"),
            (B::GMonth, "--1"),
            (B::GMonth, "12"),
        ];
        for &(b, value) in invalid {
            assert!(
                json(b, value).is_err(),
                "{b:?} {value} -> {:?}",
                json(b, value)
            );
            assert!(xml(b, &string(value)).is_err(), "{b:?} {value}");
        }
        assert_eq!(
            json(B::Date, "2023-02-29").unwrap_err(),
            "\"2023-02-29\" is not a valid xs:date: 2023 is not a leap year, so February has 28 days"
        );
        assert_eq!(
            json(B::Date, "2024-04-31").unwrap_err(),
            "\"2024-04-31\" is not a valid xs:date: day 31 does not exist in month 04"
        );
        assert_eq!(
            json(B::Date, "2024/01/01").unwrap_err(),
            "\"2024/01/01\" is not a valid xs:date: expected YYYY-MM-DD with an optional timezone (Z or ±hh:mm)"
        );
        assert_eq!(
            json(B::DateTime, "2024-01-01T00:00:00+15:00").unwrap_err(),
            "\"2024-01-01T00:00:00+15:00\" is not a valid xs:dateTime: the timezone offset must be between -14:00 and +14:00"
        );
        assert_eq!(
            json(B::Date, "0000-01-01").unwrap_err(),
            "\"0000-01-01\" is not a valid xs:date: year 0000 does not exist (1 BCE is -0001)"
        );
        assert_eq!(
            xml(B::Date, &string(" 2024-02-29\n")).as_deref(),
            Ok("2024-02-29")
        );
        assert_eq!(
            xml(B::GYear, &num("2024")),
            Err("expected a JSON string for xs:gYear, found a number".into())
        );
    }

    #[test]
    fn durations() {
        for value in [
            "P1Y2M3DT4H5M6.7S",
            "-P1D",
            "PT0S",
            "P0D",
            "PT1.5S",
            "P1M",
            "PT36H",
            "P0Y0M0DT0H0M0.000S",
            "PT.5S",
            "P1Y",
            "P1DT1M",
            "P999999999999999999Y",
        ] {
            assert_eq!(
                json(B::Duration, value),
                Ok(string(value).into_owned()),
                "{value}"
            );
            assert_eq!(
                xml(B::Duration, &string(value)).as_deref(),
                Ok(value),
                "{value}"
            );
        }
        for value in [
            "P",
            "PT",
            "P1DT",
            "1D",
            "P1S",
            "PT1D",
            "P1.5Y",
            "P-1D",
            "P1M1Y",
            "P1Y1Y",
            "-",
            "+P1D",
            "P1D2",
            "PT1H1H",
            "P 1D",
            "p1d",
            "PT1.2.3S",
            "PT1,5S",
            "PT.S",
            "P1YT",
            "PTT1H",
            "",
            "P9999999999999999999Y",
        ] {
            assert!(json(B::Duration, value).is_err(), "{value}");
        }
        assert_eq!(
            json(B::Duration, "PT").unwrap_err(),
            "\"PT\" is not a valid xs:duration: 'T' must be followed by hours, minutes or seconds"
        );
        assert_eq!(
            json(B::Duration, "P").unwrap_err(),
            "\"P\" is not a valid xs:duration: a duration needs at least one component, e.g. P0D or PT0S"
        );
        assert_eq!(
            json(B::Duration, "P1.5Y").unwrap_err(),
            "\"P1.5Y\" is not a valid xs:duration: only seconds may have a fraction"
        );
    }

    #[test]
    fn binary() {
        for (value, out) in [("0FB7", "0FB7"), ("0fb7", "0fb7"), ("", "")] {
            assert_eq!(json(B::HexBinary, value), Ok(string(out).into_owned()));
            assert_eq!(xml(B::HexBinary, &string(value)).as_deref(), Ok(out));
        }
        assert_eq!(
            json(B::HexBinary, "0FB").unwrap_err(),
            "\"0FB\" is not a valid xs:hexBinary: hexBinary needs an even number of hex digits"
        );
        assert_eq!(
            json(B::HexBinary, "0G").unwrap_err(),
            "\"0G\" is not a valid xs:hexBinary: 'G' is not a hex digit"
        );
        assert!(json(B::HexBinary, "0x0F").is_err());

        for (value, out) in [
            ("QUJD", "QUJD"),
            ("QUI=", "QUI="),
            ("QQ==", "QQ=="),
            ("", ""),
            ("QUJD QUJD", "QUJDQUJD"),
            ("Q Q = =", "QQ=="),
            ("QUJD\r\nQUJD\n", "QUJDQUJD"),
            ("  QUJD  ", "QUJD"),
            ("+/+/", "+/+/"),
        ] {
            assert_eq!(
                json(B::Base64Binary, value),
                Ok(string(out).into_owned()),
                "{value:?}"
            );
            assert_eq!(
                xml(B::Base64Binary, &string(value)).as_deref(),
                Ok(out),
                "{value:?}"
            );
        }
        for value in [
            "QUJ",
            "QU=D",
            "QR==",
            "QUK=",
            "Q===",
            "====",
            "QUJD=",
            "QUJD!",
            "QUJ\u{e9}",
            "QU-_",
            "QUJD====",
        ] {
            assert!(json(B::Base64Binary, value).is_err(), "{value:?}");
            assert!(xml(B::Base64Binary, &string(value)).is_err(), "{value:?}");
        }
        assert_eq!(
            json(B::Base64Binary, "QR==").unwrap_err(),
            "\"QR==\" is not a valid xs:base64Binary: the character 'R' before the '=' padding leaves non-zero unused bits"
        );
        assert_eq!(
            json(B::Base64Binary, "QUJ").unwrap_err(),
            "\"QUJ\" is not a valid xs:base64Binary: the base64 text has 3 characters (spaces not counted), not a multiple of 4"
        );
    }

    #[test]
    fn names_tokens_and_languages() {
        let table: &[(B, &str, bool)] = &[
            (B::NCName, "abc", true),
            (B::NCName, "_x", true),
            (B::NCName, "a-b.c", true),
            (B::NCName, "été", true),
            (B::NCName, "x\u{300}·", true),
            (B::NCName, "名前", true),
            (B::NCName, "1a", false),
            (B::NCName, "a:b", false),
            (B::NCName, "", false),
            (B::NCName, "-a", false),
            (B::NCName, ".a", false),
            (B::NCName, "a b", false),
            (B::NCName, "a/b", false),
            (B::NCName, "\u{300}x", false),
            (B::Name, "a:b", true),
            (B::Name, ":a", true),
            (B::Name, "x", true),
            (B::Name, "1a", false),
            (B::Name, "a b", false),
            (B::Id, "id1", true),
            (B::Id, "1id", false),
            (B::Id, "a:b", false),
            (B::IdRef, "ref", true),
            (B::IdRef, "", false),
            (B::Entity, "ent", true),
            (B::Entity, "e/x", false),
            (B::NmToken, "123", true),
            (B::NmToken, "-a.b:c", true),
            (B::NmToken, "a b", false),
            (B::NmToken, "", false),
            (B::NmToken, "a/b", false),
            (B::QName, "p:local", true),
            (B::QName, "local", true),
            (B::QName, "xs:string", true),
            (B::QName, "p:", false),
            (B::QName, ":a", false),
            (B::QName, "a:b:c", false),
            (B::QName, "1p:x", false),
            (B::QName, "p:1x", false),
            (B::QName, "", false),
            (B::Notation, "p:gif", true),
            (B::Notation, "a b", false),
            (B::Language, "en", true),
            (B::Language, "en-US", true),
            (B::Language, "zh-Hant-TW", true),
            (B::Language, "x-klingon", true),
            (B::Language, "i-default", true),
            (B::Language, "EN", true),
            (B::Language, "de-1996", true),
            (B::Language, "abcdefgh", true),
            (B::Language, "abcdefghi", false),
            (B::Language, "english-", false),
            (B::Language, "1en", false),
            (B::Language, "en--US", false),
            (B::Language, "en_US", false),
            (B::Language, "en-abcdefghi", false),
            (B::Language, "", false),
            (B::NmTokens, "a b c", true),
            (B::NmTokens, "1 2", true),
            (B::NmTokens, "", false),
            (B::NmTokens, "a b/c", false),
            (B::IdRefs, "a b", true),
            (B::IdRefs, "a 1", false),
            (B::Entities, "x", true),
            (B::Entities, "x:y", false),
            (B::Token, "a b", true),
            (B::NormalizedString, " a b ", true),
        ];
        for &(b, value, ok) in table {
            let got = json(b, value);
            assert_eq!(got.is_ok(), ok, "{b:?} {value:?} -> {got:?}");
            assert_eq!(xml(b, &string(value)).is_ok(), ok, "{b:?} {value:?}");
        }
        assert_eq!(
            json(B::NCName, "1a").unwrap_err(),
            "\"1a\" is not a valid xs:NCName: a name cannot start with '1'"
        );
        assert_eq!(
            json(B::Id, "a:b").unwrap_err(),
            "\"a:b\" is not a valid xs:ID: ':' is not allowed in a name without a prefix (NCName)"
        );
        assert_eq!(
            json(B::IdRefs, "a 1").unwrap_err(),
            "\"a 1\" is not a valid xs:IDREFS: item \"1\": a name cannot start with '1'"
        );
        assert_eq!(
            json(B::QName, "p:1x").unwrap_err(),
            "\"p:1x\" is not a valid xs:QName: local name: a name cannot start with '1'"
        );
        assert!(
            json(B::Language, "en_US")
                .unwrap_err()
                .contains("language tag")
        );
        // Whitespace is collapsed first: a name with surrounding spaces is fine.
        assert_eq!(json(B::NCName, "  abc\n"), Ok(string("abc").into_owned()));
    }

    #[test]
    fn whitespace_normalization_per_type() {
        let table: &[(B, Option<WhiteSpace>, &str, &str)] = &[
            (B::String, None, " a\tb\n", " a\tb\n"),
            (B::AnySimpleType, None, " x ", " x "),
            (B::NormalizedString, None, "a\tb\nc\r", "a b c "),
            (B::NormalizedString, None, " a  b ", " a  b "),
            (B::Token, None, "  a \t b  ", "a b"),
            (B::Token, None, "\r\n", ""),
            (B::Language, None, " en ", "en"),
            (B::Int, None, " 5\n", "5"),
            (B::Date, None, "\n2024-01-01\t", "2024-01-01"),
            (B::Base64Binary, None, "QUJD\r\nQUJD\r\n", "QUJD QUJD"),
            (B::String, Some(WhiteSpace::Collapse), " a  b ", "a b"),
            (B::String, Some(WhiteSpace::Replace), "a\tb", "a b"),
            (B::Token, Some(WhiteSpace::Preserve), "  a", "  a"),
        ];
        for &(b, facet, raw, expected) in table {
            assert_eq!(
                normalize_whitespace(b, facet, raw),
                expected,
                "{b:?} {raw:?}"
            );
        }
        for (b, raw) in [
            (B::Token, "a b"),
            (B::Token, "  a b "),
            (B::String, " x\t"),
            (B::NormalizedString, "a  b"),
        ] {
            assert!(
                matches!(normalize_whitespace(b, None, raw), Cow::Borrowed(_)),
                "{b:?} {raw:?} borrows"
            );
        }
    }

    fn facets() -> Facets {
        Facets::default()
    }

    fn enumeration(values: &[&str]) -> Facets {
        Facets {
            enumeration: Some(values.iter().map(|v| v.to_string()).collect()),
            ..facets()
        }
    }

    #[test]
    fn enumeration_in_the_value_space() {
        let table: &[(B, &[&str], &str, bool)] = &[
            (B::String, &["A", "B"], "A", true),
            (B::String, &["A", "B"], "a", false),
            (B::String, &["A", "B"], "A ", false),
            (B::Token, &[" A ", "B"], "A", true),
            (B::Decimal, &["1.00", "2.5"], "1.0", true),
            (B::Decimal, &["1.00", "2.5"], "1", true),
            (B::Decimal, &["1.00", "2.5"], "+1.000", true),
            (B::Decimal, &["1.00", "2.5"], "2.50", true),
            (B::Decimal, &["1.00", "2.5"], "2.51", false),
            (B::Int, &["01", "2"], "1", true),
            (B::Int, &["01", "2"], "3", false),
            (B::Double, &["1e0", "INF", "NaN"], "1.0", true),
            (B::Double, &["1e0", "INF", "NaN"], "INF", true),
            (B::Double, &["1e0", "INF", "NaN"], "+INF", true),
            (B::Double, &["1e0", "INF", "NaN"], "NaN", true),
            (B::Double, &["1e0", "INF", "NaN"], "2", false),
            (B::Boolean, &["true"], "1", true),
            (B::Boolean, &["true"], "0", false),
            (B::HexBinary, &["0fb7"], "0FB7", true),
            (B::Base64Binary, &["QUJD QUJD"], "QUJDQUJD", true),
            (
                B::DateTime,
                &["2020-01-01T00:00:00Z"],
                "2020-01-01T01:00:00+01:00",
                true,
            ),
            (
                B::DateTime,
                &["2020-01-01T00:00:00Z"],
                "2020-01-01T00:00:00",
                false,
            ),
            (B::Date, &["2020-01-01Z"], "2020-01-01+00:00", true),
            (B::Duration, &["P1D"], "PT24H", true),
            (B::Duration, &["P1M"], "P30D", false),
            (B::QName, &["p:a"], "p:a", true),
            (B::QName, &["p:a"], "q:a", false),
        ];
        for &(b, allowed, value, ok) in table {
            let errors = check_facets(b, &enumeration(allowed), value);
            assert_eq!(
                errors.is_empty(),
                ok,
                "{b:?} {allowed:?} {value:?} -> {errors:?}"
            );
        }
        assert_eq!(
            messages(&check_facets(B::String, &enumeration(&["A", "B"]), "X")),
            ["\"X\" is not one of the allowed values: A, B"]
        );
        let many: Vec<String> = (0..25).map(|i| format!("v{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let message = messages(&check_facets(B::String, &enumeration(&many), "x")).join("");
        assert!(message.ends_with("v19, ... (5 more)"), "{message}");
    }

    #[test]
    fn length_facets_count_characters_octets_and_items() {
        let between = |min, max| Facets {
            min_length: Some(min),
            max_length: Some(max),
            ..facets()
        };
        let exactly = |n| Facets {
            length: Some(n),
            ..facets()
        };
        assert!(check_facets(B::String, &exactly(3), "abc").is_empty());
        assert!(check_facets(B::String, &exactly(3), "héé").is_empty());
        assert!(check_facets(B::String, &exactly(1), "😀").is_empty());
        assert_eq!(
            messages(&check_facets(B::String, &exactly(3), "ab")),
            ["\"ab\" does not have length 3 (2 characters)"]
        );
        assert_eq!(
            messages(&check_facets(B::Token, &between(2, 3), "a")),
            ["\"a\" is shorter than minLength 2 (1 character)"]
        );
        assert_eq!(
            messages(&check_facets(B::String, &between(2, 3), "ABCD")),
            ["\"ABCD\" is longer than maxLength 3 (4 characters)"]
        );
        assert!(check_facets(B::AnyUri, &between(1, 5), "urn:x").is_empty());
        // Binary lengths are octets.
        assert!(check_facets(B::Base64Binary, &exactly(3), "QUJD").is_empty());
        assert!(check_facets(B::Base64Binary, &exactly(1), "QQ==").is_empty());
        assert!(check_facets(B::Base64Binary, &exactly(6), "QUJD\nQUJD").is_empty());
        assert_eq!(
            messages(&check_facets(B::Base64Binary, &between(0, 2), "QUJD")),
            ["\"QUJD\" is longer than maxLength 2 (3 octets)"]
        );
        assert!(check_facets(B::HexBinary, &exactly(2), "0FB7").is_empty());
        assert_eq!(
            messages(&check_facets(B::HexBinary, &exactly(4), "0FB7")),
            ["\"0FB7\" does not have length 4 (2 octets)"]
        );
        // The list built-ins count items; QName and NOTATION ignore lengths; numbers have none.
        assert!(check_facets(B::NmTokens, &exactly(3), "a b c").is_empty());
        assert_eq!(check_facets(B::IdRefs, &between(1, 1), "a b").len(), 1);
        assert!(check_facets(B::QName, &exactly(1), "p:local").is_empty());
        assert!(check_facets(B::Int, &exactly(1), "12345").is_empty());
    }

    fn bounds(
        min_incl: Option<&str>,
        max_incl: Option<&str>,
        min_excl: Option<&str>,
        max_excl: Option<&str>,
    ) -> Facets {
        Facets {
            min_inclusive: min_incl.map(Into::into),
            max_inclusive: max_incl.map(Into::into),
            min_exclusive: min_excl.map(Into::into),
            max_exclusive: max_excl.map(Into::into),
            ..facets()
        }
    }

    #[test]
    fn numeric_bounds_compare_exactly() {
        let table: &[(B, Facets, &str, &[&str])] = &[
            (B::Int, bounds(Some("10"), None, None, None), "10", &[]),
            (
                B::Int,
                bounds(Some("10"), None, None, None),
                "9",
                &["9 is less than minInclusive 10"],
            ),
            (
                B::Int,
                bounds(None, Some("255"), None, None),
                "256",
                &["256 is greater than maxInclusive 255"],
            ),
            (
                B::Int,
                bounds(None, None, Some("0"), None),
                "0",
                &["0 is not greater than minExclusive 0"],
            ),
            (B::Int, bounds(None, None, Some("0"), None), "1", &[]),
            (
                B::Int,
                bounds(None, None, None, Some("100")),
                "100",
                &["100 is not less than maxExclusive 100"],
            ),
            (B::Int, bounds(None, None, None, Some("100")), "99", &[]),
            (
                B::Decimal,
                bounds(Some("0.01"), None, None, None),
                "0.010",
                &[],
            ),
            (
                B::Decimal,
                bounds(Some("0.01"), None, None, None),
                "0.0099",
                &["0.0099 is less than minInclusive 0.01"],
            ),
            (
                B::Decimal,
                bounds(None, Some("99999999999999999999999999999.99"), None, None),
                "99999999999999999999999999999.991",
                &[
                    "99999999999999999999999999999.991 is greater than maxInclusive 99999999999999999999999999999.99",
                ],
            ),
            (
                B::Decimal,
                bounds(None, Some("99999999999999999999999999999.99"), None, None),
                "99999999999999999999999999999.990",
                &[],
            ),
            // Equal as f64, different as decimals.
            (
                B::Integer,
                bounds(None, Some("9007199254740992"), None, None),
                "9007199254740993",
                &["9007199254740993 is greater than maxInclusive 9007199254740992"],
            ),
            (
                B::Decimal,
                bounds(Some("-5"), Some("5"), None, None),
                "-5.0",
                &[],
            ),
            (
                B::Decimal,
                bounds(Some("-5"), Some("5"), None, None),
                "-5.01",
                &["-5.01 is less than minInclusive -5"],
            ),
            (
                B::Double,
                bounds(Some("0"), None, None, None),
                "-INF",
                &["\"-INF\" is less than minInclusive 0"],
            ),
            (B::Double, bounds(Some("0"), None, None, None), "INF", &[]),
            (
                B::Double,
                bounds(Some("0"), None, None, None),
                "NaN",
                &["\"NaN\" is less than minInclusive 0"],
            ),
            (
                B::Double,
                bounds(None, None, None, Some("INF")),
                "INF",
                &["\"INF\" is not less than maxExclusive \"INF\""],
            ),
            (
                B::Double,
                bounds(None, None, None, Some("INF")),
                "1e308",
                &[],
            ),
            (
                B::Float,
                bounds(None, Some("1.5"), None, None),
                "1.5000001",
                &["1.5000001 is greater than maxInclusive 1.5"],
            ),
            (
                B::Float,
                bounds(None, Some("1.5"), None, None),
                "15e-1",
                &[],
            ),
            // Bounds mean nothing for strings.
            (B::String, bounds(Some("b"), None, None, None), "a", &[]),
            // An invalid value is the lexical check's business.
            (B::Int, bounds(None, Some("5"), None, None), "abc", &[]),
        ];
        for (b, f, value, expected) in table {
            assert_eq!(
                messages(&check_facets(*b, f, value)),
                *expected,
                "{b:?} {value}"
            );
        }
        assert_eq!(
            messages(&check_facets(
                B::Int,
                &bounds(Some("abc"), None, None, None),
                "5"
            )),
            [
                "the minInclusive facet value \"abc\" is not a valid xs:int, so the facet cannot be checked"
            ]
        );
    }

    #[test]
    fn date_and_duration_bounds() {
        let table: &[(B, Facets, &str, bool)] = &[
            (
                B::Date,
                bounds(Some("2020-01-01"), None, None, None),
                "2020-01-01",
                true,
            ),
            (
                B::Date,
                bounds(Some("2020-01-01"), None, None, None),
                "2019-12-31",
                false,
            ),
            (
                B::Date,
                bounds(Some("2020-01-01"), None, None, None),
                "12020-01-01",
                true,
            ),
            (
                B::Date,
                bounds(Some("2020-01-01"), None, None, None),
                "-2020-01-01",
                false,
            ),
            // A timezone on one side only: not decidable, passes.
            (
                B::Date,
                bounds(Some("2020-01-01Z"), None, None, None),
                "2019-12-31",
                true,
            ),
            (
                B::Date,
                bounds(Some("2020-01-01Z"), None, None, None),
                "2020-01-01+01:00",
                false,
            ),
            (
                B::Date,
                bounds(Some("2020-01-01Z"), None, None, None),
                "2020-01-01-01:00",
                true,
            ),
            (
                B::DateTime,
                bounds(None, None, None, Some("2020-01-01T00:00:00Z")),
                "2020-01-01T01:00:00+01:00",
                false,
            ),
            (
                B::DateTime,
                bounds(None, None, None, Some("2020-01-01T00:00:00Z")),
                "2020-01-01T00:59:59+01:00",
                true,
            ),
            (
                B::DateTime,
                bounds(None, None, None, Some("2020-01-01T00:00:00Z")),
                "2020-01-01T00:00:00",
                true,
            ),
            (
                B::DateTime,
                bounds(None, Some("2020-01-01T00:00:00.49"), None, None),
                "2020-01-01T00:00:00.5",
                false,
            ),
            (
                B::DateTime,
                bounds(None, Some("2020-01-01T00:00:00.50"), None, None),
                "2020-01-01T00:00:00.5",
                true,
            ),
            (
                B::DateTime,
                bounds(None, Some("2020-01-01T23:59:59"), None, None),
                "2020-01-01T24:00:00",
                false,
            ),
            (
                B::DateTime,
                bounds(None, Some("2020-01-02T00:00:00"), None, None),
                "2020-01-01T24:00:00",
                true,
            ),
            (
                B::Time,
                bounds(None, Some("23:59:59"), None, None),
                "24:00:00",
                false,
            ),
            (
                B::Time,
                bounds(Some("09:00:00Z"), Some("17:00:00Z"), None, None),
                "10:00:00+02:00",
                false,
            ),
            (
                B::Time,
                bounds(Some("09:00:00Z"), Some("17:00:00Z"), None, None),
                "12:00:00+02:00",
                true,
            ),
            (
                B::GYear,
                bounds(Some("2000"), None, None, None),
                "1999",
                false,
            ),
            (
                B::GYear,
                bounds(Some("2000"), None, None, None),
                "-0001",
                false,
            ),
            (
                B::GYear,
                bounds(Some("2000"), None, None, None),
                "10000",
                true,
            ),
            (
                B::GYearMonth,
                bounds(None, None, Some("2024-02"), None),
                "2024-03",
                true,
            ),
            (
                B::GMonthDay,
                bounds(None, Some("--06-30"), None, None),
                "--07-01",
                false,
            ),
            (
                B::GMonthDay,
                bounds(None, Some("--06-30"), None, None),
                "--02-29",
                true,
            ),
            (
                B::GDay,
                bounds(Some("---10"), None, None, None),
                "---09",
                false,
            ),
            (
                B::GMonth,
                bounds(Some("--03"), None, None, None),
                "--02",
                false,
            ),
            // Durations: fail only when the bound fails at all four reference dates.
            (
                B::Duration,
                bounds(None, Some("P1M"), None, None),
                "P30D",
                true,
            ),
            (
                B::Duration,
                bounds(None, Some("P1M"), None, None),
                "P32D",
                false,
            ),
            (
                B::Duration,
                bounds(None, Some("P1M"), None, None),
                "P27D",
                true,
            ),
            (
                B::Duration,
                bounds(Some("PT24H"), None, None, None),
                "P1D",
                true,
            ),
            (
                B::Duration,
                bounds(Some("PT24H"), None, None, None),
                "PT23H59M59.9S",
                false,
            ),
            (
                B::Duration,
                bounds(None, None, None, Some("P1Y")),
                "P365D",
                true,
            ),
            (
                B::Duration,
                bounds(None, None, None, Some("P1Y")),
                "P366D",
                false,
            ),
            (
                B::Duration,
                bounds(Some("-PT1S"), None, None, None),
                "-PT0.5S",
                true,
            ),
            (
                B::Duration,
                bounds(Some("-PT1S"), None, None, None),
                "-PT1.5S",
                false,
            ),
            (
                B::Duration,
                bounds(None, None, Some("-PT0.25S"), None),
                "-PT0.2S",
                true,
            ),
            (
                B::Duration,
                bounds(None, None, Some("-PT0.25S"), None),
                "-PT0.25S",
                false,
            ),
        ];
        for (b, f, value, ok) in table {
            let errors = check_facets(*b, f, value);
            assert_eq!(errors.is_empty(), *ok, "{b:?} {f:?} {value} -> {errors:?}");
        }
        assert_eq!(
            messages(&check_facets(
                B::Date,
                &bounds(Some("2020-01-01"), None, None, None),
                "2019-12-31"
            )),
            ["\"2019-12-31\" is less than minInclusive \"2020-01-01\""]
        );
        assert_eq!(
            messages(&check_facets(
                B::Date,
                &bounds(None, Some("2020-02-30"), None, None),
                "2019-12-31"
            )),
            [
                "the maxInclusive facet value \"2020-02-30\" is not a valid xs:date, so the facet cannot be checked"
            ]
        );
    }

    #[test]
    fn digit_facets_count_the_value_space() {
        let digits = |total: Option<u32>, fraction: Option<u32>| Facets {
            total_digits: total,
            fraction_digits: fraction,
            ..facets()
        };
        let table: &[(B, Facets, &str, &[&str])] = &[
            (
                B::Decimal,
                digits(Some(4), None),
                "123.45",
                &["123.45 has 5 digits, more than totalDigits 4"],
            ),
            (B::Decimal, digits(Some(4), None), "12.30", &[]),
            (B::Decimal, digits(Some(4), None), "-1234", &[]),
            (B::Decimal, digits(Some(4), None), "00012.0", &[]),
            (B::Decimal, digits(Some(4), None), "0.0005", &[]),
            (
                B::Decimal,
                digits(Some(4), None),
                "0.00005",
                &["0.00005 has 5 digits, more than totalDigits 4"],
            ),
            (B::Decimal, digits(Some(1), None), "0", &[]),
            (
                B::Int,
                digits(Some(2), None),
                "100",
                &["100 has 3 digits, more than totalDigits 2"],
            ),
            (
                B::Decimal,
                digits(None, Some(2)),
                "12.345",
                &["12.345 has 3 fraction digits, more than fractionDigits 2"],
            ),
            (B::Decimal, digits(None, Some(2)), "12.50", &[]),
            (B::Decimal, digits(None, Some(2)), "12.500", &[]),
            (
                B::Decimal,
                digits(None, Some(0)),
                "1.5",
                &["1.5 has 1 fraction digit, more than fractionDigits 0"],
            ),
            (B::Decimal, digits(None, Some(0)), "15.000", &[]),
            // Digits facets do not apply to floats.
            (B::Double, digits(Some(1), Some(0)), "1.2345", &[]),
        ];
        for (b, f, value, expected) in table {
            assert_eq!(
                messages(&check_facets(*b, f, value)),
                *expected,
                "{b:?} {value}"
            );
        }
    }

    #[test]
    fn every_violation_is_returned() {
        let f = Facets {
            enumeration: Some(vec!["1".into()]),
            max_inclusive: Some("5".into()),
            total_digits: Some(2),
            fraction_digits: Some(1),
            ..facets()
        };
        assert_eq!(
            messages(&check_facets(B::Decimal, &f, "12.345")),
            [
                "\"12.345\" is not one of the allowed values: 1",
                "12.345 is greater than maxInclusive 5",
                "12.345 has 5 digits, more than totalDigits 2",
                "12.345 has 3 fraction digits, more than fractionDigits 1",
            ]
        );
        let f = Facets {
            enumeration: Some(vec!["abc".into()]),
            min_length: Some(4),
            max_length: Some(2),
            ..facets()
        };
        assert_eq!(check_facets(B::String, &f, "xyz").len(), 3);
        assert!(check_facets(B::String, &Facets::default(), "anything").is_empty());
    }

    #[test]
    fn list_facets() {
        let f = |length, min, max| Facets {
            length,
            min_length: min,
            max_length: max,
            ..facets()
        };
        assert_eq!(
            messages(&check_list_facets(&f(Some(3), None, None), 4)),
            ["the list has 4 items, not the required length 3"]
        );
        assert_eq!(
            messages(&check_list_facets(&f(None, Some(2), None), 1)),
            ["the list has 1 item, fewer than minLength 2"]
        );
        assert_eq!(
            messages(&check_list_facets(&f(None, None, Some(3)), 5)),
            ["the list has 5 items, more than maxLength 3"]
        );
        assert!(check_list_facets(&f(Some(2), Some(1), Some(3)), 2).is_empty());
        assert_eq!(check_list_facets(&f(Some(2), Some(1), Some(3)), 0).len(), 2);
        assert!(check_list_facets(&Facets::default(), 0).is_empty());
    }

    #[test]
    fn decimal_comparison_is_exact() {
        use Ordering::*;
        let table: &[(&str, &str, Option<Ordering>)] = &[
            ("1.0", "1.00", Some(Equal)),
            ("-0", "0", Some(Equal)),
            ("-0.0", "+0.000", Some(Equal)),
            ("0.1", "0.09", Some(Greater)),
            ("-1", "-2", Some(Greater)),
            ("-0.5", "0.5", Some(Less)),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567891",
                Some(Less),
            ),
            ("9007199254740993", "9007199254740992", Some(Greater)),
            ("+007", "7", Some(Equal)),
            (".5", "0.50", Some(Equal)),
            ("10", "9.99", Some(Greater)),
            ("-10", "-9.99", Some(Less)),
            ("0.5", "0.51", Some(Less)),
            ("0.6", "0.51", Some(Greater)),
            ("0.50001", "0.5", Some(Greater)),
            (" 1 ", "1", Some(Equal)),
            ("1e5", "1", None),
            ("abc", "1", None),
            ("1", "", None),
        ];
        for &(a, b, expected) in table {
            assert_eq!(compare_decimal(a, b), expected, "{a} vs {b}");
            assert_eq!(
                compare_decimal(b, a),
                expected.map(Ordering::reverse),
                "{b} vs {a}"
            );
        }
    }

    #[test]
    fn messages_quote_shortened_values() {
        let long = "x".repeat(200);
        let message = json(B::Int, &long).unwrap_err();
        assert!(message.len() < 100, "{message}");
        assert!(
            message.starts_with(&format!("\"{}...\"", "x".repeat(61))),
            "{message}"
        );
        let multibyte = "é".repeat(100);
        let message = json(B::Int, &multibyte).unwrap_err();
        assert!(message.contains("...\""), "{message}");
        assert_eq!(
            json(B::Int, "abc").unwrap_err(),
            "\"abc\" is not a valid xs:int"
        );
        assert_eq!(
            json(B::UnsignedByte, "300").unwrap_err(),
            "\"300\" is greater than the maximum 255 of xs:unsignedByte"
        );
        assert_eq!(
            xml(B::Decimal, &string("12.5")).unwrap_err(),
            "expected a JSON number for xs:decimal, found a string"
        );
        assert_eq!(
            json(B::String, "line\nbreak\u{0}").unwrap_err(),
            "\"line\\nbreak\\0\" is not a valid xs:string: character U+0000 is not allowed in XML 1.0"
        );
    }

    #[test]
    fn json_values_convert_with_exact_numbers() {
        let doc: serde_json::Value = serde_json::from_str(
            r#"[12.50, 123456789012345678901234567890.123456789, 1e400, true, "007", null]"#,
        )
        .unwrap();
        let items = doc.as_array().unwrap();
        assert_eq!(JsonScalar::from_json(&items[0]), Some(num("12.50")));
        assert_eq!(
            JsonScalar::from_json(&items[1]),
            Some(num("123456789012345678901234567890.123456789"))
        );
        assert_eq!(
            JsonScalar::from_json(&items[3]),
            Some(JsonScalar::Bool(true))
        );
        assert_eq!(JsonScalar::from_json(&items[4]), Some(string("007")));
        assert_eq!(JsonScalar::from_json(&items[5]), None);
        assert_eq!(
            json_to_xml(B::Decimal, &JsonScalar::from_json(&items[1]).unwrap()).unwrap(),
            "123456789012345678901234567890.123456789"
        );
        assert!(json_to_xml(B::Double, &JsonScalar::from_json(&items[2]).unwrap()).is_err());

        let scalar = xml_to_json(B::Decimal, "+0012.50").unwrap();
        let value = scalar.to_json().unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), "12.50");
        // serde_json keeps every digit but spells exponents its own way.
        assert_eq!(num("1e400").to_json().unwrap().to_string(), "1e+400");
        assert_eq!(num("-1.50E-7").to_json().unwrap().to_string(), "-1.50e-7");
        assert_eq!(
            string("NaN").to_json().unwrap(),
            serde_json::Value::String("NaN".into())
        );
        assert_eq!(
            num("07").to_json().unwrap_err().to_string(),
            "\"07\" is not a valid JSON number"
        );
    }

    /// Every valid XML value survives XML -> JSON -> XML -> JSON unchanged from the first JSON on.
    #[test]
    fn round_trips() {
        let table: &[(B, &str)] = &[
            (B::Int, "+0042"),
            (B::Long, "-9223372036854775808"),
            (B::UnsignedLong, "18446744073709551615"),
            (B::Integer, "-000"),
            (B::Decimal, "-.50"),
            (B::Decimal, "123456789012345678901234567890.123456789"),
            (B::Double, "+.5E-3"),
            (B::Double, "+INF"),
            (B::Float, "NaN"),
            (B::Float, "-1.e3"),
            (B::Boolean, "1"),
            (B::String, " keep  me "),
            (B::Token, " collapse   me "),
            (B::Date, "2024-02-29-05:00"),
            (B::DateTime, "2024-01-01T24:00:00Z"),
            (B::Duration, "-P1Y2M3DT4H5M6.7S"),
            (B::HexBinary, "cafe"),
            (B::Base64Binary, "QUJD\nQUI="),
            (B::QName, "soap:Envelope"),
            (B::Language, "en-GB"),
            (B::NmTokens, "a  b\tc"),
            (B::GMonth, "--12--"),
        ];
        for &(b, lexical) in table {
            let first =
                xml_to_json(b, lexical).unwrap_or_else(|e| panic!("{b:?} {lexical:?}: {e}"));
            let back = json_to_xml(b, &first).unwrap_or_else(|e| panic!("{b:?} {first:?}: {e}"));
            let again = xml_to_json(b, &back).unwrap_or_else(|e| panic!("{b:?} {back:?}: {e}"));
            assert_eq!(first, again, "{b:?} {lexical:?}");
            assert!(check_facets(b, &Facets::default(), &back).is_empty());
        }
    }

    /// No input makes any function panic.
    #[test]
    fn never_panics() {
        let nines = "9".repeat(2000);
        let zeros = format!("0.{}", "0".repeat(1500));
        let mut corpus: Vec<String> = [
            "",
            " ",
            "-",
            "+",
            ".",
            "e",
            "E",
            "P",
            "T",
            "-P",
            "--",
            "---",
            "=",
            "==",
            "\u{0}",
            "é",
            "日本",
            "𝄞",
            "-INF",
            "+INF",
            "INF",
            "NaN",
            "-NaN",
            "1e-99999999999999999999",
            "1e99999999999999999999",
            "2024-02-29T24:00:00Z",
            "--12--",
            "--12---",
            "--12--:",
            "P99999999999999999999Y",
            "-P1.5S",
            "PT9999999999999999999.99999S",
            "-P999999999999999999Y999999999999999999M",
            "QQ==",
            "Q",
            "QQ=",
            "99999999999999999999-01-01",
            "-999999999999999-12-31T24:00:00-14:00",
            "999999999999999-12-31T23:59:59+14:00",
            "2024-01-01T00:00:00.",
            "2024-01-01T00:00:00+",
            "2024-01-01T00:00:00+14",
            "2024-",
            "2024-01-",
            "1é",
            "é1",
            "1.é",
            "1eé",
            "Pé",
            "PTé",
            "P1é",
            "--é",
            "a:é",
            "é:",
            "0.5e",
            "-.e1",
            "1.5e+",
            "1,0",
            "\u{FFFF}",
            "\t\n\r",
            "a\u{300}",
            "x-",
            "en-",
            "-en",
            "1e1000",
            "1e-1000",
            "1e1001",
            "-0.0e-0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        corpus.extend([
            nines.clone(),
            format!("-{nines}"),
            zeros,
            format!("{}é", "x".repeat(63)),
        ]);
        let all_facets = |v: &str| Facets {
            enumeration: Some(vec![v.to_string(), "1".into()]),
            patterns: vec![],
            length: Some(1),
            min_length: Some(1),
            max_length: Some(1),
            min_inclusive: Some(v.to_string()),
            max_inclusive: Some(v.to_string()),
            min_exclusive: Some("0".into()),
            max_exclusive: Some(v.to_string()),
            total_digits: Some(1),
            fraction_digits: Some(0),
            white_space: None,
        };
        for &b in B::ALL {
            for s in &corpus {
                let _ = xml_to_json(b, s);
                let _ = json_to_xml(b, &string(s));
                let _ = json_to_xml(b, &num(s));
                for other in corpus.iter().take(12) {
                    let _ = check_facets(b, &all_facets(other), s);
                }
                let _ = check_facets(b, &all_facets(s), "1");
                let _ = normalize_whitespace(b, Some(WhiteSpace::Collapse), s);
                let _ = compare_decimal(s, "1");
            }
            let _ = json_to_xml(b, &JsonScalar::Bool(true));
        }
    }
}
