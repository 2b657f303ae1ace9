//! Whole SOAP messages as the design's "Message JSON" defines them.
//!
//! - document/literal wrapped, and bare with one part: the body element's
//!   content is the message JSON;
//! - several parts, and rpc style: an object with one property per part;
//! - declared header parts: a `"$headers"` object beside the body fields, by
//!   part name.
//!
//! rpc/encoded bodies may use `href`/`id` multi-reference values; those are
//! resolved by reading the body whole first (the one documented exception to
//! streaming), then translating the resolved document as usual.

use crate::contract::{BoundOperation, Contract, MessageSignature};
use crate::qname::QName;
use crate::schema::{ElementId, TypeId};
use crate::wsdl::{Protocol, SoapVersion, Style, Use};

use super::TranslateError;

/// The `$headers` key.
pub const HEADERS: &str = "$headers";

#[derive(Debug, Clone)]
pub struct MessageLayout {
    pub soap: SoapVersion,
    pub encoded: bool,
    pub body: BodyLayout,
    /// Declared header parts: (part name, element).
    pub headers: Vec<(String, ElementId)>,
}

#[derive(Debug, Clone)]
pub enum BodyLayout {
    /// One element whose JSON is the message JSON (wrapped, or bare with one part).
    Element(ElementId),
    /// Several element parts, in order: `{partName: ...}`.
    Parts(Vec<(String, ElementId)>),
    /// rpc style: a wrapper element holding one accessor per part.
    Rpc {
        wrapper: QName,
        parts: Vec<(String, RpcPart)>,
    },
}

#[derive(Debug, Clone, Copy)]
pub enum RpcPart {
    Type(TypeId),
    Element(ElementId),
}

/// The layout of an operation's input (or output) message.
pub fn layout(op: &BoundOperation, output: bool) -> Result<MessageLayout, TranslateError> {
    let Protocol::Soap(soap) = op.protocol else {
        return Err(TranslateError::Unsupported(format!(
            "operation `{}` is not bound to SOAP",
            op.name
        )));
    };
    let which = if output { "output" } else { "input" };
    let sig: &MessageSignature = if output { &op.output } else { &op.input }
        .as_ref()
        .ok_or_else(|| {
            TranslateError::Unsupported(format!("operation `{}` has no {which} message", op.name))
        })?;
    let mut headers = Vec::new();
    for h in &sig.headers {
        match h.element_id {
            Some(e) => headers.push((h.name.clone(), e)),
            None => {
                return Err(TranslateError::Unsupported(format!(
                    "header part `{}` of `{}` names a type, not an element",
                    h.name, op.name
                )));
            }
        }
    }
    let encoded = op.use_ == Some(Use::Encoded);
    let body = match op.style {
        Some(Style::Rpc) => {
            let ns = sig.namespace.clone().unwrap_or_default();
            let local = if output {
                format!("{}Response", op.name)
            } else {
                op.name.clone()
            };
            let mut parts = Vec::new();
            for p in &sig.parts {
                let kind = match (p.type_id, p.element_id) {
                    (Some(t), _) => RpcPart::Type(t),
                    (None, Some(e)) => RpcPart::Element(e),
                    _ => {
                        return Err(TranslateError::Unsupported(format!(
                            "part `{}` is unresolved",
                            p.name
                        )));
                    }
                };
                parts.push((p.name.clone(), kind));
            }
            BodyLayout::Rpc {
                wrapper: QName::new(ns, local),
                parts,
            }
        }
        _ => {
            let mut parts = Vec::new();
            for p in &sig.parts {
                match p.element_id {
                    Some(e) => parts.push((p.name.clone(), e)),
                    None => {
                        return Err(TranslateError::Unsupported(format!(
                            "document-style part `{}` of `{}` names a type, not an element",
                            p.name, op.name
                        )));
                    }
                }
            }
            match parts.as_slice() {
                [(_, e)] => BodyLayout::Element(*e),
                _ => BodyLayout::Parts(parts),
            }
        }
    };
    Ok(MessageLayout {
        soap,
        encoded,
        body,
        headers,
    })
}

