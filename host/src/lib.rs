//! wcomp's embeddable Wasmtime host: the runtime behind `wcomp run`,
//! `serve` and `dev`.
//!
//! One [`Host`] per process holds one engine, with the component model and
//! its async ABI. It provides WASI 0.3 (`wasmtime_wasi::p3`), WASI 0.2
//! (`wasmtime_wasi::p2`) and wasi:http 0.2 and 0.3, each component linked
//! against the packages it imports. Each run gets its
//! own store, whose WASI context grants nothing unless asked ([`Grants`]),
//! whose stdio is the caller's ([`Stdio`]), and whose [`Limits`] (a
//! deadline in epoch ticks, a memory cap, fuel) hold for it alone.
//!
//! ```no_run
//! # async fn example() -> Result<(), wcomp_host::RunError> {
//! use wcomp_host::{Host, RunOptions};
//! let host = Host::builder().build()?;
//! let loaded = host.load("composed.wasm".as_ref())?;
//! let code = host.run_command(&loaded, &RunOptions::default()).await?;
//! # Ok(()) }
//! ```
//!
//! The library never prints and never touches the process's stdio or
//! environment: the caller passes what the guest may see.

#![deny(missing_docs)]

pub mod cache;
pub mod call;
mod command;
pub mod decompose;
mod determinism;
mod engine;
mod error;
mod failure;
mod imports;
pub mod limits;
pub mod linked;
mod load;
mod module_names;
mod outgoing;
mod pooling;
pub mod precompiled;
pub mod profile;
mod read_ahead;
pub mod serve;
mod split;
mod state;
mod stdin;
mod streams;
pub mod trace;
mod wave;

// Named only for its features: Cranelift's aarch64 backend beside x86_64's,
// for `HostBuilder::target` (Wasmtime's own dependency builds only this
// machine's architecture).
use cranelift_codegen as _;

use std::path::Path;

pub use cache::{FunctionReuse, Outcome as CacheOutcome};
pub use call::{Call, Invocation};
pub use engine::{Host, HostBuilder, TICK};
pub use error::{BadCall, Cause, LimitReached, RunError};
pub use limits::Limits;
pub use load::{Loaded, Warmed};
pub use outgoing::OutgoingHttp;
pub use state::{DirGrant, Grants, Stdio, StoreData};
pub use stdin::ReadAheadStdin;
/// The Wasmtime this host is built on, for embedders that write host
/// functions or an [`Intercept`](linked::Intercept) with its types.
pub use wasmtime;

/// How one run is set up: the guest's arguments, what it may touch, its
/// limits and its stdio. The default grants nothing, limits nothing, and
/// gives the guest no arguments, an empty stdin and discarded output.
///
/// ```
/// use wcomp_host::{DirGrant, Grants, RunOptions};
/// let opts = RunOptions::default()
///     .with_args(["app.wasm", "--verbose"])
///     .with_grants(Grants::default().with_dir(DirGrant::read_only("./data", "/data")));
/// assert_eq!(opts.args.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RunOptions {
    /// `argv`, starting with the program name.
    pub args: Vec<String>,
    /// What the guest may touch: directories, environment, network.
    pub grants: Grants,
    /// Its timeout, memory cap and fuel.
    pub limits: Limits,
    /// Its stdin, stdout and stderr.
    pub stdio: Stdio,
    /// Where the calls between a linked app's components are recorded, if
    /// anywhere (see [`trace`]).
    pub tracer: Option<std::sync::Arc<trace::Tracer>>,
    /// The time the guest's wall clock stands at, if fixed; its monotonic
    /// clock then moves 1 µs per read, from 0.
    pub clock: Option<std::time::SystemTime>,
    /// The seed of both of the guest's `wasi:random` generators, if seeded:
    /// the same bytes on every run (and so not secret).
    pub random_seed: Option<u64>,
    /// What samples the guest's wasm code, if anything (see [`profile`]).
    pub profiler: Option<std::sync::Arc<profile::Profiler>>,
    /// What sees, and may answer, the calls between a linked app's
    /// components (see [`linked::Intercept`]).
    pub intercept: Option<std::sync::Arc<dyn linked::Intercept>>,
}

impl RunOptions {
    /// Gives the guest these arguments, the program name first.
    pub fn with_args(mut self, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Grants the guest what `grants` lists, and nothing else.
    pub fn with_grants(mut self, grants: Grants) -> Self {
        self.grants = grants;
        self
    }

    /// Runs the guest under `limits`.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Gives the guest this stdio.
    pub fn with_stdio(mut self, stdio: Stdio) -> Self {
        self.stdio = stdio;
        self
    }

    /// Fixes the guest's wall clock at `time`, and makes its monotonic
    /// clock move 1 µs per read from 0: the same times on every run.
    pub fn with_clock(mut self, time: std::time::SystemTime) -> Self {
        self.clock = Some(time);
        self
    }

    /// Seeds the guest's `wasi:random` generators with `seed`: the same
    /// bytes on every run, and never the host's entropy.
    pub fn with_random_seed(mut self, seed: u64) -> Self {
        self.random_seed = Some(seed);
        self
    }

    /// Records the calls between a linked app's components in `tracer`.
    pub fn with_tracer(mut self, tracer: std::sync::Arc<trace::Tracer>) -> Self {
        self.tracer = Some(tracer);
        self
    }

    /// Offers each call between a linked app's components to `intercept`
    /// before it is forwarded (see [`linked::Intercept`]).
    pub fn with_intercept(mut self, intercept: std::sync::Arc<dyn linked::Intercept>) -> Self {
        self.intercept = Some(intercept);
        self
    }

    /// Samples the guest's wasm code into `profiler` (see [`profile`]).
    pub fn with_profiler(mut self, profiler: std::sync::Arc<profile::Profiler>) -> Self {
        self.profiler = Some(profiler);
        self
    }
}

/// A component's name in messages and its guest's `argv[0]`: its file name.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
