//! WSDL 1.1 definitions with every reference resolved: messages and parts,
//! portTypes and operations, bindings (SOAP 1.1, SOAP 1.2, HTTP), services.
//!
//! Components from `wsdl:import`ed documents are merged in, each keyed by its
//! own document's target namespace.

use indexmap::IndexMap;

use crate::contract::Location;
use crate::qname::QName;
use crate::schema::{ElementId, TypeId};

#[derive(Debug, Default)]
pub struct Definitions {
    pub target_namespace: String,
    pub documentation: Option<String>,
    pub messages: IndexMap<QName, Message>,
    pub port_types: IndexMap<QName, PortType>,
    pub bindings: IndexMap<QName, Binding>,
    pub services: IndexMap<QName, Service>,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub name: QName,
    pub parts: Vec<Part>,
    pub location: Location,
}

impl Message {
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub kind: PartKind,
    pub location: Location,
}

/// A part is described by a global element (document style) or a type
/// (rpc style); an unresolved reference was reported and leaves neither.
#[derive(Debug, Clone)]
pub enum PartKind {
    Element { name: QName, id: ElementId },
    Type { name: QName, id: TypeId },
    Unresolved,
}

#[derive(Debug, Clone)]
pub struct PortType {
    pub name: QName,
    pub operations: Vec<Operation>,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    RequestResponse,
    OneWay,
    SolicitResponse,
    Notification,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    pub kind: OperationKind,
    pub input: Option<MessageRef>,
    pub output: Option<MessageRef>,
    pub faults: Vec<FaultRef>,
    pub parameter_order: Option<Vec<String>>,
    pub documentation: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct MessageRef {
    pub name: Option<String>,
    pub message: QName,
    /// WS-Addressing action from `wsam:Action` / `wsaw:Action`, if declared.
    pub action: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FaultRef {
    pub name: String,
    pub message: QName,
    pub action: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoapVersion {
    V11,
    V12,
}

impl SoapVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            SoapVersion::V11 => "1.1",
            SoapVersion::V12 => "1.2",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    Soap(SoapVersion),
    /// `http:binding verb="GET|POST"`.
    Http {
        verb: String,
    },
    /// A binding extension soapbridge does not know, by namespace.
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Document,
    Rpc,
}

impl Style {
    pub fn as_str(self) -> &'static str {
        match self {
            Style::Document => "document",
            Style::Rpc => "rpc",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Literal,
    Encoded,
}

impl Use {
    pub fn as_str(self) -> &'static str {
        match self {
            Use::Literal => "literal",
            Use::Encoded => "encoded",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub name: QName,
    pub port_type: QName,
    pub protocol: Protocol,
    pub style: Option<Style>,
    pub transport: Option<String>,
    pub operations: Vec<BindingOperation>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct BindingOperation {
    pub name: String,
    pub soap_action: Option<String>,
    pub style: Option<Style>,
    pub input: Option<BindingMessage>,
    pub output: Option<BindingMessage>,
    pub faults: Vec<BindingFault>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct BindingMessage {
    pub name: Option<String>,
    pub body: Option<SoapBody>,
    pub headers: Vec<SoapHeader>,
    /// Bound as MIME multipart (SOAP with attachments).
    pub mime: bool,
}

#[derive(Debug, Clone)]
pub struct SoapBody {
    pub use_: Use,
    /// rpc style: the namespace of the operation wrapper element.
    pub namespace: Option<String>,
    /// `parts=`: only these parts go in the body.
    pub parts: Option<Vec<String>>,
    pub encoding_style: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SoapHeader {
    pub message: QName,
    pub part: String,
    pub use_: Use,
    pub namespace: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct BindingFault {
    pub name: String,
    pub use_: Use,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: QName,
    pub ports: Vec<Port>,
    pub documentation: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Port {
    pub name: String,
    pub binding: QName,
    pub address: Option<String>,
    pub location: Location,
}
