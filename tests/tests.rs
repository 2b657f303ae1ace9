//! soapbridge's integration tests: one test binary, shared helpers in `util`.
//! These run the real `soapbridge` binary on real files and, with the
//! `interop` feature, against independent implementations (python zeep).

mod auth;
mod broker;
mod cli;
mod convert;
mod credentials;
mod https;
#[cfg(feature = "interop")]
mod interop;
mod memory_queue;
mod queue;
mod rest;
mod roundtrip;
mod serve;
mod util;
mod wsse;
mod wsse_signature;
