//! JSON -> XML without reading the JSON whole.
//!
//! XML content is ordered and JSON objects are not, so a writer that may not
//! buffer needs an ordering contract: **properties come in schema order,
//! and an element's tags and attributes (`$element`, `$type`, `$nil`,
//! attributes, `$anyAttributes`) come before its content**. That is the order
//! soapbridge itself writes, so its own JSON always streams. Under that
//! contract a property that is not there when a later one arrives is absent,
//! which is what lets the writer go on without looking ahead.
//!
//! Input that breaks the contract is never written wrongly: a property out of
//! order is a field error naming both properties, and the translation fails.
//! Memory stays bounded by the nesting depth and the largest single value
//! that must be held: a scalar, an element's leading tags and attributes, an
//! element without element content (simple content, mixed content), an
//! `$any` item. Each of those is read whole within [`Limits::max_json`].
//!
//! The rules themselves (types, facets, `$type`, nil, substitution groups,
//! wildcards) are the tree writer's: every piece that fits in memory is
//! handed to it, and the checks that need a whole object (required
//! properties, choices, occurrence counts) run on what was seen when the
//! object closes.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::rc::Rc;

use super::{
    Decl, Fatal, Head, JsonToXml, NIL_HAS_NO_CONTENT, is_head_key, json_names, missing_choice,
    too_many_choices,
};
use crate::codec::error::push_token;
use crate::codec::json_pull::{JsonPull, Kind};
use crate::codec::json_tree::Json;
use crate::codec::message::{BodyLayout, HEADERS, MessageLayout, RpcPart, envelope_ns};
use crate::codec::shape::{ANY, Body, ELEMENT, GroupSlot, NIL, Node, NodeKind, TYPE, TypeShape};
use crate::qname::QName;
use crate::schema::{Compositor, ElementId};

/// The properties of one content model, in schema order.
pub(crate) struct Slots<'c> {
    list: Vec<Slot<'c>>,
    index: HashMap<&'c str, usize>,
}

struct Slot<'c> {
    key: &'c str,
    node: &'c Node,
    /// The `xs:all` group the property belongs to: any order among its members.
    all: Option<usize>,
}

fn flatten<'c>(nodes: &'c [Node], all: Option<usize>, out: &mut Vec<Slot<'c>>) {
    for n in nodes {
        let key: &'c str = match &n.kind {
            NodeKind::Element(e) => &e.json,
            NodeKind::Any { .. } => ANY,
            NodeKind::Group {
                slot: GroupSlot::Array(name),
                ..
            } => name,
            NodeKind::Group {
                slot: GroupSlot::Inline,
                compositor,
                children,
            } => {
                let all = match compositor {
                    Compositor::All => Some(n as *const Node as usize),
                    _ => all,
                };
                flatten(children, all, out);
                continue;
            }
        };
        out.push(Slot { key, node: n, all });
    }
}

/// What the writer saw of one property.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    No,
    /// Present, but not the kind of JSON value it must be (already reported).
    Bad,
    Count(usize),
}

/// Where a streamed element's name and type come from.
#[derive(Clone)]
enum Target<'c> {
    /// A declared element (a substitution group member may stand in for it).
    Element(ElementId),
    /// An rpc part or SOAP-ENC item: a name and a type.
    Typed(QName, Decl<'c>),
}

impl<'c, W: Write> JsonToXml<'c, W> {
    /// Writes the document for the global element `root`, pulling its JSON
    /// from `src` (schema order, see the module docs).
    pub fn document_stream<R: BufRead>(
        mut self,
        root: ElementId,
        src: &mut JsonPull<R>,
    ) -> Result<W, Fatal> {
        // Whether a null or `$type` will need `xsi:` is not known up front.
        self.out.root_scope = self.root_scope(root, true);
        self.element_stream(Target::Element(root), src, "")?;
        src.finish()?;
        self.done()
    }

