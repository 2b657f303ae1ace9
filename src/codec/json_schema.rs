//! The message JSON as JSON Schema (2020-12, the dialect of OpenAPI 3.1),
//! derived from the same shapes the translator uses, so the document and
//! the translator cannot disagree on a property name or an array.
//!
//! Named complex types become `#/components/schemas/{Name}` references
//! (recursion is fine that way); simple types are inlined with their
//! facets: enumerations, lengths, numeric ranges, and XSD patterns that
//! read the same in ECMA-262 (anchored). A pattern that does not (`\i`,
//! `\c`, class subtraction) goes to `x-xsd-pattern` rather than being
//! published wrongly.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};

use super::Codec;
use super::message::{BodyLayout, HEADERS, MessageLayout, RpcPart};
use super::shape::{ANY, Body, ELEMENT, GroupSlot, MIXED, Node, NodeKind, TYPE, VALUE};
use crate::schema::builtin::JsonKind;
use crate::schema::{Builtin, Compositor, ElementId, MaxOccurs, TypeDef, TypeId, Variety};

/// Collects the schemas of one document's messages and the named types
/// they reference.
pub struct SchemaSet<'a, 'c> {
    codec: &'a Codec<'c>,
    /// Component name by type, assigned on first use.
    names: HashMap<TypeId, String>,
    pub components: BTreeMap<String, Value>,
    depth: usize,
}

/// Deeper than this, anonymous content is published as "any" rather than
/// expanded again (anonymous types can only recurse through elements).
const MAX_DEPTH: usize = 48;

impl<'c> Codec<'c> {
    pub fn json_schemas(&self) -> SchemaSet<'_, 'c> {
        SchemaSet {
            codec: self,
            names: HashMap::new(),
            components: BTreeMap::new(),
            depth: 0,
        }
    }
}

impl<'a, 'c> SchemaSet<'a, 'c> {
    /// The schema of a whole message's JSON.
    pub fn message(&mut self, layout: &MessageLayout) -> Value {
        let schema = self.codec.schema;
        let mut obj = match &layout.body {
            BodyLayout::Element(e) => self.element(*e),
            BodyLayout::Parts(parts) => {
                let mut props = Map::new();
                let mut required = Vec::new();
                for (name, e) in parts {
                    props.insert(name.clone(), self.element(*e));
                    required.push(Value::String(name.clone()));
                }
                json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
            }
            BodyLayout::Rpc { parts, .. } => {
                let mut props = Map::new();
                let mut required = Vec::new();
                for (name, p) in parts {
                    let s = match p {
                        RpcPart::Element(e) => self.element(*e),
                        RpcPart::Type(t) => self.typed(*t, true),
                    };
                    props.insert(name.clone(), s);
                    required.push(Value::String(name.clone()));
                }
                json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
            }
        };
        if !layout.headers.is_empty() {
            let mut props = Map::new();
            for (name, e) in &layout.headers {
                props.insert(name.clone(), self.element(*e));
            }
            let headers = json!({
                "type": "object",
                "description": "Declared SOAP header parts, by part name.",
                "properties": props,
                "additionalProperties": false
            });
            // The body's object gains `$headers`; a reference is wrapped.
            if obj.get("$ref").is_some() {
                obj = json!({"allOf": [obj], "properties": {HEADERS: headers}});
            } else if let Some(Value::Object(p)) = obj.get_mut("properties") {
                p.insert(HEADERS.into(), headers);
            }
        }
        let _ = schema;
        obj
    }

    /// An element's JSON value (its type, nil, documentation).
    pub fn element(&mut self, e: ElementId) -> Value {
        let schema = self.codec.schema;
        let decl = schema.element(e);
        let mut s = self.typed(decl.type_id, decl.nillable);
        if let Some(d) = &decl.documentation
            && let Value::Object(m) = &mut s
            && !m.contains_key("$ref")
        {
            m.insert("description".into(), Value::String(d.trim().to_string()));
        }
        if schema.substitutes.get(&e).is_some_and(|m| !m.is_empty()) {
            // A member of the substitution group says so with `$element`.
            s = json!({"allOf": [s], "properties": {ELEMENT: {"type": "string"}}});
        }
        s
    }

