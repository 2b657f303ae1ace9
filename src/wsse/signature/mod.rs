//! X.509 XML Signatures in the inbound `wsse:Security` header: which
//! `ds:Signature` counts, which certificate it names and whether that is
//! trusted, which algorithms and transforms are allowed, and the
//! signature-wrapping defence: every reference must resolve, by a unique
//! Id, to an element at a position the bridge actually processes (the
//! Envelope's one Body, the Timestamp in this node's Security header, a
//! direct header block), and the parts the policy requires must be among
//! them. Only then does xmlsec (libxmlsec1) check digests and the
//! signature value, with the key of the certificate *we* resolved (xmlsec
//! never reads `KeyInfo` itself, has no keys manager, and so never trusts
//! a key the message brings).
//!
//! libxml2 documents are not `Send`: [`SignaturePolicy::verify`] takes the
//! request's bytes and does all of its work on the calling thread, so the
//! server calls it inside `spawn_blocking`.
//!
//! The [`Report`] is the operator's diagnosis (`soapbridge wsse verify`,
//! and the debug log): each reference's URI, the path of the element it
//! resolved to, whether its digest matches, and the canonical bytes that
//! were digested; Id collisions and profile violations. It never goes to
//! the caller.

pub mod certs;
pub mod sign;
// The one module with unsafe code: two C callbacks (see Cargo.toml).
#[allow(unsafe_code)]
mod xmlsec_init;

use base64::Engine;
use libxml::parser::{Parser, ParserOptions};
use libxml::tree::{Document, Node};
use sha2::Digest;

use super::{BASE64_BINARY, Code, WsseError, refuse};
use crate::ns::{DS, SOAP11_ENV, SOAP12_ENV, WSSE, WSU};
use certs::{Cert, TrustStore};

pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
pub const X509V3: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
pub const X509_SKI: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier";
pub const THUMBPRINT_SHA1: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1";

/// A part of the message a policy can require to be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Body,
    Timestamp,
}

impl Part {
    pub fn parse(s: &str) -> Option<Part> {
        match s {
            "Body" => Some(Part::Body),
            "Timestamp" => Some(Part::Timestamp),
            _ => None,
        }
    }
}

/// What the SOAP facade requires of a signature (the mapping's
/// `security.signature`).
#[derive(Debug)]
pub struct SignaturePolicy {
    /// A request without a signature is refused.
    pub required: bool,
    pub trust: TrustStore,
    /// Parts every signature must cover.
    pub sign: Vec<Part>,
    /// Accept RSA-SHA1 signatures and SHA-1 digests.
    pub allow_sha1: bool,
}

/// Who signed a verified request.
#[derive(Debug, Clone)]
pub struct SignedBy {
    pub subject: String,
    /// The configured signer the certificate is, if any.
    pub client: Option<String>,
    pub scopes: Vec<String>,
}

impl SignedBy {
    pub fn identity(&self) -> crate::auth::Identity {
        crate::auth::Identity {
            client: self.client.clone().unwrap_or_else(|| self.subject.clone()),
            scopes: self.scopes.iter().cloned().collect(),
            via: "x509-signature",
        }
    }
}

/// One `ds:Reference`, as the diagnosis shows it.
#[derive(Debug, Default, Clone)]
pub struct RefReport {
    pub uri: String,
    /// Where the Id resolved (`/Envelope/Body`), if it did.
    pub path: Option<String>,
    /// What the bridge takes that element for (`Body`, `Timestamp`...).
    pub role: Option<String>,
    /// Our own digest of the canonical bytes against `DigestValue`.
    pub digest_ok: Option<bool>,
    /// The exclusive canonical form that was digested (diagnosis only).
    pub canonical: Option<String>,
}

/// The diagnosis of one message.
#[derive(Debug, Default)]
pub struct Report {
    pub references: Vec<RefReport>,
    /// How the key was found, and the certificate's subject.
    pub key: Option<String>,
    /// Id collisions, profile violations, structural problems.
    pub problems: Vec<String>,
    /// xmlsec's verdict on digests and the signature value.
    pub xmlsec: Option<String>,
}

/// The first namespace declaration (`xmlns` or `xmlns:p`) whose value is
/// written with a reference (`&...;`). Parsers that resolve prefixes on
/// the raw text (quick-xml's, which the translation uses) and those on the
/// decoded text (libxml2, C14N) disagree on such a name, so a signed
/// message must not use one. A textual scan: it may also match inside a
/// comment or text, which only refuses more.
fn namespace_with_reference(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find("xmlns") {
        let start = from + at;
        from = start + 5;
        // `xmlns` as an attribute name: after whitespace, then `=` or `:p=`.
        if start == 0 || !bytes[start - 1].is_ascii_whitespace() {
            continue;
        }
        let rest = &text[start..];
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim_end();
        if !(name == "xmlns" || (name.starts_with("xmlns:") && !name.contains(char::is_whitespace)))
        {
            continue;
        }
        let value = rest[eq + 1..].trim_start();
        let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let Some(end) = value[1..].find(quote) else {
            break;
        };
        if value[1..1 + end].contains('&') {
            return Some(name.to_string());
        }
    }
    None
}

