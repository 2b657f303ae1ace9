//! xmlsec and libxml2 keep global state that must be set up once, on one
//! thread, before documents are parsed and signatures checked on many.

use std::sync::Once;

static INIT: Once = Once::new();

/// Initializes libxml2's parser and xmlsec with its OpenSSL backend.
pub fn once() {
    INIT.call_once(|| {
        let _ = libxml::parser::Parser::default();
        drop(xmlsec::XmlSecSignatureContext::new());
    });
}
