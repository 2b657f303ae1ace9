//! OASIS XML Catalogs 1.1: map remote schema and WSDL locations to local files.
//!
//! Integration hosts in banks have no internet access; a catalog is how a
//! contract that names `https://...` schemas loads offline. Supported entries:
//! `uri`, `system`, `rewriteURI`, `rewriteSystem`, `uriSuffix`,
//! `systemSuffix`, `group`, `nextCatalog` and `xml:base`. `uri` and `system`
//! entries are consulted alike (JAX-WS catalogs use `system` for schema
//! locations, others use `uri`), and namespaces of location-less imports are
//! looked up as `uri` names. `public` entries are DTD-only and ignored, as
//! DTDs are refused anyway.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{LoadError, LoadErrorKind, Location};
use crate::ns;
use crate::xml::{self, Element};

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    exact: Vec<(String, String)>,
    rewrites: Vec<(String, String)>,
    suffixes: Vec<(String, String)>,
    next: Vec<Catalog>,
}

const MAX_CHAIN: usize = 16;

impl Catalog {
    /// Loads a catalog file and the catalogs it chains to with `nextCatalog`.
    pub fn load(path: &Path) -> Result<Catalog, LoadError> {
        Self::load_depth(path, 0, &mut std::collections::HashSet::new())
    }

    /// `seen` holds the catalogs already loaded: each file is read once, so
    /// `nextCatalog` cycles and fan-outs stay linear.
    fn load_depth(
        path: &Path,
        depth: usize,
        seen: &mut std::collections::HashSet<PathBuf>,
    ) -> Result<Catalog, LoadError> {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !seen.insert(canonical) {
            return Ok(Catalog::default());
        }
        let display: Arc<str> = path.display().to_string().into();
        let top = Location {
            file: display.clone(),
            line: 1,
            col: 1,
        };
        if depth > MAX_CHAIN {
            return Err(LoadError::at(
                top,
                LoadErrorKind::Limit(format!("nextCatalog chain longer than {MAX_CHAIN}")),
            ));
        }
        let bytes = super::source::read_file_limited(path, xml::Limits::default().max_bytes)
            .map_err(|e| LoadError {
                location: None,
                kind: LoadErrorKind::Read {
                    target: display.to_string(),
                    reason: super::source::io_reason(&e),
                },
            })?;
        let text =
            xml::charset::decode(&bytes, None).map_err(|e| LoadError::at(top.clone(), e.into()))?;
        let root = xml::parse(&text, &xml::Limits::default())
            .map_err(|e| LoadError::at(Location::new(&display, e.pos), e.kind.into()))?;
        if !root.is(ns::CATALOG, "catalog") {
            return Err(LoadError::at(
                Location::new(&display, root.pos),
                LoadErrorKind::Unexpected {
                    expected: format!("an OASIS catalog (`{{{}}}catalog`)", ns::CATALOG),
                    found: root.name.clone(),
                },
            ));
        }
        let base = base_of(path);
        let mut catalog = Catalog::default();
        catalog.read_entries(&root, &base, depth, &display, seen)?;
        Ok(catalog)
    }

    fn read_entries(
        &mut self,
        el: &Element,
        base: &Base,
        depth: usize,
        display: &Arc<str>,
        seen: &mut std::collections::HashSet<PathBuf>,
    ) -> Result<(), LoadError> {
        let base = match el.attr_ns(ns::XML, "base") {
            Some(b) => base.join(b),
            None => base.clone(),
        };
        for child in el.children_in(ns::CATALOG) {
            let here = Location::new(display, child.pos);
            let need = |name: &str| {
                child.attr(name).map(str::to_string).ok_or_else(|| {
                    LoadError::invalid(
                        here.clone(),
                        format!("catalog entry `{}`", child.name.local),
                        format!("missing attribute `{name}`"),
                    )
                })
            };
            let child_base = match child.attr_ns(ns::XML, "base") {
                Some(b) => base.join(b),
                None => base.clone(),
            };
            match child.name.local.as_str() {
                "uri" => self
                    .exact
                    .push((need("name")?, child_base.join(&need("uri")?).0)),
                "system" => self
                    .exact
                    .push((need("systemId")?, child_base.join(&need("uri")?).0)),
                "rewriteURI" => self.rewrites.push((
                    need("uriStartString")?,
                    child_base.join(&need("rewritePrefix")?).0,
                )),
                "rewriteSystem" => self.rewrites.push((
                    need("systemIdStartString")?,
                    child_base.join(&need("rewritePrefix")?).0,
                )),
                "uriSuffix" => self
                    .suffixes
                    .push((need("uriSuffix")?, child_base.join(&need("uri")?).0)),
                "systemSuffix" => self
                    .suffixes
                    .push((need("systemIdSuffix")?, child_base.join(&need("uri")?).0)),
                "group" => self.read_entries(child, &base, depth, display, seen)?,
                "nextCatalog" => {
                    let target = child_base.join(&need("catalog")?).0;
                    let path = local_path(&target).ok_or_else(|| {
                        LoadError::invalid(
                            here.clone(),
                            "nextCatalog",
                            format!("`{target}` is not a local file"),
                        )
                    })?;
                    self.next.push(Catalog::load_depth(&path, depth + 1, seen)?);
                }
                // DTD-only entries: nothing to map for schemas.
                "public" | "delegatePublic" | "delegateSystem" | "delegateURI" => {}
                _ => {}
            }
        }
        Ok(())
    }

