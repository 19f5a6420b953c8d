//! The compiled-code cache, under the wcomp cache directory, in two
//! layers. Whole components are keyed by the hash of their bytes and of
//! the engine's settings: an unchanged binary loads with a memory map.
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
use wasmtime::Engine;
use wasmtime::component::Component;

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

/// The cache file for `bytes` compiled by `engine`.
fn entry(dir: &Path, engine: &Engine, bytes: &[u8]) -> PathBuf {
    let content = hex::encode(Sha256::digest(bytes));
    let mut settings = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut settings);
    dir.join(format!("{content}-{:016x}.cwasm", settings.finish()))
}

/// Compiles `bytes`, or loads the code compiled by an earlier run, and
/// says how many functions the compilation took from the cache. With no
/// `cache`, compiles without it. A cache that cannot be written is not an
/// error: the run goes on with the freshly compiled code.
pub(crate) fn load(
    engine: &Engine,
    bytes: &[u8],
    cache: Option<&CodeCache>,
) -> wasmtime::Result<(Component, Outcome, FunctionReuse)> {
    let Some(cache) = cache else {
        let component = Component::new(engine, bytes)?;
        return Ok((component, Outcome::Compiled, FunctionReuse::default()));
    };
    let path = entry(&cache.dir, engine, bytes);
    if path.is_file() {
        // SAFETY: the file was written by `precompile_component` of an engine
        // with the same settings (its name carries both hashes), and
        // deserialization checks the engine version and settings again.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            touch(&path);
            return Ok((component, Outcome::Hit, FunctionReuse::default()));
        }
    }
    let (before, written_before) = (cache.functions.reuse(), cache.functions.written());
    let compiled = engine.precompile_component(bytes)?;
    let reuse = cache.functions.reuse().since(before);
    let written = cache.functions.written() - written_before;
    if wcomp_core::fs::write_atomically(&path, &compiled).is_ok() {
        bound::settle(&cache.dir, cache.max, written + compiled.len() as u64);
    }
    // SAFETY: `compiled` was just produced by this engine.
    let component = unsafe { Component::deserialize(engine, &compiled)? };
    Ok((component, Outcome::Compiled, reuse))
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
