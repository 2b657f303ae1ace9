//! Builds [`Definitions`] from WSDL documents, resolving every reference.
//!
//! Like the schema builder it registers first and resolves second, and it
//! collects errors: an unresolved message, portType, binding, element or type
//! is reported with `file:line:column` and the missing QName.

use std::sync::Arc;

use super::model::*;
use crate::contract::error::{LoadError, LoadErrorKind, Location, RefKind};
use crate::ns;
use crate::qname::QName;
use crate::schema::Schema;
use crate::xml::Element;

/// A `wsdl:definitions` element and where it came from.
pub struct WsdlDoc<'a> {
    pub root: &'a Element,
    pub file: Arc<str>,
}

/// WS-Addressing WSDL binding namespaces that carry `Action` on input/output.
const WSAW: &str = "http://www.w3.org/2006/05/addressing/wsdl";

pub fn build(docs: &[WsdlDoc<'_>], schema: &Schema) -> (Definitions, Vec<LoadError>) {
    let mut b = Builder {
        schema,
        defs: Definitions::default(),
        errors: Vec::new(),
    };
    if let Some(first) = docs.first() {
        b.defs.target_namespace = first
            .root
            .attr("targetNamespace")
            .unwrap_or_default()
            .to_string();
        b.defs.documentation = documentation(first.root);
    }
    // Messages and portTypes first, so bindings can check against them.
    for doc in docs {
        b.messages(doc);
    }
    for doc in docs {
        b.port_types(doc);
    }
    for doc in docs {
        b.bindings(doc);
    }
    for doc in docs {
        b.services(doc);
    }
    b.check_references();
    (b.defs, b.errors)
}

struct Builder<'s> {
    schema: &'s Schema,
    defs: Definitions,
    errors: Vec<LoadError>,
}

fn documentation(el: &Element) -> Option<String> {
    el.child(ns::WSDL, "documentation")
        .map(|d| d.deep_text().trim().to_string())
        .filter(|t| !t.is_empty())
}

fn tns(doc: &WsdlDoc<'_>) -> String {
    doc.root
        .attr("targetNamespace")
        .unwrap_or_default()
        .to_string()
}

