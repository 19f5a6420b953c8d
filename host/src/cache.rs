//! The compiled-code cache, in the directory given to
//! [`HostBuilder::cache_dir`](crate::HostBuilder::cache_dir), in two
//! layers. Whole components, and the large core modules the host compiles
//! on their own (see the host's `split` module), are keyed by the hash of their bytes
//! and of the engine's settings: an unchanged binary, or a module another
//! component carried, loads with a memory map, once its entry has passed
//! its check (`sealed.rs`): a damaged or misplaced entry is compiled again
//! and replaced, and the load says so ([`Rejected`]).
//! Below that, Cranelift's output for each function is keyed by the
//! function's content ([`functions`]): a new composition whose components
//! mostly did not change compiles only what did. Both layers share one
//! size limit with least-recently-used eviction ([`bound`]).

pub mod bound;
pub mod functions;
mod permissions;
pub(crate) mod recall;
mod sealed;

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use wasmtime::component::Component;
use wasmtime::{Engine, Module};

pub use bound::{DEFAULT_MAX, Tally, Usage, clean, evict, usage};
pub use functions::FunctionReuse;
use functions::FunctionStore;
pub use permissions::InsecureCache;
pub(crate) use permissions::check_permissions;
pub use sealed::BadEntry;

/// Whether the code came from the cache, and whether compiled code was
/// kept for the next load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// All of it came from the cache.
    Hit,
    /// Compiled, and written to the cache for the next load.
    Compiled,
    /// Compiled, and not cached: the host has no cache, or the cache
    /// could not be written.
    Uncached,
}

impl Outcome {
    /// The outcome of loading two things: a hit only if both were, cached
    /// only if both were.
    pub(crate) fn and(self, other: Outcome) -> Outcome {
        match (self, other) {
            (Outcome::Hit, Outcome::Hit) => Outcome::Hit,
            (Outcome::Uncached, _) | (_, Outcome::Uncached) => Outcome::Uncached,
            _ => Outcome::Compiled,
        }
    }
}

/// A cache entry that failed its check, and was compiled again and
/// replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejected {
    /// The entry's file.
    pub entry: PathBuf,
    /// What was wrong with it.
    pub reason: BadEntry,
}

impl std::fmt::Display for Rejected {
    /// `the cached code at `...` was not used (...); compiled again`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the cached code at `{}` was not used ({}); compiled it again",
            self.entry.display(),
            self.reason
        )
    }
}

/// One artifact, loaded: from the cache or compiled.
pub(crate) struct Fetched<A> {
    pub(crate) artifact: A,
    pub(crate) outcome: Outcome,
    pub(crate) reuse: FunctionReuse,
    /// The entry that was there and failed its check, if any.
    pub(crate) rejected: Option<Rejected>,
    /// The bytes' [`content_hash`], its key: `None` without a cache.
    pub(crate) content: Option<String>,
}

/// A host's view of the cache: where it is, its limit, and the store of
/// functions its engine's Cranelift reads and writes.
#[derive(Debug, Clone)]
pub(crate) struct CodeCache {
    dir: PathBuf,
    max: u64,
    functions: Arc<FunctionStore>,
}

impl CodeCache {
    pub(crate) fn new(dir: PathBuf, max: u64) -> Self {
        CodeCache {
            functions: Arc::new(FunctionStore::new(&dir)),
            dir,
            max,
        }
    }

    /// The per-function store, for `Config::enable_incremental_compilation`.
    pub(crate) fn function_store(&self) -> Arc<dyn wasmtime::CacheStore> {
        self.functions.clone()
    }
}

/// The hash whole entries are keyed by: the BLAKE3 hash of the bytes, in
/// hex. (Its bytes are hashed on every load, so the fastest hash.)
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The cache entry for bytes of hash `content` compiled by `engine`: its
/// key (file stem) and file.
fn entry(dir: &Path, engine: &Engine, content: &str) -> (String, PathBuf) {
    let mut settings = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut settings);
    let key = format!("{content}-{:016x}", settings.finish());
    let path = dir.join(format!("{key}.cwasm"));
    (key, path)
}

