//! The coverage report: constructs an operation uses that soapbridge cannot
//! bridge losslessly.
//!
//! Gateways publish partial APIs silently when a contract uses a construct
//! they skip; soapbridge names every such construct per operation instead,
//! and `inspect --strict` (later `check --strict`) fails on any. An empty
//! list is the goal and the normal case.

use std::collections::HashSet;

use serde::Serialize;

use super::{BoundOperation, Contract};
use crate::schema::{Content, Particle, Term, TypeDef, TypeId};
use crate::wsdl::{
    Binding, BindingOperation, Operation, OperationKind, PartKind, Protocol, Style, Use,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable identifier of the construct, e.g. `mime-attachments`.
    pub construct: String,
    /// What exactly, for a person.
    pub detail: String,
}

impl Finding {
    pub fn new(construct: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding {
            construct: construct.into(),
            detail: detail.into(),
        }
    }
}

pub(super) fn operation_findings(
    contract: &Contract,
    binding: &Binding,
    op: &Operation,
    bop: Option<&BindingOperation>,
    bound: &BoundOperation,
    overloaded: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    match &binding.protocol {
        Protocol::Soap(_) => {
            // soapbridge speaks SOAP over HTTP; SOAP over JMS or MQ is not bridged.
            let http = [
                crate::ns::SOAP_HTTP_TRANSPORT,
                "http://www.w3.org/2003/05/soap/bindings/HTTP/",
            ];
            if let Some(t) = &binding.transport
                && !http.contains(&t.trim_end_matches('/'))
                && !http
                    .iter()
                    .any(|h| h.trim_end_matches('/') == t.trim_end_matches('/'))
            {
                out.push(Finding::new(
                    "non-http-transport",
                    format!(
                        "binding `{}` uses the transport `{t}`; soapbridge bridges SOAP over HTTP",
                        binding.name
                    ),
                ));
            }
        }
        Protocol::Http { verb } => out.push(Finding::new(
            "http-binding",
            format!("HTTP {verb} binding: soapbridge bridges SOAP bindings only"),
        )),
        Protocol::Other(ns) => out.push(Finding::new(
            "unknown-binding",
            format!("binding extension `{ns}` is not SOAP 1.1 or 1.2"),
        )),
    }
    match op.kind {
        OperationKind::SolicitResponse | OperationKind::Notification => out.push(Finding::new(
            "outbound-operation",
            format!(
                "{} operations (the service calls the client) are not bridged",
                if op.kind == OperationKind::Notification {
                    "notification"
                } else {
                    "solicit-response"
                }
            ),
        )),
        _ => {}
    }
    if overloaded {
        out.push(Finding::new(
            "overloaded-operation",
            format!("several operations are named `{}` in one portType", op.name),
        ));
    }
    let soap = matches!(binding.protocol, Protocol::Soap(_));
    let Some(bop) = bop else {
        if soap {
            out.push(Finding::new(
                "unbound-operation",
                format!("binding `{}` does not bind this operation", binding.name),
            ));
        }
        return out;
    };
    if soap {
        for (label, bm, present) in [
            ("input", &bop.input, op.input.is_some()),
            ("output", &bop.output, op.output.is_some()),
        ] {
            match bm {
                Some(bm) if bm.mime => out.push(Finding::new(
                    "mime-attachments",
                    format!("the {label} is bound as MIME multipart (SOAP with attachments); attachments are not translated"),
                )),
                Some(bm) if bm.body.is_none() => out.push(Finding::new(
                    "missing-soap-body",
                    format!("the {label} has no soap:body binding"),
                )),
                None if present => out.push(Finding::new(
                    "missing-soap-body",
                    format!("the {label} is not bound"),
                )),
                _ => {}
            }
            if let Some(bm) = bm {
                for h in bm.headers.iter().filter(|h| h.use_ == Use::Encoded) {
                    out.push(Finding::new(
                        "encoded-header",
                        format!("header part `{}` uses use=\"encoded\"", h.part),
                    ));
                }
            }
        }
    }
    if bound.style == Some(Style::Document) {
        for sig in bound.input.iter().chain(bound.output.iter()) {
            for p in sig.parts.iter().filter(|p| p.type_name.is_some()) {
                out.push(Finding::new(
                    "document-part-type",
                    format!(
                        "document-style part `{}` of `{}` names a type, not an element; its XML element name is not defined by the contract",
                        p.name, sig.message
                    ),
                ));
            }
        }
    }
    for f in &op.faults {
        let Some(m) = contract.definitions.messages.get(&f.message) else {
            continue;
        };
        match m.parts.as_slice() {
            [p] if matches!(p.kind, PartKind::Element { .. }) => {}
            [_] => out.push(Finding::new(
                "fault-part-type",
                format!("fault `{}`: its part names a type, not an element, so its detail element is not defined", f.name),
            )),
            parts => out.push(Finding::new(
                "fault-parts",
                format!("fault `{}` has {} parts; a fault detail carries exactly one element", f.name, parts.len()),
            )),
        }
    }
    if bound.use_ == Some(Use::Encoded) {
        let roots = bound
            .input
            .iter()
            .chain(bound.output.iter())
            .flat_map(|s| s.parts.iter())
            .filter_map(|p| {
                p.type_id
                    .or(p.element_id.map(|e| contract.schema.element(e).type_id))
            });
        for ty in reachable_types(contract, roots) {
            if let TypeDef::Complex(ct) = contract.schema.ty(ty) {
                let label = contract.schema.type_label(ty);
                let is_array = ct.base.is_some_and(|b| {
                    contract.schema.ty(b).name()
                        == Some(&crate::qname::QName::new(crate::ns::SOAP11_ENC, "Array"))
                });
                match &ct.soap_array {
                    Some(a) if a.ranks.len() > 1 || a.ranks.iter().any(|r| *r > 1) => out.push(Finding::new(
                        "soapenc-multidimensional-array",
                        format!("SOAP-ENC array `{label}` has several dimensions; only one-dimensional arrays are translated"),
                    )),
                    None if is_array => out.push(Finding::new(
                        "soapenc-untyped-array",
                        format!("SOAP-ENC array `{label}` declares no item type (wsdl:arrayType)"),
                    )),
                    _ => {}
                }
            }
        }
    }
    out
}

/// Every type reachable from `roots` through elements and attributes.
fn reachable_types(contract: &Contract, roots: impl Iterator<Item = TypeId>) -> Vec<TypeId> {
    let schema = &contract.schema;
    let mut seen = HashSet::new();
    let mut stack: Vec<TypeId> = roots.collect();
    let mut out = Vec::new();
    while let Some(t) = stack.pop() {
        if !seen.insert(t) {
            continue;
        }
        out.push(t);
        if let TypeDef::Complex(ct) = schema.ty(t) {
            for a in &ct.attributes {
                stack.push(a.type_id);
            }
            if let Some(a) = &ct.soap_array {
                stack.push(a.item_type);
            }
            match &ct.content {
                Content::Simple(v) => stack.push(*v),
                Content::Elements(p) => particle_types(contract, p, &mut stack),
                Content::Empty => {}
            }
        }
    }
    out
}

fn particle_types(contract: &Contract, p: &Particle, stack: &mut Vec<TypeId>) {
    match &p.term {
        Term::Element(e) => {
            stack.push(contract.schema.element(*e).type_id);
            if let Some(subs) = contract.schema.substitutes.get(e) {
                stack.extend(subs.iter().map(|s| contract.schema.element(*s).type_id));
            }
        }
        Term::Group(g) => {
            for c in &g.particles {
                particle_types(contract, c, stack);
            }
        }
        Term::Any(_) => {}
    }
}