    /// A value of type `ty`; `nillable` admits `null`.
    fn typed(&mut self, ty: TypeId, nillable: bool) -> Value {
        let s = self.type_schema(ty);
        if nillable {
            json!({"anyOf": [s, {"type": "null"}]})
        } else {
            s
        }
    }

    fn type_schema(&mut self, ty: TypeId) -> Value {
        let schema = self.codec.schema;
        let shape = self.codec.shapes.get(schema, ty);
        if !shape.is_object() {
            let vt = super::simple::value_type(schema, ty).unwrap_or(ty);
            return self.simple(vt);
        }
        if let Some(array) = schema
            .ty(ty)
            .as_complex()
            .and_then(|c| c.soap_array.as_ref())
        {
            let items = self.typed(array.item_type, true);
            return json!({"type": "array", "items": items});
        }
        let named = match schema.ty(ty) {
            TypeDef::Complex(c) => c.name.clone(),
            TypeDef::Simple(_) => None,
        };
        let Some(name) = named else {
            if self.depth > MAX_DEPTH {
                return json!({});
            }
            self.depth += 1;
            let s = self.object(ty);
            self.depth -= 1;
            return s;
        };
        if let Some(n) = self.names.get(&ty) {
            return json!({"$ref": format!("#/components/schemas/{n}")});
        }
        let mut n = name.local.clone();
        while self.components.contains_key(&n) {
            n.push('_');
        }
        self.names.insert(ty, n.clone());
        self.components.insert(n.clone(), json!({}));
        let s = self.object(ty);
        self.components.insert(n.clone(), s);
        json!({"$ref": format!("#/components/schemas/{n}")})
    }

    /// The object of a complex type: attributes, simple content or elements.
    fn object(&mut self, ty: TypeId) -> Value {
        let schema = self.codec.schema;
        let shape = self.codec.shapes.get(schema, ty);
        let mut props = Map::new();
        let mut required: Vec<Value> = Vec::new();
        for a in &shape.attrs {
            props.insert(a.json.clone(), self.simple(a.type_id));
            if a.required {
                required.push(Value::String(a.json.clone()));
            }
        }
        if shape.any_attribute.is_some() {
            props.insert(
                super::shape::ANY_ATTRIBUTES.into(),
                json!({"type": "object", "additionalProperties": {"type": "string"}}),
            );
        }
        match &shape.body {
            Body::Empty => {}
            Body::Simple(v) => {
                props.insert(VALUE.into(), self.simple(*v));
                required.push(Value::String(VALUE.into()));
            }
            Body::Elements { root, mixed } => {
                if *mixed {
                    props.insert(
                        MIXED.into(),
                        json!({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}}),
                    );
                } else {
                    self.node(root, true, &mut props, &mut required);
                }
            }
        }
        if schema.derived.get(&ty).is_some_and(|d| !d.is_empty()) {
            // `$type` names a derived type, which may add properties.
            props.insert(TYPE.into(), json!({"type": "string"}));
            let mut o = json!({"type": "object", "properties": props});
            if !required.is_empty() {
                o["required"] = Value::Array(required);
            }
            return o;
        }
        let mut o = json!({"type": "object", "properties": props, "additionalProperties": false});
        if !required.is_empty() {
            o["required"] = Value::Array(required);
        }
        if let TypeDef::Complex(c) = schema.ty(ty)
            && let Some(d) = &c.documentation
        {
            o["description"] = Value::String(d.trim().to_string());
        }
        o
    }

    /// Properties of a content model node; `required`: the enclosing
    /// occurrence is there for sure (no optional or choice group above).
    fn node(
        &mut self,
        n: &Node,
        required: bool,
        props: &mut Map<String, Value>,
        req: &mut Vec<Value>,
    ) {
        let occurs = |s: Value, array: bool, this: &Node| {
            if !array {
                return s;
            }
            let mut a = json!({"type": "array", "items": s});
            if required && this.min > 0 {
                a["minItems"] = json!(this.min);
            }
            if let MaxOccurs::Bounded(m) = this.max {
                a["maxItems"] = json!(m);
            }
            a
        };
        match &n.kind {
            NodeKind::Element(e) => {
                let s = self.element(e.decl);
                props.insert(e.json.clone(), occurs(s, e.array, n));
                if required && n.min > 0 {
                    req.push(Value::String(e.json.clone()));
                }
            }
            NodeKind::Any { array, .. } => {
                let item = json!({"description": "An XML string, or an object with `$element` naming a declared element."});
                props.insert(ANY.into(), occurs(item, *array, n));
            }
            NodeKind::Group {
                compositor,
                children,
                slot,
            } => match slot {
                GroupSlot::Array(name) => {
                    let mut inner = Map::new();
                    let mut inner_req = Vec::new();
                    let each_required = *compositor != Compositor::Choice;
                    for c in children {
                        self.node(c, each_required, &mut inner, &mut inner_req);
                    }
                    let mut item = json!({"type": "object", "properties": inner, "additionalProperties": false});
                    if !inner_req.is_empty() {
                        item["required"] = Value::Array(inner_req);
                    }
                    props.insert(name.clone(), occurs(item, true, n));
                    if required && n.min > 0 && !n.nullable {
                        req.push(Value::String(name.clone()));
                    }
                }
                GroupSlot::Inline => {
                    let r = required && n.min > 0 && *compositor != Compositor::Choice;
                    for c in children {
                        self.node(c, r, props, req);
                    }
                }
            },
        }
    }

    /// A simple type's JSON value with its facets.
    fn simple(&mut self, ty: TypeId) -> Value {
        let schema = self.codec.schema;
        let TypeDef::Simple(st) = schema.ty(ty) else {
            return json!({});
        };
        let mut s = match &st.variety {
            Variety::List(item) => {
                let items = self.simple(*item);
                json!({"type": "array", "items": items})
            }
            Variety::Union(members) => {
                let any: Vec<Value> = members.iter().map(|m| self.simple(*m)).collect();
                json!({"anyOf": any})
            }
            Variety::Atomic(b) => atomic(*b, &st.facets),
        };
        if let Some(d) = &st.documentation
            && let Value::Object(m) = &mut s
        {
            m.insert("description".into(), Value::String(d.trim().to_string()));
        }
        s
    }
}

