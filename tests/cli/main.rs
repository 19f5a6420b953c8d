//! The hermetic tier of wcomp's CLI tests: they run the real `wcomp`
//! binary but need no guest toolchain and no network, with `$WCOMP_HOME`
//! an empty folder. `cargo test` runs them; the toolchain tier is in
//! `tests/toolchain/` and data-driven bad-input cases in `tests/cases/`.

#[path = "../support/mod.rs"]
mod support;

/// Components built from WAT in the test, as the host's own tests make them.
#[path = "../../host/tests/support/mod.rs"]
mod fixtures;

/// This tier never installs toolchains: its `$WCOMP_HOME` starts empty.
const HERMETIC: bool = true;

mod c_guests;
mod cache;
mod compose;
mod deploy;
mod dev;
mod doctor;
mod help;
mod http_new;
mod http_templates;
mod inspect;
mod new;
mod serve;
mod serve_web;
