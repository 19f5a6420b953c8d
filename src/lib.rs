//! wcomp: build, compose and run polyglot WebAssembly components.
//!
//! The binary in `main.rs` is a thin shell over this library: [`cli`] holds
//! the clap definition, [`commands`] one module per subcommand, and the work
//! itself lives in modules named for what they do.

pub mod build;
pub mod c_bindings;
pub mod cli;
pub mod commands;
pub mod fsutil;
pub mod host;
pub mod process;
pub mod scaffold;
pub mod toolchain;
pub mod ui;
pub mod vendored;
pub mod wit;
