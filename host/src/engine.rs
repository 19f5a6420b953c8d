//! One engine and one linker per process, and a store per run.
//!
//! Timeouts are per store: a single ticker thread per engine advances the
//! engine's epoch every [`TICK`], and each store with a timeout gets a
//! deadline counted in ticks. Many stores with different timeouts can then
//! share one engine, as `serve` needs.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wasmtime::component::Linker;
use wasmtime::{Config, Engine, EngineWeak, Store, UpdateDeadline};

use crate::cache::CodeCache;
use crate::error::{RunError, cause};
use crate::limits::MemoryLimiter;
use crate::state::HostState;
use crate::{Loaded, RunOptions};

/// How often the epoch advances: the resolution of every timeout.
pub const TICK: Duration = Duration::from_millis(10);

/// Epoch deadline for stores without a timeout: effectively never.
const NO_DEADLINE: u64 = u64::MAX / 2;

/// How often a guest with a fuel limit yields to other tasks.
const FUEL_YIELD_INTERVAL: u64 = 100_000;

/// Configures a [`Host`].
#[derive(Debug, Clone, Default)]
pub struct HostBuilder {
    fuel: bool,
    cache_dir: Option<PathBuf>,
    pooling: bool,
    cache_max: Option<u64>,
    interruptible: bool,
    untimed: bool,
    no_concurrency: bool,
}

impl HostBuilder {
    /// Counts fuel in every store (`--fuel`). It changes the generated
    /// code, so it is chosen once per engine.
    pub fn fuel(mut self, enabled: bool) -> Self {
        self.fuel = enabled;
        self
    }

    /// Whether runs may have a timeout (the default). A timeout needs an
    /// epoch check at every function entry and loop of the guest's code;
    /// without them (`false`) guests run a few percent faster, and a store
    /// that asks for a timeout is refused. An
    /// [interruptible](Self::interruptible) host always has them.
    pub fn timeouts(mut self, enabled: bool) -> Self {
        self.untimed = !enabled;
        self
    }

    /// Whether the host runs WASI 0.3 (the default): the component model's
    /// async ABI, with a concurrent event loop in every store. Without it
    /// (`false`) the host runs WASI 0.2 guests only, and can link an app's
    /// components itself ([`Host::load_linked`]): a call forwarded from one
    /// component to another re-enters the store, which its event loop does
    /// not allow.
    pub fn concurrency(mut self, enabled: bool) -> Self {
        self.no_concurrency = !enabled;
        self
    }

    /// Allocates instances from pools reserved up front (`serve`), when the
    /// address space has room for them; see [`Host::pooling`].
    pub fn pooling_allocator(mut self, enabled: bool) -> Self {
        self.pooling = enabled;
        self
    }

