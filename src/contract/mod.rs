//! Contracts: a WSDL 1.1 document with every document it imports, compiled
//! once into an immutable model.
//!
//! [`Contract::load`] walks the documents ([`load`]), compiles the schemas
//! ([`crate::schema::build`]) and the WSDL components ([`crate::wsdl::build`])
//! and collects every error on the way. [`Contract::bound_operations`] gives
//! the per-port view the flows use: style, use, wrapping, action, message
//! signatures and the coverage findings.

pub mod catalog;
pub mod coverage;
pub mod error;
pub mod load;
pub mod source;
pub mod wellknown;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub use coverage::Finding;
pub use error::{LoadError, LoadErrorKind, LoadErrors, Location, RefKind};
pub use source::{LoadOptions, Source};

use crate::qname::QName;
use crate::schema::{Content, ElementId, MaxOccurs, Schema, Term, TypeDef};
use crate::wsdl::{
    Binding, BindingMessage, Definitions, MessageRef, Operation, OperationKind, PartKind, Port,
    Protocol, Service, SoapVersion, Style, Use,
};

/// A document the contract is made of, kept verbatim (for `?wsdl`/`?xsd`).
#[derive(Debug, Clone)]
pub struct ContractDocument {
    pub name: Arc<str>,
    pub text: Arc<str>,
    pub target_namespace: String,
    pub is_wsdl: bool,
    pub builtin: bool,
}

#[derive(Debug)]
pub struct Contract {
    /// The root WSDL as it was named when loading.
    pub path: Arc<str>,
    pub definitions: Definitions,
    pub schema: Schema,
    pub documents: Vec<ContractDocument>,
    /// Findings that concern the whole contract rather than one operation.
    pub findings: Vec<Finding>,
}

