//! The Wasmtime host behind `wcomp run`.
//!
//! One engine with the component model and its async ABI, one linker with
//! WASI 0.3 (`wasmtime_wasi::p3`), WASI 0.2 (`wasmtime_wasi::p2`) and
//! wasi:http 0.2's types (so componentize-js output links), and one store per
//! run whose WASI context grants nothing beyond stdio unless asked. Limits:
//! wall-clock time through epoch interruption, memory through a resource
//! limiter, and fuel.

mod cache;
mod error;
mod invoke;
pub mod limits;
mod state;
mod streams;
mod wave;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::{Config, Engine, Store, Trap};
use wcomp_compose::{BinaryKind, DecodeError};

pub use cache::Outcome as CacheOutcome;
use error::LinkDetail;
pub use error::RunError;
pub use limits::Limits;
use limits::{MemoryLimitReached, MemoryLimiter};
use state::HostState;
pub use state::{DirGrant, Grants};

/// How a run is set up: the guest's arguments, what it may touch, its limits.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `argv`, starting with the program name.
    pub args: Vec<String>,
    pub grants: Grants,
    pub limits: Limits,
    /// The compiled-code cache directory; `None` compiles every time.
    pub cache_dir: Option<PathBuf>,
}

/// Where the compiled-code cache lives inside the wcomp cache directory.
pub fn cache_dir(home: &Path) -> PathBuf {
    cache::dir(home)
}

/// An engine and a linker, ready to load components.
pub struct Host {
    engine: Engine,
    linker: Linker<HostState>,
}

/// A component compiled and linked, ready to instantiate.
pub struct Loaded {
    /// The component's name in messages (its file name).
    pub name: String,
    component: Component,
    pre: InstancePre<HostState>,
    /// Whether its code came from the cache, and how long loading took.
    pub cache: CacheOutcome,
    pub load_time: Duration,
}

/// Epoch deadline for runs without a timeout: effectively never.
const NO_DEADLINE: u64 = u64::MAX / 2;

impl Host {
    /// An engine configured for `limits` (fuel changes the generated code, so
    /// it is set only when asked for) and a linker with everything the host
    /// provides.
    pub fn new(limits: &Limits) -> Result<Self, RunError> {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .wasm_component_model_async(true)
            .epoch_interruption(true)
            .consume_fuel(limits.fuel.is_some());
        let engine = Engine::new(&config).map_err(host_error)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(host_error)?;
        wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(host_error)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(host_error)?;
        Ok(Host { engine, linker })
    }

