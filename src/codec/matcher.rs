//! Streaming content-model matching: places each child element of an XML
//! element in its particle, one element at a time, and drives the JSON
//! structure (property arrays, group-object arrays) as it goes.
//!
//! XSD's Unique Particle Attribution rule makes content models
//! deterministic with one element of look-ahead, so a greedy walk over the
//! particle tree with a stack of group frames is exact: memory is the depth
//! of the content model, never the number of children.

use std::io::Write;

use super::json_write::JsonWriter;
use super::shape::{ANY, GroupSlot, Node, NodeKind};
use crate::qname::QName;
use crate::schema::Compositor;

#[derive(Clone)]
struct Frame<'n> {
    children: &'n [Node],
    compositor: Compositor,
    /// Sequence: the current child; choice: the chosen child (`NONE` before a choice).
    index: usize,
    /// Occurrences of `children[index]` so far.
    count: u32,
    /// `xs:all`: occurrences per child.
    counts: Vec<u32>,
    /// The group node this frame is one occurrence of (`None` for the root).
    owner: Option<&'n Node>,
}

const NONE: usize = usize::MAX;

/// Why an element could not be placed, or content ended too early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Pointer tokens (relative to the object) where the problem is.
    pub path: Vec<String>,
    pub message: String,
}

pub struct Matcher<'n> {
    frames: Vec<Frame<'n>>,
    /// Open JSON containers below the object, as pointer tokens.
    path: Vec<String>,
    emit: bool,
}

/// Where a placed element goes.
pub struct Placed<'n> {
    pub node: &'n Node,
    /// The value's last pointer token (see [`Matcher::pointer`]).
    pub leaf: Leaf<'n>,
}

#[derive(Clone, Copy)]
pub enum Leaf<'n> {
    Key(&'n str),
    Index(u32),
}

fn json_name(n: &Node) -> Option<&str> {
    match &n.kind {
        NodeKind::Element(e) => Some(&e.json),
        NodeKind::Any { .. } => Some(ANY),
        NodeKind::Group {
            slot: GroupSlot::Array(name),
            ..
        } => Some(name),
        NodeKind::Group { .. } => None,
    }
}

fn is_array(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Element(e) => e.array,
        NodeKind::Any { array, .. } => *array,
        NodeKind::Group { slot, .. } => matches!(slot, GroupSlot::Array(_)),
    }
}

/// Names a particle can start with, for messages.
pub fn expected(n: &Node) -> String {
    let mut names: Vec<String> = n.first.iter().map(|q| format!("`{}`", q.local)).collect();
    if !n.first_any.is_empty() {
        names.push("any element".into());
    }
    names.dedup();
    match names.len() {
        0 => "nothing".into(),
        1 => names.remove(0),
        _ => format!("one of {}", names.join(", ")),
    }
}

/// Whether a choice may be passed without choosing anything.
fn choice_nullable(children: &[Node]) -> bool {
    children.is_empty() || children.iter().any(|c| c.min == 0 || c.nullable)
}

/// "missing required element" at child `c` below `path`.
fn missing(path: &[String], c: &Node) -> Mismatch {
    let mut path = path.to_vec();
    if let Some(j) = json_name(c) {
        path.push(j.to_string());
    }
    Mismatch {
        path,
        message: format!("missing required element: expected {}", expected(c)),
    }
}

fn unexpected(path: &[String], name: &QName) -> Mismatch {
    Mismatch {
        path: path.to_vec(),
        message: format!("unexpected element `{}`: not allowed here", name.local),
    }
}

impl<'n> Matcher<'n> {
    /// `root` is the content model's root particle; `emit` writes JSON
    /// structure (off for mixed content, which has its own layout).
    pub fn new(root: &'n Node, emit: bool) -> Self {
        let root = std::slice::from_ref(root);
        Matcher {
            frames: vec![Frame {
                children: root,
                compositor: Compositor::Sequence,
                index: 0,
                count: 0,
                counts: Vec::new(),
                owner: None,
            }],
            path: Vec::new(),
            emit,
        }
    }

    /// The JSON Pointer of the element just placed, below `base`.
    pub fn pointer(&self, base: &str, placed: &Placed<'_>) -> String {
        let mut p = String::with_capacity(base.len() + 32);
        p.push_str(base);
        for t in &self.path {
            super::error::push_token(&mut p, t);
        }
        match placed.leaf {
            Leaf::Key(k) => super::error::push_token(&mut p, k),
            Leaf::Index(i) => {
                use std::fmt::Write as _;
                let _ = write!(p, "/{i}");
            }
        }
        p
    }

