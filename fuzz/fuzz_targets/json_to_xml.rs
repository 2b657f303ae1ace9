//! Arbitrary bytes as the JSON of a global element of the shipped contracts.
//! Must never panic, hang or grow without bound; any `Err` is fine. When the
//! translation succeeds, the XML must translate back to JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((t, pretty, json)) = common::pick(data) else {
        return;
    };
    let opts = common::options(pretty);
    if let Ok(xml) = t.codec.json_to_xml(&t.element, json, Vec::new(), &opts) {
        // The XML a successful translation wrote is valid for the contract.
        if let Err(e) = t
            .codec
            .xml_to_json(&t.element, xml.as_slice(), Vec::new(), &opts)
        {
            panic!(
                "xml_to_json refused what json_to_xml wrote: {e}\njson: {}\nxml: {}",
                String::from_utf8_lossy(json),
                String::from_utf8_lossy(&xml)
            );
        }
    }
});
