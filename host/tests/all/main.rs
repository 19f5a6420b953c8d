//! The host's hermetic tests, in one binary so that Wasmtime is linked once:
//! components built in the test from WIT and WAT, run, invoked, served,
//! cached and linked, each group in its module.

#[path = "../support/mod.rs"]
mod support;

mod cache;
mod deny;
mod determinism;
mod examples;
mod imports;
mod invoke;
mod linked;
mod pipe;
mod precompiled;
mod profile;
mod run;
mod serve;
mod split;
mod streams;
