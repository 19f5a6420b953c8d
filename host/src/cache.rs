//! The compiled-code cache, under the wcomp cache directory, in two
//! layers. Whole components, and the large core modules the host compiles
//! on their own ([`crate::split`]), are keyed by the hash of their bytes
//! and of the engine's settings: an unchanged binary, or a module another
//! component carried, loads with a memory map.
//! Below that, Cranelift's output for each function is keyed by the
//! function's content ([`functions`]): a new composition whose components
//! mostly did not change compiles only what did. Both layers share one
//! size limit with least-recently-used eviction ([`bound`]).

pub mod bound;
pub mod functions;

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Engine, Module};

pub use bound::{DEFAULT_MAX, Tally, Usage, clean, evict, usage};
pub use functions::FunctionReuse;
use functions::FunctionStore;

/// Where compiled code goes, inside the wcomp cache directory.
pub fn dir(home: &Path) -> PathBuf {
    home.join("compiled").join(concat!("wasmtime-", "48.0.8"))
}

/// Whether the code came from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Hit,
    Compiled,
}

impl Outcome {
    /// The outcome of loading two things: a hit only if both were.
    pub(crate) fn and(self, other: Outcome) -> Outcome {
        match (self, other) {
            (Outcome::Hit, Outcome::Hit) => Outcome::Hit,
            _ => Outcome::Compiled,
        }
    }
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

/// The hash whole entries are keyed by: the SHA-256 of the bytes, in hex.
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The cache file for bytes of hash `content` compiled by `engine`.
fn entry(dir: &Path, engine: &Engine, content: &str) -> PathBuf {
    let mut settings = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut settings);
    dir.join(format!("{content}-{:016x}.cwasm", settings.finish()))
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
) -> wasmtime::Result<(A, Outcome, FunctionReuse)> {
    load_hashed(engine, bytes, None, cache)
}

/// Like [`load`], for bytes whose [`content_hash`] the caller has already
/// computed (`None`: hashed here, when there is a cache).
pub(crate) fn load_hashed<A: Artifact>(
    engine: &Engine,
    bytes: &[u8],
    content: Option<&str>,
    cache: Option<&CodeCache>,
) -> wasmtime::Result<(A, Outcome, FunctionReuse)> {
    let Some(cache) = cache else {
        let artifact = A::compile(engine, bytes)?;
        return Ok((artifact, Outcome::Compiled, FunctionReuse::default()));
    };
    let content = content.map_or_else(|| content_hash(bytes), str::to_owned);
    let path = entry(&cache.dir, engine, &content);
    if path.is_file() {
        // SAFETY: the file was written by `precompile` of an engine with the
        // same settings (its name carries both hashes; a component's bytes
        // never equal a module's), and deserialization checks the engine
        // version, settings and kind again.
        if let Ok(artifact) = unsafe { A::deserialize_file(engine, &path) } {
            touch(&path);
            return Ok((artifact, Outcome::Hit, FunctionReuse::default()));
        }
    }
    let (before, written_before) = (cache.functions.reuse(), cache.functions.written());
    let compiled = A::precompile(engine, bytes)?;
    let reuse = cache.functions.reuse().since(before);
    let written = cache.functions.written() - written_before;
    if wcomp_core::fs::write_atomically(&path, &compiled).is_ok() {
        bound::settle(&cache.dir, cache.max, written + compiled.len() as u64);
    }
    // SAFETY: `compiled` was just produced by this engine.
    let artifact = unsafe { A::deserialize(engine, &compiled)? };
    Ok((artifact, Outcome::Compiled, reuse))
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
/// syncing: for cache files whose damage a reader detects.
fn write_unsynced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
