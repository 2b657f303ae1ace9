//! Compiles XSD documents into the [`Schema`] arena.
//!
//! Two passes: first every global component of every document is registered
//! by QName (so references may point forward, across files and namespaces),
//! then each is built, resolving references to ids. Derivation bases, named
//! groups and attribute groups are built on demand with cycle detection;
//! element type references need only the id, so recursive types are fine.
//! Errors are collected, never returned early, so one run shows them all.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use indexmap::IndexMap;

use super::builtin::Builtin;
use super::model::*;
use crate::contract::error::{LoadError, LoadErrorKind, Location, RefKind};
use crate::ns;
use crate::qname::QName;
use crate::xml::Element;

/// One `xs:schema` element to compile, with where it came from.
pub struct SchemaDoc<'a> {
    pub root: &'a Element,
    pub file: Arc<str>,
    /// The effective target namespace (a chameleon include takes its includer's).
    pub target_ns: String,
    /// True when the document has no targetNamespace of its own but was
    /// included into one: its no-namespace references move to `target_ns`.
    pub chameleon: bool,
    /// True for soapbridge's built-in well-known schemas; a user's own copy
    /// of the same namespace wins over them.
    pub builtin: bool,
}

impl SchemaDoc<'_> {
    fn qualified_elements(&self) -> bool {
        self.root.attr("elementFormDefault") == Some("qualified")
    }

    fn qualified_attributes(&self) -> bool {
        self.root.attr("attributeFormDefault") == Some("qualified")
    }
}

/// Compiles the documents; returns the schema and every error found.
pub fn build(docs: &[SchemaDoc<'_>]) -> (Schema, Vec<LoadError>) {
    let mut b = Builder::new(docs);
    b.register_all();
    b.build_all();
    b.finish()
}

type Node<'a> = (usize, &'a Element);

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Building,
    Done,
}

struct Builder<'a> {
    docs: &'a [SchemaDoc<'a>],
    schema: Schema,
    types: Vec<Option<TypeDef>>,
    type_nodes: HashMap<TypeId, Node<'a>>,
    type_state: HashMap<TypeId, State>,
    elements: Vec<Option<ElementDecl>>,
    /// Global element declarations by id (a user's declaration replaces a built-in one).
    element_nodes: IndexMap<ElementId, Node<'a>>,
    group_nodes: IndexMap<QName, Node<'a>>,
    attr_group_nodes: IndexMap<QName, Node<'a>>,
    /// Named groups and attribute groups being built, for cycle detection.
    building: HashSet<(RefKind, QName)>,
    attribute_nodes: IndexMap<QName, Node<'a>>,
    /// How many base types, groups and attribute groups are being built one
    /// inside another; bounded so a hostile chain cannot exhaust the stack.
    nesting: usize,
    /// Particles and attribute uses created or copied so far; bounded so
    /// group references and derivation chains cannot expand without limit.
    budget_used: usize,
    budget_exhausted: bool,
    /// Where each global name was first defined, for duplicate errors.
    first_seen: HashMap<(u8, QName), (Location, bool)>,
    errors: Vec<LoadError>,
}

/// Most particles and attribute uses a schema may expand to (each group
/// reference and each derivation copies what it inherits). Real contracts
/// stay in the tens of thousands; a schema built to explode stops here.
pub const MAX_EXPANSION: usize = 1_000_000;

/// Deepest chain of derivations or group references built one inside another.
/// Real schemas stay far below (derivation chains of 5 to 20); a deeper chain
/// is refused with a limit error instead of risking the stack.
pub const MAX_NESTING: usize = 128;

const KIND_ELEMENT: u8 = 0;
const KIND_TYPE: u8 = 1;
const KIND_GROUP: u8 = 2;
const KIND_ATTR_GROUP: u8 = 3;
const KIND_ATTRIBUTE: u8 = 4;

/// An attribute declaration as written, before `use="prohibited"` is applied.
struct AttrDecl {
    attr: AttributeUse,
    prohibited: bool,
}