    /// Places the next child element. A misplaced element leaves the state
    /// untouched (checked on a copy first), so one stray element yields one
    /// error, not a cascade.
    pub fn place<W: Write>(
        &mut self,
        name: &QName,
        w: &mut JsonWriter<W>,
    ) -> std::io::Result<Result<Placed<'n>, Mismatch>> {
        if !self.fits(name) {
            // Rare: replay on a copy to learn exactly what was expected.
            let mut trial = Matcher {
                frames: self.frames.clone(),
                path: self.path.clone(),
                emit: false,
            };
            let mut sink = JsonWriter::new(std::io::sink(), false);
            return match trial.step(name, &mut sink)? {
                Err(m) => Ok(Err(m)),
                Ok(_) => Ok(Err(unexpected(&self.path, name))),
            };
        }
        self.step(name, w)
    }

    /// Would `name` be placed? The same walk as `step`, read-only: frames
    /// that `step` would finish are passed over, their parents consulted.
    fn fits(&self, name: &QName) -> bool {
        for f in self.frames.iter().rev() {
            let children = f.children;
            match f.compositor {
                Compositor::Sequence => {
                    let (mut i, mut c) = (f.index, f.count);
                    while i < children.len() {
                        let ch = &children[i];
                        if ch.below_max(c) && ch.can_start(name) {
                            return true;
                        }
                        if !ch.satisfied(c) {
                            return false;
                        }
                        i += 1;
                        c = 0;
                    }
                }
                Compositor::Choice => {
                    if f.index == NONE {
                        if children.iter().any(|c| c.can_start(name)) {
                            return true;
                        }
                        if !choice_nullable(children) {
                            return false;
                        }
                    } else {
                        let ch = &children[f.index];
                        if ch.below_max(f.count) && ch.can_start(name) {
                            return true;
                        }
                        if !ch.satisfied(f.count) {
                            return false;
                        }
                    }
                }
                Compositor::All => {
                    if (0..children.len())
                        .any(|k| children[k].below_max(f.counts[k]) && children[k].can_start(name))
                    {
                        return true;
                    }
                    if (0..children.len()).any(|k| !children[k].satisfied(f.counts[k])) {
                        return false;
                    }
                }
            }
        }
        false
    }

    fn step<W: Write>(
        &mut self,
        name: &QName,
        w: &mut JsonWriter<W>,
    ) -> std::io::Result<Result<Placed<'n>, Mismatch>> {
        loop {
            let Some(top) = self.frames.last_mut() else {
                return Ok(Err(unexpected(&self.path, name)));
            };
            let children = top.children;
            match top.compositor {
                Compositor::Sequence => {
                    while top.index < children.len() {
                        let c = &children[top.index];
                        if c.below_max(top.count) && c.can_start(name) {
                            return self.enter(c, name, w);
                        }
                        if !c.satisfied(top.count) {
                            let mut path = self.path.clone();
                            if let Some(j) = json_name(c) {
                                path.push(j.to_string());
                            }
                            return Ok(Err(Mismatch {
                                path,
                                message: format!(
                                    "unexpected element `{}`: expected {}",
                                    name.local,
                                    expected(c)
                                ),
                            }));
                        }
                        let count = top.count;
                        top.index += 1;
                        top.count = 0;
                        Self::leave(c, count, &mut self.path, self.emit, w)?;
                    }
                    self.pop(w)?;
                }
                Compositor::Choice => {
                    if top.index == NONE {
                        match children.iter().position(|c| c.can_start(name)) {
                            Some(k) => {
                                top.index = k;
                                top.count = 0;
                                return self.enter(&children[k], name, w);
                            }
                            None => {
                                if !choice_nullable(children) {
                                    return Ok(Err(unexpected(&self.path, name)));
                                }
                                self.pop(w)?;
                            }
                        }
                    } else {
                        let c = &children[top.index];
                        if c.below_max(top.count) && c.can_start(name) {
                            return self.enter(c, name, w);
                        }
                        if !c.satisfied(top.count) {
                            return Ok(Err(unexpected(&self.path, name)));
                        }
                        let count = top.count;
                        top.index = NONE;
                        Self::leave(c, count, &mut self.path, self.emit, w)?;
                        self.pop(w)?;
                    }
                }
                Compositor::All => {
                    let found = (0..children.len()).find(|k| {
                        children[*k].below_max(top.counts[*k]) && children[*k].can_start(name)
                    });
                    match found {
                        Some(k) => {
                            top.index = k;
                            top.count = top.counts[k];
                            return self.enter(&children[k], name, w);
                        }
                        None => {
                            if let Some(missing) = self.all_missing() {
                                return Ok(Err(missing));
                            }
                            self.pop(w)?;
                        }
                    }
                }
            }
        }
    }

    /// The first required child of the top `xs:all` frame that never occurred.
    fn all_missing(&self) -> Option<Mismatch> {
        let top = self.frames.last()?;
        let k = (0..top.children.len()).find(|k| !top.children[*k].satisfied(top.counts[*k]))?;
        Some(missing(&self.path, &top.children[k]))
    }

    /// One more occurrence of child `c` of the top frame.
    fn enter<W: Write>(
        &mut self,
        c: &'n Node,
        name: &QName,
        w: &mut JsonWriter<W>,
    ) -> std::io::Result<Result<Placed<'n>, Mismatch>> {
        let top = self.frames.last_mut().expect("enter needs a frame");
        let first = top.count == 0;
        top.count += 1;
        if top.compositor == Compositor::All {
            top.counts[top.index] = top.count;
        }
        let occurrence = top.count - 1;
        match &c.kind {
            NodeKind::Element(_) | NodeKind::Any { .. } => {
                let key = json_name(c).unwrap_or_default();
                let leaf = if is_array(c) {
                    if first {
                        if self.emit {
                            w.key(key)?;
                            w.begin_array()?;
                        }
                        self.path.push(key.to_string());
                    }
                    Leaf::Index(occurrence)
                } else {
                    if self.emit {
                        w.key(key)?;
                    }
                    Leaf::Key(key)
                };
                Ok(Ok(Placed { node: c, leaf }))
            }
            NodeKind::Group {
                compositor,
                children,
                slot,
                ..
            } => {
                if let GroupSlot::Array(n) = slot {
                    if first {
                        if self.emit {
                            w.key(n)?;
                            w.begin_array()?;
                        }
                        self.path.push(n.clone());
                    }
                    if self.emit {
                        w.begin_object()?;
                    }
                    self.path.push(occurrence.to_string());
                }
                self.frames.push(Frame {
                    children,
                    compositor: *compositor,
                    index: if *compositor == Compositor::Choice {
                        NONE
                    } else {
                        0
                    },
                    count: 0,
                    counts: if *compositor == Compositor::All {
                        vec![0; children.len()]
                    } else {
                        Vec::new()
                    },
                    owner: Some(c),
                });
                self.step(name, w)
            }
        }
    }

    /// Moves past child `c` that occurred `count` times.
    fn leave<W: Write>(
        c: &Node,
        count: u32,
        path: &mut Vec<String>,
        emit: bool,
        w: &mut JsonWriter<W>,
    ) -> std::io::Result<()> {
        if !is_array(c) {
            // An inline sequence (or all) passed over entirely: its repeating
            // properties are still there, as empty arrays.
            if count == 0
                && let NodeKind::Group {
                    compositor,
                    children,
                    slot: GroupSlot::Inline,
                } = &c.kind
                && *compositor != Compositor::Choice
            {
                for child in children {
                    Self::leave(child, 0, path, emit, w)?;
                }
            }
            return Ok(());
        }
        let Some(name) = json_name(c) else {
            return Ok(());
        };
        if count > 0 {
            if emit {
                w.end_array()?;
            }
            path.pop();
        } else if emit {
            // Anything that can repeat is always an array, even an empty one.
            w.key(name)?;
            w.begin_array()?;
            w.end_array()?;
        }
        Ok(())
    }

    /// Ends the top frame's occurrence.
    fn pop<W: Write>(&mut self, w: &mut JsonWriter<W>) -> std::io::Result<()> {
        if let Some(f) = self.frames.pop()
            && let Some(owner) = f.owner
            && matches!(
                &owner.kind,
                NodeKind::Group {
                    slot: GroupSlot::Array(_),
                    ..
                }
            )
        {
            if self.emit {
                w.end_object()?;
            }
            self.path.pop();
        }
        Ok(())
    }

    /// The element's content has ended: checks what is still required and
    /// closes every open array.
    pub fn close<W: Write>(&mut self, w: &mut JsonWriter<W>) -> std::io::Result<Vec<Mismatch>> {
        let mut problems = Vec::new();
        while let Some(top) = self.frames.last_mut() {
            match top.compositor {
                Compositor::Sequence => {
                    while top.index < top.children.len() {
                        let c = &top.children[top.index];
                        if !c.satisfied(top.count) {
                            problems.push(missing(&self.path, c));
                        }
                        let count = top.count;
                        top.index += 1;
                        top.count = 0;
                        Self::leave(c, count, &mut self.path, self.emit, w)?;
                    }
                }
                Compositor::Choice => {
                    if top.index == NONE {
                        if !choice_nullable(top.children) {
                            let alternatives: Vec<String> =
                                top.children.iter().map(expected).collect();
                            problems.push(Mismatch {
                                path: self.path.clone(),
                                message: format!(
                                    "missing required element: expected {}",
                                    alternatives.join(" or ")
                                ),
                            });
                        }
                    } else {
                        let c = &top.children[top.index];
                        if !c.satisfied(top.count) {
                            problems.push(missing(&self.path, c));
                        }
                        let count = top.count;
                        Self::leave(c, count, &mut self.path, self.emit, w)?;
                    }
                }
                Compositor::All => {
                    // xs:all children occur at most once (XSD 1.0), so none is an array.
                    if let Some(m) = self.all_missing() {
                        problems.push(m);
                    }
                }
            }
            self.pop(w)?;
        }
        Ok(problems)
    }
}
