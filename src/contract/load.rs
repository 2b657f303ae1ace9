//! The document walk: from one WSDL file to every document it needs.
//!
//! `wsdl:import` pulls in WSDL (or, in the wild, XSD) documents;
//! `xs:import`, `xs:include` and `xs:redefine` pull in schemas. Each document
//! is loaded once per effective target namespace (a chameleon include into
//! two namespaces is two schemas), so cycles terminate and diamonds share.

use std::collections::{HashMap, HashSet};

use super::error::{LoadError, LoadErrorKind, Location};
use super::source::{Document, LoadOptions, Resolver, Source};
use crate::ns;
use crate::xml::Element;

/// One schema to compile: where its `xs:schema` element sits.
pub struct SchemaRef {
    pub doc: usize,
    /// `None`: the document root; `Some(i)`: the i-th `xs:schema` inside `wsdl:types`.
    pub inline: Option<usize>,
    pub target_ns: String,
    pub chameleon: bool,
}

/// Everything the walk found.
pub struct Loaded {
    pub documents: Vec<Document>,
    /// Indexes into `documents` of the WSDL documents, root first.
    pub wsdl_docs: Vec<usize>,
    pub schemas: Vec<SchemaRef>,
    /// Constructs seen that are accepted but not applied (e.g. `xs:redefine`).
    pub notes: Vec<(Location, String)>,
}

impl Loaded {
    pub fn schema_element(&self, r: &SchemaRef) -> &Element {
        let root = &self.documents[r.doc].root;
        match r.inline {
            None => root,
            Some(i) => inline_schemas(root).nth(i).unwrap_or(root),
        }
    }
}

fn inline_schemas(root: &Element) -> impl Iterator<Item = &Element> {
    root.children
        .iter()
        .filter(|c| c.is(ns::WSDL, "types"))
        .flat_map(|t| t.children.iter().filter(|c| c.is(ns::XS, "schema")))
}

pub fn walk(root: Source, opts: &LoadOptions) -> Result<Loaded, Vec<LoadError>> {
    let resolver = Resolver { opts };
    let mut w = Walker {
        resolver,
        opts,
        loaded: Loaded {
            documents: Vec::new(),
            wsdl_docs: Vec::new(),
            schemas: Vec::new(),
            notes: Vec::new(),
        },
        by_identity: HashMap::new(),
        schema_seen: HashSet::new(),
        errors: Vec::new(),
    };
    let first = match w.read(root, None) {
        Ok(i) => i,
        Err(e) => return Err(vec![e]),
    };
    let root_el = &w.loaded.documents[first].root;
    if !root_el.is(ns::WSDL, "definitions") {
        let loc = Location::new(&w.loaded.documents[first].name, root_el.pos);
        return Err(vec![LoadError::at(
            loc,
            LoadErrorKind::Unexpected {
                expected: "a WSDL 1.1 document (`wsdl:definitions`)".into(),
                found: root_el.name.clone(),
            },
        )]);
    }
    w.wsdl(first);
    // Inline schemas of every WSDL document first: their namespaces satisfy
    // location-less imports among them.
    let wsdl_docs = w.loaded.wsdl_docs.clone();
    for d in wsdl_docs {
        let tnss: Vec<String> = inline_schemas(&w.loaded.documents[d].root)
            .map(|s| s.attr("targetNamespace").unwrap_or_default().to_string())
            .collect();
        for (i, tns) in tnss.into_iter().enumerate() {
            w.schema(d, Some(i), tns, false);
        }
    }
    for d in w.loaded.wsdl_docs.clone() {
        w.old_schema_drafts(d);
    }
    let mut next = 0;
    while next < w.loaded.schemas.len() {
        w.schema_references(next);
        next += 1;
    }
    // Well-known namespaces a contract uses without importing them (common
    // with SOAP-ENC in rpc/encoded contracts and with `xml:lang`) load from
    // the built-ins, as zeep and Axis resolve them.
    for wk in w.implicit_builtins() {
        let i = match w.read(Source::WellKnown(wk), None) {
            Ok(i) => i,
            Err(e) => {
                w.errors.push(e);
                continue;
            }
        };
        w.schema(i, None, wk.namespace.to_string(), false);
        let n = w.loaded.schemas.len() - 1;
        w.schema_references(n);
        while next < w.loaded.schemas.len() {
            w.schema_references(next);
            next += 1;
        }
    }
    if w.errors.is_empty() {
        Ok(w.loaded)
    } else {
        Err(w.errors)
    }
}

