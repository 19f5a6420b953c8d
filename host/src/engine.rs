//! One engine per process, a linker per component, and a store per run.
//!
//! Timeouts are per store: a single ticker thread per engine advances the
//! engine's epoch every [`TICK`], and each store with a timeout gets a
//! deadline counted in ticks. Many stores with different timeouts can then
//! share one engine, as `serve` needs.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime::component::Linker;
use wasmtime::{Config, Engine, EngineWeak, Store, UpdateDeadline};

use crate::cache::CodeCache;
use crate::error::{RunError, cause};
use crate::imports::Selection;
use crate::limits::MemoryLimiter;
use crate::profile::Profiler;
use crate::state::StoreData;
use crate::{Loaded, RunOptions};

/// How often the epoch advances: the resolution of every timeout.
pub const TICK: Duration = Duration::from_millis(10);

/// Epoch deadline for stores without a timeout: effectively never.
const NO_DEADLINE: u64 = u64::MAX / 2;

/// How often a guest with a fuel limit yields to other tasks.
const FUEL_YIELD_INTERVAL: u64 = 100_000;

/// Configures a [`Host`]: its engine's settings, its cache, and the
/// imports an embedder adds with their state `T`.
pub struct HostBuilder<T: 'static = ()> {
    fuel: bool,
    cache_dir: Option<PathBuf>,
    pooling: bool,
    cache_max: Option<u64>,
    interruptible: bool,
    timeouts: bool,
    concurrency: bool,
    target: Option<String>,
    data: MakeData<T>,
    links: Vec<Link<T>>,
}

/// Makes the embedder's data for each new store.
type MakeData<T> = Arc<dyn Fn() -> T + Send + Sync>;

/// Adds an embedder's imports to a linker the host makes.
type Link<T> = Arc<dyn Fn(&mut Linker<StoreData<T>>) -> wasmtime::Result<()> + Send + Sync>;

impl<T: 'static> Clone for HostBuilder<T> {
    fn clone(&self) -> Self {
        HostBuilder {
            cache_dir: self.cache_dir.clone(),
            target: self.target.clone(),
            data: self.data.clone(),
            links: self.links.clone(),
            ..*self
        }
    }
}

impl Default for HostBuilder {
    fn default() -> Self {
        HostBuilder::with_data(|| ())
    }
}

