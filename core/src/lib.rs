//! The vocabulary every wcomp crate shares, one home for each rule:
//!
//! - [`decode`]: component binaries into their WIT worlds, with structure
//!   checked before any decoder allocates;
//! - [`names`]: interface names and the one rule for when two versions of
//!   an interface are interchangeable, and the exports toolchains add for
//!   their own use;
//! - [`wasi`]: the WASI that wcomp ships and its host provides;
//! - [`fs`]: reading inputs that must be regular files, writing outputs
//!   atomically;
//! - [`fmt`]: sizes, durations and echoed values for people, and text
//!   from files made safe to print;
//! - [`diagnostic`]: any diagnostic made fit to print, however long its
//!   input.
//!
//! The composition library (`wcomp-compose`), the host (`wcomp-host`) and
//! the CLI all build on it; it depends on none of them.

#![deny(missing_docs)]

pub mod arguments;
pub mod binary;
pub mod decode;
pub mod diagnostic;
pub mod fmt;
pub mod fs;
pub mod names;
pub mod wasi;

pub use decode::{BinaryKind, Component, DecodeError, Producers};
pub use names::InterfaceName;