    /// Maps a location (or a namespace name) to its replacement, if any.
    /// Exact entries win, then the longest rewrite prefix, then the longest
    /// suffix, then chained catalogs in order.
    pub fn resolve(&self, key: &str) -> Option<String> {
        if let Some((_, to)) = self.exact.iter().find(|(from, _)| from == key) {
            return Some(to.clone());
        }
        let rewrite = self
            .rewrites
            .iter()
            .filter(|(from, _)| key.starts_with(from.as_str()))
            .max_by_key(|(from, _)| from.len());
        if let Some((from, to)) = rewrite {
            return Some(format!("{to}{}", &key[from.len()..]));
        }
        let suffix = self
            .suffixes
            .iter()
            .filter(|(from, _)| key.ends_with(from.as_str()))
            .max_by_key(|(from, _)| from.len());
        if let Some((_, to)) = suffix {
            return Some(to.clone());
        }
        self.next.iter().find_map(|c| c.resolve(key))
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
            && self.rewrites.is_empty()
            && self.suffixes.is_empty()
            && self.next.iter().all(Catalog::is_empty)
    }
}

/// A base URI for relative catalog entries: a directory path or a URL prefix.
#[derive(Debug, Clone)]
struct Base(String);

impl Base {
    fn join(&self, rel: &str) -> Base {
        if rel.contains("://") || rel.starts_with("file:") || rel.starts_with('/') {
            return Base(rel.to_string());
        }
        if self.0.contains("://")
            && let Ok(u) = url::Url::parse(&self.0).and_then(|b| b.join(rel))
        {
            return Base(u.to_string());
        }
        Base(Path::new(&self.0).join(rel).display().to_string())
    }
}

fn base_of(path: &Path) -> Base {
    // Entries are relative to the catalog's directory; keep trailing-slash
    // semantics simple by joining onto the directory path.
    Base(
        path.parent()
            .map(|p| p.display().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| ".".into()),
    )
}

/// A catalog target as a local path (`file:` URLs or plain paths).
/// Locations are URI references: `%20` is a space, `file:///p` a path.
pub fn local_path(target: &str) -> Option<PathBuf> {
    if target.starts_with("file:") {
        if let Ok(u) = url::Url::parse(target)
            && let Ok(p) = u.to_file_path()
        {
            return Some(p);
        }
        // `file:relative.xsd` (no authority): a relative path.
        let rest = target.trim_start_matches("file:");
        return Some(PathBuf::from(percent_decode(rest)));
    }
    if target.contains("://") {
        return None;
    }
    Some(PathBuf::from(percent_decode(target)))
}

/// Decodes `%XX` escapes of a URI reference (invalid escapes stay as written).
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn entries_resolve_in_order() {
        let dir = std::env::temp_dir().join(format!("sb-catalog-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        write(
            &dir.join("sub"),
            "next.xml",
            r#"<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
                 <uri name="urn:only-in-next" uri="n.xsd"/></catalog>"#,
        );
        let main = write(
            &dir,
            "catalog.xml",
            r#"<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
                 <system systemId="https://example.com/a.xsd" uri="local/a.xsd"/>
                 <rewriteURI uriStartString="https://example.com/" rewritePrefix="mirror/"/>
                 <rewriteURI uriStartString="https://example.com/deep/" rewritePrefix="deep/"/>
                 <uriSuffix uriSuffix="/common.xsd" uri="common.xsd"/>
                 <group xml:base="grouped/"><uri name="urn:ns" uri="ns.xsd"/></group>
                 <nextCatalog catalog="sub/next.xml"/>
               </catalog>"#,
        );
        let c = Catalog::load(&main).unwrap();
        let d = dir.display();
        assert_eq!(
            c.resolve("https://example.com/a.xsd"),
            Some(format!("{d}/local/a.xsd"))
        );
        assert_eq!(
            c.resolve("https://example.com/b/x.xsd"),
            Some(format!("{d}/mirror/b/x.xsd"))
        );
        assert_eq!(
            c.resolve("https://example.com/deep/y.xsd"),
            Some(format!("{d}/deep/y.xsd"))
        );
        assert_eq!(
            c.resolve("http://other/common.xsd"),
            Some(format!("{d}/common.xsd"))
        );
        assert_eq!(c.resolve("urn:ns"), Some(format!("{d}/grouped/ns.xsd")));
        assert_eq!(
            c.resolve("urn:only-in-next"),
            Some(format!("{d}/sub/n.xsd"))
        );
        assert_eq!(c.resolve("https://nowhere/x.xsd"), None);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn not_a_catalog_is_an_error() {
        let dir = std::env::temp_dir().join(format!("sb-catalog-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = write(&dir, "c.xml", "<notcatalog/>");
        let err = Catalog::load(&p).unwrap_err().to_string();
        assert!(err.contains("c.xml:1:1"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn next_catalog_fan_out_and_cycles_load_each_file_once() {
        let dir = std::env::temp_dir().join(format!("sb-catalog-fan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..16 {
            let next = format!(r#"<nextCatalog catalog="c{}.xml"/>"#, (i + 1) % 16);
            write(
                &dir,
                &format!("c{i}.xml"),
                &format!(
                    r#"<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog"><uri name="urn:n{i}" uri="n{i}.xsd"/>{}</catalog>"#,
                    next.repeat(4)
                ),
            );
        }
        let start = std::time::Instant::now();
        let c = Catalog::load(&dir.join("c0.xml")).unwrap();
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        assert!(c.resolve("urn:n15").is_some_and(|p| p.ends_with("n15.xsd")));
        std::fs::remove_dir_all(&dir).ok();
    }
}
