//! The compiled XSD model: an arena of types, elements and attributes, with
//! every reference already resolved to an id.
//!
//! Built once by [`super::build`], immutable afterwards. Derived content is
//! precomputed (an extension's content is its base's followed by its own, its
//! attributes are the base's plus its own), so runtime code never walks
//! derivation chains to learn what an element may hold.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::builtin::Builtin;
use crate::contract::Location;
use crate::qname::QName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ElementId(pub u32);

#[derive(Debug, Default)]
pub struct Schema {
    pub types: Vec<TypeDef>,
    pub elements: Vec<ElementDecl>,
    pub global_elements: IndexMap<QName, ElementId>,
    pub global_types: IndexMap<QName, TypeId>,
    pub global_attributes: IndexMap<QName, AttributeUse>,
    pub groups: IndexMap<QName, ModelGroup>,
    pub attribute_groups: IndexMap<QName, AttributeGroup>,
    /// Head element -> every element that may substitute for it (transitively).
    pub substitutes: HashMap<ElementId, Vec<ElementId>>,
    /// Type -> every named type derived from it (transitively), for `xsi:type`.
    pub derived: HashMap<TypeId, Vec<TypeId>>,
    /// Per target namespace, the form defaults of the schema documents.
    pub namespaces: IndexMap<String, NamespaceInfo>,
}

#[derive(Debug, Clone, Default)]
pub struct NamespaceInfo {
    pub element_form_qualified: bool,
    pub attribute_form_qualified: bool,
}

impl Schema {
    pub fn ty(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0 as usize]
    }

    pub fn element(&self, id: ElementId) -> &ElementDecl {
        &self.elements[id.0 as usize]
    }

    pub fn builtin(&self, b: Builtin) -> TypeId {
        // Built-ins occupy the first ids, in `Builtin::ALL` order.
        TypeId(b as u32)
    }

    pub fn global_element(&self, name: &QName) -> Option<ElementId> {
        self.global_elements.get(name).copied()
    }

    pub fn global_type(&self, name: &QName) -> Option<TypeId> {
        self.global_types
            .get(name)
            .copied()
            .or_else(|| Builtin::from_qname(name).map(|b| self.builtin(b)))
    }

    /// A readable name for a type: its QName, or the anonymous type's owner.
    pub fn type_label(&self, id: TypeId) -> String {
        match self.ty(id).name() {
            Some(q) => q.to_string(),
            None => "(anonymous)".to_string(),
        }
    }

    /// True if `ty` is `ancestor` or derives from it by any chain.
    pub fn derives_from(&self, ty: TypeId, ancestor: TypeId) -> bool {
        let mut cur = Some(ty);
        let mut steps = 0;
        while let Some(id) = cur {
            if id == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.types.len() {
                return false;
            }
            cur = self.ty(id).base();
        }
        false
    }
}

#[derive(Debug, Clone)]
pub enum TypeDef {
    Simple(SimpleType),
    Complex(ComplexType),
}

impl TypeDef {
    pub fn name(&self) -> Option<&QName> {
        match self {
            TypeDef::Simple(s) => s.name.as_ref(),
            TypeDef::Complex(c) => c.name.as_ref(),
        }
    }

    pub fn base(&self) -> Option<TypeId> {
        match self {
            TypeDef::Simple(s) => s.base,
            TypeDef::Complex(c) => c.base,
        }
    }

    pub fn location(&self) -> Option<&Location> {
        match self {
            TypeDef::Simple(s) => s.location.as_ref(),
            TypeDef::Complex(c) => c.location.as_ref(),
        }
    }

    pub fn as_complex(&self) -> Option<&ComplexType> {
        match self {
            TypeDef::Complex(c) => Some(c),
            TypeDef::Simple(_) => None,
        }
    }