impl Contract {
    /// Loads a contract from a local WSDL file.
    pub fn load(path: &Path, opts: &LoadOptions) -> Result<Contract, LoadErrors> {
        let loaded = load::walk(Source::File(path.to_path_buf()), opts).map_err(LoadErrors)?;
        let (schema, mut errors) = crate::schema::build::build(&load::schema_docs(&loaded));
        let (definitions, wsdl_errors) =
            crate::wsdl::build::build(&load::wsdl_docs(&loaded), &schema);
        errors.extend(wsdl_errors);
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        let findings = loaded
            .notes
            .iter()
            .map(|(loc, msg)| Finding::new("xs:redefine", format!("{loc}: {msg}")))
            .collect();
        let documents = loaded
            .documents
            .iter()
            .map(|d| ContractDocument {
                name: d.name.clone(),
                text: d.text.clone(),
                target_namespace: d
                    .root
                    .attr("targetNamespace")
                    .unwrap_or_default()
                    .to_string(),
                is_wsdl: d.root.is(crate::ns::WSDL, "definitions"),
                builtin: d.source.is_builtin(),
            })
            .collect();
        Ok(Contract {
            path: path.display().to_string().into(),
            definitions,
            schema,
            documents,
            findings,
        })
    }

    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.definitions.services.values()
    }

    pub fn binding(&self, name: &QName) -> Option<&Binding> {
        self.definitions.bindings.get(name)
    }

    /// The SOAP version a port speaks, `None` for non-SOAP bindings.
    pub fn soap_version(&self, port: &Port) -> Option<SoapVersion> {
        match self.binding(&port.binding)?.protocol {
            Protocol::Soap(v) => Some(v),
            _ => None,
        }
    }

    /// Every operation of a binding, combined with its abstract operation
    /// and messages into the view the flows and `inspect` use.
    pub fn bound_operations(&self, binding: &Binding) -> Vec<BoundOperation> {
        let Some(pt) = self.definitions.port_types.get(&binding.port_type) else {
            return Vec::new();
        };
        let mut bound: HashMap<&str, Vec<&crate::wsdl::BindingOperation>> = HashMap::new();
        for b in &binding.operations {
            bound.entry(b.name.as_str()).or_default().push(b);
        }
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for op in &pt.operations {
            *uses.entry(op.name.as_str()).or_default() += 1;
        }
        let mut out = Vec::with_capacity(pt.operations.len());
        for op in &pt.operations {
            let candidates = bound
                .get(op.name.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            // Overloaded operations are told apart by their input/output names.
            let names = |b: &crate::wsdl::BindingOperation| {
                let name = |m: &Option<crate::wsdl::BindingMessage>| {
                    m.as_ref().and_then(|m| m.name.clone())
                };
                (name(&b.input), name(&b.output))
            };
            let wanted = (
                op.input.as_ref().and_then(|m| m.name.clone()),
                op.output.as_ref().and_then(|m| m.name.clone()),
            );
            let bop = match candidates {
                [] => None,
                [one] => Some(*one),
                many => many
                    .iter()
                    .copied()
                    .find(|b| names(b) == wanted)
                    .or(Some(many[0])),
            };
            out.push(self.bind(binding, op, bop, uses[op.name.as_str()] > 1));
        }
        out
    }

    fn bind(
        &self,
        binding: &Binding,
        op: &Operation,
        bop: Option<&crate::wsdl::BindingOperation>,
        overloaded: bool,
    ) -> BoundOperation {
        let soap = matches!(binding.protocol, Protocol::Soap(_));
        let style = soap.then(|| {
            bop.and_then(|b| b.style)
                .or(binding.style)
                .unwrap_or(Style::Document)
        });
        let bin = bop.and_then(|b| b.input.as_ref());
        let bout = bop.and_then(|b| b.output.as_ref());
        let use_ = soap.then(|| {
            bin.or(bout)
                .and_then(|m| m.body.as_ref())
                .map(|b| b.use_)
                .unwrap_or(Use::Literal)
        });
        let input = op.input.as_ref().map(|r| self.signature(r, bin, style));
        let output = op.output.as_ref().map(|r| self.signature(r, bout, style));
        let faults = op
            .faults
            .iter()
            .map(|f| {
                let element = self
                    .definitions
                    .messages
                    .get(&f.message)
                    .and_then(|m| m.parts.first())
                    .and_then(|p| match &p.kind {
                        PartKind::Element { name, .. } => Some(name.clone()),
                        _ => None,
                    });
                FaultSignature {
                    name: f.name.clone(),
                    message: f.message.clone(),
                    element,
                }
            })
            .collect();
        let wrapped = style == Some(Style::Document)
            && use_ == Some(Use::Literal)
            && self.is_wrapped(op, input.as_ref(), output.as_ref());
        let mut bound = BoundOperation {
            name: op.name.clone(),
            kind: op.kind,
            protocol: binding.protocol.clone(),
            style,
            use_,
            wrapped,
            soap_action: bop.and_then(|b| b.soap_action.clone()),
            one_way: op.kind == OperationKind::OneWay,
            input,
            output,
            faults,
            documentation: op.documentation.clone(),
            findings: Vec::new(),
        };
        bound.findings = coverage::operation_findings(self, binding, op, bop, &bound, overloaded);
        bound
    }

    fn signature(
        &self,
        r: &MessageRef,
        bm: Option<&BindingMessage>,
        style: Option<Style>,
    ) -> MessageSignature {
        let msg = self.definitions.messages.get(&r.message);
        let body_parts = bm
            .and_then(|b| b.body.as_ref())
            .and_then(|b| b.parts.clone());
        let header_parts: Vec<(QName, String)> = bm
            .map(|b| {
                b.headers
                    .iter()
                    .map(|h| (h.message.clone(), h.part.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut parts = Vec::new();
        if let Some(m) = msg {
            for p in &m.parts {
                let in_body = match &body_parts {
                    Some(list) => list.contains(&p.name),
                    // Without `parts=`, parts bound as headers are not in the body.
                    None => !header_parts
                        .iter()
                        .any(|(hm, hp)| *hm == m.name && *hp == p.name),
                };
                if in_body {
                    parts.push(PartSignature::from_part(p));
                }
            }
        }
        let mut headers = Vec::new();
        for (hm, hp) in &header_parts {
            if let Some(p) = self.definitions.messages.get(hm).and_then(|m| m.part(hp)) {
                let mut sig = PartSignature::from_part(p);
                sig.message = Some(hm.clone());
                headers.push(sig);
            }
        }
        let element = match (style, parts.as_slice()) {
            (Some(Style::Document) | None, [only]) => only.element.clone(),
            _ => None,
        };
        MessageSignature {
            message: r.message.clone(),
            name: r.name.clone(),
            action: r.action.clone(),
            element,
            parts,
            headers,
            namespace: bm
                .and_then(|b| b.body.as_ref())
                .and_then(|b| b.namespace.clone()),
        }
    }

    /// The wrapped convention (as JAX-WS and .NET detect it): one body part
    /// whose element is named like the operation and holds a sequence of
    /// elements and no attributes; the output likewise holds one element part.
    fn is_wrapped(
        &self,
        op: &Operation,
        input: Option<&MessageSignature>,
        output: Option<&MessageSignature>,
    ) -> bool {
        let Some(input) = input else { return false };
        let wrapper_ok = |sig: &MessageSignature, name: Option<&str>| -> bool {
            let [part] = sig.parts.as_slice() else {
                return false;
            };
            let Some(id) = part.element_id else {
                return false;
            };
            let decl = self.schema.element(id);
            if name.is_some_and(|n| decl.name.local != n) || decl.nillable {
                return false;
            }
            match self.schema.ty(decl.type_id) {
                TypeDef::Complex(ct) => {
                    ct.attributes.is_empty()
                        && ct.any_attribute.is_none()
                        && !ct.mixed
                        && match &ct.content {
                            Content::Empty => true,
                            // JAX-WS 2.x section 2.3.1.2 (iv): one sequence of
                            // local elements: no wildcard, no choice or nested
                            // group, no element references (nor so substitution).
                            Content::Elements(p) => match &p.term {
                                Term::Group(g)
                                    if g.compositor == crate::schema::Compositor::Sequence =>
                                {
                                    p.max == MaxOccurs::Bounded(1)
                                        && g.particles.iter().all(|c| match c.term {
                                            Term::Element(e) => !self.schema.element(e).global,
                                            _ => false,
                                        })
                                }
                                // A single-child sequence may have been a lone element.
                                Term::Element(e) => {
                                    !self.schema.element(*e).global
                                        && p.max == MaxOccurs::Bounded(1)
                                }
                                _ => false,
                            },
                            Content::Simple(_) => false,
                        }
                }
                TypeDef::Simple(_) => false,
            }
        };
        wrapper_ok(input, Some(&op.name)) && output.is_none_or(|o| wrapper_ok(o, None))
    }
}

/// One operation as a port exposes it.
#[derive(Debug, Clone)]
pub struct BoundOperation {
    pub name: String,
    pub kind: OperationKind,
    pub protocol: Protocol,
    /// `None` for non-SOAP bindings.
    pub style: Option<Style>,
    pub use_: Option<Use>,
    pub wrapped: bool,
    pub soap_action: Option<String>,
    pub one_way: bool,
    pub input: Option<MessageSignature>,
    pub output: Option<MessageSignature>,
    pub faults: Vec<FaultSignature>,
    pub documentation: Option<String>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone)]
pub struct MessageSignature {
    pub message: QName,
    pub name: Option<String>,
    pub action: Option<String>,
    /// The single body element of a document-style message.
    pub element: Option<QName>,
    /// The parts carried in the body.
    pub parts: Vec<PartSignature>,
    /// The parts carried as SOAP headers.
    pub headers: Vec<PartSignature>,
    /// rpc style: the wrapper element's namespace from `soap:body namespace=`.
    pub namespace: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PartSignature {
    pub name: String,
    /// Set for header parts: the message the part belongs to.
    pub message: Option<QName>,
    pub element: Option<QName>,
    pub element_id: Option<ElementId>,
    pub type_name: Option<QName>,
    pub type_id: Option<crate::schema::TypeId>,
}

impl PartSignature {
    fn from_part(p: &crate::wsdl::Part) -> Self {
        let (element, element_id, type_name, type_id) = match &p.kind {
            PartKind::Element { name, id } => (Some(name.clone()), Some(*id), None, None),
            PartKind::Type { name, id } => (None, None, Some(name.clone()), Some(*id)),
            PartKind::Unresolved => (None, None, None, None),
        };
        PartSignature {
            name: p.name.clone(),
            message: None,
            element,
            element_id,
            type_name,
            type_id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FaultSignature {
    pub name: String,
    pub message: QName,
    pub element: Option<QName>,
}

#[cfg(test)]
pub(crate) mod testutil {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::{Contract, LoadErrors, LoadOptions};

    static NEXT: AtomicUsize = AtomicUsize::new(0);

    /// Writes `files` into a fresh directory; returns the directory.
    pub fn write_files(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "soapbridge-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().expect("file has a parent")).expect("mkdir");
            std::fs::write(&path, text).expect("write fixture");
        }
        dir
    }

    /// Loads the first file as the contract.
    pub fn load_with(files: &[(&str, &str)], opts: &LoadOptions) -> Result<Contract, LoadErrors> {
        let dir = write_files(files);
        Contract::load(&dir.join(files[0].0), opts)
    }

    pub fn load(files: &[(&str, &str)]) -> Result<Contract, LoadErrors> {
        load_with(files, &LoadOptions::default())
    }

    /// A WSDL with one document/literal operation around the given schema body.
    pub fn wsdl_with_schema(schema_body: &str) -> String {
        format!(
            r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:tns="urn:t" targetNamespace="urn:t">
  <types>
    <xs:schema targetNamespace="urn:t" elementFormDefault="qualified">
{schema_body}
    </xs:schema>
  </types>
</definitions>"#
        )
    }

    pub fn schema_only(body: &str) -> Contract {
        let text = wsdl_with_schema(body);
        match load(&[("c.wsdl", &text)]) {
            Ok(c) => c,
            Err(e) => panic!("fixture failed to load:\n{e}"),
        }
    }

    pub fn schema_errors(body: &str) -> String {
        let text = wsdl_with_schema(body);
        match load(&[("c.wsdl", &text)]) {
            Ok(_) => panic!("fixture loaded but should fail"),
            Err(e) => e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
