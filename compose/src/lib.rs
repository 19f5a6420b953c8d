//! The wcomp composition library: the app manifest, and wiring an app's
//! components (decoded by `wcomp-core`) into one.
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

#![deny(missing_docs)]

pub mod capabilities;
mod error;
mod inputs;
pub mod lang;
pub mod manifest;
mod memo;
pub mod mock;
pub mod package;
mod parts;
mod plan;
mod render;
mod signature;
mod validated;

pub use capabilities::{Capabilities, Capability, DeniedImport, DenyError, UnknownCapability};
pub use error::{ComposeError, ComposeWarning};
pub use lang::{Lang, UnknownLang};
pub use manifest::{
    App, ComponentEntry, ComponentWit, JsBackend, KebabName, ManifestError, WitOrigin,
};
pub use memo::Memo;
pub use package::{PackageName, PackageSpec};
pub use parts::Part;
pub use plan::{Argument, Denies, Instance, LeftoverImport, Plan, Source, plan, plan_with};
pub use render::{PlanJson, group_by_package};