impl<T: 'static> std::fmt::Debug for HostBuilder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostBuilder")
            .field("fuel", &self.fuel)
            .field("cache_dir", &self.cache_dir)
            .field("pooling", &self.pooling)
            .field("cache_max", &self.cache_max)
            .field("interruptible", &self.interruptible)
            .field("timeouts", &self.timeouts)
            .field("concurrency", &self.concurrency)
            .field("target", &self.target)
            .field("links", &self.links.len())
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> HostBuilder<T> {
    /// The default settings, with `data` making the embedder's data of each
    /// store.
    fn with_data(data: impl Fn() -> T + Send + Sync + 'static) -> Self {
        HostBuilder {
            fuel: false,
            cache_dir: None,
            pooling: false,
            cache_max: None,
            interruptible: false,
            timeouts: true,
            concurrency: true,
            target: None,
            data: Arc::new(data),
            links: Vec::new(),
        }
    }

    /// Adds the embedder's own imports, beside WASI and wasi:http: `link`
    /// is given each linker the host makes (one per component loaded, with
    /// the WASI packages it imports), and its functions reach the
    /// embedder's data through [`StoreData`].
    /// A function defined by hand:
    ///
    /// ```
    /// use wcomp_host::{Host, StoreData};
    /// // Each store counts the calls its guest makes to `next`.
    /// let host = Host::builder_with(|| 0u32)
    ///     .link(|linker| {
    ///         linker.instance("example:host/counter")?.func_wrap(
    ///             "next",
    ///             |mut store: wasmtime::StoreContextMut<'_, StoreData<u32>>, (): ()| {
    ///                 let count = store.data_mut().data_mut();
    ///                 *count += 1;
    ///                 Ok((*count,))
    ///             },
    ///         )
    ///     })
    ///     .build()?;
    /// # Ok::<(), wcomp_host::RunError>(())
    /// ```
    ///
    /// Or every import of a world, from the host traits that
    /// `wasmtime::component::bindgen!` generates, sync and `async` alike,
    /// with [`StoreData::data_mut`] as the getter (see
    /// `examples/custom_import.rs`):
    /// `MyWorld::add_to_linker::<_, HasSelf<MyState>>(linker, StoreData::data_mut)`.
    ///
    /// Names the host already provides cannot be defined again: building
    /// fails with [`RunError::Imports`].
    pub fn link(
        mut self,
        link: impl Fn(&mut Linker<StoreData<T>>) -> wasmtime::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.links.push(Arc::new(link));
        self
    }

    /// Counts fuel in every store (`--fuel`). It changes the generated
    /// code, so it is chosen once per engine.
    pub fn fuel(mut self, enabled: bool) -> Self {
        self.fuel = enabled;
        self
    }

    /// Whether runs may have a timeout (the default). A timeout needs an
    /// epoch check at every function entry and loop of the guest's code;
    /// without them (`false`) guests run a few percent faster, and a store
    /// that asks for a timeout, or a profile (see [`crate::profile`]), is
    /// refused. An
    /// [interruptible](Self::interruptible) host always has them.
    pub fn timeouts(mut self, enabled: bool) -> Self {
        self.timeouts = enabled;
        self
    }

    /// Whether the host runs WASI 0.3 (the default): the component model's
    /// async ABI, with a concurrent event loop in every store. Without it
    /// (`false`) the host runs WASI 0.2 guests only, and can link an app's
    /// components itself ([`Host::load_linked`]): a call forwarded from one
    /// component to another re-enters the store, which its event loop does
    /// not allow.
    pub fn concurrency(mut self, enabled: bool) -> Self {
        self.concurrency = enabled;
        self
    }

    /// Allocates instances from pools reserved up front (`serve`), when the
    /// address space has room for them; see [`Host::pooling`].
    pub fn pooling_allocator(mut self, enabled: bool) -> Self {
        self.pooling = enabled;
        self
    }

    /// Compiles for another target triple (e.g. `aarch64-unknown-linux-gnu`
    /// or `x86_64-apple-darwin`) than this machine's, for
    /// [`Host::precompile`]; `None` (the default) compiles for this machine.
    /// Cranelift cross-compiles to the architectures this crate is built
    /// with, x86_64 and aarch64, for any operating system; a host for
    /// another target compiles, but cannot run what it compiles.
    pub fn target(mut self, triple: Option<String>) -> Self {
        self.target = triple;
        self
    }

    /// Where compiled code is cached; `None` compiles every time.
    ///
    /// Every entry is checked before its code is used: it carries the key
    /// of what it was compiled from (the bytes' hash and the engine's
    /// settings) and a BLAKE3 digest of the code, written with it. An
    /// entry that is truncated, damaged on disk, or copied over another
    /// one is compiled again and replaced, and the load lists it in
    /// [`Loaded::rejected`]. The code is hashed on an entry's first load;
    /// a memo beside the entry then records the file's device, inode,
    /// size and modification and change times, and later loads hash again
    /// only when those differ (any write, copy or rename over the entry
    /// changes them). Damage that changes none of them, such as a failing
    /// disk flipping a bit in place after the first load, is not seen
    /// until the entry is next written. The check detects accidents; it does not
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

    /// An engine with the component model and its async ABI, for a host
    /// that provides WASI 0.3, WASI 0.2, and wasi:http 0.2 and 0.3 (types,
    /// and outgoing requests, which are denied). Each component is linked
    /// against the packages it imports when it is loaded.
    pub fn build(self) -> Result<Host<T>, RunError> {
        let engine_error = |e| RunError::Engine { source: cause(e) };
        // An interruptible host needs the epoch checks whatever it was told.
        let timeouts = self.interruptible || self.timeouts;
        let concurrency = self.concurrency;
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .wasm_component_model_async(concurrency)
            .concurrency_support(concurrency)
            // `map<K, V>`: Wasmtime 48 lifts and lowers it, but off by default.
            .wasm_component_model_map(true)
            .epoch_interruption(timeouts)
            .consume_fuel(self.fuel);
        config
            .module_version(wasmtime::ModuleVersionStrategy::Custom(
                crate::precompiled::MODULE_VERSION.to_owned(),
            ))
            .map_err(engine_error)?;
        if let Some(triple) = &self.target {
            config.target(triple).map_err(|e| RunError::Target {
                triple: triple.clone(),
                source: cause(e),
            })?;
        }
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
        let engine = Engine::new(&config).map_err(|e| match self.target {
            // The triple parsed: Cranelift was built without its architecture.
            Some(triple) => RunError::Target {
                triple,
                source: cause(e),
            },
            None => engine_error(e),
        })?;
        let host = Host {
            ticker: Ticker::new(&engine),
            engine,
            links: self.links,
            fuel: self.fuel,
            pooling,
            interruptible: self.interruptible,
            timeouts,
            concurrency,
            cache,
            last_linked: std::sync::Mutex::default(),
            data: self.data,
        };
        // An embedder's import may not take a name the host provides, in
        // any package: checked once, here, rather than at each load.
        if !host.links.is_empty() {
            host.linker(Selection::All)?;
        }
        Ok(host)
    }
}

