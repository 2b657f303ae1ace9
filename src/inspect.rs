//! `soapbridge inspect`: what a contract offers, for a person or a tool.
//!
//! The JSON form is described by `schemas/inspect.schema.json`; tools may
//! rely on its keys. The text form is compact: one line per operation
//! message, showing the fields of wrapper elements with their types.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::contract::{BoundOperation, Contract, Finding, MessageSignature, PartSignature};
use crate::qname::QName;
use crate::schema::{
    Compositor, Content, MaxOccurs, Particle, Schema, Term, TypeDef, TypeId, Variety,
};

fn q(name: &Option<QName>) -> Value {
    name.as_ref()
        .map_or(Value::Null, |n| Value::String(n.to_string()))
}

fn findings_json(f: &[Finding]) -> Value {
    serde_json::to_value(f).unwrap_or(Value::Null)
}

fn part_json(p: &PartSignature) -> Value {
    let mut v = json!({
        "name": p.name,
        "element": q(&p.element),
        "type": q(&p.type_name),
    });
    if let Some(m) = &p.message {
        v["message"] = Value::String(m.to_string());
    }
    v
}

fn message_json(m: &Option<MessageSignature>) -> Value {
    let Some(m) = m else { return Value::Null };
    json!({
        "message": m.message.to_string(),
        "element": q(&m.element),
        "parts": m.parts.iter().map(part_json).collect::<Vec<_>>(),
        "headers": m.headers.iter().map(part_json).collect::<Vec<_>>(),
        "namespace": m.namespace,
        "action": m.action,
    })
}

fn operation_json(op: &BoundOperation) -> Value {
    json!({
        "name": op.name,
        "style": op.style.map(|s| s.as_str()),
        "use": op.use_.map(|u| u.as_str()),
        "wrapped": op.wrapped,
        "soap_action": op.soap_action,
        "one_way": op.one_way,
        "input": message_json(&op.input),
        "output": message_json(&op.output),
        "faults": op.faults.iter().map(|f| json!({
            "name": f.name,
            "message": f.message.to_string(),
            "element": q(&f.element),
        })).collect::<Vec<_>>(),
        "documentation": op.documentation,
        "coverage": findings_json(&op.findings),
    })
}

/// The machine-readable description (`inspect --json`).
pub fn to_json(c: &Contract) -> Value {
    let services: Vec<Value> = c
        .services()
        .map(|s| {
            let ports: Vec<Value> = s
                .ports
                .iter()
                .map(|p| {
                    let binding = c.binding(&p.binding);
                    let ops: Vec<Value> = binding
                        .map(|b| c.bound_operations(b).iter().map(operation_json).collect())
                        .unwrap_or_default();
                    json!({
                        "name": p.name,
                        "binding": p.binding.to_string(),
                        "soap_version": c.soap_version(p).map(|v| v.as_str()),
                        "address": p.address,
                        "transport": binding.and_then(|b| b.transport.clone()),
                        "operations": ops,
                    })
                })
                .collect();
            json!({
                "name": s.name.local,
                "namespace": s.name.ns,
                "documentation": s.documentation,
                "ports": ports,
            })
        })
        .collect();
    json!({
        "contract": c.path.as_ref(),
        "target_namespace": c.definitions.target_namespace,
        "documents": c.documents.iter().filter(|d| !d.builtin).map(|d| json!({
            "name": d.name.as_ref(),
            "kind": if d.is_wsdl { "wsdl" } else { "xsd" },
            "target_namespace": d.target_namespace,
        })).collect::<Vec<_>>(),
        "builtin_schemas": c.documents.iter().filter(|d| d.builtin).map(|d| d.name.as_ref()).collect::<Vec<_>>(),
        "services": services,
        "coverage": findings_json(&c.findings),
    })
}