struct Walker<'o> {
    resolver: Resolver<'o>,
    opts: &'o LoadOptions,
    loaded: Loaded,
    by_identity: HashMap<String, usize>,
    schema_seen: HashSet<(usize, Option<usize>, String)>,
    errors: Vec<LoadError>,
}

impl Walker<'_> {
    /// Reads a document once; returns its index.
    fn read(&mut self, source: Source, at: Option<Location>) -> Result<usize, LoadError> {
        let id = source.identity();
        if let Some(&i) = self.by_identity.get(&id) {
            return Ok(i);
        }
        if self.loaded.documents.len() >= self.opts.max_documents {
            return Err(LoadError {
                location: at,
                kind: LoadErrorKind::Limit(format!(
                    "more than {} documents imported",
                    self.opts.max_documents
                )),
            });
        }
        let doc = self.resolver.read(source, at)?;
        let i = self.loaded.documents.len();
        self.loaded.documents.push(doc);
        self.by_identity.insert(id, i);
        Ok(i)
    }

    fn loc(&self, doc: usize, el: &Element) -> Location {
        Location::new(&self.loaded.documents[doc].name, el.pos)
    }

    fn wsdl(&mut self, d: usize) {
        if self.loaded.wsdl_docs.contains(&d) {
            return;
        }
        self.loaded.wsdl_docs.push(d);
        let imports: Vec<(Location, Option<String>, Option<String>)> = self.loaded.documents[d]
            .root
            .children
            .iter()
            .filter(|c| c.is(ns::WSDL, "import"))
            .map(|c| {
                (
                    self.loc(d, c),
                    c.attr("location").map(str::to_string),
                    c.attr("namespace").map(str::to_string),
                )
            })
            .collect();
        for (at, location, namespace) in imports {
            let base = self.loaded.documents[d].source.clone();
            let source =
                match self
                    .resolver
                    .locate(&base, location.as_deref(), namespace.as_deref())
                {
                    Ok(Some(s)) => s,
                    Ok(None) => {
                        self.errors.push(LoadError::invalid(
                            at,
                            "wsdl:import",
                            "needs a `location` (or a catalog entry for its namespace)",
                        ));
                        continue;
                    }
                    Err(kind) => {
                        self.errors.push(LoadError::at(at, kind));
                        continue;
                    }
                };
            let i = match self.read(source, Some(at.clone())) {
                Ok(i) => i,
                Err(e) => {
                    self.errors.push(e);
                    continue;
                }
            };
            let root = &self.loaded.documents[i].root;
            let tns = root.attr("targetNamespace").unwrap_or_default().to_string();
            if let Some(ns) = &namespace
                && *ns != tns
            {
                self.errors.push(LoadError::invalid(
                    at.clone(),
                    "wsdl:import",
                    format!("namespace `{ns}` does not match the imported document's targetNamespace `{tns}`"),
                ));
            }
            if root.is(ns::WSDL, "definitions") {
                self.wsdl(i);
            } else if root.is(ns::XS, "schema") {
                // Not WS-I conformant, but common: a wsdl:import of an XSD.
                self.schema(i, None, tns, false);
            } else {
                let found = root.name.clone();
                self.errors.push(LoadError::at(
                    at,
                    LoadErrorKind::Unexpected {
                        expected: "a WSDL or XSD document".into(),
                        found,
                    },
                ));
            }
        }
    }

    fn schema(&mut self, doc: usize, inline: Option<usize>, target_ns: String, chameleon: bool) {
        if self.schema_seen.insert((doc, inline, target_ns.clone())) {
            self.loaded.schemas.push(SchemaRef {
                doc,
                inline,
                target_ns,
                chameleon,
            });
        }
    }

    /// Follows the imports and includes of the `n`-th schema.
    fn schema_references(&mut self, n: usize) {
        let r = &self.loaded.schemas[n];
        let (d, tns) = (r.doc, r.target_ns.clone());
        let el = self.loaded.schema_element(r);
        let refs: Vec<(Location, String, Option<String>, Option<String>)> = el
            .children
            .iter()
            .filter(|c| {
                c.name.ns == ns::XS
                    && matches!(c.name.local.as_str(), "import" | "include" | "redefine")
            })
            .map(|c| {
                (
                    Location::new(&self.loaded.documents[d].name, c.pos),
                    c.name.local.clone(),
                    c.attr("schemaLocation").map(str::to_string),
                    c.attr("namespace").map(str::to_string),
                )
            })
            .collect();
        for (at, kind, location, namespace) in refs {
            let base = self.loaded.documents[d].source.clone();
            if kind == "import" {
                let namespace = namespace.unwrap_or_default();
                if namespace == tns && !tns.is_empty() {
                    self.errors.push(LoadError::invalid(
                        at,
                        "xs:import",
                        "a schema cannot import its own target namespace (use xs:include)",
                    ));
                    continue;
                }
                let already = self
                    .loaded
                    .schemas
                    .iter()
                    .any(|s| s.target_ns == namespace && !self.is_builtin(s.doc));
                // Like Xerces: a namespace that already has a schema is not
                // imported again from another location (bundles often carry
                // their own copy of common types, or a stale schemaLocation).
                if already {
                    continue;
                }
                let source =
                    match self
                        .resolver
                        .locate(&base, location.as_deref(), Some(&namespace))
                    {
                        Ok(Some(s)) => s,
                        // Location-less import: the namespace comes from elsewhere
                        // (another inline schema); unresolved names are reported later.
                        Ok(None) => continue,
                        Err(_) if already => continue,
                        Err(kind) => {
                            self.errors.push(LoadError::at(at, kind));
                            continue;
                        }
                    };
                if already && source.is_builtin() {
                    continue;
                }
                let Some(i) = self.read_schema(source, &at) else {
                    continue;
                };
                let root = &self.loaded.documents[i].root;
                let its = root.attr("targetNamespace").unwrap_or_default().to_string();
                if its != namespace {
                    self.errors.push(LoadError::invalid(
                        at,
                        "xs:import",
                        format!("namespace `{namespace}` does not match the imported schema's targetNamespace `{its}`"),
                    ));
                    continue;
                }
                self.schema(i, None, its, false);
            } else {
                let Some(location) = location.filter(|l| !l.trim().is_empty()) else {
                    self.errors.push(LoadError::invalid(
                        at,
                        format!("xs:{kind}"),
                        "needs a `schemaLocation`",
                    ));
                    continue;
                };
                let source = match self.resolver.locate(&base, Some(&location), None) {
                    Ok(Some(s)) => s,
                    Ok(None) => continue,
                    Err(kind) => {
                        self.errors.push(LoadError::at(at, kind));
                        continue;
                    }
                };
                let Some(i) = self.read_schema(source, &at) else {
                    continue;
                };
                let root = &self.loaded.documents[i].root;
                let its = root.attr("targetNamespace").map(str::to_string);
                match its {
                    Some(its) if its != tns => {
                        self.errors.push(LoadError::invalid(
                            at,
                            format!("xs:{kind}"),
                            format!("included schema has targetNamespace `{its}`, the including schema `{tns}`"),
                        ));
                        continue;
                    }
                    Some(_) => self.schema(i, None, tns.clone(), false),
                    // No targetNamespace: a chameleon, taking the includer's.
                    None => self.schema(i, None, tns.clone(), !tns.is_empty()),
                }
                if kind == "redefine" {
                    self.loaded.notes.push((
                        at,
                        "xs:redefine: the redefinitions are not applied; the original components are used".into(),
                    ));
                }
            }
        }
    }

    /// Reads a document that must be an `xs:schema`; reports and returns
    /// `None` otherwise.
    fn read_schema(&mut self, source: Source, at: &Location) -> Option<usize> {
        let i = match self.read(source, Some(at.clone())) {
            Ok(i) => i,
            Err(e) => {
                self.errors.push(e);
                return None;
            }
        };
        let root = &self.loaded.documents[i].root;
        if root.is(ns::XS, "schema") {
            return Some(i);
        }
        let found = root.name.clone();
        self.errors.push(LoadError::at(
            at.clone(),
            LoadErrorKind::Unexpected {
                expected: "an XML Schema document (`xs:schema`)".into(),
                found,
            },
        ));
        None
    }

    /// XML Schema drafts before 2001 are not read; say so where they are.
    fn old_schema_drafts(&mut self, d: usize) {
        let doc = &self.loaded.documents[d];
        let old: Vec<Location> = doc
            .root
            .children
            .iter()
            .filter(|c| c.is(ns::WSDL, "types"))
            .flat_map(|t| t.children.iter())
            .filter(|c| {
                c.name.local == "schema" && (c.name.ns == ns::XS_1999 || c.name.ns == ns::XS_2000)
            })
            .map(|c| Location::new(&doc.name, c.pos))
            .collect();
        for at in old {
            self.errors.push(LoadError::invalid(
                at,
                "xs:schema",
                "this schema uses a pre-2001 draft of XML Schema, which soapbridge does not read; \
                 change its namespace to http://www.w3.org/2001/XMLSchema",
            ));
        }
    }

    /// Well-known namespaces bound (or, for `xml:`, referenced) in the loaded
    /// documents that no loaded schema provides.
    fn implicit_builtins(&self) -> Vec<&'static super::wellknown::WellKnown> {
        fn walk(el: &Element, found: &mut Vec<&'static super::wellknown::WellKnown>) {
            for (_, uri) in el.scope.declared() {
                if let Some(w) = super::wellknown::by_namespace(uri)
                    && !found.contains(&w)
                {
                    found.push(w);
                }
            }
            if el.attr("ref").is_some_and(|r| r.trim().starts_with("xml:"))
                && let Some(w) = super::wellknown::by_namespace(ns::XML)
                && !found.contains(&w)
            {
                found.push(w);
            }
            for c in &el.children {
                walk(c, found);
            }
        }
        let mut found = Vec::new();
        for d in &self.loaded.documents {
            walk(&d.root, &mut found);
        }
        found.retain(|w| {
            // Not already provided, and not the WSDL or envelope vocabulary
            // itself, which contracts declare without referring to its schema.
            w.namespace != ns::WSDL
                && !self
                    .loaded
                    .schemas
                    .iter()
                    .any(|s| s.target_ns == w.namespace)
        });
        found
    }

    fn is_builtin(&self, doc: usize) -> bool {
        self.loaded.documents[doc].source.is_builtin()
    }
}

/// The schema documents as the schema builder wants them.
pub fn schema_docs(loaded: &Loaded) -> Vec<crate::schema::build::SchemaDoc<'_>> {
    loaded
        .schemas
        .iter()
        .map(|r| crate::schema::build::SchemaDoc {
            root: loaded.schema_element(r),
            file: loaded.documents[r.doc].name.clone(),
            target_ns: r.target_ns.clone(),
            chameleon: r.chameleon,
            builtin: loaded.documents[r.doc].source.is_builtin(),
        })
        .collect()
}

pub fn wsdl_docs(loaded: &Loaded) -> Vec<crate::wsdl::build::WsdlDoc<'_>> {
    loaded
        .wsdl_docs
        .iter()
        .map(|&i| crate::wsdl::build::WsdlDoc {
            root: &loaded.documents[i].root,
            file: loaded.documents[i].name.clone(),
        })
        .collect()
}