    pub fn as_simple(&self) -> Option<&SimpleType> {
        match self {
            TypeDef::Simple(s) => Some(s),
            TypeDef::Complex(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimpleType {
    pub name: Option<QName>,
    /// The type this one restricts (for lists and unions: anySimpleType).
    pub base: Option<TypeId>,
    pub variety: Variety,
    /// Effective facets: this type's own, merged over its base's.
    pub facets: Facets,
    pub location: Option<Location>,
    pub documentation: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Variety {
    /// An atomic type, with its nearest built-in ancestor.
    Atomic(Builtin),
    /// Space-separated items of `item`.
    List(TypeId),
    /// The first member type that accepts a value wins.
    Union(Vec<TypeId>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhiteSpace {
    Preserve,
    Replace,
    Collapse,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    /// The allowed literals, from the most derived step that lists any.
    pub enumeration: Option<Vec<String>>,
    /// One entry per derivation step; a value must match one pattern of each.
    pub patterns: Vec<Vec<String>>,
    pub length: Option<u64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_inclusive: Option<String>,
    pub max_inclusive: Option<String>,
    pub min_exclusive: Option<String>,
    pub max_exclusive: Option<String>,
    pub total_digits: Option<u32>,
    pub fraction_digits: Option<u32>,
    pub white_space: Option<WhiteSpace>,
}

impl Facets {
    pub fn is_empty(&self) -> bool {
        *self == Facets::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derivation {
    Extension,
    Restriction,
}

#[derive(Debug, Clone)]
pub struct ComplexType {
    pub name: Option<QName>,
    pub base: Option<TypeId>,
    pub derivation: Option<Derivation>,
    pub is_abstract: bool,
    pub mixed: bool,
    /// Effective content (base content included for extensions).
    pub content: Content,
    /// Effective attributes (inherited ones included, prohibited ones removed).
    pub attributes: Vec<AttributeUse>,
    pub any_attribute: Option<Wildcard>,
    /// Set for SOAP-encoding arrays (restrictions of `soapenc:Array`).
    pub soap_array: Option<SoapArray>,
    pub location: Option<Location>,
    pub documentation: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Content {
    Empty,
    /// simpleContent: the type of the text value.
    Simple(TypeId),
    Elements(Particle),
}

/// A SOAP-ENC array: `wsdl:arrayType="tns:Item[]"`.
#[derive(Debug, Clone, PartialEq)]
pub struct SoapArray {
    pub item_type: TypeId,
    /// Dimensions per rank bracket, e.g. `[]` is `[1]`, `[,]` is `[2]`, `[][]` is `[1, 1]`.
    pub ranks: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxOccurs {
    Bounded(u32),
    Unbounded,
}

impl MaxOccurs {
    pub fn repeats(self) -> bool {
        !matches!(self, MaxOccurs::Bounded(0 | 1))
    }
}

#[derive(Debug, Clone)]
pub struct Particle {
    pub min: u32,
    pub max: MaxOccurs,
    pub term: Term,
}

#[derive(Debug, Clone)]
pub enum Term {
    Element(ElementId),
    Group(ModelGroup),
    Any(Wildcard),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositor {
    Sequence,
    Choice,
    All,
}

#[derive(Debug, Clone)]
pub struct ModelGroup {
    pub compositor: Compositor,
    pub particles: Vec<Particle>,
    /// The named group this came from (`xs:group ref`), if any.
    pub name: Option<QName>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NamespaceConstraint {
    /// `##any`
    Any,
    /// `##other` relative to this target namespace (no-namespace is excluded too).
    Other(String),
    /// An explicit list; `""` stands for `##local`.
    List(Vec<String>),
}

impl NamespaceConstraint {
    pub fn allows(&self, ns: &str) -> bool {
        match self {
            NamespaceConstraint::Any => true,
            NamespaceConstraint::Other(tns) => ns != tns && !ns.is_empty(),
            NamespaceConstraint::List(l) => l.iter().any(|n| n == ns),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessContents {
    Strict,
    Lax,
    Skip,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Wildcard {
    pub namespaces: NamespaceConstraint,
    pub process: ProcessContents,
}

#[derive(Debug, Clone)]
pub struct ElementDecl {
    /// Qualified per form / elementFormDefault (local elements may be unqualified).
    pub name: QName,
    pub type_id: TypeId,
    pub nillable: bool,
    pub default: Option<String>,
    pub fixed: Option<String>,
    pub is_abstract: bool,
    pub substitution_group: Option<ElementId>,
    pub global: bool,
    pub location: Option<Location>,
    pub documentation: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AttributeUse {
    pub name: QName,
    pub type_id: TypeId,
    pub required: bool,
    pub default: Option<String>,
    pub fixed: Option<String>,
    /// Extra annotations read from foreign attributes (e.g. `wsdl:arrayType`).
    pub wsdl_array_type: Option<String>,
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Default)]
pub struct AttributeGroup {
    pub attributes: Vec<AttributeUse>,
    pub any_attribute: Option<Wildcard>,
}