/// Canonical bytes as a report shows them: the content of `Password` and
/// `Nonce` elements replaced (a signed UsernameToken's password must not
/// reach a log or a terminal). The digest was checked on the real bytes.
fn redact(c14n: &str) -> String {
    let mut out = String::with_capacity(c14n.len());
    let mut rest = c14n;
    while let Some(at) = rest.find('<') {
        let tag_end = match rest[at..].find('>') {
            Some(e) => at + e + 1,
            None => break,
        };
        let tag = &rest[at..tag_end];
        let name = tag[1..]
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .next()
            .unwrap_or("");
        let local = name.rsplit(':').next().unwrap_or(name);
        out.push_str(&rest[..tag_end]);
        rest = &rest[tag_end..];
        if !tag.starts_with("</") && !tag.ends_with("/>") && matches!(local, "Password" | "Nonce") {
            let close = format!("</{name}>");
            if let Some(c) = rest.find(&close) {
                out.push_str("(redacted)");
                rest = &rest[c..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl Report {
    /// The diagnosis as text, for an operator.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for (i, r) in self.references.iter().enumerate() {
            let _ = writeln!(out, "reference {}: URI {}", i + 1, r.uri);
            let _ = writeln!(
                out,
                "  resolves to: {}{}",
                r.path.as_deref().unwrap_or("(nothing)"),
                r.role
                    .as_ref()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default()
            );
            let digest = match r.digest_ok {
                Some(true) => "ok",
                Some(false) => "FAILED",
                None => "not computed",
            };
            let _ = writeln!(out, "  digest: {digest}");
            if let Some(c) = &r.canonical {
                let _ = writeln!(out, "  canonical bytes digested ({} bytes):", c.len());
                for line in c.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
        if let Some(k) = &self.key {
            let _ = writeln!(out, "key: {k}");
        }
        if let Some(x) = &self.xmlsec {
            let _ = writeln!(out, "xmlsec: {x}");
        }
        for p in &self.problems {
            let _ = writeln!(out, "problem: {p}");
        }
        out
    }
}

/// Where a signed element sits, as far as the bridge is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Body,
    Timestamp,
    Token,
    Header(String),
}

impl Role {
    fn name(&self) -> String {
        match self {
            Role::Body => "Body".into(),
            Role::Timestamp => "Timestamp".into(),
            Role::Token => "security token".into(),
            Role::Header(n) => format!("header block {n}"),
        }
    }
}

/// An element of the parsed document. Its path is rendered only when a
/// report or an error needs it ([`path_of`]): building every element's
/// full path up front costs depth × name length per element, which a
/// hostile document makes quadratic.
struct El {
    node: Node,
    ns: String,
    local: String,
    /// The parent's index in the walk.
    parent: Option<usize>,
    /// 1-based position among the parent's children of the same name, or
    /// 0 when the name is unique there.
    nth: usize,
}

fn ns_of(n: &Node) -> String {
    n.get_namespace().map(|n| n.get_href()).unwrap_or_default()
}

fn is(n: &Node, ns: &str, local: &str) -> bool {
    n.get_name() == local && ns_of(n) == ns
}

fn elements(n: &Node) -> Vec<Node> {
    n.get_child_elements()
}

/// The attribute `local` in no namespace.
fn attr(n: &Node, local: &str) -> Option<String> {
    n.get_attribute_no_ns(local)
}

/// Every element in document order (linear in the document: each name is
/// read once, siblings are numbered with one count per parent, and no
/// recursion, so depth costs no stack).
fn walk(root: &Node, out: &mut Vec<El>) {
    // (node, parent index, nth), in document order.
    let mut stack: Vec<(Node, Option<usize>, usize)> = vec![(root.clone(), None, 0)];
    while let Some((n, parent, nth)) = stack.pop() {
        let me = out.len();
        out.push(El {
            local: n.get_name(),
            ns: ns_of(&n),
            node: n.clone(),
            parent,
            nth,
        });
        let kids = elements(&n);
        let names: Vec<String> = kids.iter().map(|k| k.get_name()).collect();
        let mut total: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for name in &names {
            *total.entry(name).or_default() += 1;
        }
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut numbered = Vec::with_capacity(kids.len());
        for (k, name) in kids.into_iter().zip(&names) {
            let i = seen.entry(name).or_default();
            *i += 1;
            numbered.push((k, Some(me), if total[name.as_str()] > 1 { *i } else { 0 }));
        }
        // Reversed onto the stack, so the first child comes out first.
        stack.extend(numbered.into_iter().rev());
    }
}

/// `/Envelope/Header/...`, with `[i]` where siblings share a name.
fn path_of(all: &[El], i: usize) -> String {
    let mut parts = Vec::new();
    let mut at = Some(i);
    while let Some(j) = at {
        let e = &all[j];
        parts.push(if e.nth > 0 {
            format!("{}[{}]", e.local, e.nth)
        } else {
            e.local.clone()
        });
        at = e.parent;
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// Attributes that may act as an Id: any `Id`/`ID`/`id` (whatever its
/// namespace) and `xml:id`. All of them must be unique together, so no
/// resolver (ours, xmlsec's, a backend's) can pick another element.
fn ids(n: &Node) -> Vec<String> {
    n.get_properties_ns()
        .into_iter()
        .filter(|((local, ns), _)| {
            matches!(local.as_str(), "Id" | "ID" | "id")
                || (local == "id"
                    && ns
                        .as_ref()
                        .is_some_and(|ns| ns.get_href() == crate::ns::XML))
        })
        .map(|(_, v)| v)
        .collect()
}

fn parse_options() -> ParserOptions<'static> {
    ParserOptions {
        recover: false,
        no_def_dtd: true,
        no_error: true,
        no_warning: true,
        pedantic: false,
        no_blanks: false,
        no_net: true,
        no_implied: false,
        huge: false,
        compact: false,
        ignore_enc: false,
        encoding: Some("UTF-8"),
    }
}

/// Parses UTF-8 text with libxml2 after our own parser accepted it (which
/// refuses DTDs and entities and bounds depth and counts); both must see
/// the same number of elements.
pub(crate) fn parse_doc(text: &str) -> Result<(Document, usize), WsseError> {
    xmlsec_init::once();
    let ours = crate::xml::parse(text, &crate::xml::Limits::default())
        .map_err(|e| refuse(Code::InvalidSecurity, format!("not well-formed XML: {e}")))?;
    let doc = Parser::default()
        .parse_string_with_options(text.as_bytes(), parse_options())
        .map_err(|_| refuse(Code::InvalidSecurity, "libxml2 cannot parse the message"))?;
    fn count(e: &crate::xml::Element) -> usize {
        1 + e.children.iter().map(count).sum::<usize>()
    }
    Ok((doc, count(&ours)))
}

fn b64(text: &str) -> Option<Vec<u8>> {
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}

/// A parsed `ds:Reference`.
struct Reference {
    id: String,
    digest_alg: String,
    digest: Vec<u8>,
    prefixes: Vec<String>,
}

impl SignaturePolicy {
    /// Verifies the signature of a SOAP envelope (UTF-8 text). `Ok(None)`:
    /// there is none, and the policy does not require one.
    pub fn verify(
        &self,
        text: &str,
        now: super::time::Millis,
    ) -> Result<Option<SignedBy>, WsseError> {
        let mut report = Report::default();
        self.run(text, now, &mut report, false)
    }

    /// [`verify`](Self::verify), with the diagnosis: per reference the
    /// resolved path, our digest check and the canonical bytes.
    pub fn diagnose(
        &self,
        text: &str,
        now: super::time::Millis,
    ) -> (Result<Option<SignedBy>, WsseError>, Report) {
        let mut report = Report::default();
        let r = self.run(text, now, &mut report, true);
        (r, report)
    }

    fn run(
        &self,
        text: &str,
        now: super::time::Millis,
        report: &mut Report,
        detail: bool,
    ) -> Result<Option<SignedBy>, WsseError> {
        // Declared before the document, so it is dropped after it.
        let _quiet = xmlsec_init::LibxmlErrorsToLog::install();
        let problem = |report: &mut Report, code: Code, why: String| {
            report.problems.push(why.clone());
            refuse(code, why)
        };
        if let Some(decl) = namespace_with_reference(text) {
            return Err(problem(
                report,
                Code::InvalidSecurity,
                format!(
                    "`{decl}`: a namespace name written with character or entity references (the translation and the verification would read it differently)"
                ),
            ));
        }
        let (doc, our_count) = parse_doc(text)?;
        let Some(root) = doc.get_root_element() else {
            return Err(problem(
                report,
                Code::InvalidSecurity,
                "no root element".into(),
            ));
        };
        let env_ns = ns_of(&root);
        if root.get_name() != "Envelope" || (env_ns != SOAP11_ENV && env_ns != SOAP12_ENV) {
            return Err(problem(
                report,
                Code::InvalidSecurity,
                "not a SOAP envelope".into(),
            ));
        }
        let mut all = Vec::new();
        walk(&root, &mut all);
        if all.len() != our_count {
            return Err(problem(
                report,
                Code::InvalidSecurity,
                format!(
                    "the two XML parsers disagree on the element count ({} vs {our_count})",
                    all.len()
                ),
            ));
        }
        // Exactly one Header and one Body, in that order, and no SOAP
        // Envelope/Header/Body anywhere else.
        let top = elements(&root);
        let (header, body) = match top.as_slice() {
            [h, b] if is(h, &env_ns, "Header") && is(b, &env_ns, "Body") => (h.clone(), b.clone()),
            _ => {
                return Err(problem(
                    report,
                    Code::InvalidSecurity,
                    "the Envelope must hold exactly one Header and then exactly one Body".into(),
                ));
            }
        };
        for (i, e) in all.iter().enumerate().skip(1) {
            let soap = e.ns == SOAP11_ENV || e.ns == SOAP12_ENV;
            if soap && matches!(e.local.as_str(), "Envelope" | "Header" | "Body") {
                let top_level = e.node == header || e.node == body;
                if !top_level {
                    return Err(problem(
                        report,
                        Code::InvalidSecurity,
                        format!("a second SOAP {} at {}", e.local, path_of(&all, i)),
                    ));
                }
            }
        }
        // Ids: unique across the whole envelope, before anything resolves one.
        let mut by_id: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, e) in all.iter().enumerate() {
            for id in ids(&e.node) {
                if let Some(&j) = by_id.get(&id) {
                    if j != i {
                        return Err(problem(
                            report,
                            Code::InvalidSecurity,
                            format!(
                                "Id `{id}` is used twice: at {} and at {}",
                                path_of(&all, j),
                                path_of(&all, i)
                            ),
                        ));
                    }
                } else {
                    by_id.insert(id, i);
                }
            }
        }
        // This node's Security header (the same choice as the UsernameToken check).
        let version = if env_ns == SOAP11_ENV {
            crate::wsdl::model::SoapVersion::V11
        } else {
            crate::wsdl::model::SoapVersion::V12
        };
        let mut security = None;
        for block in elements(&header)
            .into_iter()
            .filter(|b| is(b, WSSE, "Security"))
        {
            if aimed_at_us(&block, &env_ns, version) {
                if security.is_some() {
                    return Err(problem(
                        report,
                        Code::InvalidSecurity,
                        "more than one wsse:Security header for this node".into(),
                    ));
                }
                security = Some(block);
            }
        }
        let signatures: Vec<&El> = all
            .iter()
            .filter(|e| e.ns == DS && e.local == "Signature")
            .collect();
        let Some(security) = security else {
            if !signatures.is_empty() {
                return Err(problem(
                    report,
                    Code::InvalidSecurity,
                    "a ds:Signature outside a wsse:Security header for this node".into(),
                ));
            }
            if self.required {
                return Err(problem(
                    report,
                    Code::InvalidSecurity,
                    "no wsse:Security header".into(),
                ));
            }
            return Ok(None);
        };
        let signature = match signatures.as_slice() {
            [] if self.required => {
                return Err(problem(
                    report,
                    Code::InvalidSecurity,
                    "no ds:Signature".into(),
                ));
            }
            [] => return Ok(None),
            [one] if one.node.get_parent().as_ref() == Some(&security) => one.node.clone(),
            [_] => {
                return Err(problem(
                    report,
                    Code::InvalidSecurity,
                    "the ds:Signature is not a direct child of this node's wsse:Security".into(),
                ));
            }
            _ => {
                return Err(problem(
                    report,
                    Code::InvalidSecurity,
                    format!(
                        "{} ds:Signature elements (one is allowed)",
                        signatures.len()
                    ),
                ));
            }
        };
        let role_of = |n: &Node| -> Option<Role> {
            let parent = n.get_parent()?;
            if *n == body {
                Some(Role::Body)
            } else if parent == security && is(n, WSU, "Timestamp") {
                Some(Role::Timestamp)
            } else if parent == security
                && (is(n, WSSE, "BinarySecurityToken") || is(n, WSSE, "UsernameToken"))
            {
                Some(Role::Token)
            } else if parent == header && *n != security && !is(n, WSSE, "Security") {
                Some(Role::Header(format!("{{{}}}{}", ns_of(n), n.get_name())))
            } else {
                None
            }
        };
        // The Signature's shape: SignedInfo, SignatureValue, KeyInfo; no Object.
        let parts = elements(&signature);
        let (signed_info, key_info) = match parts.as_slice() {
            [si, sv, ki]
                if is(si, DS, "SignedInfo")
                    && is(sv, DS, "SignatureValue")
                    && is(ki, DS, "KeyInfo") =>
            {
                (si.clone(), ki.clone())
            }
            _ => {
                return Err(problem(
                    report,
                    Code::InvalidSecurity,
                    "ds:Signature must hold SignedInfo, SignatureValue and KeyInfo, and nothing else (no ds:Object)".into(),
                ));
            }
        };
        let refs = self
            .signed_info(&signed_info)
            .inspect_err(|e| report.problems.push(e.why.clone()))?;
        // Every reference resolves by a unique Id to a place the bridge processes.
        let mut covered = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in &refs {
            let mut rr = RefReport {
                uri: format!("#{}", r.id),
                ..RefReport::default()
            };
            if !seen.insert(r.id.clone()) {
                report.references.push(rr);
                return Err(problem(
                    report,
                    Code::InvalidSecurity,
                    format!("two references to #{}", r.id),
                ));
            }
            let Some(&i) = by_id.get(&r.id) else {
                report.references.push(rr);
                return Err(problem(
                    report,
                    Code::FailedCheck,
                    format!("reference #{} names no element", r.id),
                ));
            };
            let target = &all[i];
            let target_path = path_of(&all, i);
            rr.path = Some(target_path.clone());
            if target.node.get_attribute_ns("Id", WSU).as_deref() != Some(r.id.as_str()) {
                report.references.push(rr);
                return Err(problem(
                    report,
                    Code::InvalidSecurity,
                    format!(
                        "reference #{} resolves to {} by an attribute other than wsu:Id",
                        r.id, target_path
                    ),
                ));
            }
            let Some(role) = role_of(&target.node) else {
                report.references.push(rr);
                return Err(problem(
                    report,
                    Code::FailedCheck,
                    format!(
                        "reference #{} resolves to {}, which is not a part the bridge processes (signature wrapping?)",
                        r.id, target_path
                    ),
                ));
            };
            rr.role = Some(role.name());
            if detail {
                let (ok, c14n) = digest_of(&target.node, r);
                rr.digest_ok = ok;
                rr.canonical = c14n.map(|c| redact(&c));
            }
            report.references.push(rr);
            covered.push(role);
        }
        for part in &self.sign {
            let want = match part {
                Part::Body => Role::Body,
                Part::Timestamp => Role::Timestamp,
            };
            if !covered.contains(&want) {
                return Err(problem(
                    report,
                    Code::FailedCheck,
                    format!("the signature does not cover the {part:?} the bridge processes"),
                ));
            }
        }
        // The key: from the certificate the reference names, trusted by us.
        let (cert, how) = self
            .key(&key_info, &security, &by_id, &all, now)
            .inspect_err(|e| report.problems.push(e.why.clone()))?;
        report.key = Some(format!("{how}: {}", cert.subject));
        // xmlsec checks the digests and the signature value.
        if let Err(why) = register_ids(&doc) {
            return Err(problem(report, Code::InvalidSecurity, why));
        }
        let key = xmlsec::XmlSecKey::from_memory(&cert.spki, xmlsec::XmlSecKeyFormat::Der, None)
            .map_err(|_| {
                problem(
                    report,
                    Code::InvalidSecurityToken,
                    "xmlsec cannot load the certificate's public key".into(),
                )
            })?;
        let mut ctx = xmlsec::XmlSecSignatureContext::new();
        ctx.insert_key(key);
        let verdict = ctx.verify_node(&signature);
        let ok = matches!(verdict, Ok(true));
        report.xmlsec = Some(match &verdict {
            Ok(true) => "signature valid".into(),
            Ok(false) => {
                "signature invalid (a digest or the signature value does not match)".into()
            }
            Err(e) => format!("verification failed: {e}"),
        });
        if !ok {
            // Which reference failed, in our own computation.
            let mut failed = Vec::new();
            for (r, rr) in refs.iter().zip(report.references.iter_mut()) {
                if rr.digest_ok.is_none()
                    && let Some(&i) = by_id.get(&r.id)
                {
                    let (ok, c14n) = digest_of(&all[i].node, r);
                    rr.digest_ok = ok;
                    rr.canonical = c14n.map(|c| redact(&c));
                }
                if rr.digest_ok == Some(false) {
                    failed.push(rr.uri.clone());
                }
            }
            let why = if failed.is_empty() {
                "the signature value does not verify with the certificate's key".to_string()
            } else {
                format!("digest mismatch for {}", failed.join(", "))
            };
            return Err(problem(report, Code::FailedCheck, why));
        }
        let signer = self.trust.signer_of(&cert.der);
        Ok(Some(SignedBy {
            subject: cert.subject.clone(),
            client: signer.map(|s| s.client.clone()),
            scopes: signer.map(|s| s.scopes.clone()).unwrap_or_default(),
        }))
    }

    /// SignedInfo: exc-c14n, an allowed signature method, references to
    /// same-document `#id`s with exc-c14n (and enveloped-signature)
    /// transforms and an allowed digest.
    fn signed_info(&self, si: &Node) -> Result<Vec<Reference>, WsseError> {
        let kids = elements(si);
        let [c14n, method, references @ ..] = kids.as_slice() else {
            return Err(refuse(Code::InvalidSecurity, "SignedInfo is incomplete"));
        };
        if !is(c14n, DS, "CanonicalizationMethod") || !is(method, DS, "SignatureMethod") {
            return Err(refuse(
                Code::InvalidSecurity,
                "SignedInfo must start with CanonicalizationMethod and SignatureMethod",
            ));
        }
        let alg = attr(c14n, "Algorithm").unwrap_or_default();
        if alg != EXC_C14N {
            return Err(refuse(
                Code::UnsupportedAlgorithm,
                format!("SignedInfo canonicalization `{alg}` (only exclusive C14N)"),
            ));
        }
        inclusive_prefixes(c14n)?;
        let alg = attr(method, "Algorithm").unwrap_or_default();
        let allowed =
            alg == RSA_SHA256 || alg == ECDSA_SHA256 || (self.allow_sha1 && alg == RSA_SHA1);
        if !allowed || !elements(method).is_empty() {
            return Err(refuse(
                Code::UnsupportedAlgorithm,
                format!("signature method `{alg}`"),
            ));
        }
        if references.is_empty() {
            return Err(refuse(Code::InvalidSecurity, "SignedInfo has no Reference"));
        }
        references.iter().map(|r| self.reference(r)).collect()
    }

    fn reference(&self, r: &Node) -> Result<Reference, WsseError> {
        if !is(r, DS, "Reference") {
            return Err(refuse(
                Code::InvalidSecurity,
                format!("unexpected {} in SignedInfo", r.get_name()),
            ));
        }
        if attr(r, "Type").is_some() {
            return Err(refuse(
                Code::InvalidSecurity,
                "a Reference with a Type (Manifest, Object) is not processed",
            ));
        }
        let uri = attr(r, "URI").unwrap_or_default();
        let id = uri.strip_prefix('#').unwrap_or_default();
        let ncname = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !id.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.');
        if !ncname {
            return Err(refuse(
                Code::InvalidSecurity,
                format!("reference URI `{uri}` is not a same-document `#id`"),
            ));
        }
        let kids = elements(r);
        let [transforms, method, value] = kids.as_slice() else {
            return Err(refuse(
                Code::InvalidSecurity,
                format!("reference {uri} must hold Transforms, DigestMethod and DigestValue"),
            ));
        };
        if !is(transforms, DS, "Transforms")
            || !is(method, DS, "DigestMethod")
            || !is(value, DS, "DigestValue")
        {
            return Err(refuse(
                Code::InvalidSecurity,
                format!("reference {uri} must hold Transforms, DigestMethod and DigestValue"),
            ));
        }
        let list = elements(transforms);
        let mut prefixes = Vec::new();
        for (i, t) in list.iter().enumerate() {
            let alg = attr(t, "Algorithm").unwrap_or_default();
            let last = i + 1 == list.len();
            if !is(t, DS, "Transform") {
                return Err(refuse(
                    Code::InvalidSecurity,
                    format!("reference {uri}: not a Transform"),
                ));
            }
            match alg.as_str() {
                EXC_C14N if last => prefixes = inclusive_prefixes(t)?,
                ENVELOPED if !last && elements(t).is_empty() => {}
                _ => {
                    return Err(refuse(
                        Code::UnsupportedAlgorithm,
                        format!(
                            "reference {uri}: transform `{alg}` (exc-c14n last, enveloped-signature before it, nothing else)"
                        ),
                    ));
                }
            }
        }
        if list.is_empty() {
            return Err(refuse(
                Code::UnsupportedAlgorithm,
                format!("reference {uri} has no exclusive C14N transform"),
            ));
        }
        let digest_alg = attr(method, "Algorithm").unwrap_or_default();
        if !(digest_alg == SHA256 || (self.allow_sha1 && digest_alg == SHA1)) {
            return Err(refuse(
                Code::UnsupportedAlgorithm,
                format!("reference {uri}: digest `{digest_alg}`"),
            ));
        }
        let digest = b64(&value.get_content()).ok_or_else(|| {
            refuse(
                Code::InvalidSecurity,
                format!("reference {uri}: DigestValue is not base64"),
            )
        })?;
        Ok(Reference {
            id: id.to_string(),
            digest_alg,
            digest,
            prefixes,
        })
    }

    /// The certificate `KeyInfo` names through a SecurityTokenReference,
    /// and how it was found; trusted or refused.
    fn key<'p>(
        &'p self,
        key_info: &Node,
        security: &Node,
        by_id: &std::collections::HashMap<String, usize>,
        all: &[El],
        now: super::time::Millis,
    ) -> Result<(std::borrow::Cow<'p, Cert>, &'static str), WsseError> {
        let kids = elements(key_info);
        let [str_] = kids.as_slice() else {
            return Err(refuse(
                Code::UnsupportedSecurityToken,
                "KeyInfo must hold one wsse:SecurityTokenReference",
            ));
        };
        if !is(str_, WSSE, "SecurityTokenReference") {
            return Err(refuse(
                Code::UnsupportedSecurityToken,
                format!(
                    "KeyInfo holds {} (a SecurityTokenReference is expected)",
                    str_.get_name()
                ),
            ));
        }
        let kids = elements(str_);
        let [what] = kids.as_slice() else {
            return Err(refuse(
                Code::InvalidSecurity,
                "a SecurityTokenReference holds exactly one reference",
            ));
        };
        let unavailable = |how: &str| {
            refuse(
                Code::SecurityTokenUnavailable,
                format!("no configured signer certificate matches the {how}"),
            )
        };
        let (cert, how): (std::borrow::Cow<'p, Cert>, &'static str) = if is(what, WSSE, "Reference")
        {
            if attr(what, "ValueType").is_some_and(|v| v != X509V3) {
                return Err(refuse(
                    Code::UnsupportedSecurityToken,
                    "the token reference is not to an X509v3 token",
                ));
            }
            let uri = attr(what, "URI").unwrap_or_default();
            let token = uri
                .strip_prefix('#')
                .and_then(|id| by_id.get(id))
                .map(|&i| &all[i].node)
                .filter(|n| {
                    n.get_parent().as_ref() == Some(security) && is(n, WSSE, "BinarySecurityToken")
                })
                .ok_or_else(|| {
                    refuse(
                        Code::SecurityTokenUnavailable,
                        format!("`{uri}` names no BinarySecurityToken in this Security header"),
                    )
                })?;
            if attr(token, "ValueType").as_deref() != Some(X509V3) {
                return Err(refuse(
                    Code::UnsupportedSecurityToken,
                    "the BinarySecurityToken is not X509v3",
                ));
            }
            if attr(token, "EncodingType").is_some_and(|e| e != BASE64_BINARY) {
                return Err(refuse(
                    Code::UnsupportedSecurityToken,
                    "the BinarySecurityToken is not Base64Binary",
                ));
            }
            let der = b64(&token.get_content()).ok_or_else(|| {
                refuse(
                    Code::InvalidSecurityToken,
                    "the BinarySecurityToken is not base64",
                )
            })?;
            let cert = Cert::from_der(&der).map_err(|e| {
                refuse(
                    Code::InvalidSecurityToken,
                    format!("BinarySecurityToken: {e}"),
                )
            })?;
            (std::borrow::Cow::Owned(cert), "BinarySecurityToken")
        } else if is(what, WSSE, "KeyIdentifier") {
            if attr(what, "EncodingType").is_some_and(|e| e != BASE64_BINARY) {
                return Err(refuse(
                    Code::UnsupportedSecurityToken,
                    "the KeyIdentifier is not Base64Binary",
                ));
            }
            let raw = b64(&what.get_content()).ok_or_else(|| {
                refuse(
                    Code::InvalidSecurityToken,
                    "the KeyIdentifier is not base64",
                )
            })?;
            match attr(what, "ValueType").as_deref() {
                Some(X509_SKI) => (
                    std::borrow::Cow::Borrowed(
                        self.trust
                            .by_ski(&raw)
                            .ok_or_else(|| unavailable("subject key identifier"))?,
                    ),
                    "X509SubjectKeyIdentifier",
                ),
                Some(THUMBPRINT_SHA1) => (
                    std::borrow::Cow::Borrowed(
                        self.trust
                            .by_thumbprint(&raw)
                            .ok_or_else(|| unavailable("SHA-1 thumbprint"))?,
                    ),
                    "ThumbprintSHA1",
                ),
                other => {
                    return Err(refuse(
                        Code::UnsupportedSecurityToken,
                        format!("KeyIdentifier type {}", other.unwrap_or("(none)")),
                    ));
                }
            }
        } else if is(what, DS, "X509Data") {
            let serial = elements(what)
                .into_iter()
                .find(|n| is(n, DS, "X509IssuerSerial"))
                .ok_or_else(|| {
                    refuse(
                        Code::UnsupportedSecurityToken,
                        "X509Data without X509IssuerSerial",
                    )
                })?;
            let part = |local: &str| {
                elements(&serial)
                    .into_iter()
                    .find(|n| is(n, DS, local))
                    .map(|n| n.get_content())
                    .ok_or_else(|| {
                        refuse(
                            Code::InvalidSecurityToken,
                            format!("X509IssuerSerial without {local}"),
                        )
                    })
            };
            let (issuer, number) = (part("X509IssuerName")?, part("X509SerialNumber")?);
            (
                std::borrow::Cow::Borrowed(
                    self.trust
                        .by_issuer_serial(&issuer, &number)
                        .ok_or_else(|| unavailable("issuer and serial number"))?,
                ),
                "X509IssuerSerial",
            )
        } else {
            return Err(refuse(
                Code::UnsupportedSecurityToken,
                format!("SecurityTokenReference holds {}", what.get_name()),
            ));
        };
        self.trust.check(&cert, now).map_err(|e| match e {
            certs::TrustError::Expired(_) => refuse(Code::InvalidSecurityToken, e.to_string()),
            certs::TrustError::Untrusted(..) => refuse(Code::InvalidSecurityToken, e.to_string()),
            certs::TrustError::Revoked(..) => refuse(Code::InvalidSecurityToken, e.to_string()),
        })?;
        Ok((cert, how))
    }
}

fn aimed_at_us(block: &Node, env_ns: &str, version: crate::wsdl::model::SoapVersion) -> bool {
    use crate::wsdl::model::SoapVersion;
    match version {
        SoapVersion::V11 => block
            .get_attribute_ns("actor", env_ns)
            .is_none_or(|a| a.trim() == "http://schemas.xmlsoap.org/soap/actor/next"),
        SoapVersion::V12 => block.get_attribute_ns("role", env_ns).is_none_or(|r| {
            matches!(
                r.trim(),
                "http://www.w3.org/2003/05/soap-envelope/role/next"
                    | "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"
            )
        }),
    }
}

/// The `InclusiveNamespaces PrefixList` of an exc-c14n method or transform.
fn inclusive_prefixes(n: &Node) -> Result<Vec<String>, WsseError> {
    let kids = elements(n);
    match kids.as_slice() {
        [] => Ok(Vec::new()),
        [inc] if is(inc, EXC_C14N, "InclusiveNamespaces") => Ok(attr(inc, "PrefixList")
            .unwrap_or_default()
            .split_ascii_whitespace()
            .map(str::to_string)
            .collect()),
        _ => Err(refuse(
            Code::InvalidSecurity,
            "exclusive C14N takes only an InclusiveNamespaces parameter",
        )),
    }
}

/// Tells libxml2 (and so xmlsec) that `wsu:Id` is an Id attribute.
fn register_ids(doc: &Document) -> Result<(), String> {
    use xmlsec::XmlSecDocumentExt;
    doc.specify_idattr("//*[@wsu:Id]", "Id", Some(&[("wsu", WSU)]))
        .map_err(|e| format!("cannot register wsu:Id attributes: {e}"))
}

/// Our own exclusive canonical form and digest of a referenced element:
/// whether it matches `DigestValue`, and the canonical text.
fn digest_of(n: &Node, r: &Reference) -> (Option<bool>, Option<String>) {
    let mut n = n.clone();
    let opts = libxml::tree::c14n::CanonicalizationOptions {
        mode: libxml::tree::c14n::CanonicalizationMode::ExclusiveCanonical1_0,
        with_comments: false,
        inclusive_ns_prefixes: r.prefixes.clone(),
    };
    let Ok(c14n) = n.canonicalize(opts) else {
        return (None, None);
    };
    let ok = match r.digest_alg.as_str() {
        SHA256 => sha2::Sha256::digest(c14n.as_bytes())[..] == r.digest[..],
        SHA1 => sha1::Sha1::digest(c14n.as_bytes())[..] == r.digest[..],
        _ => return (None, Some(c14n)),
    };
    (Some(ok), Some(c14n))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod redact_tests {
    #[test]
    fn passwords_and_nonces_are_redacted() {
        let c = r#"<wsse:UsernameToken xmlns:wsse="x"><wsse:Username>u</wsse:Username><wsse:Password Type="t">s3cret</wsse:Password><wsse:Nonce>bm9uY2U=</wsse:Nonce></wsse:UsernameToken>"#;
        let r = super::redact(c);
        assert!(!r.contains("s3cret") && !r.contains("bm9uY2U="), "{r}");
        assert!(r.contains("<wsse:Username>u</wsse:Username>"), "{r}");
        assert_eq!(super::redact("<a>b</a>"), "<a>b</a>");
    }

    #[test]
    fn namespace_names_with_references_are_found() {
        let f = super::namespace_with_reference;
        assert_eq!(
            f(r#"<a xmlns:b="urn:ban&#x6B;"/>"#).as_deref(),
            Some("xmlns:b")
        );
        assert_eq!(f(r#"<a xmlns='urn:a&amp;b'/>"#).as_deref(), Some("xmlns"));
        assert_eq!(f(r#"<a xmlns:b="urn:bank" c="x&amp;y"/>"#), None);
        assert_eq!(f(r#"<a>xmlns:b="&amp;"</a>"#), None);
    }
}