/// Every finding in the contract: contract-wide ones and per operation.
pub fn all_findings(c: &Contract) -> Vec<(String, Finding)> {
    let mut out: Vec<(String, Finding)> = c
        .findings
        .iter()
        .map(|f| ("contract".to_string(), f.clone()))
        .collect();
    for s in c.services() {
        for p in &s.ports {
            if let Some(b) = c.binding(&p.binding) {
                for op in c.bound_operations(b) {
                    for f in op.findings {
                        out.push((format!("{}/{}/{}", s.name.local, p.name, op.name), f));
                    }
                }
            }
        }
    }
    out
}

/// The human-readable description (`inspect`).
pub fn to_text(c: &Contract) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "contract {}", c.path);
    let _ = writeln!(out, "  namespace {}", c.definitions.target_namespace);
    let docs: Vec<&str> = c
        .documents
        .iter()
        .skip(1)
        .filter(|d| !d.builtin)
        .map(|d| d.name.as_ref())
        .collect();
    if !docs.is_empty() {
        let _ = writeln!(out, "  imports   {}", docs.join(", "));
    }
    let builtins: Vec<&str> = c
        .documents
        .iter()
        .filter(|d| d.builtin)
        .map(|d| d.name.as_ref())
        .collect();
    if !builtins.is_empty() {
        let _ = writeln!(out, "  built-in  {}", builtins.join(", "));
    }
    for f in &c.findings {
        let _ = writeln!(out, "  ! {}: {}", f.construct, f.detail);
    }
    for s in c.services() {
        let _ = writeln!(out, "\nservice {}", s.name.local);
        for p in &s.ports {
            let version = match c.soap_version(p) {
                Some(v) => format!("SOAP {}", v.as_str()),
                None => "not SOAP".to_string(),
            };
            let _ = writeln!(
                out,
                "  port {}  {}  {}",
                p.name,
                version,
                p.address.as_deref().unwrap_or("(no address)")
            );
            let _ = writeln!(out, "    binding {}", p.binding);
            let Some(b) = c.binding(&p.binding) else {
                continue;
            };
            for op in c.bound_operations(b) {
                operation_text(&mut out, c, &op);
            }
        }
    }
    out
}

fn operation_text(out: &mut String, c: &Contract, op: &BoundOperation) {
    let mut head = format!("    {}", op.name);
    if let (Some(style), Some(use_)) = (op.style, op.use_) {
        let _ = write!(head, "  {}/{}", style.as_str(), use_.as_str());
        if op.wrapped {
            head.push_str(" wrapped");
        }
    }
    if op.one_way {
        head.push_str("  one-way");
    }
    if let Some(a) = op.soap_action.as_deref().filter(|a| !a.is_empty()) {
        let _ = write!(head, "  action {a}");
    }
    let _ = writeln!(out, "{head}");
    for (label, sig) in [("in ", &op.input), ("out", &op.output)] {
        if let Some(sig) = sig {
            let _ = writeln!(out, "      {label}  {}", signature_text(c, sig, op.wrapped));
            for h in &sig.headers {
                let _ = writeln!(out, "      hdr  {}", part_text(&c.schema, h, false));
            }
        }
    }
    for f in &op.faults {
        let detail = match &f.element {
            Some(e) => element_text(&c.schema, e),
            None => format!("(message {})", f.message.local),
        };
        let _ = writeln!(out, "      fault {}: {detail}", f.name);
    }
    for f in &op.findings {
        let _ = writeln!(out, "      ! {}: {}", f.construct, f.detail);
    }
}

fn signature_text(c: &Contract, sig: &MessageSignature, wrapped: bool) -> String {
    if (wrapped || sig.element.is_some())
        && let Some(e) = &sig.element
    {
        return element_text(&c.schema, e);
    }
    let parts: Vec<String> = sig
        .parts
        .iter()
        .map(|p| part_text(&c.schema, p, true))
        .collect();
    format!("({})", parts.join(", "))
}

fn part_text(schema: &Schema, p: &PartSignature, name: bool) -> String {
    let ty = match (&p.element, p.type_id) {
        (Some(e), _) => element_text(schema, e),
        (None, Some(t)) => type_text(schema, t, 1),
        _ => "?".into(),
    };
    if name {
        format!("{}: {ty}", p.name)
    } else {
        ty
    }
}

