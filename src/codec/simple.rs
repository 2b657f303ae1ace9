//! Values of simple types (atomic, list, union) in both directions, with
//! every facet checked, including compiled pattern facets (cached per type).

use std::borrow::Cow;
use std::sync::OnceLock;

use super::json_tree::Json;
use super::pattern::Pattern;
use super::scalar::{self, JsonScalar};
use crate::schema::{Builtin, Content, Facets, Schema, TypeDef, TypeId, Variety};

/// A simple value as JSON: a scalar, or the items of a list type.
#[derive(Debug, Clone, PartialEq)]
pub enum SimpleJson<'a> {
    Scalar(JsonScalar<'a>),
    List(Vec<JsonScalar<'a>>),
}

/// Compiled pattern facets per type: one OR-list per derivation step.
pub struct Patterns {
    cells: Vec<OnceLock<Result<Vec<Vec<Pattern>>, String>>>,
}

impl Patterns {
    pub fn new(schema: &Schema) -> Self {
        Patterns {
            cells: (0..schema.types.len()).map(|_| OnceLock::new()).collect(),
        }
    }

    fn get(&self, id: TypeId, facets: &Facets) -> &Result<Vec<Vec<Pattern>>, String> {
        self.cells[id.0 as usize].get_or_init(|| {
            facets
                .patterns
                .iter()
                .map(|step| {
                    step.iter()
                        .map(|p| Pattern::compile(p).map_err(|e| e.to_string()))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect()
        })
    }
}

pub struct SimpleCodec<'s> {
    pub schema: &'s Schema,
    pub patterns: &'s Patterns,
}

/// The simple type that holds an element's or attribute's text, if any.
pub fn value_type(schema: &Schema, id: TypeId) -> Option<TypeId> {
    match schema.ty(id) {
        TypeDef::Simple(_) => Some(id),
        TypeDef::Complex(ct) => match ct.content {
            Content::Simple(v) => Some(v),
            _ => None,
        },
    }
}

fn quote(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push_str("...");
    }
    format!("\"{out}\"")
}

impl<'s> SimpleCodec<'s> {
    fn facets_and_patterns(
        &self,
        id: TypeId,
        facets: &Facets,
        lexical: &str,
        errors: &mut Vec<String>,
    ) {
        match self.patterns.get(id, facets) {
            Ok(steps) => {
                for step in steps {
                    if !step.is_empty() && !step.iter().any(|p| p.is_match(lexical)) {
                        let sources: Vec<&str> = step.iter().map(|p| p.source()).collect();
                        errors.push(format!(
                            "{} does not match the pattern {}",
                            quote(lexical),
                            sources.join(" | ")
                        ));
                    }
                }
            }
            Err(e) => errors.push(format!("the contract's pattern cannot be used: {e}")),
        }
    }

    /// XML text (raw, before whitespace normalization) -> JSON.
    pub fn xml_to_json<'v>(&self, id: TypeId, raw: &'v str) -> Result<SimpleJson<'v>, Vec<String>> {
        let TypeDef::Simple(st) = self.schema.ty(id) else {
            // anyType and friends: text as a string.
            return Ok(SimpleJson::Scalar(JsonScalar::String(Cow::Borrowed(raw))));
        };
        let mut errors = Vec::new();
        let out = match &st.variety {
            Variety::Atomic(b) => {
                let norm = scalar::normalize_whitespace(*b, st.facets.white_space, raw);
                let value = match scalar::xml_to_json(*b, &norm) {
                    Ok(v) => Some(owned_scalar(v)),
                    Err(e) => {
                        errors.push(e.to_string());
                        None
                    }
                };
                if value.is_some() {
                    for e in scalar::check_facets(*b, &st.facets, &norm) {
                        errors.push(e.to_string());
                    }
                    self.facets_and_patterns(id, &st.facets, &norm, &mut errors);
                }
                value.map(|v| SimpleJson::Scalar(reborrow(v, raw)))
            }
            Variety::List(item) => {
                let norm = scalar::normalize_whitespace(Builtin::Token, None, raw);
                let mut items = Vec::new();
                for (i, part) in norm.split(' ').filter(|p| !p.is_empty()).enumerate() {
                    match self.xml_to_json(*item, part) {
                        Ok(SimpleJson::Scalar(s)) => items.push(owned_scalar(s)),
                        Ok(SimpleJson::List(_)) => {
                            errors.push(format!("list item {i} is itself a list"))
                        }
                        Err(es) => {
                            errors.extend(es.into_iter().map(|e| format!("list item {i}: {e}")))
                        }
                    }
                }
                for e in scalar::check_list_facets(&st.facets, items.len()) {
                    errors.push(e.to_string());
                }
                if let Some(allowed) = &st.facets.enumeration
                    && !allowed
                        .iter()
                        .any(|a| a.split_whitespace().eq(norm.split_whitespace()))
                {
                    errors.push(format!("{} is not one of the allowed values", quote(&norm)));
                }
                self.facets_and_patterns(id, &st.facets, &norm, &mut errors);
                Some(SimpleJson::List(
                    items.into_iter().map(|s| reborrow(s, raw)).collect(),
                ))
            }
            Variety::Union(members) => {
                let mut chosen = None;
                for m in members {
                    if let Ok(v) = self.xml_to_json(*m, raw) {
                        chosen = Some(match v {
                            SimpleJson::Scalar(s) => {
                                SimpleJson::Scalar(reborrow(owned_scalar(s), raw))
                            }
                            SimpleJson::List(l) => SimpleJson::List(
                                l.into_iter()
                                    .map(|s| reborrow(owned_scalar(s), raw))
                                    .collect(),
                            ),
                        });
                        break;
                    }
                }
                if chosen.is_none() {
                    errors.push(format!(
                        "{} matches none of the union's member types",
                        quote(raw.trim())
                    ));
                } else {
                    let norm = scalar::normalize_whitespace(Builtin::Token, None, raw);
                    if let Some(allowed) = &st.facets.enumeration
                        && !allowed.iter().any(|a| a == norm.as_ref())
                    {
                        errors.push(format!("{} is not one of the allowed values", quote(&norm)));
                    }
                    self.facets_and_patterns(id, &st.facets, &norm, &mut errors);
                }
                chosen
            }
        };
        match out {
            Some(v) if errors.is_empty() => Ok(v),
            _ => Err(errors),
        }
    }

    /// JSON -> XML lexical value.
    pub fn json_to_xml(&self, id: TypeId, value: &Json) -> Result<String, Vec<String>> {
        let TypeDef::Simple(st) = self.schema.ty(id) else {
            return match value {
                Json::String(s) => Ok(s.clone()),
                other => Err(vec![format!(
                    "expected a JSON string, found {}",
                    other.kind()
                )]),
            };
        };
        let mut errors = Vec::new();
        let lexical = match &st.variety {
            Variety::Atomic(b) => {
                let s = match json_scalar(value) {
                    Some(s) => s,
                    None => {
                        return Err(vec![format!(
                            "expected a JSON scalar for {}, found {}",
                            type_name(*b),
                            value.kind()
                        )]);
                    }
                };
                match scalar::json_to_xml(*b, &s) {
                    Ok(lex) => {
                        let lex = lex.into_owned();
                        let norm = scalar::normalize_whitespace(*b, st.facets.white_space, &lex)
                            .into_owned();
                        for e in scalar::check_facets(*b, &st.facets, &norm) {
                            errors.push(e.to_string());
                        }
                        self.facets_and_patterns(id, &st.facets, &norm, &mut errors);
                        Some(lex)
                    }
                    Err(e) => {
                        errors.push(e.to_string());
                        None
                    }
                }
            }
            Variety::List(item) => match value {
                Json::Array(items) => {
                    let mut parts = Vec::new();
                    for (i, v) in items.iter().enumerate() {
                        match self.json_to_xml(*item, v) {
                            Ok(p) if p.is_empty() => errors.push(format!(
                                "list item {i} is empty: list items are separated by white space"
                            )),
                            Ok(p) if p.contains(char::is_whitespace) => errors
                                .push(format!("list item {i}: {} contains white space", quote(&p))),
                            Ok(p) => parts.push(p),
                            Err(es) => {
                                errors.extend(es.into_iter().map(|e| format!("list item {i}: {e}")))
                            }
                        }
                    }
                    for e in scalar::check_list_facets(&st.facets, items.len()) {
                        errors.push(e.to_string());
                    }
                    let joined = parts.join(" ");
                    if let Some(allowed) = &st.facets.enumeration
                        && !allowed
                            .iter()
                            .any(|a| a.split_whitespace().eq(joined.split(' ')))
                    {
                        errors.push(format!(
                            "{} is not one of the allowed values",
                            quote(&joined)
                        ));
                    }
                    self.facets_and_patterns(id, &st.facets, &joined, &mut errors);
                    Some(joined)
                }
                other => {
                    return Err(vec![format!(
                        "expected a JSON array (a list type), found {}",
                        other.kind()
                    )]);
                }
            },
            Variety::Union(members) => {
                let found = members
                    .iter()
                    .find_map(|m| self.json_to_xml(*m, value).ok());
                match found {
                    Some(lex) => {
                        if let Some(allowed) = &st.facets.enumeration
                            && !allowed.contains(&lex)
                        {
                            errors
                                .push(format!("{} is not one of the allowed values", quote(&lex)));
                        }
                        self.facets_and_patterns(id, &st.facets, &lex, &mut errors);
                        Some(lex)
                    }
                    None => {
                        errors.push(format!(
                            "{} matches none of the union's member types",
                            describe(value)
                        ));
                        None
                    }
                }
            }
        };
        match lexical {
            Some(l) if errors.is_empty() => Ok(l),
            _ => Err(errors),
        }
    }
}

