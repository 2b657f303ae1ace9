//! Schema-driven translation between XML and JSON (the design's "Translation").
//! (Being assembled: the translator modules join once `scalar` lands.)

pub mod error;
pub mod json_tree;
pub mod json_write;
pub mod pattern;
pub mod scalar;
pub mod shape;
