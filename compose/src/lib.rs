//! The wcomp composition library: the app manifest, decoding components into
//! their WIT worlds, and wiring components into one.
//!
//! It has no command-line, runtime or process dependencies, so other tools can
//! embed it.

pub mod component;
pub mod lang;
pub mod manifest;

pub use component::{BinaryKind, Component, DecodeError, Producers};
pub use lang::{Lang, UnknownLang};
pub use manifest::{App, ManifestError};