    /// Where compiled code is cached; `None` compiles every time.
    ///
    /// Every entry is checked before its code is used: it carries the key
    /// of what it was compiled from (the bytes' hash and the engine's
    /// settings) and a BLAKE3 digest of the code, written with it. An
    /// entry that is truncated, damaged on disk, or copied over another
    /// one is compiled again and replaced, and the load lists it in
    /// [`Loaded::rejected`]. The check detects accidents; it does not
    /// protect against someone who can write the cache directory, who can
    /// write a matching digest too: whoever can write the cache can run
    /// native code in this process, as with Wasmtime's own cache. So
    /// [`build`](Self::build) refuses ([`RunError::InsecureCache`]) a cache
    /// that other users can write: the directory, its `functions/` folder
    /// or a folder above them owned by another user (root aside), writable
    /// by every user (above the cache, unless sticky like `/tmp`), or
    /// writable by its group while another user owns it.
    pub fn cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.cache_dir = dir;
        self
    }

    /// The size the cache is kept within, least recently used code going
    /// first; [`cache::DEFAULT_MAX`](crate::cache::DEFAULT_MAX) by default.
    pub fn cache_max(mut self, bytes: Option<u64>) -> Self {
        self.cache_max = bytes;
        self
    }

    /// Makes every run yield to the async executor at each epoch tick, so
    /// that dropping its future stops it within a tick even while the
    /// guest computes without calling the host (`wcomp dev` stops a run
    /// this way when a file changes).
    pub fn interruptible(mut self, enabled: bool) -> Self {
        self.interruptible = enabled;
        self
    }

    /// An engine with the component model and its async ABI, and a linker
    /// with everything the host provides: WASI 0.3, WASI 0.2, and wasi:http
    /// 0.2 and 0.3 (types, and outgoing requests, which are denied).
    pub fn build(self) -> Result<Host, RunError> {
        let engine_error = |e| RunError::Engine { source: cause(e) };
        // An interruptible host needs the epoch checks whatever it was told.
        let timeouts = self.interruptible || !self.untimed;
        let concurrency = !self.no_concurrency;
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .wasm_component_model_async(concurrency)
            .concurrency_support(concurrency)
            // `map<K, V>`: Wasmtime 48 lifts and lowers it, but off by default.
            .wasm_component_model_map(true)
            .epoch_interruption(timeouts)
            .consume_fuel(self.fuel);
        let pooling = self.pooling && crate::pooling::configure(&mut config);
        if let Some(dir) = &self.cache_dir {
            crate::cache::check_permissions(dir)?;
        }
        let cache = self
            .cache_dir
            .map(|dir| CodeCache::new(dir, self.cache_max.unwrap_or(crate::cache::DEFAULT_MAX)));
        if let Some(cache) = &cache {
            config
                .enable_incremental_compilation(cache.function_store())
                .map_err(engine_error)?;
        }
        let engine = Engine::new(&config).map_err(engine_error)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(engine_error)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(engine_error)?;
        if concurrency {
            wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(engine_error)?;
            wasmtime_wasi_http::p3::add_to_linker(&mut linker).map_err(engine_error)?;
        }
        Ok(Host {
            ticker: Ticker::new(&engine),
            engine,
            linker,
            fuel: self.fuel,
            pooling,
            interruptible: self.interruptible,
            timeouts,
            concurrency,
            cache,
            last_linked: std::sync::Mutex::default(),
        })
    }
}

/// An engine and a linker, ready to load components and run them.
pub struct Host {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    ticker: Ticker,
    fuel: bool,
    pooling: bool,
    interruptible: bool,
    timeouts: bool,
    concurrency: bool,
    pub(crate) cache: Option<CodeCache>,
    /// The parts of the last [linked load](Host::load_linked), with their
    /// bytes: loading the app again (after an edit) takes each part whose
    /// bytes did not change from here, without hashing or reading them.
    pub(crate) last_linked: std::sync::Mutex<Vec<(Vec<u8>, crate::load::Compiled)>>,
}

impl Host {
    /// A host with the default settings: no fuel, no compiled-code cache.
    pub fn builder() -> HostBuilder {
        HostBuilder::default()
    }

    /// The engine, for embeddings that need it (benchmarks, `serve`).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether instances come from the pooling allocator: asked for, and
    /// the address space had room for its pools.
    pub fn pooling(&self) -> bool {
        self.pooling
    }

    /// Whether runs may have a timeout; see [`HostBuilder::timeouts`].
    pub fn timeouts(&self) -> bool {
        self.timeouts
    }

    /// Whether it runs WASI 0.3 (see [`HostBuilder::concurrency`]).
    pub fn concurrency(&self) -> bool {
        self.concurrency
    }

    /// Starts advancing the epoch, for stores whose deadlines count ticks.
    pub(crate) fn start_ticker(&self) -> std::io::Result<()> {
        self.ticker.ensure_running()
    }

