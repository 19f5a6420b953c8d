//! The wcomp composition library: the app manifest, decoding components into
//! their WIT worlds, and wiring components into one.
//!
//! ```no_run
//! # fn main() -> miette::Result<()> {
//! let app = wcomp_compose::App::load("app.toml".as_ref())?;
//! let plan = wcomp_compose::plan(&app)?;
//! let bytes = plan.encode()?;
//! # Ok(()) }
//! ```
//!
//! It has no command-line, runtime or process dependencies, so other tools can
//! embed it.

pub mod capabilities;
pub mod component;
mod error;
pub mod lang;
pub mod manifest;
mod plan;
mod render;
mod signature;

pub use capabilities::{Capabilities, Capability, DeniedImport, DenyError, UnknownCapability};
pub use component::{BinaryKind, Component, DecodeError, Producers};
pub use error::{ComposeError, ComposeWarning};
pub use lang::{Lang, UnknownLang};
pub use manifest::{App, ManifestError};
pub use plan::{Argument, Instance, LeftoverImport, Plan, Source, plan};
pub use render::{PlanJson, group_by_package};
