//! Arbitrary bytes as the XML of a global element of the shipped contracts.
//! Must never panic, hang or grow without bound; any `Err` is fine. When the
//! translation succeeds, its JSON must parse and translate back to XML.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((t, pretty, xml)) = common::pick(data) else {
        return;
    };
    let opts = common::options(pretty);
    if let Ok(json) = t.codec.xml_to_json(&t.element, xml, Vec::new(), &opts) {
        let parsed: serde_json::Value =
            serde_json::from_slice(&json).expect("xml_to_json wrote invalid JSON");
        drop(parsed);
        // The JSON a successful translation wrote is valid for the contract.
        if let Err(e) = t
            .codec
            .json_to_xml(&t.element, json.as_slice(), Vec::new(), &opts)
        {
            panic!(
                "json_to_xml refused what xml_to_json wrote: {e}\nxml: {}\njson: {}",
                String::from_utf8_lossy(xml),
                String::from_utf8_lossy(&json)
            );
        }
    }
});
