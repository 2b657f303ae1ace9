//! Arbitrary bytes as a WSDL (or XSD) file. `Contract::load` reads from the
//! file system only, so each input is written to one file in a temporary
//! directory of this process; imports may name the shipped schemas by
//! relative path (`xsd/...`), which are copied next to it once.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use soapbridge::codec::Codec;
use soapbridge::contract::{Contract, LoadOptions};

fn dir() -> &'static PathBuf {
    static D: OnceLock<PathBuf> = OnceLock::new();
    D.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("soapbridge-fuzz-{}", std::process::id()));
        let xsd = d.join("xsd");
        std::fs::create_dir_all(&xsd).expect("temp dir");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wsdl");
        for contract in ["erp-orders", "bank-payments", "legacy-inventory"] {
            if let Ok(entries) = std::fs::read_dir(root.join(contract).join("xsd")) {
                for e in entries.flatten() {
                    let _ = std::fs::copy(e.path(), xsd.join(e.file_name()));
                }
            }
        }
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let path = dir().join("contract.wsdl");
    std::fs::write(&path, data).expect("write input");
    if let Ok(contract) = Contract::load(&path, &LoadOptions::default()) {
        // Everything a loaded contract offers must work on it.
        for binding in contract.definitions.bindings.values() {
            let _ = contract.bound_operations(binding);
        }
        let codec = Codec::new(&contract);
        for q in contract.schema.global_elements.keys().take(8) {
            let _ = codec.json_to_xml_string(q, "{}");
            let _ = codec.xml_to_json_string(q, &format!("<x:{} xmlns:x=\"{}\"/>", q.local, q.ns));
        }
    }
});
