//! What each store holds: the WASI context built from the user's grants and
//! the caller's stdio, the resource table, wasi:http's context, and the
//! memory limiter.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::RunOptions;
use crate::error::RunError;
use crate::limits::MemoryLimiter;
use crate::outgoing::{HttpHooks, OutgoingHttp};

/// A host directory the guest may use.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DirGrant {
    /// The directory on the host.
    pub host: PathBuf,
    /// Where the guest sees it (a preopened directory's name).
    pub guest: String,
    /// Whether the guest may only read it.
    pub read_only: bool,
}

impl DirGrant {
    /// The host directory `host`, seen by the guest as `guest`, read-only.
    pub fn read_only(host: impl Into<PathBuf>, guest: impl Into<String>) -> Self {
        DirGrant {
            host: host.into(),
            guest: guest.into(),
            read_only: true,
        }
    }

    /// The host directory `host`, seen by the guest as `guest`, which the
    /// guest may change.
    pub fn read_write(host: impl Into<PathBuf>, guest: impl Into<String>) -> Self {
        DirGrant {
            read_only: false,
            ..DirGrant::read_only(host, guest)
        }
    }
}

/// Everything the guest may touch beyond its own memory. Nothing by default:
/// not even stdio, which the caller passes in [`Stdio`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Grants {
    /// Directories the guest may open, each at its own guest path.
    pub dirs: Vec<DirGrant>,
    /// Environment variables the guest sees, in order.
    pub env: Vec<(String, String)>,
    /// Whether the guest may use sockets (TCP, UDP) and name lookup.
    pub allow_net: bool,
    /// Outgoing HTTP requests (wasi:http).
    pub http: OutgoingHttp,
}

impl Grants {
    /// Also grants the directory `dir`.
    pub fn with_dir(mut self, dir: DirGrant) -> Self {
        self.dirs.push(dir);
        self
    }

    /// Also gives the guest the environment variable `key`.
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Lets the guest use the network (sockets and name lookup), or not.
    pub fn with_network(mut self, allowed: bool) -> Self {
        self.allow_net = allowed;
        self
    }

    /// Lets the guest send these HTTP requests.
    pub fn with_http(mut self, http: OutgoingHttp) -> Self {
        self.http = http;
        self
    }
}

/// The guest's stdin, stdout and stderr, chosen by the caller: the process's
/// own for `wcomp run`, memory pipes for tests, a request log for `serve`.
/// By default stdin is empty and output is discarded.
#[derive(Clone)]
pub struct Stdio {
    stdin: Arc<dyn StdinStream + Sync>,
    stdout: Arc<dyn StdoutStream + Sync>,
    stderr: Arc<dyn StdoutStream + Sync>,
}

impl Default for Stdio {
    fn default() -> Self {
        Stdio::new(tokio::io::empty(), tokio::io::empty(), tokio::io::empty())
    }
}

impl std::fmt::Debug for Stdio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stdio").finish_non_exhaustive()
    }
}

impl Stdio {
    /// Stdio from any of wasmtime-wasi's stream types.
    pub fn new(
        stdin: impl StdinStream + Sync + 'static,
        stdout: impl StdoutStream + Sync + 'static,
        stderr: impl StdoutStream + Sync + 'static,
    ) -> Self {
        Stdio {
            stdin: Arc::new(stdin),
            stdout: Arc::new(stdout),
            stderr: Arc::new(stderr),
        }
    }

    /// A reader of stdin, for a `stream<u8>` argument given as `-`.
    pub fn stdin_reader(&self) -> Box<dyn AsyncRead + Send + Sync> {
        self.stdin.async_stream()
    }

    /// A writer to stdout, for a returned `stream<u8>`.
    pub fn stdout_writer(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        self.stdout.async_stream()
    }
}

/// Shares one of the caller's streams with a store's WASI context.
struct Shared<T: ?Sized>(Arc<T>);

impl<T: ?Sized + IsTerminal> IsTerminal for Shared<T> {
    fn is_terminal(&self) -> bool {
        self.0.is_terminal()
    }
}

impl StdinStream for Shared<dyn StdinStream + Sync> {
    fn async_stream(&self) -> Box<dyn AsyncRead + Send + Sync> {
        self.0.async_stream()
    }
    fn p2_stream(&self) -> Box<dyn wasmtime_wasi::p2::InputStream> {
        self.0.p2_stream()
    }
}