    /// Reads, compiles (or loads from the cache) and links the component at
    /// `path`. A file that is not a component, or imports the host cannot
    /// satisfy, fail here, before anything runs.
    pub fn load(&self, path: &Path, cache_dir: Option<&Path>) -> Result<Loaded, RunError> {
        let started = Instant::now();
        let name = display_name(path);
        let bytes = std::fs::read(path).map_err(|source| DecodeError::Io {
            path: path.to_owned(),
            source,
        })?;
        if wcomp_compose::component::binary_kind(path, &bytes)? == BinaryKind::CoreModule {
            return Err(DecodeError::CoreModule {
                path: path.to_owned(),
            }
            .into());
        }
        let (component, outcome) = cache::load(&self.engine, &bytes, cache_dir).map_err(|e| {
            // Wasmtime validates while compiling: report a broken file the
            // way `inspect` does, with its offset.
            match wcomp_compose::Component::from_bytes(path, &bytes) {
                Err(decode) => RunError::Decode(decode),
                Ok(_) => RunError::Compile {
                    component: name.clone(),
                    message: format!("{e:#}"),
                },
            }
        })?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| self.link_error(&name, &component, e))?;
        Ok(Loaded {
            name,
            component,
            pre,
            cache: outcome,
            load_time: started.elapsed(),
        })
    }

    /// Names every import the host lacks, in WIT syntax; falls back to
    /// Wasmtime's own account when all names are provided but a type differs.
    fn link_error(&self, name: &str, component: &Component, err: wasmtime::Error) -> RunError {
        let provided = provided::interfaces();
        let mut missing = Vec::new();
        let mut prerelease = false;
        for (import, _) in component.component_type().imports(&self.engine) {
            if !provided::satisfies(&provided, import) {
                prerelease |= import.contains("-rc");
                missing.push(format!("  import {import};"));
            }
        }
        if missing.is_empty() {
            return RunError::Link {
                component: name.to_owned(),
                source: LinkDetail(format!("{err:#}")),
            };
        }
        let help = if prerelease {
            "WASI 0.3 release candidates (`@0.3.0-rc…`) do not match the host's 0.3.0; rebuild the guest against WASI 0.3.0 (wit-bindgen 0.61+, componentize-py 0.25+)".to_owned()
        } else {
            "the host provides WASI 0.2.x (up to 0.2.12), WASI 0.3.0 and wasi:http 0.2.x types; compose the component with one that exports the rest (`wcomp compose`)".to_owned()
        };
        RunError::MissingImports {
            component: name.to_owned(),
            missing: missing.join("\n"),
            help,
        }
    }

    /// A store for one run: the guest's WASI context, its limits applied.
    fn store(&self, opts: &RunOptions) -> Result<Store<HostState>, RunError> {
        let limiter = MemoryLimiter::new(opts.limits.max_memory);
        let state = HostState::new(&opts.args, &opts.grants, limiter)
            .map_err(|(dir, source)| RunError::Grant { dir, source })?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        match opts.limits.timeout {
            Some(timeout) => {
                // One tick ends the run: a thread bumps the epoch once the
                // time is up.
                store.set_epoch_deadline(1);
                let engine = self.engine.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(timeout);
                    engine.increment_epoch();
                });
            }
            None => store.set_epoch_deadline(NO_DEADLINE),
        }
        if let Some(fuel) = opts.limits.fuel {
            store.set_fuel(fuel).map_err(host_error)?;
            store
                .fuel_async_yield_interval(Some(100_000))
                .map_err(host_error)?;
        }
        Ok(store)
    }

    /// Instantiates the component in a fresh store without calling it: the
    /// per-instance cost of an embedding that serves many requests.
    pub async fn instantiate(&self, loaded: &Loaded, opts: &RunOptions) -> Result<(), RunError> {
        let mut store = self.store(opts)?;
        loaded
            .pre
            .instantiate_async(&mut store)
            .await
            .map(drop)
            .map_err(|e| failure(&loaded.name, "instantiation", &opts.limits, e))
    }

    /// Runs a command (a component exporting `wasi:cli/run`) and returns the
    /// guest's exit code.
    pub async fn run_command(&self, loaded: &Loaded, opts: &RunOptions) -> Result<i32, RunError> {
        let flavor = self.command_flavor(loaded)?;
        let mut store = self.store(opts)?;
        let function = flavor.export_name();
        let run = async {
            let instance = loaded.pre.instantiate_async(&mut store).await?;
            match flavor {
                Flavor::P3 => {
                    let cmd = wasmtime_wasi::p3::bindings::Command::new(&mut store, &instance)?;
                    store
                        .run_concurrent(async |a| cmd.wasi_cli_run().call_run(a).await)
                        .await?
                }
                Flavor::P2 => {
                    let cmd = wasmtime_wasi::p2::bindings::Command::new(&mut store, &instance)?;
                    cmd.wasi_cli_run().call_run(&mut store).await
                }
            }
        };
        let result = with_timeout(opts.limits.timeout, run).await;
        match result {
            Ok(Ok(())) => Ok(0),
            Ok(Err(())) => Ok(1),
            Err(err) => match err.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(exit) => Ok(exit.0),
                None => Err(failure(&loaded.name, function, &opts.limits, err)),
            },
        }
    }

    /// Which `wasi:cli/run` the component exports.
    fn command_flavor(&self, loaded: &Loaded) -> Result<Flavor, RunError> {
        let exports: Vec<String> = loaded
            .component
            .component_type()
            .exports(&self.engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        let run = exports
            .iter()
            .find_map(|name| name.strip_prefix("wasi:cli/run@"));
        match run {
            Some(version) if version.starts_with("0.3.") && !version.contains('-') => {
                Ok(Flavor::P3)
            }
            Some(version) if version.starts_with("0.2.") => Ok(Flavor::P2),
            Some(version) => Err(RunError::PrereleaseCommand {
                component: loaded.name.clone(),
                wanted: version.to_owned(),
            }),
            None => {
                let functions = invoke::exported_functions(&self.engine, &loaded.component);
                Err(RunError::NotACommand {
                    component: loaded.name.clone(),
                    example: functions
                        .iter()
                        .find(|f| !invoke::is_toolchain_internal(f))
                        .map(|f| format!("{f}(...)"))
                        .unwrap_or_else(|| "f()".into()),
                    exports: invoke::bullet_list(&functions),
                })
            }
        }
    }
}

/// The two command worlds the host runs.
#[derive(Debug, Clone, Copy)]
enum Flavor {
    P2,
    P3,
}

impl Flavor {
    fn export_name(self) -> &'static str {
        match self {
            Flavor::P2 => "wasi:cli/run@0.2#run",
            Flavor::P3 => "wasi:cli/run@0.3#run",
        }
    }
}