/// A string XML 1.0 can carry: no C0 controls but tab, newline and carriage
/// return, no U+FFFE/U+FFFF.
const XML_CHARS: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]*$";

/// An XSD numeral as JSON accepts it: no `+`, no leading zeros.
fn canonical_number(v: &str) -> String {
    let v = v.trim();
    let (sign, digits) = match v.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", v.strip_prefix('+').unwrap_or(v)),
    };
    let trimmed = digits.trim_start_matches('0');
    let trimmed = if trimmed.is_empty() || trimmed.starts_with('.') {
        format!("0{trimmed}")
    } else {
        trimmed.to_string()
    };
    format!("{sign}{trimmed}")
}

fn number(text: &str) -> Option<Value> {
    serde_json::from_str::<Value>(text.trim())
        .ok()
        .filter(Value::is_number)
}

fn atomic(b: Builtin, f: &crate::schema::Facets) -> Value {
    let kind = b.json_kind();
    let mut s = match kind {
        JsonKind::Integer => json!({"type": "integer"}),
        JsonKind::Decimal => json!({"type": "number"}),
        JsonKind::Float => {
            return json!({"anyOf": [{"type": "number"}, {"enum": ["INF", "-INF", "NaN"]}]});
        }
        JsonKind::Boolean => return json!({"type": "boolean"}),
        JsonKind::String => json!({"type": "string"}),
    };
    if let Some(values) = &f.enumeration {
        let e: Vec<Value> = values
            .iter()
            .map(|v| match kind {
                JsonKind::String => Value::String(v.clone()),
                _ => number(&canonical_number(v)).unwrap_or_else(|| Value::String(v.clone())),
            })
            .collect();
        s["enum"] = Value::Array(e);
    }
    if kind == JsonKind::String {
        // `date` is RFC 3339 full-date, which XSD dates match (bar an
        // optional zone); dateTime and time may lack a zone in XSD, which
        // RFC 3339 forbids, so they are named, not given a `format`.
        match b {
            Builtin::Date | Builtin::Duration => {
                s["format"] = json!(if b == Builtin::Date {
                    "date"
                } else {
                    "duration"
                });
            }
            Builtin::DateTime | Builtin::Time => {
                s["x-xsd-type"] = json!(if b == Builtin::Time {
                    "time"
                } else {
                    "dateTime"
                });
            }
            Builtin::AnyUri => s["format"] = json!("uri-reference"),
            _ => {}
        }
        // Lengths count characters only where XSD does: hexBinary counts
        // octets (two characters each), base64Binary octets too (not a
        // character count), and list-like built-ins count items.
        let scale = match b {
            Builtin::HexBinary => Some(2),
            Builtin::Base64Binary | Builtin::NmTokens | Builtin::IdRefs | Builtin::Entities => None,
            _ => Some(1),
        };
        if let Some(k) = scale {
            if let Some(l) = f.length {
                s["minLength"] = json!(l * k);
                s["maxLength"] = json!(l * k);
            }
            if let Some(l) = f.min_length {
                s["minLength"] = json!(l * k);
            }
            if let Some(l) = f.max_length {
                s["maxLength"] = json!(l * k);
            }
        }
        // XML 1.0 cannot carry most control characters, whatever the type.
        let mut steps: Vec<String> = vec![XML_CHARS.to_string()];
        steps.extend(f.patterns.iter().map(|alts| {
            let joined: Vec<String> = alts.iter().map(|p| format!("(?:{p})")).collect();
            format!("^(?:{})$", joined.join("|"))
        }));
        // Only patterns that read the same in ECMA-262 are published as
        // `pattern`: no XSD-only escapes, no `^`/`$` (literal in XSD,
        // anchors in ECMA), no `\d`/`\w` (Unicode in XSD, ASCII in ECMA),
        // no `\p` (needs ECMA's `u` flag), no class subtraction.
        let ecma = |p: &str| {
            let inner = &p[4..p.len() - 2]; // within our own ^(?: ... )$
            !([
                "\\i", "\\I", "\\c", "\\C", "\\d", "\\D", "\\w", "\\W", "\\p", "\\P", "^", "$",
            ]
            .iter()
            .any(|x| inner.contains(x))
                || has_class_subtraction(inner))
        };
        let (published, xsd_only): (Vec<&String>, Vec<&String>) =
            steps[1..].iter().partition(|p| ecma(p));
        s["pattern"] = json!(XML_CHARS);
        if !published.is_empty() {
            s["allOf"] = Value::Array(published.iter().map(|p| json!({"pattern": p})).collect());
        }
        if !xsd_only.is_empty() {
            s["x-xsd-pattern"] = json!(xsd_only);
        }
    } else {
        for (facet, key) in [
            (&f.min_inclusive, "minimum"),
            (&f.max_inclusive, "maximum"),
            (&f.min_exclusive, "exclusiveMinimum"),
            (&f.max_exclusive, "exclusiveMaximum"),
        ] {
            if let Some(v) = facet.as_deref().and_then(number) {
                s[key] = v;
            }
        }
        let (lo, hi) = b.integer_bounds();
        if s.get("minimum").is_none()
            && s.get("exclusiveMinimum").is_none()
            && let Some(v) = lo.and_then(number)
        {
            s["minimum"] = v;
        }
        if s.get("maximum").is_none()
            && s.get("exclusiveMaximum").is_none()
            && let Some(v) = hi.and_then(number)
        {
            s["maximum"] = v;
        }
    }
    s
}

/// XSD's character class subtraction (`[a-z-[aeiou]]`): a `-[` inside a
/// bracket expression. ECMA-262 reads it differently.
fn has_class_subtraction(p: &str) -> bool {
    let mut depth = 0usize;
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '-' if depth > 0 && chars.peek() == Some(&'[') => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::has_class_subtraction;

    #[test]
    fn numerals_are_canonical_for_json() {
        assert_eq!(super::canonical_number("01"), "1");
        assert_eq!(super::canonical_number("+007.50"), "7.50");
        assert_eq!(super::canonical_number("-0.5"), "-0.5");
        assert_eq!(super::canonical_number("000"), "0");
    }

    #[test]
    fn class_subtraction_is_told_from_a_literal_dash() {
        assert!(!has_class_subtraction("SO-[0-9]{4}"));
        assert!(has_class_subtraction("[a-z-[aeiou]]"));
        assert!(!has_class_subtraction("[a\\-]-[0-9]"));
    }
}