impl StdoutStream for Shared<dyn StdoutStream + Sync> {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        self.0.async_stream()
    }
    fn p2_stream(&self) -> Box<dyn wasmtime_wasi::p2::OutputStream> {
        self.0.p2_stream()
    }
}

/// The data of every store the host makes: its WASI and wasi:http
/// contexts, its resource table and memory limit, and the embedder's own
/// data, a `T` (see [`Host::builder_with`](crate::Host::builder_with)).
///
/// An embedder's imports reach their state through it: with
/// `wasmtime::component::bindgen!`, pass [`StoreData::data_mut`] as the
/// getter of the generated `add_to_linker`.
pub struct StoreData<T = ()> {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: HttpHooks,
    pub(crate) limiter: MemoryLimiter,
    /// A linked app's instances, in order, for the calls one forwards to
    /// another (see [`crate::linked`]).
    pub(crate) linked: Vec<wasmtime::component::Instance>,
    /// The provider's handles behind the proxy handles a linked app's
    /// components hold (see [`crate::linked`]).
    pub(crate) proxies: crate::linked::proxy::ProxyTable,
    /// Where a linked app's forwarded calls are recorded, when traced.
    pub(crate) trace: Option<crate::trace::StoreTrace>,
    /// What may answer a linked app's calls in the callee's place.
    pub(crate) intercept: Option<std::sync::Arc<dyn crate::linked::Intercept>>,
    data: T,
}

impl<T> StoreData<T> {
    /// The embedder's data of this store.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The embedder's data of this store, to change: the getter to give
    /// `add_to_linker` functions that `bindgen!` generates.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// The store's resource table, shared with WASI: where an embedder's
    /// imports keep the resources they hand the guest.
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }

    /// A store's data for a run under `opts`, with the embedder's `data`.
    pub(crate) fn new(
        opts: &RunOptions,
        limiter: MemoryLimiter,
        data: T,
    ) -> Result<Self, RunError> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdin(Shared(opts.stdio.stdin.clone()))
            .stdout(Shared(opts.stdio.stdout.clone()))
            .stderr(Shared(opts.stdio.stderr.clone()))
            .args(&opts.args);
        grant(&mut wasi, &opts.grants)?;
        fix(&mut wasi, opts);
        let trace = opts.tracer.clone().map(|tracer| crate::trace::StoreTrace {
            tracer,
            in_flight: Default::default(),
        });
        Ok(StoreData {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            hooks: HttpHooks {
                allowed: opts.grants.http.clone(),
                trace: trace.clone(),
            },
            limiter,
            linked: Vec::new(),
            proxies: Default::default(),
            trace,
            intercept: opts.intercept.clone(),
            data,
        })
    }
}

/// Fixes the clocks and seeds the randomness of a WASI context when `opts`
/// ask for it (see [`crate::determinism`]).
fn fix(wasi: &mut WasiCtxBuilder, opts: &RunOptions) {
    use crate::determinism::{FixedWall, Seeded, SteppedMonotonic};
    if let Some(time) = opts.clock {
        wasi.wall_clock(FixedWall::at(time))
            .monotonic_clock(SteppedMonotonic::default());
    }
    if let Some(seed) = opts.random_seed {
        let mut seeds = Seeded::new(seed, 2);
        let insecure_seed = u128::from(rand_core::Rng::next_u64(&mut seeds)) << 64
            | u128::from(rand_core::Rng::next_u64(&mut seeds));
        wasi.secure_random(Seeded::new(seed, 0))
            .insecure_random(Seeded::new(seed, 1))
            .insecure_random_seed(insecure_seed);
    }
}

/// Adds the user's grants to a WASI context; nothing else is allowed.
fn grant(wasi: &mut WasiCtxBuilder, grants: &Grants) -> Result<(), RunError> {
    for (key, value) in &grants.env {
        wasi.env(key, value);
    }
    for dir in &grants.dirs {
        let perms = if dir.read_only {
            FsPerms::ReadOnly
        } else {
            FsPerms::ReadWrite
        };
        wasi.preopened_dir(&dir.host, &dir.guest, perms)
            .map_err(|e| RunError::Grant {
                dir: dir.host.clone(),
                source: crate::error::cause(e),
            })?;
    }
    if grants.allow_net {
        wasi.inherit_network()
            .allow_tcp(true)
            .allow_udp(true)
            .allow_ip_name_lookup(true);
    } else {
        // The defaults already deny; say so where a reader looks.
        wasi.allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
    }
    Ok(())
}

impl<T: Send> WasiView for StoreData<T> {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl<T: Send> WasiHttpView for StoreData<T> {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
