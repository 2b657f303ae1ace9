//! The JSON shape of every complex type, compiled from its content model.
//!
//! This is where the design's translation rules are decided once, per type:
//! which JSON property each particle becomes, which ones are arrays, where a
//! repeating model group becomes an array of group objects, how attributes
//! are named (`@name` on a collision with an element), and which element
//! names can start each particle (the FIRST sets the streaming reader
//! matches against). Both directions use the same shape, so XML -> JSON ->
//! XML is symmetric by construction.

use std::collections::HashMap;

use crate::ns;
use crate::qname::QName;
use crate::schema::{
    Compositor, Content, ElementId, MaxOccurs, Particle, Schema, Term, TypeDef, TypeId, Wildcard,
};

/// Reserved JSON keys.
pub const VALUE: &str = "$value";
pub const TYPE: &str = "$type";
pub const ELEMENT: &str = "$element";
pub const ANY: &str = "$any";
pub const MIXED: &str = "$mixed";
pub const NIL: &str = "$nil";
pub const ANY_ATTRIBUTES: &str = "$attributes";

#[derive(Debug)]
pub struct TypeShape {
    pub type_id: TypeId,
    pub attrs: Vec<AttrShape>,
    pub any_attribute: Option<Wildcard>,
    pub body: Body,
    /// Set when the type's JSON form is ambiguous (two particles share a
    /// property name); such a type is refused rather than translated lossily.
    pub problem: Option<String>,
}

impl TypeShape {
    /// A simple-content or complex type is a JSON object unless it is
    /// simple content without any attribute (then it is the scalar itself).
    pub fn is_object(&self) -> bool {
        !matches!(self.body, Body::Simple(_))
            || !self.attrs.is_empty()
            || self.any_attribute.is_some()
    }

    pub fn attr_by_json(&self, key: &str) -> Option<&AttrShape> {
        self.attrs.iter().find(|a| a.json == key)
    }
}

#[derive(Debug)]
pub struct AttrShape {
    pub json: String,
    pub name: QName,
    pub type_id: TypeId,
    pub required: bool,
    pub default: Option<String>,
    pub fixed: Option<String>,
}

#[derive(Debug)]
pub enum Body {
    Empty,
    /// simpleContent: the value's type.
    Simple(TypeId),
    /// Element content. `mixed` keeps text interleaved (`$mixed`).
    Elements {
        root: Node,
        mixed: bool,
    },
}

/// A particle of the content model, annotated for JSON.
#[derive(Debug)]
pub struct Node {
    pub min: u32,
    pub max: MaxOccurs,
    pub kind: NodeKind,
    /// Element names that can start this particle.
    pub first: Vec<QName>,
    /// Wildcards that can start this particle.
    pub first_any: Vec<Wildcard>,
    /// True when the particle's content can be empty (one occurrence may match nothing).
    pub nullable: bool,
}

#[derive(Debug)]
pub enum NodeKind {
    Element(ElementNode),
    /// `xs:any`: items go to `$any`.
    Any {
        array: bool,
        wildcard: Wildcard,
    },
    Group {
        compositor: Compositor,
        children: Vec<Node>,
        slot: GroupSlot,
    },
}

#[derive(Debug)]
pub struct ElementNode {
    /// The JSON property name (the declaration's local name).
    pub json: String,
    pub array: bool,
    /// The declared element (the head, for substitution groups).
    pub decl: ElementId,
    /// Every element that may appear here: the declaration (unless abstract)
    /// and its substitution group members (unless abstract).
    pub accepts: Vec<ElementId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupSlot {
    /// Properties go into the enclosing object.
    Inline,
    /// A repeating group: an array of group objects under this name.
    Array(String),
}

impl Node {
    pub fn can_start(&self, name: &QName) -> bool {
        self.first.iter().any(|q| q == name)
            || self.first_any.iter().any(|w| w.namespaces.allows(&name.ns))
    }

    /// Satisfied after `count` occurrences?
    pub fn satisfied(&self, count: u32) -> bool {
        count >= self.min || self.nullable
    }