fn type_name(b: Builtin) -> String {
    format!("xs:{}", b.name())
}

fn describe(v: &Json) -> String {
    match v {
        Json::String(s) => quote(s),
        Json::Number(n) => n.clone(),
        Json::Bool(b) => b.to_string(),
        other => other.kind().to_string(),
    }
}

pub fn json_scalar(v: &Json) -> Option<JsonScalar<'_>> {
    match v {
        Json::String(s) => Some(JsonScalar::String(Cow::Borrowed(s))),
        Json::Number(n) => Some(JsonScalar::Number(Cow::Borrowed(n))),
        Json::Bool(b) => Some(JsonScalar::Bool(*b)),
        _ => None,
    }
}

fn owned_scalar(s: JsonScalar<'_>) -> JsonScalar<'static> {
    match s {
        JsonScalar::Number(n) => JsonScalar::Number(Cow::Owned(n.into_owned())),
        JsonScalar::Bool(b) => JsonScalar::Bool(b),
        JsonScalar::String(t) => JsonScalar::String(Cow::Owned(t.into_owned())),
    }
}

/// Ties an owned scalar to the input's lifetime (it owns its text).
fn reborrow<'v>(s: JsonScalar<'static>, _raw: &'v str) -> JsonScalar<'v> {
    s
}
