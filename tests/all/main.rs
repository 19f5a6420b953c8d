//! wcomp's integration tests, in one binary so they share one build. They run
//! the real `wcomp` executable; toolchains install once per checkout into
//! `target/wcomp-test-home`, and each guest fixture is built once per run.

mod support;

mod build;
mod c_guests;
mod cli;
mod examples;
mod inspect;
mod new;
mod run;
mod toolchain;