    /// A store for one run of `loaded`: the guest's WASI context and stdio,
    /// its memory limit, its deadline and its fuel.
    pub(crate) fn store(
        &self,
        loaded: &Loaded,
        opts: &RunOptions,
    ) -> Result<Store<HostState>, RunError> {
        let limiter = MemoryLimiter::new(opts.limits.max_memory);
        let state = HostState::new(opts, limiter)?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        if opts.limits.timeout.is_some() && !self.timeouts {
            return Err(RunError::Store {
                component: loaded.name.clone(),
                source: cause(wasmtime::format_err!(
                    "timeouts were turned off when the host was built (`HostBuilder::timeouts`)"
                )),
            });
        }
        match (opts.limits.timeout, self.interruptible) {
            (None, false) if !self.timeouts => {}
            (None, false) => store.set_epoch_deadline(NO_DEADLINE),
            (timeout, interruptible) => {
                self.ticker
                    .ensure_running()
                    .map_err(|source| RunError::Store {
                        component: loaded.name.clone(),
                        source: source.into(),
                    })?;
                match timeout {
                    _ if interruptible => yield_every_tick(&mut store, timeout),
                    Some(timeout) => {
                        store.set_epoch_deadline(ticks(timeout));
                        store.epoch_deadline_trap();
                    }
                    None => store.set_epoch_deadline(NO_DEADLINE),
                }
            }
        }
        let store_error = |e| RunError::Store {
            component: loaded.name.clone(),
            source: cause(e),
        };
        match (opts.limits.fuel, self.fuel) {
            (Some(_), false) => {
                return Err(store_error(wasmtime::format_err!(
                    "fuel was not enabled when the host was built (`HostBuilder::fuel`)"
                )));
            }
            // A store starts with no fuel: one without a limit gets all of it.
            (fuel, true) => {
                store
                    .set_fuel(fuel.unwrap_or(u64::MAX))
                    .map_err(store_error)?;
                store
                    .fuel_async_yield_interval(Some(FUEL_YIELD_INTERVAL))
                    .map_err(store_error)?;
            }
            (None, false) => {}
        }
        Ok(store)
    }
}

/// Yields to the executor at every tick, so the run stops within a tick
/// of its future being dropped; traps as a deadline would once `timeout`
/// has passed.
fn yield_every_tick(store: &mut Store<HostState>, timeout: Option<Duration>) {
    let deadline = timeout.map(|t| Instant::now() + t);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        Ok(match deadline {
            Some(deadline) if Instant::now() >= deadline => UpdateDeadline::Interrupt,
            _ => UpdateDeadline::Yield(1),
        })
    });
}

/// The deadline, in ticks, for a timeout: rounded up, at least one tick.
pub(crate) fn ticks(timeout: Duration) -> u64 {
    let tick = TICK.as_nanos();
    (timeout.as_nanos().div_ceil(tick) as u64).max(1)
}

/// Advances an engine's epoch every [`TICK`] from a thread started on the
/// first deadline; the thread ends once the engine is dropped.
struct Ticker {
    engine: EngineWeak,
    started: Mutex<bool>,
}

impl Ticker {
    fn new(engine: &Engine) -> Self {
        Ticker {
            engine: engine.weak(),
            started: Mutex::new(false),
        }
    }

    fn ensure_running(&self) -> std::io::Result<()> {
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        if !*started {
            let engine = self.engine.clone();
            std::thread::Builder::new()
                .name("wcomp-epoch".into())
                .spawn(move || {
                    while let Some(engine) = engine.upgrade() {
                        engine.increment_epoch();
                        drop(engine);
                        std::thread::sleep(TICK);
                    }
                })?;
            *started = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_to_whole_ticks() {
        assert_eq!(ticks(Duration::from_millis(1)), 1);
        assert_eq!(ticks(Duration::from_millis(10)), 1);
        assert_eq!(ticks(Duration::from_millis(11)), 2);
        assert_eq!(ticks(Duration::from_secs(1)), 100);
    }
}