/// An engine and a linker, ready to load components and run them, in
/// stores whose data holds a `T` of the embedder's (see
/// [`Host::builder_with`]).
pub struct Host<T: 'static = ()> {
    pub(crate) engine: Engine,
    /// The embedder's own imports, added to every linker.
    links: Vec<Link<T>>,
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
    /// Makes the embedder's data for each store.
    data: MakeData<T>,
}

impl Host {
    /// A host with the default settings (no fuel, no compiled-code cache)
    /// and no data of the embedder's in its stores.
    pub fn builder() -> HostBuilder {
        HostBuilder::default()
    }
}

impl<T: Send + 'static> Host<T> {
    /// A host whose every store holds data of the embedder's, made by
    /// `data`: a fresh value per run, per `invoke` and per instance `serve`
    /// makes. State shared between stores goes behind an `Arc` in it.
    pub fn builder_with(data: impl Fn() -> T + Send + Sync + 'static) -> HostBuilder<T> {
        HostBuilder::with_data(data)
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

    /// Whether the embedder added imports of their own.
    pub(crate) fn extended(&self) -> bool {
        !self.links.is_empty()
    }

    /// A linker with the host's imports that `selection` names (see
    /// [`crate::imports`]) and the embedder's own.
    pub(crate) fn linker(
        &self,
        selection: Selection<'_>,
    ) -> Result<Linker<StoreData<T>>, RunError> {
        let mut linker = crate::imports::linker(&self.engine, self.concurrency, selection)
            .map_err(|e| RunError::Engine { source: cause(e) })?;
        for link in &self.links {
            link(&mut linker).map_err(|e| RunError::Imports { source: cause(e) })?;
        }
        Ok(linker)
    }

    /// Refuses a component another host loaded: its code belongs to that
    /// host's engine.
    pub(crate) fn check_engine(&self, loaded: &Loaded<T>) -> Result<(), RunError> {
        match Engine::same(&self.engine, loaded.component.engine()) {
            true => Ok(()),
            false => Err(RunError::OtherHost {
                component: loaded.name.clone(),
            }),
        }
    }

    /// Starts advancing the epoch, for stores whose deadlines count ticks.
    pub(crate) fn start_ticker(&self) -> std::io::Result<()> {
        self.ticker.ensure_running()
    }

    /// A store for one run of `loaded`: the guest's WASI context and stdio,
    /// its memory limit, its deadline and its fuel.
    pub(crate) fn store(
        &self,
        loaded: &Loaded<T>,
        opts: &RunOptions,
    ) -> Result<Store<StoreData<T>>, RunError> {
        self.check_engine(loaded)?;
        let limiter = MemoryLimiter::new(opts.limits.max_memory);
        let state = StoreData::new(opts, limiter, (self.data)())?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        self.set_deadline(&mut store, loaded, opts)?;
        let store_error = |e| RunError::Store {
            component: loaded.name.clone(),
            source: cause(e),
        };
        if opts.tracer.as_ref().is_some_and(|t| t.traces_host_calls()) {
            crate::trace::host_calls::watch(&mut store).map_err(|e| store_error(e.into()))?;
        }
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

    /// Sets the store's epoch deadline: none, a timeout alone (a deadline
    /// in ticks that traps), or a callback at every tick when the host is
    /// interruptible or the run profiled. Only those install a callback,
    /// so a run without them pays nothing for it.
    fn set_deadline(
        &self,
        store: &mut Store<StoreData<T>>,
        loaded: &Loaded<T>,
        opts: &RunOptions,
    ) -> Result<(), RunError> {
        let refuse = |why: &str| RunError::Store {
            component: loaded.name.clone(),
            source: cause(wasmtime::Error::msg(why.to_owned())),
        };
        if !self.timeouts && opts.limits.timeout.is_some() {
            return Err(refuse(
                "timeouts were turned off when the host was built (`HostBuilder::timeouts`)",
            ));
        }
        if !self.timeouts && opts.profiler.is_some() {
            return Err(refuse(
                "profiling needs the epoch checks of timeouts, which were turned off when the host was built (`HostBuilder::timeouts`)",
            ));
        }
        if opts.profiler.is_some() && loaded.linked > 0 {
            return Err(refuse(
                "a linked app cannot be profiled: profile the composed component, loaded whole",
            ));
        }
        let (timeout, profiler) = (opts.limits.timeout, opts.profiler.clone());
        if timeout.is_none() && profiler.is_none() && !self.interruptible {
            if self.timeouts {
                store.set_epoch_deadline(NO_DEADLINE);
            }
            return Ok(());
        }
        self.ticker
            .ensure_running()
            .map_err(|source| RunError::Store {
                component: loaded.name.clone(),
                source: source.into(),
            })?;
        match (timeout, profiler) {
            (Some(timeout), None) if !self.interruptible => {
                store.set_epoch_deadline(ticks(timeout));
                store.epoch_deadline_trap();
            }
            (timeout, profiler) => {
                if let Some(profiler) = &profiler {
                    profiler
                        .start(&self.engine, loaded)
                        .map_err(|e| refuse(&format!("cannot start the profiler: {e}")))?;
                    crate::profile::hook_calls(store, profiler.clone());
                }
                every_tick(store, timeout, self.interruptible, profiler);
            }
        }
        Ok(())
    }
}

/// Runs a callback at every tick: it samples the guest into `profiler`,
/// if any; traps as a deadline would once `timeout` has passed; and, for
/// an `interruptible` host, yields to the executor, so the run stops
/// within a tick of its future being dropped.
fn every_tick<T>(
    store: &mut Store<StoreData<T>>,
    timeout: Option<Duration>,
    interruptible: bool,
    profiler: Option<Arc<Profiler>>,
) {
    let deadline = timeout.map(|t| Instant::now() + t);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |store| {
        if let Some(profiler) = &profiler {
            profiler.sample(&store);
        }
        Ok(match deadline {
            Some(deadline) if Instant::now() >= deadline => UpdateDeadline::Interrupt,
            _ if interruptible => UpdateDeadline::Yield(1),
            _ => UpdateDeadline::Continue(1),
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