/// `Name { field: type, ... }` for an element, one level of fields.
fn element_text(schema: &Schema, name: &QName) -> String {
    match schema.global_element(name) {
        Some(id) => {
            let decl = schema.element(id);
            format!("{} {}", name.local, type_text(schema, decl.type_id, 1))
        }
        None => name.local.clone(),
    }
}

/// A type: its name when it has one (with the fields of complex types at the
/// top level), or its shape when anonymous.
fn type_text(schema: &Schema, id: TypeId, depth: usize) -> String {
    let def = schema.ty(id);
    let named = def.name().map(|n| n.local.clone());
    match def {
        TypeDef::Simple(st) => named.unwrap_or_else(|| match &st.variety {
            Variety::Atomic(b) => match &st.facets.enumeration {
                Some(values) if values.len() <= 5 => values.join("|"),
                Some(values) => format!("{}|...({} values)", values[..4].join("|"), values.len()),
                None => b.name().to_string(),
            },
            Variety::List(item) => format!("list<{}>", type_text(schema, *item, depth)),
            Variety::Union(members) => members
                .iter()
                .map(|m| type_text(schema, *m, depth))
                .collect::<Vec<_>>()
                .join(" | "),
        }),
        TypeDef::Complex(ct) => {
            if depth == 0 {
                return named.unwrap_or_else(|| "{...}".into());
            }
            let mut fields = Vec::new();
            for a in &ct.attributes {
                let opt = if a.required { "" } else { "?" };
                fields.push(format!(
                    "@{}{opt}: {}",
                    a.name.local,
                    type_text(schema, a.type_id, 0)
                ));
            }
            match &ct.content {
                Content::Simple(v) => fields.push(format!("$value: {}", type_text(schema, *v, 0))),
                Content::Elements(p) => particle_text(schema, p, &mut fields),
                Content::Empty => {}
            }
            if let Some(a) = &ct.soap_array {
                return format!("{}[]", type_text(schema, a.item_type, 0));
            }
            let body = if fields.is_empty() {
                "{}".to_string()
            } else {
                format!("{{ {} }}", fields.join(", "))
            };
            match named {
                Some(n) => format!("{n} {body}"),
                None => body,
            }
        }
    }
}

fn occurs(min: u32, max: MaxOccurs) -> (&'static str, String) {
    let opt = if min == 0 && !max.repeats() { "?" } else { "" };
    let rep = match (min, max) {
        (_, MaxOccurs::Bounded(0 | 1)) => String::new(),
        (0 | 1, MaxOccurs::Unbounded) => "[]".into(),
        (m, MaxOccurs::Unbounded) => format!("[{m}..]"),
        (m, MaxOccurs::Bounded(n)) => format!("[{m}..{n}]"),
    };
    (opt, rep)
}

fn particle_text(schema: &Schema, p: &Particle, fields: &mut Vec<String>) {
    let (opt, rep) = occurs(p.min, p.max);
    match &p.term {
        Term::Element(e) => {
            let decl = schema.element(*e);
            let nil = if decl.nillable { " | null" } else { "" };
            let subs = schema.substitutes.get(e).map(|s| s.len()).unwrap_or(0);
            let subs = if subs > 0 {
                format!(" (+{subs} substitutes)")
            } else {
                String::new()
            };
            fields.push(format!(
                "{}{opt}: {}{rep}{nil}{subs}",
                decl.name.local,
                type_text(schema, decl.type_id, 0)
            ));
        }
        Term::Any(_) => fields.push(format!("any{opt}{rep}")),
        Term::Group(g) => {
            let flat = g.compositor != Compositor::Choice && !p.max.repeats() && p.min == 1;
            if flat {
                for c in &g.particles {
                    particle_text(schema, c, fields);
                }
            } else {
                let mut inner = Vec::new();
                for c in &g.particles {
                    particle_text(schema, c, &mut inner);
                }
                let sep = if g.compositor == Compositor::Choice {
                    " | "
                } else {
                    ", "
                };
                fields.push(format!("({}){opt}{rep}", inner.join(sep)));
            }
        }
    }
}