    /// Writes a SOAP envelope for the message JSON pulled from `src`:
    /// `$headers` first, then the body's properties in schema order.
    pub fn envelope_stream<R: BufRead>(
        mut self,
        layout: &MessageLayout,
        src: &mut JsonPull<R>,
    ) -> Result<W, Fatal> {
        if src.peek()? != Kind::Object {
            let v = src.value(self.budget())?;
            src.finish()?;
            return self.envelope(layout, &v);
        }
        let env_ns = envelope_ns(layout.soap);
        self.out.root_scope = self.envelope_scope(layout, true);
        src.begin_object()?;
        let mut key = src.next_key()?;
        self.out
            .start(&QName::new(env_ns, "Envelope"), &[], false)?;
        if key.as_deref() == Some(HEADERS) {
            let h = src.value(self.budget())?;
            self.headers(layout, &h)?;
            key = src.next_key()?;
        }
        self.out.start(&QName::new(env_ns, "Body"), &[], false)?;
        match &layout.body {
            BodyLayout::Element(e) => match key {
                Some(k) => self.object_stream(Target::Element(*e), src, "", Some(k))?,
                None => self.element(*e, &Json::Object(Vec::new()), "")?,
            },
            BodyLayout::Parts(parts) => {
                let parts: Vec<(&str, Target)> = parts
                    .iter()
                    .map(|(n, e)| (n.as_str(), Target::Element(*e)))
                    .collect();
                self.parts_stream(&parts, src, key)?;
            }
            BodyLayout::Rpc { wrapper, parts } => {
                let mut attrs = Vec::new();
                if layout.encoded {
                    attrs.push((
                        QName::new(env_ns, "encodingStyle"),
                        crate::ns::SOAP11_ENC.to_string(),
                    ));
                }
                self.out.start(wrapper, &attrs, false)?;
                let parts: Vec<(&str, Target)> = parts
                    .iter()
                    .map(|(n, kind)| {
                        let target = match kind {
                            RpcPart::Element(e) => Target::Element(*e),
                            RpcPart::Type(t) => Target::Typed(
                                QName::new("", n.clone()),
                                Decl {
                                    ty: *t,
                                    nillable: true,
                                    fixed: None,
                                },
                            ),
                        };
                        (n.as_str(), target)
                    })
                    .collect();
                self.parts_stream(&parts, src, key)?;
                self.out.end(wrapper)?;
            }
        }
        self.out.end(&QName::new(env_ns, "Body"))?;
        self.out.end(&QName::new(env_ns, "Envelope"))?;
        src.finish()?;
        self.done()
    }

    /// The members of one object held in memory since `start` stay within the budget.
    fn held<R: BufRead>(&self, src: &JsonPull<R>, start: u64) -> Result<(), Fatal> {
        if src.offset() - start > self.budget() {
            return Err(crate::codec::TranslateError::Limit(format!(
                "an element's attributes or simple content span more than {} bytes of JSON",
                self.budget()
            )));
        }
        Ok(())
    }

    /// The largest single JSON value held in memory.
    fn budget(&self) -> u64 {
        self.limits.max_json as u64
    }

