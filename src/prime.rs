//! Priming the caches, the last step of `wcomp setup`: a starter app per
//! language engine is scaffolded, built, composed and compiled, once.
//!
//! Every component that one toolchain version builds carries the same
//! engine (CPython for componentize-py, StarlingMonkey for componentize-js,
//! QuickJS for componentize-qjs) as byte-identical core modules. Loading
//! the starter *composed* compiles those modules on their own and caches
//! each whole by its bytes (the host's module split), which is what a
//! user's first composed app then finds: it compiles only its own glue, a
//! thousand-odd functions, in well under a second. (Priming the component
//! as built, as wcomp did before, compiles it as one unit: only the
//! per-function cache is filled, and the first app still compiled for
//! seconds.) For Rust, the starter
//! compiles wit-bindgen and its dependencies into the store that every
//! app's Rust builds are seeded from (`lang::rust::deps`).
//!
//! A stamp per starter under `$WCOMP_HOME/primed` records what was primed
//! with which toolchain; `wcomp cache clean` removes the stamps with the
//! caches.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wcomp_compose::{App, Lang};
use wcomp_host::{FunctionReuse, Host, RunError};

use crate::build::{self, BuildError, BuildOptions, ComponentError, Summary};
use crate::scaffold::{self, NewError, NewOptions};
use crate::toolchain::Home;

/// One starter: a language engine to prime.
#[derive(Debug, Clone)]
pub struct Starter {
    /// Its name in messages and its stamp's name.
    pub name: &'static str,
    lang: Lang,
    /// The world to scaffold; the greeting command when `None`.
    world: Option<&'static str>,
    /// The toolchain it primes, as its stamp records it.
    toolchain: String,
}

/// The hosts a starter is compiled by: the one its next step uses, as the
/// cache keys code by the engine's settings.
pub struct Hosts {
    /// As `wcomp run` makes it.
    pub run: Host,
    /// As `wcomp serve` makes it without a timeout, for HTTP starters.
    pub serve: Host,
}

/// What priming one starter took.
#[derive(Debug, Clone, Copy)]
pub struct Primed {
    pub build: Duration,
    pub compile: Duration,
    pub functions: FunctionReuse,
}

/// Priming a starter failed; the caches are only colder for it.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PrimeError {
    #[error("cannot make a temporary app to prime the caches")]
    #[diagnostic(code(wcomp::prime::io))]
    Io(#[source] std::io::Error),
    #[error(transparent)]
    #[diagnostic(transparent)]
    New(#[from] NewError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(#[from] wcomp_compose::ManifestError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Compose(#[from] wcomp_compose::ComposeError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Component(#[from] ComponentError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] RunError),
}

impl Starter {
    /// A starter named `name` (its stamp's name too), scaffolded in `lang`
    /// from `world` (the greeting command when `None`), priming the caches
    /// for `toolchain` (as its stamp records it).
    pub fn new(
        name: &'static str,
        lang: Lang,
        world: Option<&'static str>,
        toolchain: String,
    ) -> Self {
        Starter {
            name,
            lang,
            world,
            toolchain,
        }
    }

    /// Whether this starter was primed with the toolchain pinned now.
    pub fn is_primed(&self, home: &Home) -> bool {
        std::fs::read_to_string(stamp(home, self.name)).is_ok_and(|s| s == self.stamp_text())
    }

    /// What its stamp says: the toolchain and how it was primed, so that
    /// a home primed the old way (the component as built, or an HTTP
    /// starter for `wcomp run`) is primed again.
    fn stamp_text(&self) -> String {
        let next = if self.is_served() { "; served" } else { "" };
        format!("{}; composed{next}", self.toolchain)
    }

    /// Whether the starter is an HTTP handler, which `wcomp serve` runs.
    fn is_served(&self) -> bool {
        self.world
            .and_then(scaffold::http::Starter::parse)
            .is_some()
    }

    /// Scaffolds, builds, composes and compiles the starter in a temporary
    /// app, then stamps it.
    #[allow(clippy::result_large_err, reason = "once per starter, at setup")]
    pub fn prime(&self, home: &Home, hosts: &Hosts) -> Result<Primed, PrimeError> {
        let dir = tempfile::Builder::new()
            .prefix("wcomp-prime-")
            .tempdir()
            .map_err(PrimeError::Io)?;
        scaffold::new(
            dir.path(),
            &NewOptions {
                name: Some("starter".to_owned()),
                lang: self.lang,
                wit: None,
                world: self.world.map(str::to_owned),
                force: false,
                changed_files: scaffold::ChangedFiles::Keep,
            },
            None,
        )?;
        let app = App::load(&dir.path().join("app.toml"))?;
        let begun = Instant::now();
        let progress = Silent::default();
        let report = build::build(&app, &starter_build(), &progress)?;
        if let Some(error) = progress
            .failure
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
        {
            return Err(error.into());
        }
        report.into_result()?;
        let build = begun.elapsed();
        // Loaded composed, as `wcomp compose` writes it and `wcomp run`
        // loads it: a composition's large core modules (the engine) are
        // compiled on their own and cached whole, so a new app that carries
        // the same engine takes them from the cache without compiling a
        // function. The component as built is compiled as one unit, which
        // fills only the per-function cache.
        let composed = dir.path().join("composed.wasm");
        let bytes = wcomp_compose::plan(&app)?.encode()?;
        std::fs::write(&composed, bytes).map_err(PrimeError::Io)?;
        let host = if self.is_served() {
            &hosts.serve
        } else {
            &hosts.run
        };
        let loaded = host.load(&composed)?;
        let _ =
            wcomp_core::fs::write_atomically(&stamp(home, self.name), self.stamp_text().as_bytes());
        Ok(Primed {
            build,
            compile: loaded.load_time,
            functions: loaded.functions,
        })
    }
}

/// Where the stamps of primed starters live.
pub fn stamps_dir(home: &Home) -> PathBuf {
    home.dir("primed")
}

fn stamp(home: &Home, name: &str) -> PathBuf {
    stamps_dir(home).join(name)
}

/// A debug build, as users' apps build by default.
fn starter_build() -> BuildOptions {
    BuildOptions {
        release: false,
        keep_names: false,
        force: true,
        jobs: 1,
        package: None,
        precompile: None,
    }
}

/// Build progress that shows nothing and keeps the first failure.
#[derive(Default)]
struct Silent {
    failure: Mutex<Option<ComponentError>>,
}

impl build::Progress for Silent {
    fn installing(&self, _lang: Lang) {}
    fn started(&self, _name: &str, _lang: Lang) {}
    fn finished(&self, _summary: &Summary, error: Option<ComponentError>) {
        if let Some(error) = error {
            let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
            failure.get_or_insert(error);
        }
    }
}
