//! XSD regular expressions (pattern facets), compiled to Rust regexes.
