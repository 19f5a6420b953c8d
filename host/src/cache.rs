//! The compiled-code cache: native code for each component, keyed by the
//! hash of its bytes and of the engine's settings, under the wcomp cache
//! directory. Without it an 18 MB Python component costs seconds of
//! Cranelift on every run; with it, a memory map.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled components go, inside the wcomp cache directory.
pub fn dir(home: &Path) -> PathBuf {
    home.join("compiled").join(concat!("wasmtime-", "48.0.8"))
}

/// Whether the code came from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Hit,
    Compiled,
}

/// The cache file for `bytes` compiled by `engine`.
fn entry(dir: &Path, engine: &Engine, bytes: &[u8]) -> PathBuf {
    let content = hex::encode(Sha256::digest(bytes));
    let mut settings = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut settings);
    dir.join(format!("{content}-{:016x}.cwasm", settings.finish()))
}

/// Compiles `bytes`, or loads the code compiled by an earlier run. With no
/// `dir`, compiles without the cache. A cache that cannot be written is not
/// an error: the run goes on with the freshly compiled code.
pub fn load(
    engine: &Engine,
    bytes: &[u8],
    dir: Option<&Path>,
) -> wasmtime::Result<(Component, Outcome)> {
    let Some(dir) = dir else {
        return Ok((Component::new(engine, bytes)?, Outcome::Compiled));
    };
    let path = entry(dir, engine, bytes);
    if path.is_file() {
        // SAFETY: the file was written by `precompile_component` of an engine
        // with the same settings (its name carries both hashes), and
        // deserialization checks the engine version and settings again.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok((component, Outcome::Hit));
        }
    }
    let compiled = engine.precompile_component(bytes)?;
    let _ = wcomp_core::fs::write_atomically(&path, &compiled);
    // SAFETY: `compiled` was just produced by this engine.
    let component = unsafe { Component::deserialize(engine, &compiled)? };
    Ok((component, Outcome::Compiled))
}