    pub fn below_max(&self, count: u32) -> bool {
        match self.max {
            MaxOccurs::Unbounded => true,
            MaxOccurs::Bounded(m) => count < m,
        }
    }
}

/// Compiles the shape of one complex type.
pub fn compile(schema: &Schema, type_id: TypeId) -> TypeShape {
    let TypeDef::Complex(ct) = schema.ty(type_id) else {
        return TypeShape {
            type_id,
            attrs: Vec::new(),
            any_attribute: None,
            body: Body::Simple(type_id),
            problem: None,
        };
    };
    let mut problem = None;
    let body = match &ct.content {
        Content::Empty if ct.mixed => Body::Simple(schema.builtin(crate::schema::Builtin::String)),
        Content::Empty => Body::Empty,
        Content::Simple(v) => Body::Simple(*v),
        Content::Elements(p) => {
            let root = node(schema, p, 1, MaxOccurs::Bounded(1));
            let mut names: HashMap<String, usize> = HashMap::new();
            property_names(&root, &mut names);
            if let Some((dup, _)) = names.iter().find(|(_, n)| **n > 1) {
                problem = Some(format!(
                    "two particles of type `{}` both become the JSON property `{dup}`",
                    schema.type_label(type_id)
                ));
            }
            // mixed content that allows no elements at all is just text.
            Body::Elements {
                root,
                mixed: ct.mixed,
            }
        }
    };
    let element_names: Vec<String> = match &body {
        Body::Elements { root, .. } => {
            let mut names = HashMap::new();
            property_names(root, &mut names);
            names.into_keys().collect()
        }
        _ => Vec::new(),
    };
    let attrs = ct
        .attributes
        .iter()
        .map(|a| {
            let json = if a.name.ns == ns::XML {
                format!("xml:{}", a.name.local)
            } else if element_names.contains(&a.name.local) || a.name.local.starts_with('$') {
                format!("@{}", a.name.local)
            } else {
                a.name.local.clone()
            };
            AttrShape {
                json,
                name: a.name.clone(),
                type_id: a.type_id,
                required: a.required,
                default: a.default.clone(),
                fixed: a.fixed.clone(),
            }
        })
        .collect();
    // SOAP-ENC's typed wrappers (`soapenc:string` is xs:string plus the
    // encoding's id/href plumbing) are plain scalars in JSON.
    let soapenc_scalar =
        ct.name.as_ref().is_some_and(|n| n.ns == ns::SOAP11_ENC) && matches!(body, Body::Simple(_));
    TypeShape {
        type_id,
        attrs: if soapenc_scalar { Vec::new() } else { attrs },
        any_attribute: if soapenc_scalar {
            None
        } else {
            ct.any_attribute.clone()
        },
        body,
        problem,
    }
}

fn mul(a: MaxOccurs, b: MaxOccurs) -> MaxOccurs {
    match (a, b) {
        (MaxOccurs::Bounded(0), _) | (_, MaxOccurs::Bounded(0)) => MaxOccurs::Bounded(0),
        (MaxOccurs::Bounded(x), MaxOccurs::Bounded(y)) => MaxOccurs::Bounded(x.saturating_mul(y)),
        _ => MaxOccurs::Unbounded,
    }
}

/// Builds a node; `outer_min`/`outer_max` come from a folded single-child group.
fn node(schema: &Schema, p: &Particle, outer_min: u32, outer_max: MaxOccurs) -> Node {
    let min = p.min.saturating_mul(outer_min);
    let max = mul(p.max, outer_max);
    match &p.term {
        Term::Element(e) => {
            let decl = schema.element(*e);
            let mut accepts = Vec::new();
            if !decl.is_abstract {
                accepts.push(*e);
            }
            if let Some(subs) = schema.substitutes.get(e) {
                accepts.extend(
                    subs.iter()
                        .copied()
                        .filter(|s| !schema.element(*s).is_abstract),
                );
            }
            let first = accepts
                .iter()
                .map(|a| schema.element(*a).name.clone())
                .collect();
            Node {
                min,
                max,
                kind: NodeKind::Element(ElementNode {
                    json: decl.name.local.clone(),
                    array: max.repeats(),
                    decl: *e,
                    accepts,
                }),
                first,
                first_any: Vec::new(),
                nullable: false,
            }
        }
        Term::Any(w) => Node {
            min,
            max,
            kind: NodeKind::Any {
                array: max.repeats(),
                wildcard: w.clone(),
            },
            first: Vec::new(),
            first_any: vec![w.clone()],
            nullable: false,
        },
        Term::Group(g) => {
            // A group around a single element or wildcard, with no name of its
            // own, is that particle repeated: `item` becomes an array, not a
            // list of one-property group objects.
            if g.name.is_none()
                && let [only] = g.particles.as_slice()
                && !matches!(only.term, Term::Group(_))
            {
                return node(schema, only, min, max);
            }
            let children: Vec<Node> = g
                .particles
                .iter()
                .map(|c| node(schema, c, 1, MaxOccurs::Bounded(1)))
                .collect();
            let mut first = Vec::new();
            let mut first_any = Vec::new();
            let nullable = match g.compositor {
                Compositor::Sequence => {
                    for c in &children {
                        first.extend(c.first.iter().cloned());
                        first_any.extend(c.first_any.iter().cloned());
                        if !(c.min == 0 || c.nullable) {
                            break;
                        }
                    }
                    children.iter().all(|c| c.min == 0 || c.nullable)
                }
                Compositor::Choice => {
                    for c in &children {
                        first.extend(c.first.iter().cloned());
                        first_any.extend(c.first_any.iter().cloned());
                    }
                    children.is_empty() || children.iter().any(|c| c.min == 0 || c.nullable)
                }
                Compositor::All => {
                    for c in &children {
                        first.extend(c.first.iter().cloned());
                        first_any.extend(c.first_any.iter().cloned());
                    }
                    children.iter().all(|c| c.min == 0 || c.nullable)
                }
            };
            let slot = if max.repeats() {
                GroupSlot::Array(match &g.name {
                    Some(n) => n.local.clone(),
                    None if g.compositor == Compositor::Choice => "$choice".into(),
                    None => "$sequence".into(),
                })
            } else {
                GroupSlot::Inline
            };
            Node {
                min,
                max,
                kind: NodeKind::Group {
                    compositor: g.compositor,
                    children,
                    slot,
                },
                first,
                first_any,
                nullable,
            }
        }
    }
}

/// Counts the JSON property names one object scope gets from `n`.
fn property_names(n: &Node, out: &mut HashMap<String, usize>) {
    match &n.kind {
        NodeKind::Element(e) => *out.entry(e.json.clone()).or_default() += 1,
        NodeKind::Any { .. } => {
            // Several wildcards share `$any`; that is fine only if they are
            // not both in one scope, which the count below reports.
            *out.entry(ANY.to_string()).or_default() += 1
        }
        NodeKind::Group { children, slot, .. } => match slot {
            GroupSlot::Inline => children.iter().for_each(|c| property_names(c, out)),
            GroupSlot::Array(name) => *out.entry(name.clone()).or_default() += 1,
        },
    }
}

/// Shapes for every complex type of a schema, compiled on first use.
pub struct Shapes {
    cells: Vec<std::sync::OnceLock<TypeShape>>,
}

impl Shapes {
    pub fn new(schema: &Schema) -> Self {
        Shapes {
            cells: (0..schema.types.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    pub fn get(&self, schema: &Schema, id: TypeId) -> &TypeShape {
        self.cells[id.0 as usize].get_or_init(|| compile(schema, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::testutil::schema_only;

    fn shape_of(body: &str, element: &str) -> (crate::contract::Contract, TypeId) {
        let c = schema_only(body);
        let e = c
            .schema
            .global_element(&QName::new("urn:t", element))
            .unwrap();
        let t = c.schema.element(e).type_id;
        (c, t)
    }

    fn props(n: &Node) -> Vec<String> {
        match &n.kind {
            NodeKind::Element(e) => vec![format!("{}{}", e.json, if e.array { "[]" } else { "" })],
            NodeKind::Any { array, .. } => vec![format!("$any{}", if *array { "[]" } else { "" })],
            NodeKind::Group { children, slot, .. } => match slot {
                GroupSlot::Inline => children.iter().flat_map(props).collect(),
                GroupSlot::Array(n) => vec![format!(
                    "{n}[{}]",
                    children
                        .iter()
                        .flat_map(props)
                        .collect::<Vec<_>>()
                        .join(",")
                )],
            },
        }
    }

    #[test]
    fn properties_arrays_and_group_arrays() {
        let (c, t) = shape_of(
            r###"<xs:group name="Pair"><xs:sequence><xs:element name="k" type="xs:string"/><xs:element name="v" type="xs:string"/></xs:sequence></xs:group>
               <xs:element name="E"><xs:complexType><xs:sequence>
                 <xs:element name="one" type="xs:string"/>
                 <xs:element name="many" type="xs:string" maxOccurs="unbounded"/>
                 <xs:sequence maxOccurs="unbounded"><xs:element name="wrappedItem" type="xs:int"/></xs:sequence>
                 <xs:choice maxOccurs="unbounded"><xs:element name="a" type="xs:int"/><xs:element name="b" type="xs:int"/></xs:choice>
                 <xs:group ref="tns:Pair" maxOccurs="5"/>
                 <xs:choice><xs:element name="x" type="xs:int"/><xs:element name="y" type="xs:int"/></xs:choice>
                 <xs:any namespace="##other" processContents="lax" maxOccurs="unbounded"/>
               </xs:sequence><xs:attribute name="one" type="xs:string"/><xs:attribute name="lang" type="xs:language"/></xs:complexType></xs:element>"###,
            "E",
        );
        let s = compile(&c.schema, t);
        let Body::Elements { root, .. } = &s.body else {
            panic!()
        };
        assert_eq!(
            props(root),
            [
                "one",
                "many[]",
                "wrappedItem[]",
                "$choice[a,b]",
                "Pair[k,v]",
                "x",
                "y",
                "$any[]"
            ]
        );
        let attrs: Vec<&str> = s.attrs.iter().map(|a| a.json.as_str()).collect();
        assert_eq!(attrs, ["@one", "lang"]);
        assert!(s.problem.is_none());
        assert!(root.can_start(&QName::new("urn:t", "one")));
        assert!(!root.can_start(&QName::new("urn:t", "many")));
    }

    #[test]
    fn simple_content_is_a_scalar_without_attributes() {
        let (c, t) = shape_of(
            r#"<xs:element name="A"><xs:complexType><xs:simpleContent><xs:extension base="xs:decimal">
                 <xs:attribute name="currency" type="xs:string"/></xs:extension></xs:simpleContent></xs:complexType></xs:element>"#,
            "A",
        );
        assert!(compile(&c.schema, t).is_object());
    }

    #[test]
    fn duplicate_property_names_are_a_problem() {
        let (c, t) = shape_of(
            r#"<xs:element name="E"><xs:complexType><xs:sequence>
                 <xs:element name="a" type="xs:string"/><xs:element name="b" type="xs:string"/><xs:element name="a" type="xs:string"/>
               </xs:sequence></xs:complexType></xs:element>"#,
            "E",
        );
        let s = compile(&c.schema, t);
        assert!(s.problem.unwrap().contains("`a`"));
    }

    #[test]
    fn substitution_members_are_accepted_where_the_head_is() {
        let (c, t) = shape_of(
            r#"<xs:element name="Ev" type="xs:string" abstract="true"/>
               <xs:element name="Created" substitutionGroup="tns:Ev"/>
               <xs:element name="E"><xs:complexType><xs:sequence><xs:element ref="tns:Ev" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>"#,
            "E",
        );
        let s = compile(&c.schema, t);
        let Body::Elements { root, .. } = &s.body else {
            panic!()
        };
        assert!(root.can_start(&QName::new("urn:t", "Created")));
        assert!(
            !root.can_start(&QName::new("urn:t", "Ev")),
            "abstract heads never appear"
        );
    }
}
