//! The guest languages, one folder each: its scaffolding, build driver,
//! toolchain install, pin and doctor report, and priming, behind the one
//! [`Language`] trait the commands call through [`driver`].
//!
//! Adding a language is adding a folder here (plus its templates under
//! `templates/`), a variant to [`Lang`] and a line to [`driver`]:
//!
//! - `compose/src/lang.rs`: the variant, its doc, its name in
//!   [`Lang::name`], its spellings in `FromStr`, and its place in
//!   [`Lang::ALL`] (the order `doctor`, `setup` and every list of languages
//!   follow; `--lang`'s values and the unknown-language help come from it);
//! - `src/lang/<language>/mod.rs`: a unit struct implementing [`Language`],
//!   its `pins`, and its modules (`scaffold`, `build`, `toolchain`, as the
//!   others have them);
//! - the one line in [`driver`].
//!
//! A refusal (a world the toolchain cannot build) is an [`Unsupported`]
//! from [`Language::check_world`]; a language-specific app.toml key is
//! checked in `compose/src/manifest.rs`, as `js-backend` and `cflags` are.

// Build drivers return `build::ComponentError`, which carries the tool's
// command line and stderr; it is built once per failed multi-second build,
// so its size costs nothing.
#![allow(clippy::result_large_err)]

pub mod bindgen;
pub mod c;
pub mod go;
pub mod js;
pub mod python;
pub mod rust;
pub mod wasip1;

use std::fmt;
use std::path::PathBuf;

use wcomp_compose::{JsBackend, Lang};

use crate::build::{ComponentError, Job};
use crate::prime::Starter;
use crate::scaffold::http::{self, HttpStarter, Unavailable};
use crate::scaffold::{Context, File, NewError};
use crate::toolchain::{Home, Installed, Report, ToolchainError};
use crate::wit::World;

/// Everything wcomp does that depends on a guest language.
pub trait Language: Sync {
    /// The language's name in prose: `JavaScript`.
    fn title(&self) -> &'static str;

    /// The files `wcomp new` writes for a component implementing the
    /// world in `cx`, relative to the component's folder.
    fn files(&self, cx: &Context<'_>) -> Result<Vec<File>, NewError>;

    /// The HTTP starter of this language for `world` (`wcomp new --world
    /// wasi:http/...`), or why there is none.
    fn http_starter(&self, world: http::Starter) -> Result<HttpStarter, Unavailable> {
        let _ = world;
        Err(Unavailable::InLanguage)
    }

    /// Whether the scaffolded project reads the world materialized under
    /// `target/wcomp/wit/` (so `wcomp new` writes it before any build, for
    /// the editor's sake).
    fn reads_materialized_wit(&self) -> bool {
        false
    }

    /// Refuses, before anything is written or built, a world this
    /// language's toolchain cannot build.
    fn check_world(&self, world: &World) -> Result<(), Unsupported> {
        let _ = world;
        Ok(())
    }

    /// The componentizer that builds `world`, for a language that has a
    /// choice (app.toml's `js-backend`, `chosen` when given).
    fn backend(&self, world: &World, chosen: Option<JsBackend>) -> Option<JsBackend> {
        let _ = (world, chosen);
        None
    }

    /// The toolchain's identity, which goes into a component's input hash:
    /// a new pin (or flag) rebuilds it.
    fn toolchain_id(&self, job: &Job<'_>) -> String;

    /// Builds `job`'s component; the path of the component built (checked
    /// and moved into place by the caller).
    fn build(&self, job: &Job<'_>) -> Result<PathBuf, ComponentError>;

    /// Checks the toolchain without changing anything, for `wcomp doctor`.
    fn check(&self, home: &Home) -> Report;

    /// Whether the toolchain looks installed, from its stamp alone: cheap
    /// enough to decide whether to say an install is starting.
    fn is_installed(&self, home: &Home) -> bool;

    /// Installs the toolchain if it is missing (or always, with `force`).
    fn install(&self, home: &Home, force: bool) -> Result<Installed, ToolchainError>;

    /// The starter apps that prime the caches for this language: one per
    /// engine its toolchain puts in a component.
    fn starters(&self) -> Vec<Starter> {
        Vec::new()
    }
}

/// The driver of `lang`: the one table of the languages wcomp builds.
pub fn driver(lang: Lang) -> &'static dyn Language {
    match lang {
        Lang::Rust => &rust::Rust,
        Lang::Python => &python::Python,
        Lang::Js => &js::Js,
        Lang::C => &c::C,
        Lang::Cpp => &c::CPP,
        Lang::Go => &go::Go,
    }
}

/// A world a language's toolchain cannot build, said before anything is
/// written or built.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Unsupported {
    /// The language, as prose names it: `JavaScript`.
    pub language: &'static str,
    /// The diagnostic's code, e.g. `wcomp::js::async_import`.
    pub code: &'static str,
    /// What the toolchain cannot do, and what in the world asks for it.
    pub message: String,
    /// What to do instead.
    pub help: &'static str,
}

impl miette::Diagnostic for Unsupported {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.help))
    }
}
