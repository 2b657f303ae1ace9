//! The contracts the codec targets translate against: the shipped examples,
//! loaded once per process. The first input byte picks the global element
//! (`byte >> 1`, modulo their number, in `{namespace}local` order; see the
//! README) and, with its lowest bit, pretty-printed JSON.

use std::path::Path;
use std::sync::OnceLock;

use soapbridge::QName;
use soapbridge::codec::{Codec, Limits, Options};
use soapbridge::contract::{Contract, LoadOptions};

pub struct Target {
    pub codec: Codec<'static>,
    pub element: QName,
}

fn contracts() -> &'static [Contract] {
    static C: OnceLock<Vec<Contract>> = OnceLock::new();
    C.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        [
            "wsdl/erp-orders/orders.wsdl",
            "wsdl/bank-payments/payments.wsdl",
        ]
        .iter()
        .map(|rel| {
            Contract::load(&root.join(rel), &LoadOptions::default())
                .expect("shipped contract loads")
        })
        .collect()
    })
}

/// Every global element of the shipped contracts' own documents.
pub fn targets() -> &'static [Target] {
    static T: OnceLock<Vec<Target>> = OnceLock::new();
    T.get_or_init(|| {
        let mut out = Vec::new();
        for c in contracts() {
            for (q, id) in &c.schema.global_elements {
                let builtin = c
                    .schema
                    .element(*id)
                    .location
                    .as_ref()
                    .is_some_and(|l| l.file.starts_with("builtin:"));
                if !builtin {
                    out.push(Target {
                        codec: Codec::new(c),
                        element: q.clone(),
                    });
                }
            }
        }
        assert!(out.len() >= 10, "expected the shipped global elements");
        // A stable order (by `{namespace}local`), so seed files keep their meaning.
        out.sort_by_key(|t| t.element.to_string());
        out
    })
}

/// Tight limits so that a slow input shows up as a timeout, not a long run.
pub fn options(pretty: bool) -> Options {
    Options {
        pretty,
        limits: Limits {
            max_depth: 64,
            max_text: 64 * 1024,
            max_attributes: 64,
            max_errors: 20,
            ..Limits::default()
        },
        // Strict (unknown JSON properties refused), as for requests.
        ..Options::default()
    }
}

/// Splits the selector byte off the input.
pub fn pick(data: &[u8]) -> Option<(&'static Target, bool, &[u8])> {
    let (&first, rest) = data.split_first()?;
    let t = targets();
    Some((&t[(first as usize >> 1) % t.len()], first & 1 == 1, rest))
}
