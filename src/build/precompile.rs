//! Compiling each component as soon as it is built, into the compiled-code
//! cache, for the host that will run the app: `wcomp build` does it so that
//! the app's first `wcomp run` (or `wcomp serve`) compiles only its
//! composition's glue. A composition carries each component's large core
//! modules byte for byte, and the host caches those whole by their bytes
//! (see `wcomp_host::split`); the rest of each component fills the
//! per-function cache. It runs on the build's worker thread, while the
//! other components still build.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use wcomp_compose::App;
use wcomp_host::{CacheOutcome, Host};

/// The host each component is compiled by as it is built, and which
/// command's engine settings it has (the cache keys code by them).
#[derive(Clone)]
pub struct Precompile {
    host: Arc<Host>,
    runner: Runner,
}

/// The command an app runs under, whose engine settings its code is
/// compiled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runner {
    /// `wcomp run`: a command, or a library called with `--invoke`.
    Run,
    /// `wcomp serve`: the app's main component is an HTTP handler.
    Serve,
}

impl std::fmt::Display for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Runner::Run => "wcomp run",
            Runner::Serve => "wcomp serve",
        })
    }
}

impl std::fmt::Debug for Precompile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Precompile")
            .field("runner", &self.runner)
            .finish_non_exhaustive()
    }
}

/// What compiling one component as built did, as `--json` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Precompiled {
    /// The command it was compiled for.
    pub runner: Runner,
    pub duration_ms: u128,
    /// Whether all of its code was in the cache already.
    pub cached: bool,
    /// Functions taken from the per-function cache, and compiled.
    pub functions_reused: u64,
    pub functions_compiled: u64,
    /// Cache entries replaced, or why it could not be compiled: the run
    /// that needs it reports the error again.
    pub warnings: Vec<String>,
}

impl Precompile {
    /// Compiles with `host`, made with `runner`'s engine settings.
    pub fn new(host: Host, runner: Runner) -> Self {
        Precompile {
            host: Arc::new(host),
            runner,
        }
    }

    /// Compiles the component at `path` into the cache.
    pub(crate) fn compile(&self, path: &Path) -> Precompiled {
        let started = std::time::Instant::now();
        let mut done = Precompiled {
            runner: self.runner,
            duration_ms: 0,
            cached: false,
            functions_reused: 0,
            functions_compiled: 0,
            warnings: Vec::new(),
        };
        match self.host.warm(path) {
            Ok(warmed) => {
                done.cached = warmed.cache == CacheOutcome::Hit;
                done.functions_reused = warmed.functions.reused;
                done.functions_compiled = warmed.functions.compiled;
                done.warnings = warmed.rejected.iter().map(|r| r.to_string()).collect();
            }
            Err(e) => done.warnings.push(format!(
                "not compiled for `{}`: {:?}",
                self.runner,
                miette::Report::new(e)
            )),
        }
        done.duration_ms = started.elapsed().as_millis();
        done
    }
}

/// The command the app runs under: `wcomp serve` when its main component
/// exports an HTTP handler (its world, or its file when it is not built
/// from sources), `wcomp run` otherwise.
pub fn runner(app: &App) -> Runner {
    let main = app.main().as_str();
    let exports = match app.component(main) {
        Some(entry) if entry.lang().is_some() => {
            let wit = app.component_wit(entry);
            super::load_world(app, entry, &wit)
                .map(|world| wcomp_core::decode::item_names(&world.resolve, world.id, true))
                .unwrap_or_default()
        }
        _ => app
            .component_wasm(main)
            .and_then(|wasm| wcomp_core::decode::Component::read(&wasm).ok())
            .map(|component| component.exports())
            .unwrap_or_default(),
    };
    match exports
        .iter()
        .any(|export| wcomp_core::wasi::is_http_handler(export))
    {
        true => Runner::Serve,
        false => Runner::Run,
    }
}