/// What the cache holds whole: a component, or a core module a component
/// imports (see [`crate::split`]).
pub(crate) trait Artifact: Sized {
    fn compile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self>;
    fn precompile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Vec<u8>>;
    /// # Safety
    /// `bytes` must come from [`Artifact::precompile`] of a compatible engine.
    unsafe fn deserialize(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self>;
    /// # Safety
    /// As for [`Artifact::deserialize`], for the file at `path`.
    unsafe fn deserialize_file(engine: &Engine, path: &Path) -> wasmtime::Result<Self>;
}

impl Artifact for Component {
    fn compile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self> {
        Component::new(engine, bytes)
    }
    fn precompile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Vec<u8>> {
        engine.precompile_component(bytes)
    }
    unsafe fn deserialize(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self> {
        // SAFETY: passed on to the caller.
        unsafe { Component::deserialize(engine, bytes) }
    }
    unsafe fn deserialize_file(engine: &Engine, path: &Path) -> wasmtime::Result<Self> {
        // SAFETY: passed on to the caller.
        unsafe { Component::deserialize_file(engine, path) }
    }
}

impl Artifact for Module {
    fn compile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self> {
        Module::new(engine, bytes)
    }
    fn precompile(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Vec<u8>> {
        engine.precompile_module(bytes)
    }
    unsafe fn deserialize(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Self> {
        // SAFETY: passed on to the caller.
        unsafe { Module::deserialize(engine, bytes) }
    }
    unsafe fn deserialize_file(engine: &Engine, path: &Path) -> wasmtime::Result<Self> {
        // SAFETY: passed on to the caller.
        unsafe { Module::deserialize_file(engine, path) }
    }
}

/// Compiles `bytes`, or loads the code compiled by an earlier run, and
/// says how many functions the compilation took from the cache. With no
/// `cache`, compiles without it. A cache that cannot be written is not an
/// error: the run goes on with the freshly compiled code.
pub(crate) fn load<A: Artifact>(
    engine: &Engine,
    bytes: &[u8],
    cache: Option<&CodeCache>,
) -> wasmtime::Result<Fetched<A>> {
    load_hashed(engine, bytes, None, cache)
}

/// Like [`load`], for bytes whose [`content_hash`] the caller has already
/// computed (`None`: hashed here, when there is a cache).
///
/// An entry is used only once it has passed its check (`sealed.rs`); one
/// that fails it (or that Wasmtime refuses) is compiled again, replaced
/// through a rename, and reported in [`Fetched::rejected`].
pub(crate) fn load_hashed<A: Artifact>(
    engine: &Engine,
    bytes: &[u8],
    content: Option<&str>,
    cache: Option<&CodeCache>,
) -> wasmtime::Result<Fetched<A>> {
    let Some(cache) = cache else {
        return Ok(Fetched {
            artifact: A::compile(engine, bytes)?,
            outcome: Outcome::Uncached,
            reuse: FunctionReuse::default(),
            rejected: None,
            content: None,
        });
    };
    let content = content.map_or_else(|| content_hash(bytes), str::to_owned);
    let (key, path) = entry(&cache.dir, engine, &content);
    let key = sealed::key_digest(&key);
    let rejected = match from_entry::<A>(engine, &path, &key) {
        Ok(Some(artifact)) => {
            return Ok(Fetched {
                artifact,
                outcome: Outcome::Hit,
                reuse: FunctionReuse::default(),
                rejected: None,
                content: Some(content),
            });
        }
        Ok(None) => None,
        Err(bad) => Some(bad),
    };
    let (before, written_before) = (cache.functions.reuse(), cache.functions.written());
    let compiled = A::precompile(engine, bytes)?;
    let reuse = cache.functions.reuse().since(before);
    let written = cache.functions.written() - written_before;
    // SAFETY: `compiled` was just produced by this engine.
    let artifact = unsafe { A::deserialize(engine, &compiled)? };
    let entry = sealed::seal(&key, compiled);
    let outcome = match write_unsynced(&path, &entry) {
        Ok(()) => {
            bound::settle(&cache.dir, cache.max, written + entry.len() as u64);
            Outcome::Compiled
        }
        Err(_) => Outcome::Uncached,
    };
    Ok(Fetched {
        artifact,
        outcome,
        reuse,
        rejected: rejected.map(|reason| Rejected {
            entry: path,
            reason,
        }),
        content: Some(content),
    })
}

/// The artifact cached for bytes of hash `content`, when the cache holds
/// one that passes its check: never compiles. For code known by its hash
/// alone (see [`recall`]); `None` sends the caller back to the bytes.
pub(crate) fn cached<A: Artifact>(engine: &Engine, content: &str, cache: &CodeCache) -> Option<A> {
    let (key, path) = entry(&cache.dir, engine, content);
    from_entry(engine, &path, &sealed::key_digest(&key))
        .ok()
        .flatten()
}

/// The artifact of the entry at `path` for `key`: `Ok(None)` when there
/// is none, `Err` when it failed its check or Wasmtime refused it.
fn from_entry<A: Artifact>(
    engine: &Engine,
    path: &Path,
    key: &[u8; 32],
) -> Result<Option<A>, BadEntry> {
    match sealed::check(path, key)? {
        None => Ok(None),
        // SAFETY: the file is whole, as `precompile` of an engine with the
        // same settings wrote it for these bytes (its trailer names them
        // and its digest matches; a component's bytes never equal a
        // module's), and deserialization checks the engine version,
        // settings and kind again.
        Some(()) => match unsafe { A::deserialize_file(engine, path) } {
            Ok(artifact) => {
                touch(path);
                Ok(Some(artifact))
            }
            Err(e) => Err(BadEntry::Refused(format!("{e:#}"))),
        },
    }
}

/// Marks a whole-component entry as just used, for eviction, when its
/// mark is more than a minute old.
fn touch(path: &Path) {
    let now = SystemTime::now();
    let Ok(file) = std::fs::File::open(path) else {
        return;
    };
    let old = file
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|m| now.duration_since(m).unwrap_or_default() > Duration::from_secs(60));
    if old {
        let _ = file.set_modified(now);
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, without
/// syncing: for cache files whose damage a reader detects. Creates the
/// folder if it is missing.
fn write_unsynced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temporary = || tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir);
    let mut tmp = match temporary() {
        Ok(tmp) => tmp,
        Err(_) => {
            permissions::create_dir_all(dir)?;
            temporary()?
        }
    };
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