impl Builder<'_> {
    fn loc(doc: &WsdlDoc<'_>, el: &Element) -> Location {
        Location::new(&doc.file, el.pos)
    }

    fn qname(&mut self, doc: &WsdlDoc<'_>, el: &Element, value: &str) -> Option<QName> {
        match el.resolve_qname(value) {
            Ok(q) => Some(q),
            Err(kind) => {
                self.errors
                    .push(LoadError::at(Self::loc(doc, el), kind.into()));
                None
            }
        }
    }

    fn required<'e>(&mut self, doc: &WsdlDoc<'_>, el: &'e Element, attr: &str) -> Option<&'e str> {
        let v = el.attr(attr);
        if v.is_none() {
            self.errors.push(LoadError::invalid(
                Self::loc(doc, el),
                format!("wsdl:{}", el.name.local),
                format!("missing attribute `{attr}`"),
            ));
        }
        v
    }

    fn duplicate(&mut self, kind: RefKind, name: &QName, here: Location, first: &Location) {
        self.errors.push(LoadError::at(
            here,
            LoadErrorKind::Duplicate {
                kind,
                name: name.clone(),
                first: first.clone(),
            },
        ));
    }

    fn unresolved(&mut self, at: Location, kind: RefKind, name: QName) {
        self.errors
            .push(LoadError::at(at, LoadErrorKind::Unresolved { kind, name }));
    }

    fn messages(&mut self, doc: &WsdlDoc<'_>) {
        let tns = tns(doc);
        for m in doc
            .root
            .children
            .iter()
            .filter(|c| c.is(ns::WSDL, "message"))
        {
            let Some(local) = self.required(doc, m, "name") else {
                continue;
            };
            let name = QName::new(tns.clone(), local);
            let here = Self::loc(doc, m);
            if let Some(prev) = self.defs.messages.get(&name) {
                let first = prev.location.clone();
                self.duplicate(RefKind::Message, &name, here, &first);
                continue;
            }
            let mut parts = Vec::new();
            for p in m.children.iter().filter(|c| c.is(ns::WSDL, "part")) {
                let Some(pname) = self.required(doc, p, "name") else {
                    continue;
                };
                let at = Self::loc(doc, p);
                let kind = match (p.attr("element"), p.attr("type")) {
                    (Some(e), _) => match self.qname(doc, p, e) {
                        Some(q) => match self.schema.global_element(&q) {
                            Some(id) => PartKind::Element { name: q, id },
                            None => {
                                self.unresolved(at.clone(), RefKind::Element, q);
                                PartKind::Unresolved
                            }
                        },
                        None => PartKind::Unresolved,
                    },
                    (None, Some(t)) => match self.qname(doc, p, t) {
                        Some(q) => match self.schema.global_type(&q) {
                            Some(id) => PartKind::Type { name: q, id },
                            None => {
                                self.unresolved(at.clone(), RefKind::Type, q);
                                PartKind::Unresolved
                            }
                        },
                        None => PartKind::Unresolved,
                    },
                    (None, None) => {
                        self.errors.push(LoadError::invalid(
                            at.clone(),
                            "wsdl:part",
                            format!("part `{pname}` needs `element` or `type`"),
                        ));
                        PartKind::Unresolved
                    }
                };
                if parts.iter().any(|x: &Part| x.name == pname) {
                    self.errors.push(LoadError::invalid(
                        at.clone(),
                        "wsdl:part",
                        format!("duplicate part `{pname}` in message `{name}`"),
                    ));
                    continue;
                }
                parts.push(Part {
                    name: pname.to_string(),
                    kind,
                    location: at,
                });
            }
            self.defs.messages.insert(
                name.clone(),
                Message {
                    name,
                    parts,
                    location: here,
                },
            );
        }
    }

    fn message_ref(&mut self, doc: &WsdlDoc<'_>, el: &Element) -> Option<MessageRef> {
        let m = self.required(doc, el, "message")?;
        let message = self.qname(doc, el, m)?;
        Some(MessageRef {
            name: el.attr("name").map(str::to_string),
            message,
            action: el
                .attr_ns(ns::WSAM, "Action")
                .or_else(|| el.attr_ns(WSAW, "Action"))
                .map(str::to_string),
        })
    }

    fn port_types(&mut self, doc: &WsdlDoc<'_>) {
        let tns = tns(doc);
        for pt in doc
            .root
            .children
            .iter()
            .filter(|c| c.is(ns::WSDL, "portType"))
        {
            let Some(local) = self.required(doc, pt, "name") else {
                continue;
            };
            let name = QName::new(tns.clone(), local);
            let here = Self::loc(doc, pt);
            if let Some(prev) = self.defs.port_types.get(&name) {
                let first = prev.location.clone();
                self.duplicate(RefKind::PortType, &name, here, &first);
                continue;
            }
            let mut operations = Vec::new();
            for op in pt.children.iter().filter(|c| c.is(ns::WSDL, "operation")) {
                let Some(opname) = self.required(doc, op, "name") else {
                    continue;
                };
                let ios: Vec<&Element> = op
                    .children
                    .iter()
                    .filter(|c| c.is(ns::WSDL, "input") || c.is(ns::WSDL, "output"))
                    .collect();
                let kind = match ios
                    .iter()
                    .map(|e| e.name.local.as_str())
                    .collect::<Vec<_>>()[..]
                {
                    ["input", "output"] => OperationKind::RequestResponse,
                    ["input"] => OperationKind::OneWay,
                    ["output", "input"] => OperationKind::SolicitResponse,
                    ["output"] => OperationKind::Notification,
                    _ => {
                        self.errors.push(LoadError::invalid(
                            Self::loc(doc, op),
                            "wsdl:operation",
                            format!("operation `{opname}` needs input and/or output, once each"),
                        ));
                        continue;
                    }
                };
                let input = match op.child(ns::WSDL, "input") {
                    Some(i) => self.message_ref(doc, i),
                    None => None,
                };
                let output = match op.child(ns::WSDL, "output") {
                    Some(o) => self.message_ref(doc, o),
                    None => None,
                };
                let mut faults = Vec::new();
                for f in op.children.iter().filter(|c| c.is(ns::WSDL, "fault")) {
                    let (Some(fname), Some(r)) =
                        (self.required(doc, f, "name"), self.message_ref(doc, f))
                    else {
                        continue;
                    };
                    faults.push(FaultRef {
                        name: fname.to_string(),
                        message: r.message,
                        action: r.action,
                    });
                }
                operations.push(Operation {
                    name: opname.to_string(),
                    kind,
                    input,
                    output,
                    faults,
                    parameter_order: op
                        .attr("parameterOrder")
                        .map(|s| s.split_whitespace().map(str::to_string).collect()),
                    documentation: documentation(op),
                    location: Self::loc(doc, op),
                });
            }
            self.defs.port_types.insert(
                name.clone(),
                PortType {
                    name,
                    operations,
                    location: here,
                },
            );
        }
    }

    fn bindings(&mut self, doc: &WsdlDoc<'_>) {
        let tns = tns(doc);
        for b in doc
            .root
            .children
            .iter()
            .filter(|c| c.is(ns::WSDL, "binding"))
        {
            let (Some(local), Some(ty)) =
                (self.required(doc, b, "name"), self.required(doc, b, "type"))
            else {
                continue;
            };
            let Some(port_type) = self.qname(doc, b, ty) else {
                continue;
            };
            let name = QName::new(tns.clone(), local);
            let here = Self::loc(doc, b);
            if let Some(prev) = self.defs.bindings.get(&name) {
                let first = prev.location.clone();
                self.duplicate(RefKind::Binding, &name, here, &first);
                continue;
            }
            let ext = b
                .children
                .iter()
                .find(|c| c.name.local == "binding" && c.name.ns != ns::WSDL);
            let (protocol, style, transport) = match ext {
                Some(e) if e.name.ns == ns::WSDL_SOAP11 || e.name.ns == ns::WSDL_SOAP12 => {
                    let v = if e.name.ns == ns::WSDL_SOAP11 {
                        SoapVersion::V11
                    } else {
                        SoapVersion::V12
                    };
                    (
                        Protocol::Soap(v),
                        self.style(doc, e),
                        e.attr("transport").map(str::to_string),
                    )
                }
                Some(e) if e.name.ns == ns::WSDL_HTTP => (
                    Protocol::Http {
                        verb: e.attr("verb").unwrap_or("GET").to_string(),
                    },
                    None,
                    None,
                ),
                Some(e) => (Protocol::Other(e.name.ns.clone()), None, None),
                None => (Protocol::Other(String::new()), None, None),
            };
            let soap_ns = match &protocol {
                Protocol::Soap(SoapVersion::V11) => Some(ns::WSDL_SOAP11),
                Protocol::Soap(SoapVersion::V12) => Some(ns::WSDL_SOAP12),
                _ => None,
            };
            let mut operations = Vec::new();
            for op in b.children.iter().filter(|c| c.is(ns::WSDL, "operation")) {
                let Some(opname) = self.required(doc, op, "name") else {
                    continue;
                };
                let soap_op = soap_ns.and_then(|sns| op.child(sns, "operation"));
                let input = op
                    .child(ns::WSDL, "input")
                    .map(|i| self.binding_message(doc, i, soap_ns));
                let output = op
                    .child(ns::WSDL, "output")
                    .map(|o| self.binding_message(doc, o, soap_ns));
                let mut faults = Vec::new();
                for f in op.children.iter().filter(|c| c.is(ns::WSDL, "fault")) {
                    let Some(fname) = self.required(doc, f, "name") else {
                        continue;
                    };
                    let sf = soap_ns.and_then(|sns| f.child(sns, "fault"));
                    faults.push(BindingFault {
                        name: fname.to_string(),
                        use_: sf.map(|s| self.use_(doc, s)).unwrap_or(Use::Literal),
                        namespace: sf.and_then(|s| s.attr("namespace")).map(str::to_string),
                    });
                }
                operations.push(BindingOperation {
                    name: opname.to_string(),
                    soap_action: soap_op
                        .and_then(|s| s.attr("soapAction"))
                        .map(str::to_string),
                    style: soap_op.and_then(|s| self.style(doc, s)),
                    input,
                    output,
                    faults,
                    location: Self::loc(doc, op),
                });
            }
            self.defs.bindings.insert(
                name.clone(),
                Binding {
                    name,
                    port_type,
                    protocol,
                    style,
                    transport,
                    operations,
                    location: here,
                },
            );
        }
    }

    fn style(&mut self, doc: &WsdlDoc<'_>, el: &Element) -> Option<Style> {
        match el.attr("style").map(str::trim) {
            None => None,
            Some("document") => Some(Style::Document),
            Some("rpc") => Some(Style::Rpc),
            Some(other) => {
                self.errors.push(LoadError::invalid(
                    Self::loc(doc, el),
                    "style",
                    format!("`{other}` is neither `document` nor `rpc`"),
                ));
                None
            }
        }
    }

    fn use_(&mut self, doc: &WsdlDoc<'_>, el: &Element) -> Use {
        match el.attr("use").map(str::trim) {
            None | Some("literal") => Use::Literal,
            Some("encoded") => Use::Encoded,
            Some(other) => {
                self.errors.push(LoadError::invalid(
                    Self::loc(doc, el),
                    "use",
                    format!("`{other}` is neither `literal` nor `encoded`"),
                ));
                Use::Literal
            }
        }
    }

    fn binding_message(
        &mut self,
        doc: &WsdlDoc<'_>,
        el: &Element,
        soap_ns: Option<&str>,
    ) -> BindingMessage {
        let mut out = BindingMessage {
            name: el.attr("name").map(str::to_string),
            ..BindingMessage::default()
        };
        let Some(sns) = soap_ns else {
            return out;
        };
        // SOAP with attachments nests the soap:body in the first mime:part.
        let mime = el.child(ns::WSDL_MIME, "multipartRelated");
        out.mime = mime.is_some();
        let mut holders: Vec<&Element> = vec![el];
        if let Some(m) = mime {
            holders.extend(m.children.iter().filter(|c| c.is(ns::WSDL_MIME, "part")));
        }
        for holder in holders {
            for c in holder.children_in(sns) {
                match c.name.local.as_str() {
                    "body" if out.body.is_none() => {
                        out.body = Some(SoapBody {
                            use_: self.use_(doc, c),
                            namespace: c.attr("namespace").map(str::to_string),
                            parts: c
                                .attr("parts")
                                .map(|s| s.split_whitespace().map(str::to_string).collect()),
                            encoding_style: c.attr("encodingStyle").map(str::to_string),
                        })
                    }
                    "header" => {
                        let (Some(m), Some(part)) = (
                            self.required(doc, c, "message"),
                            self.required(doc, c, "part"),
                        ) else {
                            continue;
                        };
                        let Some(message) = self.qname(doc, c, m) else {
                            continue;
                        };
                        out.headers.push(SoapHeader {
                            message,
                            part: part.to_string(),
                            use_: self.use_(doc, c),
                            namespace: c.attr("namespace").map(str::to_string),
                            location: Self::loc(doc, c),
                        });
                    }
                    _ => {}
                }
            }
        }
        out
    }

    fn services(&mut self, doc: &WsdlDoc<'_>) {
        let tns = tns(doc);
        for s in doc
            .root
            .children
            .iter()
            .filter(|c| c.is(ns::WSDL, "service"))
        {
            let Some(local) = self.required(doc, s, "name") else {
                continue;
            };
            let name = QName::new(tns.clone(), local);
            let here = Self::loc(doc, s);
            if self.defs.services.contains_key(&name) {
                let first = self.defs.services[&name].location.clone();
                self.errors.push(LoadError::at(
                    here,
                    LoadErrorKind::Invalid {
                        what: "wsdl:service".into(),
                        detail: format!("duplicate service `{name}` (first defined at {first})"),
                    },
                ));
                continue;
            }
            let mut ports = Vec::new();
            for p in s.children.iter().filter(|c| c.is(ns::WSDL, "port")) {
                let (Some(pname), Some(b)) = (
                    self.required(doc, p, "name"),
                    self.required(doc, p, "binding"),
                ) else {
                    continue;
                };
                let Some(binding) = self.qname(doc, p, b) else {
                    continue;
                };
                let address = p
                    .children
                    .iter()
                    .find(|c| c.name.local == "address" && c.name.ns != ns::WSDL)
                    .and_then(|a| a.attr("location"))
                    .map(str::to_string);
                ports.push(Port {
                    name: pname.to_string(),
                    binding,
                    address,
                    location: Self::loc(doc, p),
                });
            }
            self.defs.services.insert(
                name.clone(),
                Service {
                    name,
                    ports,
                    documentation: documentation(s),
                    location: here,
                },
            );
        }
    }

    /// Cross-component references: operations' messages, bindings' portTypes
    /// and operations, headers' messages and parts, ports' bindings.
    fn check_references(&mut self) {
        let mut errs = Vec::new();
        for pt in self.defs.port_types.values() {
            for op in &pt.operations {
                let refs = op
                    .input
                    .iter()
                    .chain(op.output.iter())
                    .map(|r| &r.message)
                    .chain(op.faults.iter().map(|f| &f.message));
                for m in refs {
                    if !self.defs.messages.contains_key(m) {
                        errs.push(LoadError::at(
                            op.location.clone(),
                            LoadErrorKind::Unresolved {
                                kind: RefKind::Message,
                                name: m.clone(),
                            },
                        ));
                    }
                }
            }
        }
        for b in self.defs.bindings.values() {
            let Some(pt) = self.defs.port_types.get(&b.port_type) else {
                errs.push(LoadError::at(
                    b.location.clone(),
                    LoadErrorKind::Unresolved {
                        kind: RefKind::PortType,
                        name: b.port_type.clone(),
                    },
                ));
                continue;
            };
            let by_name: std::collections::HashMap<&str, &Operation> =
                pt.operations.iter().map(|o| (o.name.as_str(), o)).collect();
            for bop in &b.operations {
                let Some(op) = by_name.get(bop.name.as_str()).copied() else {
                    errs.push(LoadError::at(
                        bop.location.clone(),
                        LoadErrorKind::Unresolved {
                            kind: RefKind::Operation,
                            name: QName::new(pt.name.ns.clone(), bop.name.clone()),
                        },
                    ));
                    continue;
                };
                for bf in &bop.faults {
                    if !op.faults.iter().any(|f| f.name == bf.name) {
                        errs.push(LoadError::at(
                            bop.location.clone(),
                            LoadErrorKind::Unresolved {
                                kind: RefKind::Fault,
                                name: QName::new("", bf.name.clone()),
                            },
                        ));
                    }
                }
                let bound = [(&bop.input, &op.input), (&bop.output, &op.output)];
                for (bm, am) in bound {
                    let Some(bm) = bm else { continue };
                    for h in &bm.headers {
                        match self.defs.messages.get(&h.message) {
                            None => errs.push(LoadError::at(
                                h.location.clone(),
                                LoadErrorKind::Unresolved {
                                    kind: RefKind::Message,
                                    name: h.message.clone(),
                                },
                            )),
                            Some(m) if m.part(&h.part).is_none() => errs.push(LoadError::at(
                                h.location.clone(),
                                LoadErrorKind::Unresolved {
                                    kind: RefKind::Part,
                                    name: QName::new(
                                        h.message.ns.clone(),
                                        format!("{}.{}", h.message.local, h.part),
                                    ),
                                },
                            )),
                            Some(_) => {}
                        }
                    }
                    if let (Some(body), Some(am)) = (&bm.body, am)
                        && let (Some(parts), Some(m)) =
                            (&body.parts, self.defs.messages.get(&am.message))
                    {
                        for p in parts {
                            if m.part(p).is_none() {
                                errs.push(LoadError::at(
                                    bop.location.clone(),
                                    LoadErrorKind::Unresolved {
                                        kind: RefKind::Part,
                                        name: QName::new(
                                            m.name.ns.clone(),
                                            format!("{}.{}", m.name.local, p),
                                        ),
                                    },
                                ));
                            }
                        }
                    }
                }
            }
        }
        for s in self.defs.services.values() {
            for p in &s.ports {
                if !self.defs.bindings.contains_key(&p.binding) {
                    errs.push(LoadError::at(
                        p.location.clone(),
                        LoadErrorKind::Unresolved {
                            kind: RefKind::Binding,
                            name: p.binding.clone(),
                        },
                    ));
                }
            }
        }
        self.errors.extend(errs);
    }
}
