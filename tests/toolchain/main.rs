//! The toolchain tier of wcomp's tests: real Rust, Python and JS builds
//! with the pinned toolchains, and the examples, built, composed and run.
//! Plain `cargo test` leaves it out; `scripts/test` runs it by name
//! (`cargo test --test toolchain`). The
//! toolchains install once per checkout into `target/wcomp-test-home`;
//! each guest fixture is built once per run.

#[path = "../support/mod.rs"]
mod support;

/// This tier installs the toolchains into a shared `$WCOMP_HOME`.
const HERMETIC: bool = false;

mod build;
mod c_guests;
mod capabilities;
mod dev;
mod examples;
mod fixtures;
mod inspect;
mod new;
mod run;
mod serve;
mod toolchain;