/// Finds an operation by name on a SOAP port of the contract: the named
/// port, or the first port that binds it.
pub fn find_operation(c: &Contract, name: &str, port: Option<&str>) -> Option<BoundOperation> {
    c.services()
        .flat_map(|s| s.ports.iter())
        .filter(|p| port.is_none_or(|want| p.name == want))
        .filter_map(|p| c.binding(&p.binding))
        .flat_map(|b| c.bound_operations(b))
        .find(|o| o.name == name && matches!(o.protocol, Protocol::Soap(_)))
}

pub fn envelope_ns(v: SoapVersion) -> &'static str {
    match v {
        SoapVersion::V11 => crate::ns::SOAP11_ENV,
        SoapVersion::V12 => crate::ns::SOAP12_ENV,
    }
}

/// Resolves rpc/encoded multi-reference values: every `href="#id"` accessor
/// takes the content of the element with that `id`, and the top-level
/// `multiRef`s are dropped from the Body. The result is a plain envelope
/// the streaming translator reads like any other. References that form a
/// cycle cannot be a JSON tree and are an error.
pub fn resolve_multirefs(
    envelope: &str,
    limits: &crate::xml::Limits,
) -> Result<String, TranslateError> {
    use std::collections::HashMap;

    use crate::xml::{self, Element};

    let mut root = xml::parse(envelope, limits).map_err(|e| TranslateError::Xml {
        offset: 0,
        detail: format!("line {}, column {}: {}", e.pos.line, e.pos.col, e.kind),
    })?;
    let Some(body_index) = root.children.iter().position(|c| c.name.local == "Body") else {
        return Ok(envelope.to_string());
    };
    let body = root.children[body_index].clone();
    // Copies are bounded: shared references (one value referenced ten
    // times, ten levels deep) would otherwise expand a 2 KB request into
    // billions of elements.
    let mut budget = limits.max_elements;
    fn size(el: &Element) -> usize {
        1 + el.children.iter().map(size).sum::<usize>()
    }
    fn charge(budget: &mut usize, n: usize) -> Result<(), TranslateError> {
        *budget = budget.checked_sub(n).ok_or_else(|| {
            TranslateError::Limit(
                "resolving the multi-reference values would create too many elements".into(),
            )
        })?;
        Ok(())
    }
    let mut ids: HashMap<String, Element> = HashMap::new();
    fn collect(
        el: &Element,
        ids: &mut HashMap<String, Element>,
        budget: &mut usize,
    ) -> Result<(), TranslateError> {
        if let Some(id) = el.attr("id") {
            charge(budget, size(el))?;
            ids.insert(id.to_string(), el.clone());
        }
        for c in &el.children {
            collect(c, ids, budget)?;
        }
        Ok(())
    }
    collect(&body, &mut ids, &mut budget)?;
    fn resolve(
        el: &mut Element,
        ids: &HashMap<String, Element>,
        stack: &mut Vec<String>,
        budget: &mut usize,
    ) -> Result<(), TranslateError> {
        if let Some(href) = el.attr("href").map(str::to_string) {
            let id = href.trim_start_matches('#').to_string();
            if stack.contains(&id) {
                return Err(TranslateError::Unsupported(format!(
                    "multi-reference `{href}` refers to itself through a cycle; a cycle has no JSON form"
                )));
            }
            let target = ids.get(&id).ok_or_else(|| {
                TranslateError::Unsupported(format!(
                    "multi-reference `{href}` has no element with id `{id}`"
                ))
            })?;
            el.attrs
                .retain(|a| !(a.name.ns.is_empty() && a.name.local == "href"));
            for a in &target.attrs {
                let is_id = a.name.ns.is_empty() && a.name.local == "id";
                let present = el.attrs.iter().any(|x| x.name == a.name);
                if !is_id && !present {
                    el.attrs.push(a.clone());
                }
            }
            charge(budget, size(target))?;
            el.children = target.children.clone();
            el.text = target.text.clone();
            // QName-valued attributes copied from the target resolve in its scope.
            el.scope = target.scope.clone();
            stack.push(id);
            for c in &mut el.children {
                resolve(c, ids, stack, budget)?;
            }
            stack.pop();
            return Ok(());
        }
        for c in &mut el.children {
            resolve(c, ids, stack, budget)?;
        }
        Ok(())
    }
    let mut new_body = body.clone();
    // Top-level elements with an `id` are multi-reference values, not parts of the message.
    new_body
        .children
        .retain(|c| c.attr("id").is_none() || c.attr("href").is_some());
    let mut stack = Vec::new();
    for c in &mut new_body.children {
        resolve(c, &ids, &mut stack, &mut budget)?;
    }
    root.children[body_index] = new_body;
    let mut out = String::with_capacity(envelope.len());
    let mut prefixes: Vec<(String, String)> = Vec::new();
    serialize(&root, &mut out, &mut prefixes, true);
    Ok(out)
}