    /// The message's parts, in the order the contract lists them.
    fn parts_stream<R: BufRead>(
        &mut self,
        parts: &[(&str, Target<'c>)],
        src: &mut JsonPull<R>,
        first: Option<String>,
    ) -> Result<(), Fatal> {
        let mut seen = vec![false; parts.len()];
        let mut last: Option<usize> = None;
        let mut key = first;
        while let Some(k) = key {
            let mut p = String::new();
            push_token(&mut p, &k);
            match parts.iter().position(|(n, _)| *n == k) {
                _ if k == HEADERS => {
                    src.value(self.budget())?;
                    self.error(&p, "`$headers` must come first in the message")?;
                }
                None => {
                    src.value(self.budget())?;
                    self.error(&p, format!("unknown property `{k}`"))?;
                }
                Some(i) if seen[i] => return Err(src.duplicate(&k)),
                Some(i) => {
                    seen[i] = true;
                    if let Some(l) = last.filter(|l| *l > i) {
                        src.value(self.budget())?;
                        self.error(&p, out_of_order(&k, parts[l].0))?;
                    } else {
                        last = Some(i);
                        self.element_stream(parts[i].1.clone(), src, &p)?;
                    }
                }
            }
            key = src.next_key()?;
        }
        for ((name, _), s) in parts.iter().zip(seen) {
            if !s {
                let mut p = String::new();
                push_token(&mut p, name);
                self.error(&p, format!("missing required part `{name}`"))?;
            }
        }
        Ok(())
    }

    fn element_stream<R: BufRead>(
        &mut self,
        target: Target<'c>,
        src: &mut JsonPull<R>,
        pointer: &str,
    ) -> Result<(), Fatal> {
        if src.peek()? != Kind::Object {
            let v = src.value(self.budget())?;
            return self.write_target(target, &v, pointer);
        }
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(crate::codec::TranslateError::Limit(format!(
                "nesting deeper than {} levels",
                self.limits.max_depth
            )));
        }
        src.begin_object()?;
        let r = self.object_stream(target, src, pointer, None);
        self.depth -= 1;
        r
    }

    /// An element whose JSON object is open in `src`; `first` is a member
    /// name already read from it.
    fn object_stream<R: BufRead>(
        &mut self,
        target: Target<'c>,
        src: &mut JsonPull<R>,
        pointer: &str,
        first: Option<String>,
    ) -> Result<(), Fatal> {
        // The leading members, up to the first that belongs to the content.
        let start = src.offset();
        let mut ty = match &target {
            Target::Element(e) => self.schema.element(*e).type_id,
            Target::Typed(_, d) => d.ty,
        };
        let mut head: Vec<(String, Json)> = Vec::new();
        let mut key = first;
        let content_key = loop {
            let k = match key.take() {
                Some(k) => k,
                None => match src.next_key()? {
                    Some(k) => k,
                    None => break None,
                },
            };
            if head.iter().any(|(h, _)| *h == k) {
                return Err(src.duplicate(&k));
            }
            if self.streams(ty, &k) {
                break Some(k);
            }
            let v = src.value(self.budget())?;
            self.held(src, start)?;
            // `$element` and `$type` change which members are content.
            match (k.as_str(), &v, &target) {
                (ELEMENT, Json::String(tag), Target::Element(e)) => {
                    if let Some(m) = self.member_named(*e, tag) {
                        ty = self.schema.element(m).type_id;
                    }
                }
                (TYPE, Json::String(t), _) => {
                    if let Some(c) = self.derived_named(ty, t) {
                        ty = c;
                    }
                }
                _ => {}
            }
            head.push((k, v));
        };
        let head = Json::Object(head);
        let Some(content_key) = content_key else {
            // The whole object was read: the tree writer takes it.
            return self.write_target(target, &head, pointer);
        };
        let (name, d) = match target {
            Target::Element(e) => {
                let Some(m) = self.substitute(e, &head, pointer)? else {
                    return self.skip_members(src, Some(content_key), pointer, None);
                };
                let e = self.schema.element(m);
                let d = Decl {
                    ty: e.type_id,
                    nillable: e.nillable,
                    fixed: e.fixed.as_deref(),
                };
                (e.name.clone(), d)
            }
            Target::Typed(n, d) => (n, d),
        };
        let nil = matches!(head.get(NIL), Some(Json::Bool(true)));
        match self.head(&name, d, &head, pointer)? {
            Head::Done => {
                let why = nil.then_some(NIL_HAS_NO_CONTENT);
                self.skip_members(src, Some(content_key), pointer, why)
            }
            Head::Open { attrs, shape } => {
                let Body::Elements { root, mixed: false } = &shape.body else {
                    // Not element content after all (`streams` and `head`
                    // resolve `$type` alike, so this is defensive): read
                    // the rest and let the tree writer have it.
                    let Json::Object(mut members) = head else {
                        return Ok(());
                    };
                    let mut key = Some(content_key);
                    while let Some(k) = key {
                        if members.iter().any(|(m, _)| *m == k) {
                            return Err(src.duplicate(&k));
                        }
                        members.push((k, src.value(self.budget())?));
                        self.held(src, start)?;
                        key = src.next_key()?;
                    }
                    return self.content(&name, attrs, shape, &Json::Object(members), pointer);
                };
                if let Json::Object(members) = &head {
                    for (k, _) in members {
                        if !is_head_key(shape, k) && !self.ignore_unknown {
                            let mut p = pointer.to_string();
                            push_token(&mut p, k);
                            self.error(&p, format!("unknown property `{k}`"))?;
                        }
                    }
                }
                self.out.start(&name, &attrs, false)?;
                self.content_stream(root, false, Some(shape), src, pointer, Some(content_key))?;
                self.out.end(&name)?;
                Ok(())
            }
        }
    }

    fn write_target(&mut self, target: Target<'c>, v: &Json, pointer: &str) -> Result<(), Fatal> {
        match target {
            Target::Element(e) => self.element(e, v, pointer),
            Target::Typed(name, d) => self.typed(&name, d, v, pointer),
        }
    }

    /// Is `key` a property of the element content of type `ty`? Only such
    /// members stream; everything else is read whole.
    fn streams(&mut self, ty: crate::schema::TypeId, key: &str) -> bool {
        let shape = self.shapes.get(self.schema, ty);
        if shape.problem.is_some()
            || self
                .schema
                .ty(ty)
                .as_complex()
                .is_some_and(|c| c.soap_array.is_some())
        {
            return false;
        }
        match &shape.body {
            Body::Elements { root, mixed: false } => self
                .slots(std::slice::from_ref(root))
                .index
                .contains_key(key),
            _ => false,
        }
    }

    fn member_named(&self, head: ElementId, tag: &str) -> Option<ElementId> {
        let members = self.schema.substitutes.get(&head)?;
        members.iter().copied().find(|m| {
            let n = &self.schema.element(*m).name;
            n.local == tag || n.to_string() == tag
        })
    }

    fn derived_named(&self, ty: crate::schema::TypeId, t: &str) -> Option<crate::schema::TypeId> {
        let candidates = self.schema.derived.get(&ty)?;
        candidates.iter().copied().find(|c| {
            self.schema
                .ty(*c)
                .name()
                .is_some_and(|n| n.local == t || n.to_string() == t)
        })
    }

    fn slots(&mut self, nodes: &'c [Node]) -> Rc<Slots<'c>> {
        let id = (nodes.as_ptr() as usize, nodes.len());
        self.slots
            .entry(id)
            .or_insert_with(|| {
                let mut list = Vec::new();
                flatten(nodes, None, &mut list);
                let index = list.iter().enumerate().map(|(i, s)| (s.key, i)).collect();
                Rc::new(Slots { list, index })
            })
            .clone()
    }

    /// Reads the rest of an object whose element is already settled;
    /// `why` reports each member that has no place.
    fn skip_members<R: BufRead>(
        &mut self,
        src: &mut JsonPull<R>,
        mut key: Option<String>,
        pointer: &str,
        why: Option<&str>,
    ) -> Result<(), Fatal> {
        if key.is_none() {
            key = src.next_key()?;
        }
        while let Some(k) = key {
            src.value(self.budget())?;
            if let Some(why) = why {
                let mut p = pointer.to_string();
                push_token(&mut p, &k);
                self.error(&p, why)?;
            }
            key = src.next_key()?;
        }
        Ok(())
    }

    /// The content of an open object. `scope` is the type's content root,
    /// or (`item`) a repeating group whose one occurrence this object is.
    fn content_stream<R: BufRead>(
        &mut self,
        scope: &'c Node,
        item: bool,
        shape: Option<&TypeShape>,
        src: &mut JsonPull<R>,
        pointer: &str,
        first: Option<String>,
    ) -> Result<(), Fatal> {
        let nodes: &'c [Node] = match (&scope.kind, item) {
            (NodeKind::Group { children, .. }, true) => children,
            _ => std::slice::from_ref(scope),
        };
        let slots = self.slots(nodes);
        let mut seen = vec![Seen::No; slots.list.len()];
        let mut last: Option<usize> = None;
        let mut key = first;
        loop {
            let k = match key.take() {
                Some(k) => k,
                None => match src.next_key()? {
                    Some(k) => k,
                    None => break,
                },
            };
            let mut p = pointer.to_string();
            push_token(&mut p, &k);
            let Some(&i) = slots.index.get(k.as_str()) else {
                src.value(self.budget())?;
                let late = shape.is_some_and(|s| is_head_key(s, &k));
                if late {
                    let msg = format!(
                        "`{k}` must come before the element's content when JSON is streamed"
                    );
                    self.error(&p, msg)?;
                } else if !self.ignore_unknown {
                    self.error(&p, format!("unknown property `{k}`"))?;
                }
                continue;
            };
            if seen[i] != Seen::No {
                return Err(src.duplicate(&k));
            }
            let slot = &slots.list[i];
            if let Some(l) = last.filter(|l| *l > i)
                && (slot.all.is_none() || slot.all != slots.list[l].all)
            {
                src.value(self.budget())?;
                self.error(&p, out_of_order(&k, slots.list[l].key))?;
                seen[i] = Seen::Bad;
                continue;
            }
            last = Some(last.map_or(i, |l| l.max(i)));
            seen[i] = self.slot_stream(slot.node, src, &p)?;
        }
        let seen_of = |k: &str| slots.index.get(k).map_or(Seen::No, |&i| seen[i]);
        match (&scope.kind, item) {
            (
                NodeKind::Group {
                    compositor,
                    children,
                    ..
                },
                true,
            ) => self.check_group(*compositor, children, scope, &seen_of, pointer, true),
            _ => self.check_node(scope, &seen_of, pointer, true),
        }
    }

    /// Writes one property's elements; what was seen of it.
    fn slot_stream<R: BufRead>(
        &mut self,
        node: &'c Node,
        src: &mut JsonPull<R>,
        pointer: &str,
    ) -> Result<Seen, Fatal> {
        let repeats = match &node.kind {
            NodeKind::Element(e) => e.array,
            NodeKind::Any { array, .. } => *array,
            NodeKind::Group { .. } => true,
        };
        if !repeats {
            match &node.kind {
                NodeKind::Element(e) => {
                    self.element_stream(Target::Element(e.decl), src, pointer)?
                }
                NodeKind::Any { wildcard, .. } => {
                    let v = src.value(self.budget())?;
                    self.any_item(&v, wildcard, pointer)?;
                }
                NodeKind::Group { .. } => unreachable!(),
            }
            return Ok(Seen::Count(1));
        }
        if src.peek()? != Kind::Array {
            let v = src.value(self.budget())?;
            let msg = match &node.kind {
                NodeKind::Group {
                    slot: GroupSlot::Array(name),
                    ..
                } => format!(
                    "expected a JSON array of objects (`{name}` repeats), found {}",
                    v.kind()
                ),
                NodeKind::Element(e) => format!(
                    "expected a JSON array (`{}` repeats), found {}",
                    e.json,
                    v.kind()
                ),
                _ => format!("expected a JSON array, found {}", v.kind()),
            };
            self.error(pointer, msg)?;
            return Ok(Seen::Bad);
        }
        src.begin_array()?;
        let mut n = 0;
        while src.next_item()? {
            let mut ip = pointer.to_string();
            push_token(&mut ip, &n.to_string());
            match &node.kind {
                NodeKind::Element(e) => self.element_stream(Target::Element(e.decl), src, &ip)?,
                NodeKind::Any { wildcard, .. } => {
                    let v = src.value(self.budget())?;
                    self.any_item(&v, wildcard, &ip)?;
                }
                NodeKind::Group { .. } => {
                    if src.peek()? == Kind::Object {
                        src.begin_object()?;
                        self.content_stream(node, true, None, src, &ip, None)?;
                    } else {
                        let v = src.value(self.budget())?;
                        self.error(&ip, format!("expected a JSON object, found {}", v.kind()))?;
                    }
                }
            }
            n += 1;
        }
        Ok(Seen::Count(n))
    }

    /// Required properties and occurrence counts of a closed object, as the
    /// tree writer's `node` applies them.
    fn check_node(
        &mut self,
        node: &Node,
        seen: &dyn Fn(&str) -> Seen,
        pointer: &str,
        required: bool,
    ) -> Result<(), Fatal> {
        let (key, array, nullable_ok) = match &node.kind {
            NodeKind::Element(e) => (e.json.as_str(), e.array, false),
            NodeKind::Any { array, .. } => (ANY, *array, false),
            NodeKind::Group {
                slot: GroupSlot::Array(name),
                ..
            } => (name.as_str(), true, true),
            NodeKind::Group {
                slot: GroupSlot::Inline,
                compositor,
                children,
            } => {
                let present = json_names(node).iter().any(|k| seen(k) != Seen::No);
                if !present && (!required || node.min == 0) {
                    return Ok(());
                }
                return self.check_group(*compositor, children, node, seen, pointer, required);
            }
        };
        let mut p = pointer.to_string();
        push_token(&mut p, key);
        match seen(key) {
            Seen::No if required && node.min > 0 && !(nullable_ok && node.nullable) => {
                self.error(&p, format!("missing required property `{key}`"))?;
            }
            Seen::Count(n) if array => self.occurrences(node, n, &p, required)?,
            _ => {}
        }
        Ok(())
    }

    fn check_group(
        &mut self,
        compositor: Compositor,
        children: &[Node],
        node: &Node,
        seen: &dyn Fn(&str) -> Seen,
        pointer: &str,
        required: bool,
    ) -> Result<(), Fatal> {
        match compositor {
            Compositor::Sequence | Compositor::All => {
                for c in children {
                    self.check_node(c, seen, pointer, required)?;
                }
            }
            Compositor::Choice => {
                let chosen: Vec<&Node> = children
                    .iter()
                    .filter(|c| json_names(c).iter().any(|k| seen(k) != Seen::No))
                    .collect();
                match chosen.as_slice() {
                    [] => {
                        if required && node.min > 0 && !node.nullable {
                            self.error(pointer, missing_choice(children))?;
                        }
                    }
                    [one] => self.check_node(one, seen, pointer, true)?,
                    many => self.error(pointer, too_many_choices(many))?,
                }
            }
        }
        Ok(())
    }
}

fn out_of_order(key: &str, after: &str) -> String {
    format!(
        "`{key}` comes after `{after}`, but the schema puts it first: streamed JSON must list properties in schema order"
    )
}
