//! Schema-driven translation between XML and JSON (the design's "Translation").

pub mod pattern;
pub mod scalar;