/// Serializes a tree with every namespace declared on the root, rewriting
/// prefixes inside `xsi:type` values to the new ones.
fn serialize(
    el: &crate::xml::Element,
    out: &mut String,
    prefixes: &mut Vec<(String, String)>,
    root: bool,
) {
    use crate::ns;
    fn prefix(prefixes: &mut Vec<(String, String)>, uri: &str) -> String {
        if uri.is_empty() {
            return String::new();
        }
        if uri == ns::XML {
            return "xml".into();
        }
        if let Some((p, _)) = prefixes.iter().find(|(_, u)| u == uri) {
            return p.clone();
        }
        let p = format!("n{}", prefixes.len());
        prefixes.push((p.clone(), uri.to_string()));
        p
    }
    if root {
        // Collect all namespaces first, so the root declares them all.
        fn walk(el: &crate::xml::Element, prefixes: &mut Vec<(String, String)>) {
            prefix(prefixes, &el.name.ns);
            for a in &el.attrs {
                prefix(prefixes, &a.name.ns);
                if a.name.is(ns::XSI, "type")
                    && let Ok(q) = el.resolve_qname(&a.value)
                {
                    prefix(prefixes, &q.ns);
                }
            }
            for c in &el.children {
                walk(c, prefixes);
            }
        }
        walk(el, prefixes);
    }
    let qualified = |prefixes: &mut Vec<(String, String)>, q: &QName| -> String {
        let p = prefix(prefixes, &q.ns);
        if p.is_empty() {
            q.local.clone()
        } else {
            format!("{p}:{}", q.local)
        }
    };
    let name = qualified(prefixes, &el.name);
    out.push('<');
    out.push_str(&name);
    if root {
        for (p, u) in prefixes.iter() {
            out.push_str(&format!(" xmlns:{p}=\""));
            crate::xml::escape::attr(out, u);
            out.push('"');
        }
    }
    for a in &el.attrs {
        let an = qualified(prefixes, &a.name);
        let value = if a.name.is(ns::XSI, "type") {
            match el.resolve_qname(&a.value) {
                Ok(q) => qualified(prefixes, &q),
                Err(_) => a.value.clone(),
            }
        } else {
            a.value.clone()
        };
        out.push(' ');
        out.push_str(&an);
        out.push_str("=\"");
        crate::xml::escape::attr(out, &value);
        out.push('"');
    }
    if el.children.is_empty() && el.text.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    crate::xml::escape::text(out, &el.text);
    for c in &el.children {
        serialize(c, out, prefixes, false);
    }
    out.push_str("</");
    out.push_str(&name);
    out.push('>');
}

/// One element of a parsed tree as a standalone document, every namespace
/// it uses declared on it (a SOAP fault's detail element, say).
pub fn element_to_xml(el: &crate::xml::Element) -> String {
    let mut out = String::new();
    let mut prefixes: Vec<(String, String)> = Vec::new();
    serialize(el, &mut out, &mut prefixes, true);
    out
}