impl<'a> Builder<'a> {
    fn new(docs: &'a [SchemaDoc<'a>]) -> Self {
        let mut schema = Schema::default();
        let mut types = Vec::new();
        for &b in Builtin::ALL {
            let id = TypeId(types.len() as u32);
            debug_assert_eq!(id.0, b as u32);
            let def = if b == Builtin::AnyType {
                TypeDef::Complex(ComplexType {
                    name: Some(b.qname()),
                    base: None,
                    derivation: None,
                    is_abstract: false,
                    mixed: true,
                    content: Content::Elements(Particle {
                        min: 1,
                        max: MaxOccurs::Bounded(1),
                        term: Term::Group(ModelGroup {
                            compositor: Compositor::Sequence,
                            particles: vec![Particle {
                                min: 0,
                                max: MaxOccurs::Unbounded,
                                term: Term::Any(Wildcard {
                                    namespaces: NamespaceConstraint::Any,
                                    process: ProcessContents::Lax,
                                }),
                            }],
                            name: None,
                        }),
                    }),
                    attributes: Vec::new(),
                    any_attribute: Some(Wildcard {
                        namespaces: NamespaceConstraint::Any,
                        process: ProcessContents::Lax,
                    }),
                    soap_array: None,
                    location: None,
                    documentation: None,
                })
            } else {
                let base = b.base().map(|p| TypeId(p as u32));
                let variety = match b.list_item() {
                    Some(item) => Variety::List(TypeId(item as u32)),
                    None => Variety::Atomic(b),
                };
                TypeDef::Simple(SimpleType {
                    name: Some(b.qname()),
                    base,
                    variety,
                    facets: Facets::default(),
                    location: None,
                    documentation: None,
                })
            };
            types.push(Some(def));
            schema.global_types.insert(b.qname(), id);
        }
        Builder {
            docs,
            schema,
            types,
            type_nodes: HashMap::new(),
            type_state: HashMap::new(),
            elements: Vec::new(),
            element_nodes: IndexMap::new(),
            group_nodes: IndexMap::new(),
            attr_group_nodes: IndexMap::new(),
            building: HashSet::new(),
            attribute_nodes: IndexMap::new(),
            first_seen: HashMap::new(),
            nesting: 0,
            budget_used: 0,
            budget_exhausted: false,
            errors: Vec::new(),
        }
    }

    fn loc(&self, doc: usize, el: &'a Element) -> Location {
        Location::new(&self.docs[doc].file, el.pos)
    }

    fn error(&mut self, doc: usize, el: &'a Element, kind: LoadErrorKind) {
        let loc = self.loc(doc, el);
        self.errors.push(LoadError::at(loc, kind));
    }

    fn invalid(&mut self, doc: usize, el: &'a Element, what: &str, detail: impl Into<String>) {
        self.error(
            doc,
            el,
            LoadErrorKind::Invalid {
                what: what.into(),
                detail: detail.into(),
            },
        );
    }

    /// Resolves a QName-valued attribute, applying chameleon re-targeting.
    fn qname(&mut self, doc: usize, el: &'a Element, value: &str) -> Option<QName> {
        match el.resolve_qname(value) {
            Ok(mut q) => {
                if q.ns.is_empty() && self.docs[doc].chameleon {
                    q.ns = self.docs[doc].target_ns.clone();
                }
                Some(q)
            }
            Err(kind) => {
                self.error(doc, el, kind.into());
                None
            }
        }
    }

    fn tns(&self, doc: usize) -> &str {
        &self.docs[doc].target_ns
    }

    // ---- pass 1: registration -------------------------------------------------

    /// Registers a global name; returns false (and reports) on a duplicate.
    /// A built-in well-known schema never conflicts with a user's document of
    /// the same namespace: the user's wins.
    fn claim(&mut self, kind: u8, rk: RefKind, name: &QName, doc: usize, el: &'a Element) -> bool {
        let here = self.loc(doc, el);
        let builtin = self.docs[doc].builtin;
        match self.first_seen.get(&(kind, name.clone())) {
            None => {
                self.first_seen
                    .insert((kind, name.clone()), (here, builtin));
                true
            }
            Some((_, _)) if builtin => false,
            Some((first, true)) => {
                let _ = first;
                self.first_seen.insert((kind, name.clone()), (here, false));
                true
            }
            Some((first, false)) => {
                let first = first.clone();
                self.errors.push(LoadError::at(
                    here,
                    LoadErrorKind::Duplicate {
                        kind: rk,
                        name: name.clone(),
                        first,
                    },
                ));
                false
            }
        }
    }

    fn register_all(&mut self) {
        for (d, doc) in self.docs.iter().enumerate() {
            let root = doc.root;
            let info = self
                .schema
                .namespaces
                .entry(doc.target_ns.clone())
                .or_default();
            if !doc.builtin {
                info.element_form_qualified |= doc.qualified_elements();
                info.attribute_form_qualified |= doc.qualified_attributes();
            }
            for child in root.children_in(ns::XS) {
                let Some(local) = child.attr("name") else {
                    continue;
                };
                let name = QName::new(doc.target_ns.clone(), local);
                match child.name.local.as_str() {
                    "element" if self.claim(KIND_ELEMENT, RefKind::Element, &name, d, child) => {
                        let id = match self.schema.global_elements.get(&name) {
                            Some(&id) => id,
                            None => {
                                let id = ElementId(self.elements.len() as u32);
                                self.elements.push(None);
                                self.schema.global_elements.insert(name, id);
                                id
                            }
                        };
                        self.element_nodes.insert(id, (d, child));
                    }
                    "complexType" | "simpleType" => {
                        if Builtin::from_qname(&name).is_some() && ns::is_xs(&name.ns) {
                            // The schema-for-schemas redefining built-ins: ignore.
                            continue;
                        }
                        if self.claim(KIND_TYPE, RefKind::Type, &name, d, child) {
                            let id = match self.schema.global_types.get(&name) {
                                Some(&id) => id,
                                None => {
                                    let id = TypeId(self.types.len() as u32);
                                    self.types.push(None);
                                    self.schema.global_types.insert(name, id);
                                    id
                                }
                            };
                            self.type_nodes.insert(id, (d, child));
                            self.type_state.insert(id, State::Pending);
                        }
                    }
                    "group" if self.claim(KIND_GROUP, RefKind::Group, &name, d, child) => {
                        self.group_nodes.insert(name, (d, child));
                    }
                    "attributeGroup"
                        if self.claim(
                            KIND_ATTR_GROUP,
                            RefKind::AttributeGroup,
                            &name,
                            d,
                            child,
                        ) =>
                    {
                        self.attr_group_nodes.insert(name, (d, child));
                    }
                    "attribute"
                        if self.claim(KIND_ATTRIBUTE, RefKind::Attribute, &name, d, child) =>
                    {
                        self.attribute_nodes.insert(name, (d, child));
                    }
                    _ => {}
                }
            }
        }
    }

    // ---- pass 2: building ------------------------------------------------------

    fn build_all(&mut self) {
        let mut ids: Vec<TypeId> = self.type_nodes.keys().copied().collect();
        ids.sort();
        for id in ids {
            self.ensure_type(id);
        }
        let attrs: Vec<QName> = self.attribute_nodes.keys().cloned().collect();
        for name in attrs {
            if let Some(a) = self.global_attribute(&name) {
                self.schema.global_attributes.insert(name, a);
            }
        }
        let groups: Vec<QName> = self.group_nodes.keys().cloned().collect();
        for name in groups {
            if let Some(g) = self.named_group(&name) {
                self.schema.groups.insert(name, g);
            }
        }
        let attr_groups: Vec<QName> = self.attr_group_nodes.keys().cloned().collect();
        for name in attr_groups {
            if let Some(g) = self.attribute_group(&name) {
                self.schema.attribute_groups.insert(name, g);
            }
        }
        let nodes: Vec<(ElementId, Node<'a>)> =
            self.element_nodes.iter().map(|(id, n)| (*id, *n)).collect();
        for (id, (d, node)) in &nodes {
            let decl = self.element_decl(*d, node, true);
            self.elements[id.0 as usize] = Some(decl);
        }
        self.resolve_substitution_groups(&nodes);
        // Anonymous complex types found on the way (building them may find more).
        loop {
            let mut pending: Vec<TypeId> = self
                .type_state
                .iter()
                .filter(|(_, s)| **s == State::Pending)
                .map(|(id, _)| *id)
                .collect();
            if pending.is_empty() {
                break;
            }
            pending.sort();
            for id in pending {
                self.ensure_type(id);
            }
        }
    }

    /// Accounts for `n` particles or attribute uses; false (reported once)
    /// when the schema expands beyond [`MAX_EXPANSION`].
    fn charge(&mut self, n: usize, d: usize, el: &'a Element) -> bool {
        if self.budget_exhausted {
            return false;
        }
        self.budget_used = self.budget_used.saturating_add(n);
        if self.budget_used > MAX_EXPANSION {
            self.budget_exhausted = true;
            self.error(
                d,
                el,
                LoadErrorKind::Limit(format!(
                    "the schema's content models expand to more than {MAX_EXPANSION} particles and attributes \
                     (group references or derivation chains that multiply content)"
                )),
            );
            return false;
        }
        true
    }

    /// Enters one more level of nested building, or reports the limit.
    fn enter(&mut self, d: usize, el: &'a Element) -> bool {
        if self.nesting >= MAX_NESTING {
            self.error(
                d,
                el,
                LoadErrorKind::Limit(format!(
                    "base types and group references nested deeper than {MAX_NESTING}"
                )),
            );
            return false;
        }
        self.nesting += 1;
        true
    }

    /// Starts building a named group or attribute group: reports a cycle
    /// (the name is already being built) or the nesting limit.
    fn begin_named(&mut self, kind: RefKind, name: &QName, d: usize, node: &'a Element) -> bool {
        if !self.building.insert((kind, name.clone())) {
            self.error(
                d,
                node,
                LoadErrorKind::Circular {
                    kind,
                    name: name.clone(),
                },
            );
            return false;
        }
        if !self.enter(d, node) {
            self.building.remove(&(kind, name.clone()));
            return false;
        }
        true
    }

    fn end_named(&mut self, kind: RefKind, name: &QName) {
        self.nesting -= 1;
        self.building.remove(&(kind, name.clone()));
    }

    fn ensure_type(&mut self, id: TypeId) {
        match self.type_state.get(&id) {
            Some(State::Pending) => {}
            _ => return,
        }
        let (d, node) = self.type_nodes[&id];
        self.type_state.insert(id, State::Building);
        let name = node
            .attr("name")
            .map(|n| QName::new(self.tns(d).to_string(), n));
        let def = if node.name.local == "complexType" {
            TypeDef::Complex(self.complex_type(d, node, name))
        } else {
            TypeDef::Simple(self.simple_type(d, node, name))
        };
        self.types[id.0 as usize] = Some(def);
        self.type_state.insert(id, State::Done);
    }

    /// Resolves a type reference to an id, reporting unresolved names.
    fn type_ref(&mut self, d: usize, el: &'a Element, value: &str) -> Option<TypeId> {
        let q = self.qname(d, el, value)?;
        if let Some(b) = Builtin::from_qname(&q) {
            return Some(self.schema.builtin(b));
        }
        match self.schema.global_types.get(&q) {
            Some(&id) => Some(id),
            None => {
                self.error(
                    d,
                    el,
                    LoadErrorKind::Unresolved {
                        kind: RefKind::Type,
                        name: q,
                    },
                );
                None
            }
        }
    }

    /// A base type must be complete before its derivations are computed.
    fn base_ref(&mut self, d: usize, el: &'a Element, value: &str) -> Option<TypeId> {
        let id = self.type_ref(d, el, value)?;
        if self.type_state.get(&id) == Some(&State::Building) {
            let name = self.qname(d, el, value)?;
            self.error(
                d,
                el,
                LoadErrorKind::Circular {
                    kind: RefKind::Type,
                    name,
                },
            );
            return None;
        }
        if self.type_state.get(&id) == Some(&State::Pending) {
            if !self.enter(d, el) {
                return None;
            }
            self.ensure_type(id);
            self.nesting -= 1;
        }
        Some(id)
    }

    fn def(&self, id: TypeId) -> Option<&TypeDef> {
        self.types[id.0 as usize].as_ref()
    }

    fn alloc_type(&mut self, def: TypeDef) -> TypeId {
        let id = TypeId(self.types.len() as u32);
        self.types.push(Some(def));
        id
    }

    fn documentation(el: &'a Element) -> Option<String> {
        let ann = el.child(ns::XS, "annotation")?;
        let text: Vec<String> = ann
            .children
            .iter()
            .filter(|c| c.is(ns::XS, "documentation"))
            .map(|c| c.deep_text().trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        (!text.is_empty()).then(|| text.join("\n"))
    }

    /// Children in the XSD namespace other than annotations.
    fn xs_children(el: &'a Element) -> impl Iterator<Item = &'a Element> {
        el.children_in(ns::XS)
            .filter(|c| c.name.local != "annotation")
    }

    // ---- simple types -------------------------------------------------------------

    fn simple_type(&mut self, d: usize, node: &'a Element, name: Option<QName>) -> SimpleType {
        let location = Some(self.loc(d, node));
        let documentation = Self::documentation(node);
        let any_simple = self.schema.builtin(Builtin::AnySimpleType);
        let mut st = SimpleType {
            name,
            base: Some(any_simple),
            variety: Variety::Atomic(Builtin::String),
            facets: Facets::default(),
            location,
            documentation,
        };
        let Some(body) = Self::xs_children(node).next() else {
            self.invalid(d, node, "simpleType", "needs a restriction, list or union");
            return st;
        };
        match body.name.local.as_str() {
            "restriction" => {
                let base = match body.attr("base") {
                    Some(v) => self.base_ref(d, body, v),
                    None => body
                        .child(ns::XS, "simpleType")
                        .map(|inner| self.anonymous_simple(d, inner)),
                };
                let Some(base) = base else {
                    if body.attr("base").is_none() {
                        self.invalid(d, body, "restriction", "needs a base type");
                    }
                    return st;
                };
                match self.def(base) {
                    Some(TypeDef::Simple(b)) => {
                        st.variety = b.variety.clone();
                        st.facets = b.facets.clone();
                    }
                    Some(TypeDef::Complex(_)) => {
                        let label = self.schema_label(base);
                        self.invalid(
                            d,
                            body,
                            "simpleType restriction",
                            format!("base `{label}` is a complex type"),
                        );
                        return st;
                    }
                    None => return st,
                }
                st.base = Some(base);
                self.facets(d, body, &mut st.facets);
            }
            "list" => {
                let item = match body.attr("itemType") {
                    Some(v) => self.type_ref(d, body, v),
                    None => match body.child(ns::XS, "simpleType") {
                        Some(inner) => Some(self.anonymous_simple(d, inner)),
                        None => {
                            self.invalid(d, body, "list", "needs an itemType");
                            None
                        }
                    },
                };
                if let Some(item) = item {
                    st.variety = Variety::List(item);
                }
            }
            "union" => {
                let mut members = Vec::new();
                if let Some(list) = body.attr("memberTypes") {
                    for m in list.split_whitespace() {
                        if let Some(id) = self.type_ref(d, body, m) {
                            members.push(id);
                        }
                    }
                }
                for inner in body.children.iter().filter(|c| c.is(ns::XS, "simpleType")) {
                    members.push(self.anonymous_simple(d, inner));
                }
                if members.is_empty() {
                    self.invalid(d, body, "union", "needs member types");
                }
                st.variety = Variety::Union(members);
            }
            other => {
                let other = other.to_string();
                self.invalid(d, body, "simpleType", format!("unexpected `xs:{other}`"));
            }
        }
        st
    }

    fn anonymous_simple(&mut self, d: usize, node: &'a Element) -> TypeId {
        let st = self.simple_type(d, node, None);
        self.alloc_type(TypeDef::Simple(st))
    }

    fn schema_label(&self, id: TypeId) -> String {
        self.def(id)
            .and_then(TypeDef::name)
            .map(|q| q.to_string())
            .unwrap_or_else(|| "(anonymous)".into())
    }

    /// Reads facet children of a restriction over the inherited facets.
    fn facets(&mut self, d: usize, restriction: &'a Element, facets: &mut Facets) {
        let mut enumeration = Vec::new();
        let mut patterns = Vec::new();
        for f in Self::xs_children(restriction) {
            let Some(value) = f.attr("value") else {
                if !matches!(
                    f.name.local.as_str(),
                    "simpleType"
                        | "attribute"
                        | "attributeGroup"
                        | "anyAttribute"
                        | "sequence"
                        | "choice"
                        | "all"
                        | "group"
                ) {
                    self.invalid(
                        d,
                        f,
                        &format!("facet `{}`", f.name.local),
                        "missing `value`",
                    );
                }
                continue;
            };
            let local = f.name.local.as_str();
            let number = |b: &mut Self| -> Option<u64> {
                match value.trim().parse::<u64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        b.invalid(
                            d,
                            f,
                            &format!("facet `{local}`"),
                            format!("`{value}` is not a non-negative integer"),
                        );
                        None
                    }
                }
            };
            match local {
                "enumeration" => enumeration.push(value.to_string()),
                "pattern" => patterns.push(value.to_string()),
                "length" => facets.length = number(self),
                "minLength" => facets.min_length = number(self),
                "maxLength" => facets.max_length = number(self),
                "totalDigits" => {
                    facets.total_digits = number(self).map(|n| n.min(u32::MAX as u64) as u32)
                }
                "fractionDigits" => {
                    facets.fraction_digits = number(self).map(|n| n.min(u32::MAX as u64) as u32)
                }
                "minInclusive" => facets.min_inclusive = Some(value.trim().to_string()),
                "maxInclusive" => facets.max_inclusive = Some(value.trim().to_string()),
                "minExclusive" => facets.min_exclusive = Some(value.trim().to_string()),
                "maxExclusive" => facets.max_exclusive = Some(value.trim().to_string()),
                "whiteSpace" => {
                    facets.white_space = match value.trim() {
                        "preserve" => Some(WhiteSpace::Preserve),
                        "replace" => Some(WhiteSpace::Replace),
                        "collapse" => Some(WhiteSpace::Collapse),
                        other => {
                            self.invalid(d, f, "facet `whiteSpace`", format!("`{other}`"));
                            facets.white_space
                        }
                    }
                }
                _ => {}
            }
        }
        if !enumeration.is_empty() {
            facets.enumeration = Some(enumeration);
        }
        if !patterns.is_empty() {
            facets.patterns.push(patterns);
        }
        if let (Some(min), Some(max)) = (facets.min_length, facets.max_length)
            && min > max
        {
            self.invalid(
                d,
                restriction,
                "facets",
                format!("minLength {min} is greater than maxLength {max}"),
            );
        }
    }

    // ---- complex types --------------------------------------------------------------

    fn complex_type(&mut self, d: usize, node: &'a Element, name: Option<QName>) -> ComplexType {
        let mut ct = ComplexType {
            name,
            base: Some(self.schema.builtin(Builtin::AnyType)),
            derivation: None,
            is_abstract: bool_attr(node, "abstract"),
            mixed: bool_attr(node, "mixed"),
            content: Content::Empty,
            attributes: Vec::new(),
            any_attribute: None,
            soap_array: None,
            location: Some(self.loc(d, node)),
            documentation: Self::documentation(node),
        };
        let first = Self::xs_children(node).next();
        match first.map(|c| c.name.local.as_str()) {
            Some("simpleContent") => {
                self.simple_content(d, first.unwrap_or(node), &mut ct);
            }
            Some("complexContent") => {
                let cc = first.unwrap_or(node);
                if let Some(m) = cc.attr("mixed") {
                    ct.mixed = m == "true" || m == "1";
                }
                self.complex_content(d, cc, &mut ct);
            }
            _ => {
                ct.content = match self.content_particle(d, node) {
                    Some(p) => Content::Elements(p),
                    None => Content::Empty,
                };
                let (attrs, any) = self.attribute_decls(d, node);
                ct.attributes = attrs
                    .into_iter()
                    .filter(|a| !a.prohibited)
                    .map(|a| a.attr)
                    .collect();
                ct.any_attribute = any;
            }
        }
        ct
    }

    /// The model group particle directly inside `node` (sequence/choice/all/group).
    fn content_particle(&mut self, d: usize, node: &'a Element) -> Option<Particle> {
        let child = Self::xs_children(node).find(|c| {
            matches!(
                c.name.local.as_str(),
                "sequence" | "choice" | "all" | "group"
            )
        })?;
        self.particle(d, child)
    }

    /// The `xs:extension`/`xs:restriction` inside simple or complex content,
    /// with its base type built; reports and returns `None` when malformed.
    fn derivation(
        &mut self,
        d: usize,
        holder: &'a Element,
        what: &str,
    ) -> Option<(&'a Element, Derivation, TypeId)> {
        let Some(der) = Self::xs_children(holder).next() else {
            self.invalid(d, holder, what, "needs an extension or restriction");
            return None;
        };
        let derivation = match der.name.local.as_str() {
            "extension" => Derivation::Extension,
            "restriction" => Derivation::Restriction,
            other => {
                let other = other.to_string();
                self.invalid(d, der, what, format!("unexpected `xs:{other}`"));
                return None;
            }
        };
        let Some(v) = der.attr("base") else {
            self.invalid(d, der, &der.name.local, "needs a base type");
            return None;
        };
        let base = self.base_ref(d, der, v)?;
        Some((der, derivation, base))
    }

    fn complex_content(&mut self, d: usize, cc: &'a Element, ct: &mut ComplexType) {
        let Some((der, derivation, base)) = self.derivation(d, cc, "complexContent") else {
            return;
        };
        ct.base = Some(base);
        ct.derivation = Some(derivation);
        let (base_content, base_attrs, base_any) = match self.def(base) {
            Some(TypeDef::Complex(b)) => (
                b.content.clone(),
                b.attributes.clone(),
                b.any_attribute.clone(),
            ),
            Some(TypeDef::Simple(_)) => {
                let label = self.schema_label(base);
                self.invalid(
                    d,
                    der,
                    "complexContent",
                    format!("base `{label}` is a simple type (use simpleContent)"),
                );
                return;
            }
            None => return,
        };
        let inherited = content_size(&base_content) + base_attrs.len();
        if !self.charge(inherited, d, der) {
            return;
        }
        let own = self.content_particle(d, der);
        let (own_attrs, own_any) = self.attribute_decls(d, der);
        match derivation {
            Derivation::Extension => {
                ct.content = match (base_content, own) {
                    (Content::Elements(b), Some(o)) => Content::Elements(Particle {
                        min: 1,
                        max: MaxOccurs::Bounded(1),
                        term: Term::Group(ModelGroup {
                            compositor: Compositor::Sequence,
                            particles: vec![b, o],
                            name: None,
                        }),
                    }),
                    (Content::Elements(b), None) => Content::Elements(b),
                    (Content::Empty, Some(o)) => Content::Elements(o),
                    (Content::Empty, None) => Content::Empty,
                    (Content::Simple(v), None) => Content::Simple(v),
                    (Content::Simple(_), Some(_)) => {
                        self.invalid(
                            d,
                            der,
                            "complexContent extension",
                            "cannot add elements to a type with simple content",
                        );
                        Content::Empty
                    }
                };
                ct.attributes = merge_attributes(base_attrs, own_attrs);
                ct.any_attribute = own_any.or(base_any);
            }
            Derivation::Restriction => {
                ct.content = match own {
                    Some(p) => Content::Elements(p),
                    None => Content::Empty,
                };
                ct.attributes = merge_attributes(base_attrs, own_attrs);
                ct.any_attribute = own_any;
                if self.def(base).and_then(TypeDef::name)
                    == Some(&QName::new(ns::SOAP11_ENC, "Array"))
                {
                    ct.soap_array = self.soap_array(d, der, ct);
                }
            }
        }
    }

    fn simple_content(&mut self, d: usize, sc: &'a Element, ct: &mut ComplexType) {
        let Some((der, derivation, base)) = self.derivation(d, sc, "simpleContent") else {
            return;
        };
        let is_ext = derivation == Derivation::Extension;
        ct.base = Some(base);
        ct.derivation = Some(derivation);
        let (value_type, base_attrs, base_any) = match self.def(base) {
            Some(TypeDef::Simple(_)) => (base, Vec::new(), None),
            Some(TypeDef::Complex(b)) => match &b.content {
                Content::Simple(v) => (*v, b.attributes.clone(), b.any_attribute.clone()),
                // anyType and mixed types with emptiable content may be restricted
                // to simple content; the value is then a string.
                _ if !is_ext && b.mixed => (
                    self.schema.builtin(Builtin::String),
                    b.attributes.clone(),
                    b.any_attribute.clone(),
                ),
                _ => {
                    let label = self.schema_label(base);
                    self.invalid(
                        d,
                        der,
                        "simpleContent",
                        format!("base `{label}` does not have simple content"),
                    );
                    return;
                }
            },
            None => return,
        };
        let (own_attrs, own_any) = self.attribute_decls(d, der);
        let value = if is_ext {
            value_type
        } else {
            // A restriction narrows the value: a new anonymous simple type.
            let inner = der
                .child(ns::XS, "simpleType")
                .map(|s| self.anonymous_simple(d, s));
            let start = inner.unwrap_or(value_type);
            match self.def(start) {
                Some(TypeDef::Simple(v)) => {
                    let mut st = v.clone();
                    st.name = None;
                    st.base = Some(start);
                    st.location = Some(self.loc(d, der));
                    self.facets(d, der, &mut st.facets);
                    self.alloc_type(TypeDef::Simple(st))
                }
                _ => start,
            }
        };
        ct.content = Content::Simple(value);
        ct.attributes = merge_attributes(base_attrs, own_attrs);
        ct.any_attribute = if is_ext {
            own_any.or(base_any)
        } else {
            own_any
        };
    }

    /// `wsdl:arrayType="tns:Item[]"` on the `soapenc:arrayType` attribute, or
    /// a single repeating element, gives the array's item type.
    fn soap_array(&mut self, d: usize, der: &'a Element, ct: &ComplexType) -> Option<SoapArray> {
        for a in der.children.iter().filter(|c| c.is(ns::XS, "attribute")) {
            let Some(raw) = a.attr_ns(ns::WSDL, "arrayType") else {
                continue;
            };
            let Some(open) = raw.find('[') else {
                self.invalid(d, a, "wsdl:arrayType", format!("`{raw}` has no dimensions"));
                return None;
            };
            let item = self.type_ref(d, a, &raw[..open])?;
            let ranks = raw[open..]
                .split(']')
                .filter(|s| s.starts_with('['))
                .map(|s| s.matches(',').count() as u32 + 1)
                .collect();
            return Some(SoapArray {
                item_type: item,
                ranks,
            });
        }
        if let Content::Elements(p) = &ct.content
            && let Term::Group(g) = &p.term
            && let [only] = g.particles.as_slice()
            && let Term::Element(e) = only.term
            && only.max.repeats()
            && let Some(decl) = self.elements.get(e.0 as usize).and_then(Option::as_ref)
        {
            return Some(SoapArray {
                item_type: decl.type_id,
                ranks: vec![1],
            });
        }
        None
    }

    // ---- particles --------------------------------------------------------------------

    fn occurs(&mut self, d: usize, el: &'a Element) -> (u32, MaxOccurs) {
        let min = match el.attr("minOccurs").map(str::trim) {
            None => 1,
            Some(v) => v.parse().unwrap_or_else(|_| {
                self.invalid(
                    d,
                    el,
                    "minOccurs",
                    format!("`{v}` is not a non-negative integer"),
                );
                1
            }),
        };
        let max = match el.attr("maxOccurs").map(str::trim) {
            None => MaxOccurs::Bounded(1),
            Some("unbounded") => MaxOccurs::Unbounded,
            Some(v) => match v.parse() {
                Ok(n) => MaxOccurs::Bounded(n),
                Err(_) => {
                    self.invalid(
                        d,
                        el,
                        "maxOccurs",
                        format!("`{v}` is not an integer or `unbounded`"),
                    );
                    MaxOccurs::Bounded(1)
                }
            },
        };
        if let MaxOccurs::Bounded(m) = max
            && m < min
        {
            self.invalid(
                d,
                el,
                "occurrence",
                format!("maxOccurs {m} is less than minOccurs {min}"),
            );
        }
        (min, max)
    }

    fn particle(&mut self, d: usize, el: &'a Element) -> Option<Particle> {
        if !self.charge(1, d, el) {
            return None;
        }
        let (min, max) = self.occurs(d, el);
        let term = match el.name.local.as_str() {
            "element" => Term::Element(self.element_particle(d, el)?),
            "group" => {
                let Some(r) = el.attr("ref") else {
                    self.invalid(d, el, "group", "a local group needs `ref`");
                    return None;
                };
                let name = self.qname(d, el, r)?;
                if !self.group_nodes.contains_key(&name) {
                    self.error(
                        d,
                        el,
                        LoadErrorKind::Unresolved {
                            kind: RefKind::Group,
                            name,
                        },
                    );
                    return None;
                }
                let g = self.named_group(&name)?;
                if !self.charge(group_size(&g), d, el) {
                    return None;
                }
                Term::Group(g)
            }
            "sequence" | "choice" | "all" => Term::Group(self.model_group(d, el, None)),
            "any" => Term::Any(self.wildcard(d, el)),
            other => {
                let other = other.to_string();
                self.invalid(d, el, "content model", format!("unexpected `xs:{other}`"));
                return None;
            }
        };
        Some(Particle { min, max, term })
    }

    fn model_group(&mut self, d: usize, el: &'a Element, name: Option<QName>) -> ModelGroup {
        let compositor = match el.name.local.as_str() {
            "choice" => Compositor::Choice,
            "all" => Compositor::All,
            _ => Compositor::Sequence,
        };
        let mut particles = Vec::new();
        for c in Self::xs_children(el) {
            if let Some(p) = self.particle(d, c) {
                particles.push(p);
            }
        }
        ModelGroup {
            compositor,
            particles,
            name,
        }
    }

    fn named_group(&mut self, name: &QName) -> Option<ModelGroup> {
        if let Some(g) = self.schema.groups.get(name) {
            return Some(g.clone());
        }
        let (d, node) = *self.group_nodes.get(name)?;
        if !self.begin_named(RefKind::Group, name, d, node) {
            return None;
        }
        let body = Self::xs_children(node)
            .find(|c| matches!(c.name.local.as_str(), "sequence" | "choice" | "all"));
        let group = match body {
            Some(b) => self.model_group(d, b, Some(name.clone())),
            None => {
                self.invalid(d, node, "group", "needs a sequence, choice or all");
                ModelGroup {
                    compositor: Compositor::Sequence,
                    particles: Vec::new(),
                    name: Some(name.clone()),
                }
            }
        };
        self.end_named(RefKind::Group, name);
        self.schema.groups.insert(name.clone(), group.clone());
        Some(group)
    }

    fn wildcard(&mut self, d: usize, el: &'a Element) -> Wildcard {
        let tns = self.tns(d).to_string();
        let namespaces = match el.attr("namespace").map(str::trim) {
            None | Some("##any") => NamespaceConstraint::Any,
            Some("##other") => NamespaceConstraint::Other(tns),
            Some(list) => NamespaceConstraint::List(
                list.split_whitespace()
                    .map(|n| match n {
                        "##targetNamespace" => tns.clone(),
                        "##local" => String::new(),
                        other => other.to_string(),
                    })
                    .collect(),
            ),
        };
        let process = match el.attr("processContents").map(str::trim) {
            None | Some("strict") => ProcessContents::Strict,
            Some("lax") => ProcessContents::Lax,
            Some("skip") => ProcessContents::Skip,
            Some(other) => {
                let other = other.to_string();
                self.invalid(d, el, "processContents", format!("`{other}`"));
                ProcessContents::Strict
            }
        };
        Wildcard {
            namespaces,
            process,
        }
    }

    // ---- elements ------------------------------------------------------------------------

    fn element_particle(&mut self, d: usize, el: &'a Element) -> Option<ElementId> {
        if let Some(r) = el.attr("ref") {
            let name = self.qname(d, el, r)?;
            return match self.schema.global_elements.get(&name) {
                Some(&id) => Some(id),
                None => {
                    self.error(
                        d,
                        el,
                        LoadErrorKind::Unresolved {
                            kind: RefKind::Element,
                            name,
                        },
                    );
                    None
                }
            };
        }
        if el.attr("name").is_none() {
            self.invalid(d, el, "element", "needs `name` or `ref`");
            return None;
        }
        let decl = self.element_decl(d, el, false);
        let id = ElementId(self.elements.len() as u32);
        self.elements.push(Some(decl));
        Some(id)
    }

    fn element_decl(&mut self, d: usize, el: &'a Element, global: bool) -> ElementDecl {
        let local = el.attr("name").unwrap_or_default();
        let qualified = global
            || match el.attr("form") {
                Some(f) => f == "qualified",
                None => self.docs[d].qualified_elements(),
            };
        let ns = if qualified {
            self.tns(d).to_string()
        } else {
            String::new()
        };
        let inline = Self::xs_children(el)
            .find(|c| matches!(c.name.local.as_str(), "complexType" | "simpleType"));
        let type_id = match (el.attr("type"), inline) {
            (Some(t), _) => self.type_ref(d, el, t),
            // Anonymous complex types are built later, like named ones: built
            // now, one that extends the named type being built (recursion
            // through an element, which is valid) would look circular.
            (None, Some(inner)) => Some(if inner.name.local == "complexType" {
                let id = TypeId(self.types.len() as u32);
                self.types.push(None);
                self.type_nodes.insert(id, (d, inner));
                self.type_state.insert(id, State::Pending);
                id
            } else {
                self.anonymous_simple(d, inner)
            }),
            // Without a type: the substitution head's (fixed up later) or anyType.
            (None, None) => None,
        };
        ElementDecl {
            name: QName::new(ns, local),
            type_id: type_id.unwrap_or(self.schema.builtin(Builtin::AnyType)),
            nillable: bool_attr(el, "nillable"),
            default: el.attr("default").map(str::to_string),
            fixed: el.attr("fixed").map(str::to_string),
            is_abstract: bool_attr(el, "abstract"),
            substitution_group: None,
            global,
            location: Some(self.loc(d, el)),
            documentation: Self::documentation(el),
        }
    }

    fn resolve_substitution_groups(&mut self, nodes: &[(ElementId, Node<'a>)]) {
        // member -> (head, declared without a type of its own)
        let mut heads: HashMap<ElementId, (ElementId, bool)> = HashMap::new();
        let mut order: Vec<ElementId> = Vec::new();
        let mut where_: HashMap<ElementId, Node<'a>> = HashMap::new();
        for (id, (d, node)) in nodes {
            let Some(raw) = node.attr("substitutionGroup") else {
                continue;
            };
            // XSD 1.0 takes one head; XSD 1.1 allows a list, take the first.
            let first = raw.split_whitespace().next().unwrap_or(raw);
            let Some(head_name) = self.qname(*d, node, first) else {
                continue;
            };
            match self.schema.global_elements.get(&head_name) {
                Some(&head) => {
                    let untyped = node.attr("type").is_none()
                        && !Self::xs_children(node)
                            .any(|c| matches!(c.name.local.as_str(), "complexType" | "simpleType"));
                    heads.insert(*id, (head, untyped));
                    order.push(*id);
                    where_.insert(*id, (*d, *node));
                }
                None => self.error(
                    *d,
                    node,
                    LoadErrorKind::Unresolved {
                        kind: RefKind::Element,
                        name: head_name,
                    },
                ),
            }
        }
        for (member, (head, _)) in &heads {
            if let Some(Some(m)) = self.elements.get_mut(member.0 as usize) {
                m.substitution_group = Some(*head);
            }
        }
        // Untyped members take their head's type, following the chain once
        // per member with memoisation (linear overall).
        let mut resolved: HashMap<ElementId, TypeId> = HashMap::new();
        for &member in &order {
            let mut chain = Vec::new();
            let mut cur = member;
            let ty = loop {
                if let Some(t) = resolved.get(&cur) {
                    break Some(*t);
                }
                match heads.get(&cur) {
                    Some((head, true)) => {
                        if chain.contains(&cur) || chain.len() > heads.len() {
                            break None;
                        }
                        chain.push(cur);
                        cur = *head;
                    }
                    _ => break self.elements[cur.0 as usize].as_ref().map(|e| e.type_id),
                }
            };
            if let Some(t) = ty {
                for c in chain {
                    resolved.insert(c, t);
                    if let Some(Some(e)) = self.elements.get_mut(c.0 as usize) {
                        e.type_id = t;
                    }
                }
            }
        }
        // Transitive membership: every ancestor head gets the member.
        let mut seen_pairs: HashSet<(ElementId, ElementId)> = HashSet::new();
        for &member in &order {
            let (d, node) = where_[&member];
            let mut cur = heads.get(&member).map(|(h, _)| *h);
            let mut visited = HashSet::new();
            while let Some(h) = cur {
                if !visited.insert(h) || h == member {
                    let name = self.elements[member.0 as usize]
                        .as_ref()
                        .map(|e| e.name.clone())
                        .unwrap_or_else(|| QName::new("", "?"));
                    self.error(
                        d,
                        node,
                        LoadErrorKind::Circular {
                            kind: RefKind::Element,
                            name,
                        },
                    );
                    break;
                }
                if !self.charge(1, d, node) {
                    return;
                }
                if seen_pairs.insert((h, member)) {
                    self.schema.substitutes.entry(h).or_default().push(member);
                }
                cur = heads.get(&h).map(|(hh, _)| *hh);
            }
        }
    }

    // ---- attributes -------------------------------------------------------------------------

    fn global_attribute(&mut self, name: &QName) -> Option<AttributeUse> {
        if let Some(a) = self.schema.global_attributes.get(name) {
            return Some(a.clone());
        }
        let (d, node) = *self.attribute_nodes.get(name)?;
        let decl = self.attribute_decl(d, node, true);
        self.schema
            .global_attributes
            .insert(name.clone(), decl.attr.clone());
        Some(decl.attr)
    }

    fn attribute_decl(&mut self, d: usize, el: &'a Element, global: bool) -> AttrDecl {
        let use_ = el.attr("use").map(str::trim).unwrap_or("optional");
        let required = use_ == "required";
        let prohibited = use_ == "prohibited";
        if !matches!(use_, "optional" | "required" | "prohibited") {
            self.invalid(d, el, "attribute use", format!("`{use_}`"));
        }
        let wsdl_array_type = el.attr_ns(ns::WSDL, "arrayType").map(str::to_string);
        if let Some(r) = el.attr("ref") {
            let referenced = self.qname(d, el, r).and_then(|name| {
                let found = self.global_attribute(&name);
                if found.is_none() {
                    self.error(
                        d,
                        el,
                        LoadErrorKind::Unresolved {
                            kind: RefKind::Attribute,
                            name,
                        },
                    );
                }
                found
            });
            let any_simple = self.schema.builtin(Builtin::AnySimpleType);
            let mut attr = referenced.unwrap_or(AttributeUse {
                name: QName::new("", r),
                type_id: any_simple,
                required: false,
                default: None,
                fixed: None,
                wsdl_array_type: None,
                location: None,
            });
            attr.required = required;
            if let Some(v) = el.attr("default") {
                attr.default = Some(v.to_string());
            }
            if let Some(v) = el.attr("fixed") {
                attr.fixed = Some(v.to_string());
            }
            attr.wsdl_array_type = wsdl_array_type;
            attr.location = Some(self.loc(d, el));
            return AttrDecl { attr, prohibited };
        }
        let local = el.attr("name").unwrap_or_default().to_string();
        if local.is_empty() {
            self.invalid(d, el, "attribute", "needs `name` or `ref`");
        }
        let qualified = global
            || match el.attr("form") {
                Some(f) => f == "qualified",
                None => self.docs[d].qualified_attributes(),
            };
        let ns = if qualified {
            self.tns(d).to_string()
        } else {
            String::new()
        };
        let type_id = match (el.attr("type"), el.child(ns::XS, "simpleType")) {
            (Some(t), _) => self.type_ref(d, el, t),
            (None, Some(inner)) => Some(self.anonymous_simple(d, inner)),
            (None, None) => None,
        }
        .unwrap_or(self.schema.builtin(Builtin::AnySimpleType));
        if let Some(TypeDef::Complex(_)) = self.def(type_id) {
            let label = self.schema_label(type_id);
            self.invalid(
                d,
                el,
                "attribute type",
                format!("`{label}` is a complex type"),
            );
        }
        AttrDecl {
            attr: AttributeUse {
                name: QName::new(ns, local),
                type_id,
                required,
                default: el.attr("default").map(str::to_string),
                fixed: el.attr("fixed").map(str::to_string),
                wsdl_array_type,
                location: Some(self.loc(d, el)),
            },
            prohibited,
        }
    }

    fn attribute_group(&mut self, name: &QName) -> Option<AttributeGroup> {
        if let Some(g) = self.schema.attribute_groups.get(name) {
            return Some(g.clone());
        }
        let (d, node) = *self.attr_group_nodes.get(name)?;
        if !self.begin_named(RefKind::AttributeGroup, name, d, node) {
            return None;
        }
        let (attrs, any) = self.attribute_decls(d, node);
        let group = AttributeGroup {
            attributes: attrs
                .into_iter()
                .filter(|a| !a.prohibited)
                .map(|a| a.attr)
                .collect(),
            any_attribute: any,
        };
        self.end_named(RefKind::AttributeGroup, name);
        self.schema
            .attribute_groups
            .insert(name.clone(), group.clone());
        Some(group)
    }

    /// The attribute declarations directly inside `el`, attribute groups expanded.
    fn attribute_decls(&mut self, d: usize, el: &'a Element) -> (Vec<AttrDecl>, Option<Wildcard>) {
        let mut out: IndexMap<QName, AttrDecl> = IndexMap::new();
        let mut any = None;
        for c in Self::xs_children(el) {
            match c.name.local.as_str() {
                "attribute" => {
                    let decl = self.attribute_decl(d, c, false);
                    push_attr(&mut out, decl);
                }
                "attributeGroup" => {
                    let Some(r) = c.attr("ref") else {
                        continue;
                    };
                    let Some(name) = self.qname(d, c, r) else {
                        continue;
                    };
                    if !self.attr_group_nodes.contains_key(&name) {
                        self.error(
                            d,
                            c,
                            LoadErrorKind::Unresolved {
                                kind: RefKind::AttributeGroup,
                                name,
                            },
                        );
                        continue;
                    }
                    if let Some(g) = self.attribute_group(&name)
                        && self.charge(g.attributes.len(), d, c)
                    {
                        for a in g.attributes {
                            push_attr(
                                &mut out,
                                AttrDecl {
                                    attr: a,
                                    prohibited: false,
                                },
                            );
                        }
                        if any.is_none() {
                            any = g.any_attribute;
                        }
                    }
                }
                "anyAttribute" => any = Some(self.wildcard(d, c)),
                _ => {}
            }
        }
        (out.into_values().collect(), any)
    }

    // ---- finishing ----------------------------------------------------------------------------

    fn finish(mut self) -> (Schema, Vec<LoadError>) {
        let any_type = self.schema.builtin(Builtin::AnyType);
        let string = self.schema.builtin(Builtin::String);
        self.schema.types = self
            .types
            .into_iter()
            .map(|t| {
                // A slot stays empty only when its definition failed to build
                // (already reported); a permissive placeholder keeps ids valid.
                t.unwrap_or_else(|| {
                    TypeDef::Simple(SimpleType {
                        name: None,
                        base: Some(string),
                        variety: Variety::Atomic(Builtin::String),
                        facets: Facets::default(),
                        location: None,
                        documentation: None,
                    })
                })
            })
            .collect();
        self.schema.elements = self
            .elements
            .into_iter()
            .map(|e| {
                e.unwrap_or_else(|| ElementDecl {
                    name: QName::new("", ""),
                    type_id: any_type,
                    nillable: false,
                    default: None,
                    fixed: None,
                    is_abstract: false,
                    substitution_group: None,
                    global: true,
                    location: None,
                    documentation: None,
                })
            })
            .collect();
        let named: Vec<TypeId> = self.schema.global_types.values().copied().collect();
        for id in named {
            let mut cur = self.schema.ty(id).base();
            let mut steps = 0;
            while let Some(base) = cur {
                if base == any_type || steps > 256 {
                    break;
                }
                self.schema.derived.entry(base).or_default().push(id);
                cur = self.schema.ty(base).base();
                steps += 1;
            }
        }
        (self.schema, self.errors)
    }
}

/// Particles in a model group, nested ones included.
fn group_size(g: &ModelGroup) -> usize {
    g.particles.iter().map(particle_size).sum::<usize>() + 1
}

fn particle_size(p: &Particle) -> usize {
    match &p.term {
        Term::Group(g) => group_size(g),
        _ => 1,
    }
}

fn content_size(c: &Content) -> usize {
    match c {
        Content::Elements(p) => particle_size(p),
        _ => 1,
    }
}

fn bool_attr(el: &Element, name: &str) -> bool {
    matches!(el.attr(name).map(str::trim), Some("true" | "1"))
}

/// Replaces a same-named declaration (a restriction restating an attribute)
/// or appends.
fn push_attr(out: &mut IndexMap<QName, AttrDecl>, decl: AttrDecl) {
    out.insert(decl.attr.name.clone(), decl);
}

/// Inherited attributes first, then the derivation's own; `prohibited`
/// removes an inherited one.
fn merge_attributes(base: Vec<AttributeUse>, own: Vec<AttrDecl>) -> Vec<AttributeUse> {
    let mut out: IndexMap<QName, AttributeUse> =
        base.into_iter().map(|a| (a.name.clone(), a)).collect();
    for decl in own {
        // A restated attribute takes the base's place in the order.
        if decl.prohibited {
            out.shift_remove(&decl.attr.name);
        } else {
            out.insert(decl.attr.name.clone(), decl.attr);
        }
    }
    out.into_values().collect()
}