/// Bounds `run` by `timeout` in wall-clock time too: a guest blocked in a
/// host call never reaches an epoch check.
async fn with_timeout<R>(
    timeout: Option<Duration>,
    run: impl Future<Output = wasmtime::Result<R>>,
) -> wasmtime::Result<R> {
    match timeout {
        // A little slack so the epoch trap, which has a backtrace, wins.
        Some(t) => match tokio::time::timeout(t + Duration::from_millis(250), run).await {
            Ok(result) => result,
            Err(_) => Err(wasmtime::Error::new(Trap::Interrupt)),
        },
        None => run.await,
    }
}

/// Turns a trap or host error into the run's diagnostic: the component,
/// the function, the reason in words, and the wasm backtrace.
fn failure(component: &str, function: &str, limits: &Limits, err: wasmtime::Error) -> RunError {
    let (reason, next) = if let Some(limit) = err.downcast_ref::<MemoryLimitReached>() {
        (limit.to_string(), "raise it with `--max-memory`".to_owned())
    } else {
        match err.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => (
                match limits.timeout {
                    Some(t) => format!("timeout after {}", limits::show_duration(t)),
                    None => "interrupted".to_owned(),
                },
                "raise it with `--timeout`".to_owned(),
            ),
            Some(Trap::OutOfFuel) => (
                format!("fuel limit of {} reached", limits.fuel.unwrap_or_default()),
                "raise it with `--fuel`".to_owned(),
            ),
            Some(trap) => (
                trap.to_string()
                    .trim_start_matches("wasm trap: ")
                    .to_owned(),
                "the guest trapped; the backtrace shows where".to_owned(),
            ),
            None => (
                err.root_cause().to_string(),
                "the guest failed; the backtrace shows where".to_owned(),
            ),
        }
    };
    // Wasmtime's rendering starts with its own heading; keep only the frames.
    let backtrace = err
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .map(|bt| {
            let frames: Vec<String> = bt
                .to_string()
                .lines()
                .filter(|l| !l.starts_with("error while executing"))
                .map(|l| l.trim_start().to_owned())
                .collect();
            format!("\nwasm backtrace:\n  {}", frames.join("\n  "))
        })
        .unwrap_or_default();
    RunError::Trap {
        component: component.to_owned(),
        function: function.to_owned(),
        reason,
        help: format!("{next}{backtrace}"),
    }
}

fn host_error(e: wasmtime::Error) -> RunError {
    RunError::Host(format!("{e:#}"))
}

/// A component's name in messages and its guest's `argv[0]`: its file name.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The interfaces the host provides, read from the WIT it ships, for naming
/// what a component is missing.
mod provided {

    /// `(package without version, interface, version)` for each interface.
    pub fn interfaces() -> Vec<(String, String, semver::Version)> {
        let mut out = Vec::new();
        for (_, file) in crate::vendored::WASI {
            let mut package = None;
            for line in file.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("package ") {
                    let rest = rest.trim_end_matches(';').trim();
                    package = rest.split_once('@').and_then(|(name, version)| {
                        Some((name.to_owned(), semver::Version::parse(version).ok()?))
                    });
                } else if let (Some(rest), Some((pkg, version))) =
                    (line.strip_prefix("interface "), &package)
                {
                    let iface = rest.trim_end_matches('{').trim();
                    out.push((pkg.clone(), iface.to_owned(), version.clone()));
                }
            }
        }
        out
    }

    /// Whether the import named `name` (`wasi:cli/stdout@0.2.6`) is provided,
    /// with the linker's semver rule: same major, and same minor for 0.x;
    /// prereleases match only exactly.
    pub fn satisfies(provided: &[(String, String, semver::Version)], name: &str) -> bool {
        let Some((path, version)) = name.split_once('@') else {
            return false;
        };
        let Some((pkg, iface)) = path.split_once('/') else {
            return false;
        };
        let Ok(wanted) = semver::Version::parse(version) else {
            return false;
        };
        provided.iter().any(|(p, i, have)| {
            p == pkg
                && i == iface
                && if !wanted.pre.is_empty() || !have.pre.is_empty() {
                    wanted == *have
                } else if wanted.major == 0 {
                    have.major == 0 && have.minor == wanted.minor
                } else {
                    have.major == wanted.major
                }
        })
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn semver_matching() {
            let provided = super::interfaces();
            assert!(provided.len() > 40, "{provided:?}");
            for ok in [
                "wasi:cli/stdout@0.2.6",
                "wasi:cli/stdout@0.2.12",
                "wasi:cli/stdout@0.3.0",
                "wasi:http/types@0.2.10",
                "wasi:io/streams@0.2.0",
            ] {
                assert!(super::satisfies(&provided, ok), "{ok}");
            }
            for missing in [
                "wasi:cli/stdout@0.3.0-rc-2025-09-16",
                "wasi:keyvalue/store@0.2.0-draft",
                "demo:text/upper@0.1.0",
                "wasi:cli/stdout@0.1.0",
                "answer",
            ] {
                assert!(!super::satisfies(&provided, missing), "{missing}");
            }
        }
    }
}
